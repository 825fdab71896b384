#!/bin/sh
# bench/forward.sh -- port forwarding over loopback: sockctl forward vs
# socat (TCP-LISTEN:P,fork,reuseaddr: a process per connection), haproxy
# (tcp mode, one process, one thread, minimal config) and redir (if
# installed), interleaved in one run.
#
# Every forwarder relays 127.0.0.1 to bench/echod.c (one epoll thread: an
# echo port and a discard port), so the backend is the same for all:
#
#   throughput  SIZE_MB MiB (default 1024) from `head -c ... /dev/zero |
#               sockctl connect --send-only` through the forwarder to the
#               discard port; MiB/s from the wall time
#   short       bench/connloop.c, CONC (16) threads for DURATION (5) s:
#               connect, 6 bytes, read the echo, close; connections/s
#   memory      IDLE (2000) connections held open through the forwarder
#               (each echoed once, so each pair is set up); the growth of
#               its resident set (VmRSS; for socat the sum over its
#               processes) per connection, in KiB
#
# ROUNDS (3) rounds, each running every forwarder in turn; prints every
# run, the medians and the ratios sockctl/peer, and PASS/FAIL against the
# targets: throughput >= 1.5x socat and >= 1.0x haproxy; short >= 5x
# socat and >= 1.0x haproxy; memory per connection <= haproxy's.
#
# Environment: SOCKCTL (binary, default ../src/sockctl from this script),
# SOCKCTL_BASE (another sockctl binary, say the last release, run as
# "base" in the same rounds: before/after numbers from one run), ROUNDS, SIZE_MB, DURATION, CONC, IDLE, CC (cc), STRICT (1: exit 1 when
# a target is missed).  A benchmark, not a test: loopback only, bounded
# in time, and nothing is left running.

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
# die, SOCKCTL, bench_tmpdir
# shellcheck source=bench/common.sh
. "$here/common.sh"
ROUNDS=${ROUNDS:-3}
SIZE_MB=${SIZE_MB:-1024}
DURATION=${DURATION:-5}
CONC=${CONC:-16}
IDLE=${IDLE:-2000}
CC=${CC:-cc}
STRICT=${STRICT:-0}

bench_tmpdir "" fwdbench

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
for tool in socat haproxy python3; do
	command -v "$tool" >/dev/null || {
		echo "forward.sh: needs $tool" >&2
		exit 1
	}
done
$CC -O2 -o "$T/echod" "$here/echod.c" || exit 1
$CC -O2 -pthread -o "$T/connloop" "$here/connloop.c" || exit 1

"$T/echod" "$T/echo.port" & pids+=($!)
"$T/echod" "$T/discard.port" discard & pids+=($!)
wait_file "$T/echo.port" || exit 1
wait_file "$T/discard.port" || exit 1
ECHO=$(<"$T/echo.port")
DISCARD=$(<"$T/discard.port")

# Per forwarder: its port to the echo backend, to the discard backend,
# and the pid whose memory is measured.
declare -A eport dport mpid
names=(sockctl socat haproxy)

"$SOCKCTL" forward -m 100000 --backlog 4096 --port-file "$T/s1" 0 \
    "127.0.0.1:$ECHO" & pids+=($!)
mpid[sockctl]=$!
"$SOCKCTL" forward -m 100000 --backlog 4096 --port-file "$T/s2" 0 \
    "127.0.0.1:$DISCARD" & pids+=($!)
wait_file "$T/s1" || exit 1
wait_file "$T/s2" || exit 1
eport[sockctl]=$(<"$T/s1")
dport[sockctl]=$(<"$T/s2")
if [[ -n ${SOCKCTL_BASE:-} ]]; then
	names+=(base)
	"$SOCKCTL_BASE" forward -m 100000 --backlog 4096 \
	    --port-file "$T/b1" 0 "127.0.0.1:$ECHO" & pids+=($!)
	mpid[base]=$!
	"$SOCKCTL_BASE" forward -m 100000 --backlog 4096 \
	    --port-file "$T/b2" 0 "127.0.0.1:$DISCARD" & pids+=($!)
	wait_file "$T/b1" || exit 1
	wait_file "$T/b2" || exit 1
	eport[base]=$(<"$T/b1")
	dport[base]=$(<"$T/b2")
fi

eport[socat]=$(free_port)
dport[socat]=$(free_port)
socat "TCP-LISTEN:${eport[socat]},bind=127.0.0.1,fork,reuseaddr,backlog=4096" \
    "TCP:127.0.0.1:$ECHO" & pids+=($!)
mpid[socat]=$!
socat "TCP-LISTEN:${dport[socat]},bind=127.0.0.1,fork,reuseaddr" \
    "TCP:127.0.0.1:$DISCARD" & pids+=($!)

eport[haproxy]=$(free_port)
dport[haproxy]=$(free_port)
cat >"$T/haproxy.cfg" <<CFG
global
    nbthread 1
    maxconn 8000
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
listen echo
    bind 127.0.0.1:${eport[haproxy]}
    server s 127.0.0.1:$ECHO
listen discard
    bind 127.0.0.1:${dport[haproxy]}
    server s 127.0.0.1:$DISCARD
CFG
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 & pids+=($!)
mpid[haproxy]=$!

if command -v redir >/dev/null; then
	names+=(redir)
	eport[redir]=$(free_port)
	dport[redir]=$(free_port)
	redir -n -l err "127.0.0.1:${eport[redir]}" "127.0.0.1:$ECHO" & pids+=($!)
	mpid[redir]=$!
	redir -n -l err "127.0.0.1:${dport[redir]}" "127.0.0.1:$DISCARD" & pids+=($!)
fi
for n in "${names[@]}"; do
	wait_port "${eport[$n]}" || exit 1
	wait_port "${dport[$n]}" || exit 1
done

# rss PID: VmRSS in KiB of PID and its children (socat forks).
rss() {
	local total=0 p k
	for p in $1 $(pgrep -P "$1"); do
		k=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		total=$((total + ${k:-0}))
	done
	echo "$total"
}

declare -A tput short mem
for ((r = 1; r <= ROUNDS; r++)); do
	for n in "${names[@]}"; do
		t0=$(date +%s.%N)
		head -c $((SIZE_MB * 1048576)) /dev/zero |
		    timeout 120 "$SOCKCTL" connect --send-only 127.0.0.1 \
		    "${dport[$n]}" || echo "forward.sh: $n: transfer failed" >&2
		t1=$(date +%s.%N)
		v=$(echo "$SIZE_MB / ($t1 - $t0)" | bc -l)
		v=$(printf '%.0f' "$v")
		tput[$n]+="$v "
		printf 'round %d %-8s throughput %6d MiB/s\n' "$r" "$n" "$v"
	done
	for n in "${names[@]}"; do
		out=$(timeout $((DURATION + 30)) "$T/connloop" 127.0.0.1 \
		    "${eport[$n]}" "$DURATION" "$CONC")
		v=$(echo "$out" | sed -n 's/.*: \([0-9.]*\) conn\/s.*/\1/p')
		v=$(printf '%.0f' "${v:-0}")
		short[$n]+="$v "
		printf 'round %d %-8s short    %6d conn/s   (%s)\n' "$r" "$n" \
		    "$v" "$out"
	done
done

# Memory: IDLE connections held through each forwarder in turn.
for n in "${names[@]}"; do
	before=$(rss "${mpid[$n]}")
	rm -f "$T/held"
	mkfifo "$T/hold.in" 2>/dev/null
	timeout 120 python3 -c '
import socket, sys
port, n, f = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cs = []
for i in range(n):
	c = socket.create_connection(("127.0.0.1", port), timeout=10)
	c.sendall(b"x")
	if c.recv(1) != b"x":
		sys.exit("no echo")
	cs.append(c)
open(f, "w").write("held\n")
sys.stdin.read()' "${eport[$n]}" "$IDLE" "$T/held" <"$T/hold.in" &
	hp=$!
	exec 7>"$T/hold.in"
	for ((i = 0; i < 12000; i++)); do
		[[ -s $T/held ]] && break
		kill -0 $hp 2>/dev/null || break
		sleep 0.01
	done
	after=$(rss "${mpid[$n]}")
	exec 7>&-
	wait $hp
	v=$(echo "($after - $before) / $IDLE" | bc -l)
	mem[$n]=$(printf '%.1f' "$v")
	printf '%-8s memory   %s KiB per idle connection (%d -> %d KiB)\n' \
	    "$n" "${mem[$n]}" "$before" "$after"
done

median() {
	printf '%s\n' $1 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

echo
printf '%-8s %12s %12s %14s\n' forwarder 'MiB/s' 'conn/s' 'KiB/idle conn'
for n in "${names[@]}"; do
	printf '%-8s %12s %12s %14s\n' "$n" "$(median "${tput[$n]}")" \
	    "$(median "${short[$n]}")" "${mem[$n]}"
done

fail=0
check() {
	local what=$1 ok=$2
	if ((ok)); then
		echo "PASS $what"
	else
		echo "FAIL $what"
		fail=1
	fi
}
ratio() {
	printf '%.2f' "$(echo "$1 / ($2 + 0.000001)" | bc -l)"
}
st=$(median "${tput[sockctl]}")
ss_=$(median "${short[sockctl]}")
for peer in socat haproxy; do
	pt=$(median "${tput[$peer]}")
	ps_=$(median "${short[$peer]}")
	want_t=1.5 want_s=5
	[[ $peer == haproxy ]] && want_t=1.0 want_s=1.0
	rt=$(ratio "$st" "$pt")
	rs=$(ratio "$ss_" "$ps_")
	check "throughput ${rt}x $peer (target >= ${want_t}x)" \
	    "$(echo "$rt >= $want_t" | bc)"
	check "short connections ${rs}x $peer (target >= ${want_s}x)" \
	    "$(echo "$rs >= $want_s" | bc)"
done
check "memory ${mem[sockctl]} KiB per idle connection, haproxy ${mem[haproxy]}" \
    "$(echo "${mem[sockctl]} <= ${mem[haproxy]}" | bc)"
if [[ -n ${SOCKCTL_BASE:-} ]]; then
	echo "sockctl/base: throughput $(ratio "$st" "$(median "${tput[base]}")")x," \
	    "short connections $(ratio "$ss_" "$(median "${short[base]}")")x"
fi
((STRICT && fail)) && exit 1
exit 0
