#!/usr/bin/env bats
#
# udp-send and udp-recv on Unix datagram sockets (-U): unnamed senders
# (logger -u, an unbound python socket), senders bound to paths and to
# abstract names, every -f format for each, replies both ways (--echo,
# --reply, udp-send -r), datagrams up to the socket's limit whole and
# larger ones refused, the stale socket file replaced and anything else
# left alone, the socket file removed at exit and on SIGTERM/SIGINT, and
# the usage errors.

load test_helper/common

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	export T
	# Short: a sockaddr_un path holds 107 bytes.
	S=$(mktemp -d /tmp/ud.XXXXXX)
	export S
	# Abstract names are global: one per test run and test.
	AB="sockctl-test-$$-$BATS_TEST_NUMBER"
	export AB
}

teardown() {
	common_teardown
	rm -rf "$S"
}

# sc ARGS...: `run --separate-stderr` of sockctl ARGS, stdin from $IN
# (default /dev/null), bounded; the exact bytes stay in $T/stdout and
# $T/stderr.
sc() {
	run --separate-stderr ud_exact "$@"
}

ud_exact() {
	local rc=0
	timeout 20 "$SOCKCTL" "$@" <"${IN:-/dev/null}" >"$T/stdout" \
	    2>"$T/stderr" 3>&- || rc=$?
	cat "$T/stdout"
	cat "$T/stderr" >&2
	return "$rc"
}

# is_file FILE TEXT: FILE holds exactly TEXT (printf %b escapes allowed).
is_file() {
	printf '%b' "$2" >"$T/want"
	cmp -s "$T/want" "$1" || {
		echo "--- want"; od -c "$T/want" | head -20
		echo "--- got ($1)"; od -c "$1" | head -20
		fail "$1 is not what was expected"
	}
}

usage_error() {
	assert_equal "$status" 2
	[[ ! -s $T/stdout ]] || fail "stdout is not empty"
	is_file "$T/stderr" "sockctl $1: $2\nTry 'sockctl $1 --help'.\n"
}

# recv_bg ARGS...: udp-recv -v ARGS in the background (stdin from $IN),
# out in $T/recv.out and $T/recv.err; waits for its "listening on" line.
recv_bg() {
	"$SOCKCTL" udp-recv -v "$@" <"${IN:-/dev/null}" >"$T/recv.out" \
	    2>"$T/recv.err" 3>&- &
	RECV_PID=$!
	track "$RECV_PID"
	wait_for_line "$T/recv.err" "listening on " ||
	    fail "udp-recv did not start: $(<"$T/recv.err")"
}

# wait_for_line FILE TEXT: FILE has a line starting with TEXT (bounded).
wait_for_line() {
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# recv_done STATUS: the receiver ends by itself with STATUS.
recv_done() {
	wait_for_exit "$RECV_PID" || fail "udp-recv is still running"
	[[ $status -eq $1 ]] ||
	    fail "udp-recv exited $status, not $1; stderr: $(<"$T/recv.err")"
}

# pyrun CODE: runs python CODE with helpers: named(addr) is a datagram
# socket bound to addr ("@x": abstract), unnamed() one that is not bound.
pyrun() {
	timeout 20 python3 -c "
import os, socket, sys, time
def sa(a):
    return '\0' + a[1:] if a.startswith('@') else a
def named(a, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sa(a)); s.settimeout(timeout); return s
def unnamed(timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.settimeout(timeout); return s
def show(a):
    return '(unnamed)' if not a else (
        '@' + a[1:].decode() if isinstance(a, bytes) else
        ('@' + a[1:] if a.startswith('\0') else a))
$1" 3>&-
}

# three_senders DEST: a sender bound to $S/p.sock, one bound to @$AB-c
# and an unbound one each send one datagram to DEST, in that order.
three_senders() {
	pyrun "
d = sa('$1')
named('$S/p.sock').sendto(b'from-path', d)
named('@$AB-c').sendto(b'caf\xc3\xa9', d)
unnamed().sendto(b'\x00\xff\n', d)"
}

# --- every format, every kind of sender --------------------------------

@test "unix-dgram: -f line, raw, hex and json name path, abstract and unnamed senders" {
	local f
	for f in line raw hex json; do
		rm -f "$S/r.sock" "$S/p.sock"
		recv_bg -U "$S/r.sock" -c 3 -f "$f"
		three_senders "$S/r.sock"
		recv_done 0
		cp "$T/recv.out" "$T/out.$f"
		is_file "$T/recv.err" "listening on $S/r.sock\nfrom $S/p.sock, 9 bytes\nfrom @$AB-c, 5 bytes\nfrom (unnamed), 3 bytes\n"
	done
	is_file "$T/out.line" 'from-path\ncaf\xc3\xa9\n\x00\xff\n\n'
	is_file "$T/out.raw" 'from-path\x63\x61\x66\xc3\xa9\x00\xff\n'
	is_file "$T/out.hex" "from $S/p.sock, 9 bytes
00000000  66 72 6f 6d 2d 70 61 74  68                       |from-path|
from @$AB-c, 5 bytes
00000000  63 61 66 c3 a9                                    |caf..|
from (unnamed), 3 bytes
00000000  00 ff 0a                                          |...|
"
	is_file "$T/out.json" "{\"from\":\"$S/p.sock\",\"port\":null,\"size\":9,\"data\":\"from-path\"}
{\"from\":\"@$AB-c\",\"port\":null,\"size\":5,\"data\":\"caf\xc3\xa9\"}
{\"from\":null,\"port\":null,\"size\":3,\"base64\":\"AP8K\"}
"
}

@test "unix-dgram: logger -u is an unnamed sender: each message one record" {
	recv_bg -U "$S/log.sock" -c 2 -f json
	timeout 10 logger -u "$S/log.sock" first message 3>&-
	timeout 10 logger -u "$S/log.sock" -p local0.err second 3>&-
	recv_done 0
	# logger's local format: <PRI>Mmm dd hh:mm:ss TAG: MESSAGE, no newline.
	run grep -cE '^\{"from":null,"port":null,"size":[0-9]+,"data":"<(13|131)>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [^:]+: (first message|second)"\}$' "$T/recv.out"
	assert_output 2
	[[ $(wc -l <"$T/recv.out") -eq 2 ]] || fail "not two records"
	grep -q '"data":"<13>.*: first message"' "$T/recv.out"
	grep -q '"data":"<131>.*: second"' "$T/recv.out"
	assert_equal "$(grep -c '^from (unnamed), [0-9]* bytes$' "$T/recv.err")" 2
}

@test "unix-dgram: an abstract receiver hears an abstract sender; -vv adds the detail line" {
	"$SOCKCTL" udp-recv -vv -U "@$AB" -c 1 >"$T/recv.out" \
	    2>"$T/recv.err" 3>&- &
	RECV_PID=$!
	track "$RECV_PID"
	wait_for_line "$T/recv.err" "listening on @$AB" || fail "not started"
	sc udp-send -U "@$AB" hello abstract
	assert_success
	recv_done 0
	is_file "$T/recv.out" 'hello abstract\n'
	run cat "$T/recv.err"
	assert_line -n 0 "listening on @$AB"
	assert_line -n 1 --regexp '^from @[0-9a-f]{5}, 14 bytes$'
	assert_line -n 2 "  to @$AB, datagram 1, batch 1 (1 of 1)"
	assert_equal "${#lines[@]}" 3
}

# --- replies ---------------------------------------------------------------

@test "unix-dgram: --echo answers path and abstract senders; an unnamed one is noted once" {
	recv_bg -U "$S/r.sock" --echo
	run pyrun "
d = '$S/r.sock'
a = named('$S/p.sock'); b = named('@$AB-e'); u = unnamed()
for i in range(3):
    u.sendto(b'u%d' % i, d)
a.sendto(b'to-path', d); print(a.recv(100).decode())
b.sendto(b'to-abstract', d); print(b.recv(100).decode())
u.sendto(b'u3', d); a.sendto(b'again', d); print(a.recv(100).decode())"
	assert_success
	assert_output $'to-path\nto-abstract\nagain'
	is_file "$T/recv.out" 'u0\nu1\nu2\nto-path\nto-abstract\nu3\nagain\n'
	assert_equal "$(grep -c '^unnamed senders cannot be answered; their datagrams get no echo$' "$T/recv.err")" 1
	assert_equal "$(grep -c '^from (unnamed), 2 bytes$' "$T/recv.err")" 4
	# Nothing else: no failed echo to an unnamed sender.
	assert_equal "$(wc -l <"$T/recv.err")" 9
}

@test "unix-dgram: --reply sends stdin lines to the most recent named sender" {
	mkfifo "$T/in"
	exec 4<>"$T/in"
	IN=$T/in recv_bg -U "$S/r.sock" --reply
	(pyrun "
d = '$S/r.sock'
a = named('@$AB-r'); u = unnamed()
a.sendto(b'question', d)
u.sendto(b'unnamed after it', d)
open('$T/asked', 'w').write('1')
print(a.recv(100).decode()); print(a.recv(100).decode())" >"$T/py.out") &
	local pid=$!
	wait_for_file "$T/asked" || fail "python did not send"
	wait_for_line "$T/recv.out" "unnamed after it" || fail "not received"
	printf 'answer one\nanswer two\n' >&4
	wait "$pid" || fail "python did not get the replies"
	exec 4>&-
	wait_for_line "$T/recv.err" "unnamed senders cannot be answered; their datagrams get no reply" ||
	    fail "unnamed sender not noted"
	is_file "$T/recv.out" 'question\nunnamed after it\n'
	is_file "$T/py.out" 'answer one\nanswer two\n'
}

@test "unix-dgram: udp-send -r gets replies at its autobound abstract address" {
	(pyrun "
r = named('$S/py.sock')
open('$T/ready', 'w').write('1')
for i in range(2):
    data, a = r.recvfrom(100)
    r.sendto(b'reply to ' + data, a)
print(show(a))" >"$T/py.out") &
	local pid=$!
	track "$pid"
	wait_for_file "$T/ready" || fail "python not ready"
	IN=<(printf 'one\ntwo\n') sc udp-send -U "$S/py.sock" -r -w 5s
	assert_success
	is_file "$T/stdout" 'reply to one\nreply to two\n'
	[[ ! -s $T/stderr ]] || fail "stderr: $(<"$T/stderr")"
	wait_for_exit "$pid" || fail "python still running"
	# Autobind: five hex digits in the abstract namespace, no file.
	run grep -Ex '@[0-9a-f]{5}' "$T/py.out"
	assert_success
}

@test "unix-dgram: udp-send -r to sockctl --echo, both on Unix sockets" {
	recv_bg -U "$S/r.sock" --echo
	sc udp-send -U "$S/r.sock" -r -w 5s ping
	assert_success
	is_file "$T/stdout" 'ping\n'
	wait_for_line "$T/recv.out" "ping" || fail "not printed"
}

# --- records and sizes -------------------------------------------------------

@test "unix-dgram: --lines, --whole and --chunk make the same records as for UDP" {
	local mode
	for mode in --lines --whole "--chunk 4"; do
		rm -f "$S/r.sock"
		recv_bg -U "$S/r.sock" -f json -c "$(case $mode in
		    --whole) echo 1 ;; --lines) echo 3 ;; *) echo 2 ;; esac)"
		# shellcheck disable=SC2086
		IN=<(printf 'ab\ncd\nef') sc udp-send -U "$S/r.sock" $mode
		assert_success
		recv_done 0
		cp "$T/recv.out" "$T/out${mode% *}"
	done
	run sed -E 's/.*"data":("[^"]*").*/\1/' "$T/out--lines"
	assert_output $'"ab"\n"cd"\n"ef"'
	run sed -E 's/.*"data":("[^"]*").*/\1/' "$T/out--whole"
	assert_output '"ab\ncd\nef"'
	run sed -E 's/.*"data":("[^"]*").*/\1/' "$T/out--chunk"
	assert_output $'"ab\\nc"\n"d\\nef"'
}

@test "unix-dgram: a 200 KiB datagram arrives whole, from sockctl and from python" {
	head -c 204800 /dev/urandom >"$T/big"
	recv_bg -U "$S/r.sock" -f raw -c 1
	IN=$T/big sc udp-send -U "$S/r.sock" --whole
	assert_success
	recv_done 0
	cmp "$T/big" "$T/recv.out" || fail "sockctl's datagram was not whole"
	rm -f "$T/recv.out"
	recv_bg -U "$S/r.sock" -f raw -c 1
	run pyrun "
s = unnamed()
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
s.sendto(open('$T/big', 'rb').read(), '$S/r.sock')"
	assert_success
	recv_done 0
	cmp "$T/big" "$T/recv.out" || fail "python's datagram was not whole"
	grep -qx 'from (unnamed), 204800 bytes' "$T/recv.err"
}

@test "unix-dgram: the socket's limit: LIMIT bytes arrive whole, one more is refused with one line" {
	local limit
	# What udp-send asks for, as the kernel grants it, less its 32 bytes.
	limit=$(pyrun "
s = unnamed()
try:
    s.setsockopt(socket.SOL_SOCKET, 32, 1 << 20)  # SO_SNDBUFFORCE
except OSError:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
print(s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) - 32)")
	[[ $limit -gt 200000 ]] || fail "limit $limit"
	head -c "$((limit + 1))" /dev/zero | tr '\0' x >"$T/over"
	head -c "$limit" "$T/over" >"$T/max"
	recv_bg -U "$S/r.sock" -f raw -c 1
	IN=$T/over sc udp-send -U "$S/r.sock" --whole
	assert_failure 1
	[[ ! -s $T/stdout ]] || fail "stdout"
	is_file "$T/stderr" "sockctl udp-send: datagram of $((limit + 1)) bytes is larger than the socket's limit of $limit bytes for $S/r.sock; nothing sent\n"
	IN=$T/max sc udp-send -U "$S/r.sock" --whole
	assert_success
	recv_done 0
	cmp "$T/max" "$T/recv.out" || fail "not whole"
}

@test "unix-dgram: a line over the limit is refused before anything is sent" {
	recv_bg -U "$S/r.sock" -c 1
	head -c 3000000 /dev/zero | tr '\0' y >"$T/long"
	printf '\nshort\n' >>"$T/long"
	IN=$T/long sc udp-send -U "$S/r.sock" --lines
	assert_failure 1
	run grep -Ex "sockctl udp-send: datagram of 3000000 bytes is larger than the socket's limit of [0-9]+ bytes for $S/r.sock; nothing sent" "$T/stderr"
	assert_success
	[[ $(wc -l <"$T/stderr") -eq 1 ]] || fail "not one line"
	sc udp-send -U "$S/r.sock" marker
	assert_success
	recv_done 0
	is_file "$T/recv.out" 'marker\n'
}

# --- the socket file -----------------------------------------------------------

@test "unix-dgram: a stale socket file is replaced; a live receiver's is not" {
	pyrun "named('$S/r.sock')"
	[[ -S $S/r.sock ]] || fail "no stale socket"
	recv_bg -U "$S/r.sock" -c 1
	sc udp-send -U "$S/r.sock" after-stale
	assert_success
	recv_done 0
	is_file "$T/recv.out" 'after-stale\n'
	# A live python receiver keeps its file and its datagrams.
	(pyrun "
r = named('$S/live.sock')
open('$T/ready', 'w').write('1')
print(r.recv(100).decode())" >"$T/py.out") &
	local pid=$!
	track "$pid"
	wait_for_file "$T/ready" || fail "python not ready"
	sc udp-recv -U "$S/live.sock" -c 1
	assert_failure 1
	is_file "$T/stderr" "sockctl udp-recv: bind to $S/live.sock: Address already in use\n"
	sc udp-send -U "$S/live.sock" still-theirs
	assert_success
	wait_for_exit "$pid" || fail "python still running"
	is_file "$T/py.out" 'still-theirs\n'
}

@test "unix-dgram: a regular file, a FIFO or a directory at PATH is refused and left intact" {
	printf 'keep me\n' >"$S/file"
	sc udp-recv -U "$S/file" -c 1
	assert_failure 1
	[[ ! -s $T/stdout ]] || fail "stdout"
	is_file "$T/stderr" "sockctl udp-recv: bind to $S/file: is a regular file, not a socket (not replaced)\n"
	is_file "$S/file" 'keep me\n'
	mkfifo "$S/fifo"
	sc udp-recv -U "$S/fifo" -c 1
	assert_failure 1
	is_file "$T/stderr" "sockctl udp-recv: bind to $S/fifo: is a FIFO, not a socket (not replaced)\n"
	[[ -p $S/fifo ]] || fail "FIFO gone"
	mkdir "$S/dir"
	sc udp-recv -U "$S/dir" -c 1
	assert_failure 1
	is_file "$T/stderr" "sockctl udp-recv: bind to $S/dir: is a directory, not a socket (not replaced)\n"
}

@test "unix-dgram: the socket file is removed at exit: -c, -w, SIGTERM and SIGINT" {
	local sig
	recv_bg -U "$S/r.sock" -c 1
	[[ -S $S/r.sock ]] || fail "no socket file"
	sc udp-send -U "$S/r.sock" x
	recv_done 0
	[[ ! -e $S/r.sock ]] || fail "left behind after -c"
	sc udp-recv -U "$S/r.sock" -w 100ms
	assert_failure 1
	[[ ! -e $S/r.sock ]] || fail "left behind after -w"
	for sig in TERM INT; do
		# -c too: a signal before the count is reached.
		recv_bg -U "$S/r.sock" -c 5
		sc udp-send -U "$S/r.sock" before-$sig
		wait_for_line "$T/recv.out" "before-$sig" || fail "not received"
		kill -"$sig" "$RECV_PID"
		recv_done 0
		[[ ! -e $S/r.sock ]] || fail "left behind after SIG$sig"
		is_file "$T/recv.out" "before-$sig\n"
	done
}

@test "unix-dgram: udp-send to no receiver: one line, exit 1" {
	sc udp-send -U "$S/none.sock" x
	assert_failure 1
	is_file "$T/stderr" "sockctl udp-send: connect to $S/none.sock: No such file or directory\n"
	pyrun "named('$S/stale.sock')"
	sc udp-send -U "$S/stale.sock" x
	assert_failure 1
	is_file "$T/stderr" "sockctl udp-send: connect to $S/stale.sock: Connection refused\n"
	sc udp-send -U "@$AB-nobody" x
	assert_failure 1
	is_file "$T/stderr" "sockctl udp-send: connect to @$AB-nobody: Connection refused\n"
}

# --- usage errors ---------------------------------------------------------------

@test "unix-dgram: usage: PATH missing, empty, too long or extra" {
	local long
	long=$(printf '%0108d' 0)
	sc udp-recv -U
	usage_error udp-recv "missing PATH"
	sc udp-recv -U ''
	usage_error udp-recv "invalid socket path '': empty path"
	sc udp-recv -U "/$long"
	usage_error udp-recv "invalid socket path '/$long': too long (at most 107 bytes)"
	sc udp-recv -U a b
	usage_error udp-recv "extra argument 'b'"
	sc udp-send -U
	usage_error udp-send "missing PATH"
	sc udp-send -U '' msg
	usage_error udp-send "invalid socket path '': empty path"
	sc udp-send -U "@$long" msg
	usage_error udp-send "invalid socket path '@$long': too long (at most 107 bytes after '@')"
}

@test "unix-dgram: usage: IP-only options with -U" {
	sc udp-recv -U -4 "$S/r.sock"
	usage_error udp-recv "-4 cannot be used with -U"
	sc udp-recv -U -6 "$S/r.sock"
	usage_error udp-recv "-6 cannot be used with -U"
	sc udp-recv -U -j 239.1.2.3 "$S/r.sock"
	usage_error udp-recv "-j cannot be used with -U"
	sc udp-recv -U --port-file "$T/pf" "$S/r.sock"
	usage_error udp-recv "--port-file cannot be used with -U (the socket's path is known)"
	sc udp-send -U -4 "$S/r.sock" x
	usage_error udp-send "-4 cannot be used with -U"
	sc udp-send -U -6 "$S/r.sock" x
	usage_error udp-send "-6 cannot be used with -U"
	sc udp-send -U -s 127.0.0.1 "$S/r.sock" x
	usage_error udp-send "-s and -p cannot be used with -U"
	sc udp-send -U -p 5000 "$S/r.sock" x
	usage_error udp-send "-s and -p cannot be used with -U"
	sc udp-send -U --broadcast "$S/r.sock" x
	usage_error udp-send "--broadcast cannot be used with -U"
	sc udp-send -U --ttl 3 "$S/r.sock" x
	usage_error udp-send "--ttl cannot be used with -U"
	sc udp-send -U --whole "$S/r.sock" x
	usage_error udp-send "--lines, --whole and --chunk read stdin; they cannot be used with MESSAGE arguments"
	[[ ! -e $S/r.sock ]] || fail "a usage error created the socket"
}
