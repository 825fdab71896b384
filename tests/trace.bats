#!/usr/bin/env bats
#
# The pcap files of src/trace.c read by the real reader, tshark:
# tests/unit/test-trace (in its "write" mode) drives the trace API with a
# synthetic conversation, as the stream mover and the datagram paths will,
# and writes the bytes each side sent beside the capture.  tshark must
# read the capture with every checksum check on and say nothing about it,
# and Follow TCP Stream and udp.payload must give back exactly the bytes
# of each direction: through trace.c's batching (records copied into its
# buffer, or written by writev() from the caller's bytes) nothing may be
# lost, reordered or doubled.

load test_helper/common
load test_helper/tshark

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	TRACEW=${SOCKCTL%/src/sockctl}/tests/unit/test-trace
	command -v tshark >/dev/null || skip "tshark is not installed"
	[[ -x $TRACEW ]] || skip "tests/unit/test-trace is not built"
}

# write MODE FAMILY SIZE: the conversation in $T/c.pcap, $T/out, $T/in.
write() {
	run timeout 60 "$TRACEW" write "$1" "$2" "$3" "$T/c.pcap" "$T/out" \
	    "$T/in"
	assert_success
	assert_output ''
}

@test "trace: 16 MiB each way with a half-close: tshark reads the pcap without a remark" {
	write tcp 4 16777216
	[ "$(stat -c %s "$T/out")" -eq 16777216 ]
	[ "$(stat -c %s "$T/in")" -eq 16777216 ]
	read_cleanly
	# The handshake opened by the peer, with the real addresses.
	run head -3 "$T/tshark.out"
	assert_line --index 0 --regexp ' 198\.51\.100\.7 → 192\.0\.2\.1 +TCP 48 40123 → 47123 \[SYN\] Seq=0 '
	assert_line --index 1 --regexp ' 192\.0\.2\.1 → 198\.51\.100\.7 TCP 48 47123 → 40123 \[SYN, ACK\] Seq=0 Ack=1 '
	assert_line --index 2 --regexp ' 198\.51\.100\.7 → 192\.0\.2\.1 +TCP 40 40123 → 47123 \[ACK\] Seq=1 Ack=1 '
	# Our FIN, then the peer's, then our last ACK.
	run grep -c 'FIN' "$T/tshark.out"
	assert_output 2
	run tail -1 "$T/tshark.out"
	assert_output --regexp ' 192\.0\.2\.1 → 198\.51\.100\.7 TCP 40 47123 → 40123 \[ACK\] Seq=16777218 Ack=16777218 '
}

@test "trace: 16 MiB each way: Follow TCP Stream gives back each direction byte for byte" {
	write tcp 4 16777216
	follow
	run grep -E '^Node [01]: ' "$T/tshark.out"
	assert_output 'Node 0: 198.51.100.7:40123
Node 1: 192.0.2.1:47123'
	cmp "$T/in" "$T/node0.bin"
	cmp "$T/out" "$T/node1.bin"
}

@test "trace: TCP over IPv6: read without a remark and followed byte for byte" {
	write tcp 6 1048576
	read_cleanly
	run grep -c ' 2001:db8::1 → 2001:db8:ffff::7 TCP ' "$T/tshark.out"
	[ "$output" -gt 10 ]
	follow
	cmp "$T/in" "$T/node0.bin"
	cmp "$T/out" "$T/node1.bin"
}

@test "trace: a Unix socket connection is written with loopback addresses" {
	write unix 4 1048576
	read_cleanly
	run head -1 "$T/tshark.out"
	assert_output --regexp ' 127\.0\.0\.1 → 127\.0\.0\.1 +TCP 48 50000 → 40000 \[SYN\] '
	follow
	run grep -E '^Node [01]: ' "$T/tshark.out"
	assert_output 'Node 0: 127.0.0.1:50000
Node 1: 127.0.0.1:40000'
	cmp "$T/in" "$T/node0.bin"
	cmp "$T/out" "$T/node1.bin"
}

# udp_flows FAMILY: datagrams with three peers; tshark's ports and payload
# of each, in order, equal to what was sent.
udp_flows() {
	write udp "$1" 2000
	read_cleanly
	run grep -c ' UDP ' "$T/tshark.out"
	assert_output 60
	tshark_r -T fields -e udp.srcport -e udp.dstport -e udp.payload
	run cat "$T/tshark.err"
	assert_output ''
	cmp "$T/out" "$T/tshark.out"
	# Three peers, each a conversation of its own.
	tshark_r -q -z conv,udp
	run grep -c ' <-> ' "$T/tshark.out"
	assert_output 3
	for port in 40123 40124 40125; do
		run grep -c ":$port " "$T/tshark.out"
		assert_output 1
	done
}

@test "trace: UDP datagrams of three peers over IPv4: udp.payload equal to each" {
	udp_flows 4
}

@test "trace: UDP datagrams of three peers over IPv6: udp.payload equal to each" {
	udp_flows 6
}
