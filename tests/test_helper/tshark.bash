# tshark, the real reader of our pcap files, for tests/pcap.bats and
# tests/trace.bats: each test writes its capture to $T/c.pcap; these
# read it with every checksum check on and leave what tshark printed in
# $T/tshark.out and $T/tshark.err.

# Checksum validation is off in tshark by default; and by default an IPv4
# total length of 0 is taken for TCP segmentation offload, not an error.
CHECKS=(-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE
	-o ip.check_checksum:TRUE -o ip.tso_support:FALSE)

# tshark ARGS...: tshark on $T/c.pcap with the checks on; stdout in
# $T/tshark.out, stderr in $T/tshark.err less the one line it prints
# for everybody when run as root.
tshark_r() {
	local rc=0
	timeout 120 tshark -n -r "$T/c.pcap" "${CHECKS[@]}" "$@" \
	    >"$T/tshark.out" 2>"$T/tshark.raw" 3>&- || rc=$?
	grep -v '^Running as user "root" and group "root"\. This could be dangerous\.$' \
	    "$T/tshark.raw" >"$T/tshark.err" || true
	return "$rc"
}

# read_cleanly: tshark's summary of every packet has no complaint; the
# summary is left in $T/tshark.out.
read_cleanly() {
	tshark_r
	run cat "$T/tshark.err"
	assert_output ''
	[ -s "$T/tshark.out" ]
	cp "$T/tshark.out" "$T/list"
	# ("[UDP CHECKSUM INCORRECT]", "[Malformed Packet]", ...)
	run grep -Ei 'malformed|checksum|incorrect|exception|illegal|unknown' \
	    "$T/tshark.out"
	assert_failure 1
	# TCP analysis: "[TCP Previous segment not captured]", "[TCP ACKed
	# unseen segment]", "[TCP Window Full]", "[TCP Dup ACK ...]", ...
	run grep -E '\[TCP [A-Z]' "$T/tshark.out"
	assert_failure 1
	# The expert summary sees what the packet list does not show (a bad
	# IPv4 header checksum): no error, no warning, and as notes only
	# those of an orderly close.
	tshark_r -q -z expert,note
	run cat "$T/tshark.err"
	assert_output ''
	run grep -E '^(Errors|Warnings) \(' "$T/tshark.out"
	assert_failure 1
	run awk '/^Notes \(/ { on = 1; next } /^[A-Z][a-z]+ \(/ { on = 0 }
	    on && /^ +[0-9]+ / && !/connection closing$/' "$T/tshark.out"
	assert_output ''
	cp "$T/list" "$T/tshark.out"
}

# follow: Follow TCP Stream 0 in raw hex, split by node into
# $T/node0.bin (the first packet's sender) and $T/node1.bin.
follow() {
	tshark_r -q -z follow,tcp,raw,0
	run cat "$T/tshark.err"
	assert_output ''
	awk '/^Node 1:/ { on = 1; next } /^=+$/ { on = 0 }
	    on && /^\t/ { sub(/^\t/, ""); print > "'"$T"'/node1.hex"; next }
	    on { print > "'"$T"'/node0.hex" }' "$T/tshark.out"
	touch "$T/node0.hex" "$T/node1.hex"
	xxd -r -p "$T/node0.hex" "$T/node0.bin"
	xxd -r -p "$T/node1.hex" "$T/node1.bin"
}

