#!/usr/bin/env bash
# Re-vendors the CRDs the local cluster installs (components/slipway/platform/crds/<name>/) from
# Go modules on the module proxy, unchanged, and writes each folder's README with the module's
# checksum, the zip's sha256 and every file's sha256. Run it only to upgrade; the files are
# committed so that `slipway cluster up` needs no network.
#   bash toolchain/cluster/vendor_crds.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
crds="$repo/components/slipway/platform/crds"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOWORK=off

vendor() { # folder title module version subdir why files...
	local folder="$1" title="$2" module="$3" version="$4" subdir="$5" why="$6"
	shift 6
	local info dir sum zip
	info="$(cd "$(mktemp -d)" && go mod download -json "$module@$version")"
	dir="$(sed -n 's/.*"Dir": "\(.*\)",/\1/p' <<<"$info")"
	sum="$(sed -n 's/.*"Sum": "\(.*\)",/\1/p' <<<"$info")"
	zip="$(sed -n 's/.*"Zip": "\(.*\)",/\1/p' <<<"$info")"
	rm -rf "${crds:?}/$folder" && mkdir -p "$crds/$folder"
	install -m 0644 "$dir/LICENSE" "$crds/$folder/LICENSE"
	local f
	for f in "$@"; do install -m 0644 "$dir/$subdir/$f" "$crds/$folder/$f"; done
	{
		echo "# $title CRDs (vendored)"
		echo
		echo "Copied unchanged from upstream so that \`slipway cluster up\` can install them without a"
		echo "network download (toolchain/cluster/vendor_crds.sh wrote this folder). $why"
		echo
		echo "- Source: Go module \`$module\` **$version**, directory \`$subdir/\`, fetched from the Go"
		echo "  module proxy: \`go mod download -json $module@$version\`"
		echo "- Module checksum (go.sum): \`$sum\`"
		echo "- Module zip sha256: \`$(sha256sum "$zip" | cut -d' ' -f1)\`"
		echo "- License: \`LICENSE\`, from the same module."
		echo
		echo "| file | sha256 |"
		echo "|---|---|"
		for f in "$@"; do echo "| $f | $(sha256sum "$crds/$folder/$f" | cut -d' ' -f1) |"; done
		echo
		echo "To upgrade: change the version in toolchain/cluster/vendor_crds.sh and run it. Verify with"
		echo "\`sha256sum components/slipway/platform/crds/$folder/*.yaml\`."
	} >"$crds/$folder/README.md"
	echo "vendored $module@$version into platform/crds/$folder" >&2
}

vendor prometheus-operator "Prometheus operator" github.com/prometheus-operator/prometheus-operator v0.83.0 \
	example/prometheus-operator-crd \
	"v0.83.0 is the operator of kube-prometheus-stack 75.15.0, the chart the observability platform pins." \
	monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml \
	monitoring.coreos.com_prometheusrules.yaml monitoring.coreos.com_probes.yaml
vendor istio "Istio" istio.io/api v1.27.3 kubernetes \
	"Every Istio CRD in one file, from the API module of Istio 1.27.3, the mesh version the platform pins (its base chart ships the same CRDs)." \
	customresourcedefinitions.gen.yaml
vendor external-secrets "External Secrets" github.com/external-secrets/external-secrets v0.20.4 \
	config/crds/bases \
	"v0.20.4 is the operator of the external-secrets chart the platform pins." \
	external-secrets.io_externalsecrets.yaml external-secrets.io_secretstores.yaml \
	external-secrets.io_clustersecretstores.yaml
vendor cert-manager "cert-manager" github.com/cert-manager/cert-manager v1.18.2 deploy/crds \
	"v1.18.2 is the cert-manager chart the gateway pins. These files are the chart's CRD templates: Helm directives sit in YAML comments and label values (\`'{{ template ... }}'\`), so the cluster installer drops \`metadata.labels\` and \`metadata.annotations\` of every vendored CRD before applying it." \
	crd-certificates.yaml crd-issuers.yaml crd-clusterissuers.yaml
