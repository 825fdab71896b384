#!/usr/bin/env bats
# sockctl forward over TLS (cli.md, "TLS" and "sockctl forward"): --tls
# terminates TLS from clients, --tls-to speaks TLS to TARGET, and both
# together; verification, SNI and pins on the target side, handshakes
# that fail or stall closing one client only, close_notify and truncation
# passed on, 8 MiB both ways; against curl, openssl, gnutls, Python's
# ssl and sockctl itself.

load test_helper/stream
load test_helper/pki
load test_helper/forward

# A throwaway CA, a server certificate (DNS localhost, IP 127.0.0.1) and
# a client certificate, made once for the file.
setup_file() {
	pki_file 'DNS:localhost,IP:127.0.0.1' || return 1
}

setup() {
	pki_setup
}

CONN_RE='^127\.0\.0\.1 port [0-9]+ -> '

# The pin that a server without a certificate printed in FILE.
pin_in() {
	sed -n 's/^tls: self-signed certificate //p' "$1"
}

# tls_target ARGS...: `sockctl listen --tls ARGS 127.0.0.1 0` as the
# target, its stdin from $T/tin (empty unless written), its output in
# $T/tout; sets TPORT and TPIN (its ephemeral certificate's pin).
tls_target() {
	[[ -f $T/tin ]] || : >"$T/tin"
	"$SOCKCTL" listen --tls --port-file "$T/tport" "$@" 127.0.0.1 0 \
	    <"$T/tin" >"$T/tout" 2>"$T/terr" 3>&- &
	TPID=$!
	track "$TPID"
	wait_for_file "$T/tport"
	TPORT=$(<"$T/tport")
	TPIN=$(pin_in "$T/terr")
}

@test "forward --tls: curl --cacert through to a plain python http.server" {
	mkdir "$T/www"
	printf 'hello over https\n' >"$T/www/hello.txt"
	py httpd <<'PY'
import functools, http.server
h = functools.partial(http.server.SimpleHTTPRequestHandler,
    directory=os.path.join(T, "www"))
srv = http.server.HTTPServer(("127.0.0.1", 0), h)
put(NAME + ".port", "%d\n" % srv.server_address[1])
srv.serve_forever()
PY
	py_server httpd
	fwd --tls --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" 0 \
	    "127.0.0.1:$PY_PORT"
	run timeout 20 curl -sS --cacert "$PKI/ca.pem" \
	    "https://localhost:$PORT/hello.txt"
	assert_success
	assert_output "hello over https"
	run timeout 20 curl -sS --cacert "$PKI/ca.pem" \
	    "https://127.0.0.1:$PORT/hello.txt"
	assert_success
	assert_output "hello over https"
	wait_for_line "$T/err" "$CONN_RE"
	run cat "$T/err"
	# A certificate was given: no ephemeral one, no pin line.
	refute_line --partial "self-signed"
	assert_line --index 0 "forwarding 127.0.0.1 port $PORT to 127.0.0.1:$PY_PORT"
	assert_line --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $PY_PORT: sent [0-9]+ bytes, received [0-9]+ bytes in [0-9]+\.[0-9]{2} s$"
}

@test "forward --tls: openssl s_client verified by the CA; the backend's reply and close reach it" {
	py upper <<'PY'
s = listening()
while True:
    c, _ = s.accept()
    line = c.makefile("rb").readline()
    c.sendall(line.upper())
    c.shutdown(socket.SHUT_WR)
    read_all(c)
    c.close()
PY
	py_server upper
	fwd --tls --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" 0 \
	    "127.0.0.1:$PY_PORT"
	# -ign_eof: s_client ends at forward's close_notify, not at its EOF.
	run timeout 20 bash -c 'echo ping | openssl s_client -ign_eof -connect 127.0.0.1:$1 -CAfile "$2" -verify_return_error -servername localhost 2>&1' _ "$PORT" "$PKI/ca.pem"
	assert_success
	assert_line 'PING'
	assert_line --partial 'Verify return code: 0 (ok)'
	wait_for_line "$T/err" "$CONN_RE.*: sent 5 bytes, received 5 bytes in"
}

@test "forward --tls without a certificate prints its pin; sockctl connect --tls-pin accepts it" {
	backend halfclose
	fwd --tls 0 "127.0.0.1:$BPORT"
	local pin
	pin=$(pin_in "$T/err")
	[[ $pin =~ ^SHA256:[0-9a-f]{64}$ ]]
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-pin "$pin" 127.0.0.1 "$PORT" <<<"twelve bytes"
	assert_success
	# Our EOF went as close_notify, the backend's answer came after it.
	assert_output "got 13 bytes"
	assert_equal "$stderr" ""
	run timeout 20 "$SOCKCTL" connect --tls --tls-pin \
	    "SHA256:$(printf '0%.0s' {1..64})" 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	assert_output --partial "TLS handshake with 127.0.0.1 port $PORT:"
}

@test "forward --tls: gnutls-cli against it" {
	backend halfclose
	fwd --tls --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" 0 \
	    "127.0.0.1:$BPORT"
	run timeout 20 bash -c 'printf "twelve bytes\n" | gnutls-cli --x509cafile "$2" -p "$1" localhost 2>/dev/null' _ "$PORT" "$PKI/ca.pem"
	assert_line "got 13 bytes"
}

@test "forward --tls: a client that fails its handshake is closed alone, -v says why, the next is served" {
	backend halfclose
	fwd --tls --tls-min 1.3 --tls-cert "$PKI/server.pem" \
	    --tls-key "$PKI/server.key" 0 "127.0.0.1:$BPORT"
	# Plain text where a ClientHello belongs.
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<"GET / HTTP/1.0"
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port ([0-9]+) -> 127\.0\.0\.1 port $BPORT: TLS handshake with 127\.0\.0\.1 port [0-9]+: .+$"
	# A TLS 1.2 client, below --tls-min.
	run timeout 10 openssl s_client -tls1_2 -connect "127.0.0.1:$PORT" \
	    </dev/null
	assert_failure
	wait_for_line "$T/err" "TLS handshake with .*(version|protocol)"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" localhost "$PORT" <<<"twelve bytes"
	assert_success
	assert_output "got 13 bytes"
}

@test "forward --tls: a client that never finishes its handshake does not hold up others" {
	backend halfclose
	fwd --tls --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" 0 \
	    "127.0.0.1:$BPORT"
	# Connected, silent.
	sleep 30 | nc 127.0.0.1 "$PORT" >/dev/null 3>&- &
	track $!
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" localhost "$PORT" <<<"twelve bytes"
	assert_success
	assert_output "got 13 bytes"
}

@test "forward --tls --tls-client-ca: a client without a certificate is refused, one with it served" {
	backend halfclose
	fwd --tls --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" \
	    --tls-client-ca "$PKI/ca.pem" 0 "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" localhost "$PORT" <<<"twelve bytes"
	assert_failure 1
	assert_output ""
	wait_for_line "$T/err" "TLS handshake with 127\.0\.0\.1 port [0-9]+: .*certificate"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" --tls-cert "$PKI/client.pem" \
	    --tls-key "$PKI/client.key" localhost "$PORT" <<<"twelve bytes"
	assert_success
	assert_output "got 13 bytes"
}

@test "forward --tls --tls-alpn: the protocol chosen among the client's; none in common fails that client" {
	backend halfclose
	fwd --tls --tls-alpn foo,bar 0 "127.0.0.1:$BPORT"
	run timeout 20 bash -c 'echo x | openssl s_client -alpn baz,bar -connect 127.0.0.1:$1 2>&1' _ "$PORT"
	assert_line "ALPN protocol: bar"
	run timeout 20 bash -c 'echo x | openssl s_client -alpn baz -connect 127.0.0.1:$1 2>&1' _ "$PORT"
	refute_line --partial "ALPN protocol:"
	wait_for_line "$T/err" "TLS handshake with 127\.0\.0\.1 port [0-9]+: .*(application protocol|alpn|ALPN)"
}

@test "forward --tls-to --tls-alpn: offered to the target" {
	py alpn <<'PY'
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.environ["PKI"] + "/server.pem",
    os.environ["PKI"] + "/server.key")
ctx.set_alpn_protocols(["bar", "h2"])
s = listening()
c, _ = s.accept()
t = ctx.wrap_socket(c, server_side=True)
put("alpn", "%s\n" % t.selected_alpn_protocol())
t.sendall(b"hi\n")
t.unwrap().close()
PY
	PKI=$PKI py_server alpn
	fwd --tls-to --tls-ca "$PKI/ca.pem" --tls-alpn foo,bar 0 \
	    "localhost:$PY_PORT"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output "hi"
	assert_equal "$(<"$T/alpn")" "bar"
}

@test "forward --tls-to: openssl s_server verified by --tls-ca, the name sent as SNI" {
	openssl s_server -accept 127.0.0.1:0 -naccept 1 \
	    -cert "$PKI/server.pem" -key "$PKI/server.key" -servername localhost \
	    -cert2 "$PKI/server.pem" -key2 "$PKI/server.key" \
	    < <(echo "from s_server"; sleep 5) >"$T/sso" 2>&1 3>&- &
	track $!
	wait_for_line "$T/sso" '^ACCEPT ' || fail "s_server did not start"
	local sport
	sport=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$T/sso")
	fwd --tls-to --tls-ca "$PKI/ca.pem" 0 "localhost:$sport"
	run timeout 20 bash -c 'echo from-client | nc 127.0.0.1 "$1" | head -n 1' _ "$PORT"
	assert_output "from s_server"
	wait_for_line "$T/sso" '^from-client$'
	# s_server says so when the client's SNI matched -servername.
	run grep -c 'Switching server context' "$T/sso"
	assert_output 1
}

@test "forward --tls-to: verification is on by default; a failed handshake closes that client, the next is served" {
	echo "hello from the target" >"$T/tin"
	tls_target
	fwd --tls-to 0 "127.0.0.1:$TPORT"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	# connect's own words for it.
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $TPORT: TLS handshake with 127\.0\.0\.1 port $TPORT: certificate verify failed: self-signed certificate$"
	kill -0 "$SERVER_PID"
}

@test "forward --tls-to: a name the certificate does not have; --tls-name, --tls-pin and --insecure" {
	py tlsecho <<'PY'
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
# client1's certificate: a name (DNS:client1) and no IP address.
ctx.load_cert_chain(os.environ["PKI"] + "/client.pem",
    os.environ["PKI"] + "/client.key")
names = []
ctx.sni_callback = lambda sock, name, c: names.append(repr(name))
s = listening()
while True:
    c, _ = s.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True)
    except Exception:
        continue
    put("sni", "\n".join(names) + "\n")
    t.sendall(b"tls says hi\n")
    try:
        t.unwrap().close()
    except Exception:
        pass
PY
	PKI=$PKI py_server tlsecho
	fwd --tls-to --tls-ca "$PKI/ca.pem" 0 "127.0.0.1:$PY_PORT"
	local f1=$PORT
	run timeout 10 nc 127.0.0.1 "$f1" </dev/null
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "TLS handshake with 127\.0\.0\.1 port $PY_PORT: certificate verify failed: IP address mismatch$"
	mv "$T/err" "$T/err1"

	fwd --tls-to --tls-ca "$PKI/ca.pem" --tls-name client1 0 \
	    "127.0.0.1:$PY_PORT"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output "tls says hi"
	run tail -1 "$T/sni"
	assert_output "'client1'"

	fwd --tls-to --tls-pin "$(openssl x509 -in "$PKI/client.pem" -noout -fingerprint -sha256 | sed 's/.*=/SHA256:/')" 0 "127.0.0.1:$PY_PORT"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output "tls says hi"
	# An IP literal is never sent as SNI.
	run tail -1 "$T/sni"
	assert_output "None"

	fwd -vv --tls-to --insecure 0 "127.0.0.1:$PY_PORT"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output "tls says hi"
	wait_for_line "$T/err" "$CONN_RE"
	run grep -E "^127\.0\.0\.1 port [0-9]+: target TLS 1\.[23], .*, peer CN=client1, not verified$" "$T/err"
	assert_success
}

@test "forward --tls-to: gnutls-serv as the target" {
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
	fwd --tls-to --tls-ca "$PKI/ca.pem" 0 "localhost:$port"
	run timeout 20 "$PYTHON3" -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"echo me\n")
got = b""
while not got.endswith(b"\n"):
	got += c.recv(100)
print(got.decode(), end="")' "$PORT"
	assert_success
	assert_output "echo me"
}

@test "forward --tls-to: -w bounds the handshake with a target that never answers" {
	local sport
	silent_target 30
	fwd -w 300ms --tls-to --insecure 0 "127.0.0.1:$sport"
	run timeout 10 nc 127.0.0.1 "$PORT" </dev/null
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $sport: TLS handshake with 127\.0\.0\.1 port $sport: Connection timed out$"
}

@test "forward --tls-to: without -w, a target that never answers the handshake is given up after 10 s" {
	local sport
	silent_target 40
	fwd --tls-to --insecure 0 "127.0.0.1:$sport"
	run timeout 30 nc 127.0.0.1 "$PORT" </dev/null
	assert_success
	assert_output ""
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $sport: TLS handshake with 127\.0\.0\.1 port $sport: Connection timed out$"
}

@test "forward --tls-to: the target's close_notify reaches the client as EOF, and the client's bytes after it still arrive" {
	echo "greeting" >"$T/tin"
	tls_target
	fwd --tls-to --tls-pin "$TPIN" 0 "127.0.0.1:$TPORT"
	run timeout 20 "$PYTHON3" -c '
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
	assert_output $'greeting\nb\'\''
	reap "$TPID"
	assert_equal "$(<"$T/tout")" "after your eof"
	# Both sides said close_notify: no truncation in the line.
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "sent 15 bytes, received 9 bytes in [0-9.]+ s$"
}

@test "forward --tls-to: a target that ends without close_notify: the data, an EOF, and -v says so" {
	py trunc <<'PY'
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.environ["PKI"] + "/server.pem",
    os.environ["PKI"] + "/server.key")
s = listening()
c, _ = s.accept()
t = ctx.wrap_socket(c, server_side=True)
t.sendall(b"partial\n")
# A TCP end without close_notify.
c2 = socket.socket(fileno=t.detach())
c2.shutdown(socket.SHUT_WR)
read_all(c2)
put("got", b"eof")
PY
	PKI=$PKI py_server trunc
	fwd --tls-to --insecure 0 "127.0.0.1:$PY_PORT"
	run timeout 20 nc -N 127.0.0.1 "$PORT" </dev/null
	assert_success
	assert_output "partial"
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "^127\.0\.0\.1 port [0-9]+ -> 127\.0\.0\.1 port $PY_PORT: sent 0 bytes, received 8 bytes in [0-9.]+ s: target closed without TLS close_notify \(possible truncation\)$"
}

@test "forward --tls: a client that ends without close_notify: the target gets the data and a plain EOF, -v says so" {
	backend watch
	fwd --tls 0 "127.0.0.1:$BPORT"
	local pin
	pin=$(pin_in "$T/err")
	run timeout 20 "$PYTHON3" -c '
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = ctx.wrap_socket(c)
t.sendall(b"cut short")
c2 = socket.socket(fileno=t.detach())
c2.shutdown(socket.SHUT_WR)
c2.recv(100)' "$PORT"
	assert_success
	out_file=$T/out
	wait_for_file "$out_file"
	assert_equal "$(<"$out_file")" "eof 9"
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp ": sent 9 bytes, received 0 bytes in [0-9.]+ s: client closed without TLS close_notify \(possible truncation\)$"
}

@test "forward --tls --tls-to: 8 MiB of random data both ways at once, sockctl at both ends, byte-exact" {
	head -c 8388608 /dev/urandom >"$T/a"
	head -c 8388608 /dev/urandom >"$T/tin"
	tls_target
	fwd --tls --tls-to --tls-pin "$TPIN" 0 "127.0.0.1:$TPORT"
	local pin
	pin=$(pin_in "$T/err")
	run_out "$T/b" "$SOCKCTL" connect --tls --tls-pin "$pin" 127.0.0.1 \
	    "$PORT" <"$T/a"
	assert_success
	reap "$TPID" 30
	cmp "$T/tin" "$T/b"
	cmp "$T/a" "$T/tout"
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp ": sent 8388608 bytes, received 8388608 bytes in [0-9.]+ s$"
}

@test "forward --tls, --tls-to: 8 MiB each way through TLS on one side only" {
	head -c 8388608 /dev/urandom >"$T/a"
	backend echo
	fwd --tls 0 "127.0.0.1:$BPORT"
	local pin
	pin=$(pin_in "$T/err")
	run_out "$T/b" "$SOCKCTL" connect --tls --tls-pin "$pin" 127.0.0.1 \
	    "$PORT" <"$T/a"
	assert_success
	cmp "$T/a" "$T/b"

	cp "$T/a" "$T/tin"
	tls_target
	mv "$T/err" "$T/err1"
	fwd --tls-to --tls-pin "$TPIN" 0 "127.0.0.1:$TPORT"
	run_out "$T/b" "$SOCKCTL" connect 127.0.0.1 "$PORT" <"$T/a"
	assert_success
	reap "$TPID" 30
	cmp "$T/a" "$T/b"
	cmp "$T/a" "$T/tout"
}

@test "forward: TLS usage errors name the option" {
	run "$SOCKCTL" forward --tls-ca x 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: option '--tls-ca' needs --tls-to"
	assert_line --index 1 "Try 'sockctl forward --help'."
	run "$SOCKCTL" forward --insecure 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: option '--insecure' needs --tls-to"
	run "$SOCKCTL" forward --tls-to --tls-client-ca x 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: option '--tls-client-ca' needs --tls"
	run "$SOCKCTL" forward --tls-cert x 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: option '--tls-cert' needs --tls or --tls-to"
	run "$SOCKCTL" forward --tls --udp 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: --tls and --udp cannot be used together"
	run "$SOCKCTL" forward --tls-to --insecure --tls-pin SHA256:00 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: --tls-pin and --insecure cannot be used together"
	run "$SOCKCTL" forward --tls --tls-key k 1 h:2
	assert_failure 2
	assert_line --index 0 "sockctl forward: option '--tls-key' needs --tls-cert"
	run "$SOCKCTL" forward --tls --tls-cert /nonexistent 1 127.0.0.1:2
	assert_failure 1
	assert_line --index 0 --partial "sockctl forward: "
}

# A quiet end forward makes (-i, a signal) ends each TLS side it has not
# ended yet with close_notify, as listen does: sockctl at both ends, which
# say "possible truncation" and exit 1 otherwise.
@test "forward --tls --tls-to -i: an idle close ends both TLS sides with close_notify" {
	tls_target --recv-only
	fwd --tls --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" \
	    --tls-to --tls-pin "$TPIN" -i 1 0 "127.0.0.1:$TPORT"
	run --separate-stderr timeout 20 "$SOCKCTL" connect --recv-only \
	    --tls --tls-ca "$PKI/ca.pem" localhost "$PORT"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	reap "$TPID" 20
	assert_equal "$status" 0
	assert_equal "$(<"$T/terr")" "tls: self-signed certificate $TPIN"
	wait_for_line "$T/err" "$CONN_RE"
	run tail -1 "$T/err"
	assert_output --regexp "sent 0 bytes, received 0 bytes in [0-9.]+ s: idle timeout$"
}

@test "forward --tls --tls-to: SIGTERM with a pair open ends both TLS sides with close_notify, exit 0" {
	tls_target --recv-only
	fwd -v --tls --tls-cert "$PKI/server.pem" \
	    --tls-key "$PKI/server.key" --tls-to --tls-pin "$TPIN" 0 \
	    "127.0.0.1:$TPORT"
	"$SOCKCTL" connect --recv-only --tls --tls-ca "$PKI/ca.pem" \
	    localhost "$PORT" >"$T/cout" 2>"$T/cerr" 3>&- &
	local cli=$!
	track "$cli"
	# -vv: a line per side once its handshake is over.
	wait_for_line "$T/err" ": client TLS"
	wait_for_line "$T/err" ": target TLS"
	kill -TERM "$SERVER_PID"
	reap "$SERVER_PID" 10
	assert_equal "$status" 0
	reap "$cli" 20
	assert_equal "$status" 0
	assert_equal "$(<"$T/cerr")" ""
	reap "$TPID" 20
	assert_equal "$status" 0
	assert_equal "$(<"$T/terr")" "tls: self-signed certificate $TPIN"
	run tail -1 "$T/err"
	assert_output --regexp "${CONN_RE}127\.0\.0\.1 port $TPORT: sent 0 bytes, received 0 bytes in [0-9.]+ s: stopped$"
}

@test "forward --tls-to to a unix: TARGET: a usage error without a name to verify; --tls-name verifies it, --tls on a unix: LISTEN" {
	run timeout 10 "$SOCKCTL" forward --tls-to --tls-ca "$PKI/ca.pem" 0 \
	    "unix:$T/t.sock"
	assert_failure 2
	assert_line --index 0 "sockctl forward: --tls-to to a unix: TARGET needs --tls-name, --tls-pin or --insecure"
	assert_line --index 1 "Try 'sockctl forward --help'."
	echo "greeting" >"$T/tin"
	"$SOCKCTL" listen --tls --tls-cert "$PKI/server.pem" \
	    --tls-key "$PKI/server.key" -U "$T/t.sock" <"$T/tin" \
	    >"$T/tout" 2>"$T/terr" 3>&- &
	TPID=$!
	track "$TPID"
	timeout 30 "$SOCKCTL" forward -v --tls --tls-cert "$PKI/server.pem" \
	    --tls-key "$PKI/server.key" --tls-to --tls-ca "$PKI/ca.pem" \
	    --tls-name localhost "unix:$T/f.sock" "unix:$T/t.sock" \
	    2>"$T/err" 3>&- &
	track $!
	local i
	for ((i = 0; i < 500; i++)); do
		[[ -S $T/f.sock && -S $T/t.sock ]] && break
		sleep 0.02
	done
	run --separate-stderr timeout 20 "$SOCKCTL" connect --tls \
	    --tls-ca "$PKI/ca.pem" --tls-name localhost -U "$T/f.sock" \
	    <<<"hello"
	assert_success
	assert_output "greeting"
	reap "$TPID" 20
	assert_equal "$status" 0
	assert_equal "$(<"$T/tout")" "hello"
	wait_for_line "$T/err" " -> $T/t\.sock: "
	run tail -1 "$T/err"
	assert_output --regexp "-> $T/t\.sock: sent 6 bytes, received 9 bytes in [0-9.]+ s$"
}
