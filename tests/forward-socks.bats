#!/usr/bin/env bats
# sockctl forward -x (cli.md, "Proxy client" and "sockctl forward"): each
# client reaches TARGET through its own tunnel of a SOCKS5 proxy
# (microsocks, with and without a password) or an HTTP CONNECT proxy
# (tinyproxy); refusals close that client only with the proxy's answer in
# the -v line; -w bounds the connect and the handshake; what the target
# sends right behind the proxy's reply is not lost; --tls-to runs end to
# end through the tunnel.

load test_helper/stream
load test_helper/forward

CONN_RE='^127\.0\.0\.1 port [0-9]+ -> '

# The port a process (PID, or its child under timeout) listens on, found
# with ss; bounded.
port_of() {
	local i p c
	for ((i = 0; i < 250; i++)); do
		c=$(pgrep -P "$1" | head -n 1)
		p=$(ss -Hltnp 2>/dev/null | grep -E "pid=($1|${c:-$1})," |
		    sed -n 's/.* 127\.0\.0\.1:\([0-9]*\) .*/\1/p' | head -n 1)
		[[ -n $p ]] && { echo "$p"; return 0; }
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# socks [ARGS...]: microsocks on 127.0.0.1 port 0; sets SPORT.
socks() {
	timeout 60 microsocks -i 127.0.0.1 -p 0 "$@" >/dev/null 2>&1 3>&- &
	track $!
	SPORT=$(port_of $!) || fail "microsocks did not start"
}

# tinyproxy cannot listen on port 0: a port free a moment ago, tried
# again with another if it was taken since.  Sets HPORT.
httpproxy() {
	local n pid
	for ((n = 0; n < 5; n++)); do
		HPORT=$(free_port)
		printf 'Port %s\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\nMaxClients 50\n' \
		    "$HPORT" >"$T/tinyproxy.conf"
		timeout 60 tinyproxy -d -c "$T/tinyproxy.conf" \
		    >"$T/tinyproxy.log" 2>&1 3>&- &
		pid=$!
		track "$pid"
		port_of "$pid" >/dev/null && return 0
	done
	fail "tinyproxy did not start"
}

# ask PORT TEXT [FIRST]: connects, reads FIRST bytes if given, sends TEXT,
# reads as many bytes as TEXT has, prints what it read and closes.  The
# client never half-closes: microsocks ends both sides of a tunnel at the
# first end of file it sees, with data of the other side still unread.
ask() {
	timeout 20 "$PYTHON3" -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
def read_n(n):
	got = b""
	while len(got) < n:
		b = c.recv(n - len(got))
		if not b: break
		got += b
	return got
first = read_n(int(sys.argv[3])) if len(sys.argv) > 3 else b""
c.sendall(sys.argv[2].encode())
sys.stdout.write((first + read_n(len(sys.argv[2]))).decode())
c.close()' "$@"
}

@test "forward -x: through microsocks (socks5h, the default) to a name, both ways" {
	socks
	backend echo
	fwd -x "127.0.0.1:$SPORT" 0 "localhost:$BPORT"
	run ask "$PORT" "twelve bytes"
	assert_success
	assert_output "twelve bytes"
	wait_for_line "$T/err" "$CONN_RE"
	run cat "$T/err"
	assert_line --index 0 "forwarding 127.0.0.1 port $PORT to localhost:$BPORT"
	# TARGET as given: the proxy reached it.
	assert_line --index 1 --regexp "^127\.0\.0\.1 port [0-9]+ -> localhost port $BPORT: sent 12 bytes, received 12 bytes in [0-9]+\.[0-9]{2} s$"
}

@test "forward -x socks5:// and -X 5: resolved here or by the proxy, 20 clients at once" {
	socks
	backend echo
	fwd -x "socks5://127.0.0.1:$SPORT" 0 "localhost:$BPORT"
	run timeout 60 "$PYTHON3" -c '
import os, socket, sys, threading
ok = []
def one():
	data = os.urandom(65536)
	c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
	c.sendall(data)
	got = b""
	while len(got) < len(data):
		b = c.recv(65536)
		if not b: break
		got += b
	c.close()
	ok.append(got == data)
ts = [threading.Thread(target=one) for i in range(20)]
for t in ts: t.start()
for t in ts: t.join()
print("intact %d of 20" % sum(ok))' "$PORT"
	assert_success
	assert_output "intact 20 of 20"
	mv "$T/err" "$T/err1"
	fwd -x "http://127.0.0.1:$SPORT" -X 5 0 "127.0.0.1:$BPORT"
	run ask "$PORT" "via -X 5"
	assert_output "via -X 5"
}

@test "forward -x: what the target sends right behind the proxy's reply reaches the client" {
	socks
	py greeter <<'PY'
s = listening()
while True:
    c, _ = s.accept()
    c.sendall(b"hello\n")
    put("got", c.makefile("rb").readline())
    c.sendall(b"bye!!\n")
    read_all(c)
    c.close()
PY
	py_server greeter
	fwd -x "127.0.0.1:$SPORT" 0 "127.0.0.1:$PY_PORT"
	run ask "$PORT" $'after\n' 6
	assert_success
	assert_output $'hello\nbye!!'
	assert_equal "$(<"$T/got")" "after"
}

@test "forward -x: a SOCKS5 or HTTP reply with the target's first bytes in the same segment: none lost" {
	# A proxy of our own that answers and greets in one send(2).
	py fakeproxy <<'PY'
s = listening()
while True:
    c, _ = s.accept()
    first = c.recv(1)
    if first == b"\x05":
        read_n(c, 2)                      # methods
        c.sendall(b"\x05\x00")
        read_n(c, 4 + 4 + 2)              # CONNECT to an IPv4 address
        c.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50hello\n")
    else:
        head = first
        while not head.endswith(b"\r\n\r\n"):
            head += c.recv(1)
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\nhello\n")
    put("got", c.makefile("rb").readline())
    c.sendall(b"bye!!\n")
    read_all(c)
    c.close()
PY
	py_server fakeproxy
	fwd -x "127.0.0.1:$PY_PORT" 0 127.0.0.1:80
	run ask "$PORT" $'after\n' 6
	assert_success
	assert_output $'hello\nbye!!'
	assert_equal "$(<"$T/got")" "after"
	fwd -x "http://127.0.0.1:$PY_PORT" 0 127.0.0.1:80
	run ask "$PORT" $'again\n' 6
	assert_success
	assert_output $'hello\nbye!!'
	assert_equal "$(<"$T/got")" "again"
}

@test "forward -x socks4:// and socks4a://: the request carries the address, or the name for the proxy to resolve" {
	py fake4 <<'PY'
s = listening()
while True:
    c, _ = s.accept()
    hdr = read_n(c, 8)                    # VN CD DSTPORT DSTIP
    def upto0():
        b = b""
        while not b.endswith(b"\0"):
            b += c.recv(1)
        return b[:-1].decode()
    user = upto0()
    port = struct.unpack(">H", hdr[2:4])[0]
    ip = socket.inet_ntoa(hdr[4:8])
    host = upto0() if hdr[4:7] == b"\0\0\0" else "-"
    put("req", "%d %d %d %s %s %r\n" % (hdr[0], hdr[1], port, ip, host, user))
    c.sendall(b"\x00\x5a" + hdr[2:8] + b"hello\n")
    c.makefile("rb").readline()
    c.sendall(b"bye!!\n")
    read_all(c)
    c.close()
PY
	py_server fake4
	fwd -x "socks4://127.0.0.1:$PY_PORT" 0 localhost:4321
	run ask "$PORT" $'after\n' 6
	assert_output $'hello\nbye!!'
	# localhost resolved here.
	assert_equal "$(<"$T/req")" "4 1 4321 127.0.0.1 - ''"
	fwd -x "socks4a://bob@127.0.0.1:$PY_PORT" 0 db.example:5432
	run ask "$PORT" $'after\n' 6
	assert_output $'hello\nbye!!'
	assert_equal "$(<"$T/req")" "4 1 5432 0.0.0.1 db.example 'bob'"
}

@test "forward -x: microsocks with a password from SOCKCTL_PROXY_PASSWORD; a wrong one closes that client only" {
	socks -u alice -P 's3cret'
	backend echo
	SOCKCTL_PROXY_PASSWORD=s3cret fwd -x "alice@127.0.0.1:$SPORT" 0 \
	    "127.0.0.1:$BPORT"
	run ask "$PORT" "authenticated"
	assert_output "authenticated"
	mv "$T/err" "$T/err1"
	SOCKCTL_PROXY_PASSWORD=wrong fwd -x "alice@127.0.0.1:$SPORT" 0 \
	    "127.0.0.1:$BPORT"
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<"refused"
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $BPORT: proxy 127\.0\.0\.1 port $SPORT: SOCKS5 authentication failed \(status [0-9]+\)$"
	# No password at all: the proxy wants one.
	mv "$T/err" "$T/err2"
	fwd -x "127.0.0.1:$SPORT" 0 "127.0.0.1:$BPORT"
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<"refused"
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp ": proxy 127\.0\.0\.1 port $SPORT: SOCKS5 proxy requires authentication \(USER@ in the proxy URL\)$"
	kill -0 "$SERVER_PID"
}

@test "forward -x: a proxy's refusal closes that client only, with the contract's line; the next is served" {
	socks
	local dead
	dead=$(free_port)
	fwd -x "127.0.0.1:$SPORT" 0 "127.0.0.1:$dead"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $dead: proxy 127\.0\.0\.1 port $SPORT: SOCKS5 reply 5 \(connection refused\)$"
	kill -0 "$SERVER_PID"
	# A proxy that is down.
	mv "$T/err" "$T/err1"
	fwd -x "127.0.0.1:$dead" 0 "127.0.0.1:$dead"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp ": connect to proxy: Connection refused$"
}

@test "forward -x: -w bounds the connect and the handshake with a proxy that never answers" {
	local sport
	silent_target 30
	fwd -w 300ms -x "127.0.0.1:$sport" 0 "127.0.0.1:1"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port 1: proxy 127\.0\.0\.1 port $sport: timed out$"
}

@test "forward -x http://: through tinyproxy (HTTP CONNECT); its refusal in the -v line" {
	# tinyproxy, like microsocks, ends a tunnel at its first EOF: ask.
	httpproxy
	backend echo
	fwd -x "http://127.0.0.1:$HPORT" 0 "127.0.0.1:$BPORT"
	run ask "$PORT" "echoed through CONNECT"
	assert_success
	assert_output "echoed through CONNECT"
	mv "$T/err" "$T/err1"
	fwd -x "127.0.0.1:$HPORT" -X connect 0 "127.0.0.1:$(free_port)"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp ": proxy 127\.0\.0\.1 port $HPORT: HTTP/1\.[01] 5[0-9][0-9] .+$"
}

@test "forward -x --tls-to: TLS runs end to end through the tunnel, verified" {
	if "$SOCKCTL" connect --tls --tls-key k h 1 2>&1 |
	    grep -q 'built without'; then
		skip "sockctl is built without TLS"
	fi
	socks
	"$SOCKCTL" listen --tls -e cat --port-file "$T/tport" 127.0.0.1 0 \
	    2>"$T/terr" 3>&- &
	local tpid=$!
	track "$tpid"
	wait_for_file "$T/tport"
	local tport pin
	tport=$(<"$T/tport")
	pin=$(sed -n 's/^tls: self-signed certificate //p' "$T/terr")
	fwd -vv -x "127.0.0.1:$SPORT" --tls-to --tls-pin "$pin" 0 \
	    "127.0.0.1:$tport"
	run ask "$PORT" "from the client"
	assert_output "from the client"
	wait_for_line "$T/err" "$CONN_RE"
	run grep -E "^127\.0\.0\.1 port [0-9]+: target TLS 1\.3, .*, pinned$" "$T/err"
	assert_success
}

@test "forward -x: usage errors" {
	run "$SOCKCTL" forward -X 5 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: -X needs a proxy (-x URL)"
	assert_line --index 1 "Try 'sockctl forward --help'."
	run "$SOCKCTL" forward -x 127.0.0.1 --udp 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: --proxy and --udp cannot be used together"
	run "$SOCKCTL" forward -x 127.0.0.1 1 unix:/tmp/x.sock
	assert_failure 2
	assert_line --index 0 "sockctl forward: a proxy reaches HOST:PORT, not a unix: socket"
	run "$SOCKCTL" forward -x 'ftp://127.0.0.1' 1 h:2
	assert_failure 2
	assert_line --index 0 --partial "sockctl forward: proxy 'ftp://127.0.0.1': "
	run "$SOCKCTL" forward -X 6 -x 127.0.0.1 1 h:2
	assert_failure 2
}
