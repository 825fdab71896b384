# Throwaway certificates for the TLS tests: a CA, and leaves it signs.

# tls_built: whether sockctl has TLS (built without it, every TLS option
# is a usage error naming the missing feature).
tls_built() {
	! "$SOCKCTL" connect --tls --tls-key k h 1 2>&1 |
	    grep -q 'built without'
}

# pki_ca DIR: DIR/ca.pem and DIR/ca.key, a P-256 CA named TestCA.
pki_ca() {
	mkdir -p "$1" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1/ca.key" -out "$1/ca.pem" -subj /CN=TestCA \
	    -days 2 2>/dev/null
}

# pki_leaf DIR NAME CN SANS: DIR/NAME.pem and DIR/NAME.key, a P-256
# certificate for CN with subjectAltName SANS, signed by DIR's CA.
pki_leaf() {
	local d=$1 n=$2
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$3" 2>/dev/null &&
	printf 'subjectAltName=%s\n' "$4" >"$d/$n.ext" &&
	openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -CAcreateserial -out "$d/$n.pem" -days 2 \
	    -extfile "$d/$n.ext" 2>/dev/null
}

# pki_file SANS: for a suite's setup_file, a CA, a server certificate
# for localhost with subjectAltName SANS and a client certificate
# (client1) in $BATS_FILE_TMPDIR/pki, exported as PKI; or, in a sockctl
# built without TLS, NO_TLS=1 for the suite's setup to skip on (setup_file
# cannot skip).
pki_file() {
	local d=$BATS_FILE_TMPDIR/pki
	if ! tls_built; then
		NO_TLS=1
		export NO_TLS
		return 0
	fi
	pki_ca "$d" &&
	    pki_leaf "$d" server localhost "$1" &&
	    pki_leaf "$d" client client1 'DNS:client1' || return 1
	PKI=$d
	export PKI
}

# pki_setup: a TLS suite's setup: T, and the skip without TLS.
pki_setup() {
	T=$BATS_TEST_TMPDIR
	export T
	if [[ -n ${NO_TLS:-} ]]; then
		skip "sockctl is built without TLS"
	fi
}
