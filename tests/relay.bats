#!/usr/bin/env bats
# The stream relay shared by listen and connect (cli.md, "Stream relay
# semantics"): bytes both ways, half-close, the end-of-session rules,
# -C, --no-shutdown, --send-only, --recv-only, -q, -i, resets and a
# closed stdout; against sockctl itself, nc, socat and python3 peers.

load test_helper/stream

# A 1 MiB / 8 MiB / 32 MiB random file, made once per test that needs it.
mkdata() {
	head -c "$2" /dev/urandom >"$T/$1"
}

# --- bytes, byte for byte ----------------------------------------------

@test "relay: 8 MiB from connect to listen (listener stdin /dev/null)" {
	mkdata data 8M
	start_server listen 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	run --separate-stderr timeout 20 "$SOCKCTL" connect 127.0.0.1 "$PORT" <"$T/data"
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
	assert_equal "$(<"$T/lerr")" ''
}

@test "relay: 8 MiB from listen to connect into a file" {
	mkdata data 8M
	start_server_in listen 127.0.0.1 0 <"$T/data" >"$T/lout" 2>"$T/lerr"
	timeout 20 "$SOCKCTL" connect 127.0.0.1 "$PORT" </dev/null >"$T/out" 2>"$T/cerr"
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
	assert_equal "$(stat -c %s "$T/lout")" 0
	assert_equal "$(<"$T/lerr")$(<"$T/cerr")" ''
}

@test "relay: 8 MiB each way at once, files on both ends" {
	mkdata up 8M
	mkdata down 8M
	start_server_in listen 127.0.0.1 0 <"$T/down" >"$T/got_up" 2>"$T/lerr"
	run_out "$T/got_down" "$SOCKCTL" connect 127.0.0.1 "$PORT" <"$T/up"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/up" "$T/got_up"
	cmp "$T/down" "$T/got_down"
}

@test "relay: 8 MiB each way at once, pipes on both ends" {
	mkdata up 8M
	mkdata down 8M
	# Pipes on stdin and stdout take the splice path on both sides; named
	# ones, so that every process has a pid to track.
	mkfifo "$T/lin" "$T/lout"
	cat "$T/down" >"$T/lin" 3>&- &
	track $!
	cat "$T/lout" >"$T/got_up" 3>&- &
	track $!
	"$SOCKCTL" listen --port-file "$T/pf" 127.0.0.1 0 <"$T/lin" >"$T/lout" 2>"$T/lerr" 3>&- &
	local lpid=$!
	track "$lpid"
	wait_for_file "$T/pf" || fail "no port file; listen said: $(cat "$T/lerr")"
	run timeout 20 bash -c 'cat "$T/up" | "$SOCKCTL" connect 127.0.0.1 "$1" | cat >"$T/got_down"; echo "${PIPESTATUS[*]}"' _ "$(<"$T/pf")"
	assert_success
	assert_output '0 0 0'
	reap "$lpid"
	assert_equal "$status" 0
	reap "${bg_pids[1]}"
	cmp "$T/up" "$T/got_up"
	cmp "$T/down" "$T/got_down"
	assert_equal "$(<"$T/lerr")" ''
}

@test "relay: 8 MiB each way over IPv6 [::1]" {
	need_ipv6
	mkdata up 8M
	mkdata down 8M
	start_server_in listen ::1 0 <"$T/down" >"$T/got_up"
	run_out "$T/got_down" "$SOCKCTL" connect '[::1]' "$PORT" <"$T/up"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/up" "$T/got_up"
	cmp "$T/down" "$T/got_down"
}

@test "relay: 8 MiB each way over a Unix socket" {
	mkdata up 8M
	mkdata down 8M
	"$SOCKCTL" listen -U "$T/sock" <"$T/down" >"$T/got_up" 3>&- &
	track $!
	local lpid=$!
	# No port file for a path: wait for the socket to exist.
	for ((i = 0; i < 500; i++)); do [[ -S $T/sock ]] && break; sleep 0.02; done
	[[ -S $T/sock ]]
	run_out "$T/got_down" "$SOCKCTL" connect -U "$T/sock" <"$T/up"
	assert_success
	reap "$lpid"
	assert_equal "$status" 0
	cmp "$T/up" "$T/got_up"
	cmp "$T/down" "$T/got_down"
}

@test "relay: 8 MiB each way over an abstract Unix socket" {
	mkdata up 8M
	mkdata down 8M
	local name="@sockctl-test-$$-$RANDOM$RANDOM"
	"$SOCKCTL" listen -v -U "$name" <"$T/down" >"$T/got_up" 2>"$T/lerr" 3>&- &
	track $!
	local lpid=$!
	wait_for_line "$T/lerr" '^listening on'
	run_out "$T/got_down" "$SOCKCTL" connect -U "$name" <"$T/up"
	assert_success
	reap "$lpid"
	assert_equal "$status" 0
	cmp "$T/up" "$T/got_up"
	cmp "$T/down" "$T/got_down"
}

@test "relay: 8 MiB from nc -N to listen" {
	mkdata data 8M
	start_server listen 127.0.0.1 0 </dev/null >"$T/out"
	run timeout 20 nc -N 127.0.0.1 "$PORT" <"$T/data"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
}

@test "relay: 8 MiB from listen to an nc client" {
	mkdata data 8M
	start_server_in listen 127.0.0.1 0 <"$T/data" >"$T/lout"
	run timeout 20 bash -c 'nc 127.0.0.1 "$1" </dev/null >"$T/out"' _ "$PORT"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
	assert_equal "$(stat -c %s "$T/lout")" 0
}

@test "relay: 8 MiB from connect to an nc -l server" {
	mkdata data 8M
	nc -lv 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/ncerr" 3>&- &
	track $!
	local ncpid=$!
	wait_for_line "$T/ncerr" '^Listening on '
	local port
	port=$(awk '/^Listening on /{print $NF}' "$T/ncerr")
	run timeout 20 "$SOCKCTL" connect 127.0.0.1 "$port" <"$T/data"
	assert_success
	reap "$ncpid"
	cmp "$T/data" "$T/out"
}

@test "relay: 8 MiB from an nc -l server to connect whose stdin stays open" {
	mkdata data 8M
	nc -N -lv 127.0.0.1 0 <"$T/data" >/dev/null 2>"$T/ncerr" 3>&- &
	track $!
	wait_for_line "$T/ncerr" '^Listening on '
	local port
	port=$(awk '/^Listening on /{print $NF}' "$T/ncerr")
	# nc -l quits at the first EOF it reads, so the client must not
	# half-close before it has everything.
	mkfifo "$T/in"
	exec 5<>"$T/in"
	"$SOCKCTL" connect 127.0.0.1 "$port" <"$T/in" >"$T/out" 5>&- 3>&- &
	track $!
	local cpid=$!
	wait_for_size "$T/out" $((8 * 1024 * 1024))
	exec 5>&-
	reap "$cpid"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
}

@test "relay: 8 MiB from socat to listen" {
	mkdata data 8M
	start_server listen 127.0.0.1 0 </dev/null >"$T/out"
	run timeout 20 socat -u "OPEN:$T/data" "TCP:127.0.0.1:$PORT"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
}

@test "relay: 8 MiB from connect to a socat listener" {
	mkdata data 8M
	socat -d -d -u TCP-LISTEN:0,bind=127.0.0.1 "CREATE:$T/out" 2>"$T/serr" 3>&- &
	track $!
	local spid=$!
	wait_for_line "$T/serr" 'listening on'
	local port
	port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$T/serr")
	run timeout 20 "$SOCKCTL" connect 127.0.0.1 "$port" <"$T/data"
	assert_success
	reap "$spid"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
}

# --- full duplex ---------------------------------------------------------

@test "relay: 32 MiB echoed through listen -e cat does not deadlock" {
	mkdata data 32M
	start_server listen -e cat 127.0.0.1 0 </dev/null
	run_out "$T/out" "$SOCKCTL" connect 127.0.0.1 "$PORT" <"$T/data"
	assert_success
	cmp "$T/data" "$T/out"
	reap "$SERVER_PID"
	assert_equal "$status" 0
}

@test "relay: 32 MiB echoed by a python server does not deadlock (connect)" {
	mkdata data 32M
	py echo <<'PY'
s = listening()
c, _ = s.accept()
while True:
    b = c.recv(65536)
    if not b:
        break
    c.sendall(b)
c.close()
PY
	py_server echo
	run_out "$T/out" "$SOCKCTL" connect 127.0.0.1 "$PY_PORT" <"$T/data"
	assert_success
	cmp "$T/data" "$T/out"
}

@test "relay: 32 MiB echoed by a python client does not deadlock (listen)" {
	mkdata data 32M
	start_server_in listen 127.0.0.1 0 <"$T/data" >"$T/out"
	py echo <<PY
c = dial($PORT)
while True:
    b = c.recv(65536)
    if not b:
        break
    c.sendall(b)
c.close()
PY
	py_bg echo
	reap "$SERVER_PID" 30
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
}

@test "relay: 32 MiB echoed by socat does not deadlock" {
	mkdata data 32M
	socat -d -d TCP-LISTEN:0,bind=127.0.0.1 PIPE 2>"$T/serr" 3>&- &
	track $!
	wait_for_line "$T/serr" 'listening on'
	local port
	port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$T/serr")
	run_out "$T/out" "$SOCKCTL" connect 127.0.0.1 "$port" <"$T/data"
	assert_success
	cmp "$T/data" "$T/out"
}

# --- half-close: stdin's EOF half-closes, the peer's keeps stdin flowing -

@test "relay: half-close request/response through pipes, every byte of the reply" {
	mkdata req 1M
	py srv <<'PY'
s = listening()
c, _ = s.accept()
req = read_all(c)
reply = hashlib.sha256(req).hexdigest().encode() + b"\n" + os.urandom(3 << 20)
put("expected", reply)
c.sendall(reply)
c.close()
PY
	py_server srv
	run --separate-stderr timeout 20 bash -c 'cat "$T/req" | "$SOCKCTL" connect 127.0.0.1 "$1" | cat >"$T/out"; exit $((PIPESTATUS[1]))' _ "$PY_PORT"
	assert_success
	assert_equal "$stderr" ''
	cmp "$T/expected" "$T/out"
	assert_equal "$(head -n 1 "$T/out")" "$(sha256sum <"$T/req" | cut -d' ' -f1)"
}

@test "relay: half-close request/response into a file, every byte of the reply" {
	mkdata req 1M
	py srv <<'PY'
s = listening()
c, _ = s.accept()
req = read_all(c)
reply = hashlib.sha256(req).hexdigest().encode() + b"\n" + os.urandom(3 << 20)
put("expected", reply)
c.sendall(reply)
c.close()
PY
	py_server srv
	run_out "$T/out" "$SOCKCTL" connect 127.0.0.1 "$PY_PORT" <"$T/req"
	assert_success
	cmp "$T/expected" "$T/out"
}

@test "relay: half-close request/response, connect against listen -e" {
	mkdata req 2M
	start_server_in listen -e 'cat >"$T/req.got"; sha256sum <"$T/req.got"' 127.0.0.1 0 </dev/null
	run --separate-stderr timeout 20 "$SOCKCTL" connect 127.0.0.1 "$PORT" <"$T/req"
	assert_success
	assert_output "$(sha256sum <"$T/req")"
	assert_equal "$stderr" ''
	cmp "$T/req" "$T/req.got"
}

@test "relay: half-close request/response, nc -N against listen -e" {
	mkdata req 2M
	start_server_in listen -e 'cat >"$T/req.got"; sha256sum <"$T/req.got"' 127.0.0.1 0 </dev/null
	run timeout 20 nc -N 127.0.0.1 "$PORT" <"$T/req"
	assert_success
	assert_output "$(sha256sum <"$T/req")"
	cmp "$T/req" "$T/req.got"
}

@test "relay: listener with stdin /dev/null receives 8 MiB sent after its EOF" {
	mkdata data 8M
	start_server listen 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	py cli <<PY
c = dial($PORT)
# The listener half-closes at once; only after reading that EOF do we send.
first = read_all(c)
c.sendall(get("data"))
c.shutdown(socket.SHUT_WR)
rest = read_all(c)
put("result", "%d %d" % (len(first), len(rest)))
PY
	py_bg cli
	reap "$SERVER_PID" 20
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
	reap "$PY_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/result")" "0 0"
	assert_equal "$(<"$T/lerr")" ''
}

@test "relay: listen keeps sending stdin after the client half-closed" {
	mkfifo "$T/in"
	exec 5<>"$T/in"
	pipe_reader out
	start_server_in listen 127.0.0.1 0 <"$T/in" >"$T/out.pipe" 2>"$T/lerr" 5>&-
	py cli <<PY
c = dial($PORT)
c.sendall(b"request\n")
c.shutdown(socket.SHUT_WR)
put("got", read_all(c))
PY
	printf 'early\n' >&5
	py_bg cli
	# The listener read the client's EOF (it closed its stdout); it stays.
	wait_for_file "$T/out.done" || fail "stdout not closed at the client's EOF"
	kill -0 "$SERVER_PID"
	printf 'late\n' >&5
	printf 'later\n' >&5
	exec 5>&-
	reap "$SERVER_PID"
	assert_equal "$status" 0
	reap "$PY_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/got")" $'early\nlate\nlater'
	assert_equal "$(<"$T/out")" 'request'
	assert_equal "$(<"$T/lerr")" ''
}

@test "relay: connect keeps sending stdin after the server half-closed" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
c.sendall(b"banner\n")
c.shutdown(socket.SHUT_WR)
put("got", read_all(c))
PY
	py_server srv
	mkfifo "$T/in"
	exec 5<>"$T/in"
	pipe_reader out
	"$SOCKCTL" connect 127.0.0.1 "$PY_PORT" <"$T/in" >"$T/out.pipe" 2>"$T/cerr" 5>&- 3>&- &
	track $!
	local cpid=$!
	# connect read the server's EOF (it closed its stdout); it stays.
	wait_for_file "$T/out.done" || fail "stdout not closed at the server's EOF"
	kill -0 "$cpid"
	printf 'late\n' >&5
	exec 5>&-
	reap "$cpid"
	assert_equal "$status" 0
	reap "$PY_PID"
	assert_equal "$(<"$T/got")" 'late'
	assert_equal "$(<"$T/out")" 'banner'
	assert_equal "$(<"$T/cerr")" ''
}

@test "relay: sockctl to sockctl, both half-closed peers keep sending" {
	mkdata a 1M
	mkdata b 1M
	mkfifo "$T/lin" "$T/cin"
	exec 5<>"$T/lin" 6<>"$T/cin"
	pipe_reader lout
	start_server_in listen 127.0.0.1 0 <"$T/lin" >"$T/lout.pipe" 5>&- 6>&-
	"$SOCKCTL" connect 127.0.0.1 "$PORT" <"$T/cin" >"$T/cout" 5>&- 6>&- 3>&- &
	track $!
	local cpid=$!
	# The client ends its side first; the listener sends afterwards.
	cat "$T/a" >&6
	exec 6>&-
	# The listener has it all and read the EOF (it closed its stdout).
	wait_for_file "$T/lout.done" || fail "stdout not closed at the client's EOF"
	wait_for_size "$T/lout" $((1024 * 1024))
	kill -0 "$SERVER_PID"
	kill -0 "$cpid"
	cat "$T/b" >&5
	exec 5>&-
	reap "$SERVER_PID"
	assert_equal "$status" 0
	reap "$cpid"
	assert_equal "$status" 0
	cmp "$T/a" "$T/lout"
	cmp "$T/b" "$T/cout"
}

@test "relay: a write refused after the peer's EOF (EPIPE) is a normal end" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
c.sendall(b"hello\n")
c.shutdown(socket.SHUT_WR)
read_n(c, 1 << 20)
# Unread data makes close() send a reset: the client's next write fails.
rst(c)
put("done", "1")
PY
	py_server srv
	run --separate-stderr timeout 20 bash -c 'head -c 64M /dev/zero | "$SOCKCTL" connect 127.0.0.1 "$1"; exit $((PIPESTATUS[1]))' _ "$PY_PORT"
	assert_success
	assert_output 'hello'
	assert_equal "$stderr" ''
}

# --- resets: a reset before the peer's EOF is an error --------------------

@test "relay: connect reset by the server before EOF exits 1 with one line" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
read_n(c, 1)
rst(c)
PY
	py_server srv
	run --separate-stderr timeout 20 bash -c 'printf x | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PY_PORT"
	assert_failure 1
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^sockctl connect: .*Connection reset by peer$'
}

@test "relay: connect reset by the server while sending exits 1 with one line" {
	mkdata data 8M
	py srv <<'PY'
s = listening()
c, _ = s.accept()
read_n(c, 65536)
rst(c)
PY
	py_server srv
	run --separate-stderr timeout 20 "$SOCKCTL" connect 127.0.0.1 "$PY_PORT" <"$T/data"
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^sockctl connect: .*Connection reset by peer$'
}

@test "relay: listen reset by the client before EOF exits 1 with one line" {
	start_server listen 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/lerr"
	py cli <<PY
c = dial($PORT)
c.sendall(b"partial")
time.sleep(0.2)
rst(c)
PY
	py_bg cli
	reap "$SERVER_PID"
	assert_equal "$status" 1
	run cat "$T/lerr"
	assert_equal "${#lines[@]}" 1
	assert_regex "$output" '^sockctl listen: .*Connection reset by peer$'
	assert_equal "$(<"$T/out")" 'partial'
}

# --- --recv-only, terminals: the peer's EOF alone ends the session ------

@test "relay: listen --recv-only with stdin held open exits 0 at the client's EOF" {
	mkdata data 1M
	mkfifo "$T/in"
	exec 5<>"$T/in"
	printf 'must not be sent\n' >&5
	start_server_in listen --recv-only 127.0.0.1 0 <"$T/in" >"$T/out" 2>"$T/lerr" 5>&-
	run --separate-stderr timeout 20 "$SOCKCTL" connect 127.0.0.1 "$PORT" <"$T/data"
	assert_success
	assert_output ''
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
	assert_equal "$(<"$T/lerr")" ''
	exec 5>&-
}

@test "relay: listen --recv-only fed by sleep | exits 0 at the client's EOF" {
	mkdata data 1M
	# $T/sleep.pid: the writer, which never writes and never ends.
	{
		echo "$BASHPID" >"$T/sleep.pid"
		exec sleep 1000
	} | "$SOCKCTL" listen --recv-only --port-file "$T/pf" 127.0.0.1 0 >"$T/out" 2>"$T/lerr" 3>&- &
	local lpid=$!
	track "$lpid"
	wait_for_file "$T/pf"
	wait_for_file "$T/sleep.pid"
	track "$(<"$T/sleep.pid")"
	run timeout 20 "$SOCKCTL" connect 127.0.0.1 "$(<"$T/pf")" <"$T/data"
	assert_success
	# Waiting for the job would wait for sleep too: poll for sockctl.
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.02
	done
	if kill -0 "$lpid" 2>/dev/null; then
		fail "listen is still running"
	fi
	kill "$(<"$T/sleep.pid")"
	reap "$lpid"
	assert_equal "$status" 0
	cmp "$T/data" "$T/out"
	assert_equal "$(<"$T/lerr")" ''
}

@test "relay: connect --recv-only with stdin held open exits 0 at the server's EOF" {
	mkdata data 1M
	start_server_in listen 127.0.0.1 0 <"$T/data" >/dev/null
	mkfifo "$T/in"
	exec 5<>"$T/in"
	printf 'must not be sent\n' >&5
	run_out "$T/out" "$SOCKCTL" connect --recv-only 127.0.0.1 "$PORT" <"$T/in" 5>&-
	assert_success
	cmp "$T/data" "$T/out"
	reap "$SERVER_PID"
	assert_equal "$status" 0
	exec 5>&-
}

@test "relay: --recv-only sends nothing from stdin" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
c.sendall(b"payload")
c.shutdown(socket.SHUT_WR)
put("got", "%d" % len(read_all(c)))
PY
	py_server srv
	run timeout 20 "$SOCKCTL" connect --recv-only 127.0.0.1 "$PY_PORT" < <(printf 'stdin data\n')
	assert_success
	assert_output 'payload'
	reap "$PY_PID"
	assert_equal "$(<"$T/got")" 0
}

@test "relay: connect --recv-only receives a whole file from nc -l" {
	# cli.md: with --recv-only "stdin is not read at all", so there is no
	# stdin EOF and no reason to half-close; nc -l stops at the
	# first EOF it reads, so an early FIN truncates the transfer.
	mkdata data 8M
	nc -N -lv 127.0.0.1 0 <"$T/data" >/dev/null 2>"$T/ncerr" 3>&- &
	track $!
	wait_for_line "$T/ncerr" '^Listening on '
	local port
	port=$(awk '/^Listening on /{print $NF}' "$T/ncerr")
	run_out "$T/out" "$SOCKCTL" connect --recv-only 127.0.0.1 "$port" </dev/null
	assert_success
	cmp "$T/data" "$T/out"
}

@test "relay: listener on a terminal exits when the client closes" {
	mkfifo "$T/tty_in"
	exec 5<>"$T/tty_in"
	script -qec '"$SOCKCTL" listen --port-file "$T/pf" 127.0.0.1 0 >"$T/out" 2>"$T/lerr"; echo $? >"$T/rc"' /dev/null \
		<"$T/tty_in" >/dev/null 2>&1 5>&- 3>&- &
	track $!
	local spid=$!
	wait_for_file "$T/pf"
	py cli <<PY
c = dial($(<"$T/pf"))
# What is typed on the terminal reaches the client ...
line = b""
while not line.endswith(b"\n"):
    b = c.recv(100)
    if not b:
        break
    line += b
put("typed", line)
c.sendall(b"from client")
c.shutdown(socket.SHUT_WR)
# ... and the listener ends at our EOF although its terminal is open.
put("rest", read_all(c))
PY
	py_bg cli
	local cpid=$PY_PID
	printf 'typed line\n' >&5
	reap "$cpid"
	assert_equal "$status" 0
	wait_for_file "$T/rc"
	assert_equal "$(<"$T/rc")" 0
	assert_equal "$(<"$T/typed")" 'typed line'
	assert_equal "$(<"$T/out")" 'from client'
	assert_equal "$(<"$T/lerr")" ''
	reap "$spid"
	exec 5>&-
}

@test "relay: connect on a terminal exits when the server closes" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
c.sendall(b"hello terminal\n")
c.close()
PY
	py_server srv
	mkfifo "$T/tty_in"
	exec 5<>"$T/tty_in"
	run timeout 20 script -qec '"$SOCKCTL" connect 127.0.0.1 '"$PY_PORT"' >"$T/out" 2>"$T/cerr"; echo $? >"$T/rc"' /dev/null \
		<"$T/tty_in" 5>&-
	assert_success
	assert_equal "$(<"$T/rc")" 0
	assert_equal "$(<"$T/out")" 'hello terminal'
	assert_equal "$(<"$T/cerr")" ''
	exec 5>&-
}

# --- --send-only -----------------------------------------------------------

@test "relay: listen --send-only ends once stdin is sent, the client still connected" {
	mkdata data 1M
	start_server_in listen --send-only 127.0.0.1 0 <"$T/data" >"$T/out" 2>"$T/lerr"
	py cli <<PY
c = dial($PORT)
put("got", read_all(c))
# Keep the connection open: the listener must not wait for us.
time.sleep(30)
PY
	py_bg cli
	reap "$SERVER_PID"
	assert_equal "$status" 0
	wait_for_file "$T/got"
	cmp "$T/data" "$T/got"
	kill -0 "$PY_PID"
	assert_equal "$(stat -c %s "$T/out")" 0
	assert_equal "$(<"$T/lerr")" ''
}

@test "relay: connect --send-only ends once stdin is sent, the server still connected" {
	mkdata data 1M
	py srv <<'PY'
s = listening()
c, _ = s.accept()
put("got", read_all(c))
time.sleep(30)
PY
	py_server srv
	run --separate-stderr timeout 20 "$SOCKCTL" connect --send-only 127.0.0.1 "$PY_PORT" <"$T/data"
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	wait_for_file "$T/got"
	cmp "$T/data" "$T/got"
}

@test "relay: listen --send-only ignores what the client sends, and loses nothing" {
	mkdata data 1M
	start_server_in listen --send-only 127.0.0.1 0 <"$T/data" >"$T/out" 2>"$T/lerr"
	py cli <<PY
c = dial($PORT)
c.sendall(os.urandom(100000))
put("got", read_all(c))
time.sleep(30)
PY
	py_bg cli
	reap "$SERVER_PID"
	assert_equal "$status" 0
	wait_for_file "$T/got"
	cmp "$T/data" "$T/got"
	assert_equal "$(stat -c %s "$T/out")" 0
	assert_equal "$(<"$T/lerr")" ''
}

@test "relay: connect --send-only ignores what the server sends, and loses nothing" {
	mkdata data 1M
	py srv <<'PY'
s = listening()
c, _ = s.accept()
c.sendall(b"ignored\n" * 1000)
put("got", read_all(c))
time.sleep(30)
PY
	py_server srv
	run --separate-stderr timeout 20 "$SOCKCTL" connect --send-only 127.0.0.1 "$PY_PORT" <"$T/data"
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	wait_for_file "$T/got"
	cmp "$T/data" "$T/got"
}

# --- -C ---------------------------------------------------------------------

@test "relay: connect -C sends LF as CRLF, exact bytes" {
	start_server listen 127.0.0.1 0 </dev/null >"$T/out"
	run timeout 20 bash -c 'printf "a\nbc\n\nd" | "$SOCKCTL" connect -C 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	reap "$SERVER_PID"
	printf 'a\r\nbc\r\n\r\nd' >"$T/expected"
	cmp "$T/expected" "$T/out"
}

@test "relay: listen --crlf sends LF as CRLF, exact bytes" {
	printf 'one\ntwo\n' >"$T/in"
	start_server_in listen --crlf 127.0.0.1 0 <"$T/in" >/dev/null
	run_out "$T/out" "$SOCKCTL" connect 127.0.0.1 "$PORT" </dev/null
	assert_success
	printf 'one\r\ntwo\r\n' >"$T/expected"
	cmp "$T/expected" "$T/out"
}

@test "relay: -C on 1 MiB of random bytes expands every lone LF and nothing else" {
	mkdata data 1M
	# An LF that already follows a CR stays as it is (as with nc -C).
	"$PYTHON3" -c 'import re, sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(re.sub(rb"(?<!\r)\n", b"\r\n", d))' \
		"$T/data" "$T/expected"
	start_server listen 127.0.0.1 0 </dev/null >"$T/out"
	run timeout 20 bash -c 'cat "$T/data" | "$SOCKCTL" connect -C 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	reap "$SERVER_PID"
	cmp "$T/expected" "$T/out"
}

@test "relay: -C leaves a CRLF already in the input alone, byte for byte as nc -C" {
	printf 'a\r\nb\nc\r\r\n\n\r' >"$T/in"
	printf 'a\r\nb\r\nc\r\r\n\r\n\r' >"$T/expected"
	start_server listen 127.0.0.1 0 </dev/null >"$T/out"
	run timeout 20 "$SOCKCTL" connect -C 127.0.0.1 "$PORT" <"$T/in"
	assert_success
	reap "$SERVER_PID"
	cmp "$T/expected" "$T/out"
	# The same bytes as OpenBSD nc -C sends for the same input.
	command -v nc >/dev/null || skip "no nc to compare with"
	start_server listen 127.0.0.1 0 </dev/null >"$T/nc_out"
	run timeout 20 nc -N -C 127.0.0.1 "$PORT" <"$T/in"
	assert_success
	reap "$SERVER_PID"
	cmp "$T/nc_out" "$T/out"
}

@test "relay: -C: a CR that ends one read and the LF that starts the next stay CRLF" {
	mkfifo "$T/in"
	exec 5<>"$T/in"
	start_server listen 127.0.0.1 0 </dev/null >"$T/out" 5>&-
	"$SOCKCTL" connect -C 127.0.0.1 "$PORT" <"$T/in" 5>&- 3>&- &
	local cpid=$!
	track "$cpid"
	printf 'a\r' >&5
	# The listener has the CR: the LF comes in a later read.
	wait_for_size "$T/out" 2 || fail "nothing arrived"
	printf '\nb\n' >&5
	exec 5>&-
	reap "$cpid"
	assert_equal "$status" 0
	reap "$SERVER_PID"
	printf 'a\r\nb\r\n' >"$T/expected"
	cmp "$T/expected" "$T/out"
}

@test "relay: -C does not touch what is received" {
	printf 'x\ny\n' >"$T/down"
	start_server_in listen 127.0.0.1 0 <"$T/down" >"$T/lout"
	run timeout 20 bash -c 'printf "up\n" | "$SOCKCTL" connect -C 127.0.0.1 "$1" >"$T/out"' _ "$PORT"
	assert_success
	reap "$SERVER_PID"
	cmp "$T/down" "$T/out"
	printf 'up\r\n' >"$T/expected"
	cmp "$T/expected" "$T/lout"
}

# --- --no-shutdown ------------------------------------------------------------

eof_probe_server() {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
got = read_n(c, 5)
c.settimeout(0.5)
try:
    more = c.recv(10)
    seen = "eof" if more == b"" else "data"
except socket.timeout:
    seen = "noeof"
put("result", got.decode() + " " + seen)
c.sendall(b"bye\n")
c.close()
PY
	py_server srv
}

@test "relay: connect --no-shutdown: the server sees no EOF" {
	eof_probe_server
	run --separate-stderr timeout 20 bash -c 'printf hello | "$SOCKCTL" connect --no-shutdown 127.0.0.1 "$1"' _ "$PY_PORT"
	assert_success
	assert_output 'bye'
	assert_equal "$stderr" ''
	assert_equal "$(<"$T/result")" 'hello noeof'
}

@test "relay: connect without --no-shutdown: the server sees EOF" {
	eof_probe_server
	run timeout 20 bash -c 'printf hello | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PY_PORT"
	assert_success
	assert_output 'bye'
	assert_equal "$(<"$T/result")" 'hello eof'
}

@test "relay: listen --no-shutdown: the client sees no EOF" {
	printf 'hello' >"$T/in"
	start_server_in listen --no-shutdown 127.0.0.1 0 <"$T/in" >"$T/out"
	py cli <<PY
c = dial($PORT)
got = read_n(c, 5)
c.settimeout(0.5)
try:
    seen = "eof" if c.recv(10) == b"" else "data"
except socket.timeout:
    seen = "noeof"
put("result", got.decode() + " " + seen)
c.sendall(b"bye\n")
c.close()
PY
	run timeout 20 env PYNAME=cli "$PYTHON3" "$T/cli.py"
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/result")" 'hello noeof'
	assert_equal "$(<"$T/out")" 'bye'
}

# --- -q: bounds the wait for the peer after stdin's EOF -------------------

silent_holding_server() {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
put("got", read_all(c))
time.sleep(30)
PY
	py_server srv
}

@test "relay: connect -q 0 exits at once after stdin is sent" {
	mkdata data 1M
	silent_holding_server
	local t0
	t0=$(now_ms)
	run --separate-stderr timeout 20 "$SOCKCTL" connect -q 0 127.0.0.1 "$PY_PORT" <"$T/data"
	assert_success
	assert_equal "$stderr" ''
	(($(now_ms) - t0 < 3000))
	wait_for_file "$T/got"
	cmp "$T/data" "$T/got"
}

@test "relay: connect -q 500ms waits that long for a silent server, then exits 0" {
	silent_holding_server
	local t0 dt
	t0=$(now_ms)
	run --separate-stderr timeout 20 bash -c 'printf data | "$SOCKCTL" connect -v -q 500ms 127.0.0.1 "$1"' _ "$PY_PORT"
	dt=$(($(now_ms) - t0))
	assert_success
	assert_output ''
	((dt >= 450 && dt < 5000))
	# -v says why it ended, then the summary.
	assert_regex "$stderr" 'quit'
	assert_regex "${stderr_lines[-1]}" "$(summary_re 4 0)"
	assert_equal "$(<"$T/got")" 'data'
}

@test "relay: connect -q keeps relaying what the server sends meanwhile" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
read_all(c)
c.sendall(b"answer\n")
time.sleep(30)
PY
	py_server srv
	run timeout 20 bash -c 'printf q | "$SOCKCTL" connect -q 1 127.0.0.1 "$1"' _ "$PY_PORT"
	assert_success
	assert_output 'answer'
}

@test "relay: connect -q 10 does not wait when the server closes" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
read_all(c)
c.close()
PY
	py_server srv
	local t0
	t0=$(now_ms)
	run timeout 20 bash -c 'printf q | "$SOCKCTL" connect -q 10 127.0.0.1 "$1"' _ "$PY_PORT"
	assert_success
	(($(now_ms) - t0 < 5000))
}

@test "relay: listen -q 300ms exits 0 after its stdin ends and the client is silent" {
	printf 'hi' >"$T/in"
	start_server_in listen -q 300ms 127.0.0.1 0 <"$T/in" >"$T/out" 2>"$T/lerr"
	py cli <<PY
c = dial($PORT)
put("got", read_all(c))
time.sleep(30)
PY
	py_bg cli
	reap "$SERVER_PID"
	assert_equal "$status" 0
	wait_for_file "$T/got"
	assert_equal "$(<"$T/got")" 'hi'
	assert_equal "$(<"$T/lerr")" ''
}

# --- -i: bounds silence both ways ----------------------------------------

@test "relay: connect -i 500ms exits 0 after silence both ways" {
	silent_holding_server
	mkfifo "$T/in"
	exec 5<>"$T/in"
	local t0 dt
	t0=$(now_ms)
	run --separate-stderr timeout 20 "$SOCKCTL" connect -v -i 500ms 127.0.0.1 "$PY_PORT" <"$T/in" 5>&-
	dt=$(($(now_ms) - t0))
	assert_success
	((dt >= 450 && dt < 5000))
	assert_regex "$stderr" 'idle'
	assert_regex "${stderr_lines[-1]}" "$(summary_re 0 0)"
	exec 5>&-
}

@test "relay: -i is restarted by traffic" {
	py srv <<'PY'
s = listening()
c, _ = s.accept()
for i in range(6):
    c.sendall(b"%d" % i)
    time.sleep(0.2)
time.sleep(30)
PY
	py_server srv
	mkfifo "$T/in"
	exec 5<>"$T/in"
	local t0 dt
	t0=$(now_ms)
	run timeout 20 "$SOCKCTL" connect -i 600ms 127.0.0.1 "$PY_PORT" <"$T/in" 5>&-
	dt=$(($(now_ms) - t0))
	assert_success
	assert_output '012345'
	# Six bytes 200 ms apart, then 600 ms of silence.
	((dt >= 1500 && dt < 8000))
	exec 5>&-
}

@test "relay: listen -i 500ms exits 0 after silence both ways" {
	mkfifo "$T/in"
	exec 5<>"$T/in"
	start_server_in listen -i 500ms 127.0.0.1 0 <"$T/in" >"$T/out" 2>"$T/lerr" 5>&-
	py cli <<PY
c = dial($PORT)
c.sendall(b"ping")
time.sleep(30)
PY
	py_bg cli
	local t0
	t0=$(now_ms)
	reap "$SERVER_PID"
	assert_equal "$status" 0
	(($(now_ms) - t0 >= 400))
	assert_equal "$(<"$T/out")" 'ping'
	assert_equal "$(<"$T/lerr")" ''
	exec 5>&-
}

# --- closed stdout / SIGPIPE ----------------------------------------------

@test "relay: connect | head -c 10 ends cleanly with exit 0" {
	mkdata data 8M
	start_server_in listen 127.0.0.1 0 <"$T/data" >/dev/null 2>/dev/null
	run --separate-stderr timeout 20 bash -c '
		sigpipe() { "$PYTHON3" -c "import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])" "$@"; }
		sigpipe "$SOCKCTL" connect 127.0.0.1 "$1" </dev/null | head -c 10 >"$T/out"
		echo "${PIPESTATUS[*]}"' _ "$PORT"
	assert_success
	assert_output '0 0'
	assert_equal "$stderr" ''
	head -c 10 "$T/data" | cmp - "$T/out"
}

@test "relay: listen | head -c 10 ends cleanly with exit 0" {
	mkdata data 8M
	mkfifo "$T/pipe"
	head -c 10 <"$T/pipe" >"$T/out" 3>&- &
	track $!
	sigpipe_default "$SOCKCTL" listen --port-file "$T/pf" 127.0.0.1 0 </dev/null >"$T/pipe" 2>"$T/lerr" 3>&- &
	local lpid=$!
	track "$lpid"
	wait_for_file "$T/pf"
	# The listener leaves mid-transfer; how the client ends is not the point.
	timeout 20 "$SOCKCTL" connect 127.0.0.1 "$(<"$T/pf")" <"$T/data" >/dev/null 2>&1 || true
	reap "$lpid"
	assert_equal "$status" 0
	assert_equal "$(<"$T/lerr")" ''
	head -c 10 "$T/data" | cmp - "$T/out"
}

@test "relay: stdout closed before anything arrives ends connect with exit 0" {
	mkdata data 1M
	start_server_in listen 127.0.0.1 0 <"$T/data" >/dev/null 2>/dev/null
	run --separate-stderr timeout 20 bash -c '
		sigpipe() { "$PYTHON3" -c "import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])" "$@"; }
		sigpipe "$SOCKCTL" connect 127.0.0.1 "$1" </dev/null | true
		echo "${PIPESTATUS[*]}"' _ "$PORT"
	assert_success
	assert_output '0 0'
	assert_equal "$stderr" ''
}

# --- -v summary -------------------------------------------------------------

@test "relay: -v summary counts every byte on both sides" {
	head -c 1000 /dev/urandom >"$T/down"
	head -c 2345 /dev/urandom >"$T/up"
	start_server_in listen -v 127.0.0.1 0 <"$T/down" >/dev/null 2>"$T/lerr"
	run --separate-stderr timeout 20 "$SOCKCTL" connect -v 127.0.0.1 "$PORT" <"$T/up"
	assert_success
	assert_regex "${stderr_lines[-1]}" "$(summary_re 2345 1000)"
	reap "$SERVER_PID"
	assert_equal "$status" 0
	run tail -n 1 "$T/lerr"
	assert_regex "$output" "$(summary_re 1000 2345)"
}

@test "relay: an empty session ends at once with empty output both ways" {
	start_server listen -v 127.0.0.1 0 </dev/null >"$T/lout" 2>"$T/lerr"
	run --separate-stderr timeout 20 "$SOCKCTL" connect -v 127.0.0.1 "$PORT" </dev/null
	assert_success
	assert_output ''
	assert_regex "${stderr_lines[-1]}" "$(summary_re 0 0)"
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(stat -c %s "$T/lout")" 0
	run tail -n 1 "$T/lerr"
	assert_regex "$output" "$(summary_re 0 0)"
}
