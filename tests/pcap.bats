#!/usr/bin/env bats
#
# The packets of src/pcap.c read by the real reader, tshark (issue 13):
# tests/unit/pcap-write writes synthetic conversations (TCP with a
# handshake, 16 MiB each way and a half-close; TCP ended by a reset; UDP
# datagrams) over IPv4 and IPv6, and the bytes each side sent.  tshark must
# read the file with every checksum check on and say nothing about it
# (no warning, no malformed packet, no bad checksum, no TCP analysis
# remark such as a lost or unseen segment), and its Follow TCP Stream and
# udp.payload must give back exactly the bytes of each direction.

load test_helper/common
load test_helper/tshark

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	PCAPW=${SOCKCTL%/src/sockctl}/tests/unit/pcap-write
	command -v tshark >/dev/null || skip "tshark is not installed"
	[[ -x $PCAPW ]] || skip "tests/unit/pcap-write is not built"
}

# write MODE FAMILY SIZE: the conversation in $T/c.pcap, $T/out, $T/in.
write() {
	run timeout 60 "$PCAPW" "$1" "$2" "$3" "$T/c.pcap" "$T/out" "$T/in"
	assert_success
	assert_output ''
}

# The ports are ones with no dissector in tshark, so that the random
# payload is not taken for a protocol (8080 would be parsed as HTTP).

@test "pcap: 16 MiB each way over IPv4 with a half-close: tshark reads it without a remark" {
	write tcp 4 16777216
	[ "$(stat -c %s "$T/out")" -eq 16777216 ]
	[ "$(stat -c %s "$T/in")" -eq 16777216 ]
	read_cleanly
	# The handshake opened by the peer, with the real addresses.
	run head -3 "$T/tshark.out"
	assert_line --index 0 --regexp ' 198\.51\.100\.7 → 192\.0\.2\.1 +TCP 48 40123 → 47123 \[SYN\] Seq=0 Win=65535 Len=0 MSS=65495 WS=16384$'
	assert_line --index 1 --regexp ' 192\.0\.2\.1 → 198\.51\.100\.7 TCP 48 47123 → 40123 \[SYN, ACK\] Seq=0 Ack=1 '
	assert_line --index 2 --regexp ' 198\.51\.100\.7 → 192\.0\.2\.1 +TCP 40 40123 → 47123 \[ACK\] Seq=1 Ack=1 '
}

@test "pcap: 16 MiB each way over IPv4: Follow TCP Stream gives back each direction byte for byte" {
	write tcp 4 16777216
	follow
	run grep -E '^Node [01]: ' "$T/tshark.out"
	assert_output 'Node 0: 198.51.100.7:40123
Node 1: 192.0.2.1:47123'
	cmp "$T/in" "$T/node0.bin"
	cmp "$T/out" "$T/node1.bin"
}

@test "pcap: the half-close: our FIN, then the peer's bytes, its FIN, our last ACK" {
	write tcp 4 300000
	tshark_r -T fields -e ip.src -e tcp.flags.fin -e tcp.len \
	    -e tcp.seq -e tcp.ack
	run cat "$T/tshark.err"
	assert_output ''
	# Our FIN comes after our last byte (relative seq 300001) and
	# before some of the peer's data, which acknowledges the FIN.
	run awk '$2 == 1 || $2 == "True" { print NR": "$0 }' "$T/tshark.out"
	assert_line --index 0 --regexp '^[0-9]+: 192\.0\.2\.1	(1|True)	0	300001	[0-9]+$'
	assert_line --index 1 --regexp '^[0-9]+: 198\.51\.100\.7	(1|True)	0	300001	300002$'
	[ "${#lines[@]}" -eq 2 ]
	fin=${lines[0]%%:*}
	run awk -v fin="$fin" 'NR > fin && $1 == "198.51.100.7" && $3 > 0 &&
	    $5 == 300002 { n++ } END { print n + 0 }' "$T/tshark.out"
	[ "$output" -gt 0 ]
	run tail -1 "$T/tshark.out"
	assert_output --regexp '^192\.0\.2\.1	(0|False)	0	300002	300002$'
}

@test "pcap: TCP over IPv6: read without a remark and followed byte for byte" {
	write tcp 6 1048576
	read_cleanly
	run grep -c ' 2001:db8::1 → 2001:db8:ffff::7 TCP ' "$T/tshark.out"
	[ "$output" -gt 10 ]
	follow
	run grep -E '^Node [01]: ' "$T/tshark.out"
	assert_output 'Node 0: [2001:db8:ffff::7]:40123
Node 1: [2001:db8::1]:47123'
	cmp "$T/in" "$T/node0.bin"
	cmp "$T/out" "$T/node1.bin"
}

@test "pcap: a reset: one RST from the peer ends the stream, the bytes before it followed" {
	write rst 4 200000
	read_cleanly
	run tail -1 "$T/tshark.out"
	assert_output --regexp ' 198\.51\.100\.7 → 192\.0\.2\.1 +TCP 40 40123 → 47123 \[RST, ACK\] Seq=200001 Ack=200001 '
	run grep -c 'RST' "$T/tshark.out"
	assert_output 1
	run grep -c 'FIN' "$T/tshark.out"
	assert_output 0
	follow
	cmp "$T/in" "$T/node0.bin"
	cmp "$T/out" "$T/node1.bin"
}

# udp_payloads FAMILY: each datagram's payload as tshark decodes it, one
# hex line per datagram, per sender, compared with what was sent.
udp_payloads() {
	local src=ip.src
	[[ $1 == 6 ]] && src=ipv6.src
	write udp "$1" 2000
	read_cleanly
	run grep -c ' UDP ' "$T/tshark.out"
	assert_output 40
	tshark_r -T fields -e "$src" -e udp.srcport -e udp.payload
	run cat "$T/tshark.err"
	assert_output ''
	awk -F '\t' '$2 == 47123 { print $3 > "'"$T"'/out.got" }
	    $2 == 40123 { print $3 > "'"$T"'/in.got" }' "$T/tshark.out"
	cmp "$T/out" "$T/out.got"
	cmp "$T/in" "$T/in.got"
	# The first datagram each way is empty.
	run head -c 1 "$T/out"
	assert_output ''
}

@test "pcap: UDP datagrams over IPv4: read without a remark, udp.payload equal to each" {
	udp_payloads 4
}

@test "pcap: UDP datagrams over IPv6: read without a remark, udp.payload equal to each" {
	udp_payloads 6
}

@test "pcap: a UDP datagram over the IPv4 limit is cut to 65507 bytes, and still reads cleanly" {
	write udp 4 70000
	read_cleanly
	# The longest datagram each way is exactly the limit.
	run awk 'length($0) > m { m = length($0) } END { print m / 2 }' \
	    "$T/out"
	assert_output 65507
	run awk 'length($0) > m { m = length($0) } END { print m / 2 }' \
	    "$T/in"
	assert_output 65507
	run grep -c ' UDP 65535 [0-9]* → [0-9]* Len=65507$' "$T/tshark.out"
	[ "$output" -ge 2 ]
}
