#!/usr/bin/env bash
# Builds (once) the Pulumi YAML language host, pulumi-language-yaml, from the Go module proxy
# into ~/.cache/slipway/tools/pulumi-language-yaml-v<version>/, like the rest of the toolchain.
# Only the YAML example (examples/yaml-service) and its test need it.
#
# Its version lives here, not in versions.env: that file keys the main toolchain cache, and a
# YAML bump must not rebuild the CLI and providers. github.com/pulumi/pulumi-yaml has no replace
# directives, so `go install module@version` builds it with its own go.sum (it requires
# pulumi pkg/sdk v3.206.0; it does not compile against the CLI's v3.259.0).
#
# stdout: only the directory holding the binary (last line). Progress goes to stderr.
set -euo pipefail

PULUMI_YAML_VERSION=1.25.0
dest="${SLIPWAY_TOOLS_DIR:-$HOME/.cache/slipway/tools}/pulumi-language-yaml-v$PULUMI_YAML_VERSION"

if [[ -x "$dest/pulumi-language-yaml" ]]; then
	printf '%s\n' "$dest"
	exit 0
fi
# shellcheck source=cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/cache.sh"
cache_find_go
echo "==> pulumi-language-yaml v$PULUMI_YAML_VERSION ($dest; a few minutes cold)" >&2
tmp="$(mktemp -d "${dest}.tmp-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOTOOLCHAIN=local GOWORK=off CGO_ENABLED="${CGO_ENABLED:-0}" GOFLAGS=-buildvcs=false \
	nice -n 10 go install -trimpath \
	-ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$PULUMI_YAML_VERSION" \
	"github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$PULUMI_YAML_VERSION" >&2
chmod 0755 "$tmp"
mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp" # someone else published first: theirs is as good
trap - EXIT
printf '%s\n' "$dest"
