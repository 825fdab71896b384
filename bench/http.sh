#!/bin/sh
# bench/http.sh -- static file serving over loopback: sockctl serve-http vs
# nginx.
#
# Both serve the same generated tree from 127.0.0.1:
#
#   sockctl serve-http -p 0 --port-file F TREE
#   nginx: one worker, sendfile on, access_log off, autoindex on
#
# and wrk (2 threads, DURATION seconds each) measures requests/s, the two
# servers interleaved A B A B for ROUNDS rounds:
#
#   small  a 100-byte file          64 connections
#   big    a 1 MiB file              8 connections
#   list   a 1000-entry directory    8 connections (nginx: autoindex)
#
# Then the stall a huge listing causes: one client asks for the
# listing of a HUGE-entry directory (100,000) while another asks for the
# small file again and again on a keep-alive connection; the longest wait
# of a small request while the listing is built is reported, for
# serve-http (target: at most 50 ms) and for nginx's autoindex.
# ONLY=listing runs just that part (no wrk needed; nginx if installed);
# ONLY=wrk stops after the wrk medians.  CASES picks among the wrk cases
# (default "small big list").
#
# Then serve-http's resident set (VmRSS) is read from /proc while a client
# holds 1000 idle keep-alive connections, each of which has been answered
# once.  Prints every run, the medians, the ratios serve-http/nginx, and
# PASS/FAIL against its targets: >= 1.0x nginx on the small file
# and the listing, >= 0.9x on the 1 MiB file, <= 16 MiB resident.
# Each run also reports the server's CPU time per request (from
# /proc/PID/stat; nginx's worker, not its master): requests/s swing widely
# when other work shares the CPUs, CPU per request much less.
#
# Environment: SOCKCTL (binary, default ../src/sockctl from this script),
# ROUNDS (3), DURATION (seconds per wrk run, 5), THREADS (wrk threads, 2),
# IDLE_CONNS (1000), NGINX (nginx), WRK (wrk), STRICT (1: exit 1 when a
# target is missed; default exit 0 once measured).
# This is a benchmark, not a test: loopback only, bounded in time, and
# nothing is left running.

# Re-exec under bash (arrays, arithmetic, job control).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
# die, SOCKCTL, bench_tmpdir
# shellcheck source=bench/common.sh
. "$here/common.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
THREADS=${THREADS:-2}
IDLE_CONNS=${IDLE_CONNS:-1000}
NGINX=${NGINX:-nginx}
WRK=${WRK:-wrk}
STRICT=${STRICT:-0}
HUGE=${HUGE:-100000}
ONLY=${ONLY:-}

if [ "$ONLY" != listing ]; then
	command -v "$WRK" >/dev/null || die "wrk is missing (apt-get install wrk)"
	command -v "$NGINX" >/dev/null ||
	    die "nginx is missing (apt-get install nginx-light)"
fi
command -v python3 >/dev/null || die "python3 is missing"
command -v curl >/dev/null || die "curl is missing"

set -m
bench_tmpdir

# The tree.  nginx's worker may run as nobody: everything world-readable.
chmod 755 "$T"
mkdir -p "$T/www/list" "$T/nginx" || die "mkdir"
head -c 99 /dev/zero | tr '\0' 'x' > "$T/www/small.txt"
echo >> "$T/www/small.txt"
head -c 1048576 /dev/urandom > "$T/www/big.bin"
python3 - "$T/www/list" <<'EOF' || die "cannot make the listing tree"
import os, sys
d = sys.argv[1]
for i in range(1000):
    if i % 10 == 0:
        os.mkdir(os.path.join(d, "dir-%04d" % i))
    else:
        with open(os.path.join(d, "file-%04d.txt" % i), "w") as f:
            f.write("x" * (i * 37 % 5000))
EOF
python3 - "$T/www/huge" "$HUGE" <<'EOF' || die "cannot make the huge directory"
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.mkdir(d)
for i in range(n):
    os.close(os.open("%s/entry-%06d.txt" % (d, i), os.O_CREAT | os.O_WRONLY, 0o644))
EOF
chmod -R a+rX "$T/www"

# listing_stall PORT: ROUNDS listings of huge/, each with small requests
# on another connection meanwhile; prints the median time of a listing,
# the number of small requests, and the longest and 99th-percentile wait
# of one, in ms.  On a loaded machine the longest includes the times the
# server was not scheduled at all; the percentile shows the usual wait.
listing_stall() {
	python3 - "$1" "$ROUNDS" <<'EOF'
import socket, sys, time
port, rounds = int(sys.argv[1]), int(sys.argv[2])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
def response(s, buf):
    while b"\r\n\r\n" not in buf:
        buf += s.recv(1 << 20)
    head, buf = buf.split(b"\r\n\r\n", 1)
    n = 0
    for ln in head.split(b"\r\n"):
        if ln.lower().startswith(b"content-length:"):
            n = int(ln.split(b":")[1])
    while len(buf) < n:
        buf += s.recv(1 << 20)
    return buf[n:]
waits, took = [], []
for r in range(rounds):
    a, b = conn(), conn()
    a.sendall(b"GET /huge/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    t0 = time.monotonic()
    a.setblocking(False)
    done, bbuf = False, b""
    while not done:
        t = time.monotonic()
        b.sendall(b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        bbuf = response(b, bbuf)
        waits.append(time.monotonic() - t)
        try:
            while True:
                if not a.recv(1 << 20):
                    done = True
                    break
        except BlockingIOError:
            pass
    took.append(time.monotonic() - t0)
    a.close()
    b.close()
took.sort()
waits.sort()
print("%.0f %d %.1f %.1f" % (took[len(took) // 2] * 1000, len(waits),
    waits[-1] * 1000, waits[len(waits) * 99 // 100] * 1000))
EOF
}

# Waits (bounded) until $1 answers 200 on /small.txt at 127.0.0.1:$2.
wait_http() {
	local i
	for ((i = 0; i < 200; i++)); do
		curl -s -o /dev/null --max-time 1 \
		    "http://127.0.0.1:$2/small.txt" && return 0
		sleep 0.025
	done
	die "$1 does not answer on port $2"
}

# sockctl serve-http: sets s_pid and s_port.
start_sockctl() {
	local i
	rm -f "$T/sport"
	"$SOCKCTL" serve-http -p 0 --port-file "$T/sport" "$T/www" \
	    > /dev/null 2> "$T/sockctl.err" &
	s_pid=$!
	pids+=("$s_pid")
	for ((i = 0; i < 200; i++)); do
		[ -s "$T/sport" ] && break
		kill -0 "$s_pid" 2>/dev/null || break
		sleep 0.025
	done
	[ -s "$T/sport" ] || { cat "$T/sockctl.err" >&2; die "serve-http did not start"; }
	s_port=$(cat "$T/sport")
	wait_http serve-http "$s_port"
}

# nginx, one worker, in the foreground: sets n_pid and n_port.
start_nginx() {
	local mime=
	[ -r /etc/nginx/mime.types ] && mime="include /etc/nginx/mime.types;"
	n_port=$(free_port)
	cat > "$T/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events {
	worker_connections 4096;
}
http {
	$mime
	default_type application/octet-stream;
	access_log off;
	sendfile on;
	tcp_nodelay on;
	keepalive_timeout 15s;
	# Like serve-http, never close a busy keep-alive connection.
	keepalive_requests 100000000;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$n_port;
		root $T/www;
		autoindex on;
	}
}
EOF
	"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" \
	    > /dev/null 2> "$T/nginx/stderr" &
	n_pid=$!
	pids+=("$n_pid")
	wait_http nginx "$n_port"
}

# Both must answer every case with 200 and the right kind of body.
check_case() {	# check_case NAME PORT PATH
	local code size
	read -r code size < <(curl -s -o /dev/null --max-time 5 \
	    -w '%{http_code} %{size_download}\n' "http://127.0.0.1:$2$3")
	[ "$code" = 200 ] || die "$1 answers $code on $3"
	echo "$size"
}

# CPU time (user + system, in clock ticks) that process $1 has used.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# One wrk run: prints requests/s and the server's CPU microseconds per
# request; warns about errors.
run_wrk() {	# run_wrk NAME PORT PATH CONNS SECONDS SERVER_PID
	local out rps n c0 c1
	c0=$(cpu_ticks "$6")
	out=$("$WRK" -t "$THREADS" -c "$4" -d "${5}s" --timeout 5s \
	    "http://127.0.0.1:$2$3" 2>&1)
	c1=$(cpu_ticks "$6")
	rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { print $2 }')
	n=$(printf '%s\n' "$out" | awk '/ requests in / { print $1 }')
	if [ -z "$rps" ] || [ "${n:-0}" -le 0 ]; then
		printf '%s\n' "$out" >&2
		die "wrk failed against $1"
	fi
	if printf '%s\n' "$out" | grep -Eq 'Non-2xx|Socket errors'; then
		printf '%s\n' "$out" | grep -E 'Non-2xx|Socket errors' |
		    sed "s/^/  warning: $1 $3: /" >&2
	fi
	awk -v r="$rps" -v a="$c0" -v b="$c1" -v n="$n" -v t="$CLK_TCK" \
	    'BEGIN { printf "%s %.1f\n", r, (b - a) / t * 1e6 / n }'
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
		  else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

start_sockctl
if [ "$ONLY" = listing ]; then
	read -r s_took s_n s_worst s_p99 < <(listing_stall "$s_port")
	printf 'huge listing (%d entries): serve-http %s ms per listing; %s small requests meanwhile, longest %s ms (target <= 50), p99 %s ms\n' \
	    "$HUGE" "$s_took" "$s_n" "$s_worst" "$s_p99"
	if command -v "$NGINX" >/dev/null; then
		start_nginx
		read -r n_took n_n n_worst n_p99 < <(listing_stall "$n_port")
		printf 'huge listing (%d entries): nginx      %s ms per listing; %s small requests meanwhile, longest %s ms, p99 %s ms\n' \
		    "$HUGE" "$n_took" "$n_n" "$n_worst" "$n_p99"
	fi
	echo "load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg) on $(nproc) CPUs"
	exit 0
fi
start_nginx
# nginx's one worker is the master's child; its CPU time is what counts.
n_wpid=$(awk '{ print $1 }' "/proc/$n_pid/task/$n_pid/children" 2>/dev/null)
[ -n "$n_wpid" ] || n_wpid=$(pgrep -P "$n_pid" | head -n 1)
[ -n "$n_wpid" ] || die "cannot find nginx's worker process"

read -r -a cases <<< "${CASES:-small big list}"
declare -A path conns
path[small]=/small.txt;	conns[small]=64
path[big]=/big.bin;	conns[big]=8
path[list]=/list/;	conns[list]=8

echo "http benchmark: wrk -t$THREADS, ${DURATION}s per run, $ROUNDS rounds, A B A B"
echo "  serve-http: $SOCKCTL ($("$SOCKCTL" --version 2>/dev/null | head -n 1))"
echo "  nginx:      $(command -v "$NGINX") ($("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), 1 worker, sendfile on)"
echo "  wrk:        $("$WRK" -v 2>&1 | head -n 1 | awk '{ print $2 }')"
echo "  host:       $(nproc) CPUs, Linux $(uname -r), load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
for c in "${cases[@]}"; do
	printf '  %-5s %-11s %2d connections, body %s bytes (serve-http) / %s bytes (nginx)\n' \
	    "$c" "${path[$c]}" "${conns[$c]}" \
	    "$(check_case serve-http "$s_port" "${path[$c]}")" \
	    "$(check_case nginx "$n_port" "${path[$c]}")"
done
echo

# Warm-up (not counted): page cache, both servers' first allocations.
for c in "${cases[@]}"; do
	run_wrk serve-http "$s_port" "${path[$c]}" "${conns[$c]}" 1 "$s_pid" > /dev/null
	run_wrk nginx "$n_port" "${path[$c]}" "${conns[$c]}" 1 "$n_wpid" > /dev/null
done

declare -A rps cpu m_rps m_cpu
for ((r = 1; r <= ROUNDS; r++)); do
	for c in "${cases[@]}"; do
		read -r a ac < <(run_wrk serve-http "$s_port" "${path[$c]}" \
		    "${conns[$c]}" "$DURATION" "$s_pid")
		read -r b bc < <(run_wrk nginx "$n_port" "${path[$c]}" \
		    "${conns[$c]}" "$DURATION" "$n_wpid")
		[ -n "$a" ] && [ -n "$b" ] || exit 2
		rps[sockctl,$c]+="$a "
		rps[nginx,$c]+="$b "
		cpu[sockctl,$c]+="$ac "
		cpu[nginx,$c]+="$bc "
		printf 'round %d  %-5s  serve-http %9.1f req/s %7.1f us/req   nginx %9.1f req/s %7.1f us/req   %5.2fx\n' \
		    "$r" "$c" "$a" "$ac" "$b" "$bc" \
		    "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
	done
done

echo
for c in "${cases[@]}"; do
	# The lists are split into words on purpose.
	# shellcheck disable=SC2086
	{
		m_rps[sockctl,$c]=$(median ${rps[sockctl,$c]})
		m_rps[nginx,$c]=$(median ${rps[nginx,$c]})
		m_cpu[sockctl,$c]=$(median ${cpu[sockctl,$c]})
		m_cpu[nginx,$c]=$(median ${cpu[nginx,$c]})
	}
	printf 'median   %-5s  serve-http %9.1f req/s %7.1f us/req   nginx %9.1f req/s %7.1f us/req\n' \
	    "$c" "${m_rps[sockctl,$c]}" "${m_cpu[sockctl,$c]}" \
	    "${m_rps[nginx,$c]}" "${m_cpu[nginx,$c]}"
done
echo "(us/req: the server process's CPU time per request, user + system;"
echo " unlike req/s it hardly moves when other work shares the CPUs)"
[ "$ONLY" = wrk ] && exit 0

echo
read -r s_took s_n s_worst s_p99 < <(listing_stall "$s_port")
read -r n_took n_n n_worst n_p99 < <(listing_stall "$n_port")
printf 'huge listing (%d entries): serve-http %s ms per listing; %s small requests meanwhile, longest %s ms, p99 %s ms\n' \
    "$HUGE" "$s_took" "$s_n" "$s_worst" "$s_p99"
printf 'huge listing (%d entries): nginx      %s ms per listing; %s small requests meanwhile, longest %s ms, p99 %s ms\n' \
    "$HUGE" "$n_took" "$n_n" "$n_worst" "$n_p99"

# Idle connections: a client opens them, asks once on each, then holds.
kill -TERM "$n_pid" 2>/dev/null
wait "$n_pid" 2>/dev/null
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
rss_before=$(rss_kib "$s_pid")
python3 - "$s_port" "$IDLE_CONNS" "$T/held" <<'EOF' &
import resource, socket, sys, time
port, n, flag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
req = b"GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(req)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        sys.exit("not 200 on connection %d: %r" % (i, head[:40]))
    while len(body) < 100:
        body += s.recv(4096)
    socks.append(s)
with open(flag, "w") as f:
    f.write("%d\n" % len(socks))
time.sleep(30)
EOF
h_pid=$!
pids+=("$h_pid")
for ((i = 0; i < 400; i++)); do
	[ -s "$T/held" ] && break
	kill -0 "$h_pid" 2>/dev/null || break
	sleep 0.05
done
[ -s "$T/held" ] || die "the idle-connection client did not finish"
sleep 0.5
held=$(cat "$T/held")
nfds=$(find "/proc/$s_pid/fd" -mindepth 1 2>/dev/null | wc -l)
rss_idle=$(rss_kib "$s_pid")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$s_pid/status")
kill -TERM -- "-$h_pid" 2>/dev/null
wait "$h_pid" 2>/dev/null
echo
printf 'serve-http VmRSS: %d KiB after the runs, %d KiB holding %d idle keep-alive connections (%d fds open; peak VmHWM %d KiB)\n' \
    "$rss_before" "$rss_idle" "$held" "$nfds" "$hwm"

fails=0
verdict() {	# verdict LABEL VALUE OP LIMIT
	local ok
	ok=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
	    print (op == ">=" ? v >= l : v <= l) ? "PASS" : "FAIL" }')
	[ "$ok" = PASS ] || fails=$((fails + 1))
	printf '%-52s %8s  (target %s %s)  %s\n' "$1" "$2" "$3" "$4" "$ok"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
verdict "100-byte file, 64 conns: serve-http/nginx (x)" \
    "$(ratio "${m_rps[sockctl,small]}" "${m_rps[nginx,small]}")" ">=" 1.00
verdict "1 MiB file, 8 conns: serve-http/nginx (x)" \
    "$(ratio "${m_rps[sockctl,big]}" "${m_rps[nginx,big]}")" ">=" 0.90
verdict "1000-entry listing, 8 conns: serve-http/nginx (x)" \
    "$(ratio "${m_rps[sockctl,list]}" "${m_rps[nginx,list]}")" ">=" 1.00
verdict "serve-http VmRSS with $held idle conns (KiB)" "$rss_idle" "<=" 16384
verdict "small request during a $HUGE-entry listing, longest (ms)" \
    "$s_worst" "<=" 50
echo
echo "CPU per request, nginx/serve-http (x; above 1 means serve-http uses less):"
for c in "${cases[@]}"; do
	printf '  %-5s %s\n' "$c" "$(ratio "${m_cpu[nginx,$c]}" "${m_cpu[sockctl,$c]}")"
done
echo "load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg) on $(nproc) CPUs"

if [ "$STRICT" = 1 ] && [ $fails -gt 0 ]; then
	exit 1
fi
exit 0
