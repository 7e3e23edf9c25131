# shellcheck shell=bash
# Source this file (bash or zsh), from any directory:
#
#   source toolchain/env.sh
#
# It runs toolchain/install.sh (instant when the cache is warm, minutes the first time) and
# exports a Pulumi environment that works offline:
#
#   PATH                  cached bin dir first (pulumi, pulumi-language-python, ...)
#   PULUMI_HOME           <cache>/<key>/home: private Pulumi home holding the prebuilt provider
#                         plugins, so `pulumi plugin ls` shows them and nothing is downloaded.
#                         Your ~/.pulumi is not used or touched in this shell.
#   PULUMI_SKIP_UPDATE_CHECK=true
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true   a missing plugin is an error, not a download
#   PULUMI_IGNORE_AMBIENT_PLUGINS=true                 stray pulumi-resource-* on PATH are ignored
#   PULUMI_LOG_ROTATION_MAX_TOTAL_MB=200               cap for the per-command logs in $PULUMI_HOME/logs
#   PULUMI_BACKEND_URL    file://<repo>/.pulumi-state (local state), unless already set
#   PULUMI_CONFIG_PASSPHRASE=slipway-dev   DEV ONLY default for the local secrets provider, set only
#                         if neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set.
#                         Never use it for a stack holding real secrets.
#   SLIPWAY_TOOLCHAIN_BIN the bin dir
#
# Returns non-zero (without exiting your shell) if the install fails.

_slipway_toolchain_env() {
	local src here repo out bin
	if [ -n "${BASH_VERSION:-}" ]; then
		src="${BASH_SOURCE[0]}"
	elif [ -n "${ZSH_VERSION:-}" ]; then
		eval 'src="${(%):-%x}"'
	else
		echo "toolchain/env.sh: source it from bash or zsh" >&2
		return 1
	fi
	here="$(cd "$(dirname "$src")" && pwd)" || return 1
	repo="$(dirname "$here")"

	out="$(bash "$here/install.sh")" || {
		echo "toolchain/env.sh: toolchain/install.sh failed" >&2
		return 1
	}
	bin="${out##*$'\n'}"
	if [ ! -x "$bin/pulumi" ]; then
		echo "toolchain/env.sh: install.sh printed '$bin', which has no pulumi" >&2
		return 1
	fi

	# PATH: our bin dir first, exactly once.
	local p=":${PATH}:"
	p="${p//:${bin}:/:}"
	p="${p#:}"
	p="${p%:}"
	export PATH="${bin}${p:+:$p}"

	export SLIPWAY_TOOLCHAIN_BIN="$bin"
	if [ -f "$(dirname "$bin")/.complete" ]; then
		# Built from modules: its private home holds the plugins.
		export SLIPWAY_PULUMI_SOURCE=build
		export PULUMI_HOME="$(dirname "$bin")/home"
	else
		# An installed CLI (SLIPWAY_PULUMI, install.sh): its own PULUMI_HOME has the plugins.
		export SLIPWAY_PULUMI_SOURCE=system
	fi
	export PULUMI_SKIP_UPDATE_CHECK=true
	export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
	export PULUMI_IGNORE_AMBIENT_PLUGINS="${PULUMI_IGNORE_AMBIENT_PLUGINS:-true}"
	# pulumi 3.259 writes a (large) log per command into $PULUMI_HOME/logs; cap the total.
	export PULUMI_LOG_ROTATION_MAX_TOTAL_MB="${PULUMI_LOG_ROTATION_MAX_TOTAL_MB:-200}"

	if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
		export PULUMI_CONFIG_PASSPHRASE="slipway-dev" # dev-only default, see header
	fi

	if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
		mkdir -p "$repo/.pulumi-state" || return 1
		export PULUMI_BACKEND_URL="file://$repo/.pulumi-state"
	elif [ "${PULUMI_BACKEND_URL#file://}" != "$PULUMI_BACKEND_URL" ]; then
		mkdir -p "${PULUMI_BACKEND_URL#file://}" 2>/dev/null || true
	fi
	return 0
}

if _slipway_toolchain_env; then
	unset -f _slipway_toolchain_env
else
	unset -f _slipway_toolchain_env
	return 1 2>/dev/null || exit 1
fi
