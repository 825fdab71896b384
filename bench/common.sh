# bench/common.sh -- what every bench/*.sh shares, sourced right after it
# has re-executed itself under bash and set $here to its own directory:
#
#   die MESSAGE	 "NAME.sh: MESSAGE" on stderr, exit 2
#   SOCKCTL	 the binary under test: $SOCKCTL, default ../src/sockctl
#		 from the script, made absolute and checked
#   bench_tmpdir [BASE [PREFIX]]
#		 a fresh directory $T (under BASE, default $TMPDIR or
#		 /tmp), an empty pids array, and the traps: at exit every
#		 job in pids is sent SIGTERM (its whole process group when
#		 the script runs with set -m, so that what it started ends
#		 with it) and reaped, and $T is removed; SIGINT and SIGTERM
#		 exit 130 and 143 through the same cleanup.
#
# Not a script of its own: it only defines things.

bench_name=${0##*/}

die() {
	echo "$bench_name: $*" >&2
	exit 2
}

SOCKCTL=${SOCKCTL:-$here/../src/sockctl}
case $SOCKCTL in /*) ;; *) SOCKCTL=$PWD/$SOCKCTL ;; esac
SOCKCTL=$(readlink -f "$SOCKCTL")
[ -x "$SOCKCTL" ] || die "no sockctl binary at $SOCKCTL (set SOCKCTL)"

# shellcheck disable=SC2317  # invoked by the EXIT trap
bench_cleanup() {
	local p
	for p in "${pids[@]}"; do
		# A group leader under set -m; else the process alone.
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}

# shellcheck disable=SC2120  # its arguments are optional
bench_tmpdir() {
	local base=${1:-${TMPDIR:-/tmp}} prefix=${2:-sockctl-bench}

	T=$(mktemp -d "$base/$prefix.XXXXXX") || die "mktemp"
	pids=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}
