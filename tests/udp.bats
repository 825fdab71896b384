#!/usr/bin/env bats
#
# udp-send and udp-recv against the contract (design/cli.md) and issue 3:
# datagrams keep their boundaries, every peer is heard and answered, the
# UDP maximum arrives whole and more is refused before anything is sent, an
# empty datagram is a datagram, the four output formats byte for byte, -r,
# -c, -w, -v, --port-file, -4/-6, multicast on loopback, and the usage and
# runtime errors.  Peers: sockctl itself, python3 sockets, nc -u
# (netcat-openbsd), ncat and socat.  Every port is picked by the kernel.

load test_helper/common

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	export T
}

# --- helpers -------------------------------------------------------------

# sc ARGS...: `run --separate-stderr` of sockctl ARGS, stdin from $IN
# (default /dev/null), bounded by timeout 20.  `run` drops trailing
# newlines, so the exact bytes are kept in $T/stdout and $T/stderr.
sc() {
	run --separate-stderr sc_exact "$@"
}

sc_exact() {
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

stdout_is() { is_file "$T/stdout" "$1"; }
stderr_is() { is_file "$T/stderr" "$1"; }

stdout_empty() {
	[[ ! -s $T/stdout ]] || fail "stdout is not empty: '$(<"$T/stdout")'"
}

stderr_empty() {
	[[ ! -s $T/stderr ]] || fail "stderr is not empty: '$(<"$T/stderr")'"
}

# one_line FILE ERE: FILE is exactly one line, and it matches ERE.
one_line() {
	local n
	n=$(wc -l <"$1")
	[[ $n -eq 1 && $(tail -c 1 "$1" | od -An -c) == *'\n'* ]] ||
	    fail "$1 is not one line: '$(<"$1")'"
	grep -Eq -- "$2" "$1" || fail "'$(<"$1")' does not match /$2/"
}

# usage_error CMD MESSAGE: the last sc was a usage error: exit 2, nothing
# on stdout, and exactly the two lines of the contract on stderr.
usage_error() {
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl $1: $2\nTry 'sockctl $1 --help'.\n"
}

# recv_start ARGS...: udp-recv ARGS in the background through start_server,
# stdout in $T/recv.out, stderr in $T/recv.err.
recv_start() {
	start_server udp-recv "$@" >"$T/recv.out" 2>"$T/recv.err"
}

# recv_done STATUS: the receiver ends by itself with STATUS.
recv_done() {
	wait_for_exit "$SERVER_PID" || fail "udp-recv is still running"
	[[ $status -eq $1 ]] ||
	    fail "udp-recv exited $status, not $1; stderr: $(<"$T/recv.err")"
}

# marker_only [HOST]: sends the datagram "marker" to the receiver (started
# with -c 1) and checks that it is all the receiver printed: nothing came
# before it.  No timing involved, unlike waiting for -w to pass.
marker_only() {
	timeout 20 "$SOCKCTL" udp-send "${1:-127.0.0.1}" "$PORT" marker 3>&- ||
	    fail "the marker was not sent"
	recv_done 0
	is_file "$T/recv.out" 'marker\n'
}

# py NAME: saves the Python program on stdin as $T/NAME.py behind a prelude.
# udp() binds a socket to port 0 with a 10 s timeout; announce() writes
# its port to $T/NAME.port; dest() is sockctl's $PORT; put()/get() and
# wait_file() move bytes through files in $T.
py() {
	{
		cat <<'PRELUDE'
import base64, json, os, random, socket, struct, sys, time
T = os.environ["T"]
NAME = os.environ["PYNAME"]
PORT = int(os.environ.get("PORT") or 0)
def path(name):
    return os.path.join(T, name)
def put(name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(path(name + ".tmp"), "wb") as f:
        f.write(data)
    os.rename(path(name + ".tmp"), path(name))
def get(name):
    with open(path(name), "rb") as f:
        return f.read()
def wait_file(name, want=None, limit=10):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            b = get(name)
            if (want is None and b) or (want is not None and want in b):
                return b
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    raise SystemExit("%s: waited in vain for %s" % (NAME, name))
def udp(addr="127.0.0.1", timeout=10):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    s.settimeout(timeout)
    return s
def announce(s):
    put(NAME + ".port", "%d\n" % s.getsockname()[1])
def dest(addr="127.0.0.1"):
    return (addr, PORT)
def marker_next(s):
    """Sends "marker" from s to udp-recv --echo: True if its echo is the
    next datagram s gets, so nothing else came to s before it (no fixed
    wait for nothing to happen)."""
    s.sendto(b"marker", dest(s.getsockname()[0]))
    d = s.recvfrom(70000)
    if d[0] == b"marker":
        return True
    print("unexpected datagram", d, file=sys.stderr)
    return False
def empty(s):
    """True if nothing is queued on s: for when what might have come
    would have come before something s already got."""
    try:
        d = s.recvfrom(70000, socket.MSG_DONTWAIT)
    except (BlockingIOError, socket.timeout):
        return True
    print("unexpected datagram", d, file=sys.stderr)
    return False
PRELUDE
		cat
	} >"$T/$1.py"
}

# py_run NAME: runs $T/NAME.py in the foreground, bounded by timeout 20.
py_run() {
	PYNAME=$1 timeout 20 python3 "$T/$1.py" </dev/null 3>&-
}

# py_server NAME: runs $T/NAME.py in the background, waits for its port
# file; sets PY_PORT and PY_PID.  Its output goes to $T/NAME.out/.err.
py_server() {
	PYNAME=$1 python3 "$T/$1.py" </dev/null >"$T/$1.out" 2>"$T/$1.err" 3>&- &
	PY_PID=$!
	track "$PY_PID"
	wait_for_file "$T/$1.port" || fail "python $1 wrote no port file"
	PY_PORT=$(<"$T/$1.port")
}

# py_done PID: a background python program ended with exit 0.
py_done() {
	wait_for_exit "$1" 20 || fail "python is still running"
	[[ $status -eq 0 ]] || fail "python exited $status"
}

# udp_port_of PID: the local UDP port the process PID has bound, from ss.
udp_port_of() {
	local i line
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		line=$(ss -Hnuap 2>/dev/null | grep -F "pid=$1," | head -1)
		if [[ -n $line ]]; then
			line=$(awk '{ print $4 }' <<<"$line")
			echo "${line##*:}"
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# udp_closed_port: a UDP port on 127.0.0.1 that nothing listens on (it
# was free a moment ago: for "connection refused" cases only).
udp_closed_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_for_size FILE BYTES: polls until FILE holds at least BYTES bytes.
wait_for_size() {
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		[[ -f $1 ]] && (($(stat -c %s "$1") >= $2)) && return 0
		sleep 0.02
	done
	return 1
}

now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# json_check FILE: every line of FILE is one valid JSON object with the
# contract's keys in order; prints the objects, one repr() per line.
json_check() {
	python3 - "$1" <<'EOF'
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\n") or data == b"", "no final newline"
for line in data.split(b"\n")[:-1]:
    o = json.loads(line.decode("utf-8"))
    keys = list(o)
    assert keys in (["from", "port", "size", "data"],
        ["from", "port", "size", "base64"]), keys
    assert isinstance(o["port"], int) and isinstance(o["size"], int)
    print(repr(o))
EOF
}

# --- one datagram, sockctl to itself ---------------------------------

@test "udp: udp-send MESSAGE to udp-recv -c 1: the payload and a newline" {
	recv_start -c 1 127.0.0.1 0
	sc udp-send 127.0.0.1 "$PORT" hello
	assert_success
	stdout_empty
	stderr_empty
	recv_done 0
	is_file "$T/recv.out" 'hello\n'
	[[ ! -s $T/recv.err ]]
}

@test "udp: MESSAGE arguments are joined by single spaces" {
	recv_start -c 1 -f json 127.0.0.1 0
	sc udp-send 127.0.0.1 "$PORT" hello 'big  world' '' x
	assert_success
	recv_done 0
	run json_check "$T/recv.out"
	assert_success
	assert_output --regexp "'size': 19, 'data': 'hello big  world  x'}$"
}

# --- every peer is heard and answered ---------------------------------

@test "udp: udp-recv prints the datagrams of 3 python peers sending at once" {
	recv_start -c 6 -f json 127.0.0.1 0
	py senders <<'EOF'
socks = [udp() for i in range(3)]
for rnd in range(2):
    for i, s in enumerate(socks):
        s.sendto(b"peer %d round %d" % (i, rnd), dest())
put("ports", "".join("%d\n" % s.getsockname()[1] for s in socks))
EOF
	PORT=$PORT py_run senders
	recv_done 0
	run json_check "$T/recv.out"
	assert_success
	assert_equal "${#lines[@]}" 6
	json_check "$T/recv.out" >"$T/objs"
	mapfile -t ports <"$T/ports"
	local i
	# Each peer's datagrams in the order it sent them; peers interleave.
	for i in 0 1 2; do
		run grep -F "'port': ${ports[i]}," "$T/objs"
		assert_output "{'from': '127.0.0.1', 'port': ${ports[i]}, 'size': 14, 'data': 'peer $i round 0'}
{'from': '127.0.0.1', 'port': ${ports[i]}, 'size': 14, 'data': 'peer $i round 1'}"
	done
}

@test "udp: --echo answers three different peers, each with its own datagram" {
	recv_start --echo -c 6 127.0.0.1 0
	py echo3 <<'EOF'
socks = [udp() for i in range(3)]
for i, s in enumerate(socks):
    s.sendto(b"only for peer %d" % i, dest())
for i, s in enumerate(socks):
    d, a = s.recvfrom(70000)
    assert d == b"only for peer %d" % i, (i, d)
    assert a[1] == PORT, a
for s in socks:
    assert marker_next(s)
EOF
	PORT=$PORT py_run echo3
	recv_done 0
	run sort "$T/recv.out"
	assert_output $'marker\nmarker\nmarker\nonly for peer 0\nonly for peer 1\nonly for peer 2'
}

@test "udp: --echo keeps answering peers that come after the first (nc, ncat, socat lock to it)" {
	recv_start --echo 127.0.0.1 0
	py later <<'EOF'
a, b, c = udp(), udp(), udp()
for s, msg in ((a, b"first"), (b, b"second"), (c, b"third"),
               (a, b"first again"), (c, b"third again"), (b, b"second again")):
    s.sendto(msg, dest())
    d, _ = s.recvfrom(70000)
    assert d == msg, (msg, d)
for s in (a, b, c):
    assert marker_next(s)
EOF
	PORT=$PORT py_run later
	is_file "$T/recv.out" 'first\nsecond\nthird\nfirst again\nthird again\nsecond again\nmarker\nmarker\nmarker\n'
	kill -0 "$SERVER_PID"
}

@test "udp: --echo answers two nc -u clients and an ncat -u client in turn" {
	recv_start --echo -c 3 127.0.0.1 0
	run -0 --separate-stderr timeout 20 nc -u -w1 127.0.0.1 "$PORT" \
	    < <(printf 'nc one\n')
	assert_output 'nc one'
	run -0 --separate-stderr timeout 20 nc -u -w1 127.0.0.1 "$PORT" \
	    < <(printf 'nc two\n')
	assert_output 'nc two'
	# ncat ends at EOF on stdin: keep it open a second for the echo.
	run -0 --separate-stderr timeout 20 ncat -u 127.0.0.1 "$PORT" \
	    < <(printf 'ncat three\n'; sleep 1)
	assert_output 'ncat three'
	recv_done 0
	is_file "$T/recv.out" 'nc one\n\nnc two\n\nncat three\n\n'
}

@test "udp: --reply sends each stdin line to the most recent sender" {
	mkfifo "$T/in"
	# Hold the fifo open for writing until python has opened it, so that
	# udp-recv neither blocks opening its stdin nor sees EOF too early.
	exec 5<>"$T/in"
	# Not start_server: bash gives a background job inside a function
	# /dev/null for stdin.
	"$SOCKCTL" udp-recv --reply -c 3 --port-file "$T/pf" 127.0.0.1 0 \
	    <"$T/in" >"$T/recv.out" 2>"$T/recv.err" 3>&- 5>&- &
	SERVER_PID=$!
	track "$SERVER_PID"
	wait_for_file "$T/pf" || fail "no port file"
	PORT=$(<"$T/pf")
	py reply <<'EOF'
w = os.open(path("in"), os.O_WRONLY)
put("opened", "1")
a, b = udp(), udp()
a.sendto(b"from a", dest())
wait_file("recv.out", b"from a\n")
os.write(w, b"to a\n")
d, src = a.recvfrom(70000)
assert d == b"to a" and src[1] == PORT, (d, src)
b.sendto(b"from b", dest())
wait_file("recv.out", b"from b\n")
os.write(w, b"to b\n\nagain to b\n")
for want in (b"to b", b"", b"again to b"):
    d, _ = b.recvfrom(70000)
    assert d == want, (want, d)
# The last line needs no newline: it goes at EOF.
os.write(w, b"last to b")
os.close(w)
d, _ = b.recvfrom(70000)
assert d == b"last to b", d
# Every reply went out before the last one, which b has: a stray one
# would be queued by now.
assert empty(a) and empty(b)
a.sendto(b"bye", dest())
EOF
	PORT=$PORT PYNAME=reply python3 "$T/reply.py" </dev/null 3>&- 5>&- &
	local pid=$!
	track "$pid"
	wait_for_file "$T/opened" || fail "python did not open the fifo"
	exec 5>&-
	py_done "$pid"
	recv_done 0
	is_file "$T/recv.out" 'from a\nfrom b\nbye\n'
	[[ ! -s $T/recv.err ]]
}

# --- sizes: the UDP maximum arrives whole, more is refused -----------

@test "udp: a 65507-byte random datagram round trip over IPv4 (--whole to -f raw)" {
	head -c 65507 /dev/urandom >"$T/data"
	recv_start -f raw -c 1 127.0.0.1 0
	IN=$T/data sc udp-send --whole 127.0.0.1 "$PORT"
	assert_success
	stderr_empty
	recv_done 0
	cmp "$T/data" "$T/recv.out"
}

@test "udp: a 65527-byte random datagram round trip over IPv6 (::1)" {
	head -c 65527 /dev/urandom >"$T/data"
	recv_start -6 -f raw -c 1 ::1 0
	IN=$T/data sc udp-send --whole ::1 "$PORT"
	assert_success
	stderr_empty
	recv_done 0
	cmp "$T/data" "$T/recv.out"
}

@test "udp: 65507 random bytes from python arrive whole, json base64 decodes to them" {
	recv_start -f json -c 1 127.0.0.1 0
	py big <<'EOF'
s = udp()
data = bytes(random.getrandbits(8) for _ in range(65507))
data = b"\xff" + data[1:]   # surely not UTF-8
s.sendto(data, dest())
put("data", data)
put("myport", str(s.getsockname()[1]))
EOF
	PORT=$PORT py_run big
	recv_done 0
	run json_check "$T/recv.out"
	assert_success
	assert_equal "${#lines[@]}" 1
	python3 - "$T/recv.out" "$T/data" "$(<"$T/myport")" <<'EOF'
import base64, json, sys
o = json.loads(open(sys.argv[1], "rb").read())
want = open(sys.argv[2], "rb").read()
assert o["from"] == "127.0.0.1" and o["port"] == int(sys.argv[3]), o
assert o["size"] == 65507 and "data" not in o
assert base64.b64decode(o["base64"], validate=True) == want
EOF
}

@test "udp: 70000 bytes on stdin (--whole) refused: exit 1, one line with both sizes, nothing sent" {
	head -c 70000 /dev/urandom >"$T/data"
	recv_start -c 1 127.0.0.1 0
	IN=$T/data sc udp-send --whole 127.0.0.1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<70000\>.*\<65507\>'
	marker_only
}

@test "udp: 70000 bytes through a pipe (--whole) refused naming 70000" {
	recv_start -c 1 127.0.0.1 0
	IN=<(head -c 70000 /dev/zero | tr '\0' x) sc udp-send --whole \
	    127.0.0.1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<70000\>.*\<65507\>'
	marker_only
}

@test "udp: a 70000-byte MESSAGE argument refused, nothing sent" {
	local msg
	msg=$(head -c 70000 /dev/zero | tr '\0' m)
	recv_start -c 1 127.0.0.1 0
	sc udp-send 127.0.0.1 "$PORT" "$msg"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<70000\>.*\<65507\>'
	marker_only
}

@test "udp: a 70000-byte line through a pipe (--lines) refused naming 70000" {
	recv_start -c 1 127.0.0.1 0
	IN=<(head -c 70000 /dev/zero | tr '\0' x; echo) sc udp-send \
	    127.0.0.1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<70000\>.*\<65507\>'
	marker_only
}

@test "udp: a short line then a 70000-byte line in a file: nothing at all is sent" {
	{ echo short; head -c 70000 /dev/zero | tr '\0' x; echo; } >"$T/data"
	recv_start -c 1 127.0.0.1 0
	IN=$T/data sc udp-send 127.0.0.1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<70000\>.*\<65507\>'
	marker_only
}

@test "udp: a 2 MiB line through a pipe (--lines) is measured to its newline, not to EOF" {
	# Longer than a read block: the rest of the line is counted from
	# stdin to name its size, and the lines after it are not counted.
	recv_start -c 1 127.0.0.1 0
	IN=<(head -c 2097152 /dev/zero | tr '\0' x; printf '\nnext\nlast\n') \
	    sc udp-send 127.0.0.1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<2097152\>.*\<65507\>'
	marker_only
}

@test "udp: 2 MiB of lines through a pipe (--whole) refused naming all 2 MiB" {
	# The count goes on past newlines, to the end of stdin.
	recv_start -c 1 127.0.0.1 0
	IN=<(yes 'a line of text' | head -c 2097152) sc udp-send --whole \
	    127.0.0.1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<2097152\>.*\<65507\>'
	marker_only
}

@test "udp: 70000 bytes over IPv6 refused naming 65527" {
	head -c 70000 /dev/urandom >"$T/data"
	recv_start -6 -c 1 ::1 0
	IN=$T/data sc udp-send --whole ::1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<70000\>.*\<65527\>'
	marker_only ::1
}

@test "udp: 65508 bytes refused over IPv4" {
	head -c 65508 /dev/urandom >"$T/data"
	recv_start -c 1 127.0.0.1 0
	IN=$T/data sc udp-send --whole 127.0.0.1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*\<65508\>.*\<65507\>'
	marker_only
}

@test "udp: 65508 bytes accepted over IPv6" {
	head -c 65508 /dev/urandom >"$T/data"
	recv_start -f raw -c 1 ::1 0
	IN=$T/data sc udp-send --whole ::1 "$PORT"
	assert_success
	stderr_empty
	recv_done 0
	cmp "$T/data" "$T/recv.out"
}

# --- empty datagrams ----------------------------------------------------

@test "udp: an empty datagram is an empty line (line), size 0 (json), and counted by -c" {
	recv_start -c 3 -f json 127.0.0.1 0
	IN=<(printf 'a\n\nb\n') sc udp-send 127.0.0.1 "$PORT"
	assert_success
	recv_done 0
	local p
	p=$(sed -n '1s/.*"port":\([0-9]*\),.*/\1/p' "$T/recv.out")
	is_file "$T/recv.out" \
"{\"from\":\"127.0.0.1\",\"port\":$p,\"size\":1,\"data\":\"a\"}
{\"from\":\"127.0.0.1\",\"port\":$p,\"size\":0,\"data\":\"\"}
{\"from\":\"127.0.0.1\",\"port\":$p,\"size\":1,\"data\":\"b\"}\n"

	recv_start -c 2 127.0.0.1 0
	sc udp-send 127.0.0.1 "$PORT" ''
	assert_success
	sc udp-send 127.0.0.1 "$PORT" 'after'
	recv_done 0
	is_file "$T/recv.out" '\nafter\n'
}

@test "udp: empty datagrams from python are not end of input: each is a line, counted by -c" {
	recv_start -c 2 127.0.0.1 0
	py empty <<'EOF'
s = udp()
s.sendto(b"", dest())
s.sendto(b"", dest())
EOF
	PORT=$PORT py_run empty
	recv_done 0
	is_file "$T/recv.out" '\n\n'
}

@test "udp: --whole with empty stdin sends one empty datagram" {
	recv_start -c 1 -f json 127.0.0.1 0
	sc udp-send --whole 127.0.0.1 "$PORT"
	assert_success
	recv_done 0
	run json_check "$T/recv.out"
	assert_output --regexp "'size': 0, 'data': ''}$"
}

# --- record boundaries on stdin ------------------------------------------

# sizes_and_data FILE: "SIZE DATA" per json line.
sizes_and_data() {
	python3 -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    print(o["size"], repr(o.get("data", o.get("base64"))))' "$1"
}

@test "udp: --lines (default): a datagram per line, no newline, empty line empty, last line without newline sent" {
	local mode
	for mode in '' --lines; do
		recv_start -c 5 -f json 127.0.0.1 0
		IN=<(printf 'one\ntwo\n\n\tfour \nlast') sc udp-send $mode \
		    127.0.0.1 "$PORT"
		assert_success
		stderr_empty
		recv_done 0
		run sizes_and_data "$T/recv.out"
		assert_output "3 'one'
3 'two'
0 ''
6 '\\tfour '
4 'last'"
	done
}

@test "udp: --lines keeps CR and NUL bytes inside a line" {
	recv_start -c 2 -f raw 127.0.0.1 0
	IN=<(printf 'a\r\nb\0c\n') sc udp-send 127.0.0.1 "$PORT"
	assert_success
	recv_done 0
	is_file "$T/recv.out" 'a\rb\0c'
}

@test "udp: --whole sends all of stdin, newlines included, as one datagram" {
	recv_start -c 1 -f json 127.0.0.1 0
	IN=<(printf 'a\nb\n\n') sc udp-send --whole 127.0.0.1 "$PORT"
	assert_success
	recv_done 0
	run sizes_and_data "$T/recv.out"
	assert_output "5 'a\\nb\\n\\n'"
}

@test "udp: --chunk 4 splits 10 bytes into 4, 4 and 2; 8 bytes into 4 and 4" {
	recv_start -c 3 -f json 127.0.0.1 0
	IN=<(printf '0123456789') sc udp-send --chunk 4 127.0.0.1 "$PORT"
	assert_success
	recv_done 0
	run sizes_and_data "$T/recv.out"
	assert_output "4 '0123'
4 '4567'
2 '89'"

	recv_start -f json -c 3 127.0.0.1 0
	IN=<(printf 'ab\ncd\nef') sc udp-send --chunk 4 127.0.0.1 "$PORT"
	assert_success
	sc udp-send 127.0.0.1 "$PORT" marker
	recv_done 0
	run sizes_and_data "$T/recv.out"
	assert_output "4 'ab\\nc'
4 'd\\nef'
6 'marker'"
}

@test "udp: --chunk boundaries hold for 1 MiB from a slow pipe" {
	head -c 1048576 /dev/urandom >"$T/data"
	recv_start -f raw -c 1024 127.0.0.1 0
	# The writer dribbles odd-sized pieces; chunks must not follow them.
	IN=<(python3 -c 'import sys, time
d = open(sys.argv[1], "rb").read()
o = sys.stdout.buffer
for i in range(0, len(d), 777):
    o.write(d[i:i + 777]); o.flush()
    if i % 77700 == 0: time.sleep(0.01)' "$T/data") \
	    sc udp-send --chunk 1024 127.0.0.1 "$PORT"
	assert_success
	recv_done 0
	cmp "$T/data" "$T/recv.out"
}

# packet_feed: the python program that feeds udp-send from packet streams
# (a packet-mode pipe, pipe2 O_DIRECT, and a SOCK_SEQPACKET socketpair,
# where every read returns one write) and checks each datagram that a
# python receiver gets, then a marker sent after udp-send exited: nothing
# more came.  The writer runs ahead so that udp-send finds many records
# waiting and batches them.
packet_feed() {
	py packet <<'EOF2'
import subprocess, threading
rcv = udp()
# Room for every datagram of a case even if the thread below falls behind.
rcv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
mark = udp()
def case(kind, args, records, want):
    if kind == "pipe":
        rd, wr = os.pipe2(os.O_DIRECT)
        put_rec = lambda b: os.write(wr, b)
        close = lambda: os.close(wr)
    else:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        rd = b.detach()
        put_rec = a.send
        close = a.close
    got = []
    # Taken as they come: the socket's queue cannot hold them all.
    t = threading.Thread(target=lambda: got.extend(
        rcv.recvfrom(70000)[0] for w in want))
    t.start()
    p = subprocess.Popen([os.environ["SOCKCTL"], "udp-send"] + args +
        ["127.0.0.1", str(rcv.getsockname()[1])], stdin=rd,
        stderr=subprocess.PIPE)
    os.close(rd)
    for r in records:
        assert put_rec(r) == len(r), (kind, r)
    close()
    err = p.stderr.read()
    assert p.wait(timeout=15) == 0 and err == b"", (kind, args, err)
    t.join(15)
    assert got == want, (kind, args, [len(g) for g in got][:20])
    mark.sendto(b"marker", rcv.getsockname())
    d = rcv.recvfrom(70000)[0]
    assert d == b"marker", (kind, args, "extra datagram", d)
rng = random.Random(8)
fixed = [b"%064d" % i for i in range(400)]
odd = [bytes(rng.randrange(256) for j in range(rng.randrange(1, 150)))
    for i in range(200)]
whole = b"".join(odd)
split = [whole[i:i + 100] for i in range(0, len(whole), 100)]
lines = [b"one\n", b"two\nthr", b"ee\n", b"\n", b"4\n5\n", b"six"]
for kind in ("pipe", "seqpacket"):
    case(kind, ["--chunk", "64"], fixed, fixed)
    case(kind, ["--chunk", "100"], odd, split)
    case(kind, [], lines, [b"one", b"two", b"three", b"", b"4", b"5",
        b"six"])
EOF2
}

@test "udp: --chunk and --lines from a packet stream: each datagram as from a byte stream, none lost, none extra" {
	packet_feed
	py_run packet
}

# --- -c and --interval ---------------------------------------------------

@test "udp: udp-send -c 3 sends the message three times, no more" {
	recv_start -c 4 127.0.0.1 0
	sc udp-send -c 3 127.0.0.1 "$PORT" again
	assert_success
	sc udp-send 127.0.0.1 "$PORT" marker
	recv_done 0
	is_file "$T/recv.out" 'again\nagain\nagain\nmarker\n'
}

@test "udp: udp-send -c 2 --whole sends stdin twice" {
	recv_start -c 2 -f json 127.0.0.1 0
	IN=<(printf 'x\ny') sc udp-send -c 2 --whole 127.0.0.1 "$PORT"
	assert_success
	recv_done 0
	run sizes_and_data "$T/recv.out"
	assert_output "3 'x\\ny'
3 'x\\ny'"
}

@test "udp: --interval 200ms spaces three datagrams (python receiver)" {
	py stamps <<'EOF'
s = udp()
announce(s)
t = []
for i in range(3):
    d, _ = s.recvfrom(70000)
    t.append((time.monotonic(), d))
assert [d for _, d in t] == [b"tick"] * 3, t
gaps = [t[i + 1][0] - t[i][0] for i in range(2)]
assert all(g >= 0.1 for g in gaps), gaps
EOF
	py_server stamps
	local t0 t1
	t0=$(now_ms)
	sc udp-send -c 3 --interval 200ms 127.0.0.1 "$PY_PORT" tick
	t1=$(now_ms)
	assert_success
	stderr_empty
	((t1 - t0 >= 390)) || fail "3 datagrams 200 ms apart took $((t1 - t0)) ms"
	py_done "$PY_PID"
}

@test "udp: udp-recv -c 2 exits after 2 even when 5 are waiting" {
	recv_start -c 2 127.0.0.1 0
	py five <<'EOF'
s = udp()
for i in range(5):
    s.sendto(b"d%d" % i, dest())
EOF
	PORT=$PORT py_run five
	recv_done 0
	is_file "$T/recv.out" 'd0\nd1\n'
}

# --- -r, --wait-reply ------------------------------------------------------

@test "udp: -r catches replies sent 300 ms late and prints each on its own line" {
	py late <<'EOF'
s = udp()
announce(s)
d, a = s.recvfrom(70000)
assert d == b"ping", d
time.sleep(0.3)
s.sendto(b"pong one", a)
s.sendto(b"", a)
s.sendto(b"pong three", a)
EOF
	py_server late
	sc udp-send -r 127.0.0.1 "$PY_PORT" ping
	assert_success
	stdout_is 'pong one\n\npong three\n'
	stderr_empty
	py_done "$PY_PID"
}

@test "udp: -r exits 1 with one line when no reply comes within -w 300ms" {
	py mute <<'EOF'
s = udp()
announce(s)
d, a = s.recvfrom(70000)
put("got", d)
time.sleep(5)
EOF
	py_server mute
	local t0 t1
	t0=$(now_ms)
	sc udp-send -r -w 300ms 127.0.0.1 "$PY_PORT" hello?
	t1=$(now_ms)
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: '
	((t1 - t0 >= 290 && t1 - t0 < 5000)) ||
	    fail "-w 300ms waited $((t1 - t0)) ms"
	is_file "$T/got" 'hello?'
}

@test "udp: -r to a closed port exits 1 with one line" {
	local p
	p=$(udp_closed_port)
	sc udp-send -r -w 1s 127.0.0.1 "$p" hello
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*Connection refused'
}

@test "udp: -r gets the --echo of udp-recv over IPv6" {
	recv_start --echo -c 1 ::1 0
	sc udp-send -r -w 1s ::1 "$PORT" 'echo me'
	assert_success
	stdout_is 'echo me\n'
	stderr_empty
	recv_done 0
}

# --- output formats --------------------------------------------------------

@test "udp: -f raw writes payload bytes only, binary-safe" {
	recv_start -f raw -c 4 127.0.0.1 0
	py raw <<'EOF'
s = udp()
for d in (b"ab\x00", b"", b"\xff\n", b"\r\n"):
    s.sendto(d, dest())
EOF
	PORT=$PORT py_run raw
	recv_done 0
	is_file "$T/recv.out" 'ab\0\xff\n\r\n'
}

@test "udp: -f hex is a header line then hexdump -C lines, per datagram" {
	recv_start -f hex -c 3 127.0.0.1 0
	py hex <<'EOF'
s = udp()
one = bytes(range(0x1e, 0x1e + 40)) + b"\x7f\x80\xff\x00"
two = b"caf\xc3\xa9"
for d in (one, b"", two):
    s.sendto(d, dest())
put("one", one)
put("two", two)
put("myport", str(s.getsockname()[1]))
EOF
	PORT=$PORT py_run hex
	recv_done 0
	local p
	p=$(<"$T/myport")
	{
		echo "from 127.0.0.1 port $p, 44 bytes"
		hexdump -C "$T/one" | sed '$d'
		echo "from 127.0.0.1 port $p, 0 bytes"
		echo "from 127.0.0.1 port $p, 5 bytes"
		hexdump -C "$T/two" | sed '$d'
	} >"$T/want.hex"
	diff -u "$T/want.hex" "$T/recv.out"
}

@test "udp: -f hex of 65507 random bytes matches hexdump -C" {
	head -c 65507 /dev/urandom >"$T/data"
	recv_start -f hex -c 1 127.0.0.1 0
	IN=$T/data sc udp-send --whole 127.0.0.1 "$PORT"
	assert_success
	recv_done 0
	head -1 "$T/recv.out" | grep -Eq '^from 127\.0\.0\.1 port [0-9]+, 65507 bytes$'
	# -v: random data could repeat a line, which hexdump -C would squeeze.
	diff <(hexdump -Cv "$T/data" | sed '$d') <(tail -n +2 "$T/recv.out")
}

@test "udp: -f json escapes UTF-8 text and control characters per RFC 8259" {
	recv_start -f json -c 4 127.0.0.1 0
	py text <<'EOF'
s = udp()
for d in ("café ☕".encode(), b"tab\there \"q\" back\\slash\r\n",
          b"\x00\x01\x1b\x1f\x7f/", "\U0001F600".encode()):
    s.sendto(d, dest())
put("myport", str(s.getsockname()[1]))
EOF
	PORT=$PORT py_run text
	recv_done 0
	local p
	p=$(<"$T/myport")
	is_file "$T/recv.out" \
"{\"from\":\"127.0.0.1\",\"port\":$p,\"size\":9,\"data\":\"café ☕\"}
{\"from\":\"127.0.0.1\",\"port\":$p,\"size\":25,\"data\":\"tab\\\\there \\\\\"q\\\\\" back\\\\\\\\slash\\\\r\\\\n\"}
{\"from\":\"127.0.0.1\",\"port\":$p,\"size\":6,\"data\":\"\\\\u0000\\\\u0001\\\\u001b\\\\u001f\x7f/\"}
{\"from\":\"127.0.0.1\",\"port\":$p,\"size\":4,\"data\":\"\xf0\x9f\x98\x80\"}\n"
	run json_check "$T/recv.out"
	assert_success
	assert_equal "${lines[0]}" "{'from': '127.0.0.1', 'port': $p, 'size': 9, 'data': 'café ☕'}"
	assert_equal "${lines[1]}" "{'from': '127.0.0.1', 'port': $p, 'size': 25, 'data': 'tab\\there \"q\" back\\\\slash\\r\\n'}"
	assert_equal "${lines[2]}" "{'from': '127.0.0.1', 'port': $p, 'size': 6, 'data': '\\x00\\x01\\x1b\\x1f\\x7f/'}"
	python3 -m json.tool --json-lines "$T/recv.out" >/dev/null
}

@test "udp: -f json uses base64 for payloads that are not UTF-8" {
	recv_start -f json -c 5 127.0.0.1 0
	py bin <<'EOF'
s = udp()
for d in (b"\xff", b"caf\xe9", b"\xc0\x80", b"\xed\xa0\x80", b"ok\x00\x80"):
    s.sendto(d, dest())
EOF
	PORT=$PORT py_run bin
	recv_done 0
	run sizes_and_data "$T/recv.out"
	assert_output "1 '/w=='
4 'Y2Fm6Q=='
2 'wIA='
3 '7aCA'
4 'b2sAgA=='"
	python3 -m json.tool --json-lines "$T/recv.out" >/dev/null
	run grep -c '"base64":' "$T/recv.out"
	assert_output 5
}

# --- -c, -w, -v, --port-file -----------------------------------------------

@test "udp: udp-recv -w 300ms exits 1 with one stderr line when no datagram comes" {
	local t0 t1
	t0=$(now_ms)
	sc udp-recv -w 300ms 127.0.0.1 0
	t1=$(now_ms)
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-recv: .*(300 ?ms|0\.3 ?s)'
	((t1 - t0 >= 290 && t1 - t0 < 5000)) ||
	    fail "-w 300ms waited $((t1 - t0)) ms"
}

@test "udp: udp-recv -v prints 'from ADDR port N, SIZE bytes' per datagram on stderr" {
	recv_start -v -c 3 0
	py verbose <<'EOF'
a, b = udp(), udp("::1")
a.sendto(b"hello", dest())
b.sendto(b"", dest("::1"))
a.sendto(b"x" * 1000, dest())
put("ports", "%d %d\n" % (a.getsockname()[1], b.getsockname()[1]))
EOF
	PORT=$PORT py_run verbose
	recv_done 0
	local pa pb
	read -r pa pb <"$T/ports"
	run grep -v '^listening on ' "$T/recv.err"
	assert_output "from 127.0.0.1 port $pa, 5 bytes
from ::1 port $pb, 0 bytes
from 127.0.0.1 port $pa, 1000 bytes"
	# Nothing but payload on stdout.
	is_file "$T/recv.out" "hello\n\n$(printf 'x%.0s' {1..1000})\n"
}

@test "udp: udp-recv -vv adds a detail line to each -v line: destination, interface, TTL, place in its batch" {
	recv_start -vv -c 4 0
	py vv <<'EOF'
a, b = udp(), udp("::1")
a.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 9)
b.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 5)
a.sendto(b"one", dest())
b.sendto(b"", dest("::1"))
a.sendto(b"three", dest())
a.sendto(b"x" * 1000, dest())
put("ports", "%d %d\n" % (a.getsockname()[1], b.getsockname()[1]))
EOF
	PORT=$PORT py_run vv
	recv_done 0
	local pa pb b='batch [1-9][0-9]* \([1-9][0-9]* of [1-9][0-9]*\)'
	read -r pa pb <"$T/ports"
	run grep -v '^listening on ' "$T/recv.err"
	assert_line -n 0 "from 127.0.0.1 port $pa, 3 bytes"
	assert_line -n 1 --regexp "^  to 127\.0\.0\.1 port $PORT on lo, ttl 9, datagram 1, $b\$"
	assert_line -n 2 "from ::1 port $pb, 0 bytes"
	assert_line -n 3 --regexp "^  to ::1 port $PORT on lo, ttl 5, datagram 2, $b\$"
	assert_line -n 4 "from 127.0.0.1 port $pa, 5 bytes"
	assert_line -n 5 --regexp "^  to 127\.0\.0\.1 port $PORT on lo, ttl 9, datagram 3, $b\$"
	assert_line -n 6 "from 127.0.0.1 port $pa, 1000 bytes"
	assert_line -n 7 --regexp "^  to 127\.0\.0\.1 port $PORT on lo, ttl 9, datagram 4, $b\$"
	assert_equal "${#lines[@]}" 8
	# The batches: numbered from 1 in order, each datagram's place
	# counting 1 to the batch's size.
	run python3 -c 'import re, sys
want_batch, want_i, size = 1, 1, 0
for l in open(sys.argv[1]):
    m = re.search(r"batch (\d+) \((\d+) of (\d+)\)$", l)
    if not m:
        continue
    bt, i, n = map(int, m.groups())
    if want_i > size:
        assert (bt, i) == (want_batch, 1), l
        want_batch, want_i, size = bt + 1, 1, n
    assert i == want_i and n == size, l
    want_i += 1
assert size > 0 and want_i == size + 1, "the last batch is short"
print("ok")' "$T/recv.err"
	assert_output ok
	# Nothing but payload on stdout.
	is_file "$T/recv.out" "one\n\nthree\n$(printf 'x%.0s' {1..1000})\n"
}

@test "udp: udp-recv -vv names a multicast group as the destination" {
	recv_start -vv -j 239.255.77.2%lo -c 1 -w 5s 0
	local why
	if ! why=$(mcast_probe 4); then
		skip "IPv4 multicast does not work over lo here: $why"
	fi
	sc udp-send --ttl 3 -s 127.0.0.1 239.255.77.2 "$PORT" hi
	assert_success
	recv_done 0
	run grep '^  to ' "$T/recv.err"
	assert_output --regexp '^  to 239\.255\.77\.2 port [0-9]+ on lo, ttl 3, datagram 1, batch 1 \(1 of 1\)$'
}

@test "udp: --port-file holds the bound port and a newline" {
	"$SOCKCTL" udp-recv --port-file "$T/pf" -c 1 127.0.0.1 0 \
	    >"$T/recv.out" 2>"$T/recv.err" 3>&- &
	SERVER_PID=$!
	track "$SERVER_PID"
	wait_for_file "$T/pf" || fail "no port file"
	PORT=$(<"$T/pf")
	is_file "$T/pf" "$PORT\n"
	[[ $PORT =~ ^[1-9][0-9]*$ ]] && ((PORT <= 65535))
	run udp_port_of "$SERVER_PID"
	assert_output "$PORT"
	sc udp-send 127.0.0.1 "$PORT" here
	recv_done 0
	is_file "$T/recv.out" 'here\n'
	run ls "$T"
	refute_output --partial pf.
}

# --- address families ----------------------------------------------------

@test "udp: the default receiver is dual-stack: datagrams to 127.0.0.1 and ::1" {
	recv_start -f json -c 2 0
	ss -Hnuap | grep -F "pid=$SERVER_PID," | grep -q " \*:$PORT "
	sc udp-send 127.0.0.1 "$PORT" four
	assert_success
	sc udp-send ::1 "$PORT" six
	assert_success
	recv_done 0
	run sizes_and_data "$T/recv.out"
	assert_output "4 'four'
3 'six'"
	grep -q '^{"from":"127.0.0.1",.*"data":"four"}$' "$T/recv.out"
	grep -q '^{"from":"::1",.*"data":"six"}$' "$T/recv.out"
}

@test "udp: udp-recv -4 takes IPv4 only" {
	recv_start -4 -c 2 0
	ss -Hnuap | grep -F "pid=$SERVER_PID," | grep -q " 0\.0\.0\.0:$PORT "
	sc udp-send ::1 "$PORT" six
	sc udp-send 127.0.0.1 "$PORT" four
	assert_success
	sc udp-send 127.0.0.1 "$PORT" marker
	recv_done 0
	is_file "$T/recv.out" 'four\nmarker\n'
}

@test "udp: udp-recv -6 takes IPv6 only" {
	recv_start -6 -c 2 0
	ss -Hnuap | grep -F "pid=$SERVER_PID," | grep -q " \[::\]:$PORT "
	sc udp-send 127.0.0.1 "$PORT" four
	sc udp-send ::1 "$PORT" six
	assert_success
	sc udp-send ::1 "$PORT" marker
	recv_done 0
	is_file "$T/recv.out" 'six\nmarker\n'
}

@test "udp: udp-send -4 and -6 refuse an address of the other family" {
	sc udp-send -4 ::1 9 x
	assert_failure
	stdout_empty
	[[ $(wc -l <"$T/stderr") -ge 1 ]]
	head -1 "$T/stderr" | grep -q '^sockctl udp-send: '
	sc udp-send -6 127.0.0.1 9 x
	assert_failure
	stdout_empty
	head -1 "$T/stderr" | grep -q '^sockctl udp-send: '
}

@test "udp: udp-send -s and -p set the source address and port" {
	recv_start -f json -c 1 127.0.0.1 0
	local sp
	sp=$(udp_closed_port)
	sc udp-send -s 127.0.0.1 -p "$sp" 127.0.0.1 "$PORT" sourced
	assert_success
	recv_done 0
	is_file "$T/recv.out" \
	    "{\"from\":\"127.0.0.1\",\"port\":$sp,\"size\":7,\"data\":\"sourced\"}\n"
}

@test "udp: --ttl sets the TTL of IPv4 and the hop limit of IPv6 datagrams" {
	py ttl <<'EOF'
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
a, b = udp(), udp("::1")
a.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
b.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
put("ports", "%d %d\n" % (a.getsockname()[1], b.getsockname()[1]))
put(NAME + ".port", "1\n")
got = []
for s in (a, b):
    d, anc, _, _ = s.recvmsg(100, socket.CMSG_SPACE(4))
    got.append((d, struct.unpack("i", anc[0][2])[0]))
assert got == [(b"four", 7), (b"six", 9)], got
EOF
	py_server ttl
	local pa pb
	read -r pa pb <"$T/ports"
	sc udp-send --ttl 7 127.0.0.1 "$pa" four
	assert_success
	sc udp-send --ttl 9 ::1 "$pb" six
	assert_success
	py_done "$PY_PID"
}

@test "udp: sending to a broadcast address needs --broadcast" {
	sc udp-send 255.255.255.255 9 x
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" '^sockctl udp-send: .*255\.255\.255\.255.*(ermission|roadcast)'
}

# --- multicast ---------------------------------------------------------------

# mcast_probe 4|6: whether python can send a datagram to a group joined on
# lo and get it back (IPv4: out of 127.0.0.1); if not, prints why.
mcast_probe() {
	python3 - "$1" <<'EOF'
import socket, struct, sys
lo = socket.if_nametoindex("lo")
if sys.argv[1] == "4":
    g = "239.255.77.9"
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("0.0.0.0", 0))
    r.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
        struct.pack("@4s4si", socket.inet_aton(g),
            socket.inet_aton("0.0.0.0"), lo))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
        socket.inet_aton("127.0.0.1"))
    to = (g, r.getsockname()[1])
else:
    g = "ff02::77:9"
    r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    r.bind(("::", 0))
    r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
        socket.inet_pton(socket.AF_INET6, g) + struct.pack("@I", lo))
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, lo)
    to = (g, r.getsockname()[1], 0, lo)
try:
    s.sendto(b"probe", to)
except OSError as e:
    print("sending to %s on lo fails: %s" % (g, e.strerror))
    sys.exit(1)
r.settimeout(1)
try:
    r.recv(100)
except socket.timeout:
    print("a datagram sent to %s on lo is not delivered" % g)
    sys.exit(1)
EOF
}

@test "udp: -j joins an IPv4 group on lo; udp-send -s 127.0.0.1 reaches it" {
	recv_start -j 239.255.77.1%lo -f json -c 1 -w 5s 0
	# The membership is on lo, whether or not lo carries the traffic.
	awk '/^[0-9]/ { dev = $2 } dev == "lo" && $1 == "014DFFEF" { f = 1 }
	    END { exit !f }' /proc/net/igmp ||
	    fail "239.255.77.1 not joined on lo: $(cat /proc/net/igmp)"
	local why
	if ! why=$(mcast_probe 4); then
		skip "IPv4 multicast does not work over lo here: $why"
	fi
	sc udp-send -s 127.0.0.1 239.255.77.1 "$PORT" hi
	assert_success
	stderr_empty
	recv_done 0
	grep -q '^{"from":"127.0.0.1","port":[0-9]*,"size":2,"data":"hi"}$' \
	    "$T/recv.out"
}

@test "udp: -j joins an IPv6 group on lo; best effort delivery" {
	recv_start -6 -j ff02::77:1%lo -c 1 -w 5s 0
	awk '$2 == "lo" && $3 == "ff020000000000000000000000770001" { f = 1 }
	    END { exit !f }' /proc/net/igmp6 ||
	    fail "ff02::77:1 not joined on lo: $(cat /proc/net/igmp6)"
	local why
	if ! why=$(mcast_probe 6); then
		skip "IPv6 multicast does not work over lo here: $why"
	fi
	sc udp-send 'ff02::77:1%lo' "$PORT" hi6
	assert_success
	recv_done 0
	is_file "$T/recv.out" 'hi6\n'
}

@test "udp: udp-send to a multicast group still gets unicast replies with -r" {
	local why
	if ! why=$(mcast_probe 4); then
		skip "IPv4 multicast does not work over lo here: $why"
	fi
	py mreply <<'EOF'
lo = socket.if_nametoindex("lo")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 0))
s.settimeout(10)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
    struct.pack("@4s4si", socket.inet_aton("239.255.77.2"),
        socket.inet_aton("0.0.0.0"), lo))
announce(s)
d, a = s.recvfrom(100)
assert d == b"who is there", d
s.sendto(b"me", a)
EOF
	py_server mreply
	sc udp-send -r -w 1s -s 127.0.0.1 239.255.77.2 "$PY_PORT" 'who is there'
	assert_success
	stdout_is 'me\n'
	py_done "$PY_PID"
}

# --- other tools as peers ---------------------------------------------------

@test "udp: nc -u and socat UDP-SENDTO send to udp-recv" {
	recv_start -f json -c 2 127.0.0.1 0
	printf 'via nc\n' | timeout 20 nc -u -q0 127.0.0.1 "$PORT" 3>&-
	printf 'via socat' |
	    timeout 20 socat -u - "UDP-SENDTO:127.0.0.1:$PORT" 3>&-
	recv_done 0
	run sizes_and_data "$T/recv.out"
	assert_output "7 'via nc\\n'
9 'via socat'"
}

@test "udp: udp-send to socat UDP-RECV keeps each datagram's bytes" {
	socat -u UDP-RECV:0,bind=127.0.0.1 - >"$T/socat.out" 3>&- &
	local pid=$!
	track "$pid"
	local p
	p=$(udp_port_of "$pid") || fail "socat bound no port"
	IN=<(printf 'one\ntwo\nthree\n') sc udp-send 127.0.0.1 "$p"
	assert_success
	sc udp-send 127.0.0.1 "$p" last
	wait_for_size "$T/socat.out" 15
	is_file "$T/socat.out" 'onetwothreelast'
}

@test "udp: udp-send to nc -u -l" {
	nc -u -l -n -v 127.0.0.1 0 >"$T/nc.out" 2>"$T/nc.err" 3>&- &
	track $!
	local i p=
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		# The background shell may not have created nc.err yet.
		p=$(awk '/^Bound on / { print $4 }' "$T/nc.err" 2>/dev/null ||
		    true)
		[[ -n $p ]] && break
		sleep 0.02
	done
	[[ -n $p ]] || fail "nc did not say where it is bound"
	IN=<(printf 'a\nbb\n') sc udp-send 127.0.0.1 "$p"
	assert_success
	wait_for_size "$T/nc.out" 3
	is_file "$T/nc.out" 'abb'
}

# --- usage errors ---------------------------------------------------------------

@test "udp: usage: unknown format -f xml" {
	sc udp-recv -f xml 0
	usage_error udp-recv "invalid value 'xml' for --format: expected one of line, raw, hex, json"
}

@test "udp: usage: count 0 or negative, for udp-recv and udp-send" {
	sc udp-recv -c 0 0
	usage_error udp-recv "invalid value '0' for --count: too small (1-9223372036854775807)"
	sc udp-recv --count=-1 0
	usage_error udp-recv "invalid value '-1' for --count: too small (1-9223372036854775807)"
	sc udp-send -c 0 127.0.0.1 9 x
	usage_error udp-send "invalid value '0' for --count: too small (1-1000000000)"
	sc udp-send -c -3 127.0.0.1 9 x
	usage_error udp-send "invalid value '-3' for --count: too small (1-1000000000)"
}

@test "udp: usage: a group that is not multicast" {
	sc udp-recv -j 10.0.0.1 0
	usage_error udp-recv "invalid group '10.0.0.1': not a multicast address"
	sc udp-recv --join ::1 0
	usage_error udp-recv "invalid group '::1': not a multicast address"
}

@test "udp: usage: a port out of range" {
	sc udp-recv 70000
	usage_error udp-recv "invalid port '70000': too large (0-65535)"
	sc udp-recv 127.0.0.1 -- -1
	usage_error udp-recv "invalid port '-1': too small (0-65535)"
	sc udp-send 127.0.0.1 70000 x
	usage_error udp-send "invalid port '70000': too large (0-65535)"
}

@test "udp: usage: --whole, --chunk or --lines with MESSAGE arguments" {
	local m
	for m in --whole --lines '--chunk 4'; do
		sc udp-send $m 127.0.0.1 9 hello
		usage_error udp-send "--lines, --whole and --chunk read stdin; they cannot be used with MESSAGE arguments"
	done
}

@test "udp: usage: --lines --whole together, --chunk out of range" {
	sc udp-send --lines --whole 127.0.0.1 9
	usage_error udp-send "--lines, --whole and --chunk cannot be used together"
	sc udp-send --chunk 0 127.0.0.1 9
	usage_error udp-send "invalid value '0' for --chunk: too small (1-65527)"
}

@test "udp: usage: --echo with --reply, -4 with -6, missing and extra arguments" {
	sc udp-recv --echo --reply 0
	usage_error udp-recv "--echo and --reply cannot be used together"
	sc udp-recv -4 -6 0
	usage_error udp-recv "-4 and -6 cannot be used together"
	sc udp-recv
	usage_error udp-recv "missing PORT"
	sc udp-recv 127.0.0.1 0 extra
	usage_error udp-recv "extra argument 'extra'"
	sc udp-send 127.0.0.1
	usage_error udp-send "missing PORT"
}

# --- runtime errors --------------------------------------------------------------

@test "udp: datagrams to a closed port: ECONNREFUSED reported once, exit 1" {
	local p
	p=$(udp_closed_port)
	sc udp-send -c 5 --interval 50ms 127.0.0.1 "$p" knock
	assert_failure 1
	stdout_empty
	stderr_is "sockctl udp-send: send to 127.0.0.1 port $p: Connection refused\n"

	IN=<(printf 'a\nb\nc\nd\n') sc udp-send --interval 50ms 127.0.0.1 "$p"
	assert_failure 1
	stdout_empty
	stderr_is "sockctl udp-send: send to 127.0.0.1 port $p: Connection refused\n"
}

@test "udp: udp-recv on a port in use exits 1 with one line" {
	recv_start -4 127.0.0.1 0
	sc udp-recv -4 -w 300ms 127.0.0.1 "$PORT"
	assert_failure 1
	stdout_empty
	one_line "$T/stderr" "^sockctl udp-recv: .*$PORT.*Address already in use"
}

@test "udp: a closed stdout (udp-recv | head -c 1) ends udp-recv cleanly" {
	mkfifo "$T/pipe"
	head -c 1 <"$T/pipe" >"$T/head.out" 3>&- &
	track $!
	start_server udp-recv 127.0.0.1 0 >"$T/pipe" 2>"$T/recv.err"
	local i
	for ((i = 0; i < 250; i++)); do
		"$SOCKCTL" udp-send 127.0.0.1 "$PORT" "datagram $i" || true
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.02
	done
	recv_done 0
	[[ ! -s $T/recv.err ]] || fail "stderr: $(<"$T/recv.err")"
	is_file "$T/head.out" 'd'
}
