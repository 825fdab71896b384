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
#   wait_file FILE [PID]
#		 until FILE is non-empty (10 s at most); 1 with a line on
#		 stderr when it does not come, or when PID is gone first
#   wait_port PORT
#		 until something listens on TCP PORT (5 s at most); 1 with a
#		 line on stderr when nothing does
#   free_port [udp]
#		 a loopback TCP (or UDP) port free a moment ago, for the
#		 peers that cannot write a port file
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

wait_file() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ -s "$1" ] && return 0
		if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
			echo "$bench_name: no $1: process $2 is gone" >&2
			return 1
		fi
		sleep 0.025
	done
	echo "$bench_name: no $1" >&2
	return 1
}

wait_port() {
	local i
	for ((i = 0; i < 500; i++)); do
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.01
	done
	echo "$bench_name: nothing listens on port $1" >&2
	return 1
}

free_port() {
	python3 -c 'import socket, sys
s = socket.socket(type=socket.SOCK_DGRAM if sys.argv[1:] == ["udp"]
    else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$@"
}
