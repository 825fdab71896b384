#!/usr/bin/env bats
# sockctl listen (cli.md, "sockctl listen"): binding (IPv4, IPv6,
# dual-stack, -4/-6, Unix and abstract sockets), --port-file, -v lines,
# -w, -k, -e with concurrent clients and the SOCKCTL_* environment,
# --max-conns, --backlog, port in use, and usage errors.

load test_helper/stream

# A 1 MiB / 8 MiB / 32 MiB random file, made once per test that needs it.
mkdata() {
	head -c "$2" /dev/urandom >"$T/$1"
}

# usage_is MESSAGE: the last `run --separate-stderr` was a listen usage
# error: exit 2, nothing on stdout, exactly the two lines on stderr.
usage_is() {
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" "sockctl listen: $1"$'\n'"Try 'sockctl listen --help'."
}

# wait_for_socket PATH: polls until PATH is a socket.
wait_for_socket() {
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		[[ -S $1 ]] && return 0
		sleep 0.02
	done
	return 1
}

# --- usage errors ---------------------------------------------------------

@test "listen: missing PORT is a usage error" {
	run --separate-stderr "$SOCKCTL" listen </dev/null
	usage_is 'missing PORT'
	run --separate-stderr "$SOCKCTL" listen -k -v -- </dev/null
	usage_is "missing PORT"
}

@test "listen: an extra argument is a usage error" {
	run --separate-stderr "$SOCKCTL" listen 127.0.0.1 0 surplus </dev/null
	usage_is "extra argument 'surplus'"
	run --separate-stderr "$SOCKCTL" listen -U "$T/sock" surplus </dev/null
	usage_is "extra argument 'surplus'"
	[[ ! -e $T/sock ]]
}

@test "listen: a bad port is a usage error naming it" {
	run --separate-stderr "$SOCKCTL" listen 70000 </dev/null
	usage_is "invalid port '70000': too large (0-65535)"
	run --separate-stderr "$SOCKCTL" listen -- 127.0.0.1 -1 </dev/null
	usage_is "invalid port '-1': too small (0-65535)"
	run --separate-stderr "$SOCKCTL" listen 127.0.0.1 'no such' </dev/null
	assert_equal "$status" 2
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" "^sockctl listen: invalid port 'no such': "
}

@test "listen: -4 with -6 is a usage error" {
	run --separate-stderr "$SOCKCTL" listen -4 -6 0 </dev/null
	usage_is '-4 and -6 cannot be used together'
}

@test "listen: --send-only with --recv-only is a usage error" {
	run --separate-stderr "$SOCKCTL" listen --send-only --recv-only 0 </dev/null
	usage_is '--send-only and --recv-only cannot be used together'
}

@test "listen: -C with -e is a usage error (the command writes to the socket itself)" {
	run --separate-stderr timeout 20 "$SOCKCTL" listen -C -e cat 0 </dev/null
	usage_is '-C cannot be used with --exec'
	run --separate-stderr timeout 20 "$SOCKCTL" listen -k --crlf --exec cat 0 </dev/null
	usage_is '-C cannot be used with --exec'
}

@test "listen: a bad duration is a usage error" {
	run --separate-stderr "$SOCKCTL" listen -w 5parsecs 0 </dev/null
	assert_equal "$status" 2
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" "^sockctl listen: invalid duration '5parsecs'"
	assert_equal "${stderr_lines[1]}" "Try 'sockctl listen --help'."
}

# --- binding, --port-file, -v -----------------------------------------------

@test "listen: --port-file holds the bound port and a newline" {
	start_server listen 127.0.0.1 0 </dev/null >/dev/null
	[[ $PORT =~ ^[1-9][0-9]*$ ]]
	assert_equal "$(od -An -c "$BATS_TEST_TMPDIR/port.1" | tr -d ' ')" "${PORT//?/&}\\n"
	# The port is really listening (ss: kernel's view).
	run ss -ltnH "sport = :$PORT"
	assert_output --regexp "127\\.0\\.0\\.1:$PORT"
}

@test "listen: -v says 'listening on', 'connection from' and the summary" {
	start_server listen -v 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	py cli <<PY
c = dial($PORT)
put("me", "%s %d" % c.getsockname())
c.sendall(b"12345")
c.shutdown(socket.SHUT_WR)
read_all(c)
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	local me_port
	me_port=$(cut -d' ' -f2 "$T/me")
	run cat "$T/lerr"
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[0]}" "listening on 127.0.0.1 port $PORT"
	assert_equal "${lines[1]}" "connection from 127.0.0.1 port $me_port"
	assert_regex "${lines[2]}" '^sent 0 bytes, received 5 bytes in [0-9]+(\.[0-9]+)? s$'
	assert_equal "$(<"$T/out")" 12345
}

@test "listen: -vv adds one line per chunk received and sent" {
	printf 'abc' >"$T/down"
	mkfifo "$T/in"
	exec 5<>"$T/in"
	start_server_in listen -vv 127.0.0.1 0 <"$T/in" >"$T/out" 2>"$T/lerr" 5>&-
	# The client sends, waits for the listener's answer, then ends.
	py cli <<PY
c = dial($PORT)
c.sendall(b"12345")
put("me", "%d" % c.getsockname()[1])
put("got", read_n(c, 3))
c.shutdown(socket.SHUT_WR)
read_all(c)
PY
	py_bg cli
	wait_for_line "$T/lerr" '^received 5 bytes$' || fail "no chunk line"
	cat "$T/down" >&5
	exec 5>&-
	reap "$SERVER_PID"
	assert_equal "$status" 0
	reap "$PY_PID"
	run cat "$T/lerr"
	assert_equal "${#lines[@]}" 5
	assert_equal "${lines[0]}" "listening on 127.0.0.1 port $PORT"
	assert_equal "${lines[1]}" "connection from 127.0.0.1 port $(<"$T/me")"
	assert_equal "${lines[2]}" 'received 5 bytes'
	assert_equal "${lines[3]}" 'sent 3 bytes'
	assert_regex "${lines[4]}" "$(summary_re 3 5)"
	assert_equal "$(<"$T/out")" 12345
	assert_equal "$(<"$T/got")" abc
}

@test "listen: -v on ::1 names IPv6 addresses" {
	need_ipv6
	start_server listen -v ::1 0 </dev/null >/dev/null 2>"$T/lerr"
	py cli <<PY
c = dial($PORT, "::1", socket.AF_INET6)
put("me", "%s %d" % c.getsockname()[:2])
c.shutdown(socket.SHUT_WR)
read_all(c)
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	run cat "$T/lerr"
	assert_equal "${lines[0]}" "listening on ::1 port $PORT"
	assert_equal "${lines[1]}" "connection from ::1 port $(cut -d' ' -f2 "$T/me")"
}

@test "listen: -v with no address names the wildcard address" {
	start_server listen -v 0 </dev/null >/dev/null 2>"$T/lerr"
	run cat "$T/lerr"
	assert_regex "${lines[0]}" "^listening on (::|0\\.0\\.0\\.0) port $PORT\$"
}

@test "listen: the bracketed form [::1] binds ::1" {
	need_ipv6
	start_server listen '[::1]' 0 </dev/null >"$T/out"
	run ss -ltnH "sport = :$PORT"
	assert_output --regexp "\\[::1\\]:$PORT"
	run timeout 20 bash -c 'printf v6 | "$SOCKCTL" connect ::1 "$1"' _ "$PORT"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" v6
}

@test "listen: no address is dual-stack, accepting 127.0.0.1 and ::1" {
	need_ipv6
	start_server listen -k -v 0 </dev/null >"$T/out" 2>"$T/lerr"
	run timeout 20 bash -c 'printf "four\n" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	run timeout 20 bash -c 'printf "six\n" | "$SOCKCTL" connect ::1 "$1"' _ "$PORT"
	assert_success
	assert_equal "$(<"$T/out")" $'four\nsix'
	run grep '^connection from' "$T/lerr"
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^connection from 127\.0\.0\.1 port [0-9]+$'
	assert_regex "${lines[1]}" '^connection from ::1 port [0-9]+$'
}

@test "listen: -4 with no address accepts 127.0.0.1 only" {
	need_ipv6
	start_server listen -4 -k 0 </dev/null >"$T/out"
	run ss -ltnH "sport = :$PORT"
	assert_output --regexp "0\\.0\\.0\\.0:$PORT"
	refute_output --regexp "\\[::\\]:$PORT"
	run timeout 20 bash -c 'printf "four\n" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	run --separate-stderr timeout 20 "$SOCKCTL" connect ::1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "$stderr" "sockctl connect: connect to ::1 port $PORT: Connection refused"
	assert_equal "$(<"$T/out")" four
}

@test "listen: -6 with no address accepts ::1 only" {
	need_ipv6
	start_server listen -6 -k 0 </dev/null >"$T/out"
	run timeout 20 bash -c 'printf "six\n" | "$SOCKCTL" connect ::1 "$1"' _ "$PORT"
	assert_success
	run --separate-stderr timeout 20 "$SOCKCTL" connect 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "$stderr" "sockctl connect: connect to 127.0.0.1 port $PORT: Connection refused"
	assert_equal "$(<"$T/out")" six
}

@test "listen: port in use exits 1 with one line saying so" {
	start_server listen 127.0.0.1 0 </dev/null >/dev/null
	run --separate-stderr timeout 20 "$SOCKCTL" listen 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^sockctl listen: .*$PORT.*: Address already in use\$"
	# The first listener is untouched.
	kill -0 "$SERVER_PID"
}

@test "listen: port in use by another program, on the wildcard address" {
	py holder <<'PY'
s = listening()
time.sleep(60)
PY
	py_server holder
	run --separate-stderr timeout 20 "$SOCKCTL" listen "$PY_PORT" </dev/null
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^sockctl listen: .*$PY_PORT.*: Address already in use\$"
	run --separate-stderr timeout 20 "$SOCKCTL" listen -4 "$PY_PORT" </dev/null
	assert_failure 1
	assert_regex "$stderr" "^sockctl listen: .*: Address already in use\$"
}

@test "listen: SO_REUSEADDR lets a port in TIME_WAIT be bound again" {
	start_server listen 127.0.0.1 0 </dev/null >/dev/null
	local port=$PORT
	# The listener (stdin /dev/null) closes first, so its side of the
	# connection is left in TIME_WAIT.
	py cli <<PY
c = dial($port)
read_all(c)
c.close()
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	run ss -tanH state time-wait "( sport = :$port )"
	assert_output --partial "127.0.0.1:$port"
	start_server listen 127.0.0.1 "$port" </dev/null >"$T/out"
	assert_equal "$PORT" "$port"
	run timeout 20 bash -c 'printf again | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$port"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$(<"$T/out")" again
}

@test "listen: options after positionals and bundled short flags (-kv)" {
	start_server listen 127.0.0.1 0 -kv </dev/null >"$T/out" 2>"$T/lerr"
	run timeout 20 bash -c 'printf one | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	run timeout 20 bash -c 'printf two | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	# -k: still there; -v: it said so.
	kill -0 "$SERVER_PID"
	assert_equal "$(<"$T/out")" onetwo
	assert_equal "$(head -n 1 "$T/lerr")" "listening on 127.0.0.1 port $PORT"
}

# --- -w ------------------------------------------------------------------------

@test "listen: -w 500ms without a client exits 1 with one line" {
	local t0 dt
	t0=$(now_ms)
	run --separate-stderr timeout 20 "$SOCKCTL" listen -w 500ms 127.0.0.1 0 </dev/null
	dt=$(($(now_ms) - t0))
	assert_failure 1
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^sockctl listen: '
	((dt >= 450 && dt < 5000))
}

@test "listen: -w is only the accept timeout; a client in time is served" {
	start_server listen -w 2s 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	py cli <<PY
c = dial($PORT)
# A session that lasts longer than -w is not cut short.
time.sleep(2.5)
c.sendall(b"slow")
c.shutdown(socket.SHUT_WR)
read_all(c)
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" slow
	assert_equal "$(<"$T/lerr")" ''
}

@test "listen: -w with -k applies to each wait for a client" {
	start_server listen -k -w 1s 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	run timeout 20 bash -c 'printf one | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 1
	assert_equal "$(<"$T/out")" one
	run cat "$T/lerr"
	assert_equal "${#lines[@]}" 1
	assert_regex "$output" '^sockctl listen: '
}

# --- one client, -k ----------------------------------------------------------

@test "listen: without -k it exits 0 after one client, and the port closes" {
	start_server listen 127.0.0.1 0 </dev/null >"$T/out"
	run timeout 20 bash -c 'printf only | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	run --separate-stderr timeout 20 "$SOCKCTL" connect 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "$stderr" "sockctl connect: connect to 127.0.0.1 port $PORT: Connection refused"
	assert_equal "$(<"$T/out")" only
}

@test "listen: -k serves clients one after another, in order" {
	start_server listen -k 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	local i
	for i in 1 2 3 4 5; do
		run timeout 20 bash -c 'printf "client %s\n" "$2" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT" "$i"
		assert_success
	done
	kill -0 "$SERVER_PID"
	assert_equal "$(<"$T/out")" "$(printf 'client %s\n' 1 2 3 4 5)"
	assert_equal "$(<"$T/lerr")" ''
}

@test "listen: -k serves the next client only after the current one" {
	start_server listen -k 127.0.0.1 0 </dev/null >"$T/out"
	py cli <<PY
a = dial($PORT)
a.sendall(b"A1 ")
time.sleep(0.2)
b = dial($PORT)
b.sendall(b"B ")
b.shutdown(socket.SHUT_WR)
time.sleep(0.3)
a.sendall(b"A2 ")
a.shutdown(socket.SHUT_WR)
read_all(a)
read_all(b)
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	wait_for_size "$T/out" 8
	assert_equal "$(<"$T/out")" 'A1 A2 B '
}

# --- --exec ----------------------------------------------------------------------

@test "listen: -e cat echoes one client, then listen exits 0" {
	start_server listen -e cat 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	run --separate-stderr timeout 20 bash -c 'printf "echo me\n" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output 'echo me'
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(stat -c %s "$T/out")" 0
	assert_equal "$(<"$T/lerr")" ''
}

@test "listen: -k -e cat serves 5 concurrent clients, each its own echo" {
	start_server listen -k -e cat 127.0.0.1 0 </dev/null >/dev/null
	py cli <<PY
conns = [dial($PORT) for i in range(5)]
data = [os.urandom(200000) + b"client %d" % i for i in range(5)]
# Every client sends and reads its echo while all five are connected.
for c, d in zip(conns, data):
    c.sendall(d)
ok = []
for c, d in zip(conns, data):
    ok.append(read_n(c, len(d)) == d)
for c in conns:
    c.shutdown(socket.SHUT_WR)
eofs = [c.recv(1) == b"" for c in conns]
put("result", "%s %s" % (all(ok), all(eofs)))
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	assert_equal "$(<"$T/result")" 'True True'
	kill -0 "$SERVER_PID"
}

@test "listen: -e exports SOCKCTL_PEER_ADDR/PORT and SOCKCTL_LOCAL_ADDR/PORT" {
	start_server listen -e 'echo "$SOCKCTL_PEER_ADDR|$SOCKCTL_PEER_PORT|$SOCKCTL_LOCAL_ADDR|$SOCKCTL_LOCAL_PORT"' 127.0.0.1 0 </dev/null
	py cli <<PY
c = dial($PORT)
me = c.getsockname()
them = c.getpeername()
put("got", read_all(c))
put("want", "%s|%d|%s|%d\n" % (me[0], me[1], them[0], them[1]))
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	assert_regex "$(<"$T/got")" "^127\\.0\\.0\\.1\\|[0-9]+\\|127\\.0\\.0\\.1\\|$PORT\$"
	cmp "$T/want" "$T/got"
}

@test "listen: -e environment over dual-stack IPv6 and IPv4 clients" {
	need_ipv6
	start_server listen -k -e 'echo "$SOCKCTL_PEER_ADDR $SOCKCTL_LOCAL_ADDR $SOCKCTL_LOCAL_PORT"' 0 </dev/null
	py cli <<PY
a = dial($PORT, "::1", socket.AF_INET6)
b = dial($PORT)
put("result", read_all(a).decode() + read_all(b).decode())
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	assert_equal "$(<"$T/result")" "::1 ::1 $PORT"$'\n'"127.0.0.1 127.0.0.1 $PORT"
}

@test "listen: -e does not leak SOCKCTL_* from the listener's environment" {
	SOCKCTL_PEER_ADDR=spoofed start_server listen -e 'env | grep ^SOCKCTL_ | sort' 127.0.0.1 0 </dev/null
	run timeout 20 "$SOCKCTL" connect 127.0.0.1 "$PORT" </dev/null
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line --regexp '^SOCKCTL_PEER_ADDR=127\.0\.0\.1$'
	assert_line --regexp '^SOCKCTL_PEER_PORT=[0-9]+$'
	assert_line "SOCKCTL_LOCAL_ADDR=127.0.0.1"
	assert_line "SOCKCTL_LOCAL_PORT=$PORT"
}

@test "listen: -m 2 runs two -e children; a third client waits its turn" {
	start_server listen -k -m 2 -e cat 127.0.0.1 0 </dev/null
	py cli <<PY
c1, c2, c3 = dial($PORT), dial($PORT), dial($PORT)
for i, c in enumerate((c1, c2, c3)):
    c.sendall(b"hello %d\n" % i)
r = [read_n(c1, 8), read_n(c2, 8)]
c3.settimeout(0.7)
try:
    early = c3.recv(100)
except socket.timeout:
    early = b"(waiting)"
c1.close()
c3.settimeout(10)
late = read_n(c3, 8)
put("result", b" ".join(r).replace(b"\n", b"") + b" | " + early + b" | " + late)
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	assert_equal "$(<"$T/result")" $'hello 0 hello 1 | (waiting) | hello 2'
}

@test "listen: --max-conns 1 serves -e clients strictly one at a time" {
	start_server listen -k --max-conns 1 -e 'cat; echo done' 127.0.0.1 0 </dev/null
	py cli <<PY
a = dial($PORT)
b = dial($PORT)
b.sendall(b"second\n")
b.shutdown(socket.SHUT_WR)
b.settimeout(0.5)
try:
    early = b.recv(100)
except socket.timeout:
    early = b"(waiting)"
a.sendall(b"first\n")
a.shutdown(socket.SHUT_WR)
b.settimeout(10)
put("result", read_all(a) + early + b"\n" + read_all(b))
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	assert_equal "$(<"$T/result")" $'first\ndone\n(waiting)\nsecond\ndone'
}

@test "listen: -k -m 1 -e frees its slot when started with SIGCHLD ignored" {
	local how i pf
	# Once by python's signal(), once by the shell's trap: both leave
	# SIGCHLD ignored across exec, and the kernel then reaps by itself.
	for how in python trap; do
		pf="$T/pf.$how"
		if [[ $how == python ]]; then
			"$PYTHON3" -c 'import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])' "$SOCKCTL" listen -k -m 1 -e cat --port-file "$pf" 127.0.0.1 0 </dev/null 3>&- &
		else
			bash -c 'trap "" CHLD; exec "$SOCKCTL" "$@"' _ listen -k -m 1 -e cat --port-file "$pf" 127.0.0.1 0 </dev/null 3>&- &
		fi
		track $!
		wait_for_file "$pf"
		for i in 1 2 3; do
			run timeout 5 bash -c 'printf "%s %s\n" "$2" "$3" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$(<"$pf")" "$how" "$i"
			assert_success
			assert_output "$how $i"
		done
	done
}

# --- one client without -k ----------------------------------------------------

@test "listen: without -k a second client is refused once the first is in" {
	mkfifo "$T/in"
	exec 5<>"$T/in"
	start_server_in listen -v 127.0.0.1 0 <"$T/in" >"$T/out" 2>"$T/lerr" 5>&-
	py cli <<PY
c = dial($PORT)
c.sendall(b"first")
c.shutdown(socket.SHUT_WR)
put("got", read_all(c))
PY
	py_bg cli
	wait_for_line "$T/lerr" '^connection from ' || fail "no client"
	run --separate-stderr timeout 5 "$SOCKCTL" connect 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "$stderr" "sockctl connect: connect to 127.0.0.1 port $PORT: Connection refused"
	# The first client is served to the end.
	printf 'reply\n' >&5
	exec 5>&-
	reap "$SERVER_PID"
	assert_equal "$status" 0
	reap "$PY_PID"
	assert_equal "$(<"$T/got")" reply
	assert_equal "$(<"$T/out")" first
}

@test "listen: -e without -k refuses a second client while the first is served" {
	start_server listen -e cat 127.0.0.1 0 </dev/null
	py cli <<PY
c = dial($PORT)
c.sendall(b"one\n")
put("echoed", read_n(c, 4))
for i in range(1000):
    if os.path.exists(os.path.join(T, "go")):
        break
    time.sleep(0.02)
c.sendall(b"two\n")
c.shutdown(socket.SHUT_WR)
put("rest", read_all(c))
PY
	py_bg cli
	wait_for_file "$T/echoed" || fail "no echo"
	run --separate-stderr timeout 5 "$SOCKCTL" connect 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "$stderr" "sockctl connect: connect to 127.0.0.1 port $PORT: Connection refused"
	touch "$T/go"
	reap "$SERVER_PID"
	assert_equal "$status" 0
	reap "$PY_PID"
	assert_equal "$(<"$T/echoed")" one
	assert_equal "$(<"$T/rest")" two
}

# --- --backlog -----------------------------------------------------------------

@test "listen: --backlog sets the kernel's queue length, 128 by default" {
	start_server listen --backlog 7 127.0.0.1 0 </dev/null >/dev/null
	# ss shows a listening socket's backlog in the Send-Q column.
	run ss -ltnH "sport = :$PORT"
	assert_equal "$(awk '{print $3}' <<<"$output")" 7
	start_server listen 127.0.0.1 0 </dev/null >/dev/null
	run ss -ltnH "sport = :$PORT"
	assert_equal "$(awk '{print $3}' <<<"$output")" 128
}

# count_connects PORT: how many of 6 clients complete their connect within
# 0.5 s each, while the server accepts none of them (-m 1, handler busy).
count_connects() {
	py cli <<PY
busy = dial($1)
busy.sendall(b"x")
read_n(busy, 1)
n, held = 0, []
for i in range(6):
    c = socket.socket()
    c.settimeout(0.5)
    try:
        c.connect(("127.0.0.1", $1))
    except socket.timeout:
        break
    held.append(c)
    n += 1
put("count", "%d" % n)
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
}

@test "listen: with --backlog 1 the queue fills and further connects hang" {
	start_server listen -k -m 1 --backlog 1 -e cat 127.0.0.1 0 </dev/null
	count_connects "$PORT"
	# Linux queues backlog + 1 connections.
	(($(<"$T/count") >= 1 && $(<"$T/count") <= 2))
}

@test "listen: with the default backlog the queue does not fill" {
	start_server listen -k -m 1 -e cat 127.0.0.1 0 </dev/null
	count_connects "$PORT"
	assert_equal "$(<"$T/count")" 6
}

# --- Unix sockets --------------------------------------------------------------

@test "listen: -U PATH relays both ways and removes PATH when it exits" {
	printf 'from listener' >"$T/in"
	"$SOCKCTL" listen -U "$T/sock" <"$T/in" >"$T/out" 2>"$T/lerr" 3>&- &
	local lpid=$!
	track "$lpid"
	wait_for_socket "$T/sock"
	run timeout 20 bash -c 'printf "from client" | "$SOCKCTL" connect -U "$T/sock"'
	assert_success
	assert_output 'from listener'
	reap "$lpid"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" 'from client'
	assert_equal "$(<"$T/lerr")" ''
	[[ ! -e $T/sock ]]
}

@test "listen: -U PATH is removed when the listener is killed or times out" {
	"$SOCKCTL" listen -U "$T/sock" </dev/null >/dev/null 3>&- &
	local lpid=$!
	track "$lpid"
	wait_for_socket "$T/sock"
	kill -TERM "$lpid"
	reap "$lpid"
	[[ ! -e $T/sock ]]
	run --separate-stderr timeout 20 "$SOCKCTL" listen -w 200ms -U "$T/sock2" </dev/null
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	[[ ! -e $T/sock2 ]]
}

@test "listen: -U replaces a stale socket file" {
	"$PYTHON3" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' "$T/sock"
	[[ -S $T/sock ]]
	"$SOCKCTL" listen -U "$T/sock" </dev/null >"$T/out" 3>&- &
	local lpid=$!
	track "$lpid"
	# The stale file is there from the start: wait until it accepts.
	local i
	for ((i = 0; i < 500; i++)); do
		"$PYTHON3" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"fresh")' "$T/sock" 2>/dev/null && break
		sleep 0.02
	done
	reap "$lpid"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" fresh
	[[ ! -e $T/sock ]]
}

@test "listen: -U does not take over a path another listener is using" {
	"$SOCKCTL" listen -k -v -U "$T/sock" </dev/null >"$T/out" 2>"$T/lerr" 3>&- &
	local lpid=$!
	track "$lpid"
	wait_for_socket "$T/sock"
	run --separate-stderr timeout 20 "$SOCKCTL" listen -U "$T/sock" </dev/null
	assert_failure 1
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^sockctl listen: .*$T/sock.*: Address already in use\$"
	# The first listener still owns the path and still works.
	[[ -S $T/sock ]]
	run timeout 20 bash -c 'printf still | "$SOCKCTL" connect -U "$T/sock"'
	assert_success
	wait_for_file "$T/out"
	assert_equal "$(<"$T/out")" still
	kill -0 "$lpid"
}

@test "listen: -U probing a path in use does not disturb its listener" {
	"$SOCKCTL" listen -U "$T/sock" </dev/null >"$T/out" 3>&- &
	local lpid=$!
	track "$lpid"
	wait_for_socket "$T/sock"
	run --separate-stderr timeout 20 "$SOCKCTL" listen -U "$T/sock" </dev/null
	assert_failure 1
	# The first listener is still waiting for its one client (the probe
	# has exited: whatever it did is done), and serves it below.
	kill -0 "$lpid"
	[[ -S $T/sock ]]
	run timeout 20 bash -c 'printf still | "$SOCKCTL" connect -U "$T/sock"'
	assert_success
	reap "$lpid"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" still
}

@test "listen: -U does not replace a file that is not a socket" {
	printf 'precious\n' >"$T/file"
	run --separate-stderr timeout 20 "$SOCKCTL" listen -U "$T/file" </dev/null
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^sockctl listen: .*$T/file"
	assert_equal "$(<"$T/file")" precious
}

@test "listen: -U @name listens in the abstract namespace" {
	local name="sockctl-test-$$-$RANDOM$RANDOM"
	"$SOCKCTL" listen -v -U "@$name" </dev/null >"$T/out" 2>"$T/lerr" 3>&- &
	local lpid=$!
	track "$lpid"
	wait_for_line "$T/lerr" '^listening on'
	run timeout 20 "$PYTHON3" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect("\0" + sys.argv[1])
s.sendall(b"abstract")
s.shutdown(socket.SHUT_WR)
s.recv(1)' "$name"
	assert_success
	reap "$lpid"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" abstract
}

@test "listen: -U with -k -e serves Unix clients concurrently" {
	"$SOCKCTL" listen -k -e cat -U "$T/sock" </dev/null 3>&- &
	track $!
	wait_for_socket "$T/sock"
	py cli <<PY
cs = []
for i in range(3):
    c = socket.socket(socket.AF_UNIX)
    c.connect(os.path.join(T, "sock"))
    c.sendall(b"unix %d\n" % i)
    cs.append(c)
put("result", b"".join(read_n(c, 7) for c in cs))
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	assert_equal "$(<"$T/result")" $'unix 0\nunix 1\nunix 2'
}

@test "listen: -U with -4 is a usage error" {
	run --separate-stderr "$SOCKCTL" listen -U -4 "$T/sock" </dev/null
	usage_is '-U cannot be used with -4 or -6'
	[[ ! -e $T/sock ]]
}
