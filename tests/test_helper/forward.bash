# What the forward suites (forward.bats, forward-tls.bats,
# forward-socks.bats) share: the backends of tests/fixtures/fwdpeer.py and
# the forwarder under test.  Load after common.bash or stream.bash.

PEER=$BATS_TEST_DIRNAME/fixtures/fwdpeer.py

# backend KIND [OPTIONS]: starts a fwdpeer.py server; sets BPORT.
backend() {
	local pf=$T/bport.$((++_nserver))
	timeout 60 "$PYTHON3" "$PEER" --port-file "$pf" --out "$T/out" \
	    "${@:2}" "$1" 3>&- &
	track $!
	wait_for_file "$pf" || return 1
	BPORT=$(<"$pf")
}

# fwd ARGS...: starts `sockctl forward -v ARGS` (on 127.0.0.1 port 0 when
# ARGS say so), its stderr in $T/err; sets PORT and SERVER_PID.
fwd() {
	start_server forward -v "$@" 2>"$T/err"
}

# silent_target SECONDS: a TCP server on 127.0.0.1 that accepts and then
# says nothing for SECONDS (a proxy or TLS target that never answers its
# handshake); sets sport.
silent_target() {
	sleep "$1" | "$SOCKCTL" listen --port-file "$T/sport" 127.0.0.1 0 \
	    >/dev/null 3>&- &
	track $!
	wait_for_file "$T/sport"
	sport=$(<"$T/sport")
}
