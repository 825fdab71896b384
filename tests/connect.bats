#!/usr/bin/env bats
# sockctl connect (cli.md, "sockctl connect"): refused and timed-out
# connects, -w, -z scanning, --retry, -s/-p, IPv6, -4/-6, Unix and abstract
# sockets, -e and its environment, -v, and usage errors.

load test_helper/stream

# A 1 MiB / 8 MiB / 32 MiB random file, made once per test that needs it.
mkdata() {
	head -c "$2" /dev/urandom >"$T/$1"
}

# usage_is MESSAGE: the last `run --separate-stderr` was a connect usage
# error: exit 2, nothing on stdout, exactly the two lines on stderr.
usage_is() {
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" "sockctl connect: $1"$'\n'"Try 'sockctl connect --help'."
}

# refused_is HOST PORT: the last run failed to connect: exit 1, nothing
# on stdout, exactly the contract's line on stderr.
refused_is() {
	assert_equal "$status" 1
	assert_output ''
	assert_equal "$stderr" "sockctl connect: connect to $1 port $2: Connection refused"
}

# A server holding TCP ports P and P+2 on 127.0.0.1, P+1 free: $SCAN_PORT.
scan_server() {
	py scan <<'PY'
while True:
    a = socket.socket()
    a.bind(("127.0.0.1", 0))
    p = a.getsockname()[1]
    if p + 2 > 65535:
        a.close()
        continue
    try:
        gap = socket.socket()
        gap.bind(("127.0.0.1", p + 1))
        gap.close()
        b = socket.socket()
        b.bind(("127.0.0.1", p + 2))
    except OSError:
        a.close()
        continue
    break
a.listen(16)
b.listen(16)
import select
counts = []
def serve():
    # Records how many bytes each scan connection sent.
    while True:
        r, _, _ = select.select([a, b], [], [])
        for s in r:
            c, _ = s.accept()
            counts.append(len(read_all(c)))
            c.close()
            put("received", " ".join("%d" % n for n in counts))
with open(os.path.join(T, NAME + ".port.tmp"), "w") as f:
    f.write("%d\n" % p)
os.rename(os.path.join(T, NAME + ".port.tmp"), os.path.join(T, NAME + ".port"))
serve()
PY
	py_server scan
	SCAN_PORT=$PY_PORT
}

# --- usage errors -----------------------------------------------------------

@test "connect: missing HOST or PORT is a usage error" {
	run --separate-stderr "$SOCKCTL" connect </dev/null
	usage_is 'missing HOST'
	run --separate-stderr "$SOCKCTL" connect 127.0.0.1 </dev/null
	usage_is 'missing PORT'
	run --separate-stderr "$SOCKCTL" connect -z 127.0.0.1 </dev/null
	usage_is 'missing PORTS'
	run --separate-stderr "$SOCKCTL" connect -U </dev/null
	usage_is 'missing PATH'
}

@test "connect: an extra argument is a usage error" {
	run --separate-stderr "$SOCKCTL" connect 127.0.0.1 9 surplus </dev/null
	usage_is "extra argument 'surplus'"
	run --separate-stderr "$SOCKCTL" connect -U "$T/sock" surplus </dev/null
	usage_is "extra argument 'surplus'"
}

@test "connect: a bad port is a usage error naming it" {
	run --separate-stderr "$SOCKCTL" connect 127.0.0.1 70000 </dev/null
	usage_is "invalid port '70000': too large (0-65535)"
	run --separate-stderr "$SOCKCTL" connect 127.0.0.1 'no such' </dev/null
	assert_equal "$status" 2
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" "^sockctl connect: invalid port 'no such': "
}

@test "connect: -4 with -6 is a usage error" {
	run --separate-stderr "$SOCKCTL" connect -4 -6 127.0.0.1 9 </dev/null
	usage_is '-4 and -6 cannot be used together'
}

@test "connect: --send-only with --recv-only is a usage error" {
	run --separate-stderr "$SOCKCTL" connect --recv-only --send-only 127.0.0.1 9 </dev/null
	usage_is '--send-only and --recv-only cannot be used together'
}

@test "connect: -C with -e is a usage error (the command writes to the socket itself)" {
	run --separate-stderr timeout 20 "$SOCKCTL" connect -C -e cat 127.0.0.1 9 </dev/null
	usage_is '-C cannot be used with --exec'
	run --separate-stderr timeout 20 "$SOCKCTL" connect --exec=cat --crlf 127.0.0.1 9 </dev/null
	usage_is '-C cannot be used with --exec'
}

@test "connect: -z with -U or -e, and -U with -s, are usage errors" {
	run --separate-stderr "$SOCKCTL" connect -z -U "$T/sock" 1 </dev/null
	assert_equal "$status" 2
	assert_equal "${stderr_lines[1]}" "Try 'sockctl connect --help'."
	assert_regex "${stderr_lines[0]}" '^sockctl connect: .*-z.*-U|^sockctl connect: .*-U.*-z'
	run --separate-stderr "$SOCKCTL" connect -z -e cat 127.0.0.1 1 </dev/null
	assert_equal "$status" 2
	assert_equal "${#stderr_lines[@]}" 2
	run --separate-stderr "$SOCKCTL" connect -U -s 127.0.0.1 "$T/sock" </dev/null
	assert_equal "$status" 2
	assert_equal "${#stderr_lines[@]}" 2
}

# --- refused, -w ---------------------------------------------------------------

@test "connect: refused exits 1 with the contract's line" {
	local port
	port=$(free_port)
	run --separate-stderr timeout 20 "$SOCKCTL" connect 127.0.0.1 "$port" </dev/null
	refused_is 127.0.0.1 "$port"
}

@test "connect: refused on ::1 names the IPv6 address" {
	need_ipv6
	local port
	port=$(free_port)
	run --separate-stderr timeout 20 "$SOCKCTL" connect '[::1]' "$port" </dev/null
	refused_is ::1 "$port"
}

@test "connect: refused with -w 5 still fails at once" {
	local port t0
	port=$(free_port)
	t0=$(now_ms)
	run --separate-stderr timeout 20 "$SOCKCTL" connect -w 5 127.0.0.1 "$port" </dev/null
	refused_is 127.0.0.1 "$port"
	(($(now_ms) - t0 < 2000))
}

@test "connect: -w 500ms gives up on a connect that does not complete" {
	# A listener that never accepts, with a full queue: the kernel drops
	# further SYNs, so the connect hangs, on loopback only.
	py full <<'PY'
s = listening(backlog=0)
held = dial(s.getsockname()[1])
time.sleep(60)
PY
	py_server full
	local t0 dt
	t0=$(now_ms)
	run --separate-stderr timeout 20 "$SOCKCTL" connect -w 500ms 127.0.0.1 "$PY_PORT" </dev/null
	dt=$(($(now_ms) - t0))
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "sockctl connect: connect to 127.0.0.1 port $PY_PORT: Connection timed out"
	((dt >= 450 && dt < 5000))
}

@test "connect: every spelling of -w is accepted" {
	start_server listen -k 127.0.0.1 0 </dev/null >"$T/out"
	local w
	for w in -w5 '-w 5' --timeout=250ms '--timeout 1.5' '-w 2s' '-w 1m'; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 20 "$SOCKCTL" connect $w 127.0.0.1 "$PORT" < <(printf '%s;' "$w")
		assert_success
		assert_equal "$stderr" ''
	done
	assert_equal "$(<"$T/out")" '-w5;-w 5;--timeout=250ms;--timeout 1.5;-w 2s;-w 1m;'
}

@test "connect: -w does not limit the session, only the connect" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
time.sleep(1.2)
c.sendall(b"late but fine\n")
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 "$SOCKCTL" connect -w 500ms 127.0.0.1 "$PY_PORT" </dev/null
	assert_success
	assert_output 'late but fine'
}

# --- -z ------------------------------------------------------------------------

@test "connect: -z on an open port prints 'HOST PORT open', exit 0, sends nothing" {
	scan_server
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z 127.0.0.1 "$SCAN_PORT" </dev/null
	assert_success
	assert_output "127.0.0.1 $SCAN_PORT open"
	assert_equal "$stderr" ''
	wait_for_file "$T/received"
	assert_equal "$(<"$T/received")" 0
}

@test "connect: -z on a closed port prints nothing and exits 1" {
	scan_server
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z 127.0.0.1 "$((SCAN_PORT + 1))" </dev/null
	assert_failure 1
	assert_output ''
}

@test "connect: -z over a range prints exactly the open ports, in order" {
	scan_server
	local p=$SCAN_PORT
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z 127.0.0.1 "$p-$((p + 2))" </dev/null
	assert_success
	assert_equal "$output" "127.0.0.1 $p open"$'\n'"127.0.0.1 $((p + 2)) open"
}

@test "connect: -z over a list of ports and ranges (P1,P2-P3)" {
	scan_server
	local p=$SCAN_PORT
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z 127.0.0.1 "$((p + 1)),$p-$((p + 1)),$((p + 2))" </dev/null
	assert_success
	assert_equal "$output" "127.0.0.1 $p open"$'\n'"127.0.0.1 $((p + 2)) open"
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z 127.0.0.1 "$((p + 1)),$((p + 1))-$((p + 1))" </dev/null
	assert_failure 1
	assert_output ''
}

@test "connect: -z prints HOST as given (::1, [::1], localhost)" {
	need_ipv6
	start_server listen -k 0 </dev/null >/dev/null
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z ::1 "$PORT" </dev/null
	assert_success
	assert_output "::1 $PORT open"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --scan '[::1]' "$PORT" </dev/null
	assert_success
	assert_output "[::1] $PORT open"
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z localhost "$PORT" </dev/null
	assert_success
	assert_output "localhost $PORT open"
}

@test "connect: -z | head -n 1 ends cleanly" {
	scan_server
	local p=$SCAN_PORT
	run --separate-stderr timeout 20 bash -c '
		"$PYTHON3" -c "import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])" "$SOCKCTL" connect -z 127.0.0.1 "$1-$2" | head -n 1
		echo "${PIPESTATUS[*]}"' _ "$p" "$((p + 2))"
	assert_success
	assert_equal "${lines[0]}" "127.0.0.1 $p open"
	assert_equal "${lines[1]}" '0 0'
	assert_equal "$stderr" ''
}

# --- --retry ---------------------------------------------------------------------

@test "connect: --retry reaches a server that starts late" {
	mkdata data 1M
	local port t0 dt
	port=$(free_port)
	# The listener starts 0.5 s after the client (a delay, not a wait).
	(
		sleep 0.5
		exec "$SOCKCTL" listen 127.0.0.1 "$port" <"$T/data" >"$T/lout"
	) 3>&- &
	track $!
	t0=$(now_ms)
	run_out "$T/out" "$SOCKCTL" connect --retry 50 --retry-delay 100ms 127.0.0.1 "$port" < <(printf 'hello late server')
	dt=$(($(now_ms) - t0))
	assert_success
	assert_equal "$stderr" ''
	((dt >= 400))
	cmp "$T/data" "$T/out"
	reap "${bg_pids[-1]}"
	assert_equal "$status" 0
	assert_equal "$(<"$T/lout")" 'hello late server'
}

@test "connect: --retry N gives up after N more attempts, DUR apart, one line" {
	local port t0 dt
	port=$(free_port)
	t0=$(now_ms)
	run --separate-stderr timeout 20 "$SOCKCTL" connect --retry 3 --retry-delay 200ms 127.0.0.1 "$port" </dev/null
	dt=$(($(now_ms) - t0))
	refused_is 127.0.0.1 "$port"
	((dt >= 550 && dt < 5000))
}

@test "connect: --retry-delay defaults to 1s" {
	local port t0 dt
	port=$(free_port)
	t0=$(now_ms)
	run --separate-stderr timeout 20 "$SOCKCTL" connect --retry 1 127.0.0.1 "$port" </dev/null
	dt=$(($(now_ms) - t0))
	refused_is 127.0.0.1 "$port"
	((dt >= 950 && dt < 5000))
}

@test "connect: -z --retry waits for a port to open" {
	local port
	port=$(free_port)
	(
		sleep 0.5
		exec "$SOCKCTL" listen 127.0.0.1 "$port" </dev/null >/dev/null 2>&1
	) 3>&- &
	track $!
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z --retry 50 --retry-delay 100ms 127.0.0.1 "$port" </dev/null
	assert_success
	assert_output "127.0.0.1 $port open"
}

# --- -s, -p ------------------------------------------------------------------------

@test "connect: -p sets the source port (seen by the listener's -v)" {
	local sport
	sport=$(free_port)
	start_server listen -v 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	run --separate-stderr timeout 20 bash -c 'printf src | "$SOCKCTL" connect -p "$2" 127.0.0.1 "$1"' _ "$PORT" "$sport"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	run grep '^connection from' "$T/lerr"
	assert_output "connection from 127.0.0.1 port $sport"
	assert_equal "$(<"$T/out")" src
}

@test "connect: -s ADDR -p PORT together (seen by a python server)" {
	local sport
	sport=$(free_port)
	py srv <<'PY'
s = listening()
c, addr = s.accept()
put("peer", "%s %d" % addr)
read_all(c)
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 "$SOCKCTL" connect -s 127.0.0.1 --source-port "$sport" 127.0.0.1 "$PY_PORT" </dev/null
	assert_success
	wait_for_file "$T/peer"
	assert_equal "$(<"$T/peer")" "127.0.0.1 $sport"
}

@test "connect: -s ::1 with an IPv6 server" {
	need_ipv6
	py srv <<'PY'
s = listening("::1", socket.AF_INET6)
c, addr = s.accept()
put("peer", addr[0])
read_all(c)
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 "$SOCKCTL" connect --source ::1 ::1 "$PY_PORT" </dev/null
	assert_success
	wait_for_file "$T/peer"
	assert_equal "$(<"$T/peer")" ::1
}

@test "connect: -s with an address that is not local exits 1 with one line" {
	[[ $(cat /proc/sys/net/ipv4/ip_nonlocal_bind) == 0 ]] || skip "ip_nonlocal_bind is on"
	local port
	port=$(free_port)
	# The bind fails before any packet is sent.
	run --separate-stderr timeout 20 "$SOCKCTL" connect -s 192.0.2.1 127.0.0.1 "$port" </dev/null
	assert_failure 1
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^sockctl connect: .*192\.0\.2\.1.*: Cannot assign requested address$'
}

@test "connect: -p with a port in use exits 1 with one line" {
	py holder <<'PY'
s = listening()
time.sleep(60)
PY
	py_server holder
	start_server listen 127.0.0.1 0 </dev/null >/dev/null
	run --separate-stderr timeout 20 "$SOCKCTL" connect -p "$PY_PORT" 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^sockctl connect: .*$PY_PORT.*: Address already in use\$"
}

# --- addresses --------------------------------------------------------------------

@test "connect: ::1 and [::1] reach an IPv6 listener" {
	need_ipv6
	start_server listen -k ::1 0 </dev/null >"$T/out"
	run timeout 20 bash -c 'printf "bare\n" | "$SOCKCTL" connect ::1 "$1"' _ "$PORT"
	assert_success
	run timeout 20 bash -c 'printf "bracketed\n" | "$SOCKCTL" connect "[::1]" "$1"' _ "$PORT"
	assert_success
	assert_equal "$(<"$T/out")" $'bare\nbracketed'
}

@test "connect: a host name (localhost) is resolved" {
	start_server listen 127.0.0.1 0 </dev/null >"$T/out"
	run timeout 20 bash -c 'printf named | "$SOCKCTL" connect localhost "$1"' _ "$PORT"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$(<"$T/out")" named
}

@test "connect: -4 and -6 restrict the address family" {
	need_ipv6
	start_server listen -k 0 </dev/null >"$T/out"
	run timeout 20 bash -c 'printf "4;" | "$SOCKCTL" connect -4 localhost "$1"' _ "$PORT"
	assert_success
	run timeout 20 bash -c 'printf "6;" | "$SOCKCTL" connect -6 ::1 "$1"' _ "$PORT"
	assert_success
	assert_equal "$(<"$T/out")" '4;6;'
	run --separate-stderr timeout 20 "$SOCKCTL" connect -6 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^sockctl connect: .*127\.0\.0\.1'
	run --separate-stderr timeout 20 "$SOCKCTL" connect -4 ::1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^sockctl connect: .*::1'
}

@test "connect: options after positionals and -- before them" {
	start_server listen -k 127.0.0.1 0 </dev/null >"$T/out"
	run --separate-stderr timeout 20 bash -c 'printf a | "$SOCKCTL" connect 127.0.0.1 "$1" -v' _ "$PORT"
	assert_success
	assert_regex "${stderr_lines[-1]}" '^sent 1 bytes, received 0 bytes in [0-9]+(\.[0-9]+)? s$'
	run --separate-stderr timeout 20 bash -c 'printf b | "$SOCKCTL" connect -- 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_equal "$stderr" ''
	assert_equal "$(<"$T/out")" ab
}

# --- Unix sockets -------------------------------------------------------------------

@test "connect: -U PATH to a python server, both ways" {
	py srv <<'PY'
s = listening(os.path.join(T, "sock"), socket.AF_UNIX)
c, _ = s.accept()
c.sendall(b"from server\n")
put("got", read_all(c))
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 bash -c 'printf "from client\n" | "$SOCKCTL" connect -U "$T/sock"'
	assert_success
	assert_output 'from server'
	assert_equal "$stderr" ''
	wait_for_file "$T/got"
	assert_equal "$(<"$T/got")" 'from client'
}

@test "connect: -U @name reaches an abstract socket" {
	local name="sockctl-test-$$-$RANDOM$RANDOM"
	py srv <<PY
s = listening("\0$name", socket.AF_UNIX)
c, _ = s.accept()
c.sendall(b"abstract\n")
put("got", read_all(c))
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 bash -c 'printf "hi\n" | "$SOCKCTL" connect -U "@$1"' _ "$name"
	assert_success
	assert_output abstract
	wait_for_file "$T/got"
	assert_equal "$(<"$T/got")" hi
}

@test "connect: -U to a missing path exits 1 with one line" {
	run --separate-stderr timeout 20 "$SOCKCTL" connect -U "$T/nothing" </dev/null
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "sockctl connect: connect to $T/nothing: No such file or directory"
}

@test "connect: -U to a socket nobody listens on exits 1 with one line" {
	"$PYTHON3" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' "$T/stale"
	run --separate-stderr timeout 20 "$SOCKCTL" connect -U "$T/stale" </dev/null
	assert_failure 1
	assert_equal "$stderr" "sockctl connect: connect to $T/stale: Connection refused"
}

# --- --exec ---------------------------------------------------------------------------

@test "connect: -e cat echoes what the server sends" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
data = os.urandom(300000)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
put("result", "%s" % (read_all(c) == data))
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 "$SOCKCTL" connect -e cat 127.0.0.1 "$PY_PORT" </dev/null
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	wait_for_file "$T/result"
	assert_equal "$(<"$T/result")" True
}

@test "connect: -e exports SOCKCTL_PEER_ADDR/PORT and SOCKCTL_LOCAL_ADDR/PORT" {
	py srv <<'PY'
s = listening()
c, addr = s.accept()
me = c.getsockname()
put("want", "%s|%d|%s|%d\n" % (me[0], me[1], addr[0], addr[1]))
put("got", read_all(c))
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 "$SOCKCTL" connect -e 'echo "$SOCKCTL_PEER_ADDR|$SOCKCTL_PEER_PORT|$SOCKCTL_LOCAL_ADDR|$SOCKCTL_LOCAL_PORT"' 127.0.0.1 "$PY_PORT" </dev/null
	assert_success
	wait_for_file "$T/got"
	assert_regex "$(<"$T/got")" "^127\\.0\\.0\\.1\\|$PY_PORT\\|127\\.0\\.0\\.1\\|[0-9]+\$"
	cmp "$T/want" "$T/got"
}

@test "connect: -e does not touch stdin or stdout" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
c.sendall(b"to the command\n")
c.shutdown(socket.SHUT_WR)
put("got", read_all(c))
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 bash -c 'printf "stdin data\n" | "$SOCKCTL" connect -e "read line; echo \"got: \$line\"" 127.0.0.1 "$1"' _ "$PY_PORT"
	assert_success
	assert_output ''
	wait_for_file "$T/got"
	assert_equal "$(<"$T/got")" 'got: to the command'
}

# --- -v ------------------------------------------------------------------------------

@test "connect: -v ends with the summary line; without -v stderr is empty" {
	printf 'twelve bytes' >"$T/down"
	start_server_in listen -k 127.0.0.1 0 <"$T/down" >/dev/null
	run --separate-stderr timeout 20 bash -c 'printf 1234567 | "$SOCKCTL" connect -v 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output 'twelve bytes'
	assert_regex "${stderr_lines[-1]}" '^sent 7 bytes, received 12 bytes in [0-9]+(\.[0-9]+)? s$'
	# Nothing but payload on stdout; every -v line on stderr.
	run --separate-stderr timeout 20 bash -c 'printf 1234567 | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
}

@test "connect: -vv adds one line per chunk sent and received" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
got = read_all(c)
c.sendall(b"world!\n")
PY
	py_server srv
	run --separate-stderr timeout 20 bash -c 'printf hello | "$SOCKCTL" connect -vv 127.0.0.1 "$1"' _ "$PY_PORT"
	assert_success
	assert_output 'world!'
	assert_equal "${#stderr_lines[@]}" 4
	assert_equal "${stderr_lines[0]}" "connected to 127.0.0.1 port $PY_PORT"
	assert_equal "${stderr_lines[1]}" 'sent 5 bytes'
	assert_equal "${stderr_lines[2]}" 'received 7 bytes'
	assert_regex "${stderr_lines[3]}" "$(summary_re 5 7)"
	# One -v: no chunk lines.
	rm "$T/srv.port"
	py_server srv
	run --separate-stderr timeout 20 bash -c 'printf hello | "$SOCKCTL" connect -v 127.0.0.1 "$1"' _ "$PY_PORT"
	assert_success
	assert_equal "${#stderr_lines[@]}" 2
}

# --- closed standard descriptors ----------------------------------------------

# The server sends "data\n", half-closes, and keeps what comes back in $T/got.
data_then_listen() {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
c.sendall(b"data\n")
c.shutdown(socket.SHUT_WR)
put("got", read_all(c))
PY
	py_server srv
}

@test "connect: with stdout closed, what the server sends is not echoed back to it" {
	data_then_listen
	run --separate-stderr timeout 20 bash -c '"$SOCKCTL" connect 127.0.0.1 "$1" </dev/null >&-' _ "$PY_PORT"
	assert_success
	assert_equal "$stderr" ''
	reap "$PY_PID"
	assert_equal "$(stat -c %s "$T/got")" 0
}

@test "connect: with stdin closed, the server's data is not sent back to it" {
	# The server first waits for the client's EOF: stdin must be at EOF
	# (/dev/null), not the socket itself waiting for the server.
	py srv <<'PY'
s = listening()
c, _ = s.accept()
put("got", read_all(c))
c.sendall(b"data\n")
PY
	py_server srv
	run --separate-stderr timeout 20 bash -c '"$SOCKCTL" connect 127.0.0.1 "$1" <&-' _ "$PY_PORT"
	assert_success
	assert_output 'data'
	assert_equal "$stderr" ''
	reap "$PY_PID"
	assert_equal "$(stat -c %s "$T/got")" 0
}

@test "connect: -v with stderr closed writes no log line into the connection" {
	data_then_listen
	run timeout 20 bash -c '"$SOCKCTL" connect -v 127.0.0.1 "$1" </dev/null 2>&-' _ "$PY_PORT"
	assert_success
	assert_output 'data'
	reap "$PY_PID"
	assert_equal "$(stat -c %s "$T/got")" 0
}
