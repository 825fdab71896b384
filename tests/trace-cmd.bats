#!/usr/bin/env bats
#
# --trace, --hexdump and --pcap (design/cli.md, "Tracing") on the real
# commands: connect, listen (with -k and -e), forward (TCP and --udp),
# udp-send and udp-recv (with -U).  The peers of tests/fixtures/tracepeer.py
# exchange known bytes (NUL, CR LF, bytes >= 0x80, backslashes, lines
# longer than a trace line) in a strict ping-pong, so the directions
# interleave in a known order; tests/test_helper/tracedec.py decodes each
# text log back to the bytes of each direction, and tshark (the real
# reader) reads each capture with every check on and follows the stream.

load test_helper/stream
load test_helper/tshark

PEER=$BATS_TEST_DIRNAME/fixtures/tracepeer.py
DEC=$BATS_TEST_DIRNAME/test_helper/tracedec.py

setup() {
	T=$BATS_TEST_TMPDIR
	export T
}

need_tshark() {
	command -v tshark >/dev/null || skip "tshark is not installed"
}

# peer ROLE ARGS...: tracepeer.py in the background; sets PEER_PID.
peer() {
	timeout 60 "$PYTHON3" "$PEER" "$@" </dev/null 3>&- &
	PEER_PID=$!
	track "$PEER_PID"
}

# peer_ok [PID]: the peer ended, content with every byte it got.
peer_ok() {
	wait_for_exit "${1:-$PEER_PID}" ||
	    fail "tracepeer ${1:-$PEER_PID} did not exit"
	[[ $status -eq 0 ]] || fail "tracepeer exited $status"
}

# bg OUT ERR CMD ARGS...: `sockctl CMD ARGS` in the background with stdin
# from $IN (default /dev/null); sets BG_PID.
bg() {
	local out=$1 err=$2
	shift 2
	timeout 60 "$SOCKCTL" "$@" <"${IN:-/dev/null}" >"$out" 2>"$err" 3>&- &
	BG_PID=$!
	track "$BG_PID"
}

# sc_ok PID: the sockctl in the background exited 0.
sc_ok() {
	wait_for_exit "$1" || fail "sockctl $1 did not exit"
	[[ $status -eq 0 ]] || fail "sockctl exited $status"
}

# decode FORMAT LOG DIR: tracedec.py, which must find nothing wrong.
decode() {
	run "$PYTHON3" "$DEC" "$1" "$2" "$3"
	assert_success
	assert_output ''
}

# flow DIR ID: connection ID's records in order, a run of chunks of one
# direction as one: "open > < > < >EOF < <EOF".
flow() {
	awk -v id="$2" '
		$1 != id { next }
		{
			if ($2 == "open") t = "open"
			else if ($3 ~ /^[0-9]+$/) t = $2
			else t = $2 $3
			if (t != last || (t != ">" && t != "<"))
				printf "%s%s", (n++ ? " " : ""), t
			last = t
		}
		END { print "" }' "$1/events"
}

# same FILE1 FILE2: the two files hold the same bytes.
same() {
	cmp "$1" "$2" || fail "$1 and $2 differ"
}

# ---- connect and listen ----

@test "trace-cmd: connect --trace and --hexdump decode to each direction's bytes, in the order they moved" {
	mkfifo "$T/stdin"
	peer remote --listen "$T/pp" --fifo "$T/stdin" --out "$T/want"
	wait_for_file "$T/pp"
	IN=$T/stdin bg "$T/stdout" "$T/stderr" connect --trace "$T/t.txt" \
	    --hexdump "$T/h.txt" 127.0.0.1 "$(<"$T/pp")"
	sc_ok "$BG_PID"
	peer_ok
	run cat "$T/stderr"
	assert_output ''
	same "$T/want/in" "$T/stdout"
	for f in text:t.txt hex:h.txt; do
		decode "${f%%:*}" "$T/${f#*:}" "$T/${f%%:*}"
		same "$T/want/out" "$T/${f%%:*}/0.out"
		same "$T/want/in" "$T/${f%%:*}/0.in"
		run flow "$T/${f%%:*}" 0
		assert_output 'open > < > < >EOF < <EOF'
	done
	run grep -c ' open 127\.0\.0\.1 port [0-9]* > 127\.0\.0\.1 port '"$(<"$T/pp")"'$' "$T/t.txt"
	assert_output 1
}

@test "trace-cmd: connect --trace - keeps stdout the payload alone" {
	mkfifo "$T/stdin"
	peer remote --listen "$T/pp" --fifo "$T/stdin" --out "$T/want"
	wait_for_file "$T/pp"
	IN=$T/stdin bg "$T/stdout" "$T/stderr" connect --trace - \
	    127.0.0.1 "$(<"$T/pp")"
	sc_ok "$BG_PID"
	peer_ok
	same "$T/want/in" "$T/stdout"
	decode text "$T/stderr" "$T/d"
	same "$T/want/out" "$T/d/0.out"
	same "$T/want/in" "$T/d/0.in"
}

@test "trace-cmd: listen: the three logs of one session; tshark follows the pcap with our FIN before the peer's" {
	need_tshark
	mkfifo "$T/stdin"
	peer remote --dial "$T/pf" --fifo "$T/stdin" --out "$T/want"
	IN=$T/stdin bg "$T/stdout" "$T/stderr" listen --port-file "$T/pf" \
	    --trace "$T/t.txt" --hexdump "$T/h.txt" --pcap "$T/c.pcap" \
	    127.0.0.1 0
	sc_ok "$BG_PID"
	peer_ok
	run cat "$T/stderr"
	assert_output ''
	same "$T/want/in" "$T/stdout"
	for f in text:t.txt hex:h.txt; do
		decode "${f%%:*}" "$T/${f#*:}" "$T/${f%%:*}"
		same "$T/want/out" "$T/${f%%:*}/0.out"
		same "$T/want/in" "$T/${f%%:*}/0.in"
		run flow "$T/${f%%:*}" 0
		assert_output 'open > < > < >EOF < <EOF'
	done
	read_cleanly
	# The client's handshake, to our port.
	run head -1 "$T/tshark.out"
	assert_output --regexp " 127\.0\.0\.1 → 127\.0\.0\.1 +TCP 48 [0-9]+ → $(<"$T/pf") \[SYN\] "
	follow
	same "$T/want/in" "$T/node0.bin"
	same "$T/want/out" "$T/node1.bin"
	# Our half-close first, the client's data after it, then its FIN.
	tshark_r -Y 'tcp.flags.fin == 1 || tcp.len > 0' -T fields \
	    -e tcp.srcport -e tcp.flags.fin
	run awk -v me="$(<"$T/pf")" '$2 == 1 { print ($1 == me ? "ours" : "peer") }
	    $2 == 0 && $1 != me && fin { late = 1 }
	    $2 == 1 && $1 == me { fin = 1 }
	    END { print late ? "data after our FIN" : "none after" }' \
	    "$T/tshark.out"
	assert_output 'ours
peer
data after our FIN'
}

@test "trace-cmd: connect --pcap over IPv6: tshark reads it cleanly and follows each direction" {
	need_tshark
	need_ipv6
	mkfifo "$T/stdin"
	peer remote --six --listen "$T/pp" --fifo "$T/stdin" --out "$T/want"
	wait_for_file "$T/pp"
	IN=$T/stdin bg "$T/stdout" "$T/stderr" connect --pcap "$T/c.pcap" \
	    ::1 "$(<"$T/pp")"
	sc_ok "$BG_PID"
	peer_ok
	same "$T/want/in" "$T/stdout"
	read_cleanly
	run grep -c ' ::1 → ::1 ' "$T/tshark.out"
	[ "$output" -gt 8 ]
	follow
	same "$T/want/out" "$T/node0.bin"
	same "$T/want/in" "$T/node1.bin"
}

@test "trace-cmd: connect --pcap of 16 MiB each way: tshark follows both directions byte for byte" {
	need_tshark
	head -c 16777216 /dev/urandom >"$T/up"
	head -c 16777216 /dev/urandom >"$T/down"
	IN=$T/down bg "$T/got.up" "$T/l.err" listen --port-file "$T/pf" \
	    127.0.0.1 0
	local lpid=$BG_PID
	wait_for_file "$T/pf"
	IN=$T/up bg "$T/got.down" "$T/c.err" connect --pcap "$T/c.pcap" \
	    127.0.0.1 "$(<"$T/pf")"
	sc_ok "$BG_PID"
	sc_ok "$lpid"
	same "$T/up" "$T/got.up"
	same "$T/down" "$T/got.down"
	read_cleanly
	follow
	same "$T/up" "$T/node0.bin"
	same "$T/down" "$T/node1.bin"
}

@test "trace-cmd: a reset by the peer: '< reset' in the log, one RST from the peer in the pcap" {
	need_tshark
	mkfifo "$T/stdin"
	peer reset --listen "$T/pp" --fifo "$T/stdin"
	wait_for_file "$T/pp"
	IN=$T/stdin bg "$T/stdout" "$T/stderr" connect --trace "$T/t.txt" \
	    --pcap "$T/c.pcap" 127.0.0.1 "$(<"$T/pp")"
	wait_for_exit "$BG_PID"
	[ "$status" -eq 1 ]
	peer_ok
	run cat "$T/stderr"
	assert_output "sockctl connect: 127.0.0.1 port $(<"$T/pp"): Connection reset by peer"
	decode text "$T/t.txt" "$T/d"
	run flow "$T/d" 0
	assert_output 'open > <reset'
	tshark_r -Y 'tcp.flags.reset == 1' -T fields -e tcp.srcport
	run cat "$T/tshark.err" "$T/tshark.out"
	assert_output "$(<"$T/pp")"
}

@test "trace-cmd: connect --exec: the command's bytes are traced, and it still gets and gives them all" {
	peer echo --listen "$T/pp" --out "$T/want"
	wait_for_file "$T/pp"
	bg "$T/stdout" "$T/stderr" connect -e cat --trace "$T/t.txt" \
	    --hexdump "$T/h.txt" 127.0.0.1 "$(<"$T/pp")"
	sc_ok "$BG_PID"
	peer_ok
	run cat "$T/stderr" "$T/stdout"
	assert_output ''
	for f in text:t.txt hex:h.txt; do
		decode "${f%%:*}" "$T/${f#*:}" "$T/${f%%:*}"
		same "$T/want/out" "$T/${f%%:*}/0.in"
		same "$T/want/out" "$T/${f%%:*}/0.out"
	done
	run flow "$T/text" 0
	assert_output 'open < > < > <EOF >EOF'
}

@test "trace-cmd: listen -k numbers its clients in the trace" {
	bg "$T/stdout" "$T/stderr" listen -k --recv-only --port-file "$T/pf" \
	    --trace "$T/t.txt" --hexdump "$T/h.txt" 127.0.0.1 0
	wait_for_file "$T/pf"
	printf 'one\0\r\n\x80' >"$T/a"
	printf 'two\\x41\t\xff\n' >"$T/b"
	timeout 10 "$SOCKCTL" connect 127.0.0.1 "$(<"$T/pf")" <"$T/a" 3>&-
	timeout 10 "$SOCKCTL" connect 127.0.0.1 "$(<"$T/pf")" <"$T/b" 3>&-
	kill -TERM "$BG_PID"
	wait_for_exit "$BG_PID"
	[ "$status" -eq 0 ]
	cat "$T/a" "$T/b" >"$T/ab"
	same "$T/ab" "$T/stdout"
	for f in text:t.txt hex:h.txt; do
		decode "${f%%:*}" "$T/${f#*:}" "$T/${f%%:*}"
		same "$T/a" "$T/${f%%:*}/1.in"
		same "$T/b" "$T/${f%%:*}/2.in"
		run flow "$T/${f%%:*}" 1
		assert_output 'open < <EOF >EOF'
		run flow "$T/${f%%:*}" 2
		assert_output 'open < <EOF >EOF'
	done
}

@test "trace-cmd: an IPv4 client of a socket on :: is named as -v names it, not ::ffff:" {
	bg "$T/stdout" "$T/stderr" listen -v --recv-only --port-file "$T/pf" \
	    --trace "$T/t.txt" :: 0
	wait_for_file "$T/pf"
	run timeout 10 "$SOCKCTL" connect -v 127.0.0.1 "$(<"$T/pf")" </dev/null
	assert_success
	sc_ok "$BG_PID"
	run grep -c 'ffff' "$T/t.txt"
	assert_output 0
	run grep -E '^connection from ' "$T/stderr"
	assert_output --regexp '^connection from 127\.0\.0\.1 port [0-9]+$'
	local cport=${output##* }
	run head -1 "$T/t.txt"
	assert_output --regexp "Z open 127\.0\.0\.1 port $(<"$T/pf") > 127\.0\.0\.1 port $cport\$"
}

@test "trace-cmd: listen -k -e: clients at once, each numbered, each traced whole" {
	bg "$T/stdout" "$T/stderr" listen -k -e cat --port-file "$T/pf" \
	    --trace "$T/t.txt" --pcap "$T/c.pcap" 127.0.0.1 0
	wait_for_file "$T/pf"
	peer echo --dial "$T/pf"
	local p1=$PEER_PID
	peer echo --dial "$T/pf"
	peer_ok "$p1"
	peer_ok
	# Each handler writes its trace as its connection ends.
	for ((i = 0; i < 500; i++)); do
		(($(grep -c ' > EOF$' "$T/t.txt") == 2)) && break
		sleep 0.02
	done
	kill -TERM "$BG_PID"
	wait_for_exit "$BG_PID"
	run cat "$T/stderr" "$T/stdout"
	assert_output ''
	decode text "$T/t.txt" "$T/d"
	for id in 1 2; do
		run flow "$T/d" "$id"
		assert_output 'open < > < > <EOF >EOF'
		same "$T/d/$id.in" "$T/d/$id.out"
		[ "$(stat -c %s "$T/d/$id.in")" -eq 1051 ]
	done
	if command -v tshark >/dev/null; then
		read_cleanly
		run grep -c '\[SYN\]' "$T/tshark.out"
		assert_output 2
	fi
}

@test "trace-cmd: listen -k -e into FIFOs: the handlers' records never cut into each other" {
	local i pids=() rpids=()
	head -c 3145728 /dev/urandom >"$T/up"
	mkfifo "$T/pcap.fifo" "$T/text.fifo"
	timeout 60 cat "$T/pcap.fifo" >"$T/c.pcap" 3>&- &
	rpids+=($!)
	track $!
	timeout 60 cat "$T/text.fifo" >"$T/t.txt" 3>&- &
	rpids+=($!)
	track $!
	bg "$T/stdout" "$T/stderr" listen -k -e cat --port-file "$T/pf" \
	    --pcap "$T/pcap.fifo" --trace "$T/text.fifo" 127.0.0.1 0
	local lpid=$BG_PID
	wait_for_file "$T/pf"
	for i in 1 2 3; do
		IN=$T/up bg "$T/got$i" "$T/c$i.err" connect 127.0.0.1 \
		    "$(<"$T/pf")"
		pids+=("$BG_PID")
	done
	for i in 0 1 2; do
		sc_ok "${pids[$i]}"
		same "$T/up" "$T/got$((i + 1))"
	done
	# Each handler writes the rest of its trace as it ends.
	for ((i = 0; i < WAIT_LIMIT * 50; i++)); do
		(($(grep -c ' > EOF$' "$T/t.txt") == 3)) && break
		sleep 0.02
	done
	kill -TERM "$lpid"
	wait_for_exit "$lpid"
	for i in 0 1; do
		wait_for_exit "${rpids[$i]}" || fail "a FIFO reader did not end"
	done
	decode text "$T/t.txt" "$T/d"
	for i in 1 2 3; do
		same "$T/up" "$T/d/$i.in"
		same "$T/up" "$T/d/$i.out"
	done
	if command -v tshark >/dev/null; then
		read_cleanly
		run grep -c '\[SYN\]' "$T/tshark.out"
		assert_output 3
	fi
}

@test "trace-cmd: listen -e cat, traced (and over TLS): 4 MiB each way, no deadlock between the relay and the command" {
	local o
	head -c 4194304 /dev/urandom >"$T/up"
	for o in --trace --tls; do
		rm -f "$T/pf"
		if [[ $o == --trace ]]; then
			bg "$T/stdout" "$T/stderr" listen -e cat --port-file \
			    "$T/pf" --trace "$T/t.txt" 127.0.0.1 0
		else
			"$SOCKCTL" connect --tls --tls-key k h 1 2>&1 |
			    grep -q 'built without' && break
			bg "$T/stdout" "$T/stderr" listen -e cat --tls \
			    --port-file "$T/pf" 127.0.0.1 0
		fi
		local lpid=$BG_PID
		wait_for_file "$T/pf"
		IN=$T/up bg "$T/got" "$T/c.err" connect \
		    $([[ $o == --tls ]] && echo --tls --insecure) \
		    127.0.0.1 "$(<"$T/pf")"
		sc_ok "$BG_PID"
		sc_ok "$lpid"
		same "$T/up" "$T/got"
	done
	decode text "$T/t.txt" "$T/d"
	same "$T/up" "$T/d/0.in"
	same "$T/up" "$T/d/0.out"
}

@test "trace-cmd: a trace file that cannot be written: one line, and every byte still relayed" {
	head -c 1048576 /dev/urandom >"$T/up"
	head -c 1048576 /dev/urandom >"$T/down"
	IN=$T/down bg "$T/got.up" "$T/l.err" listen --port-file "$T/pf" \
	    127.0.0.1 0
	local lpid=$BG_PID
	wait_for_file "$T/pf"
	IN=$T/up bg "$T/got.down" "$T/c.err" connect --trace /dev/full \
	    --hexdump "$T/h.txt" 127.0.0.1 "$(<"$T/pf")"
	sc_ok "$BG_PID"
	sc_ok "$lpid"
	run cat "$T/c.err"
	assert_output 'sockctl connect: trace /dev/full: No space left on device'
	same "$T/up" "$T/got.up"
	same "$T/down" "$T/got.down"
	# The other file goes on.
	decode hex "$T/h.txt" "$T/d"
	same "$T/up" "$T/d/0.out"
	same "$T/down" "$T/d/0.in"
}

@test "trace-cmd: usage: --pcap - and one file for pcap and text; an unwritable file is a runtime error" {
	run -2 "$SOCKCTL" connect --pcap - 127.0.0.1 9
	assert_output "sockctl connect: --pcap needs a file: a capture cannot go to stderr
Try 'sockctl connect --help'."
	run -2 "$SOCKCTL" udp-recv --trace "$T/x" --pcap "$T/x" 0
	assert_output "sockctl udp-recv: --pcap cannot write to the file of --trace
Try 'sockctl udp-recv --help'."
	run -2 "$SOCKCTL" connect -z --hexdump "$T/x" 127.0.0.1 9
	assert_output "sockctl connect: -z cannot be used with --hexdump
Try 'sockctl connect --help'."
	run -1 "$SOCKCTL" listen --trace "$T/no/such" 0
	assert_output "sockctl listen: trace $T/no/such: No such file or directory"
	printf 'not a capture' >"$T/text"
	run -1 "$SOCKCTL" forward --pcap "$T/text" 0 127.0.0.1:9
	assert_output "sockctl forward: trace $T/text: not a pcap file of raw IP packets (LINKTYPE_RAW) to append to"
}

@test "trace-cmd: one file by two names: --pcap refuses it, --trace and --hexdump share it in order" {
	run -1 timeout 10 "$SOCKCTL" connect --trace "$T/x" --pcap "$T/./x" \
	    127.0.0.1 9
	assert_output "sockctl connect: trace $T/./x: --pcap cannot write to the file of --trace"
	[ ! -s "$T/x" ]
	ln -s "$T/x" "$T/link"
	run -1 timeout 10 "$SOCKCTL" connect --hexdump "$T/x" --pcap "$T/link" \
	    127.0.0.1 9
	assert_output "sockctl connect: trace $T/link: --pcap cannot write to the file of --hexdump"
	[ ! -s "$T/x" ]
	# Both text logs through two names: each chunk's two bodies in turn.
	start_server listen --recv-only 0 </dev/null >/dev/null
	printf 'ab\n' >"$T/up"
	run timeout 10 "$SOCKCTL" connect --trace "$T/y" --hexdump "$T/./y" \
	    127.0.0.1 "$PORT" <"$T/up"
	assert_success
	run sed -n '2,5p' "$T/y"
	assert_line --index 0 --regexp 'Z > 3 bytes$'
	assert_line --index 1 'ab\n'
	assert_line --index 2 --regexp 'Z > 3 bytes$'
	assert_line --index 3 '00000000  61 62 0a                                          |ab.|'
}

# ---- forward ----

@test "trace-cmd: forward names each client's connection; its logs decode to what each side sent" {
	need_tshark
	peer server --count 2 --listen "$T/bp" --out "$T/want"
	local bpid=$PEER_PID
	wait_for_file "$T/bp"
	bg "$T/stdout" "$T/stderr" forward --port-file "$T/pf" \
	    --trace "$T/t.txt" --hexdump "$T/h.txt" --pcap "$T/c.pcap" \
	    127.0.0.1:0 127.0.0.1:"$(<"$T/bp")"
	wait_for_file "$T/pf"
	peer client --dial "$T/pf"
	peer_ok
	peer client --dial "$T/pf"
	peer_ok
	peer_ok "$bpid"
	for ((i = 0; i < 500; i++)); do
		(($(grep -c ' > EOF$' "$T/t.txt") == 2)) && break
		sleep 0.02
	done
	kill -TERM "$BG_PID"
	wait_for_exit "$BG_PID"
	[ "$status" -eq 0 ]
	run cat "$T/stderr" "$T/stdout"
	assert_output ''
	for f in text:t.txt hex:h.txt; do
		decode "${f%%:*}" "$T/${f#*:}" "$T/${f%%:*}"
		for id in 1 2; do
			# "<" is what the client sent, ">" what it got.
			same "$T/want/out" "$T/${f%%:*}/$id.in"
			same "$T/want/in" "$T/${f%%:*}/$id.out"
			run flow "$T/${f%%:*}" "$id"
			assert_output 'open < > < > <EOF > >EOF'
		done
	done
	read_cleanly
	follow
	same "$T/want/out" "$T/node0.bin"
	same "$T/want/in" "$T/node1.bin"
}

@test "trace-cmd: forward passes a reset on: '> reset' to the client in the log, and in the pcap" {
	need_tshark
	peer reset --listen "$T/bp"
	wait_for_file "$T/bp"
	bg "$T/stdout" "$T/stderr" forward --port-file "$T/pf" \
	    --trace "$T/t.txt" --pcap "$T/c.pcap" 127.0.0.1:0 \
	    127.0.0.1:"$(<"$T/bp")"
	wait_for_file "$T/pf"
	run "$PYTHON3" -c 'import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
try:
    while c.recv(65536):
        pass
    print("eof")
except ConnectionResetError:
    print("reset")' "$(<"$T/pf")" 'GET / HTTP/1.0\r\nHost: x\r\n\r\n'
	assert_output reset
	peer_ok
	wait_for_line "$T/t.txt" ' > reset$'
	kill -TERM "$BG_PID"
	wait_for_exit "$BG_PID"
	decode text "$T/t.txt" "$T/d"
	run flow "$T/d" 1
	assert_output 'open < >reset'
	tshark_r -Y 'tcp.flags.reset == 1' -T fields -e tcp.srcport
	run cat "$T/tshark.err" "$T/tshark.out"
	assert_output "$(<"$T/pf")"
}

# ---- datagrams ----

# dgrams FILE: the datagrams of FILE (11 bytes each) as hex, one a line.
dgrams() {
	xxd -p -c 11 "$1"
}

@test "trace-cmd: udp-recv and udp-send: each datagram in the logs, numbered senders, udp.payload equal to each" {
	need_tshark
	printf 'a\0b\r\nc\x80\xff\\d\t' >"$T/A"
	printf 'B\0\0\r\n\xfe\xc3\xa9z\n\n' >>"$T/A"
	printf 'x\\x0y\r\n\x7f\x80\x81\x82' >>"$T/A"
	LC_ALL=C tr 'a-z' 'A-Z' <"$T/A" >"$T/B"
	bg "$T/recv.out" "$T/recv.err" udp-recv -f raw --echo -c 6 \
	    --port-file "$T/pf" --trace "$T/t.txt" --hexdump "$T/h.txt" \
	    --pcap "$T/c.pcap" 127.0.0.1 0
	local rpid=$BG_PID
	wait_for_file "$T/pf"
	IN=$T/A bg "$T/a.out" "$T/a.err" udp-send --chunk 11 -r -w 1s \
	    --trace "$T/ta.txt" 127.0.0.1 "$(<"$T/pf")"
	local apid=$BG_PID
	IN=$T/B bg "$T/b.out" "$T/b.err" udp-send --chunk 11 -r -w 1s \
	    --trace "$T/tb.txt" 127.0.0.1 "$(<"$T/pf")"
	sc_ok "$rpid"
	sc_ok "$apid"
	sc_ok "$BG_PID"
	run cat "$T/recv.err" "$T/a.err" "$T/b.err"
	assert_output ''
	for f in text:t.txt hex:h.txt; do
		decode "${f%%:*}" "$T/${f#*:}" "$T/${f%%:*}"
		# Sender #1 is whichever came first.
		if cmp -s "$T/A" "$T/${f%%:*}/1.in"; then
			same "$T/B" "$T/${f%%:*}/2.in"
		else
			same "$T/B" "$T/${f%%:*}/1.in"
			same "$T/A" "$T/${f%%:*}/2.in"
		fi
		for id in 1 2; do
			same "$T/${f%%:*}/$id.in" "$T/${f%%:*}/$id.out"
			run grep -c "^$id [<>] 11\$" "$T/${f%%:*}/events"
			assert_output 6
		done
	done
	for s in a b; do
		decode text "$T/t$s.txt" "$T/d$s"
		same "$T/${s^^}" "$T/d$s/0.out"
		same "$T/${s^^}" "$T/d$s/0.in"
		run flow "$T/d$s" 0
		assert_output 'open > <'
	done
	read_cleanly
	run grep -c ' UDP ' "$T/tshark.out"
	assert_output 12
	# Each datagram whole, in the order received and echoed.
	tshark_r -T fields -e udp.dstport -e udp.payload
	run cat "$T/tshark.err"
	assert_output ''
	local me=$(<"$T/pf")
	awk -v me="$me" '$1 == me { print $2 }' "$T/tshark.out" >"$T/in.hex"
	awk -v me="$me" '$1 != me { print $2 }' "$T/tshark.out" >"$T/out.hex"
	sort "$T/in.hex" >"$T/in.sorted"
	{ dgrams "$T/A"; dgrams "$T/B"; } | sort >"$T/want.sorted"
	same "$T/want.sorted" "$T/in.sorted"
	same "$T/in.hex" "$T/out.hex"
}

@test "trace-cmd: udp-recv -U: the open line names the paths, the pcap uses loopback" {
	need_tshark
	printf 'a\0b\r\nc\x80\xff\\d\t' >"$T/A"
	bg "$T/recv.out" "$T/recv.err" udp-recv -U -f raw -c 1 \
	    --trace "$T/t.txt" --pcap "$T/c.pcap" "$T/sock"
	local rpid=$BG_PID
	for ((i = 0; i < 500; i++)); do
		[[ -S $T/sock ]] && break
		sleep 0.02
	done
	IN=$T/A bg "$T/a.out" "$T/a.err" udp-send -U --whole "$T/sock"
	sc_ok "$BG_PID"
	sc_ok "$rpid"
	same "$T/A" "$T/recv.out"
	decode text "$T/t.txt" "$T/d"
	same "$T/A" "$T/d/1.in"
	run grep -c "^1 open $T/sock > @" "$T/d/events"
	assert_output 1
	read_cleanly
	tshark_r -T fields -e ip.src -e ip.dst -e udp.payload
	run cat "$T/tshark.out"
	assert_output "127.0.0.1	127.0.0.1	$(xxd -p -c 64 "$T/A")"
}

@test "trace-cmd: forward --udp: each client's session numbered, its datagrams and the replies" {
	printf 'q\0\r\n\x80\xff' >"$T/A"
	bg "$T/recv.out" "$T/recv.err" udp-recv -f raw --echo -c 2 \
	    --port-file "$T/bp" 127.0.0.1 0
	local rpid=$BG_PID
	wait_for_file "$T/bp"
	bg "$T/stdout" "$T/stderr" forward --udp --port-file "$T/pf" \
	    --trace "$T/t.txt" 127.0.0.1:0 127.0.0.1:"$(<"$T/bp")"
	local fpid=$BG_PID
	wait_for_file "$T/pf"
	IN=$T/A bg "$T/a.out" "$T/a.err" udp-send --whole -r -w 1s \
	    127.0.0.1 "$(<"$T/pf")"
	sc_ok "$BG_PID"
	IN=$T/A bg "$T/b.out" "$T/b.err" udp-send --whole -r -w 1s \
	    127.0.0.1 "$(<"$T/pf")"
	sc_ok "$BG_PID"
	sc_ok "$rpid"
	wait_for_line "$T/t.txt" '#2 > 6 bytes$'
	kill -TERM "$fpid"
	wait_for_exit "$fpid"
	decode text "$T/t.txt" "$T/d"
	for id in 1 2; do
		same "$T/A" "$T/d/$id.in"
		same "$T/A" "$T/d/$id.out"
		run flow "$T/d" "$id"
		assert_output 'open < >'
	done
}

# ---- proxy ----

SOCKS5PEER=$BATS_TEST_DIRNAME/fixtures/socks5peer.py

@test "trace-cmd: proxy traces the client's connection from its SOCKS5 handshake through the tunnel to its end" {
	need_tshark
	bg "$T/stdout" "$T/stderr" proxy --port-file "$T/pf" \
	    --trace "$T/t.txt" --hexdump "$T/h.txt" --pcap "$T/c.pcap" \
	    127.0.0.1 0
	wait_for_file "$T/pf"
	run timeout 30 "$PYTHON3" "$SOCKS5PEER" tcp "$(<"$T/pf")" "$T/want"
	assert_success
	wait_for_line "$T/t.txt" '^[^ ]* #1 > EOF$'
	kill -TERM "$BG_PID"
	wait_for_exit "$BG_PID"
	[ "$status" -eq 0 ]
	run cat "$T/stderr" "$T/stdout"
	assert_output ''
	for f in text:t.txt hex:h.txt; do
		decode "${f%%:*}" "$T/${f#*:}" "$T/${f%%:*}"
		# "<" is what the client sent, ">" what it got: greeting,
		# request, data, its EOF; then the late bytes and our EOF.
		same "$T/want/sent" "$T/${f%%:*}/1.in"
		same "$T/want/received" "$T/${f%%:*}/1.out"
		run flow "$T/${f%%:*}" 1
		assert_output 'open < > < > < > <EOF > >EOF'
	done
	read_cleanly
	follow
	same "$T/want/sent" "$T/node0.bin"
	same "$T/want/received" "$T/node1.bin"
}

@test "trace-cmd: proxy traces a UDP ASSOCIATE: the control connection and each datagram with its SOCKS header" {
	need_tshark
	bg "$T/stdout" "$T/stderr" proxy --port-file "$T/pf" \
	    --trace "$T/t.txt" --pcap "$T/c.pcap" 127.0.0.1 0
	wait_for_file "$T/pf"
	run timeout 30 "$PYTHON3" "$SOCKS5PEER" udp "$(<"$T/pf")" "$T/want"
	assert_success
	wait_for_line "$T/t.txt" '^[^ ]* #1 > EOF$'
	kill -TERM "$BG_PID"
	wait_for_exit "$BG_PID"
	[ "$status" -eq 0 ]
	decode text "$T/t.txt" "$T/d"
	cat "$T/want/sent" "$T/want/dgram.out" >"$T/in"
	cat "$T/want/received" "$T/want/dgram.in" >"$T/out"
	same "$T/in" "$T/d/1.in"
	same "$T/out" "$T/d/1.out"
	run flow "$T/d" 1
	assert_output 'open < > < > open < > <EOF >EOF'
	read_cleanly
	tshark_r -Y udp -T fields -e udp.payload
	run cat "$T/tshark.err" "$T/tshark.out"
	assert_output "$(xxd -p -c 100000 "$T/want/dgram.out"; xxd -p -c 100000 "$T/want/dgram.in")"
}
