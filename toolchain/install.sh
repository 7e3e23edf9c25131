#!/usr/bin/env bash
# Builds (once) and caches Slipway's Pulumi toolchain outside the repo:
#   <cache>/<key>/bin/pulumi                          Pulumi CLI (pkg/v3 cmd/pulumi)
#   <cache>/<key>/bin/pulumi-language-python          Python language host (wrappers/pulumi/cmd/...)
#   <cache>/<key>/bin/pulumi-language-python-exec     from the sdk/v3 module
#   <cache>/<key>/home/plugins/resource-kubernetes-vX  kubernetes provider, installed as a plugin
# <cache> is ${SLIPWAY_TOOLCHAIN_DIR:-$HOME/.cache/slipway/toolchain}; <key> changes whenever
# versions.env or anything under wrappers/ changes.
#
# Everything is built from the Go module cache / Go module proxy; nothing is downloaded from
# anywhere else. A warm cache returns immediately. A build happens in a temp dir next to the
# final one and is renamed into place at the end, so an interrupted build never leaves a
# half-populated cache entry.
#
# stdout: only the bin dir (last line). Progress goes to stderr.
# Use `source toolchain/env.sh` to get a ready-to-use shell environment.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=cache.sh
source "$here/cache.sh" # the cache discipline shared with toolchain/cluster/build.sh

cache_root="${SLIPWAY_TOOLCHAIN_DIR:-$HOME/.cache/slipway/toolchain}"
cache_what="toolchain"

# Cache key: readable versions + hash of every input that affects the build output.
inputs_hash="$(cache_inputs_hash "$here")"
key="pulumi-${PULUMI_VERSION}-k8s-${PULUMI_KUBERNETES_VERSION}-${inputs_hash:0:12}"
dest="$cache_root/$key"

is_complete() {
	[[ -f "$1/.complete" && -x "$1/bin/pulumi" && -x "$1/bin/pulumi-language-python" &&
		-x "$1/bin/pulumi-language-python-exec" &&
		-x "$1/home/plugins/resource-kubernetes-v${PULUMI_KUBERNETES_VERSION}/pulumi-resource-kubernetes" ]]
}

# ---- an installed official CLI (SLIPWAY_PULUMI) -------------------------------------------
# SLIPWAY_PULUMI=auto (default): use an installed compatible `pulumi` when there is one, else
# build; `system`: the installed one or an error saying what is missing; `build`: always ours.
# Compatible: a `pulumi` on PATH (not one of ours) reporting v3 at or after PULUMI_VERSION (a
# newer CLI runs the pinned Python SDK), with pulumi-language-python and its -exec script next
# to it, and the kubernetes plugin v$PULUMI_KUBERNETES_VERSION installed in its PULUMI_HOME.
# stdout: the installed CLI's bin dir; stderr: why it does not fit.
installed_pulumi_bin() {
	local candidate dir version home
	home="${PULUMI_HOME:-$HOME/.pulumi}"
	while IFS= read -r candidate; do
		dir="$(cd "$(dirname "$candidate")" && pwd -P)"
		case "$dir/" in "$(mkdir -p "$cache_root" && cd "$cache_root" && pwd -P)"/*) continue ;; esac
		version="$(PULUMI_SKIP_UPDATE_CHECK=true "$candidate" version 2>/dev/null)" || {
			echo "installed pulumi $candidate: 'pulumi version' failed" >&2
			return 1
		}
		version="${version#v}"
		if [[ "$version" != 3.* ]] ||
			[[ "$(printf '%s\n%s\n' "$PULUMI_VERSION" "$version" | sort -V | head -n1)" != "$PULUMI_VERSION" ]]; then
			echo "installed pulumi $candidate is v$version; Slipway needs v3, at least v$PULUMI_VERSION" >&2
			return 1
		fi
		if [[ ! -x "$dir/pulumi-language-python" || ! -x "$dir/pulumi-language-python-exec" ]]; then
			echo "installed pulumi $candidate has no pulumi-language-python(-exec) next to it" >&2
			return 1
		fi
		if [[ ! -x "$home/plugins/resource-kubernetes-v$PULUMI_KUBERNETES_VERSION/pulumi-resource-kubernetes" ]]; then
			echo "installed pulumi $candidate: the kubernetes plugin v$PULUMI_KUBERNETES_VERSION is not in $home/plugins" \
				"(pulumi plugin install resource kubernetes v$PULUMI_KUBERNETES_VERSION)" >&2
			return 1
		fi
		printf '%s\n' "$dir"
		return 0
	done < <(type -ap pulumi)
	echo "no pulumi installed on PATH" >&2
	return 1
}

case "${SLIPWAY_PULUMI:-auto}" in
build) ;;
auto)
	if installed="$(installed_pulumi_bin 2>/dev/null)"; then
		printf '%s\n' "$installed"
		exit 0
	fi
	;;
system)
	if ! installed="$(installed_pulumi_bin)"; then
		echo "SLIPWAY_PULUMI=system: no compatible installed pulumi (see above); install it, or set SLIPWAY_PULUMI=build (or auto) to build one from Go modules" >&2
		exit 1
	fi
	printf '%s\n' "$installed"
	exit 0
	;;
*)
	echo "SLIPWAY_PULUMI=${SLIPWAY_PULUMI}: expected auto (the default), system or build" >&2
	exit 1
	;;
esac

# ---- warm path ----------------------------------------------------------------------------
cache_use_if_complete

# ---- cold path ----------------------------------------------------------------------------
cache_start
cache_lock
cache_use_local_go 1.25.11
export CGO_ENABLED="${CGO_ENABLED:-0}"
require_pin pulumi/go.mod github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION"
require_pin pulumi/go.mod github.com/pulumi/pulumi/sdk/v3 "v$PULUMI_VERSION"
require_pin kubernetes/go.mod github.com/pulumi/pulumi-kubernetes/provider/v4 "$PULUMI_KUBERNETES_PROVIDER_MODULE"
require_pin kubernetes/go.mod github.com/pulumi/pulumi-kubernetes/sdk/v4 "$PULUMI_KUBERNETES_SDK_MODULE"

cache_make_tmp
mkdir -p "$tmp/src" "$tmp/bin" "$tmp/home" "$tmp/providers"
cp -R "$here/wrappers/pulumi" "$tmp/src/pulumi"
cp -R "$here/wrappers/kubernetes" "$tmp/src/kubernetes"

# 1. Pulumi CLI + Python language host (one go build: shared packages compile once).
log "building pulumi CLI v$PULUMI_VERSION and pulumi-language-python (takes minutes cold)..."
t=$SECONDS
(
	cd "$tmp/src/pulumi"
	go build -trimpath \
		-ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
		-o "$tmp/bin/" \
		github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
		./cmd/pulumi-language-python
) >&2 9>&- # children must not inherit the lock fd
log "built pulumi CLI in $((SECONDS - t))s"

# 2. pulumi-language-python-exec ships in the sdk/v3 module; module zips drop exec bits.
sdk_dir="$(cd "$tmp/src/pulumi" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$tmp/bin/pulumi-language-python-exec"

# 3. Kubernetes provider.
log "building pulumi-resource-kubernetes v$PULUMI_KUBERNETES_VERSION ($PULUMI_KUBERNETES_PROVIDER_MODULE; takes minutes cold)..."
t=$SECONDS
(
	cd "$tmp/src/kubernetes"
	go mod download github.com/pulumi/pulumi-kubernetes/provider/v4
	prov_dir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)"
	go run ./genembed "$prov_dir/cmd/pulumi-resource-kubernetes" . "$PULUMI_KUBERNETES_VERSION"
	go build -trimpath \
		-ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
		-o "$tmp/providers/pulumi-resource-kubernetes" .
) >&2 9>&- # children must not inherit the lock fd
log "built kubernetes provider in $((SECONDS - t))s"

# 4. Install the provider as a regular plugin into our private PULUMI_HOME so that
#    `pulumi plugin ls` lists it and the engine never tries to download it.
PULUMI_HOME="$tmp/home" PULUMI_SKIP_UPDATE_CHECK=true \
	"$tmp/bin/pulumi" plugin install resource kubernetes "v$PULUMI_KUBERNETES_VERSION" \
	--file "$tmp/providers/pulumi-resource-kubernetes" >&2 9>&-
rm -rf "$tmp/providers" "$tmp/src"

# 5. Sanity check, then publish atomically.
got="$("$tmp/bin/pulumi" version)"
[[ "$got" == "v$PULUMI_VERSION" ]] || die "built pulumi reports '$got', expected v$PULUMI_VERSION"
cache_stamp
# Keep the newest ${SLIPWAY_TOOLCHAIN_KEEP:-2} entries (this one included); older ones are ~300 MB each.
cache_publish 'pulumi-*' "${SLIPWAY_TOOLCHAIN_KEEP:-2}"
log "toolchain ready in $((SECONDS - start))s: $dest ($(du -sh "$dest" | cut -f1))"
printf '%s\n' "$dest/bin"
