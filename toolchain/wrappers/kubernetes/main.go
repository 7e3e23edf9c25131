// Slipway wrapper for the pulumi-kubernetes resource provider.
//
// The upstream main package (provider/v4/cmd/pulumi-resource-kubernetes)
// embeds schema-embed.json and terraform-mapping-embed.json, which are
// generated files and not part of the Go module zip. toolchain/install.sh
// generates them next to this file from the module's own schema.json and
// terraform-mapping.json (stamping the schema version), then builds this.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
