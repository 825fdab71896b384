#!/bin/sh
# bench/relay.sh -- one-way bulk transfer over loopback: sockctl vs nc.
#
#   dd if=/dev/zero bs=1M count=N | CLIENT 127.0.0.1 PORT
#   SERVER < fifo-that-never-ends > /dev/null
#
# with CLIENT/SERVER = `sockctl connect` / `sockctl listen --recv-only
# --port-file F 0` and `nc -N` / `nc -l 127.0.0.1 PORT` (netcat-openbsd),
# interleaved A B A B.  Each side runs under /usr/bin/time; CPU is the user +
# system time of BOTH sides (dd is not counted), throughput is the size over
# the wall time of the client pipeline.  Prints every round, the medians,
# the ratios sockctl/nc, and PASS/FAIL against the targets of issue 2:
# throughput >= 1.3x nc, CPU per GiB <= 0.7x nc, peak RSS <= 4 MiB per side.
#
# Why --recv-only: by the contract's relay rule 3 a listener whose stdin is
# still open keeps it flowing after the peer's EOF, so with a fifo that never
# ends a plain `sockctl listen` (correctly) never exits, and `connect` waits
# for it.  nc -l ends at the peer's EOF; `--recv-only` is sockctl's spelling
# of that (rule 4), and the receive path (socket -> /dev/null) is the same.
#
# Environment: SOCKCTL (binary, default ../src/sockctl from this script),
# ROUNDS (3), SIZE_MIB (1024), TIMEOUT (seconds per transfer, 120),
# STRICT (1: exit 1 when a target is missed; default exit 0 once measured).
# This is a benchmark, not a test: loopback only, nothing is left running.

# Re-exec under bash (arithmetic, EPOCHREALTIME, job control).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
# die, SOCKCTL, bench_tmpdir
# shellcheck source=bench/common.sh
. "$here/common.sh"
ROUNDS=${ROUNDS:-3}
SIZE_MIB=${SIZE_MIB:-1024}
TIMEOUT=${TIMEOUT:-120}
STRICT=${STRICT:-0}
NC=${NC:-nc}
TIME=/usr/bin/time

[ -x "$TIME" ] || die "$TIME is missing (apt-get install time)"
command -v "$NC" >/dev/null || die "nc is missing (apt-get install netcat-openbsd)"
command -v python3 >/dev/null || die "python3 is missing"
command -v ss >/dev/null || die "ss is missing (apt-get install iproute2)"
"$NC" -h 2>&1 | grep -q -- '-N' || die "$NC is not netcat-openbsd (no -N)"

# Every background job gets its own process group, so cleanup can end the
# job together with whatever it started (time -> sockctl/nc).
set -m
bench_tmpdir

# The listeners' stdin: a fifo whose writer sleeps, so it never ends.
mkfifo "$T/fifo" || die "mkfifo"
sleep 100000 > "$T/fifo" &
pids+=("$!")

# Waits (bounded) until something listens on 127.0.0.1:$1.
wait_listen() {
	local i
	for ((i = 0; i < 200; i++)); do
		ss -ltnH "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.025
	done
	return 1
}

# Waits (bounded, $2 seconds) for process $1 to exit; kills it after that.
wait_pid() {
	local i n=$(( $2 * 20 ))
	for ((i = 0; i < n; i++)); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
		sleep 0.05
	done
	kill -TERM -- "-$1" 2>/dev/null
	wait "$1"
	return 124
}

# One transfer.  $1 = sockctl | nc.  Sets r_wall r_cpu r_srss r_crss.
run_one() {
	local tool=$1 port srv rc t0 t1 i
	rm -f "$T/pf" "$T/srv.time" "$T/cli.time"
	if [ "$tool" = sockctl ]; then
		$TIME -f '%e %U %S %M' -o "$T/srv.time" \
		    "$SOCKCTL" listen --recv-only --port-file "$T/pf" \
		    127.0.0.1 0 < "$T/fifo" > /dev/null 2> "$T/srv.err" &
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
		for ((i = 0; i < 5; i++)); do
			port=$(free_port)
			$TIME -f '%e %U %S %M' -o "$T/srv.time" \
			    "$NC" -l 127.0.0.1 "$port" < "$T/fifo" \
			    > /dev/null 2> "$T/srv.err" &
			srv=$!
			pids+=("$srv")
			wait_listen "$port" && break
			kill -TERM -- "-$srv" 2>/dev/null; wait "$srv" 2>/dev/null
			srv=
		done
		[ -n "$srv" ] || { cat "$T/srv.err" >&2; die "nc -l did not start"; }
	fi

	t0=$EPOCHREALTIME
	if [ "$tool" = sockctl ]; then
		dd if=/dev/zero bs=1M count="$SIZE_MIB" 2>/dev/null |
		    timeout "$TIMEOUT" $TIME -f '%e %U %S %M' -o "$T/cli.time" \
		    "$SOCKCTL" connect 127.0.0.1 "$port" > /dev/null 2> "$T/cli.err"
	else
		dd if=/dev/zero bs=1M count="$SIZE_MIB" 2>/dev/null |
		    timeout "$TIMEOUT" $TIME -f '%e %U %S %M' -o "$T/cli.time" \
		    "$NC" -N 127.0.0.1 "$port" > /dev/null 2> "$T/cli.err"
	fi
	rc=$?
	t1=$EPOCHREALTIME
	[ $rc -eq 0 ] || { cat "$T/cli.err" >&2; die "$tool client failed (status $rc)"; }
	wait_pid "$srv" 30
	rc=$?
	[ $rc -eq 0 ] || { cat "$T/srv.err" >&2; die "$tool server failed (status $rc)"; }

	# /usr/bin/time -o: the last line is ours (a failed command adds one).
	read -r _ su ss sm < <(tail -n 1 "$T/srv.time")
	read -r _ cu cs cm < <(tail -n 1 "$T/cli.time")
	r_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
	r_cpu=$(awk -v a="$su" -v b="$ss" -v c="$cu" -v d="$cs" \
	    -v g="$SIZE_MIB" 'BEGIN { printf "%.4f", (a + b + c + d) * 1024 / g }')
	r_gbs=$(awk -v w="$r_wall" -v g="$SIZE_MIB" \
	    'BEGIN { printf "%.3f", g / 1024 / w }')
	r_srss=$sm
	r_crss=$cm
	r_detail="client ${cu}u+${cs}s server ${su}u+${ss}s"
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
		  else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maxof() {
	printf '%s\n' "$@" | sort -g | tail -n 1
}

echo "relay benchmark: $SIZE_MIB MiB one way over 127.0.0.1, $ROUNDS rounds, A B A B"
echo "  sockctl: $SOCKCTL"
echo "  nc:      $(command -v "$NC") ($(dpkg-query -W -f '${Package} ${Version}' netcat-openbsd 2>/dev/null))"
echo "  host:    $(nproc) CPUs, Linux $(uname -r)"
echo

declare -A gbs cpu srss crss m_gbs m_cpu x_crss x_srss
for ((r = 1; r <= ROUNDS; r++)); do
	for tool in sockctl nc; do
		run_one "$tool"
		gbs[$tool]+="$r_gbs "
		cpu[$tool]+="$r_cpu "
		srss[$tool]+="$r_srss "
		crss[$tool]+="$r_crss "
		printf 'round %d  %-7s  %6.3f GiB/s  %6.3f CPU s/GiB  (%s)  peak RSS client %5d KiB, server %5d KiB\n' \
		    "$r" "$tool" "$r_gbs" "$r_cpu" "$r_detail" "$r_crss" "$r_srss"
	done
done

echo
for tool in sockctl nc; do
	# The lists are split into words on purpose.
	# shellcheck disable=SC2086
	{
		m_gbs[$tool]=$(median ${gbs[$tool]})
		m_cpu[$tool]=$(median ${cpu[$tool]})
		x_crss[$tool]=$(maxof ${crss[$tool]})
		x_srss[$tool]=$(maxof ${srss[$tool]})
	}
	printf 'median   %-7s  %6.3f GiB/s  %6.3f CPU s/GiB  max peak RSS client %5d KiB, server %5d KiB\n' \
	    "$tool" "${m_gbs[$tool]}" "${m_cpu[$tool]}" "${x_crss[$tool]}" "${x_srss[$tool]}"
done

fails=0
verdict() {	# verdict LABEL VALUE OP LIMIT
	local ok
	ok=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
	    print (op == ">=" ? v >= l : v <= l) ? "PASS" : "FAIL" }')
	[ "$ok" = PASS ] || fails=$((fails + 1))
	printf '%-44s %8s  (target %s %s)  %s\n' "$1" "$2" "$3" "$4" "$ok"
}
tput_ratio=$(awk -v a="${m_gbs[sockctl]}" -v b="${m_gbs[nc]}" 'BEGIN { printf "%.2f", a / b }')
cpu_ratio=$(awk -v a="${m_cpu[sockctl]}" -v b="${m_cpu[nc]}" 'BEGIN { printf "%.2f", a / b }')
echo
verdict "throughput sockctl/nc (x)" "$tput_ratio" ">=" 1.30
verdict "CPU per GiB sockctl/nc (x)" "$cpu_ratio" "<=" 0.70
verdict "sockctl client (connect) peak RSS (KiB)" "${x_crss[sockctl]}" "<=" 4096
verdict "sockctl server (listen) peak RSS (KiB)" "${x_srss[sockctl]}" "<=" 4096

if [ "$STRICT" = 1 ] && [ $fails -gt 0 ]; then
	exit 1
fi
exit 0
