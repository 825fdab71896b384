#!/usr/bin/env bats
#
# Servers out of file descriptors: serve-http and the chat room under
# `ulimit -n 64` get more connections than they can hold.  accept() then
# fails with EMFILE, and a listener left ready would make the event loop
# spin at 100% CPU with the extra clients left hanging.  The extra
# connections must be accepted and closed at once (a spare descriptor
# makes room), -v says so once, and the connections already open keep
# being served.  The CPU time of the server is read
# from /proc over a one-second window: a spinning server uses about all
# of it, a waiting one next to nothing.

load test_helper/common

bats_require_minimum_version 1.5.0

if [[ -z ${PYTHON3:-} ]]; then
	PYTHON3=python3
	[[ -x /usr/bin/python3 ]] && PYTHON3=/usr/bin/python3
fi
export PYTHON3

setup() {
	T=$BATS_TEST_TMPDIR
	export T
}

# start_limited CMD ARGS...: like start_server, with at most 64 open
# files in the server only; its stderr goes to $T/stderr.
start_limited() {
	local pf=$T/port
	(ulimit -n 64 && exec "$SOCKCTL" "$1" --port-file "$pf" "${@:2}") \
	    2>"$T/stderr" 3>&- &
	SERVER_PID=$!
	track "$SERVER_PID"
	wait_for_file "$pf" || fail "no port file: $(cat "$T/stderr")"
	PORT=$(<"$pf")
}

# cpu_ms PID: the CPU time used so far, in python.
CPU_PY='
def cpu_ms():
    with open("/proc/%s/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) * 1000 // os.sysconf("SC_CLK_TCK")
'
export CPU_PY

# serve-http: one connection after the other asks for a 16 MiB file and
# does not read it, so each holds its socket and the file: the limit is
# reached within 30 connections, before -m's cap (64 - 32).  Then over a
# second the server must be idle; the first connection must still get
# its whole file, and once all are closed a new one is served.
@test "serve-http under ulimit -n 64: no busy loop, extra connections closed, open ones served, -v says so once" {
	mkdir "$T/root"
	printf 'hello world\n' >"$T/root/hello.txt"
	truncate -s 16M "$T/root/big.bin"
	start_limited serve-http -v -i 60s -p 0 "$T/root"
	run --separate-stderr timeout 60 "$PYTHON3" - "$PORT" "$SERVER_PID" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
exec(os.environ["CPU_PY"])
held, kinds = [], {"200": 0, "503": 0, "closed": 0, "hung": 0}
for i in range(60):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.settimeout(3)
    try:
        c.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        d = c.recv(12)
    except socket.timeout:
        kinds["hung"] += 1
        break
    except OSError:
        d = b""
    k = d[9:12].decode() if d.startswith(b"HTTP/1.1 ") else "closed"
    kinds[k] = kinds.get(k, 0) + 1
    held.append(c)
print("kinds", kinds, file=sys.stderr)
print("hung", kinds["hung"])
print("got 200", "some" if kinds["200"] >= 10 else kinds["200"])
print("turned away", "some" if kinds["closed"] > 0 else "none")
c0 = cpu_ms()
time.sleep(1.0)
used = cpu_ms() - c0
print("cpu %d ms" % used, file=sys.stderr)
print("busy", "yes" if used > 300 else "no")
first, n = held[0], 0
first.settimeout(10)
buf = b""
while b"\r\n\r\n" not in buf:
    buf += first.recv(65536)
n = len(buf.split(b"\r\n\r\n", 1)[1]) + 12
while n < 12 + (16 << 20):
    d = first.recv(1 << 20)
    if not d:
        break
    n += len(d)
print("first got", n - 12)
for c in held:
    c.close()
end = time.monotonic() + 5
while True:
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    d = c.recv(4096)
    c.close()
    if d.startswith(b"HTTP/1.1 200") or time.monotonic() > end:
        break
    time.sleep(0.05)
print("after", d.split(b"\r\n")[0].decode())
PY
	echo "$stderr" >&2
	assert_success
	assert_line "hung 0"
	assert_line "got 200 some"
	assert_line "turned away some"
	assert_line "busy no"
	assert_line "first got $((16 << 20))"
	assert_line "after HTTP/1.1 200 OK"
	kill -0 "$SERVER_PID"
	assert_equal "$(grep -c '^accept: Too many open files' "$T/stderr")" 1
}

@test "chat -l under ulimit -n 64: no busy loop, extra connections closed, open ones served, -v says so once" {
	start_limited chat -l -v 127.0.0.1 0
	run --separate-stderr timeout 60 "$PYTHON3" - "$PORT" "$SERVER_PID" <<'PY'
import os, selectors, socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
exec(os.environ["CPU_PY"])
conns = [socket.create_connection(("127.0.0.1", port), timeout=5)
         for _ in range(100)]
c0 = cpu_ms()
time.sleep(1.0)
used = cpu_ms() - c0
print("cpu %d ms" % used, file=sys.stderr)
print("busy", "yes" if used > 300 else "no")
sel = selectors.DefaultSelector()
for c in conns:
    c.setblocking(False)
    sel.register(c, selectors.EVENT_READ)
served = closed = 0
end = time.monotonic() + 5
while sel.get_map() and time.monotonic() < end:
    for key, _ in sel.select(0.2):
        try:
            d = key.fileobj.recv(4096)
        except ConnectionResetError:
            d = b""
        except BlockingIOError:
            continue
        if d.startswith(b"* welcome"):
            served += 1
        elif d == b"":
            closed += 1
        else:
            print("odd reply %r" % d[:60])
        sel.unregister(key.fileobj)
print("hung", len(sel.get_map()))
print("turned away", "some" if closed > 0 else "none")
print("served", "many" if served >= 40 else served)
print("all", served + closed + len(sel.get_map()))
# The first client still talks with the room.
conns[0].setblocking(True)
conns[0].settimeout(5)
conns[0].sendall(b"/nick first\n")
buf = b""
while b"first" not in buf:
    d = conns[0].recv(4096)
    if not d:
        break
    buf += d
print("first still", "talks" if b"first" in buf else "gone")
for c in conns:
    c.close()
end = time.monotonic() + 5
while True:
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        d = c.recv(4096)
    except ConnectionResetError:
        d = b""
    c.close()
    if d.startswith(b"* welcome") or time.monotonic() > end:
        break
    time.sleep(0.05)
print("after", "welcome" if d.startswith(b"* welcome") else "nothing")
PY
	echo "$stderr" >&2
	assert_success
	assert_line "busy no"
	assert_line "hung 0"
	assert_line "turned away some"
	assert_line "served many"
	assert_line "all 100"
	assert_line "first still talks"
	assert_line "after welcome"
	refute_line --partial "odd reply"
	kill -0 "$SERVER_PID"
	assert_equal "$(grep -c '^accept: Too many open files' "$T/stderr")" 1
}
