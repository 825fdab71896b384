#!/usr/bin/env bats
#
# TLS in the epoll engines (design/cli.md, "TLS"): serve-http --tls
# against curl, gnutls-cli, openssl s_client and python's ssl module,
# chat -l --tls against openssl s_client, gnutls-cli, nc and the sockctl
# chat --tls client, and that client against openssl s_server; with
# --tls-alpn, --tls-client-ca and --tls-min on each side.  A throwaway CA,
# a P-256 leaf certificate for localhost and 127.0.0.1 and client
# certificates are made once in setup_file.  Servers bind port 0; every
# wait is bounded.

load test_helper/stream

WELCOME="; /help lists the commands"

setup_file() {
	local d=$BATS_FILE_TMPDIR
	if "$SOCKCTL" chat --tls 2>&1 | grep -q 'built without'; then
		return 0
	fi
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
	    -subj /CN=sockctl-test-CA 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/leaf.key" -out "$d/leaf.csr" -subj /CN=localhost \
	    2>/dev/null
	printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
	    'basicConstraints=CA:FALSE' >"$d/ext"
	openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 2 -extfile "$d/ext" \
	    -out "$d/leaf.pem" 2>/dev/null
	# A client certificate from the CA, and a stranger's self-signed one.
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/client.key" -out "$d/client.csr" -subj /CN=client1 \
	    2>/dev/null
	openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 2 -out "$d/client.pem" \
	    2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$d/stranger.key" -out "$d/stranger.pem" -days 2 \
	    -subj /CN=stranger 2>/dev/null
	mkdir "$d/www"
	printf 'hello\n' >"$d/www/a.txt"
	printf 'world\n' >"$d/www/b.txt"
	head -c 8388608 /dev/urandom >"$d/www/big.bin"
}

setup() {
	T=$BATS_TEST_TMPDIR
	D=$BATS_FILE_TMPDIR
	export T D
	[[ -s $D/leaf.pem ]] || skip "built without TLS"
	CERT=(--tls-cert "$D/leaf.pem" --tls-key "$D/leaf.key")
}

teardown() {
	exec 4>&- 5>&-
	common_teardown
}

# https_server [OPTIONS]: serve-http --tls on $D/www with the leaf cert.
https_server() {
	start_server serve-http --tls "${CERT[@]}" -p 0 "$@" "$D/www" \
	    2>"$T/server.err"
}

# room [OPTIONS]: a TLS chat room, its stderr in $T/room.err.
room() {
	start_server chat -l --tls "$@" 127.0.0.1 0 2>"$T/room.err"
}

# stalled_client: a client that sends the first bytes of a TLS
# ClientHello to $PORT and then nothing, until teardown kills it (longer
# than every wait of the test).
stalled_client() {
	local line
	exec 5< <(exec timeout 60 "$PYTHON3" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16\x03\x01")
print("connected", flush=True)
time.sleep(60)
' "$PORT")
	track $!
	read -r -t 10 line <&5
	[ "$line" = connected ]
}

# s_server ARGS...: openssl s_server with the leaf certificate on a port
# of its choosing, for one client; sets $PORT.  Its output is in $T/sso.N.
s_server() {
	# A file per server: the one before may still be writing to its own.
	SSO_N=$((SSO_N + 1))
	openssl s_server -accept 127.0.0.1:0 -naccept 1 -cert "$D/leaf.pem" \
	    -key "$D/leaf.key" "$@" < <(sleep 20) >"$T/sso.$SSO_N" \
	    2>&1 3>&- &
	track $!
	wait_for_line "$T/sso.$SSO_N" '^ACCEPT ' || fail "s_server did not start"
	PORT=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$T/sso.$SSO_N")
	[[ $PORT =~ ^[0-9]+$ ]] || fail "s_server: no port in $T/sso.$SSO_N"
}

# printed_pin FILE: the pin printed by a server without --tls-cert, from FILE.
printed_pin() {
	sed -n 's/^tls: self-signed certificate \(SHA256:[0-9a-f]\{64\}\)$/\1/p' "$1"
}

@test "serve-http --tls: the start line says https://, curl --cacert gets a file by name and by IP" {
	https_server
	run grep -c '^Serving .* at https://127\.0\.0\.1:'"$PORT"'/$' "$T/server.err"
	assert_output 1
	run timeout 10 curl -sS --cacert "$D/ca.pem" "https://localhost:$PORT/a.txt"
	assert_success
	assert_output hello
	run timeout 10 curl -sS --cacert "$D/ca.pem" "https://127.0.0.1:$PORT/b.txt"
	assert_success
	assert_output world
	# Nothing is sent in clear: a plain HTTP request gets no answer.
	run timeout 10 curl -sS "http://127.0.0.1:$PORT/a.txt"
	assert_failure
}

@test "serve-http --tls: HEAD, Range, 404 with curl -k" {
	https_server
	run timeout 10 curl -sS -k -I "https://127.0.0.1:$PORT/a.txt"
	assert_success
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_line $'Content-Length: 6\r'
	run timeout 10 curl -sS -k -r 1-3 -w ' %{http_code}' "https://127.0.0.1:$PORT/a.txt"
	assert_output 'ell 206'
	run timeout 10 curl -sS -k -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/nope"
	assert_output 404
}

@test "serve-http --tls: keep-alive, two URLs on one connection; -vv logs the session" {
	https_server -vv
	run timeout 10 curl -sS --cacert "$D/ca.pem" -w '%{num_connects}\n' \
	    "https://localhost:$PORT/a.txt" "https://localhost:$PORT/b.txt"
	assert_success
	assert_output $'hello\n1\nworld\n0'
	run grep -c '^127\.0\.0\.1: TLS 1\.3, TLS_AES_256_GCM_SHA384, no peer certificate$' "$T/server.err"
	assert_output 1
}

@test "serve-http --tls: pipelined requests in one TLS write, answered in order, then close_notify" {
	https_server
	run timeout 10 "$PYTHON3" - "$PORT" "$D/ca.pem" <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
# Some builds ignore a TCP end without close_notify: not here.
ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
    server_hostname="localhost", suppress_ragged_eofs=False)
req = "GET /%s HTTP/1.1\r\nHost: localhost\r\n%s\r\n"
s.sendall((req % ("a.txt", "") + req % ("b.txt", "") +
    req % ("a.txt", "Connection: close\r\n")).encode())
data = b""
while True:
    b = s.recv(65536)      # raises on a TCP end without close_notify
    if not b:
        break
    data += b
parts = data.split(b"HTTP/1.1 200 OK\r\n")
print(len(parts) - 1, [p.split(b"\r\n\r\n", 1)[1] for p in parts[1:]])
EOF
	assert_success
	assert_output "3 [b'hello\\n', b'world\\n', b'hello\\n']"
}

@test "serve-http --tls: 8 MiB file byte-exact" {
	https_server
	run timeout 20 curl -sS --cacert "$D/ca.pem" -o "$T/big" "https://localhost:$PORT/big.bin"
	assert_success
	cmp "$D/www/big.bin" "$T/big"
}

@test "serve-http --tls without --tls-cert: the printed pin is the SHA-256 of the certificate served" {
	start_server serve-http --tls -p 0 "$D/www" 2>"$T/server.err"
	run printed_pin "$T/server.err"
	assert_output --regexp '^SHA256:[0-9a-f]{64}$'
	pin=$output
	run timeout 10 "$PYTHON3" -c '
import hashlib, ssl, sys
pem = ssl.get_server_certificate(("127.0.0.1", int(sys.argv[1])))
print("SHA256:" + hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest())
' "$PORT"
	assert_success
	assert_output "$pin"
	run timeout 10 curl -sS -k "https://127.0.0.1:$PORT/a.txt"
	assert_output hello
}

@test "serve-http --tls: a plain-text client is refused (-v line), a silent one does not block others" {
	https_server -v
	# A TLS client that connects and never says anything.
	stalled_client
	run timeout 10 bash -c 'printf "GET /a.txt HTTP/1.0\r\n\r\n" | nc -q 5 127.0.0.1 "$1"' _ "$PORT"
	refute_output --partial HTTP/
	run wait_for_line "$T/server.err" '^TLS handshake with 127\.0\.0\.1 failed: '
	assert_success
	run timeout 10 curl -sS --cacert "$D/ca.pem" "https://localhost:$PORT/b.txt"
	assert_success
	assert_output world
}

@test "serve-http: TLS options are usage errors without --tls or on the wrong side" {
	run -2 timeout 10 "$SOCKCTL" serve-http --tls-cert "$D/leaf.pem" "$D/www"
	assert_line --index 0 "sockctl serve-http: option '--tls-cert' needs --tls"
	assert_line --index 1 "Try 'sockctl serve-http --help'."
	run -2 timeout 10 "$SOCKCTL" serve-http --tls --tls-key "$D/leaf.key" "$D/www"
	assert_line --index 0 "sockctl serve-http: option '--tls-key' needs --tls-cert"
	run -2 timeout 10 "$SOCKCTL" serve-http --tls --tls-min 1.1 "$D/www"
	assert_line --index 0 --partial "sockctl serve-http: "
	# A client's option is no option of serve-http.
	run -2 timeout 10 "$SOCKCTL" serve-http --tls --tls-ca "$D/ca.pem" "$D/www"
	assert_line --index 0 "sockctl serve-http: unknown option '--tls-ca'"
}

@test "chat -l --tls: openssl s_client joins and talks to a sockctl chat --tls client" {
	room -v "${CERT[@]}"
	mkfifo "$T/in"
	timeout 20 openssl s_client -quiet -no_ign_eof -CAfile "$D/ca.pem" \
	    -verify_return_error -connect "127.0.0.1:$PORT" <"$T/in" \
	    >"$T/s_client.out" 2>/dev/null 3>&- &
	track $!
	exec 4>"$T/in"
	run wait_for_line "$T/s_client.out" '^\* welcome to the room, user1'"$WELCOME"
	assert_success
	mkfifo "$T/in2"
	timeout 20 "$SOCKCTL" chat --tls --tls-ca "$D/ca.pem" localhost "$PORT" \
	    <"$T/in2" >"$T/chat.out" 2>"$T/chat.err" 3>&- 4>&- &
	track $!
	exec 5>"$T/in2"
	run wait_for_line "$T/s_client.out" '^\* user2 joined$'
	assert_success
	printf 'over TLS\n' >&4
	run wait_for_line "$T/chat.out" '^<user1> over TLS$'
	assert_success
	printf 'and back\n' >&5
	run wait_for_line "$T/s_client.out" '^<user2> and back$'
	assert_success
	run grep -c '^user1 joined from 127\.0\.0\.1 port [0-9]* (TLS 1\.3, TLS_AES_256_GCM_SHA384, no peer certificate)$' "$T/room.err"
	assert_output 1
}

@test "chat --tls: verified with --tls-ca, -v prints the session line" {
	room "${CERT[@]}"
	run timeout 10 "$SOCKCTL" chat -v --tls --tls-ca "$D/ca.pem" localhost "$PORT" </dev/null
	assert_success
	assert_line "* welcome to the room, user1$WELCOME"
	assert_line 'TLS 1.3, TLS_AES_256_GCM_SHA384, peer CN=localhost, verified'
	# The IP literal is checked against the IP SAN.
	run timeout 10 "$SOCKCTL" chat --tls --tls-ca "$D/ca.pem" 127.0.0.1 "$PORT" </dev/null
	assert_success
	assert_output "* welcome to the room, user2$WELCOME"
}

@test "chat --tls: an unknown CA fails verification with one line, exit 1" {
	room "${CERT[@]}"
	run --separate-stderr timeout 10 "$SOCKCTL" chat --tls localhost "$PORT" </dev/null
	assert_failure 1
	assert_output ''
	[ "$stderr" = "sockctl chat: TLS handshake with localhost port $PORT: certificate verify failed: unable to get local issuer certificate" ]
	run --separate-stderr timeout 10 "$SOCKCTL" chat --tls --tls-ca "$D/ca.pem" --tls-name other.example 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	[ "$stderr" = "sockctl chat: TLS handshake with 127.0.0.1 port $PORT: certificate verify failed: hostname mismatch" ]
}

@test "chat --tls: --tls-pin with the pin the room printed, --insecure" {
	room
	run printed_pin "$T/room.err"
	assert_output --regexp '^SHA256:[0-9a-f]{64}$'
	pin=$output
	run timeout 10 "$SOCKCTL" chat -v --tls --tls-pin "$pin" 127.0.0.1 "$PORT" </dev/null
	assert_success
	assert_line "* welcome to the room, user1$WELCOME"
	assert_line --regexp '^TLS 1\.3, TLS_AES_256_GCM_SHA384, peer CN=.*, pinned$'
	run --separate-stderr timeout 10 "$SOCKCTL" chat --tls --tls-pin "SHA256:$(printf '0%.0s' {1..64})" 127.0.0.1 "$PORT" </dev/null
	assert_failure 1
	[[ $stderr == "sockctl chat: TLS handshake with 127.0.0.1 port $PORT: "* ]]
	run timeout 10 "$SOCKCTL" chat -v --tls --insecure 127.0.0.1 "$PORT" </dev/null
	assert_success
	assert_line --regexp '^TLS 1\.3, TLS_AES_256_GCM_SHA384, peer CN=.*, not verified$'
	assert_line --regexp "^\\* welcome to the room, user[0-9]+$WELCOME"
}

@test "chat -l --tls: a plain client is refused, a silent TLS client does not hold up another" {
	room -v "${CERT[@]}"
	stalled_client
	run timeout 10 bash -c 'printf "hello in clear\n" | nc -q 5 127.0.0.1 "$1"' _ "$PORT"
	refute_output --partial welcome
	run wait_for_line "$T/room.err" '^TLS handshake with 127\.0\.0\.1 port [0-9]+ failed: '
	assert_success
	run timeout 10 "$SOCKCTL" chat --tls --tls-ca "$D/ca.pem" localhost "$PORT" </dev/null
	assert_success
	assert_output "* welcome to the room, user1$WELCOME"
}

@test "chat: TLS options are usage errors on the wrong side" {
	run -2 timeout 10 "$SOCKCTL" chat -l --tls --tls-ca "$D/ca.pem" 0
	assert_line --index 0 "sockctl chat: option '--tls-ca' is for TLS clients"
	assert_line --index 1 "Try 'sockctl chat --help'."
	run -2 timeout 10 "$SOCKCTL" chat --tls --tls-client-ca "$D/ca.pem" localhost 1
	assert_line --index 0 "sockctl chat: option '--tls-client-ca' is for TLS servers"
	run -2 timeout 10 "$SOCKCTL" chat --insecure localhost 1
	assert_line --index 0 "sockctl chat: option '--insecure' needs --tls"
}

@test "chat -l --tls -m 1: the next client is told the room is full, inside TLS" {
	room -m 1 "${CERT[@]}"
	mkfifo "$T/in"
	timeout 20 "$SOCKCTL" chat --tls --tls-ca "$D/ca.pem" localhost "$PORT" \
	    <"$T/in" >"$T/first.out" 2>/dev/null 3>&- &
	track $!
	exec 4>"$T/in"
	run wait_for_line "$T/first.out" '^\* welcome to the room, user1'
	assert_success
	run --separate-stderr timeout 10 "$SOCKCTL" chat --tls --tls-ca "$D/ca.pem" localhost "$PORT" </dev/null
	assert_failure 1
	assert_output '* room is full'
	[ "$stderr" = "sockctl chat: the room is full" ]
}

@test "serve-http --tls --tls-alpn: s_client and curl get the protocol shared, a client sharing none is refused" {
	https_server -vv --tls-alpn http/1.1
	run timeout 10 openssl s_client -alpn h2,http/1.1 -CAfile "$D/ca.pem" \
	    -verify_return_error -servername localhost \
	    -connect "127.0.0.1:$PORT" </dev/null
	assert_success
	assert_line 'ALPN protocol: http/1.1'
	run timeout 10 curl -sS --cacert "$D/ca.pem" -w '%{http_version}\n' \
	    "https://localhost:$PORT/a.txt"
	assert_success
	assert_output $'hello\n1.1'
	run grep -c '^127\.0\.0\.1: TLS 1\.3, TLS_AES_256_GCM_SHA384, no peer certificate, ALPN http/1\.1$' "$T/server.err"
	assert_output 2
	run timeout 10 openssl s_client -alpn h2 -CAfile "$D/ca.pem" \
	    -connect "127.0.0.1:$PORT" </dev/null
	assert_failure
	assert_output --partial 'no application protocol'
	run wait_for_line "$T/server.err" '^TLS handshake with 127\.0\.0\.1 failed: no application protocol$'
	assert_success
}

@test "serve-http --tls --tls-client-ca: curl and gnutls-cli with a client certificate are served, without one or with a stranger's refused" {
	https_server -vv --tls-client-ca "$D/ca.pem"
	run timeout 10 curl -sS --cacert "$D/ca.pem" --cert "$D/client.pem" \
	    --key "$D/client.key" "https://localhost:$PORT/a.txt"
	assert_success
	assert_output hello
	run grep -c '^127\.0\.0\.1: TLS 1\.3, TLS_AES_256_GCM_SHA384, peer CN=client1, verified$' "$T/server.err"
	assert_output 1
	run timeout 10 bash -c 'printf "GET /b.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" |
	    gnutls-cli --x509cafile "$2/ca.pem" --x509certfile "$2/client.pem" \
	    --x509keyfile "$2/client.key" -p "$1" localhost 2>/dev/null' _ "$PORT" "$D"
	assert_line $'HTTP/1.1 200 OK\r'
	assert_line world
	run timeout 10 curl -sS --cacert "$D/ca.pem" "https://localhost:$PORT/a.txt"
	assert_failure
	refute_output --partial hello
	run timeout 10 curl -sS --cacert "$D/ca.pem" --cert "$D/stranger.pem" \
	    --key "$D/stranger.key" "https://localhost:$PORT/a.txt"
	assert_failure
	refute_output --partial hello
	run grep -c '^TLS handshake with 127\.0\.0\.1 failed: peer did not return a certificate$' "$T/server.err"
	assert_output 1
	run grep -c '^TLS handshake with 127\.0\.0\.1 failed: certificate verify failed: self-signed certificate$' "$T/server.err"
	assert_output 1
}

@test "serve-http --tls --tls-min 1.3: a TLS 1.2 client is refused, 1.3 is served; by default 1.2 is served" {
	https_server --tls-min 1.3
	run timeout 10 curl -sS --cacert "$D/ca.pem" --tls-max 1.2 \
	    "https://localhost:$PORT/a.txt"
	assert_failure
	refute_output --partial hello
	run timeout 10 openssl s_client -tls1_2 -CAfile "$D/ca.pem" \
	    -connect "127.0.0.1:$PORT" </dev/null
	assert_failure
	run timeout 10 curl -sS --cacert "$D/ca.pem" --tlsv1.3 \
	    "https://localhost:$PORT/a.txt"
	assert_success
	assert_output hello

	https_server
	run timeout 10 curl -sS --cacert "$D/ca.pem" --tls-max 1.2 \
	    -w ' %{ssl_verify_result}' "https://localhost:$PORT/a.txt"
	assert_success
	assert_output $'hello\n 0'
	run timeout 10 openssl s_client -tls1_2 -CAfile "$D/ca.pem" \
	    -connect "127.0.0.1:$PORT" </dev/null
	assert_success
	assert_line --regexp '^ *Protocol *: TLSv1\.2$'
}

@test "chat -l --tls --tls-alpn: a sockctl client offering it joins with it, s_client offering none of ours is refused" {
	room -v --tls-alpn sockctl-chat "${CERT[@]}"
	run --separate-stderr timeout 10 "$SOCKCTL" chat -v --tls \
	    --tls-ca "$D/ca.pem" --tls-alpn x-other,sockctl-chat localhost \
	    "$PORT" </dev/null
	assert_success
	assert_output "* welcome to the room, user1$WELCOME"
	[[ $stderr =~ (^|$'\n')"TLS 1.3, TLS_AES_256_GCM_SHA384, peer CN=localhost, verified, ALPN sockctl-chat"($'\n'|$) ]]
	run grep -c '^user1 joined from 127\.0\.0\.1 port [0-9]* (TLS 1\.3, TLS_AES_256_GCM_SHA384, no peer certificate, ALPN sockctl-chat)$' "$T/room.err"
	assert_output 1
	run timeout 10 openssl s_client -quiet -alpn x-other -CAfile "$D/ca.pem" \
	    -connect "127.0.0.1:$PORT" </dev/null
	assert_failure
	refute_output --partial welcome
	assert_output --partial 'no application protocol'
	run wait_for_line "$T/room.err" '^TLS handshake with 127\.0\.0\.1 port [0-9]+ failed: no application protocol$'
	assert_success
}

@test "chat -l --tls --tls-client-ca: clients with a certificate join (the room names them), one without is refused" {
	room -v --tls-client-ca "$D/ca.pem" "${CERT[@]}"
	run --separate-stderr timeout 10 "$SOCKCTL" chat --tls \
	    --tls-ca "$D/ca.pem" --tls-cert "$D/client.pem" \
	    --tls-key "$D/client.key" localhost "$PORT" </dev/null
	assert_success
	assert_output "* welcome to the room, user1$WELCOME"
	run grep -c '^user1 joined from 127\.0\.0\.1 port [0-9]* (TLS 1\.3, TLS_AES_256_GCM_SHA384, peer CN=client1, verified)$' "$T/room.err"
	assert_output 1
	run timeout 10 gnutls-cli --x509cafile "$D/ca.pem" \
	    --x509certfile "$D/client.pem" --x509keyfile "$D/client.key" \
	    -p "$PORT" localhost </dev/null
	assert_line "* welcome to the room, user2$WELCOME"
	run --separate-stderr timeout 10 "$SOCKCTL" chat --tls \
	    --tls-ca "$D/ca.pem" localhost "$PORT" </dev/null
	assert_failure 1
	refute_output --partial welcome
	[ "$stderr" = "sockctl chat: the room closed the connection: TLS error: tlsv13 alert certificate required" ]
	run timeout 10 openssl s_client -quiet -cert "$D/stranger.pem" \
	    -key "$D/stranger.key" -CAfile "$D/ca.pem" \
	    -connect "127.0.0.1:$PORT" </dev/null
	refute_output --partial welcome
	run grep -c '^TLS handshake with 127\.0\.0\.1 port [0-9]* failed: ' "$T/room.err"
	assert_output 2
}

@test "chat -l --tls --tls-min 1.3: gnutls-cli with TLS 1.2 is refused, with 1.3 it joins" {
	room -v --tls-min 1.3 "${CERT[@]}"
	run timeout 10 gnutls-cli --x509cafile "$D/ca.pem" \
	    --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' -p "$PORT" localhost \
	    </dev/null
	assert_failure
	refute_output --partial welcome
	run wait_for_line "$T/room.err" '^TLS handshake with 127\.0\.0\.1 port [0-9]+ failed: '
	assert_success
	run timeout 10 gnutls-cli --x509cafile "$D/ca.pem" \
	    --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3' -p "$PORT" localhost \
	    </dev/null
	assert_line "* welcome to the room, user1$WELCOME"
	run grep -c '^user1 joined from 127\.0\.0\.1 port [0-9]* (TLS 1\.3, ' "$T/room.err"
	assert_output 1
}

@test "chat --tls (client) --tls-alpn and --tls-min against openssl s_server" {
	s_server -alpn sockctl-chat
	run --separate-stderr timeout 10 "$SOCKCTL" chat -v --tls \
	    --tls-ca "$D/ca.pem" --tls-alpn sockctl-chat localhost "$PORT" \
	    </dev/null
	assert_success
	[[ $stderr =~ (^|$'\n')"TLS 1.3, TLS_AES_256_GCM_SHA384, peer CN=localhost, verified, ALPN sockctl-chat"($'\n'|$) ]]

	s_server -tls1_2
	run --separate-stderr timeout 10 "$SOCKCTL" chat --tls \
	    --tls-ca "$D/ca.pem" --tls-min 1.3 localhost "$PORT" </dev/null
	assert_failure 1
	[[ $stderr == "sockctl chat: TLS handshake with localhost port $PORT: "* ]]
	assert_equal "${#stderr_lines[@]}" 1

	# By default the client takes TLS 1.2.
	s_server -tls1_2
	run --separate-stderr timeout 10 "$SOCKCTL" chat -v --tls \
	    --tls-ca "$D/ca.pem" localhost "$PORT" </dev/null
	assert_success
	[[ $stderr =~ (^|$'\n')"TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, peer CN=localhost, verified"($'\n'|$) ]]
}
