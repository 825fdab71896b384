#!/usr/bin/env bats
#
# sockctl forward (design/cli.md, "sockctl forward"): TCP, Unix and UDP
# forwarding against real peers: socat and nc as clients and backends,
# and the python3 backends of tests/fixtures/fwdpeer.py that half-close,
# reply late, reset, count their connections or decode PROXY headers.
# Every server binds port 0 (or a socket under the test's directory) and
# is found through its port file; every wait is bounded.

load test_helper/common
load test_helper/forward

bats_require_minimum_version 1.5.0

if [[ -z ${PYTHON3:-} ]]; then
	PYTHON3=python3
	[[ -x /usr/bin/python3 ]] && PYTHON3=/usr/bin/python3
fi
export PYTHON3

# "127.0.0.1 port 50122 -> 10.0.0.2 port 80: sent 512 bytes, ..."
CONN_RE='^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port'

setup() {
	T=$BATS_TEST_TMPDIR
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

wait_for_sock() {
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		[[ -S $1 ]] && return 0
		sleep 0.02
	done
	return 1
}

# The backend's out file, once it has one.
out_is() {
	wait_for_file "$T/out"
	run cat "$T/out"
	assert_output "$1"
}

@test "forward: nc through to a socat echo backend, -v lines exact" {
	timeout 30 socat TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr \
	    EXEC:cat 3>&- &
	track $!
	local i pid
	for ((i = 0; i < 250; i++)); do
		pid=$(pgrep -P $!) || true
		BPORT=$(ss -Hltnp 2>/dev/null | awk -v p="pid=$pid," \
		    'index($0, p) { sub(/.*:/, "", $4); print $4; exit }')
		[[ -n $BPORT ]] && break
		sleep 0.02
	done
	[ -n "$BPORT" ]
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<"hello through"
	assert_success
	assert_output "hello through"
	wait_for_line "$T/err" "$CONN_RE"
	run cat "$T/err"
	assert_line --index 0 "forwarding 127.0.0.1 port $PORT to 127.0.0.1:$BPORT"
	assert_line --index 1 --regexp \
	    "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $BPORT: sent 14 bytes, received 14 bytes in [0-9]+\.[0-9]{2} s$"
	[ "${#lines[@]}" -eq 2 ]
}

@test "forward: the client's half-close is passed on and the reply comes back" {
	backend halfclose
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 10 socat -t 10 - "TCP:127.0.0.1:$PORT" <<<"twelve bytes"
	assert_success
	assert_output "got 13 bytes"
}

@test "forward: a reply sent 1 s after the client's EOF is not lost" {
	backend late
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<"ask"
	assert_success
	assert_output "late reply"
}

@test "forward: the target half-closes first and the client's bytes still flow" {
	backend greet
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 10 "$PYTHON3" -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
got = b""
while True:
	b = c.recv(100)
	if not b: break
	got += b
c.sendall(b"after your eof\n")
c.shutdown(socket.SHUT_WR)
print(got.decode(), end="")
print(c.recv(100))' "$PORT"
	assert_success
	assert_output $'hello\nb\'\''
	out_is "after your eof"
}

@test "forward: a reset by the target reaches the client as a reset" {
	backend reset
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 10 "$PYTHON3" -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"x")
try:
	while c.recv(100): pass
	print("eof")
except ConnectionResetError:
	print("reset")' "$PORT"
	assert_success
	assert_output "reset"
	wait_for_line "$T/err" "$CONN_RE"
	run grep -E "sent 1 bytes, received 0 bytes in [0-9.]+ s: target: Connection reset by peer$" "$T/err"
	assert_success
}

@test "forward: a target that answers and resets while the client sends: the whole answer first" {
	backend answer
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 10 "$PYTHON3" -c '
import socket, sys, threading
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def w():
	try:
		while True: c.sendall(b"s" * 65536)
	except OSError: pass
threading.Thread(target=w, daemon=True).start()
got = 0
try:
	while True:
		b = c.recv(65536)
		if not b:
			print("eof", end=" ")
			break
		got += len(b)
except ConnectionResetError:
	print("reset", end=" ")
print(got)' "$PORT"
	assert_success
	assert_output --regexp "^(eof|reset) 1048576$"
	wait_for_line "$T/err" "$CONN_RE"
	run grep -E "sent [0-9]+ bytes, received 1048576 bytes in [0-9.]+ s: target: (Broken pipe|Connection reset by peer)$" "$T/err"
	assert_success
}

@test "forward: a reset by the client reaches the target as a reset" {
	backend watch
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 10 "$PYTHON3" -c '
import socket, struct, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"abc")
time.sleep(0.2)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()' "$PORT"
	assert_success
	out_is "reset 3"
}

@test "forward: a client's plain EOF reaches the target as an EOF" {
	backend watch
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<"abc"
	assert_success
	out_is "eof 4"
}

@test "forward: 200 concurrent clients with 64 KiB each, all intact" {
	backend echo
	fwd 0 "127.0.0.1:$BPORT"
	run timeout 60 "$PYTHON3" "$PEER" clients 127.0.0.1 "$PORT" 200 65536
	assert_success
	assert_output "intact 200 of 200"
}

@test "forward: -m 4 with 8 clients: never more than 4 at the backend, all served" {
	backend count
	fwd -m 4 0 "127.0.0.1:$BPORT"
	run timeout 30 "$PYTHON3" "$PEER" clients 127.0.0.1 "$PORT" 8 1000
	assert_success
	assert_output "intact 8 of 8"
	out_is 4
}

@test "forward: unix:PATH to TCP, and the socket file is removed at exit" {
	backend echo
	timeout 30 "$SOCKCTL" forward -v "unix:$T/fwd.sock" \
	    "127.0.0.1:$BPORT" 2>"$T/err" 3>&- &
	local pid=$!
	track $pid
	wait_for_sock "$T/fwd.sock"
	run timeout 10 socat -t 5 - "UNIX-CONNECT:$T/fwd.sock" <<<"over unix"
	assert_success
	assert_output "over unix"
	wait_for_line "$T/err" "-> 127\.0\.0\.1 port $BPORT: sent 10 bytes"
	run head -1 "$T/err"
	assert_output "forwarding $T/fwd.sock to 127.0.0.1:$BPORT"
	kill -TERM $pid
	wait_for_exit $pid
	[ "$status" -eq 0 ]
	[ ! -e "$T/fwd.sock" ]
}

@test "forward: a file that is not a socket is never replaced or removed" {
	backend echo
	echo keep >"$T/file"
	run timeout 10 "$SOCKCTL" forward "unix:$T/file" "127.0.0.1:$BPORT"
	assert_failure 1
	assert_output "sockctl forward: bind to $T/file: Address already in use"
	run cat "$T/file"
	assert_output keep
}

@test "forward: TCP to unix:PATH and to unix:@NAME (abstract)" {
	timeout 30 socat UNIX-LISTEN:"$T/back.sock",fork EXEC:cat 3>&- &
	track $!
	timeout 30 socat ABSTRACT-LISTEN:"sockctl-fwd-$$-$BATS_TEST_NUMBER",fork \
	    EXEC:'tr a-z A-Z' 3>&- &
	track $!
	wait_for_sock "$T/back.sock"
	fwd 0 "unix:$T/back.sock"
	local p1=$PORT
	run timeout 10 nc -N 127.0.0.1 "$p1" <<<"to a path"
	assert_output "to a path"
	fwd 0 "unix:@sockctl-fwd-$$-$BATS_TEST_NUMBER"
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<"to a name"
	assert_output "TO A NAME"
}

@test "forward: IPv6 on ::1, both sides" {
	backend echo --ipv6
	start_server forward -v "[::1]:0" "[::1]:$BPORT" 2>"$T/err"
	run timeout 10 socat -t 5 - "TCP6:[::1]:$PORT" <<<"six"
	assert_success
	assert_output "six"
	run head -1 "$T/err"
	assert_output "forwarding ::1 port $PORT to [::1]:$BPORT"
}

@test "forward: no process per connection, and none left after 1000 short connections" {
	backend echo
	fwd 0 "127.0.0.1:$BPORT"
	local before after socks
	before=$(ls /proc/$SERVER_PID/fd | wc -l)
	socks=$(ls -l /proc/$SERVER_PID/fd | grep -c 'socket:')
	mkfifo "$T/hold.in"
	timeout 30 "$PYTHON3" "$PEER" hold 127.0.0.1 "$PORT" 20 "$T/held" \
	    <"$T/hold.in" 3>&- &
	track $!
	exec 5>"$T/hold.in"
	wait_for_file "$T/held"
	run pgrep -P "$SERVER_PID"
	assert_failure 1
	run ls /proc/$SERVER_PID/task
	[ "${#lines[@]}" -eq 1 ]
	# 20 pairs: 40 sockets more than at rest (pipes are pooled).
	after=$(ls /proc/$SERVER_PID/fd | wc -l)
	[ "$after" -ge $((before + 40)) ]
	exec 5>&-
	run timeout 60 "$PYTHON3" "$PEER" short 127.0.0.1 "$PORT" 1000
	assert_output "echoed 1000 of 1000"
	local i
	for ((i = 0; i < 250; i++)); do
		after=$(ls /proc/$SERVER_PID/fd | wc -l)
		# Up to the idle pipes kept in the pool.
		((after <= before + 2 * 64)) && break
		sleep 0.02
	done
	# Only pooled pipes may remain, never a socket.
	run bash -c "ls -l /proc/$SERVER_PID/fd | grep -c 'socket:'"
	assert_output "$socks"
}

@test "forward: a target that is down closes that client only, and -v says why" {
	local dead
	dead=$(free_port)
	fwd 0 "127.0.0.1:$dead"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $dead: connect: Connection refused$"
	kill -0 "$SERVER_PID"
}

@test "forward: -w gives up on a connect that hangs and closes that client" {
	backend full
	fwd -w 300ms 0 "127.0.0.1:$BPORT"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $BPORT: connect: timed out$"
	kill -0 "$SERVER_PID"
}

@test "forward: -i closes an idle connection" {
	backend echo
	fwd -i 300ms 0 "127.0.0.1:$BPORT"
	run timeout 10 "$PYTHON3" -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(c.recv(10))' "$PORT"
	assert_success
	assert_output "b''"
	run grep -E "sent 0 bytes, received 0 bytes in (0\.[3-9]|[1-9][0-9]*\.)[0-9]+ s: idle timeout$" "$T/err"
	assert_success
}

@test "forward: a small write right behind another is not held for the peer's delayed ACK" {
	# The target answers once it has both halves of each request; a
	# forwarder that keeps Nagle on holds the second half until the
	# first is ACKed, which the target delays (40 ms or more).
	timeout 60 "$PYTHON3" -c '
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
c, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while True:
    got = b""
    while len(got) < 20:
        b = c.recv(100)
        if not b:
            sys.exit(0)
        got += b
    c.sendall(b"ok")' "$T/hport" 3>&- &
	track $!
	wait_for_file "$T/hport"
	fwd 0 "127.0.0.1:$(<"$T/hport")"
	run timeout 20 "$PYTHON3" -c '
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
slow = 0
for i in range(10):
	t0 = time.monotonic()
	c.send(b"A" * 10)
	time.sleep(0.002)
	c.send(b"B" * 10)
	assert c.recv(2) == b"ok"
	if time.monotonic() - t0 > 0.035:
		slow += 1
print("slow", slow)' "$PORT"
	assert_success
	# A loaded machine may stall one or two; Nagle stalls nearly all.
	assert_output --regexp '^slow [0-3]$'
}

@test "forward: SIGTERM with connections open exits 0" {
	backend echo
	fwd 0 "127.0.0.1:$BPORT"
	mkfifo "$T/hold.in"
	timeout 30 "$PYTHON3" "$PEER" hold 127.0.0.1 "$PORT" 3 "$T/held" \
	    <"$T/hold.in" 3>&- &
	track $!
	exec 5>"$T/hold.in"
	wait_for_file "$T/held"
	kill -TERM "$SERVER_PID"
	wait_for_exit "$SERVER_PID"
	exec 5>&-
	[ "$status" -eq 0 ]
	run grep -c ": stopped$" "$T/err"
	assert_output 3
}

@test "forward --udp: three clients each get only their own replies" {
	backend udpecho
	start_server forward -v --udp 0 "127.0.0.1:$BPORT" 2>"$T/err"
	run timeout 10 "$PYTHON3" -c '
import socket, sys
port = int(sys.argv[1])
cs = []
for i in range(3):
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0))
	s.settimeout(5)
	cs.append(s)
for r in range(5):
	for i, s in enumerate(cs):
		s.sendto(b"client %d round %d" % (i, r), ("127.0.0.1", port))
bad = 0
for i, s in enumerate(cs):
	for r in range(5):
		d = s.recv(100)
		if d != b"client %d round %d" % (i, r):
			bad += 1
print("wrong", bad)' "$PORT"
	assert_success
	assert_output "wrong 0"
	# Three sessions: three source ports at the backend, five times each.
	run bash -c "sort -u '$T/out' | wc -l"
	assert_output 3
	run bash -c "wc -l <'$T/out'"
	assert_output 15
}

@test "forward --udp: a datagram of 65000 bytes keeps its size" {
	backend udpecho
	start_server forward --udp 0 "127.0.0.1:$BPORT"
	run timeout 10 "$PYTHON3" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"z" * 65000, ("127.0.0.1", int(sys.argv[1])))
print(len(s.recv(70000)))' "$PORT"
	assert_output 65000
}

@test "forward --udp: a session expires after -i and a new one starts" {
	backend udpecho
	start_server forward -v --udp -i 300ms 0 "127.0.0.1:$BPORT" \
	    2>"$T/err"
	timeout 10 "$PYTHON3" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"one", ("127.0.0.1", int(sys.argv[1])))
s.recv(10)
f = sys.argv[2]
for i in range(500):
	if "sent 3 bytes, received 3 bytes" in open(f).read(): break
	time.sleep(0.02)
s.sendto(b"two", ("127.0.0.1", int(sys.argv[1])))
s.recv(10)' "$PORT" "$T/err"
	run grep -cE "$CONN_RE $BPORT: sent 3 bytes, received 3 bytes in (0\.[3-9]|[1-9][0-9]*\.)[0-9]+ s$" "$T/err"
	assert_output 1
	# The second datagram came through a new session: a new source port.
	run bash -c "sort -u '$T/out' | wc -l"
	assert_output 2
}

@test "forward --proxy-protocol v1 and v2: the header the parser reads" {
	backend proxy
	fwd --proxy-protocol v1 0 "127.0.0.1:$BPORT"
	run timeout 10 socat -t 5 - "TCP:127.0.0.1:$PORT,sourceport=0" <<<"data"
	assert_output "data"
	run cat "$T/out"
	assert_output --regexp "^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 [0-9]+ $PORT$"
	rm "$T/out"
	start_server forward --proxy-protocol v2 "[::1]:0" "127.0.0.1:$BPORT"
	run timeout 10 socat -t 5 - "TCP6:[::1]:$PORT" <<<"data6"
	assert_output "data6"
	run cat "$T/out"
	assert_output --regexp "^v2 21 TCP6 ::1 ::1 [0-9]+ $PORT$"
	rm "$T/out"
	timeout 30 "$SOCKCTL" forward --proxy-protocol v2 "unix:$T/p.sock" \
	    "127.0.0.1:$BPORT" 3>&- &
	track $!
	wait_for_sock "$T/p.sock"
	run timeout 10 socat -t 5 - "UNIX-CONNECT:$T/p.sock" <<<"local"
	assert_output "local"
	out_is "v2 20 00 len 0"
}

# haproxy accepts the header (accept-proxy) and passes the client's
# address on in a header of its own (send-proxy) to the parser.
haproxy_sees() {
	local ver=$1 hport
	backend proxy
	cat >"$T/hap.cfg" <<-CFG
	global
	    maxconn 100
	defaults
	    mode tcp
	    timeout connect 5s
	    timeout client 10s
	    timeout server 10s
	frontend f
	    bind unix@$T/hap.sock accept-proxy
	    default_backend b
	backend b
	    server s 127.0.0.1:$BPORT send-proxy
	CFG
	timeout 30 haproxy -db -f "$T/hap.cfg" 3>&- >"$T/hap.log" 2>&1 &
	track $!
	wait_for_sock "$T/hap.sock"
	fwd --proxy-protocol "$ver" 0 "unix:$T/hap.sock"
	run timeout 10 "$PYTHON3" -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"via haproxy\n")
c.shutdown(socket.SHUT_WR)
got = b""
while True:
	b = c.recv(100)
	if not b: break
	got += b
print(c.getsockname()[1], got.decode(), end="")' "$PORT"
	assert_success
	local cport=${output%% *}
	assert_output "$cport via haproxy"
	out_is "PROXY TCP4 127.0.0.1 127.0.0.1 $cport $PORT"
}

@test "forward --proxy-protocol v1: haproxy (accept-proxy) reads the client's address" {
	haproxy_sees v1
}

@test "forward --proxy-protocol v2: haproxy (accept-proxy) reads the client's address" {
	haproxy_sees v2
}

@test "forward: usage errors" {
	run "$SOCKCTL" forward 8080
	assert_failure 2
	assert_line --index 0 "sockctl forward: missing TARGET"
	assert_line --index 1 "Try 'sockctl forward --help'."
	run "$SOCKCTL" forward 8080 9090
	assert_failure 2
	assert_line --index 0 "sockctl forward: invalid TARGET '9090': expected HOST:PORT or unix:PATH"
	run "$SOCKCTL" forward --udp 8080 unix:/tmp/x
	assert_failure 2
	assert_line --index 0 "sockctl forward: --udp forwards UDP ports, not unix: sockets"
	run "$SOCKCTL" forward --proxy-protocol v3 8080 h:1
	assert_failure 2
	run "$SOCKCTL" forward 1 2 3
	assert_failure 2
	assert_line --index 0 "sockctl forward: extra argument '3'"
}
