#!/usr/bin/env bats
# sockctl serve-http: GET and HEAD, 405, keep-alive, HTTP/1.0,
# pipelining, request bodies, every hostile head with its status, limits, Range, If-Range,
# 304s, the headers on every response, the Content-Type table, paths that
# try to leave DIR, dotfiles, symlinks, redirects, index files, listings,
# the access log, -H and --cors, -b, --port-file, --max-conns, the idle and
# whole-head deadlines, 1100 idle connections, SIGTERM, a large file, and
# usage errors.
#
# Requests go out byte-exact through hc (a python client written by
# setup_file) or curl; responses are checked header by header and byte by
# byte.

load test_helper/common

bats_require_minimum_version 1.5.0

# The distribution's python3 starts in 0.1 s; a pyenv shim can take 1.5 s.
if [[ -z ${PYTHON3:-} ]]; then
	PYTHON3=python3
	[[ -x /usr/bin/python3 ]] && PYTHON3=/usr/bin/python3
fi
export PYTHON3

# The version in the Server header: the build's, or the binary's own.
if [[ -z ${SOCKCTL_VERSION:-} ]]; then
	SOCKCTL_VERSION=$("$SOCKCTL" --version | awk '{ print $NF }')
fi
export SOCKCTL_VERSION

setup_file() {
	# hc PORT [-n N] [-M METHODS|--head] [-w SECS] [-p SECS] [-o PREFIX]
	#    [-6] [--raw|--each] SEGMENT...
	# Sends each SEGMENT (backslash escapes \r \n \t \0 \\ \xHH are
	# decoded; % is left alone), pausing -p seconds between segments, then
	# reads N responses framed by Content-Length (none after HEAD or for a
	# 304).  Prints each head line by line without its CR LF (a bare CR or
	# LF in a head is an error), then "body: LEN", saving the body as
	# PREFIX.K; last, waits up to -w seconds and prints "eof", "reset" or
	# "open", after "extra: ..." if more bytes came.  --raw prints every
	# byte received instead, then the same last line.  --each sends every
	# SEGMENT on a connection of its own and reads one response to it:
	# one line each, "STATUS-LINE<tab>CONNECTION-HEADER<tab>END" (END is
	# eof, reset or open after a Connection: close, else "-"), the head
	# going to PREFIX.K.head and the body to PREFIX.K.
	cat >"$BATS_FILE_TMPDIR/hc.py" <<'EOF'
import socket, sys, time

def unescape(s):
    b = s.encode("utf-8", "surrogateescape")
    out, i = bytearray(), 0
    while i < len(b):
        if b[i] == 0x5c and i + 1 < len(b):
            n = chr(b[i + 1])
            if n in "rnt0\\":
                out += {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0",
                        "\\": b"\\"}[n]
                i += 2
                continue
            if n == "x":
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
                continue
        out.append(b[i])
        i += 1
    return bytes(out)

class Conn:
    def __init__(self):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect((host, port))
        self.buf, self.state = b"", None

    def send(self, segs):
        for i, seg in enumerate(segs):
            if i:
                time.sleep(pause)
            try:
                self.s.sendall(seg)
            except (BrokenPipeError, ConnectionResetError):
                break

    def fill(self, deadline=None):
        try:
            if deadline is not None:
                self.s.settimeout(max(deadline - time.monotonic(), 0.001))
            d = self.s.recv(1 << 20)
        except socket.timeout:
            if deadline is not None:
                return False
            print("timeout")
            sys.exit(1)
        except ConnectionResetError:
            self.state = "reset"
            return False
        if not d:
            self.state = "eof"
            return False
        self.buf += d
        return True

    def response(self, method):
        while b"\r\n\r\n" not in self.buf:
            if not self.fill():
                print("short head: %r" % self.buf[:300])
                print(self.state)
                sys.exit(1)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines, cl = head.split(b"\r\n"), None
        for ln in lines:
            if b"\n" in ln or b"\r" in ln:
                print("bare CR or LF in a head: %r" % ln)
                sys.exit(1)
            if ln.lower().startswith(b"content-length:"):
                if cl is not None:
                    print("two Content-Length headers")
                    sys.exit(1)
                cl = int(ln.split(b":", 1)[1])
        status = int(lines[0].split()[1])
        blen = 0 if method == "HEAD" or status == 304 else cl
        if blen is None:
            print("no Content-Length")
            sys.exit(1)
        while len(self.buf) < blen:
            if not self.fill():
                print("short body: %d of %d" % (len(self.buf), blen))
                print(self.state)
                sys.exit(1)
        body, self.buf = self.buf[:blen], self.buf[blen:]
        return lines, body

    def finish(self, wait):
        end = time.monotonic() + wait
        while self.state is None and self.fill(end):
            pass
        return self.state or "open"

def save(k, body, lines=None):
    with open("%s.%d" % (outp, k), "wb") as f:
        f.write(body)
    if lines is not None:
        with open("%s.%d.head" % (outp, k), "wb") as f:
            f.write(b"".join(ln + b"\n" for ln in lines))

args = sys.argv[1:]
port = int(args.pop(0))
host, n, wait, methods, mode, outp, pause = "127.0.0.1", 1, 2.0, [], "", "body", 0.2
segs = []
while args:
    a = args.pop(0)
    if a == "-n": n = int(args.pop(0))
    elif a == "-w": wait = float(args.pop(0))
    elif a == "-M": methods = args.pop(0).split(",")
    elif a == "--head": methods = ["HEAD"] * 1000
    elif a in ("--raw", "--each"): mode = a
    elif a == "-o": outp = args.pop(0)
    elif a == "-6": host = "::1"
    elif a == "-p": pause = float(args.pop(0))
    else: segs.append(unescape(a))
if mode == "--each":
    for k, seg in enumerate(segs, 1):
        c = Conn()
        c.send([seg])
        lines, body = c.response(seg.split(b" ")[0].decode("latin-1"))
        save(k, body, lines)
        conn = "-"
        for ln in lines[1:]:
            if ln.lower().startswith(b"connection:"):
                conn = ln.split(b":", 1)[1].strip().decode("latin-1")
        end = c.finish(wait) if conn == "close" else "-"
        print("%s\t%s\t%s" % (lines[0].decode("latin-1"), conn, end))
        c.s.close()
    sys.exit(0)
c = Conn()
c.send(segs)
if mode == "--raw":
    state = c.finish(wait)
    sys.stdout.buffer.write(c.buf + b"\n" + state.encode() + b"\n")
    sys.exit(0)
for k in range(1, n + 1):
    lines, body = c.response(methods[k - 1] if k - 1 < len(methods) else "GET")
    for ln in lines:
        sys.stdout.buffer.write(ln + b"\n")
    save(k, body)
    print("body: %d" % len(body))
state = c.finish(wait)
if c.buf:
    print("extra: %r" % c.buf[:300])
print(state)
EOF
}

setup() {
	T=$BATS_TEST_TMPDIR
	ROOT=$T/root
	HC=$BATS_FILE_TMPDIR/hc.py
	export T ROOT HC
	mkdir -p "$ROOT/sub" "$T/outside"
	printf 'hello world\n' >"$ROOT/hello.txt"
	touch -d '2001-02-03 04:05:06 UTC' "$ROOT/hello.txt"
	printf 'aaa\n' >"$ROOT/sub/a.txt"
	printf 'TOPSECRET\n' >"$T/secret.txt"
	printf 'OUTSIDE\n' >"$T/outside/o.txt"
}

# serve [OPTIONS...]: serve-http on port 0 serving $ROOT; stdout and
# stderr go to $T/stdout and $T/stderr.
serve() {
	start_server serve-http -p 0 "$@" "$ROOT" >"$T/stdout" 2>"$T/stderr"
}

# stop_server: SIGTERM; serve-http must exit 0.  Its stderr is kept.
stop_server() {
	kill -TERM "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 5 || fail "serve-http did not exit"
	((status == 0)) || fail "serve-http exited $status: $(cat "$T/stderr")"
	cat "$T/stderr" >>"$T/stderr.old"
}

# The server under test also exits 0 at the end of every test, and no
# sanitizer reported anything.
teardown() {
	local rc=0
	if [[ -n ${SERVER_PID:-} ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID"
		if wait_for_exit "$SERVER_PID" 5 && ((status != 0)); then
			echo "serve-http exited $status on SIGTERM" >&2
			rc=1
		fi
	fi
	common_teardown
	if cat "$T"/stderr* 2>/dev/null |
	    grep -q -e 'Sanitizer' -e 'runtime error'; then
		cat "$T"/stderr* >&2
		rc=1
	fi
	return "$rc"
}

# rq METHOD TARGET [HEADER...]: an HTTP/1.1 request asking to close, in
# hc's escaped notation.  rqk: the same, keep-alive.
rq() {
	local r="$1 $2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" h
	for h in "${@:3}"; do
		r+="$h\r\n"
	done
	printf '%s' "$r\r\n"
}
rqk() {
	local r="$1 $2 HTTP/1.1\r\nHost: t\r\n" h
	for h in "${@:3}"; do
		r+="$h\r\n"
	done
	printf '%s' "$r\r\n"
}

# hc ARGS...: runs hc against $PORT; bodies land in $T/body.K; all
# lines are kept in $all for pick.
hc() {
	run --separate-stderr timeout 20 "$PYTHON3" -S "$HC" "$PORT" \
	    -o "$T/body" "$@"
	all=("${lines[@]}")
	assert_success
}

# get TARGET [HEADER...]: one GET that asks to close.
get() {
	hc "$(rq GET "$@")"
}

# body_is BYTES [K]: response K's body is exactly BYTES.
body_is() {
	local f=$T/body.${2:-1}
	if ! printf '%s' "$1" | cmp -s - "$f"; then
		fail "body.${2:-1}: expected $(printf '%q' "$1"), got $(printf '%q' "$(cat "$f")")"
	fi
}

# no_match GREP-ARGS...: the test fails unless grep finds no match.  (A
# bare `! grep ...` line never fails a test: bash ignores `!` for set -e.)
no_match() {
	local rc=0
	grep "$@" >/dev/null || rc=$?
	((rc == 1)) || fail "grep $* matched (or failed with $rc)"
}

# header NAME: the value of header NAME in the first response of $output.
header() {
	local l
	for l in "${lines[@]:1}"; do
		[[ -z $l || $l == "body: "* ]] && break
		if [[ ${l%%:*} == "$1" ]]; then
			printf '%s\n' "${l#*: }"
			return 0
		fi
	done
	return 1
}

reason() {
	case $1 in
	200) echo "OK" ;;
	206) echo "Partial Content" ;;
	301) echo "Moved Permanently" ;;
	304) echo "Not Modified" ;;
	400) echo "Bad Request" ;;
	403) echo "Forbidden" ;;
	404) echo "Not Found" ;;
	405) echo "Method Not Allowed" ;;
	414) echo "URI Too Long" ;;
	416) echo "Range Not Satisfiable" ;;
	431) echo "Request Header Fields Too Large" ;;
	503) echo "Service Unavailable" ;;
	505) echo "HTTP Version Not Supported" ;;
	esac
}

# status_is CODE: the first response's status line.
status_is() {
	assert_line --index 0 "HTTP/1.1 $1 $(reason "$1")"
}

# each_raw SEGMENT...: hc --each; one line per request in $lines.
each_raw() {
	run --separate-stderr timeout 30 "$PYTHON3" -S "$HC" "$PORT" \
	    -o "$T/body" --each "$@"
	assert_success
}

# each TARGET...: a GET asking to close for every TARGET, one connection
# each.
each() {
	local t reqs=()
	for t in "$@"; do
		reqs+=("$(rq GET "$t")")
	done
	each_raw "${reqs[@]}"
}

# each_status CODE TARGET...: `each`, every answer being CODE.
each_status() {
	local want="HTTP/1.1 $1 $(reason "$1")" i
	shift
	each "$@"
	for ((i = 0; i < $#; i++)); do
		[[ ${lines[i]%%$'\t'*} == "$want" ]] ||
		    fail "GET ${*:i+1:1}: ${lines[i]%%$'\t'*}, expected $want"
	done
}

# rejects CODE SEGMENT...: each raw request, on a connection of its own,
# is answered CODE with Connection: close, and the connection is closed.
rejects() {
	local want="HTTP/1.1 $1 $(reason "$1")"$'\tclose\teof' i
	shift
	each_raw "$@"
	for ((i = 0; i < $#; i++)); do
		[[ ${lines[i]} == "$want" ]] ||
		    fail "$(printf 'request %q: got %q, expected %q' \
		    "${*:i+1:1}" "${lines[i]}" "$want")"
	done
}

# pick K: after `hc -n N`, narrows $output and $lines to response K.
pick() {
	local k=1 l
	local -a cur=()
	for l in "${all[@]}"; do
		((k == $1)) && cur+=("$l")
		[[ $l == "body: "* ]] && ((++k))
	done
	lines=("${cur[@]}")
	output=$(printf '%s\n' "${cur[@]}")
}

# a_string N [CHAR]: N copies of CHAR (default a).
a_string() {
	local s
	printf -v s '%*s' "$1" ''
	printf '%s' "${s// /${2:-a}}"
}

# ---------------------------------------------------------------------
# GET, HEAD, methods

@test "GET: a file with its exact bytes, Content-Type, Content-Length, ETag, Last-Modified, Date, Server" {
	serve
	get /hello.txt
	status_is 200
	assert_line "Server: sockctl/$SOCKCTL_VERSION"
	assert_line "Content-Type: text/plain"
	assert_line "Content-Length: 12"
	assert_line "Last-Modified: Sat, 03 Feb 2001 04:05:06 GMT"
	assert_line "Connection: close"
	assert_line --regexp '^ETag: (W/)?"[^"]+"$'
	assert_line --regexp '^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
	assert_line "body: 12"
	assert_line --index -1 eof
	body_is $'hello world\n'
	# The Date is now.
	local d
	d=$(header Date)
	(($(date -d "$d" +%s) - $(date +%s) <= 2)) || fail "Date $d is not now"
	(($(date +%s) - $(date -d "$d" +%s) <= 5)) || fail "Date $d is not now"
	# Nothing but payload on stdout.
	[[ ! -s $T/stdout ]]
}

@test "HEAD: the same headers as GET and not one byte of body" {
	serve
	get /hello.txt
	grep -v '^Date: ' <<<"$output" >"$T/get.head"
	hc "$(rq HEAD /hello.txt)" --head
	status_is 200
	assert_line "body: 0"
	grep -v '^Date: ' <<<"$output" | sed 's/^body: 0$/body: 12/' >"$T/head.head"
	diff -u "$T/get.head" "$T/head.head"

	# Byte-exact: the response ends with the blank line.
	hc --raw "$(rq HEAD /hello.txt)"
	[[ $output == *$'Content-Length: 12\r\n'* ]]
	[[ $output == *$'\r\n\r\n\neof' ]] || fail "HEAD sent a body: $output"

	# A listing: HEAD announces the length GET sends.
	hc -n 2 -M HEAD,GET "$(rqk HEAD /sub/)$(rq GET /sub/)"
	assert_equal "$(grep -c "^Content-Length: $(stat -c %s "$T/body.2")\$" <<<"$output")" 2

	# HEAD of a listing and of an error: headers only as well.
	hc --raw "$(rq HEAD /sub/)"
	[[ $output == "HTTP/1.1 200 OK"* && $output == *$'\r\n\r\n\neof' ]]
	hc --raw "$(rq HEAD /missing)"
	[[ $output == "HTTP/1.1 404 Not Found"* && $output == *$'\r\n\r\n\neof' ]]
}

@test "POST, PUT, DELETE, TRACE, OPTIONS, PATCH, CONNECT: 405 with Allow: GET, HEAD" {
	serve
	local m req=''
	for m in POST PUT DELETE TRACE OPTIONS PATCH CONNECT; do
		req+=$(rqk "$m" /hello.txt 'Content-Length: 0')
	done
	hc -n 8 "$req$(rq GET /hello.txt)"
	assert_equal "$(grep -c '^HTTP/1.1 405 Method Not Allowed$' <<<"$output")" 7
	assert_equal "$(grep -c '^Allow: GET, HEAD$' <<<"$output")" 7
	assert_equal "$(grep -cE '^Content-Length: [0-9]+$' <<<"$output")" 8
	pick 8
	status_is 200
	body_is $'hello world\n' 8
	assert_equal "${all[-1]}" eof
}

@test "TRACE never echoes the request" {
	serve
	hc "$(rq TRACE / 'X-Secret: trace-me-not' 'Cookie: session=abc123')"
	status_is 405
	assert_line "Allow: GET, HEAD"
	refute_line --partial "message/http"
	no_match -qi -e 'trace-me-not' -e 'abc123' -e 'X-Secret' "$T/body.1"
}

@test "a 405 keeps the connection: the next request on it is answered" {
	serve
	hc -n 2 "$(rqk DELETE /hello.txt)$(rq GET /hello.txt)"
	status_is 405
	assert_line --index 0 "HTTP/1.1 405 Method Not Allowed"
	assert_line "HTTP/1.1 200 OK"
	body_is $'hello world\n' 2
	assert_line --index -1 eof
}

# ---------------------------------------------------------------------
# Connections: HTTP/1.0, keep-alive, pipelining, request bodies

@test "HTTP/1.0 closes by default" {
	serve
	hc -w 5 'GET /hello.txt HTTP/1.0\r\n\r\n'
	status_is 200
	assert_line "Connection: close"
	body_is $'hello world\n'
	assert_line --index -1 eof
}

@test "HTTP/1.0 with Connection: keep-alive stays open for the next request" {
	serve
	hc -n 2 -w 0.3 \
	    'GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' \
	    'GET /sub/a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
	status_is 200
	assert_equal "$(grep -c '^Connection: keep-alive$' <<<"$output")" 2
	refute_line "Connection: close"
	body_is $'hello world\n' 1
	body_is $'aaa\n' 2
	assert_line --index -1 open
}

@test "HTTP/1.1 keeps alive by default, and Connection: close closes" {
	serve
	hc -n 2 -w 0.3 "$(rqk GET /hello.txt)" "$(rqk GET /sub/a.txt)"
	refute_line --partial "Connection:"
	body_is $'hello world\n' 1
	body_is $'aaa\n' 2
	assert_line --index -1 open

	hc -n 2 -w 5 "$(rqk GET /hello.txt)" "$(rq GET /sub/a.txt)"
	assert_line "Connection: close"
	body_is $'aaa\n' 2
	assert_line --index -1 eof
}

@test "4 pipelined requests in one segment are answered in order" {
	printf 'first\n' >"$ROOT/1.txt"
	printf 'second!\n' >"$ROOT/2.txt"
	printf 'the third one\n' >"$ROOT/3.txt"
	printf '4\n' >"$ROOT/4.txt"
	serve
	hc -n 4 -M GET,HEAD,GET,GET -w 5 \
	    "$(rqk GET /1.txt)$(rqk HEAD /2.txt)$(rqk GET /3.txt)$(rq GET /4.txt)"
	assert_equal "$(grep -c '^HTTP/1.1 200 OK$' <<<"$output")" 4
	assert_equal "$(grep '^Content-Length: ' <<<"$output" | tr '\n' ' ')" \
	    "Content-Length: 6 Content-Length: 8 Content-Length: 14 Content-Length: 2 "
	body_is $'first\n' 1
	body_is '' 2
	body_is $'the third one\n' 3
	body_is $'4\n' 4
	assert_line --index -1 eof
	refute_line --partial "extra:"
}

@test "a request body with Content-Length on keep-alive is discarded; the next request is answered" {
	serve
	# In the same segment.
	hc -n 2 -w 5 \
	    "$(rqk POST /hello.txt 'Content-Length: 10')0123456789$(rq GET /sub/a.txt)"
	assert_line --index 0 "HTTP/1.1 405 Method Not Allowed"
	assert_line "HTTP/1.1 200 OK"
	body_is $'aaa\n' 2
	assert_line --index -1 eof

	# A body that looks like a request, arriving later in pieces: 2 x 36.
	local fake="GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
	hc -n 2 -w 5 -p 0.2 \
	    "$(rqk GET /sub/a.txt 'Content-Length: 72')" \
	    "$fake" "$fake$(rq GET /hello.txt)"
	body_is $'aaa\n' 1
	body_is $'hello world\n' 2
	assert_line --index -1 eof
	refute_line --partial "extra:"
}

@test "a 1 MiB request body on keep-alive is read and discarded" {
	serve
	run --separate-stderr timeout 20 "$PYTHON3" - "$PORT" <<'EOF'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
body = (b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n" * 30000)[:1 << 20]
c.sendall(b"PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
c.sendall(b"GET /sub/a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
data = b""
while True:
    d = c.recv(65536)
    if not d:
        break
    data += d
print(data.count(b"HTTP/1.1 "), data.split(b"\r\n")[0].decode())
print(repr(data[-4:]))
EOF
	assert_success
	assert_line --index 0 "2 HTTP/1.1 405 Method Not Allowed"
	assert_line --index 1 "b'aaa\\n'"
}

@test "a chunked request body: the response, then close" {
	serve
	hc -w 5 "$(rqk POST /hello.txt 'Transfer-Encoding: chunked')5\r\nhello\r\n0\r\n\r\n$(rq GET /sub/a.txt)"
	status_is 405
	assert_line "Connection: close"
	assert_line --index -1 eof
	refute_line --partial "extra:"

	hc -w 5 "$(rqk GET /hello.txt 'Transfer-Encoding: chunked')5\r\nhello\r\n0\r\n\r\n$(rq GET /sub/a.txt)"
	status_is 200
	assert_line "Connection: close"
	body_is $'hello world\n'
	assert_line --index -1 eof
	refute_line --partial "extra:"
}

# ---------------------------------------------------------------------
# Hostile heads: a status, never a crash, and close

@test "malformed request lines: 400" {
	serve
	rejects 400 'GET /\r\n\r\n' 'GET\r\n\r\n' \
	    'GET  /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n' \
	    'GET /hello.txt  HTTP/1.1\r\nHost: t\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1 \r\nHost: t\r\n\r\n' \
	    ' GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n' \
	    'GET\t/hello.txt HTTP/1.1\r\nHost: t\r\n\r\n' \
	    'GET /hello\x01.txt HTTP/1.1\r\nHost: t\r\n\r\n' \
	    'GET /hello\0.txt HTTP/1.1\r\nHost: t\r\n\r\n' \
	    'GET /hello.txt\rHTTP/1.1\r\nHost: t\r\n\r\n' \
	    'G(T /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n' \
	    '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1.1\r\nHost: t\r\n\r\n' \
	    'GET /hello.txt HTTP/x.y\r\nHost: t\r\n\r\n' \
	    'GET /hello.txt HTTP/11.1\r\nHost: t\r\n\r\n'
}

@test "lowercase http/1.1: 400; HTTP/2.0 and HTTP/3.0: 505" {
	serve
	rejects 400 'GET /hello.txt http/1.1\r\nHost: t\r\n\r\n' \
	    'GET /hello.txt Http/1.1\r\nHost: t\r\n\r\n'
	rejects 505 'GET /hello.txt HTTP/2.0\r\nHost: t\r\n\r\n' \
	    'GET /hello.txt HTTP/3.0\r\nHost: t\r\n\r\n' \
	    'GET /hello.txt HTTP/0.9\r\n\r\n'
}

@test "Host: missing in 1.1 or duplicated: 400; 1.0 needs none" {
	serve
	rejects 400 'GET /hello.txt HTTP/1.1\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1\r\nX-Host: t\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n' \
	    'GET /hello.txt HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n'
	hc 'GET /hello.txt HTTP/1.0\r\n\r\n'
	status_is 200
}

@test "Content-Length: duplicate (even equal) or invalid: 400 and close" {
	serve
	local v reqs=()
	for v in '+5' '5 5' '-1' '5,5' '0x5' '5.0' '' '99999999999999999999' \
	    '18446744073709551616'; do
		reqs+=("$(rqk POST /x "Content-Length: $v")hello")
	done
	rejects 400 \
	    "$(rqk POST /x 'Content-Length: 5' 'Content-Length: 5')hello" \
	    "$(rqk GET /hello.txt 'Content-Length: 0' 'Content-Length: 0')" \
	    "$(rqk GET /hello.txt 'Content-Length: 0' 'content-length: 1')" \
	    "${reqs[@]}"
}

@test "Content-Length with Transfer-Encoding, and a Transfer-Encoding not ending in chunked: 400 and close" {
	serve
	rejects 400 \
	    "$(rqk POST /x 'Content-Length: 5' 'Transfer-Encoding: chunked')5\r\nhello\r\n0\r\n\r\n" \
	    "$(rqk POST /x 'Transfer-Encoding: chunked' 'Content-Length: 5')5\r\nhello\r\n0\r\n\r\n" \
	    "$(rqk POST /x 'Transfer-Encoding: gzip')" \
	    "$(rqk POST /x 'Transfer-Encoding: chunked, gzip')" \
	    "$(rqk POST /x 'Transfer-Encoding: xchunked')"
}

@test "obs-fold and a space before a colon: 400 and close" {
	serve
	rejects 400 \
	    "$(rqk GET /hello.txt 'X-A: a' ' folded')" \
	    "$(rqk GET /hello.txt 'X-A: a' '\tfolded')" \
	    'GET /hello.txt HTTP/1.1\r\n Host: t\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1\r\nHost : t\r\n\r\n' \
	    "$(rqk GET /hello.txt 'Content-Length : 0')" \
	    "$(rqk GET /hello.txt 'X-A\t: b')"
}

@test "a NUL or control character in a header, an empty or bad header name: 400 and close" {
	serve
	local h reqs=()
	for h in 'X-A: a\0b' 'X-A: a\x01b' 'X-A: \x1b[31mred' 'X-A: a\x7fb' \
	    'X-A: a\rSet-Cookie: b=c' 'User-Agent: \x07' ': novalue' \
	    'X\0A: b' 'X-A b' 'X[A]: b'; do
		reqs+=("$(rqk GET /hello.txt "$h")")
	done
	rejects 400 "${reqs[@]}" 'GET /hello.txt HTTP/1.1\r\nHost: t\0\r\n\r\n'
}

@test "a request line over 8 KiB: 414, complete or not; 8 KiB exactly is not" {
	serve
	local t
	t=/$(a_string 9000)
	# The second is not finished: answered without waiting for the end.
	rejects 414 "GET $t HTTP/1.1\r\nHost: t\r\n\r\n" "GET $t"
	# A request line of exactly 8192 bytes is parsed (the file is missing).
	t=/$(a_string $((8192 - 4 - 1 - 9)))
	hc "$(rq GET "$t")"
	status_is 404
}

@test "more than 100 header lines or 32 KiB of headers: 431, complete or not" {
	serve
	local r i big many
	many='GET /hello.txt HTTP/1.1\r\nHost: t\r\n'
	for ((i = 0; i < 100; i++)); do
		many+="X-H$i: v\r\n"
	done
	big=$(a_string 8000 v)
	r='GET /hello.txt HTTP/1.1\r\nHost: t\r\n'
	for ((i = 0; i < 5; i++)); do
		r+="X-Big$i: $big\r\n"
	done
	rejects 431 "$many\r\n" "$r\r\n" "$r" \
	    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-Big: $big$big$big$big$big"

	# 100 lines (Host and 99), and just under 32 KiB, are fine.
	r='GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n'
	for ((i = 0; i < 98; i++)); do
		r+="X-H$i: v\r\n"
	done
	many='GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n'
	for ((i = 0; i < 3; i++)); do
		many+="X-Big$i: $big\r\n"
	done
	each_raw "$r\r\n" "$many\r\n"
	assert_equal "${lines[*]}" "$(printf 'HTTP/1.1 200 OK\tclose\teof HTTP/1.1 200 OK\tclose\teof')"
}

@test "after every hostile head the server still runs and serves" {
	serve
	each_raw 'GET / HTTP/2.0\r\n\r\n' 'GET /\r\n\r\n' '\0\0\0\0\r\n\r\n' \
	    'GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n' \
	    "$(rqk GET /hello.txt 'Range: bytes=99999999999999999999-1')" \
	    "$(rqk GET /hello.txt 'If-Modified-Since: \xff\xfe')" \
	    "$(rqk GET /hello.txt 'If-None-Match: "\xff')" \
	    "$(rqk GET '/%ff%fe%00')" \
	    '\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n'
	kill -0 "$SERVER_PID"
	get /hello.txt
	status_is 200
	body_is $'hello world\n'
}

# ---------------------------------------------------------------------
# Range

@test "Range: single, open and suffix ranges give 206 with the exact Content-Range and bytes" {
	serve
	local spec want_range want_body req='' k
	local -a specs=() ranges=() bodies=()
	while IFS='|' read -r spec want_range want_body; do
		printf -v want_body '%b' "$want_body"
		specs+=("$spec")
		ranges+=("$want_range")
		bodies+=("$want_body")
		req+=$(rqk GET /hello.txt "Range: $spec")
	done <<-'EOF'
	bytes=0-4|0-4/12|hello
	bytes=6-|6-11/12|world\n
	bytes=-3|9-11/12|ld\n
	bytes=-20|0-11/12|hello world\n
	bytes=-12|0-11/12|hello world\n
	bytes=0-0|0-0/12|h
	bytes=11-11|11-11/12|\n
	bytes=11-|11-11/12|\n
	bytes=3-100|3-11/12|lo world\n
	BYTES=0-1|0-1/12|he
	bytes= 2-3 |2-3/12|ll
	EOF
	hc -n "${#specs[@]}" -w 0.1 "$req"
	for ((k = 1; k <= ${#specs[@]}; k++)); do
		pick "$k"
		status_is 206
		assert_line "Content-Range: bytes ${ranges[k - 1]}"
		assert_line "Content-Length: ${#bodies[k - 1]}"
		assert_line "Content-Type: text/plain"
		body_is "${bodies[k - 1]}" "$k"
	done
}

@test "Range: unsatisfiable ranges give 416 with Content-Range: bytes */SIZE" {
	serve
	local spec req='' k
	local -a specs=('bytes=12-' 'bytes=12-20' 'bytes=100-200' 'bytes=-0')
	for spec in "${specs[@]}"; do
		req+=$(rqk GET /hello.txt "Range: $spec")
	done
	hc -n 4 -w 0.1 "$req"
	for ((k = 1; k <= 4; k++)); do
		pick "$k"
		status_is 416
		assert_line "Content-Range: bytes */12"
		assert_line --regexp '^Content-Length: [0-9]+$'
		no_match -q 'hello world' "$T/body.$k"
	done
	: >"$ROOT/empty.txt"
	get /empty.txt 'Range: bytes=0-'
	status_is 416
	assert_line "Content-Range: bytes */0"
}

# whole_file_for SPEC...: each Range is answered 200 with exactly the file.
whole_file_for() {
	local spec req='' k
	for spec in "$@"; do
		req+=$(rqk GET /hello.txt "Range: $spec")
	done
	hc -n $# -w 0.1 "$req"
	for ((k = 1; k <= $#; k++)); do
		pick "$k"
		status_is 200
		refute_line --partial "Content-Range"
		assert_line "Content-Length: 12"
		body_is $'hello world\n' "$k"
	done
}

@test "Range: overflowing numbers never give a bogus 206: 200 with the whole file" {
	serve
	whole_file_for 'bytes=99999999999999999999-' 'bytes=1-99999999999999999999' \
	    'bytes=-99999999999999999999' 'bytes=18446744073709551615-' \
	    'bytes=18446744073709551617-18446744073709551618' \
	    'bytes=9223372036854775808-' 'bytes=0-9223372036854775808'
}

@test "Range: ranges adding up to more than the file, reversed, malformed or in other units give 200 with exactly the file" {
	serve
	local many i
	many=bytes=0-11
	for ((i = 0; i < 60; i++)); do
		many+=,0-11
	done
	whole_file_for "$many" 'bytes=0-4,6-8' 'bytes=0-,0-,0-,0-' \
	    'bytes=-12,-12' 'bytes=4-2' 'items=0-1' 'bytes 0-1' 'bytes=a-b' \
	    'bytes=' 'bytes=--1' 'bytes=1' 'bytes=0-4;x'
}

@test "If-Range: a matching ETag or date gives 206, anything else 200" {
	serve
	local etag lm k
	get /hello.txt
	etag=$(header ETag)
	lm=$(header Last-Modified)
	hc -n 6 -w 0.1 \
	    "$(rqk GET /hello.txt 'Range: bytes=0-4' "If-Range: $etag")$(rqk GET /hello.txt 'Range: bytes=0-4' "If-Range: $lm")$(rqk GET /hello.txt 'Range: bytes=0-4' 'If-Range: "not-the-etag"')$(rqk GET /hello.txt 'Range: bytes=0-4' 'If-Range: Sat, 03 Feb 2001 04:05:07 GMT')$(rqk GET /hello.txt 'Range: bytes=0-4' 'If-Range: garbage')$(rqk GET /hello.txt 'Range: bytes=0-4' "If-Range: W/$etag")"
	for k in 1 2; do
		pick $k
		status_is 206
		body_is hello $k
	done
	for k in 3 4 5 6; do
		pick $k
		status_is 200
		body_is $'hello world\n' $k
	done
}

@test "X-Range is not Range; Range with HEAD has the 206 headers and no body" {
	serve
	get /hello.txt 'X-Range: bytes=0-4'
	status_is 200
	body_is $'hello world\n'
	hc --head "$(rq HEAD /hello.txt 'Range: bytes=0-4')"
	status_is 206
	assert_line "Content-Range: bytes 0-4/12"
	assert_line "Content-Length: 5"
	assert_line "body: 0"
	assert_line --index -1 eof
}

# ---------------------------------------------------------------------
# Conditional requests

@test "If-None-Match: the ETag, W/ETag, a list or * give 304; another tag 200" {
	serve
	local etag v req='' k
	get /hello.txt
	etag=$(header ETag)
	for v in "$etag" "W/$etag" "\"nope\", $etag" '*'; do
		req+=$(rqk GET /hello.txt "If-None-Match: $v")
	done
	# The 304s have no body: the next response on the connection is
	# framed right.
	hc -n 5 "$req$(rq GET /hello.txt 'If-None-Match: "nope"')"
	for ((k = 1; k <= 4; k++)); do
		pick "$k"
		status_is 304
		assert_line "ETag: $etag"
		assert_line "Last-Modified: Sat, 03 Feb 2001 04:05:06 GMT"
		assert_line --regexp '^Content-Length: [0-9]+$'
		assert_line --regexp '^Date: '
		assert_line "Server: sockctl/$SOCKCTL_VERSION"
		assert_line "body: 0"
	done
	pick 5
	status_is 200
	body_is $'hello world\n' 5
	assert_equal "${all[-1]}" eof
}

@test "If-Modified-Since: dates compared as dates, in all three formats; garbage ignored" {
	serve
	local d want req='' got
	while IFS='|' read -r want d; do
		req+=$(rqk GET /hello.txt "If-Modified-Since: $d")
		got+="HTTP/1.1 $want $(reason "$want")"$'\n'
	done <<-'EOF'
	304|Sat, 03 Feb 2001 04:05:06 GMT
	304|Sat, 03 Feb 2001 05:00:00 GMT
	304|Fri, 01 Jan 2010 00:00:00 GMT
	304|Saturday, 03-Feb-01 05:00:00 GMT
	304|Sat Feb  3 05:00:00 2001
	200|Sat, 03 Feb 2001 04:05:05 GMT
	200|Sun, 01 Jan 2000 00:00:00 GMT
	200|Sunday, 01-Jan-00 00:00:00 GMT
	200|Sun Jan  1 00:00:00 2000
	200|garbage
	200|Sat, 03 Feb 2001
	200|Xyz, 99 Foo 2001 04:05:06 GMT
	EOF
	hc -n 12 -w 0.1 "$req"
	assert_equal "$(grep '^HTTP/' <<<"$output")" "${got%$'\n'}"
}

@test "If-None-Match wins over If-Modified-Since" {
	serve
	get /hello.txt 'If-None-Match: "nope"' 'If-Modified-Since: Fri, 01 Jan 2010 00:00:00 GMT'
	status_is 200
	body_is $'hello world\n'
}

@test "ETag is stable, and changes with the size or the mtime" {
	serve
	local e1 e2 e3 e4
	get /hello.txt
	e1=$(header ETag)
	get /hello.txt
	e2=$(header ETag)
	assert_equal "$e1" "$e2"
	touch -d '2002-02-03 04:05:06 UTC' "$ROOT/hello.txt"
	get /hello.txt
	e3=$(header ETag)
	assert_line "Last-Modified: Sun, 03 Feb 2002 04:05:06 GMT"
	[[ $e3 != "$e1" ]]
	printf 'hello world!\n' >"$ROOT/hello.txt"
	touch -d '2002-02-03 04:05:06 UTC' "$ROOT/hello.txt"
	get /hello.txt
	e4=$(header ETag)
	[[ $e4 != "$e3" && $e4 != "$e1" ]]
	get /hello.txt "If-None-Match: $e1"
	status_is 200
}

# ---------------------------------------------------------------------
# Headers on every response; Content-Type

@test "every response carries Content-Length, Date and Server" {
	mkdir "$ROOT/site"
	printf '<p>hi</p>\n' >"$ROOT/site/index.html"
	serve --no-listing
	local etag k h
	get /hello.txt
	etag=$(header ETag)
	each_raw "$(rq GET /hello.txt)" "$(rq GET /hello.txt 'Range: bytes=0-1')" \
	    "$(rq GET /hello.txt "If-None-Match: $etag")" \
	    "$(rq GET /hello.txt 'Range: bytes=50-')" \
	    "$(rq GET /sub)" "$(rq GET /sub/)" "$(rq GET /site/)" \
	    "$(rq GET /missing)" "$(rq POST /hello.txt)" "$(rq GET /%zz)" \
	    'GET / HTTP/2.0\r\n\r\n' "GET /$(a_string 9000) HTTP/1.1\r\n\r\n" \
	    'GET / HTTP/1.1\r\n\r\n' "$(rq HEAD /hello.txt)" "$(rq HEAD /nope)"
	assert_equal "$(cut -d' ' -f2 <<<"$output" | tr '\n' ' ')" \
	    "200 206 304 416 301 403 200 404 405 400 505 414 400 200 404 "
	for ((k = 1; k <= ${#lines[@]}; k++)); do
		h=$T/body.$k.head
		grep -qE '^Content-Length: [0-9]+$' "$h" ||
		    fail "response $k: no Content-Length"
		grep -qE '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' "$h" ||
		    fail "response $k: no Date"
		grep -qx "Server: sockctl/$SOCKCTL_VERSION" "$h" ||
		    fail "response $k: no Server"
	done
	# File responses also carry ETag and Last-Modified.
	for k in 1 2 3 14; do
		grep -qE '^ETag: "[^"]+"$' "$T/body.$k.head" ||
		    fail "response $k: no ETag"
		grep -qx 'Last-Modified: Sat, 03 Feb 2001 04:05:06 GMT' \
		    "$T/body.$k.head" || fail "response $k: no Last-Modified"
	done
}

@test "Content-Type exactly from the extension table; unknown is application/octet-stream" {
	local table ext type req='' n=0 want=''
	table='html text/html
htm text/html
css text/css
js text/javascript
mjs text/javascript
json application/json
txt text/plain
md text/markdown
csv text/csv
xml application/xml
svg image/svg+xml
png image/png
jpg image/jpeg
jpeg image/jpeg
gif image/gif
webp image/webp
ico image/vnd.microsoft.icon
avif image/avif
wasm application/wasm
pdf application/pdf
zip application/zip
gz application/gzip
tar application/x-tar
mp3 audio/mpeg
mp4 video/mp4
webm video/webm
woff font/woff
woff2 font/woff2
ttf font/ttf
otf font/otf
PNG image/png
Html text/html
xyz application/octet-stream
tar.gz application/gzip
exe application/octet-stream'
	while read -r ext type; do
		printf 'x' >"$ROOT/f.$ext"
		req+=$(rqk HEAD "/f.$ext")
		want+="Content-Type: $type"$'\n'
		((++n))
	done <<<"$table"
	printf 'x' >"$ROOT/README"
	mkdir "$ROOT/dir.d"
	printf 'x' >"$ROOT/dir.d/file"
	req+=$(rqk HEAD /README)$(rqk HEAD /dir.d/file)$(rq HEAD /)
	want+="Content-Type: application/octet-stream"$'\n'
	want+="Content-Type: application/octet-stream"$'\n'
	want+="Content-Type: text/html; charset=utf-8"$'\n'
	serve
	hc --head -n $((n + 3)) "$req"
	assert_equal "$(grep -c '^HTTP/1.1 200 OK$' <<<"$output")" $((n + 3))
	assert_equal "$(grep '^Content-Type: ' <<<"$output")" "${want%$'\n'}"
}

@test "-H adds headers (repeatable) and --cors adds Access-Control-Allow-Origin: * to every response" {
	serve -H 'X-A: b' -H 'X-Frame-Options: DENY' --cors
	local k
	each /hello.txt /missing /sub /sub/ /%zz
	for ((k = 1; k <= 5; k++)); do
		grep -qx 'X-A: b' "$T/body.$k.head"
		grep -qx 'X-Frame-Options: DENY' "$T/body.$k.head"
		grep -qx 'Access-Control-Allow-Origin: \*' "$T/body.$k.head"
	done
}

@test "without --cors there is no Access-Control-Allow-Origin" {
	serve
	get /hello.txt
	refute_line --partial "Access-Control"
}

# ---------------------------------------------------------------------
# Paths

@test ".. in every spelling never leaves DIR" {
	local -a t=(/../secret.txt /..%2fsecret.txt /%2e%2e/secret.txt
	    /%2E%2E/secret.txt /.%2e/secret.txt /%2e./secret.txt
	    /sub/../../secret.txt /sub/..%2f..%2fsecret.txt
	    /sub%2f..%2f..%2fsecret.txt /sub/%2e%2e/%2e%2e/secret.txt
	    //../secret.txt /./../secret.txt /sub/./../../secret.txt
	    /%2e%2e%2fsecret.txt /%2f..%2fsecret.txt /..//secret.txt
	    http://t/../secret.txt http://t/%2e%2e/secret.txt
	    /../../../../../../../../etc/passwd /../root/hello.txt
	    /..%5csecret.txt '/..\secret.txt' /....//secret.txt
	    /..%c0%afsecret.txt /%252e%252e/secret.txt /..%2e/secret.txt
	    /sub/..%2F..%2F..%2F..%2Fetc%2Fpasswd)
	serve
	each_status 404 "${t[@]}"
	no_match -l -e TOPSECRET -e root: "$T"/body.*
	# With --follow-symlinks and --hidden too: '..' is no symlink.
	stop_server
	serve --follow-symlinks --hidden
	each_status 404 "${t[@]}"
	no_match -l -e TOPSECRET -e root: "$T"/body.*
}

@test "..%00 (a path outside DIR written with a NUL) is 404" {
	serve
	each_status 404 /..%00 /sub/../..%00/secret.txt /..%00/secret.txt
	no_match -l TOPSECRET "$T"/body.*
}

@test "%00 and bad or truncated escapes: 400, never the truncated name" {
	serve
	each_status 400 /hello.txt%00.html /hello.txt%00 /x%00y /%00 /%zz /%4 \
	    /% /hello.txt%2 /hello%2g.txt /%%34%31 /sub%00/a.txt
	no_match -l 'hello world' "$T"/body.*
}

@test "percent-encoded names, queries and fragments, absolute-form targets" {
	printf 'space\n' >"$ROOT/a b.txt"
	printf 'umlaut\n' >"$ROOT/ü.txt"
	printf 'pct\n' >"$ROOT/100%.txt"
	serve
	each_status 200 /a%20b.txt /%C3%BC.txt /%c3%bc.txt /100%25.txt \
	    '/hello.txt?x=1&y=/../secret.txt' '/hello.txt#frag' /%68ello.txt \
	    http://t/hello.txt HTTP://T/hello.txt /sub/../hello.txt \
	    //sub//a.txt /./hello.txt
	body_is $'space\n' 1
	body_is $'umlaut\n' 2
	body_is $'umlaut\n' 3
	body_is $'pct\n' 4
	local k
	for k in 5 6 7 8 9 10 12; do
		body_is $'hello world\n' "$k"
	done
	body_is $'aaa\n' 11
}

@test "dotfiles are 404 (and not listed) unless --hidden" {
	printf 'SECRET=1\n' >"$ROOT/.env"
	mkdir -p "$ROOT/.git" "$ROOT/sub/.d"
	printf '[core]\n' >"$ROOT/.git/config"
	printf 'h\n' >"$ROOT/sub/.hidden"
	printf 'd\n' >"$ROOT/sub/.d/f.txt"
	serve
	each_status 404 /.env /%2eenv /.git/config /.git/ /.git /sub/.hidden \
	    /sub/.d/f.txt /sub/%2ed/f.txt
	each_status 200 / /sub/
	no_match -q -e '\.env' -e '\.git' "$T/body.1"
	no_match -q -e '\.hidden' -e '\.d/' "$T/body.2"

	stop_server
	serve --hidden
	each_status 200 /.env /sub/.d/f.txt /
	body_is $'SECRET=1\n' 1
	body_is $'d\n' 2
	grep -q 'href="\.env"' "$T/body.3"
	grep -q 'href="\.git/"' "$T/body.3"
}

@test "symlinks inside DIR are served" {
	ln -s hello.txt "$ROOT/link.txt"
	ln -s sub "$ROOT/linkdir"
	ln -s ../hello.txt "$ROOT/sub/up.txt"
	serve
	each_status 200 /link.txt /linkdir/a.txt /sub/up.txt /linkdir/
	body_is $'hello world\n' 1
	body_is $'aaa\n' 2
	body_is $'hello world\n' 3
	grep -q 'href="a.txt"' "$T/body.4"
}

@test "an absolute symlink that resolves inside DIR is served" {
	ln -s "$ROOT/hello.txt" "$ROOT/abs.txt"
	ln -s "$ROOT/sub" "$ROOT/absdir"
	serve
	each_status 200 /abs.txt /absdir/a.txt
	body_is $'hello world\n' 1
	body_is $'aaa\n' 2
}

@test "a listing shows the symlinks that are served, and only those" {
	ln -s "$ROOT/hello.txt" "$ROOT/abs.txt"
	ln -s "$ROOT/sub" "$ROOT/absdir"
	ln -s hello.txt "$ROOT/rel.txt"
	ln -s "$T/secret.txt" "$ROOT/out.txt"
	ln -s ../outside "$ROOT/outdir"
	serve
	each_status 200 /
	grep -q 'href="abs.txt">abs.txt</a></td><td class="s">12B<' "$T/body.1"
	grep -q 'href="absdir/">absdir/</a>' "$T/body.1"
	grep -q 'href="rel.txt">rel.txt</a></td><td class="s">12B<' "$T/body.1"
	no_match -e out.txt -e outdir "$T/body.1"
}

@test "an index.html that is a symlink to a file elsewhere inside DIR is the index" {
	mkdir "$ROOT/site"
	ln -s ../hello.txt "$ROOT/site/index.html"
	serve
	each_status 200 /site/index.html /site/
	body_is $'hello world\n' 1
	body_is $'hello world\n' 2
}

@test "symlinks resolving outside DIR are 404 unless --follow-symlinks" {
	ln -s ../secret.txt "$ROOT/rel.txt"
	ln -s "$T/secret.txt" "$ROOT/abs.txt"
	ln -s ../outside "$ROOT/outdir"
	ln -s ../../secret.txt "$ROOT/sub/deep.txt"
	ln -s sub/deep.txt "$ROOT/chain.txt"
	ln -s / "$ROOT/slash"
	serve
	each_status 404 /rel.txt /abs.txt /outdir/o.txt /outdir/ /outdir \
	    /sub/deep.txt /chain.txt /slash/etc/passwd /slash/
	no_match -l -e TOPSECRET -e OUTSIDE -e root: "$T"/body.*

	stop_server
	serve --follow-symlinks
	each_status 200 /rel.txt /abs.txt /outdir/o.txt /chain.txt
	body_is $'TOPSECRET\n' 1
	body_is $'TOPSECRET\n' 2
	body_is $'OUTSIDE\n' 3
	body_is $'TOPSECRET\n' 4
}

@test "a file requested with a trailing slash is 404, the slash encoded or not" {
	serve
	each_status 404 /hello.txt/ /hello.txt/. /sub/a.txt/ /hello.txt// \
	    /hello.txt/?x /hello.txt%2f /hello.txt%2F /sub/a.txt%2f
}

@test "a directory without its slash: 301 to the normalised, percent-encoded path" {
	mkdir -p "$ROOT/a b" "$ROOT/ünï" "$ROOT/sub/deep" "$ROOT/q&a=1"
	serve
	local t want k=0
	local -a ts=() wants=()
	while IFS='|' read -r t want; do
		ts+=("$t")
		wants+=("$want")
	done <<-'EOF'
	/sub|/sub/
	/sub/deep|/sub/deep/
	/sub/../sub|/sub/
	/sub/./deep|/sub/deep/
	/a%20b|/a%20b/
	/%C3%BC%6E%C3%AF|/%C3%BCn%C3%AF/
	/q%26a%3D1|/q%26a%3D1/
	/sub?x=1|/sub/
	http://other.example/sub|/sub/
	EOF
	each_status 301 "${ts[@]}"
	for ((k = 1; k <= ${#ts[@]}; k++)); do
		grep -qx "Location: ${wants[k - 1]}" "$T/body.$k.head" ||
		    fail "${ts[k - 1]}: $(grep ^Location "$T/body.$k.head")"
	done
}

@test "the redirect never points off-site: exactly one leading slash" {
	mkdir "$ROOT/evil.example"
	serve
	local k
	each_status 301 //evil.example ///evil.example /%2fevil.example \
	    /%2F%2Fevil.example /.//evil.example //./evil.example \
	    http://x//evil.example /sub/..//evil.example '//evil.example?x=//y'
	for ((k = 1; k <= 9; k++)); do
		grep -qx 'Location: /evil.example/' "$T/body.$k.head" ||
		    fail "request $k: $(grep ^Location "$T/body.$k.head")"
	done
}

@test "no CR/LF from a directory name into the redirect" {
	mkdir "$ROOT/x"$'\r\n'"Set-Cookie: a=b" "$ROOT/y%0d%0aSet-Cookie: c=d"
	: >"$ROOT/x"$'\r\n'"Set-Cookie: a=b/f.txt"
	serve
	hc "$(rq GET '/x%0D%0ASet-Cookie:%20a=b')"
	status_is 301
	assert_line "Location: /x%0D%0ASet-Cookie%3A%20a%3Db/"
	refute_line --regexp '^Set-Cookie'
	hc "$(rq GET '/y%250d%250aSet-Cookie:%20c=d')"
	status_is 301
	assert_line "Location: /y%250d%250aSet-Cookie%3A%20c%3Dd/"
	refute_line --regexp '^Set-Cookie'
	# Following the redirect reaches the directory.
	hc "$(rq GET '/x%0D%0ASet-Cookie%3A%20a%3Db/')"
	status_is 200
}

@test "index.html is served for its directory; --index NAME" {
	mkdir -p "$ROOT/site" "$ROOT/other"
	printf '<p>site</p>\n' >"$ROOT/site/index.html"
	printf '<p>home</p>\n' >"$ROOT/other/home.htm"
	printf '<p>root</p>\n' >"$ROOT/other/index.html"
	serve
	get /site/
	status_is 200
	assert_line "Content-Type: text/html"
	body_is $'<p>site</p>\n'
	each /site /site/index.html
	grep -qx 'Location: /site/' "$T/body.1.head"
	body_is $'<p>site</p>\n' 2

	stop_server
	serve --index home.htm
	get /other/
	status_is 200
	body_is $'<p>home</p>\n'
	# index.html is just a file now: /site/ is a listing.
	get /site/
	status_is 200
	assert_line "Content-Type: text/html; charset=utf-8"
	grep -q 'href="index.html"' "$T/body.1"
}

@test "--no-listing: a directory without an index is 403" {
	mkdir "$ROOT/site"
	printf '<p>site</p>\n' >"$ROOT/site/index.html"
	serve --no-listing
	each_status 403 /sub/ /
	no_match -q 'a.txt' "$T/body.1"
	each_status 200 /site/ /sub/a.txt
	body_is $'<p>site</p>\n' 1
	body_is $'aaa\n' 2
}

# ---------------------------------------------------------------------
# Listings

@test "listing: text/html; charset=utf-8, hostile names escaped in text and percent-encoded in links" {
	printf 'img\n' >"$ROOT/sub/<img src=x onerror=alert(1)>.txt"
	printf 'quotes\n' >"$ROOT/sub/a\"b'c&d.txt"
	mkdir "$ROOT/sub/<b>dir"
	serve
	get /sub/
	status_is 200
	assert_line "Content-Type: text/html; charset=utf-8"
	local b=$T/body.1
	grep -qF '>&lt;img src=x onerror=alert(1)&gt;.txt</a>' "$b"
	grep -qF 'href="%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt"' "$b"
	grep -qF '>a&quot;b&#39;c&amp;d.txt</a>' "$b"
	grep -qF 'href="a%22b%27c%26d.txt"' "$b"
	grep -qF 'href="%3Cb%3Edir/"' "$b"
	grep -qF '&lt;b&gt;dir/' "$b"
	no_match -qF '<img' "$b"
	no_match -qF '<b>' "$b"
	no_match -qF "a\"b'c" "$b"
	# The links lead to the files.
	get '/sub/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt'
	body_is $'img\n'
	get '/sub/a%22b%27c%26d.txt'
	body_is $'quotes\n'
}

@test "listing: directories first, then files, each by name; ../ below the root" {
	mkdir -p "$ROOT/ord/zeta" "$ROOT/ord/alpha" "$ROOT/ord/mid"
	for f in b.txt a.txt c.txt 0.txt; do
		printf 'x' >"$ROOT/ord/$f"
	done
	serve
	get /ord/
	status_is 200
	assert_equal "$(grep -o 'href="[^"]*"' "$T/body.1" | tr '\n' ' ')" \
	    'href="../" href="alpha/" href="mid/" href="zeta/" href="0.txt" href="a.txt" href="b.txt" href="c.txt" '
	get /
	no_match -qF 'href="../"' "$T/body.1"
}

@test "listing: an empty directory" {
	mkdir "$ROOT/empty"
	serve
	get /empty/
	status_is 200
	assert_line "Content-Type: text/html; charset=utf-8"
	assert_equal "$(grep -o 'href="[^"]*"' "$T/body.1")" 'href="../"'
}

@test "listing: sizes and modification times" {
	printf '%05000d' 0 >"$ROOT/sub/five.bin"
	touch -d '2003-04-05 06:07:00 UTC' "$ROOT/sub/five.bin"
	serve
	get /sub/
	local row
	row=$(grep -F 'href="five.bin"' "$T/body.1")
	[[ $row == *2003-04-05* ]] || fail "no date in: $row"
	[[ $row == *5.0K* || $row == *5000* || $row == *4.9K* || $row == *5K* ]] ||
	    fail "no size in: $row"
}

# ---------------------------------------------------------------------
# Access log

@test "--access-log FILE: one Combined Log Format line per request, untrusted fields escaped" {
	serve --access-log "$T/access.log"
	local len1 len2
	hc "$(rq GET /hello.txt 'Referer: http://ref.example/p?q=1' \
	    'User-Agent: ua "q" \\ b\tc\xc3\xa9')"
	status_is 200
	hc --head "$(rq HEAD /missing 'User-Agent: plain')"
	hc "$(rq GET '/caf\xc3\xa9"x')"
	status_is 404
	len1=$(header Content-Length)
	hc "$(rq GET /hello.txt 'User-Agent: bad\x1b[2J')"
	status_is 400
	len2=$(header Content-Length)
	local ts='\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\]'
	run cat "$T/access.log"
	assert_equal "${#lines[@]}" 4
	local l
	for l in "${lines[@]}"; do
		[[ $l =~ ^127\.0\.0\.1\ -\ -\ $ts\ \" ]] || fail "bad line: $l"
	done
	sed -E "s@^127\.0\.0\.1 - - $ts @X @" "$T/access.log" >"$T/log"
	cat >"$T/want" <<-EOF
	X "GET /hello.txt HTTP/1.1" 200 12 "http://ref.example/p?q=1" "ua \\"q\\" \\\\ b\\tc\\303\\251"
	X "HEAD /missing HTTP/1.1" 404 - "-" "plain"
	X "GET /caf\\303\\251\\"x HTTP/1.1" 404 $len1 "-" "-"
	EOF
	head -n 3 "$T/log" | diff -u "$T/want" -
	# A head that could not be parsed: still one line, its fields quoted.
	sed -n 4p "$T/log" | grep -qE "^X \"([^\"\\\\]|\\\\.)*\" 400 $len2 \"([^\"\\\\]|\\\\.)*\" \"([^\"\\\\]|\\\\.)*\"\$"
	# No raw control byte reaches the log.
	LC_ALL=C no_match -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/access.log"
	[[ ! -s $T/stdout ]]
}

@test "--access-log -: the lines go to stdout, one per pipelined request" {
	serve --access-log -
	hc -n 3 "$(rqk GET /hello.txt)$(rqk GET /sub/a.txt 'Range: bytes=0-1')$(rq GET /nope)"
	local i
	for ((i = 0; i < 50; i++)); do
		(($(wc -l <"$T/stdout") >= 3)) && break
		sleep 0.02
	done
	run cat "$T/stdout"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^127\.0\.0\.1 - - \[[^]]+\] "GET /hello\.txt HTTP/1\.1" 200 12 "-" "-"$'
	assert_line --index 1 --regexp '^127\.0\.0\.1 - - \[[^]]+\] "GET /sub/a\.txt HTTP/1\.1" 206 2 "-" "-"$'
	assert_line --index 2 --regexp '^127\.0\.0\.1 - - \[[^]]+\] "GET /nope HTTP/1\.1" 404 [0-9]+ "-" "-"$'
}

# ---------------------------------------------------------------------
# Listening: -b, -p, --port-file, the Serving line

@test "default bind is 127.0.0.1; the Serving line names DIR and the address; --port-file holds the port" {
	serve
	assert_equal "$(cat "$T/stderr")" "Serving $ROOT at http://127.0.0.1:$PORT/"
	[[ $(cat "$T/port.1"; echo x) == "$PORT"$'\nx' ]]
	local hex
	printf -v hex '%04X' "$PORT"
	grep -qE "^ *[0-9]+: 0100007F:$hex 00000000:0000 0A " /proc/net/tcp
	no_match -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:0000 0A " /proc/net/tcp6
	no_match -qE "^ *[0-9]+: 00000000:$hex " /proc/net/tcp
}

@test "-b ::1 and -b [::1]: IPv6, with the Serving line bracketed" {
	[[ -e /proc/net/if_inet6 ]] && grep -q '^0\{31\}1 ' /proc/net/if_inet6 ||
	    skip "no IPv6 loopback"
	serve -b ::1
	assert_equal "$(cat "$T/stderr")" "Serving $ROOT at http://[::1]:$PORT/"
	hc -6 "$(rq GET /hello.txt)"
	status_is 200
	body_is $'hello world\n'
	stop_server
	serve -b '[::1]'
	assert_equal "$(cat "$T/stderr")" "Serving $ROOT at http://[::1]:$PORT/"
	run --separate-stderr timeout 20 curl -sS -g "http://[::1]:$PORT/hello.txt"
	assert_success
	assert_output "hello world"
}

@test "DIR defaults to the current directory" {
	cd "$ROOT"
	start_server serve-http -p 0 >"$T/stdout" 2>"$T/stderr"
	assert_equal "$(cat "$T/stderr")" "Serving . at http://127.0.0.1:$PORT/"
	get /hello.txt
	body_is $'hello world\n'
}

@test "usage errors exit 2 with one line and a hint; a missing DIR exits 1" {
	local args
	for args in "-H NoColon" "-H :value" "$ROOT extra" "-p 70000" "-p abc" \
	    "-m 0" "-i forever" "--no-such-option"; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 20 "$SOCKCTL" serve-http $args "$ROOT"
		[[ $status -eq 2 ]] || fail "serve-http $args: exit $status"
		assert_equal "${#stderr_lines[@]}" 2
		[[ ${stderr_lines[0]} == "sockctl serve-http: "* ]] ||
		    fail "serve-http $args: ${stderr_lines[0]}"
		assert_equal "${stderr_lines[1]}" "Try 'sockctl serve-http --help'."
		assert_output ''
	done
	run --separate-stderr timeout 20 "$SOCKCTL" serve-http -p 0 "$T/nonexistent"
	assert_failure 1
	[[ $stderr == "sockctl serve-http: "*"nonexistent"* ]]
}

# ---------------------------------------------------------------------
# Limits and deadlines

@test "-m 2: a third connection gets 503 and close; a freed slot is served" {
	serve -m 2
	run --separate-stderr timeout 20 "$PYTHON3" - "$PORT" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)
def readall(c):
    data = b""
    while True:
        try:
            d = c.recv(65536)
        except ConnectionResetError:
            break
        if not d:
            return data
        data += d
    return data
def get(c):
    c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    data = b""
    while not data.endswith(b"hello world\n"):
        d = c.recv(65536)
        if not d:
            break
        data += d
    return data.split(b"\r\n")[0].decode()
c1 = conn(); print("c1", get(c1))
c2 = conn(); print("c2", get(c2))
c3 = conn()
busy = readall(c3)
head, _, body = busy.partition(b"\r\n\r\n")
print("c3", head.split(b"\r\n")[0].decode())
for ln in head.split(b"\r\n")[1:]:
    if ln.lower().startswith((b"content-length:", b"connection:")):
        print("c3", ln.decode())
print("c3 body", len(body))
c1.close()
end = time.monotonic() + 5
while True:
    c = conn()
    c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    data = readall(c)
    c.close()
    if data.startswith(b"HTTP/1.1 200") or time.monotonic() > end:
        break
    time.sleep(0.05)
print("after", data.split(b"\r\n")[0].decode())
print("c2 still", get(c2))
EOF
	assert_success
	assert_line "c1 HTTP/1.1 200 OK"
	assert_line "c2 HTTP/1.1 200 OK"
	assert_line "c3 HTTP/1.1 503 Service Unavailable"
	assert_line --regexp '^c3 Content-Length: [0-9]+$'
	assert_line "c3 Connection: close"
	local cl
	cl=$(grep '^c3 Content-Length: ' <<<"$output")
	assert_line "c3 body ${cl##* }"
	assert_line "after HTTP/1.1 200 OK"
	assert_line "c2 still HTTP/1.1 200 OK"
}

@test "-i 1s: an idle keep-alive connection, or one that never sends, is closed after about 1s" {
	serve -i 1s
	run --separate-stderr timeout 20 "$PYTHON3" - "$PORT" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
def wait_eof(c):
    t0 = time.monotonic()
    c.settimeout(6)
    try:
        while c.recv(65536):
            t0 = time.monotonic()
    except ConnectionResetError:
        pass
    except socket.timeout:
        return "still open"
    return "%.2f" % (time.monotonic() - t0)
c = socket.create_connection(("127.0.0.1", port), timeout=10)
c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
print("keep-alive", wait_eof(c))
c = socket.create_connection(("127.0.0.1", port), timeout=10)
print("silent", wait_eof(c))
EOF
	assert_success
	local what t
	while read -r what t; do
		[[ $t != still* ]] || fail "$what: not closed"
		awk -v t="$t" 'BEGIN { exit !(t >= 0.7 && t <= 4) }' ||
		    fail "$what: closed after ${t}s"
	done <<<"$output"
}

@test "-i 1s: a client dripping a header byte every 300 ms is cut at the deadline" {
	serve -i 1s
	run --separate-stderr timeout 20 "$PYTHON3" - "$PORT" <<'EOF'
import select, socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
t0 = time.monotonic()
c.sendall(b"GET /hello.txt HTTP/1.1\r\n")
drip = b"Host: t\r\nX-Drip: " + b"a" * 100
closed, sent = None, 0
for b in drip:
    try:
        c.send(bytes([b]))
        sent += 1
    except (BrokenPipeError, ConnectionResetError):
        closed = time.monotonic() - t0
        break
    r, _, _ = select.select([c], [], [], 0.3)
    if r:
        try:
            d = c.recv(4096)
        except ConnectionResetError:
            d = b""
        if not d or d.startswith(b"HTTP/"):
            closed = time.monotonic() - t0
            break
    if time.monotonic() - t0 > 8:
        break
print("closed" if closed is not None else "still open", "%.2f" % (closed or 0), sent)
EOF
	assert_success
	local what t sent
	read -r what t sent <<<"$output"
	assert_equal "$what" closed
	awk -v t="$t" 'BEGIN { exit !(t >= 0.7 && t <= 4) }' ||
	    fail "cut after ${t}s ($sent bytes dripped)"
}

@test "1100 idle connections held open while a new request is still answered" {
	(($(ulimit -Hn) >= 1300)) || skip "hard RLIMIT_NOFILE below 1300"
	serve -m 2000
	run --separate-stderr timeout 60 "$PYTHON3" - "$PORT" <<'EOF'
import resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < 1200:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1200, hard), hard))
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)
def get(c, close):
    c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n" +
              (b"Connection: close\r\n" if close else b"") + b"\r\n")
    data = b""
    while not data.endswith(b"hello world\n"):
        d = c.recv(65536)
        if not d:
            break
        data += d
    return data.split(b"\r\n")[0].decode()
idle = [conn() for _ in range(1100)]
t0 = time.monotonic()
print("new", get(conn(), True))
print("took %.2f" % (time.monotonic() - t0))
print("first idle", get(idle[0], False))
print("last idle", get(idle[-1], False))
alive = 0
for c in idle[1:-1]:
    c.setblocking(False)
    try:
        d = c.recv(1)
    except BlockingIOError:
        alive += 1
print("still open", alive)
EOF
	assert_success
	assert_line "new HTTP/1.1 200 OK"
	assert_line "first idle HTTP/1.1 200 OK"
	assert_line "last idle HTTP/1.1 200 OK"
	assert_line "still open 1098"
	kill -0 "$SERVER_PID"
}

@test "SIGTERM: an in-flight large response completes, idle connections close, exit 0 within a second" {
	head -c $((16 << 20)) /dev/urandom >"$ROOT/big.bin"
	serve
	run --separate-stderr timeout 20 "$PYTHON3" - "$PORT" "$SERVER_PID" $((16 << 20)) <<'EOF'
import hashlib, os, signal, socket, sys, time
port, pid, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
s.settimeout(10)
s.connect(("127.0.0.1", port))
idle = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(65536)
head, body = buf.split(b"\r\n\r\n", 1)
print(head.split(b"\r\n")[0].decode())
# Wait (bounded) until the server's side of s has a full send queue: it
# is then waiting for room, in the middle of the response.
lport = s.getsockname()[1]
end = time.monotonic() + 5
full = False
while not full and time.monotonic() < end:
    with open("/proc/net/tcp") as f:
        for ln in f.readlines()[1:]:
            v = ln.split()
            if (int(v[1].split(":")[1], 16) == port and
                    int(v[2].split(":")[1], 16) == lport and
                    int(v[4].split(":")[0], 16) >= 65536):
                full = True
    time.sleep(0.01)
print("server waiting for room", full)
t0 = time.time()
os.kill(pid, signal.SIGTERM)
h, n = hashlib.sha256(body), len(body)
while True:
    d = s.recv(1 << 20)
    if not d:
        break
    h.update(d)
    n += len(d)
print("got", n, h.hexdigest())
print("took %.2f" % (time.time() - t0))
idle.settimeout(5)
print("idle", "closed" if idle.recv(1) == b"" else "data")
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    print("new accepted")
except ConnectionRefusedError:
    print("new refused")
print("killed at", t0)
EOF
	assert_success
	assert_line --index 0 "HTTP/1.1 200 OK"
	assert_line "server waiting for room True"
	assert_line "got $((16 << 20)) $(sha256sum "$ROOT/big.bin" | cut -d' ' -f1)"
	assert_line "idle closed"
	assert_line "new refused"
	local t0
	t0=$(sed -n 's/^killed at //p' <<<"$output")
	wait_for_exit "$SERVER_PID" 5 || fail "serve-http still running"
	assert_equal "$status" 0
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a <= 2.5) }' ||
	    fail "exit took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')s"
}

@test "SIGINT with nothing in flight: exit 0 at once" {
	serve
	get /hello.txt
	kill -INT "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 3 || fail "serve-http still running"
	assert_equal "$status" 0
}

@test "an 8 MiB file byte-exact via curl, whole and in a Range" {
	head -c $((8 << 20)) /dev/urandom >"$ROOT/big.bin"
	serve
	run --separate-stderr timeout 20 curl -sS -D "$T/h" -o "$T/got" \
	    "http://127.0.0.1:$PORT/big.bin"
	assert_success
	cmp "$ROOT/big.bin" "$T/got"
	grep -qx $'Content-Length: 8388608\r' "$T/h"
	grep -qx $'Content-Type: application/octet-stream\r' "$T/h"
	run --separate-stderr timeout 20 curl -sS -D "$T/h" -o "$T/part" \
	    -r 1000000-3999999 "http://127.0.0.1:$PORT/big.bin"
	assert_success
	grep -qx $'Content-Range: bytes 1000000-3999999/8388608\r' "$T/h"
	tail -c +1000001 "$ROOT/big.bin" | head -c 3000000 | cmp - "$T/part"
	# Two clients at once get the same bytes.
	timeout 20 curl -sS -o "$T/g1" "http://127.0.0.1:$PORT/big.bin" 3>&- &
	track $!
	timeout 20 curl -sS -o "$T/g2" "http://127.0.0.1:$PORT/big.bin" 3>&- &
	track $!
	wait "${bg_pids[-1]}" "${bg_pids[-2]}"
	cmp "$ROOT/big.bin" "$T/g1"
	cmp "$ROOT/big.bin" "$T/g2"
}

@test "a FIFO, or a device behind a followed symlink, is 404 and never blocks the server" {
	mkfifo "$ROOT/fifo"
	ln -s /dev/zero "$ROOT/zero"
	serve --follow-symlinks
	each_status 404 /fifo /zero
	get /hello.txt
	body_is $'hello world\n'
}

@test "an empty file: 200 with Content-Length: 0" {
	: >"$ROOT/empty.txt"
	serve
	get /empty.txt
	status_is 200
	assert_line "Content-Length: 0"
	assert_line "body: 0"
}

# ---------------------------------------------------------------------
# Issue 8: strictness, CORS preflight, content types, listings, -b, -v

@test "Host not uri-host[:port], Transfer-Encoding in HTTP/1.0, bad framing on any method: 400 and close" {
	serve
	each_raw 'GET /hello.txt HTTP/1.1\r\nHost: bad host\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1\r\nHost: a/b\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1\r\nHost: h:8o\r\n\r\n' \
	    'GET /hello.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' \
	    'POST /hello.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' \
	    'POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab' \
	    'POST / HTTP/1.1\r\nHost: a b\r\nContent-Length: 0\r\n\r\n' \
	    'PUT / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n' \
	    'DELETE / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'
	local l
	assert_equal "${#lines[@]}" 9
	for l in "${lines[@]}"; do
		assert_equal "$l" "$(printf 'HTTP/1.1 400 Bad Request\tclose\teof')"
	done
	# Valid authorities are served.
	each_raw 'GET /hello.txt HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1\r\nHost: a.b-c_d~%41:80\r\nConnection: close\r\n\r\n' \
	    'GET /hello.txt HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n'
	assert_equal "${#lines[@]}" 3
	for l in "${lines[@]}"; do
		assert_equal "$l" "$(printf 'HTTP/1.1 200 OK\tclose\teof')"
	done
	body_is $'hello world\n' 3
}

@test "--cors: OPTIONS is a 204 preflight echoing Access-Control-Request-Headers; the next request on the connection is answered" {
	serve --cors
	hc --raw -w 2 "$(rqk OPTIONS /hello.txt 'Origin: http://a.example' \
	    'Access-Control-Request-Method: GET' \
	    'Access-Control-Request-Headers: X-Custom, Content-Type')$(rq GET /hello.txt)"
	local out
	out=$(tr -d '\r' <<<"$output" | sed -E 's/^Date: .+ GMT$/Date: X/')
	assert_equal "$(sed -n '1,/^$/p' <<<"$out")" "HTTP/1.1 204 No Content
Server: sockctl/$SOCKCTL_VERSION
Date: X
Access-Control-Allow-Origin: *
Allow: GET, HEAD, OPTIONS
Access-Control-Allow-Methods: GET, HEAD, OPTIONS
Access-Control-Allow-Headers: X-Custom, Content-Type"
	# Right after the blank line: the GET's response, then its body.
	assert_equal "$(sed -n '/^$/{n;p;q}' <<<"$out")" "HTTP/1.1 200 OK"
	assert_equal "$(tail -n 3 <<<"$out")" $'hello world\n\neof'
	# Without Access-Control-Request-Headers there is no Allow-Headers;
	# other methods are 405 with OPTIONS in Allow.
	hc --raw "$(rq OPTIONS /)"
	assert_line --index 0 $'HTTP/1.1 204 No Content\r'
	refute_line --partial "Access-Control-Allow-Headers"
	refute_line --partial "Content-Length"
	assert_line $'Connection: close\r'
	hc "$(rq DELETE /hello.txt)"
	status_is 405
	assert_line "Allow: GET, HEAD, OPTIONS"
	assert_line "Access-Control-Allow-Origin: *"
}

@test "without --cors, OPTIONS stays 405 with Allow: GET, HEAD" {
	serve
	hc "$(rq OPTIONS /hello.txt 'Origin: http://a.example' \
	    'Access-Control-Request-Method: GET')"
	status_is 405
	assert_line "Allow: GET, HEAD"
	refute_line --partial "Access-Control"
}

@test "-m: the 503 has Date, Server, Content-Length and an HTML body like every error" {
	serve -m 1
	run --separate-stderr timeout 20 "$PYTHON3" - "$PORT" <<'EOF'
import socket, sys
port = int(sys.argv[1])
c1 = socket.create_connection(("127.0.0.1", port), timeout=10)
c1.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
d = b""
while not d.endswith(b"hello world\n"):
    d += c1.recv(4096)
c2 = socket.create_connection(("127.0.0.1", port), timeout=10)
d = b""
while True:
    x = c2.recv(4096)
    if not x:
        break
    d += x
sys.stdout.buffer.write(d)
EOF
	assert_success
	local out body cl
	out=$(tr -d '\r' <<<"$output")
	body=$(sed '1,/^$/d' <<<"$out")
	assert_equal "$(sed -n 1p <<<"$out")" "HTTP/1.1 503 Service Unavailable"
	assert_line $'Server: sockctl/'"$SOCKCTL_VERSION"$'\r'
	assert_line --regexp $'^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT\r$'
	assert_line $'Content-Type: text/html; charset=utf-8\r'
	assert_line $'Connection: close\r'
	cl=$(sed -n 's/^Content-Length: //p' <<<"$out")
	assert_equal "$((${#body} + 1))" "$cl"
	[[ $body == *"<h1>503 Service Unavailable</h1>"* ]] || fail "body: $body"
}

@test "Content-Type: modern and source types exactly, no parameters; --charset utf-8 adds one to text types only" {
	local ext type text req='' n=0 want='' wantcs=''
	local table='mjs text/javascript 1
webmanifest application/manifest+json 1
vtt text/vtt 1
mkv video/x-matroska 0
mov video/quicktime 0
flac audio/flac 0
m4a audio/mp4 0
opus audio/ogg 0
ics text/calendar 1
md text/markdown 1
yaml application/yaml 0
yml application/yaml 0
toml application/toml 0
c text/plain 1
h text/plain 1
py text/plain 1
sh text/plain 1
log text/plain 1
json application/json 1
js text/javascript 1
html text/html 1
xml application/xml 0
svg image/svg+xml 0
wasm application/wasm 0
png image/png 0
docx application/vnd.openxmlformats-officedocument.wordprocessingml.document 0
bin application/octet-stream 0
xyz application/octet-stream 0'
	while read -r ext type text; do
		printf 'x' >"$ROOT/f.$ext"
		req+=$(rqk HEAD "/f.$ext")
		want+="Content-Type: $type"$'\n'
		if ((text)); then
			wantcs+="Content-Type: $type; charset=utf-8"$'\n'
		else
			wantcs+="Content-Type: $type"$'\n'
		fi
		((++n))
	done <<<"$table"
	# The listing and an error page keep their one charset.
	req+=$(rqk HEAD /)$(rqk HEAD /missing)
	want+="Content-Type: text/html; charset=utf-8"$'\n'
	want+="Content-Type: text/html; charset=utf-8"$'\n'
	wantcs+="Content-Type: text/html; charset=utf-8"$'\n'
	wantcs+="Content-Type: text/html; charset=utf-8"$'\n'
	serve
	hc --head -n $((n + 2)) "$req"
	assert_equal "$(grep '^Content-Type: ' <<<"$output")" "${want%$'\n'}"
	stop_server
	serve --charset utf-8
	hc --head -n $((n + 2)) "$req"
	assert_equal "$(grep '^Content-Type: ' <<<"$output")" "${wantcs%$'\n'}"
}

@test "--charset: a value that is not a token is a usage error" {
	local v
	for v in '' 'utf 8' 'utf-8;x' $'a\rb'; do
		run --separate-stderr timeout 20 "$SOCKCTL" serve-http -p 0 --charset "$v" "$ROOT"
		assert_failure 2
		[[ ${stderr_lines[0]} == "sockctl serve-http: invalid charset '"* ]] ||
		    fail "stderr: $stderr"
		assert_equal "${stderr_lines[1]}" "Try 'sockctl serve-http --help'."
	done
}

@test "-b 0.0.0.0: the Serving line gives a URL that works, then names the wildcard" {
	serve -b 0.0.0.0
	assert_equal "$(cat "$T/stderr")" "Serving $ROOT at http://127.0.0.1:$PORT/ (listening on 0.0.0.0, every IPv4 address)"
	run timeout 20 curl -sS "http://127.0.0.1:$PORT/hello.txt"
	assert_success
	assert_output "hello world"
	stop_server
	serve -b ::
	assert_equal "$(cat "$T/stderr")" "Serving $ROOT at http://[::1]:$PORT/ (listening on ::, every address)"
	run timeout 20 curl -sS "http://[::1]:$PORT/hello.txt"
	assert_success
	assert_output "hello world"
}

@test "-v without --access-log: one line per request on stderr; with --access-log, none" {
	serve -v
	hc -n 3 "$(rqk GET /hello.txt)$(rqk GET /sub/a.txt 'Range: bytes=0-1')$(rq GET '/n"ope')"
	local i len
	len=$(wc -c <"$T/body.3")
	for ((i = 0; i < 250; i++)); do
		(($(wc -l <"$T/stderr") >= 4)) && break
		sleep 0.02
	done
	run cat "$T/stderr"
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 "Serving $ROOT at http://127.0.0.1:$PORT/"
	assert_line --index 1 '127.0.0.1 "GET /hello.txt HTTP/1.1" 200 12'
	assert_line --index 2 '127.0.0.1 "GET /sub/a.txt HTTP/1.1" 206 2'
	assert_line --index 3 "127.0.0.1 \"GET /n\\\"ope HTTP/1.1\" 404 $len"
	stop_server
	serve -v --access-log "$T/access.log"
	hc -n 2 "$(rqk GET /hello.txt)$(rq GET /nope)"
	for ((i = 0; i < 250; i++)); do
		(($(wc -l <"$T/access.log") >= 2)) && break
		sleep 0.02
	done
	assert_equal "$(wc -l <"$T/access.log")" 2
	assert_equal "$(cat "$T/stderr")" "Serving $ROOT at http://127.0.0.1:$PORT/"
}

@test "listing: viewport meta, CSS, sizes right-aligned; directories first, then names in the order of ls in C.UTF-8" {
	local d=$ROOT/ord n
	mkdir -p "$d/Zdir" "$d/adir" "$d/~dir" "$d/_dir"
	for n in B.txt a.txt _x.txt é.txt Z.txt 10.txt 9.txt ab ä A.txt; do
		printf 'x' >"$d/$n"
	done
	serve
	get /ord/
	status_is 200
	local b=$T/body.1 got want
	grep -qxF '<meta name="viewport" content="width=device-width, initial-scale=1">' "$b"
	grep -qxF '<style>' "$b"
	grep -qxF 'th.s, td.s { text-align: right; }' "$b"
	grep -qF '<th class="s">Size</th>' "$b"
	grep -qF '<a href="9.txt">9.txt</a></td><td class="s">1B</td>' "$b"
	got=$(sed -n 's@^<tr><td><a href="[^"]*">\([^<]*\)</a>.*@\1@p' "$b" |
	    grep -vx '\.\./')
	want=$(cd "$d" && LC_ALL=C.UTF-8 ls -1 -p --group-directories-first)
	assert_equal "$got" "$want"
	assert_equal "$(head -n 1 <<<"$got")" "Zdir/"
}

# A 100,000-entry listing is built a piece per loop turn.  The proof that
# it does not hold up others: while the server still has the directory
# open (the listing is being read, as /proc shows), a small request on
# another connection is answered, and the listing's client has not
# received a byte yet.  Built in one go, the listing would be sent before
# the small request is even read.  (The time it takes: bench/http.sh.)
@test "a 100,000-entry listing does not hold up a small request on another connection" {
	mkdir "$ROOT/big"
	"$PYTHON3" -c '
import os, sys
d = sys.argv[1]
for i in range(100000):
    os.close(os.open("%s/f%06d" % (d, i), os.O_CREAT | os.O_WRONLY, 0o644))
' "$ROOT/big"
	serve
	run --separate-stderr timeout 60 "$PYTHON3" - "$PORT" "$SERVER_PID" "$ROOT/big" <<'EOF'
import os, socket, sys, time
port, pid, big = int(sys.argv[1]), sys.argv[2], os.path.realpath(sys.argv[3])
def dir_open():
    for fd in os.listdir("/proc/%s/fd" % pid):
        try:
            if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == big:
                return True
        except OSError:
            pass
    return False
a = socket.create_connection(("127.0.0.1", port), timeout=20)
a.sendall(b"GET /big/ HTTP/1.1\r\nHost: t\r\n\r\n")
end = time.monotonic() + 20
while not dir_open() and time.monotonic() < end:
    pass
print("listing started", dir_open())
b = socket.create_connection(("127.0.0.1", port), timeout=20)
b.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
d = b""
while not d.endswith(b"hello world\n"):
    x = b.recv(4096)
    if not x:
        break
    d += x
print("small", d.split(b"\r\n")[0].decode())
a.setblocking(False)
buf = b""
try:
    buf = a.recv(65536)
    print("listing client has", len(buf), "bytes")
except BlockingIOError:
    print("listing client has nothing yet")
a.setblocking(True)
while not buf.endswith(b"</html>\n"):
    x = a.recv(1 << 20)
    if not x:
        break
    buf += x
head, body = buf.split(b"\r\n\r\n", 1)
print(head.split(b"\r\n")[0].decode())
cl = [l for l in head.split(b"\r\n") if l.startswith(b"Content-Length: ")]
print("length ok", int(cl[0].split()[1]) == len(body))
print("rows", body.count(b'<tr><td><a href="f'))
EOF
	echo "$stderr" >&2
	assert_success
	assert_line "listing started True"
	assert_line "small HTTP/1.1 200 OK"
	assert_line "listing client has nothing yet"
	assert_line "HTTP/1.1 200 OK"
	assert_line "length ok True"
	assert_line "rows 100000"
}
