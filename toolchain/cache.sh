# shellcheck shell=bash
# The cache discipline shared by toolchain/install.sh (Pulumi CLI and providers) and
# toolchain/cluster/build.sh (the local cluster's binaries); sourced, never run.
#
# Each entry is <cache_root>/<key>/ with a `.complete` stamp. The key names the versions and a
# hash of every build input, so an edit makes a new entry and never a stale one. A warm cache
# returns at once; a cold build runs in a temp dir next to the entry, under a lock, and is
# renamed into place at the end (an interrupted build never leaves a half-populated entry).
#
# The sourcing script sets, before calling these: `here` (its own directory, holding
# versions.env and wrappers/), `cache_root`, `key`, `dest`, `cache_what` (a label for logs) and
# an `is_complete DIR` function. Everything is built from the Go module proxy with the machine's
# own Go; nothing is downloaded from anywhere else.

# Hash of every input that affects the build output: versions.env and everything under wrappers/.
cache_inputs_hash() { # dir
	(
		cd "$1"
		{
			sha256sum versions.env
			find wrappers -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
		} | sha256sum
	)
}

# Warm path: a complete entry prints its bin dir and ends the script.
cache_use_if_complete() {
	if is_complete "$dest"; then
		printf '%s\n' "$dest/bin"
		exit 0
	fi
}

# ---- cold path ------------------------------------------------------------------------------
cache_start() { # starts the clock that log lines show
	start=$SECONDS
}
log() { printf '[slipway %s +%ss] %s\n' "$cache_what" "$((SECONDS - start))" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# One builder at a time per cache dir (fd 9 holds the lock until the script ends); whoever
# waited re-checks afterwards, and the holder removes temp dirs of interrupted builds.
cache_lock() {
	mkdir -p "$cache_root"
	command -v flock >/dev/null 2>&1 || return 0
	exec 9>"$cache_root/.lock"
	if ! flock -n 9; then
		log "another build of the $cache_what is running; waiting for it..."
		flock 9
	fi
	cache_use_if_complete
	rm -rf "$cache_root"/.tmp-* 2>/dev/null || true
}

# The machine's Go on PATH (also /usr/local/go), or the script ends saying it is missing.
cache_find_go() { # [minimum version, for the message]
	command -v go >/dev/null 2>&1 && return 0
	[[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH" && return 0
	echo "$(basename "$0"): go is not installed${1:+ (need Go >= $1)}" >&2
	exit 1
}

# The machine's Go, never a downloaded one; modules read-only, no workspace.
cache_use_local_go() { # minimum-version-for-the-message
	cache_find_go "$1"
	export GOTOOLCHAIN=local
	export GOFLAGS="-buildvcs=false -mod=readonly"
	export GOWORK=off
}

# The wrapper go.mod files are the real pins; refuse to build if they drift from versions.env.
require_pin() { # file module version
	grep -Eq "^[[:space:]]*(require[[:space:]]+)?$2[[:space:]]+$3([[:space:]]|$)" "$here/wrappers/$1" ||
		die "wrappers/$1 does not pin $2 $3 (versions.env says so); update the wrapper with go get + go mod tidy"
}

# The build's temp dir (`tmp`), removed if the script ends before cache_publish.
cache_make_tmp() {
	tmp="$(mktemp -d "$cache_root/.tmp-$key.XXXXXX")"
	trap 'rm -rf "$tmp"' EXIT
	chmod 0755 "$tmp" # mktemp makes it 0700
	log "cache miss: building $key into $cache_root"
	log "Go: $(go version), module cache $(go env GOMODCACHE), build cache $(go env GOCACHE)"
}

# The `.complete` stamp: key, when, how long, any extra key=value lines, Go and the pins.
cache_stamp() { # [extra lines...]
	{
		echo "key=$key"
		echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "build_seconds=$((SECONDS - start))"
		local line
		for line in "$@"; do
			echo "$line"
		done
		echo "go=$(go version)"
		sed -n 's/^\([A-Z_]*=.*\)$/\1/p' "$here/versions.env"
	} >"$tmp/.complete"
}

# Rename the temp dir into place, then keep the newest `keep` entries matching `pattern`.
cache_publish() { # pattern keep
	if [[ -e "$dest" ]] && ! is_complete "$dest"; then
		rm -rf "$dest" # an incomplete entry can only come from outside these scripts
	fi
	if ! mv -T "$tmp" "$dest" 2>/dev/null; then
		# Someone else published first (no flock available); theirs is as good as ours.
		is_complete "$dest" || die "could not move $tmp to $dest"
		rm -rf "$tmp"
	fi
	trap - EXIT
	local n=0 old
	while IFS= read -r old; do
		n=$((n + 1))
		if ((n > $2)) && [[ "$old" != "$dest" ]]; then
			log "pruning old $cache_what entry $old"
			rm -rf "$old"
		fi
	done < <(ls -1dt "$cache_root"/$1/ 2>/dev/null | sed 's:/$::')
}
