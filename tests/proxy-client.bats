#!/usr/bin/env bats
# The proxy client of connect and the chat client (cli.md, "Proxy
# client"): -x and -X against real proxies on loopback (microsocks with
# and without credentials, dante, tinyproxy, ncat --proxy-type http) and a
# scriptable Python proxy (tests/fixtures/proxypeer.py) for what they
# cannot be made to do: every reply code, a hang, the target's first
# bytes in the proxy's reply segment, and a record of each request.

load test_helper/stream
load test_helper/pki
load test_helper/tshark

PROXYPEER=$BATS_TEST_DIRNAME/fixtures/proxypeer.py

# listen_port PID [-4|-6]: the TCP port PID listens on, as ss sees it,
# waiting (bounded) for it to appear.  For peers that cannot write a port
# file (microsocks, ncat): they bind port 0 and ss tells the port.
listen_port() {
	local pid=$1 fam=${2:--4} i p
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		p=$(ss -H "$fam" -ltnp 2>/dev/null | awk -v pid="pid=$pid," '
		    index($0, pid) { n = split($4, a, ":"); print a[n]; exit }')
		if [[ -n $p ]]; then
			echo "$p"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

need() {
	command -v "$1" >/dev/null || skip "$1 is not installed"
}

# microsocks [ARGS...]: on 127.0.0.1 (or -i ADDR in ARGS), port 0; sets
# MS_PORT.
microsocks() {
	need microsocks
	command microsocks -i 127.0.0.1 -p 0 "$@" >"$T/microsocks.log" 2>&1 \
	    </dev/null 3>&- &
	track $!
	MS_PORT=$(listen_port $! "$( [[ $* == *::1* ]] && echo -6 || echo -4)") ||
	    fail "microsocks did not listen"
}

# proxypeer NAME [OPTION...]: tests/fixtures/proxypeer.py as NAME; sets
# PX_PORT.  Its requests are lines in $T/NAME.req.
proxypeer() {
	"$PYTHON3" "$PROXYPEER" "$T" "$@" </dev/null >"$T/$1.log" 2>&1 3>&- &
	track $!
	wait_for_file "$T/$1.port" || fail "proxypeer $1 did not start"
	PX_PORT=$(<"$T/$1.port")
}

# daemon_on_free_port NAME CONF-TEMPLATE CMD...: for peers that need a
# port in their configuration (dante, tinyproxy): @PORT@ in the template
# becomes a port that was free a moment ago; if another process took it
# meanwhile, the next one is tried.  Sets DPORT.
daemon_on_free_port() {
	local name=$1 tmpl=$2 try pid
	shift 2
	for try in 1 2 3; do
		DPORT=$(free_port)
		sed "s/@PORT@/$DPORT/g" "$tmpl" >"$T/$name.conf"
		"$@" </dev/null >"$T/$name.log" 2>&1 3>&- &
		pid=$!
		track "$pid"
		if [[ $(listen_port "$pid") == "$DPORT" ]]; then
			return 0
		fi
		kill "$pid" 2>/dev/null
	done
	fail "$name did not start: $(tail -3 "$T/$name.log")"
}

danted() {
	need danted
	cat >"$T/danted.tmpl" <<'EOF'
logoutput: stderr
internal: 127.0.0.1 port = @PORT@
external: 127.0.0.1
socksmethod: none
clientmethod: none
user.notprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks block { from: 0.0.0.0/0 to: 127.0.0.2/32 }
socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
EOF
	daemon_on_free_port danted "$T/danted.tmpl" \
	    command danted -f "$T/danted.conf" -N 1 -p "$T/danted.pid"
}

# tinyproxy PORT [CONF-LINES]: CONNECT allowed to PORT only.
tinyproxy() {
	need tinyproxy
	{
		printf 'Port @PORT@\nListen 127.0.0.1\nTimeout 30\n'
		printf 'MaxClients 16\nAllow 127.0.0.1\nConnectPort %s\n' "$1"
		printf '%s\n' "${@:2}"
	} >"$T/tinyproxy.tmpl"
	daemon_on_free_port tinyproxy "$T/tinyproxy.tmpl" \
	    command tinyproxy -d -c "$T/tinyproxy.conf"
}

# ncat_http [ARGS...]: ncat's HTTP proxy; it listens on every interface
# whatever it is told, so only loopback clients are allowed.  Sets
# NC_PORT (its IPv4 port).
ncat_http() {
	need ncat
	ncat -l --proxy-type http --allow 127.0.0.1 "$@" 127.0.0.1 0 \
	    </dev/null >"$T/ncat.log" 2>&1 3>&- &
	track $!
	NC_PORT=$(listen_port $! -4) || fail "ncat did not listen"
}

# target [ARGS...]: sockctl listen on 127.0.0.1 port 0 that sends
# $T/down (empty if missing) and writes what it gets to $T/up.got; sets
# PORT, SERVER_PID.
target() {
	[[ -e $T/down ]] || : >"$T/down"
	start_server_in listen "$@" 127.0.0.1 0 <"$T/down" >"$T/up.got" \
	    2>"$T/target.err"
}

# mib_targets [ARGS...]: two listen ARGS for mib_run on $TARGET_HOST
# (127.0.0.1): one that takes 1 MiB ($T/up to $T/up.got; UP_PORT,
# UP_PID), one that sends 1 MiB ($T/down; DOWN_PORT, DOWN_PID).  Each
# direction has its own connection: microsocks closes both sides at the
# first end of file, so a half-closed session loses the other direction.
mib_targets() {
	head -c 1048576 /dev/urandom >"$T/up"
	head -c 1048576 /dev/urandom >"$T/down"
	start_server listen --recv-only "$@" "${TARGET_HOST:-127.0.0.1}" 0 \
	    >"$T/up.got" 2>"$T/up.err"
	UP_PORT=$PORT UP_PID=$SERVER_PID
	start_server_in listen "$@" "${TARGET_HOST:-127.0.0.1}" 0 \
	    <"$T/down" >/dev/null 2>"$T/down.err"
	DOWN_PORT=$PORT DOWN_PID=$SERVER_PID
}

# mib_up ARGS...: connect ARGS sends 1 MiB to the first target of
# mib_targets, byte for byte; the last of ARGS is the target host.
mib_up() {
	run --separate-stderr timeout 30 "$SOCKCTL" connect --send-only \
	    "$@" "$UP_PORT" <"$T/up"
	assert_equal "$stderr" ''
	assert_success
	reap "$UP_PID" 20
	assert_equal "$status" 0
	cmp "$T/up" "$T/up.got"
}

# mib_down ARGS...: connect ARGS receives 1 MiB from the second target.
mib_down() {
	run_out "$T/down.got" "$SOCKCTL" connect --recv-only "$@" "$DOWN_PORT"
	assert_equal "$stderr" ''
	assert_success
	cmp "$T/down" "$T/down.got"
	reap "$DOWN_PID" 20
}

mib_run() {
	mib_up "$@"
	mib_down "$@"
}

mib_through() {
	mib_targets
	mib_run "$@"
}

# fails_with LINE CMD...: exit 1, nothing on stdout, LINE alone on stderr.
fails_with() {
	local line=$1
	shift
	run --separate-stderr timeout 20 "$@" </dev/null
	assert_equal "$stderr" "$line"
	assert_output ''
	assert_equal "$status" 1
}

# usage_is CMD MESSAGE ARGS...: `sockctl CMD ARGS` is exit 2 with MESSAGE
# and the hint.
usage_is() {
	local cmd=$1 msg=$2
	shift 2
	run --separate-stderr timeout 20 "$SOCKCTL" "$cmd" "$@" </dev/null
	assert_equal "$stderr" \
	    "sockctl $cmd: $msg"$'\n'"Try 'sockctl $cmd --help'."
	assert_output ''
	assert_equal "$status" 2
}

# --- usage -------------------------------------------------------------------

@test "proxy client: usage errors: -X without -x, bad URLs, a password in the URL, -x with -U or chat -l" {
	usage_is connect "-X needs a proxy (-x URL)" -X 4 h 1
	usage_is connect "proxy 'socks9://p': unknown scheme (socks5h, socks5, socks4a, socks4, http)" \
	    -x socks9://p h 1
	usage_is connect "proxy 'u:pw@p': the password goes in SOCKCTL_PROXY_PASSWORD, not in the URL" \
	    -x u:pw@p h 1
	usage_is connect "proxy 'p:0': bad port (1-65535)" -x p:0 h 1
	usage_is connect "proxy '::1': an IPv6 address goes in brackets" \
	    -x ::1 h 1
	usage_is connect "invalid value '6' for --proxy-type: expected one of 5, 4, connect" \
	    -x p -X 6 h 1
	usage_is connect "-x cannot be used with -U" -x p -U /tmp/s
	usage_is chat "-x is for joining a room, not with -l" -l -x p 0
	usage_is chat "-X needs a proxy (-x URL)" -X 5 h 1
}

# --- microsocks ----------------------------------------------------------------

@test "proxy client: 1 MiB each way through microsocks (socks5h), byte for byte, -v naming both hops" {
	microsocks
	mib_through -x "127.0.0.1:$MS_PORT" 127.0.0.1
	target --recv-only
	run --separate-stderr timeout 20 "$SOCKCTL" connect -v \
	    -x "socks5h://127.0.0.1:$MS_PORT" 127.0.0.1 "$PORT" <<<"hi"
	assert_success
	assert_equal "${stderr_lines[0]}" \
	    "connected to proxy 127.0.0.1 port $MS_PORT (socks5h)"
	assert_equal "${stderr_lines[1]}" \
	    "connected to 127.0.0.1 port $PORT through proxy 127.0.0.1 port $MS_PORT"
	assert_equal "${#stderr_lines[@]}" 3
	reap "$SERVER_PID"
	assert_equal "$(<"$T/up.got")" hi
}

@test "proxy client: microsocks -u/-P: the password from SOCKCTL_PROXY_PASSWORD; a wrong one, or none, is one line" {
	microsocks -u alice -P 's3cret pw'
	SOCKCTL_PROXY_PASSWORD='s3cret pw' mib_through \
	    -x "socks5://alice@127.0.0.1:$MS_PORT" 127.0.0.1
	SOCKCTL_PROXY_PASSWORD=wrong fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $MS_PORT: SOCKS5 authentication failed (status 2)" \
	    "$SOCKCTL" connect -x "alice@127.0.0.1:$MS_PORT" 127.0.0.1 1
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $MS_PORT: SOCKS5 proxy requires authentication (USER@ in the proxy URL)" \
	    "$SOCKCTL" connect -x "127.0.0.1:$MS_PORT" 127.0.0.1 1
}

@test "proxy client: a port the proxy cannot reach is the contract's line, exit 1" {
	local port
	microsocks
	port=$(free_port)
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $MS_PORT: SOCKS5 reply 5 (connection refused)" \
	    "$SOCKCTL" connect -x "127.0.0.1:$MS_PORT" 127.0.0.1 "$port"
	fails_with \
	    "sockctl chat: proxy 127.0.0.1 port $MS_PORT: SOCKS5 reply 5 (connection refused)" \
	    "$SOCKCTL" chat -x "127.0.0.1:$MS_PORT" 127.0.0.1 "$port"
}

@test "proxy client: IPv6 at both hops: [::1] proxy, ::1 target (microsocks, and HTTP CONNECT [::1]:PORT)" {
	need_ipv6
	microsocks -i ::1
	TARGET_HOST=::1 mib_targets
	mib_run -x "socks5h://[::1]:$MS_PORT" ::1

	proxypeer px6 bind=::1
	start_server_in listen ::1 0 < <(printf 'six') >"$T/up.got"
	run --separate-stderr timeout 20 "$SOCKCTL" connect \
	    -x "http://[::1]:$PX_PORT" ::1 "$PORT" < <(printf 'v6')
	assert_success
	assert_output six
	assert_equal "$(<"$T/px6.req")" "http CONNECT [::1]:$PORT HTTP/1.1"
}

# --- what goes on the wire (the Python proxy records it) ------------------------

@test "proxy client: socks5h and socks4a pass the name, socks5 and socks4 resolve it here, http says CONNECT host:port" {
	local url want=()
	proxypeer rec
	for url in socks5h socks5 socks4a socks4 http; do
		target --recv-only
		run --separate-stderr timeout 20 "$SOCKCTL" connect -4 \
		    -x "$url://localhost:$PX_PORT" localhost "$PORT" \
		    < <(printf '%s' "$url")
		assert_equal "$stderr" ''
		assert_success
		reap "$SERVER_PID"
		assert_equal "$(<"$T/up.got")" "$url"
		case $url in
		socks5h) want+=("socks5 name localhost $PORT") ;;
		socks5) want+=("socks5 ipv4 127.0.0.1 $PORT") ;;
		socks4a) want+=("socks4a localhost $PORT user=") ;;
		socks4) want+=("socks4 127.0.0.1 $PORT user=") ;;
		http) want+=("http CONNECT localhost:$PORT HTTP/1.1") ;;
		esac
	done
	run cat "$T/rec.req"
	assert_output "$(printf '%s\n' "${want[@]}")"
}

@test "proxy client: -X 5, 4 and connect override the scheme, with its default port" {
	local want=()
	proxypeer rec
	target --recv-only
	run --separate-stderr timeout 20 "$SOCKCTL" connect -X 4 \
	    -x "http://127.0.0.1:$PX_PORT" 127.0.0.1 "$PORT" < <(printf four)
	assert_success
	reap "$SERVER_PID"
	want+=("socks4 127.0.0.1 $PORT user=")
	target --recv-only
	run --separate-stderr timeout 20 "$SOCKCTL" connect -X connect \
	    -x "127.0.0.1:$PX_PORT" 127.0.0.1 "$PORT" < <(printf http)
	assert_success
	reap "$SERVER_PID"
	want+=("http CONNECT 127.0.0.1:$PORT HTTP/1.1")
	target --recv-only
	run --separate-stderr timeout 20 "$SOCKCTL" connect -X 5 \
	    -x "socks4://127.0.0.1:$PX_PORT" localhost "$PORT" < <(printf 5)
	assert_success
	reap "$SERVER_PID"
	want+=("socks5 name localhost $PORT")
	run cat "$T/rec.req"
	assert_output "$(printf '%s\n' "${want[@]}")"
	# The scheme's default port, whether something listens there or not
	# (on a shared machine, it may); target port 1 is closed either way.
	local re
	for re in "connect 3128" "4 1080"; do
		run --separate-stderr timeout 20 "$SOCKCTL" connect \
		    -X "${re% *}" -x 127.0.0.1 127.0.0.1 1 </dev/null
		assert_equal "$status" 1
		[[ $stderr =~ ^"sockctl connect: proxy"(": connect to "|" ")"127.0.0.1 port ${re#* }: " ]] ||
		    fail "$stderr"
	done
}

@test "proxy client: credentials: RFC 1929 and Basic carry SOCKCTL_PROXY_PASSWORD, SOCKS4 the user id" {
	local url want=()
	proxypeer rec auth=alice:secret
	export SOCKCTL_PROXY_PASSWORD=secret
	for url in socks5h http socks4; do
		target --recv-only
		run --separate-stderr timeout 20 "$SOCKCTL" connect \
		    -x "$url://alice@127.0.0.1:$PX_PORT" 127.0.0.1 "$PORT" \
		    < <(printf '%s' "$url")
		assert_equal "$stderr" ''
		assert_success
		reap "$SERVER_PID"
		assert_equal "$(<"$T/up.got")" "$url"
		case $url in
		socks5h) want+=("socks5 user=alice pass=secret"
		    "socks5 ipv4 127.0.0.1 $PORT") ;;
		http) want+=("http CONNECT 127.0.0.1:$PORT HTTP/1.1 auth=Basic YWxpY2U6c2VjcmV0") ;;
		socks4) want+=("socks4 127.0.0.1 $PORT user=alice") ;;
		esac
	done
	run cat "$T/rec.req"
	assert_output "$(printf '%s\n' "${want[@]}")"
}

@test "proxy client: every SOCKS5 and SOCKS4 reply code is one line naming the proxy, exit 1" {
	local i texts
	texts=("" "general SOCKS server failure"
	    "connection not allowed by ruleset" "network unreachable"
	    "host unreachable" "connection refused" "TTL expired"
	    "command not supported" "address type not supported")
	for i in 1 2 3 4 5 6 7 8; do
		rm -f "$T/r$i.port"
		proxypeer "r$i" "reply=$i"
		fails_with \
		    "sockctl connect: proxy 127.0.0.1 port $PX_PORT: SOCKS5 reply $i (${texts[i]})" \
		    "$SOCKCTL" connect -x "127.0.0.1:$PX_PORT" example.com 80
	done
	proxypeer s4 reply=1
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $PX_PORT: SOCKS4 reply 91 (request rejected or failed)" \
	    "$SOCKCTL" connect -x "socks4a://127.0.0.1:$PX_PORT" example.com 80
	proxypeer s4b reply=2
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $PX_PORT: SOCKS4 reply 92 (request rejected because SOCKS server cannot connect to identd on the client)" \
	    "$SOCKCTL" connect -x "socks4://127.0.0.1:$PX_PORT" 192.0.2.1 80
}

@test "proxy client: a proxy that is down, closes, or is not a SOCKS proxy is one line, exit 1" {
	local port
	port=$(free_port)
	fails_with \
	    "sockctl connect: proxy: connect to 127.0.0.1 port $port: Connection refused" \
	    "$SOCKCTL" connect -x "127.0.0.1:$port" 127.0.0.1 1
	proxypeer gone close
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $PX_PORT: closed the connection without a reply" \
	    "$SOCKCTL" connect -x "127.0.0.1:$PX_PORT" 127.0.0.1 1
	# An HTTP server asked for SOCKS5 answers in HTTP.
	proxypeer web "say=HTTP/1.1 400 Bad Request"
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $PX_PORT: not a SOCKS5 reply (version 72)" \
	    "$SOCKCTL" connect -x "127.0.0.1:$PX_PORT" 127.0.0.1 1
}

@test "proxy client: -w bounds the proxy's handshake: a proxy that never answers is one line after DUR" {
	local t0 dt
	proxypeer hang hang
	t0=$(now_ms)
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $PX_PORT: Connection timed out" \
	    "$SOCKCTL" connect -w 500ms -x "127.0.0.1:$PX_PORT" 127.0.0.1 1
	dt=$(($(now_ms) - t0))
	((dt >= 450 && dt < 5000)) || fail "took $dt ms"
	t0=$(now_ms)
	fails_with \
	    "sockctl chat: proxy 127.0.0.1 port $PX_PORT: Connection timed out" \
	    "$SOCKCTL" chat -w 300ms -x "http://127.0.0.1:$PX_PORT" 127.0.0.1 1
	dt=$(($(now_ms) - t0))
	((dt >= 250 && dt < 5000)) || fail "took $dt ms"
}

@test "proxy client: the target's first bytes in the proxy's reply segment reach stdout (HTTP and SOCKS5)" {
	local url
	for url in http socks5h; do
		rm -f "$T/co.port"
		proxypeer co coalesce
		printf 'greeting 1\r\n' >"$T/down"
		target
		run_out "$T/got" "$SOCKCTL" connect --recv-only \
		    -x "$url://127.0.0.1:$PX_PORT" 127.0.0.1 "$PORT"
		assert_equal "$stderr" ''
		assert_success
		assert_equal "$(od -c <"$T/got")" "$(od -c <"$T/down")"
		reap "$SERVER_PID"
	done
}

@test "proxy client: -e through a proxy: the command gets the target's first bytes; SOCKCTL_PEER_PORT is the proxy's" {
	proxypeer co coalesce
	printf 'greeting 2\r\n' >"$T/down"
	target
	run --separate-stderr timeout 20 "$SOCKCTL" connect \
	    -x "http://127.0.0.1:$PX_PORT" \
	    -e 'cat >"$T/e.got"; echo "$SOCKCTL_PEER_PORT" >"$T/e.port"' \
	    127.0.0.1 "$PORT" </dev/null
	assert_equal "$stderr" ''
	assert_success
	assert_equal "$(od -c <"$T/e.got")" "$(od -c <"$T/down")"
	assert_equal "$(<"$T/e.port")" "$PX_PORT"
}

# --- dante, tinyproxy, ncat ------------------------------------------------------

@test "proxy client: dante: 1 MiB each way over SOCKS5 and SOCKS4; its refusal as one line" {
	local port
	danted
	mib_through -x "socks5h://127.0.0.1:$DPORT" 127.0.0.1
	mib_through -x "socks4://127.0.0.1:$DPORT" 127.0.0.1
	port=$(free_port)
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $DPORT: SOCKS5 reply 5 (connection refused)" \
	    "$SOCKCTL" connect -x "127.0.0.1:$DPORT" 127.0.0.1 "$port"
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $DPORT: SOCKS5 reply 2 (connection not allowed by ruleset)" \
	    "$SOCKCTL" connect -x "127.0.0.1:$DPORT" 127.0.0.2 "$port"
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $DPORT: SOCKS4 reply 91 (request rejected or failed)" \
	    "$SOCKCTL" connect -x "socks4://127.0.0.1:$DPORT" 127.0.0.1 "$port"
}

@test "proxy client: tinyproxy: 1 MiB each way over HTTP CONNECT; a port it may not reach is its 403 line" {
	mib_targets
	tinyproxy "$UP_PORT" "ConnectPort $DOWN_PORT"
	mib_run -x "http://127.0.0.1:$DPORT" 127.0.0.1
	target
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $DPORT: HTTP/1.1 403 Access violation" \
	    "$SOCKCTL" connect -x "http://127.0.0.1:$DPORT" 127.0.0.1 "$PORT"
}

@test "proxy client: tinyproxy with BasicAuth: 407 without credentials, through with them" {
	target --recv-only
	tinyproxy "$PORT" "BasicAuth alice secret"
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $DPORT: HTTP/1.0 407 Proxy Authentication Required" \
	    "$SOCKCTL" connect -x "http://127.0.0.1:$DPORT" 127.0.0.1 "$PORT"
	SOCKCTL_PROXY_PASSWORD=secret run --separate-stderr timeout 20 \
	    "$SOCKCTL" connect -x "http://alice@127.0.0.1:$DPORT" \
	    127.0.0.1 "$PORT" < <(printf 'authorized')
	assert_equal "$stderr" ''
	assert_success
	reap "$SERVER_PID"
	assert_equal "$(<"$T/up.got")" authorized
}

@test "proxy client: ncat --proxy-type http: 1 MiB each way; --proxy-auth gives 407 without the password" {
	ncat_http
	mib_through -x "http://127.0.0.1:$NC_PORT" 127.0.0.1
	ncat_http --proxy-auth alice:secret
	fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $NC_PORT: HTTP/1.0 407 Proxy Authentication Required" \
	    "$SOCKCTL" connect -x "http://127.0.0.1:$NC_PORT" 127.0.0.1 1
	SOCKCTL_PROXY_PASSWORD=secret mib_through \
	    -x "http://alice@127.0.0.1:$NC_PORT" 127.0.0.1
}

@test "proxy client: socks4a through the Python proxy: 1 MiB each way, the name resolved by the proxy" {
	proxypeer s4a
	mib_through -x "socks4a://127.0.0.1:$PX_PORT" localhost
	[[ $(sort -u "$T/s4a.req") == "socks4a localhost "*" user=" ]]
}

# --- -z, --retry ----------------------------------------------------------------

@test "proxy client: -z through a proxy: open ports printed, refused ones closed; exit 0, or 1 when none is open" {
	local closed
	microsocks
	target
	closed=$(free_port)
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z \
	    -x "127.0.0.1:$MS_PORT" 127.0.0.1 "$closed,$PORT"
	assert_equal "$stderr" ''
	assert_success
	assert_output "127.0.0.1 $PORT open"
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z -v \
	    -x "127.0.0.1:$MS_PORT" 127.0.0.1 "$closed"
	assert_equal "$stderr" \
	    "proxy 127.0.0.1 port $MS_PORT: SOCKS5 reply 5 (connection refused)"
	assert_output ''
	assert_equal "$status" 1
}

@test "proxy client: -z through a proxy that is down or refuses the credentials stops at once with one line" {
	local port
	port=$(free_port)
	fails_with \
	    "sockctl connect: proxy: connect to 127.0.0.1 port $port: Connection refused" \
	    "$SOCKCTL" connect -z -x "127.0.0.1:$port" 127.0.0.1 1-100
	microsocks -u alice -P secret
	SOCKCTL_PROXY_PASSWORD=nope fails_with \
	    "sockctl connect: proxy 127.0.0.1 port $MS_PORT: SOCKS5 authentication failed (status 2)" \
	    "$SOCKCTL" connect -z -x "alice@127.0.0.1:$MS_PORT" 127.0.0.1 1-100
}

@test "proxy client: --retry through a proxy reaches a target that starts late, with -z and without" {
	local port
	microsocks
	port=$(free_port)
	(
		sleep 0.5
		exec "$SOCKCTL" listen 127.0.0.1 "$port" </dev/null >/dev/null 2>&1
	) 3>&- &
	track $!
	run --separate-stderr timeout 20 "$SOCKCTL" connect -z --retry 50 \
	    --retry-delay 100ms -x "127.0.0.1:$MS_PORT" 127.0.0.1 "$port"
	assert_success
	assert_output "127.0.0.1 $port open"

	port=$(free_port)
	(
		sleep 0.5
		exec "$SOCKCTL" listen 127.0.0.1 "$port" < <(printf late) \
		    >"$T/late" 2>&1
	) 3>&- &
	track $!
	run --separate-stderr timeout 20 "$SOCKCTL" connect --recv-only \
	    --retry 50 --retry-delay 100ms -x "127.0.0.1:$MS_PORT" \
	    127.0.0.1 "$port"
	assert_success
	assert_output late
	assert_equal "$stderr" ''
}

# --- TLS ------------------------------------------------------------------------

# pki: a CA and a server certificate for localhost, 127.0.0.1 and ::1.
pki() {
	tls_built || skip "sockctl is built without TLS"
	pki_ca "$T" &&
	    pki_leaf "$T" server localhost 'DNS:localhost,IP:127.0.0.1,IP:::1' ||
	    fail "could not make certificates"
}

@test "proxy client: --tls end to end through microsocks (and a proxy that half-closes) into listen --tls, 1 MiB each way" {
	pki
	microsocks
	proxypeer half
	mib_targets --tls --tls-cert "$T/server.pem" --tls-key "$T/server.key"
	# Sending first, a client's close_notify is answered after microsocks
	# has closed both sides (it has no half-close): upload through a
	# proxy that keeps the other direction open.
	mib_up --tls --tls-ca "$T/ca.pem" -x "127.0.0.1:$PX_PORT" 127.0.0.1
	mib_down --tls --tls-ca "$T/ca.pem" -x "127.0.0.1:$MS_PORT" 127.0.0.1
}

@test "proxy client: --tls verifies the target, not the proxy: 127.0.0.2 is not in the certificate" {
	pki
	microsocks
	start_server listen --tls --tls-cert "$T/server.pem" \
	    --tls-key "$T/server.key" 127.0.0.2 0 >/dev/null 2>&1
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$T/ca.pem" -x "127.0.0.1:$MS_PORT" 127.0.0.2 "$PORT" \
	    </dev/null
	assert_equal "$status" 1
	[[ $stderr == "sockctl connect: TLS handshake with 127.0.0.2 port $PORT: certificate verify failed"* ]] ||
	    fail "$stderr"
	assert_equal "${#stderr_lines[@]}" 1
}

# tls_target [starttls]: a Python TLS server that records the SNI in
# $T/sni and answers "got N bytes" to what it read; with "starttls", an
# SMTP greeting and STARTTLS first.  Sets PY_PORT.
tls_target() {
	py tlsd <<'PY'
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(T + "/server.pem", T + "/server.key")
ctx.sni_callback = lambda sock, name, c: put("sni", repr(name))
s = listening()
c, _ = s.accept()
if sys.argv[1:] == ["starttls"]:
    f = c.makefile("rb", buffering=0)
    c.sendall(b"220 mail ESMTP\r\n")
    assert f.readline().startswith(b"EHLO ")
    c.sendall(b"250-mail\r\n250 STARTTLS\r\n")
    assert f.readline() == b"STARTTLS\r\n"
    c.sendall(b"220 go ahead\r\n")
t = ctx.wrap_socket(c, server_side=True)
data = read_all(t)
t.sendall(b"got %d bytes\n" % len(data))
t.unwrap()
PY
	PYNAME=tlsd "$PYTHON3" "$T/tlsd.py" "$@" </dev/null 3>&- &
	track $!
	wait_for_file "$T/tlsd.port" || fail "python TLS server did not start"
	PY_PORT=$(<"$T/tlsd.port")
}

@test "proxy client: --tls sends the target's name as SNI through a socks5h proxy" {
	pki
	proxypeer rec
	tls_target
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$T/ca.pem" -x "127.0.0.1:$PX_PORT" localhost "$PY_PORT" \
	    < <(printf 'through')
	assert_equal "$stderr" ''
	assert_success
	assert_output "got 7 bytes"
	assert_equal "$(<"$T/sni")" "'localhost'"
	assert_equal "$(<"$T/rec.req")" "socks5 name localhost $PY_PORT"
}

@test "proxy client: --starttls smtp through a proxy that sends the greeting with its 200" {
	pki
	proxypeer co coalesce
	tls_target starttls
	run --separate-stderr timeout 20 "$SOCKCTL" connect --starttls smtp \
	    --tls-ca "$T/ca.pem" -x "http://127.0.0.1:$PX_PORT" localhost \
	    "$PY_PORT" < <(printf 'mail')
	assert_equal "$stderr" ''
	assert_success
	assert_output "got 4 bytes"
}

@test "proxy client: traced, the log and the pcap hold the proxy's handshake (the password blanked), the STARTTLS lines, then the data" {
	pki
	proxypeer au auth=bob:s3cret
	tls_target starttls
	run --separate-stderr env SOCKCTL_PROXY_PASSWORD=s3cret timeout 20 \
	    "$SOCKCTL" connect --starttls smtp --tls-ca "$T/ca.pem" \
	    --trace "$T/t.log" --pcap "$T/c.pcap" -x "bob@127.0.0.1:$PX_PORT" \
	    localhost "$PY_PORT" < <(printf 'mail')
	assert_equal "$stderr" ''
	assert_success
	assert_output "got 4 bytes"
	"$PYTHON3" - "$PY_PORT" "$T/want" <<'PY'
import struct, sys
port, d = int(sys.argv[1]), sys.argv[2]
open(d + ".out", "wb").write(b"\x05\x02\x00\x02" + b"\x01\x03bob\x06******" +
    b"\x05\x01\x00\x03\x09localhost" + struct.pack("!H", port) +
    b"EHLO sockctl\r\nSTARTTLS\r\nmail")
open(d + ".in", "wb").write(b"\x05\x02\x01\x00" +
    b"\x05\x00\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", 4242) +
    b"220 mail ESMTP\r\n250-mail\r\n250 STARTTLS\r\n220 go ahead\r\n" +
    b"got 4 bytes\n")
PY
	run "$PYTHON3" "$BATS_TEST_DIRNAME/test_helper/tracedec.py" text \
	    "$T/t.log" "$T/d"
	assert_success
	cmp "$T/want.out" "$T/d/0.out"
	cmp "$T/want.in" "$T/d/0.in"
	run grep -c s3cret "$T/t.log" "$T/c.pcap"
	assert_output "$T/t.log:0
$T/c.pcap:0"
	if command -v tshark >/dev/null; then
		read_cleanly
		follow
		cmp "$T/want.out" "$T/node0.bin"
		cmp "$T/want.in" "$T/node1.bin"
	fi
}

@test "proxy client: traced, what the handshake moved is in the trace while the proxy keeps us waiting" {
	local pid i
	proxypeer hg hang
	timeout 20 "$SOCKCTL" connect --trace "$T/t.log" \
	    -x "127.0.0.1:$PX_PORT" example.invalid 80 </dev/null \
	    >/dev/null 2>"$T/err" 3>&- &
	pid=$!
	track "$pid"
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		grep -q 'example\.invalid' "$T/t.log" 2>/dev/null && break
		sleep 0.02
	done
	run grep -cFx '\x05\x01\x00\x03\x0fexample.invalid\x00P' "$T/t.log"
	assert_output 1
	run grep -cFx '\x05\x00' "$T/t.log"
	assert_output 1
	# Still waiting for the proxy's answer.
	kill -0 "$pid"
}

@test "proxy client: socks4 to an IPv6 address says SOCKS4 reaches IPv4 only, exit 1, before any connect" {
	run --separate-stderr timeout 10 "$SOCKCTL" connect \
	    -x "socks4://127.0.0.1:$(free_port)" ::1 80 </dev/null
	assert_equal "$status" 1
	assert_equal "$stderr" "sockctl connect: ::1: SOCKS4 reaches IPv4 addresses only"
	run --separate-stderr timeout 10 "$SOCKCTL" connect -X 4 \
	    -x "127.0.0.1:$(free_port)" '[2001:db8::1]' 80 </dev/null
	assert_equal "$status" 1
	assert_equal "$stderr" "sockctl connect: 2001:db8::1: SOCKS4 reaches IPv4 addresses only"
}

# --- chat ------------------------------------------------------------------------

@test "proxy client: chat joins a room through a proxy, plain and --tls" {
	local want
	proxypeer rec
	start_server chat -l 127.0.0.1 0
	run --separate-stderr timeout 20 "$SOCKCTL" chat -n ann \
	    -x "http://127.0.0.1:$PX_PORT" 127.0.0.1 "$PORT" \
	    < <(printf '/quit\n')
	assert_equal "$stderr" ''
	assert_success
	want='* welcome to the room, user1; /help lists the commands'
	assert_equal "${lines[0]}" "$want"
	assert_equal "$(<"$T/rec.req")" "http CONNECT 127.0.0.1:$PORT HTTP/1.1"

	pki
	start_server chat -l --tls --tls-cert "$T/server.pem" \
	    --tls-key "$T/server.key" 127.0.0.1 0
	run --separate-stderr timeout 20 "$SOCKCTL" chat -n bob \
	    --tls-ca "$T/ca.pem" --tls -x "127.0.0.1:$PX_PORT" localhost \
	    "$PORT" < <(printf '/quit\n')
	assert_equal "$stderr" ''
	assert_success
	assert_equal "${lines[0]}" "$want"
	assert_equal "$(tail -1 "$T/rec.req")" "socks5 name localhost $PORT"
}
