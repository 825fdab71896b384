#!/usr/bin/env bats
#
# sockctl proxy (design/cli.md, "sockctl proxy") against real clients:
# curl through SOCKS5, SOCKS5 with names, SOCKS4, SOCKS4a, HTTP CONNECT
# and absolute-form HTTP, with and without credentials; ncat's SOCKS and
# CONNECT tunnels to an echo backend; a python SOCKS5 UDP ASSOCIATE
# client (fixtures/socks5udp.py); raw hostile bytes (fixtures/
# socksprobe.py).  Origins are python's http.server (fixtures/
# httppeer.py) and fwdpeer.py's echo.  Every server binds port 0 and is
# found through its port file; every wait is bounded.

load test_helper/common

bats_require_minimum_version 1.5.0

if [[ -z ${PYTHON3:-} ]]; then
	PYTHON3=python3
	[[ -x /usr/bin/python3 ]] && PYTHON3=/usr/bin/python3
fi
export PYTHON3

FIX=$BATS_TEST_DIRNAME/fixtures
CURL=(timeout 20 curl -sS --max-time 15)

setup() {
	T=$BATS_TEST_TMPDIR
	head -c 1048576 /dev/urandom > "$T/mib"
	printf 'hello, proxy\n' > "$T/hello"
}

# px ARGS...: starts `sockctl proxy -v ARGS 0`, stderr in $T/err; sets
# PORT (the proxy's) and SERVER_PID.
px() {
	start_server proxy -v "$@" 0 2>"$T/err"
}

# origin: the HTTP origin serving $T; sets HPORT, requests in $T/reqs.
origin() {
	local pf=$T/hport.$((++_nserver))
	timeout 120 "$PYTHON3" "$FIX/httppeer.py" --port-file "$pf" \
	    --dir "$T" --out "$T/reqs" 3>&- &
	track $!
	wait_for_file "$pf" || return 1
	HPORT=$(<"$pf")
}

# echo_backend: fwdpeer.py's echo server; sets BPORT.
echo_backend() {
	local pf=$T/bport.$((++_nserver))
	timeout 120 "$PYTHON3" "$FIX/fwdpeer.py" --port-file "$pf" echo 3>&- &
	track $!
	wait_for_file "$pf" || return 1
	BPORT=$(<"$pf")
}

# wait_for_line FILE REGEX: until a line of FILE matches, bounded.
wait_for_line() {
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	echo "no line /$2/ in $1:" >&2
	cat "$1" >&2
	return 1
}

# wait_established N: until N clients are connected to the proxy.
wait_established() {
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		[[ $(ss -Htn state established "dport = :$PORT" | wc -l) -ge $1 ]] &&
		    return 0
		sleep 0.02
	done
	return 1
}

probe() {
	timeout 20 "$PYTHON3" "$FIX/socksprobe.py" "$PORT" "$@"
}

# "127.0.0.1 port 50122: socks5 CONNECT host port 80: sent ..."
LINE='^127\.0\.0\.1 port [0-9]+: '
BYTES='sent [0-9]+ bytes, received [0-9]+ bytes in [0-9.]+ s'

@test "proxy: curl --socks5 fetches 1 MiB byte-exact; the -v lines" {
	origin
	px
	run "${CURL[@]}" --socks5 "127.0.0.1:$PORT" -o "$T/got" \
	    "http://127.0.0.1:$HPORT/f/mib"
	assert_success
	cmp "$T/mib" "$T/got"
	wait_for_line "$T/err" "socks5 CONNECT"
	run cat "$T/err"
	assert_line --index 0 "proxying on 127.0.0.1 port $PORT"
	assert_line --index 1 --regexp "${LINE}socks5 CONNECT 127\.0\.0\.1 port $HPORT: sent [0-9]+ bytes, received 104[0-9]{4} bytes in [0-9]+\.[0-9]{2} s$"
}

@test "proxy: curl --socks5-hostname: the proxy resolves the name" {
	origin
	px
	run "${CURL[@]}" --socks5-hostname "127.0.0.1:$PORT" -o "$T/got" \
	    "http://localhost:$HPORT/f/mib"
	assert_success
	cmp "$T/mib" "$T/got"
	wait_for_line "$T/err" "${LINE}socks5 CONNECT localhost port $HPORT: $BYTES$"
}

@test "proxy: curl --socks4 and --socks4a fetch 1 MiB byte-exact" {
	origin
	px
	run "${CURL[@]}" --socks4 "127.0.0.1:$PORT" -o "$T/got4" \
	    "http://127.0.0.1:$HPORT/f/mib"
	assert_success
	cmp "$T/mib" "$T/got4"
	run "${CURL[@]}" --socks4a "127.0.0.1:$PORT" -o "$T/got4a" \
	    "http://localhost:$HPORT/f/mib"
	assert_success
	cmp "$T/mib" "$T/got4a"
	wait_for_line "$T/err" "${LINE}socks4 CONNECT 127\.0\.0\.1 port $HPORT: $BYTES$"
	wait_for_line "$T/err" "${LINE}socks4a CONNECT localhost port $HPORT: $BYTES$"
}

@test "proxy: curl -p -x http:// tunnels with CONNECT, 1 MiB each way" {
	origin
	px
	run "${CURL[@]}" -p -x "http://127.0.0.1:$PORT" -o "$T/got" \
	    "http://127.0.0.1:$HPORT/f/mib"
	assert_success
	cmp "$T/mib" "$T/got"
	run "${CURL[@]}" -p -x "http://127.0.0.1:$PORT" -o "$T/back" \
	    --data-binary @"$T/mib" "http://127.0.0.1:$HPORT/echo"
	assert_success
	cmp "$T/mib" "$T/back"
	wait_for_line "$T/err" "${LINE}http CONNECT 127\.0\.0\.1 port $HPORT: sent 10487[0-9]{2} bytes"
}

@test "proxy: an absolute-form GET goes to the origin in origin form, hop-by-hop headers gone" {
	origin
	px
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" \
	    -H 'Proxy-Connection: keep-alive' -H 'Keep-Alive: 5' \
	    -H 'Connection: X-Secret' -H 'X-Secret: 1' -H 'X-Kept: yes' \
	    "http://127.0.0.1:$HPORT/f/hello?q=1#frag"
	assert_success
	assert_output "hello, proxy"
	run cat "$T/reqs"
	assert_output "> GET /f/hello?q=1 HTTP/1.1
> Host: 127.0.0.1:$HPORT
> User-Agent: $(curl --version | awk 'NR == 1 { print "curl/" $2 }')
> Accept: */*
> X-Kept: yes
> Connection: close"
	wait_for_line "$T/err" "${LINE}http GET 127\.0\.0\.1 port $HPORT: $BYTES$"
}

@test "proxy: absolute-form requests keep the client's connection alive" {
	origin
	px
	run "${CURL[@]}" -v -x "http://127.0.0.1:$PORT" -o "$T/a" \
	    "http://127.0.0.1:$HPORT/f/hello" -o "$T/b" \
	    "http://localhost:$HPORT/chunked/hello"
	assert_success
	assert_output --partial "Re-using existing connection"
	cmp "$T/hello" "$T/a"
	cmp "$T/hello" "$T/b"
	wait_for_line "$T/err" "http GET localhost"
	run grep -c "^127\.0\.0\.1 port [0-9]*: http GET" "$T/err"
	assert_output 2
	# Both requests came on one client connection: one client port.
	run sh -c "grep ': http GET' '$T/err' | cut -d: -f1 | sort -u | wc -l"
	assert_output 1
}

@test "proxy: 1 MiB byte-exact through length, chunked and close-framed responses and both request framings" {
	origin
	px
	local k
	for k in f chunked close; do
		run "${CURL[@]}" -x "http://127.0.0.1:$PORT" -o "$T/got.$k" \
		    "http://127.0.0.1:$HPORT/$k/mib"
		assert_success
		cmp "$T/mib" "$T/got.$k"
	done
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" -o "$T/post" \
	    --data-binary @"$T/mib" "http://127.0.0.1:$HPORT/echo"
	assert_success
	cmp "$T/mib" "$T/post"
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" -o "$T/postc" \
	    -H 'Transfer-Encoding: chunked' --data-binary @"$T/mib" \
	    "http://127.0.0.1:$HPORT/echo"
	assert_success
	cmp "$T/mib" "$T/postc"
}

@test "proxy: ncat's socks5, socks4 and http tunnels carry 1 MiB each way to an echo backend" {
	echo_backend
	px
	local t
	for t in socks5 socks4 http; do
		timeout 20 ncat --proxy "127.0.0.1:$PORT" --proxy-type "$t" \
		    127.0.0.1 "$BPORT" < "$T/mib" > "$T/out.$t"
		cmp "$T/mib" "$T/out.$t"
	done
	wait_for_line "$T/err" "${LINE}http CONNECT 127\.0\.0\.1 port $BPORT: sent 1048576 bytes, received 1048576 bytes"
	run grep -Ec "(socks5|socks4) CONNECT 127\.0\.0\.1 port $BPORT: sent 1048576 bytes, received 1048576 bytes" "$T/err"
	assert_output 2
}

@test "proxy: bytes sent with the request reach the destination first, and the EOF after them" {
	echo_backend
	px
	# Greeting, request, "hello" and EOF in one go: the echo comes back.
	run probe 050100050100017f000001$(printf '%04x' "$BPORT")68656c6c6f
	assert_line --index 0 --regexp '^0500050000017f000001[0-9a-f]{4}68656c6c6f$'
	assert_line --index 1 EOF
	wait_for_line "$T/err" "${LINE}socks5 CONNECT 127\.0\.0\.1 port $BPORT: sent 5 bytes, received 5 bytes in [0-9.]+ s$"
}

@test "proxy: -6 listens on ::1 and reaches IPv6 destinations only" {
	local pf=$T/b6
	timeout 60 "$PYTHON3" "$FIX/fwdpeer.py" --port-file "$pf" --ipv6 \
	    echo 3>&- &
	track $!
	wait_for_file "$pf"
	px -6
	[[ $(ss -Hltn "sport = :$PORT" | awk '{ print $4 }') == "[::1]:$PORT" ]]
	printf 'over six\n' > "$T/six"
	timeout 20 ncat -6 --proxy "[::1]:$PORT" --proxy-type socks5 ::1 \
	    "$(<"$pf")" < "$T/six" > "$T/six.socks"
	cmp "$T/six" "$T/six.socks"
	timeout 20 ncat -6 --proxy "[::1]:$PORT" --proxy-type http ::1 \
	    "$(<"$pf")" < "$T/six" > "$T/six.http"
	cmp "$T/six" "$T/six.http"
	# An IPv4 destination: SOCKS5 reply 8, address type not supported.
	run timeout 20 "$PYTHON3" -c '
import socket, sys
c = socket.create_connection(("::1", int(sys.argv[1])), timeout=10)
c.sendall(bytes.fromhex("050100" "050100017f0000010050"))
print(c.recv(2).hex(), c.recv(10).hex())' "$PORT"
	assert_output "0500 05080001000000000000"
	wait_for_line "$T/err" "^::1 port [0-9]+: socks5 CONNECT \\[::1\\] port $(<"$pf"): $BYTES$"
	wait_for_line "$T/err" "^::1 port [0-9]+: http CONNECT \[::1\] port $(<"$pf"): $BYTES$"
	wait_for_line "$T/err" "^::1 port [0-9]+: socks5 CONNECT 127\.0\.0\.1 port 80: $BYTES: refused: no address of the family asked for$"
}

@test "proxy: --auth-file credentials through socks5://u:p@ and --proxy-user, GET and CONNECT" {
	printf '# users\n\nalice:pa:ss\nbob:pw\n' > "$T/users"
	origin
	px --auth-file "$T/users"
	run "${CURL[@]}" -x "socks5://alice:pa:ss@127.0.0.1:$PORT" \
	    "http://127.0.0.1:$HPORT/f/hello"
	assert_success
	assert_output "hello, proxy"
	run "${CURL[@]}" -x "socks5h://bob:pw@127.0.0.1:$PORT" -o "$T/got" \
	    "http://localhost:$HPORT/f/mib"
	assert_success
	cmp "$T/mib" "$T/got"
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" --proxy-user bob:pw \
	    "http://127.0.0.1:$HPORT/f/hello"
	assert_success
	assert_output "hello, proxy"
	run "${CURL[@]}" -p -x "http://127.0.0.1:$PORT" \
	    --proxy-user alice:pa:ss "http://127.0.0.1:$HPORT/f/hello"
	assert_success
	assert_output "hello, proxy"
	# The origin never sees the proxy's credentials.
	run grep -ci 'proxy-authorization' "$T/reqs"
	assert_output 0
}

@test "proxy: refusals without or with wrong credentials, in each protocol" {
	printf 'bob:pw\n' > "$T/users"
	origin
	px --auth-file "$T/users"
	run "${CURL[@]}" --socks5 "127.0.0.1:$PORT" \
	    "http://127.0.0.1:$HPORT/f/hello"
	assert_failure 97
	run "${CURL[@]}" -x "socks5://bob:px@127.0.0.1:$PORT" \
	    "http://127.0.0.1:$HPORT/f/hello"
	assert_failure 97
	run probe 050100 --wait 5
	assert_output "05ff
EOF"
	run probe 0501020103626f62027078 --wait 5
	assert_output "05020101
EOF"
	run probe "GET http://127.0.0.1:$HPORT/f/hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" --text --text-out
	assert_output "HTTP/1.1 407 Proxy Authentication Required
Proxy-Authenticate: Basic realm=\"sockctl\"
Content-Length: 0
Connection: close

EOF"
	# SOCKS4 has no password: refused outright.
	run probe 0401$(printf '%04x' "$HPORT")7f000001626f6200
	assert_output "005b000000000000
EOF"
	wait_for_line "$T/err" "socks4: $BYTES: refused: SOCKS4 carries no password$"
	run grep -E "^127\.0\.0\.1 port [0-9]+: socks5: $BYTES: refused: (no username/password method offered|authentication failed)$" "$T/err"
	assert_equal "${#lines[@]}" 4
	run grep -E "${LINE}http GET 127\.0\.0\.1 port $HPORT: $BYTES: refused: authentication required$" "$T/err"
	assert_success
	# Nothing reached the origin.
	[[ ! -s $T/reqs ]]
}

@test "proxy: --deny-to is checked after the name is resolved" {
	origin
	px --deny-to 127.0.0.0/8
	run "${CURL[@]}" --socks5-hostname "127.0.0.1:$PORT" \
	    "http://localhost:$HPORT/f/hello"
	assert_failure 97
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" -o /dev/null \
	    -w '%{http_code}' "http://localhost:$HPORT/f/hello"
	assert_output 403
	# The raw reply: SOCKS5 code 2, "not allowed by ruleset".
	run probe 050100050100030$(printf '9%s' "$(printf localhost | xxd -p)")$(printf '%04x' "$HPORT")
	assert_output "050005020001000000000000
EOF"
	wait_for_line "$T/err" "${LINE}socks5 CONNECT localhost port $HPORT: $BYTES: refused: destination not allowed$"
	run grep -c "http GET localhost port $HPORT: .*: refused: destination not allowed$" "$T/err"
	assert_output 1
	[[ ! -s $T/reqs ]]
}

@test "proxy: the unspecified address is the local host to --deny-to" {
	origin
	px --deny-to 127.0.0.0/8 --deny-to ::1
	run probe 05010005010001$(printf '00000000%04x' "$HPORT")
	assert_output "050005020001000000000000
EOF"
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" -o /dev/null \
	    -w '%{http_code}' "http://0.0.0.0:$HPORT/f/hello"
	assert_output 403
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" -o /dev/null \
	    -w '%{http_code}' "http://[::ffff:0.0.0.0]:$HPORT/f/hello"
	assert_output 403
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" -o /dev/null \
	    -w '%{http_code}' "http://[::]:$HPORT/f/hello"
	assert_output 403
	wait_for_line "$T/err" "${LINE}socks5 CONNECT 0\.0\.0\.0 port $HPORT: $BYTES: refused: destination not allowed$"
	run grep -c ": refused: destination not allowed$" "$T/err"
	assert_output 4
	[[ ! -s $T/reqs ]]
}

@test "proxy: --allow-to lets only its destinations through" {
	origin
	px --allow-to 192.0.2.0/24
	run "${CURL[@]}" --socks4 "127.0.0.1:$PORT" \
	    "http://127.0.0.1:$HPORT/f/hello"
	assert_failure 97
	wait_for_line "$T/err" "socks4 CONNECT 127\.0\.0\.1 port $HPORT: $BYTES: refused: destination not allowed$"
}

@test "proxy: a destination that refuses: SOCKS5 reply 5, HTTP 502" {
	local dead
	dead=$(free_port)
	px
	run probe 05010005010001$(printf '7f000001%04x' "$dead")
	assert_output "050005050001000000000000
EOF"
	run "${CURL[@]}" -p -x "http://127.0.0.1:$PORT" -o /dev/null \
	    -w '%{http_connect}' "http://127.0.0.1:$dead/"
	assert_output --partial 502
	assert_failure
	run "${CURL[@]}" -x "http://127.0.0.1:$PORT" -o /dev/null \
	    -w '%{http_code}' "http://127.0.0.1:$dead/"
	assert_output 502
	wait_for_line "$T/err" "${LINE}socks5 CONNECT 127\.0\.0\.1 port $dead: $BYTES: refused: connect: Connection refused$"
	wait_for_line "$T/err" "${LINE}http CONNECT 127\.0\.0\.1 port $dead: $BYTES: refused: connect: Connection refused$"
	wait_for_line "$T/err" "${LINE}http GET 127\.0\.0\.1 port $dead: $BYTES: refused: connect: Connection refused$"
}

@test "proxy: -w bounds the connect to a destination that never answers" {
	local pf=$T/full
	timeout 60 "$PYTHON3" "$FIX/fwdpeer.py" --port-file "$pf" full 3>&- &
	track $!
	wait_for_file "$pf"
	px -w 500ms
	run probe 05010005010001$(printf '7f000001%04x' "$(<"$pf")") --wait 8
	assert_output "050005060001000000000000
EOF"
	wait_for_line "$T/err" "refused: connect timed out$"
}

@test "proxy: --deny refuses a client before reading a byte" {
	origin
	px --deny 127.0.0.1
	run "${CURL[@]}" --socks5 "127.0.0.1:$PORT" \
	    "http://127.0.0.1:$HPORT/f/hello"
	assert_failure
	wait_for_line "$T/err" "^refused 127\.0\.0\.1 port [0-9]+ \(denied\)$"
	run grep -c CONNECT "$T/err"
	assert_output 0
}

@test "proxy: SOCKS5 UDP ASSOCIATE relays datagrams both ways, to addresses and names" {
	px
	run timeout 20 "$PYTHON3" "$FIX/socks5udp.py" --proxy-port "$PORT" \
	    --sizes 1,1000,65000
	assert_success
	assert_output "echo 1 bytes from 127.0.0.1 port ECHO
echo 1000 bytes from 127.0.0.1 port ECHO
echo 65000 bytes from 127.0.0.1 port ECHO"
	run timeout 20 "$PYTHON3" "$FIX/socks5udp.py" --proxy-port "$PORT" \
	    --dest localhost --sizes 7,8
	assert_success
	assert_output "echo 7 bytes from 127.0.0.1 port ECHO
echo 8 bytes from 127.0.0.1 port ECHO"
	wait_for_line "$T/err" "${LINE}socks5 UDP ASSOCIATE 127\.0\.0\.1 port [0-9]+: sent 66001 bytes, received 66001 bytes in [0-9.]+ s$"
	wait_for_line "$T/err" "${LINE}socks5 UDP ASSOCIATE 127\.0\.0\.1 port [0-9]+: sent 15 bytes, received 15 bytes in [0-9.]+ s$"
}

@test "proxy: UDP ASSOCIATE from an IPv4 client reaches an IPv6 destination" {
	px
	run timeout 20 "$PYTHON3" "$FIX/socks5udp.py" --proxy-port "$PORT" \
	    --echo-bind ::1 --dest ::1 --sizes 6,600
	assert_success
	assert_output "echo 6 bytes from ::1 port ECHO
echo 600 bytes from ::1 port ECHO"
	wait_for_line "$T/err" "${LINE}socks5 UDP ASSOCIATE 127\.0\.0\.1 port [0-9]+: sent 606 bytes, received 606 bytes in [0-9.]+ s$"
}

@test "proxy: on ::, an IPv4 client is answered with IPv4 addresses, UDP included" {
	px ::
	run timeout 20 "$PYTHON3" "$FIX/socks5udp.py" --proxy-port "$PORT" \
	    --sizes 2,3
	assert_success
	assert_output "echo 2 bytes from 127.0.0.1 port ECHO
echo 3 bytes from 127.0.0.1 port ECHO"
	# CONNECT's bound address: type 1, 127.0.0.1.
	echo_backend
	run probe 05010005010001$(printf '7f000001%04x' "$BPORT")
	assert_output --regexp '^0500050000017f000001[0-9a-f]{4}
EOF$'
	wait_for_line "$T/err" "${LINE}socks5 UDP ASSOCIATE 127\.0\.0\.1 port [0-9]+: sent 5 bytes, received 5 bytes in [0-9.]+ s$"
}

@test "proxy: UDP ASSOCIATE with credentials, and --deny-to drops the datagrams" {
	printf 'u:p\n' > "$T/users"
	# Without --deny-to, an echo server on 127.0.0.2 answers.
	px --auth-file "$T/users"
	run timeout 20 "$PYTHON3" "$FIX/socks5udp.py" --proxy-port "$PORT" \
	    --user u --password p --echo-bind 127.0.0.2 --dest 127.0.0.2 \
	    --sizes 4
	assert_success
	assert_output "echo 4 bytes from 127.0.0.2 port ECHO"
	px --auth-file "$T/users" --deny-to 127.0.0.2
	run timeout 20 "$PYTHON3" "$FIX/socks5udp.py" --proxy-port "$PORT" \
	    --user u --password p --sizes 3
	assert_success
	assert_output "echo 3 bytes from 127.0.0.1 port ECHO"
	run timeout 20 "$PYTHON3" "$FIX/socks5udp.py" --proxy-port "$PORT" \
	    --user u --password p --echo-bind 127.0.0.2 --dest 127.0.0.2 \
	    --sizes 3
	assert_failure
	assert_output "no reply to datagram 0"
}

@test "proxy: truncated, wrong-version and odd-length handshakes get nothing or a refusal, never a crash" {
	px
	# A greeting cut short, then EOF: closed, nothing said.
	run probe 050200
	assert_output "EOF"
	run probe 06010000
	assert_output "EOF"
	run probe 00
	assert_output "EOF"
	# A zero-length name: host unreachable.
	run probe 05010005010003000050
	assert_output "050005040001000000000000
EOF"
	# SOCKS5 BIND: command not supported.
	run probe 05010005020001000000000000
	assert_output "050005070001000000000000
EOF"
	# A SOCKS4 user id past 255 bytes with no end.
	run probe 0401005000000001$(printf '41%.0s' {1..300})
	assert_output "005b000000000000
EOF"
	wait_for_line "$T/err" "socks4: $BYTES: refused: user id too long$"
	run grep -c "refused: unknown protocol$" "$T/err"
	assert_output 2
	run grep -Ec "socks5: $BYTES: refused: bad host name$" "$T/err"
	assert_output 1
	kill -0 "$SERVER_PID"
}

@test "proxy: a 255-byte name is looked up (and fails cleanly); a longer one cannot be sent" {
	local name hex
	name=$(printf 'a%.0s' {1..63}).$(printf 'b%.0s' {1..63}).$(printf 'c%.0s' {1..63}).$(printf 'd%.0s' {1..61}).invalid
	name=${name:0:251}.inv
	[ "${#name}" -eq 255 ]
	hex=$(printf %s "$name" | xxd -p | tr -d '\n')
	px -w 5s
	run probe "05010005010003ff${hex}0050" --wait 10
	# Host unreachable, or timed out where DNS does not answer at all.
	assert_line --index 0 --regexp '^0500050[46]0001000000000000$'
	assert_line --index 1 EOF
	wait_for_line "$T/err" "socks5 CONNECT ${name:0:20}[a-z.]* port 80: $BYTES: refused: "
}

@test "proxy: oversized and smuggling-shaped HTTP requests are refused by the strict parser" {
	px
	run probe "GET http://a/ HTTP/1.1\\r\\nHost: a\\r\\nX: $(printf 'a%.0s' {1..20000})" --text --text-out --keep-open
	assert_output "HTTP/1.1 431 Request Header Fields Too Large
Content-Length: 0
Connection: close

EOF"
	run probe 'POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n' --text --text-out
	assert_output "HTTP/1.1 400 Bad Request
Content-Length: 0
Connection: close

EOF"
	run probe 'POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd' --text --text-out
	assert_line --index 0 "HTTP/1.1 400 Bad Request"
	run probe 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' --text --text-out
	assert_line --index 0 "HTTP/1.1 400 Bad Request"
	run probe 'CONNECT a:1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' --text --text-out
	assert_line --index 0 "HTTP/1.1 400 Bad Request"
	wait_for_line "$T/err" "http: $BYTES: refused: request head too long$"
	wait_for_line "$T/err" "http: $BYTES: refused: not a proxy request$"
	wait_for_line "$T/err" "http: $BYTES: refused: CONNECT with a body$"
}

@test "proxy: random bytes on 300 connections, then it still serves" {
	origin
	# No connect leaves the machine, whatever the bytes ask for.
	px -i 2s -w 500ms --allow-to 127.0.0.1
	run timeout 120 "$PYTHON3" "$FIX/socksprobe.py" "$PORT" --fuzz 300
	assert_success
	assert_output "fuzz done"
	run "${CURL[@]}" --socks5 "127.0.0.1:$PORT" \
	    "http://127.0.0.1:$HPORT/f/hello"
	assert_success
	assert_output "hello, proxy"
}

@test "proxy: a client that stops mid-handshake is cut after -i" {
	px -i 500ms
	run probe 0501 --keep-open --wait 8
	assert_output "EOF"
	wait_for_line "$T/err" "socks5: sent 0 bytes, received 0 bytes in [0-9.]+ s: handshake timed out$"
}

@test "proxy: -m 1 makes a second client wait until the first is done" {
	origin
	px -m 1 -i 1s
	# The first holds the only slot until -i cuts it.
	probe 05 --keep-open --wait 8 > "$T/first" &
	track $!
	wait_established 1
	run "${CURL[@]}" --socks5 "127.0.0.1:$PORT" \
	    "http://127.0.0.1:$HPORT/f/hello"
	assert_success
	assert_output "hello, proxy"
	wait_for_line "$T/err" "CONNECT"
	run cat "$T/err"
	assert_line --index 1 --regexp "${LINE}socks5: $BYTES: handshake timed out$"
	assert_line --index 2 --regexp "${LINE}socks5 CONNECT 127\.0\.0\.1 port $HPORT: $BYTES$"
}

@test "proxy: binds 127.0.0.1 without ADDRESS; another address without --auth-file warns" {
	start_server proxy 0 2>"$T/err1"
	run cat "$T/err1"
	assert_output ""
	[[ $(ss -Hltn "sport = :$PORT" | awk '{ print $4 }') == "127.0.0.1:$PORT" ]]
	start_server proxy 0.0.0.0 0 2>"$T/err2"
	run cat "$T/err2"
	assert_output "sockctl proxy: warning: 0.0.0.0 port $PORT is not a loopback address and there is no --auth-file: anyone who can reach it can use the proxy"
	printf 'u:p\n' > "$T/users"
	start_server proxy --auth-file "$T/users" 0.0.0.0 0 2>"$T/err3"
	run cat "$T/err3"
	assert_output ""
}

@test "proxy: usage errors: bad --auth-file, bad SPECs, extra arguments" {
	printf 'alice:x\nnocolon\n' > "$T/users"
	run -2 timeout 10 "$SOCKCTL" proxy --auth-file "$T/users"
	assert_output "sockctl proxy: --auth-file $T/users line 2: not USER:PASSWORD (each 1-255 bytes, USER not empty)
Try 'sockctl proxy --help'."
	printf '# nobody\n' > "$T/empty"
	run -2 timeout 10 "$SOCKCTL" proxy --auth-file "$T/empty"
	assert_line --index 0 "sockctl proxy: --auth-file $T/empty: no USER:PASSWORD line"
	run -2 timeout 10 "$SOCKCTL" proxy --auth-file "$T/missing"
	assert_line --index 0 "sockctl proxy: --auth-file $T/missing: No such file or directory"
	run -2 timeout 10 "$SOCKCTL" proxy --deny-to 10.0.0.0/33
	assert_line --index 0 --partial "sockctl proxy: --deny-to: invalid address '10.0.0.0/33'"
	run -2 timeout 10 "$SOCKCTL" proxy 127.0.0.1 1080 extra
	assert_line --index 0 "sockctl proxy: extra argument 'extra'"
	run -2 timeout 10 "$SOCKCTL" proxy 70000
	assert_line --index 0 --partial "sockctl proxy: invalid port '70000'"
}

@test "proxy: SIGTERM and SIGINT stop it with exit 0, a tunnel open" {
	echo_backend
	local sig
	for sig in TERM INT; do
		px
		probe 05010005010001$(printf '7f000001%04x' "$BPORT") \
		    --keep-open --wait 8 > /dev/null &
		track $!
		wait_established 1
		kill -"$sig" "$SERVER_PID"
		wait_for_exit "$SERVER_PID"
		[ "$status" -eq 0 ]
	done
}
