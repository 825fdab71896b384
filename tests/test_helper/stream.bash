# Helpers shared by the stream suites (listen.bats, connect.bats,
# relay.bats): python3 peers, servers that read the test's stdin, waiting
# for lines, exact-byte checks.

load test_helper/common

bats_require_minimum_version 1.5.0

# The distribution's python3 starts in 0.1 s; a pyenv shim can take 1.5 s.
if [[ -z ${PYTHON3:-} ]]; then
	PYTHON3=python3
	[[ -x /usr/bin/python3 ]] && PYTHON3=/usr/bin/python3
fi
export PYTHON3

setup() {
	T=$BATS_TEST_TMPDIR
	export T
}

# start_server_in CMD [ARGS...]: start_server whose server reads the
# caller's stdin.  (start_server's server always reads /dev/null: bash gives
# a background job /dev/null as stdin unless the job redirects it itself.)
start_server_in() {
	local pf="$BATS_TEST_TMPDIR/port.$((++_nserver))"
	"$SOCKCTL" "$1" --port-file "$pf" "${@:2}" <&0 3>&- &
	SERVER_PID=$!
	track "$SERVER_PID"
	if ! wait_for_file "$pf"; then
		echo "server 'sockctl $*' wrote no port file" >&2
		return 1
	fi
	PORT=$(<"$pf")
}

# reap PID [SECONDS]: wait_for_exit, failing the test if PID is still
# running.  (Called bare under `set -e`, wait_for_exit itself aborts the
# test when PID exited non-zero, at its `wait`.)
reap() {
	wait_for_exit "$@" || fail "process $1 did not exit in time"
}

# need_ipv6: skips the test on a host without an IPv6 loopback address.
need_ipv6() {
	grep -qs '^0\{31\}1 ' /proc/net/if_inet6 || skip "no IPv6 loopback (::1)"
}

# run_out FILE CMD [ARGS...]: `run --separate-stderr` with a time limit,
# CMD's stdout going to FILE rather than to $output.
run_out() {
	run --separate-stderr bash -c 'f=$1; shift; exec timeout 30 "$@" >"$f"' _ "$@"
}

# py NAME: saves the Python program on stdin as $T/NAME.py behind a prelude:
# listening() binds port 0 (or a Unix path) and writes the port to
# $T/NAME.port; dial() connects; read_all() reads to EOF; put()/get()
# move bytes through files in $T.
py() {
	{
		cat <<'PRELUDE'
import hashlib, os, socket, struct, sys, time
T = os.environ["T"]
NAME = os.environ["PYNAME"]
def listening(addr="127.0.0.1", family=socket.AF_INET, backlog=16):
    s = socket.socket(family, socket.SOCK_STREAM)
    if family == socket.AF_UNIX:
        s.bind(addr)
        port = 0
    else:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, 0))
        port = s.getsockname()[1]
    s.listen(backlog)
    with open(os.path.join(T, NAME + ".port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(T, NAME + ".port.tmp"), os.path.join(T, NAME + ".port"))
    return s
def dial(port, addr="127.0.0.1", family=socket.AF_INET):
    c = socket.socket(family, socket.SOCK_STREAM)
    c.connect((addr, int(port)))
    return c
def read_all(c):
    parts = []
    while True:
        b = c.recv(1 << 20)
        if not b:
            return b"".join(parts)
        parts.append(b)
def read_n(c, n):
    parts, have = [], 0
    while have < n:
        b = c.recv(n - have)
        if not b:
            break
        parts.append(b)
        have += len(b)
    return b"".join(parts)
def put(name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(T, name + ".tmp"), "wb") as f:
        f.write(data)
    os.rename(os.path.join(T, name + ".tmp"), os.path.join(T, name))
def get(name):
    with open(os.path.join(T, name), "rb") as f:
        return f.read()
def rst(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
PRELUDE
		cat
	} >"$T/$1.py"
}

# py_server NAME: runs $T/NAME.py in the background; waits for its port
# file; sets PY_PORT and PY_PID.
py_server() {
	PYNAME=$1 "$PYTHON3" "$T/$1.py" </dev/null 3>&- 5>&- 6>&- &
	PY_PID=$!
	track "$PY_PID"
	if ! wait_for_file "$T/$1.port"; then
		echo "python server $1 wrote no port file" >&2
		return 1
	fi
	PY_PORT=$(<"$T/$1.port")
}

# py_bg NAME: runs $T/NAME.py in the background (a client); sets PY_PID.
py_bg() {
	PYNAME=$1 "$PYTHON3" "$T/$1.py" </dev/null 3>&- 5>&- 6>&- &
	PY_PID=$!
	track "$PY_PID"
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

# Runs a command with SIGPIPE at its default action, so that a process
# that does not handle it would really die of it.
sigpipe_default() {
	"$PYTHON3" -c 'import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

# The summary line at the end of a -v session.
summary_re() {
	echo "^sent $1 bytes, received $2 bytes in [0-9]+(\\.[0-9]+)? s\$"
}

# wait_for_line FILE REGEX: polls until a line of FILE matches REGEX.
wait_for_line() {
	local i
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# pipe_reader NAME: makes the FIFO $T/NAME.pipe and reads it in the
# background into $T/NAME, like the next command of a pipeline;
# $T/NAME.done appears once it has read EOF, i.e. once every writer has
# closed the pipe.  Start it before the writer, which opens the FIFO.
pipe_reader() {
	mkfifo "$T/$1.pipe"
	{
		cat "$T/$1.pipe" >"$T/$1"
		echo done >"$T/$1.done"
	} </dev/null 3>&- 5>&- 6>&- &
	track $!
}
