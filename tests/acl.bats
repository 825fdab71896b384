#!/usr/bin/env bats
# Access control on every server (cli.md, "Access control"): --allow,
# --deny, --allowfile and --denyfile on listen (stdio, -k, -e), serve-http,
# chat -l, udp-recv and forward (TCP and --udp).  Clients come from 127.0.0.2 to be refused while
# 127.0.0.1 is let in (all of 127/8 is loopback).  A refused TCP client is
# shown to be closed at once by reading to EOF (a hang fails the test);
# that nothing else happened is shown by what the allowed client that
# comes after it gets, and by the files an -e child would write.

load test_helper/stream

# knock FAMILY SRC DST PORT [DATA]: connects from SRC, sends DATA, reads
# to EOF (or a reset) and prints "SRCPORT BYTES-RECEIVED".  Times out
# (fails) if the server keeps the connection open.
knock() {
	timeout 20 "$PYTHON3" -c '
import socket, sys
fam, src, dst, port = sys.argv[1:5]
data = sys.argv[5].encode() if len(sys.argv) > 5 else b""
c = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET)
c.settimeout(10)
c.bind((src, 0))
c.connect((dst, int(port)))
sport, got = c.getsockname()[1], b""
try:
    if data:
        c.sendall(data)
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += b
except (ConnectionResetError, BrokenPipeError):
    pass
print(sport, len(got))
' "$@"
}

# refused_ok FAMILY SRC DST PORT [DATA]: knock, and the client got nothing
# but the close; sets $SPORT to its port.
refused_ok() {
	local out
	out=$(knock "$@") || fail "the refused client was not closed"
	[[ $out =~ ^([0-9]+)\ 0$ ]] || fail "the refused client got data: $out"
	SPORT=${BASH_REMATCH[1]}
}

# usage_is CMD MESSAGE: the last `run --separate-stderr` was a usage
# error of CMD: exit 2, nothing on stdout, exactly the two lines.
usage_is() {
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" "sockctl $1: $2"$'\n'"Try 'sockctl $1 --help'."
}

# --- usage errors ---------------------------------------------------------

@test "acl: bad SPECs are usage errors naming them, on every server" {
	local cmd
	for cmd in listen udp-recv; do
		run --separate-stderr timeout 10 "$SOCKCTL" $cmd --allow 10.0.0.0/33 0
		usage_is $cmd "invalid address '10.0.0.0/33': prefix length too large (0-32)"
		run --separate-stderr timeout 10 "$SOCKCTL" $cmd --deny example.com 0
		usage_is $cmd "invalid address 'example.com': a host name, not an IPv4 or IPv6 address"
		run --separate-stderr timeout 10 "$SOCKCTL" $cmd --allow 1.2.3.4/ 0
		usage_is $cmd "invalid address '1.2.3.4/': missing prefix length"
	done
	run --separate-stderr timeout 10 "$SOCKCTL" chat -l --deny ::1/129 0
	usage_is chat "invalid address '::1/129': prefix length too large (0-128)"
	run --separate-stderr timeout 10 "$SOCKCTL" serve-http -p 0 --allow example.com "$T"
	usage_is serve-http "invalid address 'example.com': a host name, not an IPv4 or IPv6 address"
}

@test "acl: an unreadable file is a usage error naming it and the option" {
	run --separate-stderr timeout 10 "$SOCKCTL" listen --allowfile "$T/nope" 0
	usage_is listen "--allowfile $T/nope: No such file or directory"
	run --separate-stderr timeout 10 "$SOCKCTL" udp-recv --denyfile "$T" 0
	usage_is udp-recv "--denyfile $T: Is a directory"
	run --separate-stderr timeout 10 "$SOCKCTL" serve-http -p 0 --denyfile "$T/nope" "$T"
	usage_is serve-http "--denyfile $T/nope: No such file or directory"
	run --separate-stderr timeout 10 "$SOCKCTL" chat -l --allowfile "$T/nope" 0
	usage_is chat "--allowfile $T/nope: No such file or directory"
}

@test "acl: a bad SPEC in a file names the file and line" {
	printf '# ok so far\n\n127.0.0.1 ::1\n10.0.0.0/8 1.2.3.4/ # here\n' >"$T/allow"
	run --separate-stderr timeout 10 "$SOCKCTL" listen --allowfile "$T/allow" 0
	usage_is listen "invalid address '1.2.3.4/' in $T/allow line 4: missing prefix length"
}

@test "acl: the options are for a room: chat without -l refuses them" {
	run --separate-stderr timeout 10 "$SOCKCTL" chat --deny 127.0.0.2 127.0.0.1 1
	usage_is chat "--deny is for a room, with -l"
}

# --- listen ---------------------------------------------------------------

@test "acl: listen --deny closes a client unread, then serves an allowed one" {
	start_server_in listen -v --deny 127.0.0.2 127.0.0.1 0 \
	    <<<"to the allowed" >"$T/out" 2>"$T/err"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT" "from the refused"
	run timeout 20 bash -c 'printf "from the allowed" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output "to the allowed"
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" "from the allowed"
	run grep -c . "$T/err"
	assert_output 4
	run sed -n 2p "$T/err"
	assert_output "refused 127.0.0.2 port $SPORT (denied)"
	run sed -n 3p "$T/err"
	assert_output --regexp '^connection from 127\.0\.0\.1 port [0-9]+$'
}

@test "acl: listen without -k keeps waiting after a refusal, within -w" {
	start_server listen -w 1s --allow 127.0.0.1 127.0.0.1 0 \
	    >"$T/out" 2>"$T/err"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT" "x"
	reap "$SERVER_PID"
	assert_equal "$status" 1
	assert_equal "$(<"$T/out")" ""
	assert_equal "$(<"$T/err")" "sockctl listen: no connection within 1 s"
}

@test "acl: listen -k -e starts no child for a refused client" {
	start_server listen -k -v --allow 127.0.0.1 \
	    -e 'echo "$SOCKCTL_PEER_ADDR" >>"$T/children"; exec cat' \
	    127.0.0.1 0 2>"$T/err"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT" "x"
	refused_ok 4 127.0.0.3 127.0.0.1 "$PORT"
	run timeout 20 bash -c 'printf "echo me" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output "echo me"
	assert_equal "$(<"$T/children")" "127.0.0.1"
	run grep '^refused' "$T/err"
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^refused 127\.0\.0\.2 port [0-9]+ \(not allowed\)$'
	assert_regex "${lines[1]}" '^refused 127\.0\.0\.3 port [0-9]+ \(not allowed\)$'
}

@test "acl: listen -e refused clients take no -m slot" {
	start_server listen -k -m 1 --deny 127.0.0.2 \
	    -e 'echo "$SOCKCTL_PEER_ADDR" >>"$T/children"; exec cat' \
	    127.0.0.1 0
	local i
	for i in 1 2 3; do
		refused_ok 4 127.0.0.2 127.0.0.1 "$PORT" "x"
	done
	run timeout 20 bash -c 'printf "still room" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output "still room"
	assert_equal "$(<"$T/children")" "127.0.0.1"
}

@test "acl: deny wins over allow" {
	start_server listen -k -v --allow 127.0.0.0/8 --deny 127.0.0.2/32 \
	    -e 'exec cat' 127.0.0.1 0 2>"$T/err"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT"
	run timeout 20 bash -c 'printf "three" | "$SOCKCTL" connect -s 127.0.0.3 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output "three"
	run grep '^refused' "$T/err"
	assert_output "refused 127.0.0.2 port $SPORT (denied)"
}

@test "acl: a dual-stack listener matches an IPv4 client against IPv4 rules" {
	need_ipv6
	start_server listen -k -v --allow 127.0.0.1 -e 'exec cat' 0 2>"$T/err"
	run grep '^listening' "$T/err"
	assert_output "listening on :: port $PORT"
	run timeout 20 bash -c 'printf "v4" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output "v4"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT"
	local sport2=$SPORT
	refused_ok 6 ::1 ::1 "$PORT"
	run grep '^refused' "$T/err"
	assert_equal "${#lines[@]}" 2
	assert_equal "${lines[0]}" "refused 127.0.0.2 port $sport2 (not allowed)"
	assert_equal "${lines[1]}" "refused ::1 port $SPORT (not allowed)"
}

@test "acl: IPv6 rules: --deny ::1 refuses ::1 and lets 127.0.0.1 in" {
	need_ipv6
	start_server listen -k -v --deny ::1 -e 'exec cat' 0 2>"$T/err"
	refused_ok 6 ::1 ::1 "$PORT" "x"
	run timeout 20 bash -c 'printf "v4" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_output "v4"
	run grep '^refused' "$T/err"
	assert_output "refused ::1 port $SPORT (denied)"
}

@test "acl: IPv6 rules: --allow ::1 lets only ::1 in" {
	need_ipv6
	start_server listen -k -v --allow ::1 -e 'exec cat' ::1 0 2>"$T/err"
	run timeout 20 bash -c 'printf "v6" | "$SOCKCTL" connect ::1 "$1"' _ "$PORT"
	assert_success
	assert_output "v6"
	start_server listen -k -v --allow ::1/128 -e 'exec cat' 0 2>"$T/err2"
	refused_ok 4 127.0.0.1 127.0.0.1 "$PORT"
	run grep '^refused' "$T/err2"
	assert_output "refused 127.0.0.1 port $SPORT (not allowed)"
}

@test "acl: files with comments, blank lines and several SPECs a line" {
	printf '# who may in\n\n   \n127.0.0.1 127.0.0.2 # two\r\n\t127.0.0.4/32\n' >"$T/allow"
	printf '# nobody\n' >"$T/deny-none"
	printf '127.0.0.2\n' >"$T/deny"
	start_server listen -k -v --allowfile "$T/allow" --denyfile "$T/deny-none" \
	    --denyfile "$T/deny" -e 'exec cat' 127.0.0.1 0 2>"$T/err"
	run timeout 20 bash -c 'printf "one" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_output "one"
	run timeout 20 bash -c 'printf "four" | "$SOCKCTL" connect -s 127.0.0.4 127.0.0.1 "$1"' _ "$PORT"
	assert_output "four"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT"
	local two=$SPORT
	refused_ok 4 127.0.0.3 127.0.0.1 "$PORT"
	run grep '^refused' "$T/err"
	assert_equal "${#lines[@]}" 2
	assert_equal "${lines[0]}" "refused 127.0.0.2 port $two (denied)"
	assert_equal "${lines[1]}" "refused 127.0.0.3 port $SPORT (not allowed)"
}

@test "acl: an empty --allowfile lets nobody in" {
	printf '# nobody yet\n' >"$T/allow"
	start_server listen -k --allowfile "$T/allow" -e 'exec cat' 127.0.0.1 0
	refused_ok 4 127.0.0.1 127.0.0.1 "$PORT" "x"
}

@test "acl: -U clients are not filtered" {
	"$SOCKCTL" listen -U "$T/sock" --allow 10.0.0.1 <<<"hi" >"$T/out" 3>&- &
	track $!
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		[[ -S $T/sock ]] && break
		sleep 0.02
	done
	run timeout 20 bash -c 'printf "unix" | "$SOCKCTL" connect -U "$1"' _ "$T/sock"
	assert_success
	assert_output "hi"
}

# --- serve-http -----------------------------------------------------------

@test "acl: serve-http answers an allowed client and closes a refused one unanswered" {
	echo hello >"$T/hello.txt"
	start_server serve-http -v -p 0 --deny 127.0.0.2 "$T" 2>"$T/err"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT" $'GET /hello.txt HTTP/1.0\r\n\r\n'
	run timeout 20 curl -s "http://127.0.0.1:$PORT/hello.txt"
	assert_success
	assert_output hello
	run grep '^refused' "$T/err"
	assert_output "refused 127.0.0.2 port $SPORT (denied)"
	run timeout 20 curl -s --interface 127.0.0.3 "http://127.0.0.1:$PORT/hello.txt"
	assert_output hello
}

@test "acl: serve-http refuses before -m's 503 and refused clients take no slot" {
	echo hello >"$T/hello.txt"
	start_server serve-http -p 0 -m 1 --allow 127.0.0.1 "$T"
	py held <<PY
c = dial($PORT)
c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
got = b""
while not got.endswith(b"hello\n"):
    got += c.recv(4096)
put("held", "in")
time.sleep(30)
PY
	py_bg held
	wait_for_file "$T/held"
	# The one slot is taken: an allowed client gets 503, a refused one
	# nothing at all.
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT" $'GET / HTTP/1.0\r\n\r\n'
	run timeout 20 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/hello.txt"
	assert_output 503
}

@test "acl: serve-http on :: matches IPv4 clients against an IPv4 allow" {
	need_ipv6
	echo hello >"$T/hello.txt"
	start_server serve-http -p 0 -b :: --allow 127.0.0.1 "$T"
	run timeout 20 curl -s "http://127.0.0.1:$PORT/hello.txt"
	assert_output hello
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT" $'GET / HTTP/1.0\r\n\r\n'
	refused_ok 6 ::1 ::1 "$PORT" $'GET / HTTP/1.0\r\n\r\n'
}

# --- chat -l --------------------------------------------------------------

@test "acl: chat -l: a refused client gets no welcome and nobody sees it join" {
	start_server chat -l -v --deny 127.0.0.2 127.0.0.1 0 2>"$T/err"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT" $'hello\n'
	run timeout 20 bash -c 'printf "/quit\n" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_line --index 0 "* welcome to the room, user1; /help lists the commands"
	run grep -E '^(refused|user)' "$T/err"
	assert_line --index 0 "refused 127.0.0.2 port $SPORT (denied)"
	assert_line --index 1 --regexp '^user1 joined from 127\.0\.0\.1 port [0-9]+$'
}

@test "acl: chat -l: refused clients do not fill the room (-m 1)" {
	start_server chat -l -m 1 --allow 127.0.0.1 127.0.0.1 0
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT"
	refused_ok 4 127.0.0.3 127.0.0.1 "$PORT"
	run timeout 20 bash -c 'printf "/quit\n" | "$SOCKCTL" connect 127.0.0.1 "$1"' _ "$PORT"
	assert_success
	assert_line --index 0 "* welcome to the room, user1; /help lists the commands"
}

@test "acl: chat -l on the wildcard address: --allow ::1 and --deny 127.0.0.0/8" {
	need_ipv6
	start_server chat -l -v --allow ::1 --allow 127.0.0.0/8 --deny 127.0.0.0/8 0 2>"$T/err"
	refused_ok 4 127.0.0.1 127.0.0.1 "$PORT"
	run timeout 20 bash -c 'printf "/quit\n" | "$SOCKCTL" connect ::1 "$1"' _ "$PORT"
	assert_success
	assert_line --index 0 "* welcome to the room, user1; /help lists the commands"
	run grep '^refused' "$T/err"
	assert_output "refused 127.0.0.1 port $SPORT (denied)"
}

# --- udp-recv -------------------------------------------------------------

@test "acl: udp-recv drops a refused sender's datagram before it is printed or counted" {
	start_server udp-recv -v -c 1 --deny 127.0.0.2 127.0.0.1 0 \
	    >"$T/out" 2>"$T/err"
	run timeout 10 "$SOCKCTL" udp-send -s 127.0.0.2 127.0.0.1 "$PORT" refused
	assert_success
	run timeout 10 "$SOCKCTL" udp-send 127.0.0.1 "$PORT" allowed
	assert_success
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" "allowed"
	run grep -E '^(refused|from)' "$T/err"
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^refused 127\.0\.0\.2 port [0-9]+ \(denied\)$'
	assert_regex "${lines[1]}" '^from 127\.0\.0\.1 port [0-9]+, 7 bytes$'
}

@test "acl: udp-recv --echo answers allowed senders only" {
	start_server udp-recv --echo --allow 127.0.0.1 127.0.0.1 0 >"$T/out"
	run timeout 20 "$PYTHON3" -c '
import socket, sys
port = int(sys.argv[1])
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.2", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.bind(("127.0.0.1", 0))
b.settimeout(10)
a.sendto(b"refused", ("127.0.0.1", port))
b.sendto(b"allowed", ("127.0.0.1", port))
print(b.recv(100).decode())
a.setblocking(False)
try:
    print("refused got", a.recv(100))
except BlockingIOError:
    print("refused got nothing")
' "$PORT"
	assert_success
	assert_output $'allowed\nrefused got nothing'
	assert_equal "$(<"$T/out")" "allowed"
}

@test "acl: udp-recv --reply: a refused sender does not become the target" {
	mkfifo "$T/in"
	"$SOCKCTL" udp-recv -v --reply --port-file "$T/port" --deny 127.0.0.2 \
	    127.0.0.1 0 <"$T/in" >"$T/out" 2>"$T/err" 3>&- &
	track $!
	exec 4>"$T/in"
	wait_for_file "$T/port"
	PORT=$(<"$T/port")
	py rep <<PY
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.2", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.bind(("127.0.0.1", 0))
b.settimeout(10)
b.sendto(b"allowed", ("127.0.0.1", $PORT))
a.sendto(b"refused", ("127.0.0.1", $PORT))
put("sent", "%d" % a.getsockname()[1])
while not os.path.exists(os.path.join(T, "go")):
    time.sleep(0.02)
reply = b.recv(100)
a.setblocking(False)
try:
    other = a.recv(100)
except BlockingIOError:
    other = b"nothing"
put("result", reply + b" | " + other)
PY
	py_bg rep
	wait_for_file "$T/sent"
	wait_for_line "$T/err" "^refused 127\\.0\\.0\\.2 port $(<"$T/sent") \\(denied\\)\$"
	echo "the reply" >&4
	touch "$T/go"
	wait_for_file "$T/result"
	exec 4>&-
	assert_equal "$(<"$T/result")" "the reply | nothing"
	assert_equal "$(<"$T/out")" "allowed"
}

@test "acl: udp-recv on the wildcard address matches IPv4 senders against IPv4 rules" {
	need_ipv6
	start_server udp-recv -v -c 2 --allow 127.0.0.1 --allow ::1 0 \
	    >"$T/out" 2>"$T/err"
	run timeout 10 "$SOCKCTL" udp-send -s 127.0.0.2 127.0.0.1 "$PORT" refused
	run timeout 10 "$SOCKCTL" udp-send 127.0.0.1 "$PORT" four
	run timeout 10 "$SOCKCTL" udp-send ::1 "$PORT" six
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/out")" $'four\nsix'
	run grep '^refused' "$T/err"
	assert_output --regexp '^refused 127\.0\.0\.2 port [0-9]+ \(not allowed\)$'
}

@test "acl: forward closes a refused client before connecting it to TARGET" {
	start_server listen -k -e 'printf hello' 127.0.0.1 0 </dev/null \
	    >/dev/null 2>"$T/backend.err"
	local backend=$PORT
	start_server forward -v --deny 127.0.0.2 127.0.0.1:0 \
	    "127.0.0.1:$backend" </dev/null >/dev/null 2>"$T/err"
	refused_ok 4 127.0.0.2 127.0.0.1 "$PORT"
	run knock 4 127.0.0.1 127.0.0.1 "$PORT"
	assert_success
	assert_regex "$output" '^[0-9]+ 5$'
	wait_for_line "$T/err" '^refused ' || fail "no refusal line"
	run grep -c '^refused ' "$T/err"
	assert_output 1
	run grep '^refused ' "$T/err"
	assert_output "refused 127.0.0.2 port $SPORT (denied)"
}

@test "acl: forward --udp drops a refused sender's datagrams" {
	start_server udp-recv --echo 127.0.0.1 0 </dev/null >/dev/null
	local backend=$PORT
	start_server forward --udp -v --allow 127.0.0.1 127.0.0.1:0 \
	    "127.0.0.1:$backend" </dev/null >/dev/null 2>"$T/err"
	run --separate-stderr timeout 10 "$SOCKCTL" udp-send -r -w 300ms \
	    -s 127.0.0.2 127.0.0.1 "$PORT" refused
	assert_failure 1
	refute_output
	assert_equal "$stderr" "sockctl udp-send: no reply within 300 ms"
	run timeout 10 "$SOCKCTL" udp-send -r -w 2s 127.0.0.1 "$PORT" allowed
	assert_success
	assert_output allowed
	run grep -E '^refused 127\.0\.0\.2 port [0-9]+ \(not allowed\)$' "$T/err"
	assert_success
}
