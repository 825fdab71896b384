#!/bin/sh
# bench/udp.sh -- 64-byte UDP datagrams per second over loopback, sockctl
# against the usual tools, interleaved A B A B:
#
# (a) receiving: a flood of RECV_COUNT 64-byte datagrams from one socket
#     (bench/udpflood.c: sendmmsg, 64 per call, as fast as it can) into
#
#         sockctl udp-recv -f raw --port-file F 0 > OUT
#         nc -u -l 127.0.0.1 PORT < /dev/null > OUT       (netcat-openbsd)
#
#     How "keeps up with" is counted: on the receiver side.  OUT is a file on
#     tmpfs; both receivers write each datagram's 64 payload bytes and
#     nothing else (sockctl -f raw; nc copies each read(2) of one datagram),
#     so the datagrams the receiver actually took in and wrote out are
#     size(OUT) / 64.  What it could not take is dropped by the kernel when
#     the socket's receive queue is full (/proc/net/snmp RcvbufErrors, shown
#     as "drop").  The rate is that count over the time from the flood's
#     first send until OUT last grew: the flooder itself watches OUT's size
#     every millisecond after its last send, until it has not changed for
#     300 ms, so the receiver's drain of its queue after the sender is done
#     counts as its time too, and no process start is in the interval.  A
#     receiver that keeps up gets every datagram, and its rate is then the
#     sender's.
#
# (b) sending: SEND_COUNT records of 64 bytes through a pipe into
#
#         head -c SEND_COUNT*64 /dev/zero | sockctl udp-send --chunk 64 ...
#         udpflood --feed NCAT_COUNT 64 ncat -u 127.0.0.1 PORT
#
#     ncat sends one datagram per read(2), so it must read one record per
#     read: udpflood --feed writes the records one write(2) each into a
#     packet-mode pipe (O_DIRECT), where every read returns exactly one
#     write.  (Through a plain pipe ncat would merge records into 8 KiB
#     datagrams.)  The rate is the records over the wall time of the
#     sending pipeline.  The receiver is a udpflood --sink (recvmmsg, 16 MiB
#     buffer), which reports how many datagrams arrived, to show that each
#     record was one datagram.  ncat is much slower, so it gets fewer
#     records (NCAT_COUNT) to keep the run short; the rates are per second.
#
# (c) sending from a packet stream: PKT_COUNT records of 64 bytes, written
#     one write(2) each into a packet-mode pipe by udpflood --feed, into
#
#         sockctl udp-send --chunk 64 127.0.0.1 PORT
#         udpflood --readsend PORT
#
#     the second being the minimal C sender: read(2) one record, send(2) it,
#     two system calls per datagram.  udp-send reads what the pipe already
#     holds without waiting and sends it with one sendmmsg(2) per batch.
#     The rate is the records over the time udpflood --feed reports, from
#     its first write until the sender has exited; the sink (as in b)
#     counts what arrived, and "drop" what its full queue turned away
#     (RcvbufErrors), so that arrived + dropped shows one datagram per
#     record.  Both senders run in the same round, A B A B, and each round
#     prints the ratio of its two rates.
#
# Prints every run, the medians, the ratios, and PASS/FAIL against the
# targets of issue 3 (sockctl >= 2x nc receiving, >= 2x ncat sending) and
# issue 8 (>= 1.3x the read()+send() loop from a packet stream).
#
# Environment: SOCKCTL (binary, default ../src/sockctl from this script),
# ROUNDS (3), RECV_COUNT (2000000), SEND_COUNT (1048576: 64 MiB),
# NCAT_COUNT (200000), PKT_COUNT (300000), TIMEOUT (seconds per run, 120),
# CC (cc),
# STRICT (1: exit 1 when a target is missed; default exit 0 once measured).
# This is a benchmark, not a test: loopback only, bounded in count and time,
# nothing is left running.

# Re-exec under bash (arrays, EPOCHREALTIME, job control).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
# die, SOCKCTL, bench_tmpdir
# shellcheck source=bench/common.sh
. "$here/common.sh"
ROUNDS=${ROUNDS:-3}
RECV_COUNT=${RECV_COUNT:-2000000}
SEND_COUNT=${SEND_COUNT:-1048576}
NCAT_COUNT=${NCAT_COUNT:-200000}
PKT_COUNT=${PKT_COUNT:-300000}
TIMEOUT=${TIMEOUT:-120}
CC=${CC:-cc}
STRICT=${STRICT:-0}

command -v nc >/dev/null || die "nc is missing (apt-get install netcat-openbsd)"
nc -h 2>&1 | grep -q 'OpenBSD netcat' || die "nc is not netcat-openbsd"
command -v ncat >/dev/null || die "ncat is missing (apt-get install ncat)"
command -v "$CC" >/dev/null || die "no C compiler ($CC)"
command -v python3 >/dev/null || die "python3 is missing"
command -v ss >/dev/null || die "ss is missing (apt-get install iproute2)"
command -v timeout >/dev/null || die "timeout is missing (coreutils)"
[ -r /proc/net/snmp ] || die "/proc/net/snmp is not readable"
for v in ROUNDS RECV_COUNT SEND_COUNT NCAT_COUNT PKT_COUNT TIMEOUT; do
	case ${!v} in '' | *[!0-9]* | 0) die "$v must be a positive integer" ;; esac
done

# Every background job gets its own process group, so cleanup ends it with
# whatever it started.
set -m
# The receivers' output goes to tmpfs: counting it must not cost disk I/O.
tmpbase=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && tmpbase=/dev/shm
bench_tmpdir "$tmpbase" sockctl-bench-udp

"$CC" -O2 -o "$T/udpflood" "$here/udpflood.c" ||
    die "cannot compile $here/udpflood.c"
FLOOD=$T/udpflood

# wait_udp PORT: until something is bound to UDP PORT.
wait_udp() {
	local i
	for ((i = 0; i < 200; i++)); do
		ss -ulnH "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.025
	done
	return 1
}

stop() {
	kill -TERM -- "-$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# run CMD...: runs CMD as a tracked background job and waits for it, so an
# INT or TERM is acted on at once (bash defers traps until a foreground
# command ends) and cleanup ends CMD too.  Returns CMD's status.
run() {
	"$@" &
	local p=$!
	pids+=("$p")
	wait "$p"
}

# The UDP counter named $1 (RcvbufErrors, InDatagrams...) of /proc/net/snmp.
snmp_udp() {
	awk -v f="$1" '$1 == "Udp:" { if (!n++) { for (i = 2; i <= NF; i++)
	    if ($i == f) c = i } else { print $c; exit } }' /proc/net/snmp
}

# (a) One receiving run.  $1 = sockctl | nc.  Sets r_rate and r_line.
recv_one() {
	local tool=$1 port srv i tl sz out drop0 drop n sent tsend rsend
	rm -f "$T/pf" "$T/out"
	if [ "$tool" = sockctl ]; then
		"$SOCKCTL" udp-recv -f raw --port-file "$T/pf" 0 \
		    < /dev/null > "$T/out" 2> "$T/srv.err" &
		srv=$!
		pids+=("$srv")
		wait_file "$T/pf" "$srv" ||
		    { cat "$T/srv.err" >&2; die "sockctl udp-recv did not start"; }
		port=$(cat "$T/pf")
	else
		srv=
		for ((i = 0; i < 5; i++)); do
			port=$(free_port udp)
			nc -u -l 127.0.0.1 "$port" \
			    < /dev/null > "$T/out" 2> "$T/srv.err" &
			srv=$!
			pids+=("$srv")
			wait_udp "$port" && break
			stop "$srv"
			srv=
		done
		[ -n "$srv" ] || { cat "$T/srv.err" >&2; die "nc -u -l did not start"; }
	fi
	drop0=$(snmp_udp RcvbufErrors)
	run timeout $((2 * TIMEOUT + 10)) "$FLOOD" "$port" "$RECV_COUNT" 64 \
	    "$TIMEOUT" "$T/out" > "$T/flood.out" ||
	    { stop "$srv"; die "$tool: the flood failed: $(cat "$T/flood.out")"; }
	out=$(cat "$T/flood.out")
	stop "$srv"
	drop=$(( $(snmp_udp RcvbufErrors) - drop0 ))
	# "sent N datagrams of 64 bytes in T s: R dgram/s; OUT: B bytes at T2 s"
	sent=$(echo "$out" | sed -n 's/^sent \([0-9]*\) datagrams.*/\1/p')
	tsend=$(echo "$out" | sed -n 's/^sent .* in \([0-9.]*\) s: .*/\1/p')
	rsend=$(echo "$out" | sed -n 's/^sent .* s: \([0-9]*\) dgram.*/\1/p')
	sz=$(echo "$out" | sed -n 's/.*: \([0-9]*\) bytes at [0-9.]* s$/\1/p')
	tl=$(echo "$out" | sed -n 's/.* bytes at \([0-9.]*\) s$/\1/p')
	if [ -z "$sent" ] || [ -z "$sz" ] || [ -z "$tl" ]; then
		die "$tool: cannot read the flood's report: $out"
	fi
	n=$((sz / 64))
	r_rate=$(awk -v n="$n" -v t="$tl" 'BEGIN { printf "%.0f", n / t }')
	r_line=$(printf '%9d dgram/s  got %d of %d in %.3f s, drop %d  (flood %s dgram/s over %s s)' \
	    "$r_rate" "$n" "$sent" "$tl" "$drop" "$rsend" "$tsend")
	[ $((sz % 64)) -eq 0 ] || r_line+="  (output not a multiple of 64 bytes!)"
}

# sockctl_send BYTES PORT: the sockctl sending pipeline.
sockctl_send() {
	head -c "$1" /dev/zero |
	    timeout "$TIMEOUT" "$SOCKCTL" udp-send --chunk 64 127.0.0.1 "$2"
}

# (b) One sending run.  $1 = sockctl | ncat.  Sets r_rate and r_line.
send_one() {
	local tool=$1 port sink i t0 t1 st count got
	rm -f "$T/spf"
	"$FLOOD" --sink "$T/spf" 300 "$TIMEOUT" > "$T/sink.out" 2>&1 &
	sink=$!
	pids+=("$sink")
	wait_file "$T/spf" "$sink" || { cat "$T/sink.out" >&2; die "the sink did not start"; }
	port=$(cat "$T/spf")
	if [ "$tool" = sockctl ]; then
		count=$SEND_COUNT
		t0=$EPOCHREALTIME
		run sockctl_send $((count * 64)) "$port" 2> "$T/snd.err"
		st=$?
		t1=$EPOCHREALTIME
	else
		count=$NCAT_COUNT
		t0=$EPOCHREALTIME
		run timeout "$TIMEOUT" "$FLOOD" --feed "$count" 64 \
		    ncat -u 127.0.0.1 "$port" > /dev/null 2> "$T/snd.err"
		st=$?
		t1=$EPOCHREALTIME
	fi
	[ $st -eq 0 ] || { cat "$T/snd.err" >&2; stop "$sink"; die "$tool: sending failed (status $st)"; }
	# The sink ends 300 ms after the last datagram.
	for ((i = 0; i < 200; i++)); do
		kill -0 "$sink" 2>/dev/null || break
		sleep 0.025
	done
	stop "$sink"
	got=$(awk '/^received/ { print $2 }' "$T/sink.out")
	r_rate=$(awk -v n="$count" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
	r_line=$(printf '%9d dgram/s  %d records in %.3f s, sink received %s' \
	    "$r_rate" "$count" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
	    "${got:-?}")
}

# (c) One run from a packet-mode pipe.  $1 = sockctl | readsend.  Sets
# r_rate and r_line.
pkt_one() {
	local tool=$1 port sink i st got t drop0 drop
	rm -f "$T/spf"
	"$FLOOD" --sink "$T/spf" 300 "$TIMEOUT" > "$T/sink.out" 2>&1 &
	sink=$!
	pids+=("$sink")
	wait_file "$T/spf" "$sink" || { cat "$T/sink.out" >&2; die "the sink did not start"; }
	port=$(cat "$T/spf")
	drop0=$(snmp_udp RcvbufErrors)
	if [ "$tool" = sockctl ]; then
		run timeout "$TIMEOUT" "$FLOOD" --feed "$PKT_COUNT" 64 \
		    "$SOCKCTL" udp-send --chunk 64 127.0.0.1 "$port" \
		    > "$T/feed.out" 2> "$T/snd.err"
	else
		run timeout "$TIMEOUT" "$FLOOD" --feed "$PKT_COUNT" 64 \
		    "$FLOOD" --readsend "$port" > "$T/feed.out" 2> "$T/snd.err"
	fi
	st=$?
	[ $st -eq 0 ] || { cat "$T/snd.err" >&2; stop "$sink"; die "$tool: sending failed (status $st)"; }
	for ((i = 0; i < 200; i++)); do
		kill -0 "$sink" 2>/dev/null || break
		sleep 0.025
	done
	stop "$sink"
	drop=$(( $(snmp_udp RcvbufErrors) - drop0 ))
	got=$(awk '/^received/ { print $2 }' "$T/sink.out")
	# "fed N records of SIZE bytes in T s"
	t=$(sed -n 's/^fed [0-9]* records of [0-9]* bytes in \([0-9.]*\) s$/\1/p' "$T/feed.out")
	[ -n "$t" ] || die "$tool: cannot read the feeder's report: $(cat "$T/feed.out")"
	r_rate=$(awk -v n="$PKT_COUNT" -v t="$t" 'BEGIN { printf "%.0f", n / t }')
	r_line=$(printf '%9d dgram/s  %d records in %.3f s, sink received %s, drop %d' \
	    "$r_rate" "$PKT_COUNT" "$t" "${got:-?}" "$drop")
	# What the sink could not take was dropped by its kernel queue (on a
	# busy machine the sink falls behind a batch); anything else is lost.
	[ $(( ${got:-0} + drop )) -eq "$PKT_COUNT" ] ||
	    r_line+="  (not one datagram per record!)"
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
		  else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "udp benchmark: 64-byte datagrams over loopback, $ROUNDS rounds, A B A B"
echo "  sockctl: $SOCKCTL"
echo "  nc:      $(command -v nc) ($(nc -h 2>&1 | head -n 1))"
echo "  ncat:    $(command -v ncat) ($(ncat --version 2>&1 | sed -n 's/^Ncat: \(Version [^ ]*\).*/\1/p'))"
echo "  host:    $(nproc) CPUs, Linux $(uname -r); rmem_max $(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo ?)"
echo "  (a) receive: udpflood sends $RECV_COUNT (sendmmsg x64) into"
echo "      sockctl udp-recv -f raw --port-file F 0 > file  |  nc -u -l 127.0.0.1 PORT > file"
echo "  (b) send: sockctl udp-send --chunk 64 from head -c $((SEND_COUNT * 64)) /dev/zero |"
echo "      ncat -u fed $NCAT_COUNT records, one per read (udpflood --feed, O_DIRECT pipe)"
echo "  (c) packet stream: $PKT_COUNT records of 64 bytes, one per write, O_DIRECT pipe, into"
echo "      sockctl udp-send --chunk 64  |  udpflood --readsend (read()+send() loop)"
echo

declare -A rate m
for ((r = 1; r <= ROUNDS; r++)); do
	for tool in sockctl nc; do
		recv_one "$tool"
		rate[recv-$tool]+="$r_rate "
		printf 'round %d  recv %-7s %s\n' "$r" "$tool" "$r_line"
	done
	for tool in sockctl ncat; do
		send_one "$tool"
		rate[send-$tool]+="$r_rate "
		printf 'round %d  send %-7s %s\n' "$r" "$tool" "$r_line"
	done
	for tool in sockctl readsend; do
		pkt_one "$tool"
		rate[pkt-$tool]+="$r_rate "
		printf 'round %d  pkt  %-8s %s\n' "$r" "$tool" "$r_line"
		[ "$tool" = sockctl ] && pkt_a=$r_rate
	done
	# The ratio within the round: both ran under the same conditions.
	ratio=$(awk -v a="$pkt_a" -v b="$r_rate" \
	    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	printf 'round %d  pkt  sockctl/readsend %s x\n' "$r" "$ratio"
done

echo
for k in recv-sockctl recv-nc send-sockctl send-ncat pkt-sockctl pkt-readsend; do
	# shellcheck disable=SC2086
	m[$k]=$(median ${rate[$k]})
	printf 'median   %-13s %9d dgram/s\n' "$k" "${m[$k]}"
done
echo
fail=0
verdict() {
	local label=$1 a=$2 b=$3 target=${4:-2} ratio ok
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	ok=$(awk -v v="$ratio" -v t="$target" 'BEGIN { print (v >= t) ? "PASS" : "FAIL" }')
	[ "$ok" = PASS ] || fail=1
	printf '%-40s %7s  (target >= %.2f)  %s\n' "$label" "$ratio" "$target" "$ok"
}
verdict "receive dgram/s sockctl/nc (x)" "${m[recv-sockctl]}" "${m[recv-nc]}"
verdict "send dgram/s sockctl/ncat (x)" "${m[send-sockctl]}" "${m[send-ncat]}"
verdict "packet dgram/s sockctl/read+send (x)" "${m[pkt-sockctl]}" \
    "${m[pkt-readsend]}" 1.3

if [ "$STRICT" = 1 ] && [ $fail -ne 0 ]; then
	exit 1
fi
exit 0
