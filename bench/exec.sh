#!/bin/sh
# bench/exec.sh -- connections per second answered by an --exec echo server:
#
#   sockctl listen -k -e cat --port-file F 127.0.0.1 0
#   ncat -lk -e /bin/cat 127.0.0.1 PORT
#
# interleaved A B A B.  The client is bench/connloop.c, compiled here with cc
# into a temporary directory: CONCURRENCY threads each loop connect, send 6
# bytes, read the 6-byte echo (checked), close, for SECONDS.  Prints each
# round, the medians, the ratio sockctl/ncat, and PASS/FAIL against the
# target of issue 2: sockctl >= 5x ncat.  It also prints what one bare
# process start costs on this machine (fork+exec of /bin/true, and of
# /bin/sh -c true), the floor under any server that runs a program per
# connection.
#
# Environment: SOCKCTL (binary, default ../src/sockctl from this script),
# ROUNDS (3), SECONDS_PER_RUN (3), CONCURRENCY (1), CC (cc),
# STRICT (1: exit 1 when the target is missed; default exit 0 once measured).
# This is a benchmark, not a test: loopback only, nothing is left running.

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
# die, SOCKCTL, bench_tmpdir
# shellcheck source=bench/common.sh
. "$here/common.sh"
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_RUN:-3}
CONC=${CONCURRENCY:-1}
CC=${CC:-cc}
STRICT=${STRICT:-0}

command -v ncat >/dev/null || die "ncat is missing (apt-get install ncat)"
command -v "$CC" >/dev/null || die "no C compiler ($CC)"
command -v python3 >/dev/null || die "python3 is missing"
command -v ss >/dev/null || die "ss is missing (apt-get install iproute2)"

set -m
bench_tmpdir

"$CC" -O2 -pthread -o "$T/connloop" "$here/connloop.c" ||
    die "cannot compile $here/connloop.c"

wait_listen() {
	local i
	for ((i = 0; i < 200; i++)); do
		ss -ltnH "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.025
	done
	return 1
}

stop() {
	kill -TERM -- "-$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# One run.  $1 = sockctl | ncat.  Sets r_cps and r_line.
run_one() {
	local tool=$1 port srv i out
	rm -f "$T/pf"
	if [ "$tool" = sockctl ]; then
		"$SOCKCTL" listen -k -e cat --port-file "$T/pf" 127.0.0.1 0 \
		    < /dev/null > /dev/null 2> "$T/srv.err" &
		srv=$!
		pids+=("$srv")
		for ((i = 0; i < 200; i++)); do
			[ -s "$T/pf" ] && break
			kill -0 "$srv" 2>/dev/null || break
			sleep 0.025
		done
		[ -s "$T/pf" ] || { cat "$T/srv.err" >&2; die "sockctl listen did not start"; }
		port=$(cat "$T/pf")
	else
		srv=
		for ((i = 0; i < 5; i++)); do
			port=$(free_port)
			ncat -lk -e /bin/cat 127.0.0.1 "$port" \
			    < /dev/null > /dev/null 2> "$T/srv.err" &
			srv=$!
			pids+=("$srv")
			wait_listen "$port" && break
			stop "$srv"
			srv=
		done
		[ -n "$srv" ] || { cat "$T/srv.err" >&2; die "ncat did not start"; }
	fi
	out=$(timeout $((SECS + 30)) "$T/connloop" 127.0.0.1 "$port" "$SECS" "$CONC")
	i=$?
	stop "$srv"
	[ $i -eq 0 ] || { echo "$out"; cat "$T/srv.err" >&2; die "$tool: client loop failed (status $i)"; }
	r_line=$out
	r_cps=$(echo "$out" | sed -n 's/.*: \([0-9.]*\) conn\/s.*/\1/p')
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
		  else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The floor: what starting one program costs here.
spawn_rate() {
	local t0 t1 i n=100
	t0=$EPOCHREALTIME
	for ((i = 0; i < n; i++)); do "$@"; done
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" -v n=$n 'BEGIN { printf "%.0f", n / (b - a) }'
}

echo "exec benchmark: connect, send 6 bytes, read the echo, close; $SECS s per run,"
echo "  ${CONC} client thread(s), $ROUNDS rounds, A B A B"
echo "  sockctl: $SOCKCTL listen -k -e cat"
echo "  ncat:    $(command -v ncat) -lk -e /bin/cat ($(ncat --version 2>&1 | sed -n 's/^Ncat: \(Version [^ ]*\).*/\1/p'))"
echo "  host:    $(nproc) CPUs, Linux $(uname -r); /bin/sh -> $(readlink -f /bin/sh)"
echo "  process starts/s here: /bin/true $(spawn_rate /bin/true), /bin/sh -c true $(spawn_rate /bin/sh -c true) (bash fork+exec, sequential)"
echo

declare -A cps m
for ((r = 1; r <= ROUNDS; r++)); do
	for tool in sockctl ncat; do
		run_one "$tool"
		cps[$tool]+="$r_cps "
		printf 'round %d  %-7s  %s\n' "$r" "$tool" "$r_line"
	done
done

echo
for tool in sockctl ncat; do
	# shellcheck disable=SC2086  # the lists are split on purpose
	m[$tool]=$(median ${cps[$tool]})
	printf 'median   %-7s  %8.1f conn/s\n' "$tool" "${m[$tool]}"
done
ratio=$(awk -v a="${m[sockctl]}" -v b="${m[ncat]}" 'BEGIN { printf "%.2f", a / b }')
ok=$(awk -v v="$ratio" 'BEGIN { print (v >= 5) ? "PASS" : "FAIL" }')
echo
printf '%-44s %8s  (target >= 5.00)  %s\n' "conn/s sockctl/ncat (x)" "$ratio" "$ok"

if [ "$STRICT" = 1 ] && [ "$ok" != PASS ]; then
	exit 1
fi
exit 0
