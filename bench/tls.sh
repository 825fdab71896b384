#!/bin/sh
# bench/tls.sh -- one-way bulk transfer over loopback TLS: sockctl against
# socat and ncat, and sockctl's plain-TCP relay in the same run.
#
#   dd if=/dev/zero bs=1M | CLIENT 127.0.0.1 PORT       (sends)
#   SERVER > /dev/null                                  (receives)
#
#   sockctl-tls   sockctl connect --tls --tls-ca CA  /
#                 sockctl listen --tls --tls-cert C --tls-key K --recv-only
#   socat         socat -u - OPENSSL:...,cafile=CA  /
#                 socat -u OPENSSL-LISTEN:...,cert=C,key=K,verify=0 -
#   ncat          ncat --ssl --ssl-verify --ssl-trustfile CA --send-only  /
#                 ncat --ssl --ssl-cert C --ssl-key K -l --recv-only
#   sockctl-plain sockctl connect / sockctl listen --recv-only
#
# all with the same ECDSA P-256 certificate, interleaved round by round.
# The feeder is dd with 1 MiB blocks, as in relay.sh: head -c writes 4 KiB
# at a time and burned 0.43 CPU seconds per GiB, on a 2-core machine a
# third process competing with the two measured.
# Each side runs under /usr/bin/time; throughput is SIZE over the time from
# the client's start to the server's exit (everything received), CPU is
# user + system seconds per GiB of each side.  Prints every round, the
# medians, and the targets' ratios: sockctl-tls >= 3x the faster of socat
# and ncat, CPU per GiB (both sides) <= 0.5x the cheaper one, and >= 0.4x
# sockctl's plain relay.
#
# Environment: SOCKCTL (binary, default ../src/sockctl from this script),
# ROUNDS (3), SIZE_MIB (1024), TIMEOUT (seconds per transfer, 300),
# STRICT (1: exit 1 when a target is missed).  A benchmark, not a test:
# loopback only, nothing is left running.

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
TIMEOUT=${TIMEOUT:-300}
STRICT=${STRICT:-0}
TIME=/usr/bin/time

[ -x "$TIME" ] || die "$TIME is missing (apt-get install time)"
for c in socat ncat openssl python3; do
	command -v "$c" >/dev/null || die "$c is missing"
done

set -m
bench_tmpdir

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost -days 1 \
    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' 2>/dev/null ||
    die "openssl req failed"
C=$T/cert.pem
K=$T/key.pem

wait_listen() {
	local i
	for ((i = 0; i < 500; i++)); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.01
	done
	return 1
}

size=$((SIZE_MIB * 1024 * 1024))
feed() { dd if=/dev/zero bs=1M count="$SIZE_MIB" status=none; }

# one NAME: one transfer; prints "GiB/s client-cpu-per-GiB server-cpu".
one() {
	local name=$1 port srv t0 t1 pf=$T/port
	rm -f "$pf"
	port=$(free_port)
	case $name in
	sockctl-tls)
		"$TIME" -f '%U %S' -o "$T/srv.time" "$SOCKCTL" listen --tls \
		    --tls-cert "$C" --tls-key "$K" --recv-only --port-file "$pf" \
		    127.0.0.1 0 >/dev/null 2>"$T/srv.err" &
		;;
	sockctl-plain)
		"$TIME" -f '%U %S' -o "$T/srv.time" "$SOCKCTL" listen \
		    --recv-only --port-file "$pf" 127.0.0.1 0 >/dev/null \
		    2>"$T/srv.err" &
		;;
	socat)
		"$TIME" -f '%U %S' -o "$T/srv.time" socat -u \
		    "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$C,key=$K,verify=0" \
		    - >/dev/null 2>"$T/srv.err" &
		;;
	ncat)
		"$TIME" -f '%U %S' -o "$T/srv.time" ncat --ssl --ssl-cert "$C" \
		    --ssl-key "$K" -l --recv-only 127.0.0.1 "$port" \
		    >/dev/null 2>"$T/srv.err" &
		;;
	esac
	srv=$!
	pids+=("$srv")
	case $name in
	sockctl-*)
		for ((i = 0; i < 500; i++)); do
			[ -s "$pf" ] && break
			sleep 0.01
		done
		port=$(cat "$pf")
		;;
	*)
		wait_listen "$port" || die "$name did not listen"
		;;
	esac
	t0=$EPOCHREALTIME
	case $name in
	sockctl-tls)
		feed | timeout "$TIMEOUT" "$TIME" \
		    -f '%U %S' -o "$T/cli.time" "$SOCKCTL" connect --tls \
		    --tls-ca "$C" 127.0.0.1 "$port"
		;;
	sockctl-plain)
		feed | timeout "$TIMEOUT" "$TIME" \
		    -f '%U %S' -o "$T/cli.time" "$SOCKCTL" connect \
		    127.0.0.1 "$port"
		;;
	socat)
		feed | timeout "$TIMEOUT" "$TIME" \
		    -f '%U %S' -o "$T/cli.time" socat -u - \
		    "OPENSSL:127.0.0.1:$port,cafile=$C"
		;;
	ncat)
		feed | timeout "$TIMEOUT" "$TIME" \
		    -f '%U %S' -o "$T/cli.time" ncat --ssl --ssl-verify \
		    --ssl-trustfile "$C" --ssl-servername localhost --send-only \
		    127.0.0.1 "$port"
		;;
	esac
	wait "$srv"
	t1=$EPOCHREALTIME
	pids=()
	awk -v t0="$t0" -v t1="$t1" -v size="$size" \
	    -v cli="$(tail -n 1 "$T/cli.time")" \
	    -v srv="$(tail -n 1 "$T/srv.time")" 'BEGIN {
		gib = size / 1073741824
		split(cli, c, " "); split(srv, s, " ")
		printf "%.3f %.3f %.3f\n", gib / (t1 - t0),
		    (c[1] + c[2]) / gib, (s[1] + s[2]) / gib
	}'
}

names="sockctl-tls socat ncat sockctl-plain"
echo "tls.sh: $SIZE_MIB MiB one way, $ROUNDS rounds, ECDSA P-256"
printf '%-14s %5s %8s %14s %14s\n' tool round 'GiB/s' 'client CPU s/GiB' 'server CPU s/GiB'
for ((r = 1; r <= ROUNDS; r++)); do
	for n in $names; do
		res=$(one "$n") || die "$n failed"
		echo "$n $res" >>"$T/results"
		# shellcheck disable=SC2086
		printf '%-14s %5d %8s %14s %14s\n' "$n" "$r" $res
	done
done

echo "medians:"
med() {	# NAME FIELD
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$T/results" |
	    sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
for n in $names; do
	printf '%-14s %8s GiB/s  CPU s/GiB client %s server %s\n' "$n" \
	    "$(med "$n" 2)" "$(med "$n" 3)" "$(med "$n" 4)"
done
awk -v st="$(med sockctl-tls 2)" -v so="$(med socat 2)" \
    -v nc="$(med ncat 2)" -v pl="$(med sockctl-plain 2)" \
    -v stc="$(med sockctl-tls 3)" -v sts="$(med sockctl-tls 4)" \
    -v soc="$(med socat 3)" -v sos="$(med socat 4)" \
    -v ncc="$(med ncat 3)" -v ncs="$(med ncat 4)" \
    -v strict="$STRICT" 'BEGIN {
	best = (so > nc) ? so : nc
	cheap = (soc + sos < ncc + ncs) ? (soc + sos) : (ncc + ncs)
	r1 = st / best; r2 = (stc + sts) / cheap; r3 = st / pl
	ok = (r1 >= 3) && (r2 <= 0.5) && (r3 >= 0.4)
	printf "throughput vs faster peer: %.2fx (target >= 3x) %s\n", r1,
	    (r1 >= 3) ? "PASS" : "FAIL"
	printf "CPU/GiB vs cheaper peer:   %.2fx (target <= 0.5x) %s\n", r2,
	    (r2 <= 0.5) ? "PASS" : "FAIL"
	printf "TLS vs plain relay:        %.2fx (target >= 0.4x) %s\n", r3,
	    (r3 >= 0.4) ? "PASS" : "FAIL"
	exit ((strict && !ok) ? 1 : 0)
}'
