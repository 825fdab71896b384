#!/bin/sh
# bench/proxy.sh -- proxies over loopback: sockctl proxy vs microsocks
# (SOCKS5, a thread per client), dante (danted, SOCKS5) and tinyproxy
# (HTTP), interleaved in one run.
#
#   fetch   bench/proxyload.c, CONC (16) threads for DURATION (5) s, each
#           fetching a 100-byte file from sockctl serve-http through the
#           proxy, one connection per request: SOCKS5 CONNECT then GET
#           (sockctl, microsocks, dante), or an absolute-form GET
#           (sockctl, tinyproxy); requests/s
#   bulk    SIZE_MB MiB (default 1024) through one tunnel to
#           bench/echod.c's discard port: HTTP CONNECT (sockctl,
#           tinyproxy) and SOCKS5 (sockctl, microsocks, dante); MiB/s
#
# ROUNDS (3) rounds, each running every proxy in turn; prints every run,
# the medians and the ratios sockctl/peer, and PASS/FAIL against the
# targets: >= 1.0x the fastest peer of each kind, fetch and bulk.
#
# Environment: SOCKCTL (binary, default ../src/sockctl from this script),
# ROUNDS, SIZE_MB, DURATION, CONC, CC (cc), STRICT (1: exit 1 when a
# target is missed).  A benchmark, not a test: loopback only, bounded in
# time, and nothing is left running.

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
# die, SOCKCTL, bench_tmpdir, wait_file, wait_port, free_port
# shellcheck source=bench/common.sh
. "$here/common.sh"
ROUNDS=${ROUNDS:-3}
SIZE_MB=${SIZE_MB:-1024}
DURATION=${DURATION:-5}
CONC=${CONC:-16}
CC=${CC:-cc}
STRICT=${STRICT:-0}

bench_tmpdir "" proxybench
# danted forks helpers of its own, which outlive its SIGTERM.
proxy_cleanup() {
	[[ -s $T/dante.pid ]] && pkill -P "$(<"$T/dante.pid")" 2>/dev/null
	bench_cleanup
}
trap proxy_cleanup EXIT

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
for tool in microsocks tinyproxy python3 bc; do
	command -v "$tool" >/dev/null || {
		echo "proxy.sh: needs $tool" >&2
		exit 1
	}
done
DANTED=$(command -v danted || echo /usr/sbin/danted)
$CC -O2 -o "$T/echod" "$here/echod.c" || exit 1
$CC -O2 -pthread -o "$T/proxyload" "$here/proxyload.c" || exit 1

mkdir "$T/www"
head -c 100 /dev/zero | tr '\0' x > "$T/www/f100"
"$SOCKCTL" serve-http -m 100000 --port-file "$T/origin.port" -p 0 \
    "$T/www" >/dev/null 2>&1 & pids+=($!)
"$T/echod" "$T/discard.port" discard & pids+=($!)
wait_file "$T/origin.port" || exit 1
wait_file "$T/discard.port" || exit 1
ORIGIN=$(<"$T/origin.port")
DISCARD=$(<"$T/discard.port")

declare -A port
"$SOCKCTL" proxy -m 100000 --backlog 4096 --port-file "$T/s.port" 0 &
pids+=($!)
wait_file "$T/s.port" || exit 1
port[sockctl]=$(<"$T/s.port")

port[microsocks]=$(free_port)
microsocks -i 127.0.0.1 -p "${port[microsocks]}" >/dev/null 2>&1 &
pids+=($!)

port[tinyproxy]=$(free_port)
cat >"$T/tinyproxy.conf" <<CFG
Port ${port[tinyproxy]}
Listen 127.0.0.1
Timeout 600
MaxClients 1000
LogLevel Critical
Allow 127.0.0.1
DisableViaHeader Yes
CFG
tinyproxy -d -c "$T/tinyproxy.conf" >/dev/null 2>&1 & pids+=($!)

socks=(sockctl microsocks)
http=(sockctl tinyproxy)
if [[ -x $DANTED ]]; then
	port[dante]=$(free_port)
	cat >"$T/dante.conf" <<CFG
logoutput: $T/dante.log
internal: 127.0.0.1 port = ${port[dante]}
external: 127.0.0.1
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
	from: 127.0.0.1/32 to: 0.0.0.0/0
}
socks pass {
	from: 0.0.0.0/0 to: 0.0.0.0/0
}
CFG
	"$DANTED" -f "$T/dante.conf" -p "$T/dante.pid" & pids+=($!)
	if wait_port "${port[dante]}"; then
		socks+=(dante)
	else
		echo "proxy.sh: dante did not start; left out" >&2
	fi
fi
for n in microsocks tinyproxy; do
	wait_port "${port[$n]}" || exit 1
done

declare -A sfetch hfetch sbulk hbulk
fetch() {
	timeout $((DURATION + 30)) "$T/proxyload" fetch "$1" "$2" \
	    "$ORIGIN" /f100 "$DURATION" "$CONC"
}
bulk() {
	timeout 300 "$T/proxyload" bulk "$1" "$2" "$DISCARD" "$SIZE_MB"
}
num() {
	printf '%.0f' "$(echo "$1" | sed -n 's/.*: \([0-9.]*\) req\/s.*/\1/p;s/^\([0-9.]*\) MiB\/s$/\1/p' | head -1)"
}
for ((r = 1; r <= ROUNDS; r++)); do
	for n in "${socks[@]}"; do
		out=$(fetch socks5 "${port[$n]}")
		sfetch[$n]+="$(num "$out") "
		printf 'round %d %-10s socks5 fetch  %s\n' "$r" "$n" "$out"
	done
	for n in "${http[@]}"; do
		out=$(fetch http "${port[$n]}")
		hfetch[$n]+="$(num "$out") "
		printf 'round %d %-10s http fetch    %s\n' "$r" "$n" "$out"
	done
	for n in "${socks[@]}"; do
		out=$(bulk socks5 "${port[$n]}")
		sbulk[$n]+="$(num "$out") "
		printf 'round %d %-10s socks5 bulk   %s\n' "$r" "$n" "$out"
	done
	for n in "${http[@]}"; do
		out=$(bulk connect "${port[$n]}")
		hbulk[$n]+="$(num "$out") "
		printf 'round %d %-10s CONNECT bulk  %s\n' "$r" "$n" "$out"
	done
done

median() {
	printf '%s\n' $1 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

echo
printf '%-10s %16s %16s %16s %16s\n' proxy 'socks5 req/s' 'http req/s' \
    'socks5 MiB/s' 'CONNECT MiB/s'
for n in sockctl microsocks dante tinyproxy; do
	[[ -n ${port[$n]:-} ]] || continue
	printf '%-10s %16s %16s %16s %16s\n' "$n" \
	    "$(median "${sfetch[$n]:--}")" "$(median "${hfetch[$n]:--}")" \
	    "$(median "${sbulk[$n]:--}")" "$(median "${hbulk[$n]:--}")"
done

fail=0
ratio() {
	printf '%.2f' "$(echo "$1 / ($2 + 0.000001)" | bc -l)"
}
# check WHAT ARRAY PEERS...: sockctl's median against the fastest peer's.
check() {
	local what=$1 arr=$2 best=0 bestn= n v mine rt
	shift 2
	local -n a=$arr
	mine=$(median "${a[sockctl]}")
	for n in "$@"; do
		[[ -n ${a[$n]:-} ]] || continue
		v=$(median "${a[$n]}")
		((v > best)) && best=$v bestn=$n
	done
	rt=$(ratio "$mine" "$best")
	if (($(echo "$rt >= 1.0" | bc))); then
		echo "PASS $what ${rt}x $bestn (target >= 1.0x the fastest)"
	else
		echo "FAIL $what ${rt}x $bestn (target >= 1.0x the fastest)"
		fail=1
	fi
}
check "socks5 fetch" sfetch microsocks dante
check "http fetch" hfetch tinyproxy
check "socks5 bulk" sbulk microsocks dante
check "CONNECT bulk" hbulk tinyproxy
((STRICT && fail)) && exit 1
exit 0
