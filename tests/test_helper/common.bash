# Shared by every .bats file: bats-support/bats-assert, the binary under
# test, servers on port 0 found through --port-file, and a teardown that
# kills and reaps every background process a test started.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${SOCKCTL:=$BATS_TEST_DIRNAME/../src/sockctl}"
: "${SOCKCTL_SRCDIR:=$BATS_TEST_DIRNAME/..}"
export SOCKCTL SOCKCTL_SRCDIR

# Upper bound for any single wait in a test, in seconds.
: "${WAIT_LIMIT:=10}"

bg_pids=()
_nserver=0

# Remembers a background job's pid for teardown.
track() {
	bg_pids+=("$1")
}

# wait_for_file FILE [SECONDS]: polls until FILE is non-empty.
wait_for_file() {
	local f=$1 limit=${2:-$WAIT_LIMIT} i
	for ((i = 0; i < limit * 50; i++)); do
		[[ -s $f ]] && return 0
		sleep 0.02
	done
	return 1
}

# wait_for_exit PID [SECONDS]: waits for a background job to end and
# sets $status to its exit status; fails if it is still running.
wait_for_exit() {
	local pid=$1 limit=${2:-$WAIT_LIMIT} i
	for ((i = 0; i < limit * 50; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			# Under bats' set -e a bare failing wait would end the test.
			status=0
			wait "$pid" || status=$?
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# start_server CMD [ARGS...]: runs `sockctl CMD --port-file F ARGS` in the
# background, waits for F, and sets $PORT and $SERVER_PID.  Its stdin is
# /dev/null (bash gives background jobs that); the caller's output
# redirections apply.  stream.bash's start_server_in passes stdin on.
start_server() {
	local pf="$BATS_TEST_TMPDIR/port.$((++_nserver))"
	"$SOCKCTL" "$1" --port-file "$pf" "${@:2}" 3>&- &
	SERVER_PID=$!
	track "$SERVER_PID"
	if ! wait_for_file "$pf"; then
		echo "server 'sockctl $*' wrote no port file" >&2
		return 1
	fi
	PORT=$(<"$pf")
}

# free_port: a port that was free a moment ago (for "connection refused"
# cases only; servers under test always bind port 0).
free_port() {
	"${PYTHON3:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

common_teardown() {
	local pid
	for pid in "${bg_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${bg_pids[@]}"; do
		# A process that ignores TERM gets KILL after a short grace.
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	bg_pids=()
}

teardown() {
	common_teardown
}
