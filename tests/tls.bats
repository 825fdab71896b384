#!/usr/bin/env bats
# TLS in connect and listen (cli.md, "TLS"): verification by default,
# names, IP SANs and SNI, pins, --insecure, client certificates, ALPN,
# versions, close_notify both ways and truncation, -e, the stdio options,
# STARTTLS, usage errors; against openssl, gnutls, Python's ssl and
# sockctl itself.

load test_helper/stream
load test_helper/pki

# A throwaway CA, a server certificate (DNS localhost, IP 127.0.0.1 and
# ::1) and a client certificate, made once for the file.
setup_file() {
	pki_file 'DNS:localhost,IP:127.0.0.1,IP:::1' || return 1
	[[ -n ${NO_TLS:-} ]] && return 0
	mkdir "$PKI/cadir" && cp "$PKI/ca.pem" "$PKI/cadir/" || return 1
	openssl rehash "$PKI/cadir" 2>/dev/null ||
	    c_rehash "$PKI/cadir" >/dev/null
}

setup() {
	pki_setup
}

# pin FILE: the SHA256:hex pin of a PEM certificate.
pin_of() {
	openssl x509 -in "$1" -outform DER | sha256sum |
	    sed 's/^\([0-9a-f]*\).*/SHA256:\1/'
}

# The Python TLS server: one connection, behaviour by MODE (argv):
#   reply	read to close_notify, answer "got N bytes", close_notify
#   greet	send "hello\n" first, then as reply
#   truncate	send "partial\n" and close TCP without close_notify
#   silent	accept TCP and never speak
# with options after the mode: max12, clientca, alpn=P, starttls=PROTO,
# nooffer.  It records the SNI in $T/sni, the client certificate's CN in
# $T/peercn and what it read in $T/got.
tls_py() {
	py tlsserver <<'PY'
import ssl
args = sys.argv[1:]
mode = args[0]
opts = dict(a.split("=", 1) if "=" in a else (a, "") for a in args[1:])
pki = os.environ["PKI"]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(pki + "/server.pem", pki + "/server.key")
# Python ignores a TCP end without close_notify by default; not here.
ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
if "max12" in opts:
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if "clientca" in opts:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(pki + "/ca.pem")
if "alpn" in opts:
    ctx.set_alpn_protocols(opts["alpn"].split(","))
def sni(sock, name, c):
    put("sni", repr(name))
ctx.sni_callback = sni
s = listening()
c, _ = s.accept()
if mode == "silent":
    time.sleep(30)
    sys.exit(0)
def line(f):
    return f.readline().decode().rstrip("\r\n")
if "starttls" in opts:
    p = opts["starttls"]
    no = "nooffer" in opts
    f = c.makefile("rb", buffering=0)
    w = lambda t: c.sendall((t + "\r\n").encode())
    if p == "smtp":
        w("220 mail ESMTP")
        assert line(f).startswith("EHLO ")
        w("250-mail")
        w("250-PIPELINING")
        w("250 SIZE 1000" if no else "250 STARTTLS")
        if no:
            line(f); sys.exit(0)
        assert line(f) == "STARTTLS"
        w("220 go ahead")
    elif p == "imap":
        w("* OK IMAP ready")
        t = line(f).split()[0]
        w("* CAPABILITY IMAP4rev1" + ("" if no else " STARTTLS") + " AUTH=PLAIN")
        w(t + " OK done")
        if no:
            line(f); sys.exit(0)
        t, cmd = line(f).split()
        assert cmd == "STARTTLS"
        w(t + " OK begin TLS")
    elif p == "pop3":
        w("+OK POP3 ready")
        assert line(f) == "CAPA"
        w("+OK")
        w("USER")
        if not no:
            w("STLS")
        w(".")
        if no:
            line(f); sys.exit(0)
        assert line(f) == "STLS"
        w("+OK begin TLS")
    elif p == "ftp":
        w("220-FTP server")
        w("220 ready")
        assert line(f) == "AUTH TLS"
        if no:
            w("502 command not implemented")
            line(f); sys.exit(0)
        w("234 AUTH TLS ok")
try:
    # A TCP end without close_notify raises, rather than reading as EOF.
    t = ctx.wrap_socket(c, server_side=True, suppress_ragged_eofs=False)
except ssl.SSLError as e:
    put("hserr", str(e))
    sys.exit(0)
cert = t.getpeercert()
if cert:
    put("peercn", dict(x[0] for x in cert["subject"])["commonName"])
put("alpn", repr(t.selected_alpn_protocol()))
if mode == "truncate":
    t.sendall(b"partial\n")
    time.sleep(0.2)
    t.close()
    sys.exit(0)
if mode == "greet":
    t.sendall(b"hello\n")
try:
    data = read_all(t)
except ssl.SSLEOFError:
    put("got", "no close_notify")
    t.sendall(b"no close_notify\n")
    sys.exit(0)
put("got", data)
t.sendall(b"got %d bytes\n" % len(data))
t.unwrap()
c.close()
PY
	PYNAME=tlsserver "$PYTHON3" "$T/tlsserver.py" "$@" </dev/null 3>&- &
	PY_PID=$!
	track "$PY_PID"
	wait_for_file "$T/tlsserver.port" || fail "python TLS server did not start"
	PY_PORT=$(<"$T/tlsserver.port")
}

# tls_listen ARGS...: sockctl listen --tls in the background with stdin
# from $T/lin (made empty if missing), stdout $T/lout, stderr $T/lerr;
# sets PORT, SERVER_PID and PIN (the printed pin, if any).
tls_listen() {
	[[ -e $T/lin ]] || : >"$T/lin"
	"$SOCKCTL" listen --tls --port-file "$T/lport" "$@" 127.0.0.1 0 \
	    <"$T/lin" >"$T/lout" 2>"$T/lerr" 3>&- &
	SERVER_PID=$!
	track "$SERVER_PID"
	wait_for_file "$T/lport" || fail "listen --tls wrote no port file"
	PORT=$(<"$T/lport")
	PIN=$(sed -n 's/^tls: self-signed certificate //p' "$T/lerr")
}

# usage_is CMD MESSAGE: exit 2, nothing on stdout, exactly the two lines.
usage_is() {
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" "sockctl $1: $2"$'\n'"Try 'sockctl $1 --help'."
}

@test "tls: connect verifies chain and name against --tls-ca, sends the name as SNI, and relays both ways" {
	tls_py greet
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" -v localhost "$PY_PORT" <<<"ping"
	assert_equal "$status" 0
	assert_output $'hello\ngot 5 bytes'
	assert_equal "$(<"$T/got")" ping
	assert_equal "$(<"$T/sni")" "'localhost'"
	[[ $stderr =~ (^|$'\n')"TLS 1.3, TLS_"[A-Z0-9_]+", peer CN=localhost, verified"($'\n'|$) ]]
}

@test "tls: an IP literal is matched against the IP SANs and never sent as SNI" {
	tls_py reply
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" 127.0.0.1 "$PY_PORT" <<<"x"
	assert_equal "$status" 0
	assert_output 'got 2 bytes'
	assert_equal "$(<"$T/sni")" None
}

@test "tls: --tls-name is verified and sent as SNI instead of HOST" {
	tls_py reply
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" --tls-name localhost 127.0.0.1 \
	    "$PY_PORT" </dev/null
	assert_equal "$status" 0
	assert_equal "$(<"$T/sni")" "'localhost'"
}

@test "tls: verification is on by default: an unknown CA is exit 1 with the handshake line" {
	tls_py reply
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    127.0.0.1 "$PY_PORT" </dev/null
	assert_equal "$status" 1
	assert_output ''
	assert_equal "$stderr" "sockctl connect: TLS handshake with 127.0.0.1 port $PY_PORT: certificate verify failed: unable to get local issuer certificate"
}

@test "tls: a name the certificate does not have is a hostname mismatch" {
	tls_py reply
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" --tls-name other.example 127.0.0.1 \
	    "$PY_PORT" </dev/null
	assert_equal "$status" 1
	assert_equal "$stderr" "sockctl connect: TLS handshake with 127.0.0.1 port $PY_PORT: certificate verify failed: hostname mismatch"
}

@test "tls: --tls-ca takes a hashed directory too" {
	tls_py reply
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/cadir" localhost "$PY_PORT" <<<"abc"
	assert_equal "$status" 0
	assert_output 'got 4 bytes'
}

@test "tls: --insecure skips verification and -v says not verified" {
	tls_py reply
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls --insecure \
	    -v 127.0.0.1 "$PY_PORT" <<<"abc"
	assert_equal "$status" 0
	assert_output 'got 4 bytes'
	[[ $stderr =~ (^|$'\n')"TLS 1.3, TLS_"[A-Z0-9_]+", peer CN=localhost, not verified"($'\n'|$) ]]
}

@test "tls: --tls-pin in openssl's colon form accepts the certificate, a wrong pin is refused" {
	local fp
	fp=$(openssl x509 -in "$PKI/server.pem" -noout -fingerprint -sha256)
	fp=SHA256:${fp#*=}
	tls_py reply
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$fp" -v 127.0.0.1 "$PY_PORT" <<<"abc"
	assert_equal "$status" 0
	assert_output 'got 4 bytes'
	[[ $stderr =~ ", peer CN=localhost, pinned"($'\n'|$) ]]
	rm -f "$T/tlsserver.port"
	tls_py reply
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "SHA256:$(printf '%064d' 0)" 127.0.0.1 "$PY_PORT" </dev/null
	assert_equal "$status" 1
	assert_equal "$stderr" "sockctl connect: TLS handshake with 127.0.0.1 port $PY_PORT: certificate verify failed: certificate does not match the pin (its pin is $(pin_of "$PKI/server.pem"))"
}

@test "tls: listen without a certificate prints a SHA256 pin that connect --tls-pin accepts" {
	echo "from server" >"$T/lin"
	tls_listen -v
	[[ $PIN =~ ^SHA256:[0-9a-f]{64}$ ]]
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "${PIN^^}" -v 127.0.0.1 "$PORT" <<<"from client"
	assert_equal "$status" 0
	assert_output 'from server'
	[[ $stderr =~ ", peer CN=".*", pinned"($'\n'|$) ]]
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/lout")" "from client"
	grep -Eqx 'TLS 1\.3, TLS_[A-Z0-9_]+, no peer certificate' "$T/lerr"
}

@test "tls: the ephemeral certificate is P-256 and its pin is the SHA-256 of its DER" {
	tls_listen
	run timeout 20 bash -c 'openssl s_client -connect 127.0.0.1:$1 </dev/null 2>/dev/null | openssl x509' _ "$PORT"
	assert_success
	echo "$output" >"$T/eph.pem"
	assert_equal "$(pin_of "$T/eph.pem")" "$PIN"
	openssl x509 -in "$T/eph.pem" -noout -text | grep -q 'NIST CURVE: P-256'
}

@test "tls: a TCP end without close_notify is reported as possible truncation, exit 1, after the data" {
	tls_py truncate
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls --insecure \
	    127.0.0.1 "$PY_PORT" < <(sleep 5)
	assert_equal "$status" 1
	assert_output 'partial'
	assert_equal "$stderr" "sockctl connect: peer closed without TLS close_notify (possible truncation)"
}

@test "tls: listen reports a client that ends without close_notify, exit 1" {
	tls_listen
	py trunc_client <<'PY'
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(dial(sys.argv[1]))
t.sendall(b"cut\n")
# Everything read (listen's close_notify too), so the close is a FIN.
while t.recv(100):
    pass
t.close()
PY
	PYNAME=trunc_client timeout 20 "$PYTHON3" "$T/trunc_client.py" "$PORT"
	reap "$SERVER_PID"
	assert_equal "$status" 1
	assert_equal "$(<"$T/lout")" "cut"
	assert_equal "$(tail -n 1 "$T/lerr")" "sockctl listen: peer closed without TLS close_notify (possible truncation)"
}

@test "tls: stdin EOF sends close_notify and the answer sent after it still arrives" {
	tls_py reply
	head -c 100000 /dev/urandom >"$T/in"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls --insecure \
	    127.0.0.1 "$PY_PORT" <"$T/in"
	assert_equal "$status" 0
	assert_output 'got 100000 bytes'
	cmp "$T/in" "$T/got"
}

@test "tls: TLS 1.2 half-close works the same way" {
	tls_py reply max12
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls --insecure \
	    -v 127.0.0.1 "$PY_PORT" <<<"twelve"
	assert_equal "$status" 0
	assert_output 'got 7 bytes'
	[[ $stderr =~ (^|$'\n')"TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_"[A-Z0-9_]+", peer CN=localhost, not verified"($'\n'|$) ]]
}

@test "tls: --tls-min 1.3 refuses a TLS 1.2 server" {
	tls_py reply max12
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls --insecure \
	    --tls-min 1.3 127.0.0.1 "$PY_PORT" </dev/null
	assert_equal "$status" 1
	[[ $stderr == "sockctl connect: TLS handshake with 127.0.0.1 port $PY_PORT: "* ]]
}

@test "tls: --tls-min 1.3 on listen refuses a TLS 1.2 client" {
	tls_listen --tls-min 1.3
	run timeout 20 openssl s_client -tls1_2 -connect "127.0.0.1:$PORT" </dev/null
	assert_failure
	reap "$SERVER_PID"
	assert_equal "$status" 1
	grep -q "^sockctl listen: TLS handshake with 127.0.0.1 port [0-9]*: " "$T/lerr"
}

@test "tls: 8 MiB of random data both ways at once, sockctl against itself, byte-exact" {
	head -c $((8 << 20)) /dev/urandom >"$T/lin"
	head -c $((8 << 20)) /dev/urandom >"$T/cin"
	tls_listen
	run --separate-stderr timeout 60 bash -c '"$SOCKCTL" connect --tls --tls-pin "$1" 127.0.0.1 "$2" <"$3" >"$4"' _ "$PIN" "$PORT" "$T/cin" "$T/cout"
	assert_equal "$status" 0
	reap "$SERVER_PID" 30
	assert_equal "$status" 0
	cmp "$T/lin" "$T/cout"
	cmp "$T/cin" "$T/lout"
}

@test "tls: a side that sent its close_notify reads on (listen's stdin ends first)" {
	echo "short" >"$T/lin"
	head -c $((2 << 20)) /dev/urandom >"$T/cin"
	tls_listen
	run --separate-stderr timeout 60 bash -c '"$SOCKCTL" connect --tls --tls-pin "$1" 127.0.0.1 "$2" < <(cat "$3"; sleep 0.5; cat "$3") >"$4"' _ "$PIN" "$PORT" "$T/cin" "$T/cout"
	assert_equal "$status" 0
	reap "$SERVER_PID" 30
	assert_equal "$status" 0
	assert_equal "$(<"$T/cout")" short
	cmp <(cat "$T/cin" "$T/cin") "$T/lout"
}

@test "tls: openssl s_client against listen --tls-cert, verified by its CA, and no client certificate asked" {
	# Its stdin ends later: s_client quits at the server's close_notify.
	"$SOCKCTL" listen --tls --port-file "$T/lport" \
	    --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" \
	    127.0.0.1 0 < <(echo "server says"; sleep 1) >"$T/lout" 3>&- &
	SERVER_PID=$!
	track "$SERVER_PID"
	wait_for_file "$T/lport"
	PORT=$(<"$T/lport")
	run timeout 20 bash -c 'echo client says | openssl s_client -ign_eof -connect 127.0.0.1:$1 -CAfile "$2" -verify_return_error -servername localhost 2>&1' _ "$PORT" "$PKI/ca.pem"
	assert_success
	assert_line 'server says'
	assert_line --partial 'Verify return code: 0 (ok)'
	assert_line 'No client certificate CA names sent'
	reap "$SERVER_PID"
	assert_equal "$(<"$T/lout")" "client says"
}

@test "tls: connect against openssl s_server" {
	openssl s_server -accept 0 -naccept 1 -cert "$PKI/server.pem" \
	    -key "$PKI/server.key" < <(echo "from s_server"; sleep 5) \
	    >"$T/sso" 2>&1 3>&- &
	track $!
	wait_for_line "$T/sso" '^ACCEPT ' || fail "s_server did not start"
	local port
	port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$T/sso")
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" -q 0.5 localhost "$port" <<<"from sockctl"
	assert_equal "$status" 0
	assert_output 'from s_server'
	wait_for_line "$T/sso" '^from sockctl$'
}

@test "tls: connect against gnutls-serv, and gnutls-cli against listen" {
	gnutls-serv --echo -p 0 --x509certfile "$PKI/server.pem" \
	    --x509keyfile "$PKI/server.key" >/dev/null 2>&1 3>&- &
	local gpid=$! port="" i
	track "$gpid"
	for ((i = 0; i < 250; i++)); do
		port=$(ss -Hltnp 2>/dev/null | grep "pid=$gpid," |
		    sed -n 's/.* 0\.0\.0\.0:\([0-9]*\) .*/\1/p' | head -n 1)
		[[ -n $port ]] && break
		sleep 0.02
	done
	[[ -n $port ]] || fail "gnutls-serv did not start"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" -q 1 localhost "$port" <<<"echo me"
	assert_equal "$status" 0
	assert_output 'echo me'

	echo "to gnutls" >"$T/lin"
	tls_listen --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key"
	run timeout 20 bash -c 'echo to sockctl | gnutls-cli --x509cafile "$2" -p "$1" localhost 2>/dev/null' _ "$PORT" "$PKI/ca.pem"
	assert_line 'to gnutls'
	reap "$SERVER_PID"
	assert_equal "$(<"$T/lout")" "to sockctl"
}

@test "tls: client certificates: connect presents one to a server that asks" {
	tls_py reply clientca
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" --tls-cert "$PKI/client.pem" \
	    --tls-key "$PKI/client.key" localhost "$PY_PORT" <<<"id"
	assert_equal "$status" 0
	assert_output 'got 3 bytes'
	assert_equal "$(<"$T/peercn")" client1
}

@test "tls: listen --tls-client-ca requires a client certificate signed by it" {
	echo "welcome" >"$T/lin"
	tls_listen --tls-client-ca "$PKI/ca.pem" -v
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" --tls-cert "$PKI/client.pem" \
	    --tls-key "$PKI/client.key" 127.0.0.1 "$PORT" <<<"me"
	assert_equal "$status" 0
	assert_output 'welcome'
	reap "$SERVER_PID"
	assert_equal "$status" 0
	grep -Eqx 'TLS 1\.3, TLS_[A-Z0-9_]+, peer CN=client1, verified' "$T/lerr"

	rm -f "$T/lport"
	tls_listen --tls-client-ca "$PKI/ca.pem"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" 127.0.0.1 "$PORT" <<<"anonymous"
	assert_equal "$status" 1
	reap "$SERVER_PID"
	assert_equal "$status" 1
	assert_equal "$(<"$T/lout")" ""
	grep -q "^sockctl listen: TLS handshake with 127.0.0.1 port [0-9]*: " "$T/lerr"
}

@test "tls: ALPN: the protocol chosen is in the -v line; no common protocol fails" {
	tls_py reply alpn=http/1.1
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls --insecure \
	    --tls-alpn h2,http/1.1 -v 127.0.0.1 "$PY_PORT" </dev/null
	assert_equal "$status" 0
	assert_equal "$(<"$T/alpn")" "'http/1.1'"
	[[ $stderr =~ ", not verified, ALPN http/1.1"($'\n'|$) ]]

	tls_listen --tls-alpn x-one
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" --tls-alpn x-two 127.0.0.1 "$PORT" </dev/null
	assert_equal "$status" 1
	[[ $stderr == "sockctl connect: TLS handshake with 127.0.0.1 port $PORT: "* ]]
}

@test "tls: -w bounds the connect and the handshake" {
	tls_py silent
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls --insecure \
	    -w 300ms 127.0.0.1 "$PY_PORT" </dev/null
	assert_equal "$status" 1
	assert_equal "$stderr" "sockctl connect: TLS handshake with 127.0.0.1 port $PY_PORT: Connection timed out"
}

@test "tls: listen: -w bounds a client's handshake; with -k the next client is served" {
	local t0 t1
	tls_listen -k -w 1s
	t0=$(now_ms)
	# A TCP client that never speaks TLS (nor anything else).
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	wait_for_line "$T/lerr" '^sockctl listen: TLS handshake with ' ||
	    fail "no handshake timeout"
	t1=$(now_ms)
	exec 5>&-
	run grep -c '^sockctl listen: ' "$T/lerr"
	assert_output 1
	grep -qx "sockctl listen: TLS handshake with 127\.0\.0\.1 port [0-9]*: Connection timed out" "$T/lerr"
	# Not before -w ran out (a loaded machine may take longer).
	((t1 - t0 >= 900))
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" 127.0.0.1 "$PORT" <<<"next client"
	assert_equal "$status" 0
	wait_for_line "$T/lout" '^next client$' || fail "the next client was not served"

	# Without -k the failed handshake ends the listener: exit 1.
	rm -f "$T/lport"
	tls_listen -w 300ms
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	wait_for_exit "$SERVER_PID" || fail "listen did not give up"
	exec 5>&-
	assert_equal "$status" 1
	run cat "$T/lerr"
	assert_line --index 1 --regexp '^sockctl listen: TLS handshake with 127\.0\.0\.1 port [0-9]+: Connection timed out$'
	assert_equal "${#lines[@]}" 2
}

@test "tls: half a record and then silence: the listener waits on poll, and -i ends it" {
	tls_listen --recv-only -i 1s
	py halfrecord <<'PY'
import ssl
c = dial(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
o = ctx.wrap_bio(inc, out, server_hostname="localhost")
while True:
    try:
        o.do_handshake()
        break
    except ssl.SSLWantReadError:
        c.sendall(out.read())
        inc.write(c.recv(65536))
c.sendall(out.read())
o.write(b"x" * 1000)
c.sendall(out.read()[:100])
put("halfrecord.sent", "1")
time.sleep(30)
PY
	PYNAME=halfrecord "$PYTHON3" "$T/halfrecord.py" "$PORT" </dev/null 3>&- &
	track $!
	wait_for_file "$T/halfrecord.sent" || fail "the client did not send"
	# A listener that took the half record for readable data polled
	# with a zero timeout, spinning, and -i never came.
	wait_for_exit "$SERVER_PID" || fail "-i did not end the session"
	assert_equal "$status" 0
	assert_equal "$(<"$T/lout")" ""
}

@test "tls: listen -k -e wraps a plain command for several clients in turn" {
	tls_listen -k -e 'tr a-z A-Z'
	# Not $i: bats' run uses it.
	local k
	for k in 1 2; do
		run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
		    --tls-pin "$PIN" 127.0.0.1 "$PORT" <<<"client $k"
		assert_equal "$status" 0
		assert_output "CLIENT $k"
	done
}

@test "tls: listen -k -e in front of a plain service (sockctl connect)" {
	local back
	echo "plain backend" >"$T/bin"
	start_server_in listen 127.0.0.1 0 <"$T/bin" >"$T/bout"
	back=$PORT
	tls_listen -k -e "$SOCKCTL connect 127.0.0.1 $back"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" 127.0.0.1 "$PORT" <<<"via tls"
	assert_equal "$status" 0
	assert_output "plain backend"
	assert_equal "$(<"$T/bout")" "via tls"
}

@test "tls: connect -e: the command talks plain text, sockctl does the TLS" {
	tls_listen
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" -e 'echo from the command' 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	reap "$SERVER_PID"
	assert_equal "$status" 0
	assert_equal "$(<"$T/lout")" "from the command"
}

@test "tls: --recv-only and --send-only over TLS" {
	head -c 300000 /dev/urandom >"$T/cin"
	tls_listen --recv-only
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" 127.0.0.1 "$PORT" <"$T/cin"
	assert_equal "$status" 0
	reap "$SERVER_PID"
	assert_equal "$status" 0
	cmp "$T/cin" "$T/lout"

	rm -f "$T/lport"
	head -c 100000 /dev/urandom >"$T/lin"
	tls_listen
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" --send-only 127.0.0.1 "$PORT" <<<"only this"
	assert_equal "$status" 0
	assert_output ''
	reap "$SERVER_PID"
	assert_equal "$(<"$T/lout")" "only this"
}

@test "tls: -i ends a silent TLS session, -q 0 ends at stdin EOF" {
	tls_listen < <(sleep 10)
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$PIN" -i 300ms -v 127.0.0.1 "$PORT" < <(sleep 10)
	assert_equal "$status" 0
	[[ $stderr =~ (^|$'\n')"idle timeout"($'\n'|$) ]]

	tls_py greet
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls --insecure \
	    -q 0 -v 127.0.0.1 "$PY_PORT" </dev/null
	assert_equal "$status" 0
	[[ $stderr =~ (^|$'\n')"quit timeout after stdin EOF"($'\n'|$) ]]
}

@test "tls: --starttls smtp, imap, pop3 and ftp, with the preamble shown by -v" {
	local p
	for p in smtp imap pop3 ftp; do
		rm -f "$T/tlsserver.port" "$T/got"
		tls_py reply "starttls=$p"
		run --separate-stderr timeout 20 "$SOCKCTL" connect \
		    --starttls "$p" --tls-ca "$PKI/ca.pem" -v localhost \
		    "$PY_PORT" <<<"over $p"
		assert_equal "$status" 0
		assert_output "got $((6 + ${#p})) bytes"
		assert_equal "$(<"$T/got")" "over $p"
		[[ $stderr =~ ", peer CN=localhost, verified"($'\n'|$) ]]
	done
	[[ $stderr =~ (^|$'\n')"> AUTH TLS"$'\n'"< 234 AUTH TLS ok"$'\n' ]]
}

@test "tls: --starttls: a server that does not offer it is one line, exit 1" {
	local p msg
	for p in smtp imap pop3 ftp; do
		rm -f "$T/tlsserver.port"
		tls_py reply "starttls=$p" nooffer
		run --separate-stderr timeout 20 "$SOCKCTL" connect \
		    --starttls "$p" --insecure localhost "$PY_PORT" </dev/null
		assert_equal "$status" 1
		assert_output ''
		case $p in
		pop3) msg="pop3 server does not offer STLS" ;;
		ftp) msg="ftp server does not offer AUTH TLS: 502 command not implemented" ;;
		*) msg="$p server does not offer STARTTLS" ;;
		esac
		assert_equal "$stderr" "sockctl connect: $msg"
	done
}

@test "tls: usage errors name the option" {
	run --separate-stderr "$SOCKCTL" connect --tls-pin SHA256:00 h 1
	usage_is connect "option '--tls-pin' needs --tls"
	run --separate-stderr "$SOCKCTL" listen --tls-cert x 0
	usage_is listen "option '--tls-cert' needs --tls"
	run --separate-stderr "$SOCKCTL" connect --tls --tls-pin "SHA256:$(printf '%064d' 0)" --insecure h 1
	usage_is connect "--tls-pin and --insecure cannot be used together"
	run --separate-stderr "$SOCKCTL" connect --tls --tls-key k h 1
	usage_is connect "option '--tls-key' needs --tls-cert"
	run --separate-stderr "$SOCKCTL" connect -z --tls h 1
	usage_is connect "-z cannot be used with --tls"
	run --separate-stderr "$SOCKCTL" connect --tls --tls-pin SHA256:zz h 1
	assert_equal "$status" 2
	[[ $stderr == "sockctl connect: invalid pin 'SHA256:zz': "* ]]
	run --separate-stderr "$SOCKCTL" connect --tls --tls-alpn 'a,,b' h 1
	assert_equal "$status" 2
	[[ $stderr == "sockctl connect: invalid value 'a,,b' for --tls-alpn: "* ]]
	run --separate-stderr "$SOCKCTL" connect --tls --tls-min 1.1 h 1
	assert_equal "$status" 2
	[[ $stderr == "sockctl connect: "*"1.1"* ]]
	run --separate-stderr "$SOCKCTL" connect --starttls gopher h 1
	assert_equal "$status" 2
	[[ $stderr == "sockctl connect: "*"gopher"* ]]
}

@test "tls: a certificate file that cannot be loaded is exit 1 before listening" {
	run --separate-stderr timeout 20 "$SOCKCTL" listen --tls \
	    --tls-cert "$T/missing.pem" --port-file "$T/p" 0
	assert_equal "$status" 1
	[[ $stderr == "sockctl listen: "* ]]
	[[ ! -e $T/p ]]
}
