#!/usr/bin/env bats
# SIGINT and SIGTERM in every command, by the one rule of the man page's
# EXIT STATUS: a command that serves until it is stopped (listen -k,
# serve-http, chat -l, udp-recv without -c) stops cleanly and exits 0; a
# command stopped before its job is done (connect, listen without -k,
# udp-send, a chat client) cleans up and ends by the signal, which a shell
# reports as 128+N.  --exec handlers are stopped with SIGTERM and waited
# for first.

load test_helper/stream

# bash starts background jobs with SIGINT ignored, and sockctl rightly
# keeps an ignored signal ignored: these run CMD with SIGINT at default.
DFL_PY='import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])'

# bg_sockctl ARGS...: sockctl in the background with SIGINT at default;
# sets PID.  The caller redirects its stdio (stdin too: passed on).
bg_sockctl() {
	"$PYTHON3" -c "$DFL_PY" "$SOCKCTL" "$@" <&0 3>&- &
	PID=$!
	track "$PID"
}

# bg_server CMD ARGS...: bg_sockctl CMD --port-file F ARGS; sets PID, PORT.
bg_server() {
	local pf="$T/port.$((++_nserver))"
	bg_sockctl "$1" --port-file "$pf" "${@:2}"
	wait_for_file "$pf" || fail "sockctl $1 wrote no port file"
	PORT=$(<"$pf")
}

# stopped_by SIG PID STATUS: sends SIG to PID, waits for it, checks STATUS.
stopped_by() {
	kill -"$1" "$2"
	reap "$2"
	assert_equal "$status" "$3"
}

# py_holder NAME PORT: a client that connects and then waits to be closed;
# $T/NAME.up appears once it is connected, $T/NAME.eof once it saw EOF.
py_holder() {
	py "$1" <<PY
c = dial($2)
put(NAME + ".up", "up")
read_all(c)
put(NAME + ".eof", "eof")
PY
	py_bg "$1"
}

# --- listen ------------------------------------------------------------------

@test "signals: listen waiting for its one client ends by SIGTERM (143) and SIGINT (130)" {
	bg_server listen 127.0.0.1 0 </dev/null >/dev/null 2>"$T/err"
	stopped_by TERM "$PID" 143
	bg_server listen 127.0.0.1 0 </dev/null >/dev/null 2>>"$T/err"
	stopped_by INT "$PID" 130
	assert_equal "$(<"$T/err")" ''
}

@test "signals: listen -U ends by SIGTERM and removes its socket file" {
	bg_sockctl listen -U "$T/sock" </dev/null >/dev/null 2>"$T/err"
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		[[ -S $T/sock ]] && break
		sleep 0.02
	done
	[[ -S $T/sock ]]
	stopped_by TERM "$PID" 143
	[[ ! -e $T/sock ]]
	assert_equal "$(<"$T/err")" ''
}

@test "signals: listen in a session with its one client ends by SIGINT (130)" {
	mkfifo "$T/in"
	exec 5<>"$T/in"
	bg_server listen -v 127.0.0.1 0 <"$T/in" >/dev/null 2>"$T/err" 5>&-
	py_holder cli "$PORT"
	wait_for_line "$T/err" '^connection from ' || fail "no client"
	stopped_by INT "$PID" 130
	wait_for_file "$T/cli.eof" || fail "the client saw no EOF"
	exec 5>&-
}

@test "signals: listen -k exits 0 on SIGTERM and SIGINT, waiting or in a session" {
	bg_server listen -k 127.0.0.1 0 </dev/null >/dev/null 2>"$T/err"
	stopped_by TERM "$PID" 0
	bg_server listen -k 127.0.0.1 0 </dev/null >/dev/null 2>>"$T/err"
	stopped_by INT "$PID" 0
	mkfifo "$T/in"
	exec 5<>"$T/in"
	bg_server listen -k -v 127.0.0.1 0 <"$T/in" >/dev/null 2>"$T/err2" 5>&-
	py_holder cli "$PORT"
	wait_for_line "$T/err2" '^connection from ' || fail "no client"
	stopped_by TERM "$PID" 0
	exec 5>&-
	assert_equal "$(<"$T/err")" ''
}

@test "signals: listen -k -e sends SIGTERM to every handler, waits for them, exits 0" {
	bg_server listen -k -e 'echo $$ >>"$T/kids"; exec sleep 1000' 127.0.0.1 0 </dev/null >/dev/null 2>"$T/err"
	py_holder a "$PORT"
	py_holder b "$PORT"
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		[[ -f $T/kids ]] && (($(wc -l <"$T/kids") == 2)) && break
		sleep 0.02
	done
	mapfile -t kids <"$T/kids"
	assert_equal "${#kids[@]}" 2
	stopped_by TERM "$PID" 0
	# sockctl reaped them before it exited: they are gone.
	run kill -0 "${kids[0]}"
	assert_failure
	run kill -0 "${kids[1]}"
	assert_failure
	wait_for_file "$T/a.eof" || fail "client a saw no EOF"
	wait_for_file "$T/b.eof" || fail "client b saw no EOF"
	assert_equal "$(<"$T/err")" ''
}

@test "signals: listen -k -e: SIGINT stops accepting; a handler that ignores SIGTERM gets SIGKILL at the second" {
	bg_server listen -k -e 'trap "" TERM; echo $$ >>"$T/kids"; exec sleep 1000' 127.0.0.1 0 </dev/null >/dev/null 2>"$T/err"
	py_holder a "$PORT"
	wait_for_file "$T/kids" || fail "no handler"
	kill -INT "$PID"
	# The listening socket is closed at once: a new client is refused.
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		[[ -z $(ss -ltnH "sport = :$PORT") ]] && break
		sleep 0.02
	done
	run --separate-stderr timeout 5 "$SOCKCTL" connect 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_equal "$stderr" "sockctl connect: connect to 127.0.0.1 port $PORT: Connection refused"
	# Still waiting for the handler, which ignored the SIGTERM.
	kill -0 "$PID"
	kill -0 "$(<"$T/kids")"
	stopped_by TERM "$PID" 0
	run kill -0 "$(<"$T/kids")"
	assert_failure
}

@test "signals: listen -e with its one client: SIGTERM ends the handler too, then 143" {
	bg_server listen -e 'echo $$ >"$T/kid"; exec sleep 1000' 127.0.0.1 0 </dev/null >/dev/null 2>"$T/err"
	py_holder a "$PORT"
	wait_for_file "$T/kid" || fail "no handler"
	stopped_by TERM "$PID" 143
	run kill -0 "$(<"$T/kid")"
	assert_failure
	wait_for_file "$T/a.eof" || fail "the client saw no EOF"
	assert_equal "$(<"$T/err")" ''
}

# --- connect -----------------------------------------------------------------

@test "signals: connect in a session ends by SIGTERM (143) and SIGINT (130)" {
	start_server listen -k -v 127.0.0.1 0 </dev/null >/dev/null 2>"$T/lerr"
	mkfifo "$T/in"
	exec 5<>"$T/in"
	bg_sockctl connect 127.0.0.1 "$PORT" <"$T/in" >/dev/null 2>"$T/err" 5>&-
	wait_for_line "$T/lerr" '^connection from ' || fail "no connection"
	stopped_by TERM "$PID" 143
	: >"$T/lerr"
	bg_sockctl connect 127.0.0.1 "$PORT" <"$T/in" >/dev/null 2>>"$T/err" 5>&-
	wait_for_line "$T/lerr" '^connection from ' || fail "no connection"
	stopped_by INT "$PID" 130
	exec 5>&-
	assert_equal "$(<"$T/err")" ''
}

@test "signals: connect -e passes SIGTERM on to its command, waits for it, then 143" {
	start_server listen -k 127.0.0.1 0 </dev/null >/dev/null
	bg_sockctl connect -e 'echo $$ >"$T/kid"; exec sleep 1000' 127.0.0.1 "$PORT" </dev/null >/dev/null 2>"$T/err"
	wait_for_file "$T/kid" || fail "no command"
	stopped_by TERM "$PID" 143
	run kill -0 "$(<"$T/kid")"
	assert_failure
	assert_equal "$(<"$T/err")" ''
}

# --- the other commands --------------------------------------------------------

@test "signals: serve-http exits 0 on SIGTERM and SIGINT" {
	mkdir "$T/www"
	bg_server serve-http -p 0 "$T/www" >/dev/null 2>/dev/null
	stopped_by TERM "$PID" 0
	bg_server serve-http -p 0 "$T/www" >/dev/null 2>/dev/null
	stopped_by INT "$PID" 0
}

@test "signals: chat -l exits 0 on SIGTERM and SIGINT; its clients see EOF" {
	bg_server chat -l 127.0.0.1 0 </dev/null >/dev/null 2>"$T/err"
	py_holder a "$PORT"
	wait_for_file "$T/a.up" || fail "no client"
	stopped_by TERM "$PID" 0
	wait_for_file "$T/a.eof" || fail "the client saw no EOF"
	bg_server chat -l 127.0.0.1 0 </dev/null >/dev/null 2>>"$T/err"
	stopped_by INT "$PID" 0
	assert_equal "$(<"$T/err")" ''
}

@test "signals: a chat client ends by SIGTERM (143)" {
	start_server chat -l 127.0.0.1 0 </dev/null >/dev/null
	mkfifo "$T/in"
	exec 5<>"$T/in"
	bg_sockctl chat 127.0.0.1 "$PORT" <"$T/in" >"$T/out" 2>"$T/err" 5>&-
	wait_for_line "$T/out" 'welcome' || fail "no welcome"
	stopped_by TERM "$PID" 143
	exec 5>&-
	assert_equal "$(<"$T/err")" ''
}

@test "signals: udp-recv exits 0 on SIGTERM and SIGINT, with what it received written" {
	bg_server udp-recv 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/err"
	timeout 5 "$SOCKCTL" udp-send 127.0.0.1 "$PORT" one
	wait_for_line "$T/out" '^one$' || fail "nothing received"
	stopped_by TERM "$PID" 0
	assert_equal "$(<"$T/out")" one
	bg_server udp-recv 127.0.0.1 0 </dev/null >/dev/null 2>>"$T/err"
	stopped_by INT "$PID" 0
	assert_equal "$(<"$T/err")" ''
}

@test "signals: udp-recv -c N stopped before N datagrams ends by SIGTERM (143)" {
	bg_server udp-recv -c 5 127.0.0.1 0 </dev/null >"$T/out" 2>"$T/err"
	timeout 5 "$SOCKCTL" udp-send 127.0.0.1 "$PORT" one
	wait_for_line "$T/out" '^one$' || fail "nothing received"
	stopped_by TERM "$PID" 143
	assert_equal "$(<"$T/err")" ''
}

@test "signals: udp-send reading stdin ends by SIGTERM (143) and SIGINT (130)" {
	start_server udp-recv 127.0.0.1 0 </dev/null >"$T/out"
	mkfifo "$T/in"
	exec 5<>"$T/in"
	bg_sockctl udp-send --lines 127.0.0.1 "$PORT" <"$T/in" 2>"$T/err" 5>&-
	printf 'first\n' >&5
	wait_for_line "$T/out" '^first$' || fail "nothing sent"
	stopped_by TERM "$PID" 143
	bg_sockctl udp-send --lines 127.0.0.1 "$PORT" <"$T/in" 2>>"$T/err" 5>&-
	printf 'second\n' >&5
	wait_for_line "$T/out" '^second$' || fail "nothing sent"
	stopped_by INT "$PID" 130
	exec 5>&-
	assert_equal "$(<"$T/err")" ''
}
