#!/usr/bin/env bash
# Builds (once) and caches the binaries of Slipway's local cluster, outside the repo:
#   <cache>/<key>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   <cache>/<key>/bin/etcd
#   <cache>/<key>/bin/{kwok,kwokctl}
# <cache> is ${SLIPWAY_CLUSTER_CACHE_DIR:-$HOME/.cache/slipway/cluster}; <key> changes whenever
# versions.env or anything under wrappers/ changes.
#
# Same discipline as toolchain/install.sh: everything comes from the Go module proxy, a warm
# cache returns at once, a cold build happens in a temp dir renamed into place at the end (an
# interrupted build never leaves a half-populated entry) and prints how long each part took.
#
# stdout: only the bin dir (last line). Progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_root="${SLIPWAY_CLUSTER_CACHE_DIR:-$HOME/.cache/slipway/cluster}"

inputs_hash="$(
	cd "$here"
	{
		sha256sum versions.env
		find wrappers -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
	} | sha256sum
)"
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
if is_complete "$dest"; then
	printf '%s\n' "$dest/bin"
	exit 0
fi

# ---- cold path ----------------------------------------------------------------------------
start=$SECONDS
log() { printf '[slipway cluster build +%ss] %s\n' "$((SECONDS - start))" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

mkdir -p "$cache_root"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache_root/.lock"
	if ! flock -n 9; then
		log "another cluster build is running; waiting for it..."
		flock 9
	fi
	if is_complete "$dest"; then
		printf '%s\n' "$dest/bin"
		exit 0
	fi
	rm -rf "$cache_root"/.tmp-* 2>/dev/null || true
fi

if ! command -v go >/dev/null 2>&1; then
	[[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH" || die "go is not installed (need Go >= 1.26)"
fi
export GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false -mod=readonly"
export GOWORK=off
export CGO_ENABLED=0

require_pin() { # file module version
	grep -Eq "^[[:space:]]*(require[[:space:]]+)?$2[[:space:]]+$3([[:space:]]|$)" "$here/wrappers/$1" ||
		die "wrappers/$1 does not pin $2 $3 (versions.env says so); update the wrapper with go get + go mod tidy"
}
require_pin kubernetes/go.mod k8s.io/kubernetes "v$KUBERNETES_VERSION"
require_pin etcd/go.mod go.etcd.io/etcd/server/v3 "v$ETCD_VERSION"
require_pin kwok/go.mod sigs.k8s.io/kwok "v$KWOK_VERSION"
if grep -E '^[[:space:]]*k8s.io/[^ ]+ => ' "$here/wrappers/kubernetes/go.mod" | grep -vq " v$KUBERNETES_STAGING_VERSION\$"; then
	die "wrappers/kubernetes/go.mod replaces a staging module with something other than v$KUBERNETES_STAGING_VERSION"
fi

tmp="$(mktemp -d "$cache_root/.tmp-$key.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
mkdir -p "$tmp/bin"

log "cache miss: building $key into $cache_root"
log "Go: $(go version), module cache $(go env GOMODCACHE), build cache $(go env GOCACHE)"

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
{
	echo "key=$key"
	echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "build_seconds=$((SECONDS - start))"
	echo "timings=${timings[*]}"
	echo "go=$(go version)"
	sed -n 's/^\([A-Z_]*=.*\)$/\1/p' "$here/versions.env"
} >"$tmp/.complete"

if [[ -e "$dest" ]] && ! is_complete "$dest"; then
	rm -rf "$dest"
fi
if ! mv -T "$tmp" "$dest" 2>/dev/null; then
	is_complete "$dest" || die "could not move $tmp to $dest"
	rm -rf "$tmp"
fi
trap - EXIT
keep="${SLIPWAY_CLUSTER_KEEP:-2}"
n=0
while IFS= read -r old; do
	n=$((n + 1))
	if ((n > keep)) && [[ "$old" != "$dest" ]]; then
		log "pruning old cluster binaries $old"
		rm -rf "$old"
	fi
done < <(ls -1dt "$cache_root"/k8s-*/ 2>/dev/null | sed 's:/$::')
log "cluster binaries ready in $((SECONDS - start))s (${timings[*]}): $dest ($(du -sh "$dest" | cut -f1))"
printf '%s\n' "$dest/bin"
