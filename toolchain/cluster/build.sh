#!/usr/bin/env bash
# Builds (once) and caches the binaries of Slipway's local cluster, outside the repo:
#   <cache>/<key>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   <cache>/<key>/bin/etcd
#   <cache>/<key>/bin/{kwok,kwokctl}
# <cache> is ${SLIPWAY_CLUSTER_CACHE_DIR:-$HOME/.cache/slipway/cluster}; <key> changes whenever
# versions.env or anything under wrappers/ changes.
#
# Same discipline as toolchain/install.sh, shared through toolchain/cache.sh: everything comes
# from the Go module proxy, a warm cache returns at once, a cold build happens in a temp dir
# renamed into place at the end (an interrupted build never leaves a half-populated entry) and
# prints how long each part took.
#
# stdout: only the bin dir (last line). Progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=../cache.sh
source "$here/../cache.sh"

cache_root="${SLIPWAY_CLUSTER_CACHE_DIR:-$HOME/.cache/slipway/cluster}"
cache_what="cluster binaries"

inputs_hash="$(cache_inputs_hash "$here")"
key="k8s-${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}-${inputs_hash:0:12}"
dest="$cache_root/$key"
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok kwokctl)

is_complete() {
	[[ -f "$1/.complete" ]] || return 1
	local b
	for b in "${binaries[@]}"; do
		[[ -x "$1/bin/$b" ]] || return 1
	done
}

# ---- warm path ----------------------------------------------------------------------------
cache_use_if_complete

# ---- cold path ----------------------------------------------------------------------------
cache_start
cache_lock
cache_use_local_go 1.26
export CGO_ENABLED=0

require_pin kubernetes/go.mod k8s.io/kubernetes "v$KUBERNETES_VERSION"
require_pin etcd/go.mod go.etcd.io/etcd/server/v3 "v$ETCD_VERSION"
require_pin kwok/go.mod sigs.k8s.io/kwok "v$KWOK_VERSION"
if grep -E '^[[:space:]]*k8s.io/[^ ]+ => ' "$here/wrappers/kubernetes/go.mod" | grep -vq " v$KUBERNETES_STAGING_VERSION\$"; then
	die "wrappers/kubernetes/go.mod replaces a staging module with something other than v$KUBERNETES_STAGING_VERSION"
fi

cache_make_tmp
mkdir -p "$tmp/bin"

# Without these stamps every binary says v0.0.0-master and kubectl warns about version skew.
minor="${KUBERNETES_VERSION#*.}"
minor="${minor%%.*}"
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	k8s_ldflags+=" -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=${KUBERNETES_VERSION%%.*}"
	k8s_ldflags+=" -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

timings=()
build() { # label wrapper-dir ldflags packages...
	local label="$1" dir="$2" ldflags="$3" t=$SECONDS
	shift 3
	log "building $label (minutes when the Go build cache is cold)..."
	(cd "$here/wrappers/$dir" && go build -trimpath -ldflags "$ldflags" -o "$tmp/bin/" "$@") >&2 9>&-
	timings+=("$label=$((SECONDS - t))s")
	log "built $label in $((SECONDS - t))s"
}
build "kubernetes v$KUBERNETES_VERSION" kubernetes "$k8s_ldflags" \
	k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
build "etcd v$ETCD_VERSION" etcd "-s -w" .
build "kwok v$KWOK_VERSION" kwok "-s -w" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl

# Sanity checks, then publish atomically.
got="$("$tmp/bin/kubectl" version --client -o json | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -1)"
[[ "$got" == "v$KUBERNETES_VERSION" ]] || die "built kubectl reports '$got', expected v$KUBERNETES_VERSION"
got="$("$tmp/bin/etcd" --version)" # captured first: grep -q would close the pipe early
[[ "$got" == *"etcd Version: $ETCD_VERSION"* ]] || die "built etcd reports '$got', expected $ETCD_VERSION"
cache_stamp "timings=${timings[*]}"
cache_publish 'k8s-*' "${SLIPWAY_CLUSTER_KEEP:-2}"
log "cluster binaries ready in $((SECONDS - start))s (${timings[*]}): $dest ($(du -sh "$dest" | cut -f1))"
printf '%s\n' "$dest/bin"
