#!/usr/bin/env bats
#
# The command-line skeleton against the contract's "Everywhere" section
# (design/cli.md): --version, the help texts (byte for byte against
# tests/fixtures/help/), command lookup by name and unique prefix, "did you
# mean", and one usage error of each kind for listen and connect: exit 2,
# nothing on stdout, exactly "sockctl CMD: <message>" and
# "Try 'sockctl CMD --help'." on stderr.  Also long options by unique
# prefix, the hints for other tools' habits, errors that stay one line,
# and --port-file against every kind of file.
#
# No test binds a fixed port: a server binds port 0, and every command runs
# under `timeout`, so a regression that starts a server where a usage
# error was expected fails the test instead of hanging `make check`.
#
# The help goldens change only on purpose.  To regenerate them, from the top
# of the build tree, then read the diff before committing:
#   for c in '' $(src/sockctl __complete); do src/sockctl $c --help > tests/fixtures/help/${c:-sockctl}.txt; done

load test_helper/common

bats_require_minimum_version 1.5.0

FIXTURES=$BATS_TEST_DIRNAME/fixtures/help

# sc ARGS...: `run --separate-stderr` of sockctl ARGS, stdin /dev/null.
# `run` drops trailing newlines, so the exact bytes are kept as well, in
# $BATS_TEST_TMPDIR/stdout and $BATS_TEST_TMPDIR/stderr.
sc() {
	run --separate-stderr sc_exact "$@"
}

sc_exact() {
	local rc=0
	timeout "$WAIT_LIMIT" "$SOCKCTL" "$@" </dev/null \
	    >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr" || rc=$?
	cat "$BATS_TEST_TMPDIR/stdout"
	cat "$BATS_TEST_TMPDIR/stderr" >&2
	return "$rc"
}

# stdout_is FILE: the last sc wrote exactly FILE to stdout.
stdout_is() {
	diff -u "$1" "$BATS_TEST_TMPDIR/stdout" ||
	    fail "stdout is not $1, byte for byte"
}

stdout_empty() {
	[[ ! -s $BATS_TEST_TMPDIR/stdout ]] ||
	    fail "stdout is not empty: '$(cat "$BATS_TEST_TMPDIR/stdout")'"
}

# stderr_is LINE...: the last sc wrote exactly these lines to stderr.
stderr_is() {
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/stderr.want"
	diff -u "$BATS_TEST_TMPDIR/stderr.want" "$BATS_TEST_TMPDIR/stderr" ||
	    fail "stderr is not what was expected"
}

stderr_empty() {
	[[ ! -s $BATS_TEST_TMPDIR/stderr ]] ||
	    fail "stderr is not empty: '$(cat "$BATS_TEST_TMPDIR/stderr")'"
}

# help_is GOLDEN ARGS...: sockctl ARGS prints tests/fixtures/help/GOLDEN
# on stdout, nothing on stderr, and exits 0.
help_is() {
	local golden=$FIXTURES/$1
	shift
	sc "$@"
	[[ $status -eq 0 ]] || fail "sockctl $*: exit $status, not 0"
	stdout_is "$golden"
	stderr_empty
}

# usage MESSAGE CMD ARGS...: sockctl CMD ARGS is a usage error: exit 2,
# nothing on stdout, and on stderr exactly "sockctl CMD: MESSAGE" and the
# hint.
usage() {
	local msg=$1 cmd=$2
	shift
	sc "$@"
	[[ $status -eq 2 ]] || fail "sockctl $*: exit $status, not 2"
	stdout_empty
	stderr_is "sockctl $cmd: $msg" "Try 'sockctl $cmd --help'."
}

# The version configure.ac's AC_INIT gives, when make check did not say.
expected_version() {
	if [[ -n ${SOCKCTL_VERSION:-} ]]; then
		echo "$SOCKCTL_VERSION"
		return
	fi
	sed -n 's/^AC_INIT(\[sockctl\], *\[\([^]]*\)\].*/\1/p' \
	    "$SOCKCTL_SRCDIR/configure.ac"
}

@test "--version and -V print 'sockctl VERSION' on stdout and exit 0" {
	local v opt
	v=$(expected_version)
	[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "no version found: '$v'"
	printf 'sockctl %s\n' "$v" >"$BATS_TEST_TMPDIR/version"
	for opt in --version -V; do
		sc "$opt"
		[[ $status -eq 0 ]] || fail "sockctl $opt: exit $status, not 0"
		stdout_is "$BATS_TEST_TMPDIR/version"
		stderr_empty
	done
}

@test "--help, -h and 'help' print the top-level help" {
	help_is sockctl.txt --help
	help_is sockctl.txt -h
	help_is sockctl.txt help
}

@test "the command table is the contract's commands, each with a golden" {
	run --separate-stderr timeout "$WAIT_LIMIT" "$SOCKCTL" __complete
	assert_success
	assert_output "$(printf '%s\n' listen connect udp-send udp-recv \
	    serve-http chat forward proxy)"
	for c in "${lines[@]}"; do
		[[ -f $FIXTURES/$c.txt ]] || fail "no golden $FIXTURES/$c.txt"
	done
}

@test "listen --help, -h and 'help listen' match the golden" {
	help_is listen.txt listen --help
	help_is listen.txt listen -h
	help_is listen.txt help listen
}

@test "connect --help, -h and 'help connect' match the golden" {
	help_is connect.txt connect --help
	help_is connect.txt connect -h
	help_is connect.txt help connect
}

@test "udp-send --help, -h and 'help udp-send' match the golden" {
	help_is udp-send.txt udp-send --help
	help_is udp-send.txt udp-send -h
	help_is udp-send.txt help udp-send
}

@test "udp-recv --help, -h and 'help udp-recv' match the golden" {
	help_is udp-recv.txt udp-recv --help
	help_is udp-recv.txt udp-recv -h
	help_is udp-recv.txt help udp-recv
}

@test "serve-http --help, -h and 'help serve-http' match the golden" {
	help_is serve-http.txt serve-http --help
	help_is serve-http.txt serve-http -h
	help_is serve-http.txt help serve-http
}

@test "forward --help, -h and 'help forward' match the golden" {
	help_is forward.txt forward --help
	help_is forward.txt forward -h
	help_is forward.txt help forward
}

@test "proxy --help, -h and 'help proxy' match the golden" {
	help_is proxy.txt proxy --help
	help_is proxy.txt proxy -h
	help_is proxy.txt help proxy
}

@test "chat --help, -h and 'help chat' match the golden" {
	help_is chat.txt chat --help
	help_is chat.txt chat -h
	help_is chat.txt help chat
}

@test "--help anywhere among the command's arguments prints its help" {
	help_is listen.txt listen -k 127.0.0.1 0 --help
	help_is connect.txt connect example.com 80 -h
	help_is connect.txt connect -vz --help
}

@test "a unique prefix names its command: 'lis --help', 'help con'" {
	help_is listen.txt lis --help
	help_is listen.txt l -h
	help_is connect.txt help con
	help_is serve-http.txt s --help
	help_is udp-send.txt udp-s --help
}

@test "unknown command 'lisen': did you mean 'listen', exit 2" {
	sc lisen
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: unknown command 'lisen' (did you mean 'listen'?)"

	sc lisen --help
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: unknown command 'lisen' (did you mean 'listen'?)"

	sc conect example.com 80
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: unknown command 'conect' (did you mean 'connect'?)"

	sc help lisen
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: unknown command 'lisen' (did you mean 'listen'?)"
}

@test "unknown command far from every name lists the commands, exit 2" {
	sc frobnicate
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: unknown command 'frobnicate' (commands: listen, connect, udp-send, udp-recv, serve-http, chat, forward, proxy)"
}

@test "an ambiguous prefix 'udp' is a usage error, exit 2" {
	sc udp
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: ambiguous command 'udp' (could be 'udp-send', 'udp-recv')"

	sc udp --help
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: ambiguous command 'udp' (could be 'udp-send', 'udp-recv')"

	sc help udp
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: ambiguous command 'udp' (could be 'udp-send', 'udp-recv')"
}

@test "no command, an unknown global option, and 'help A B' are usage errors" {
	sc
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: missing command" "Try 'sockctl --help'."

	sc -x listen 0
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: unknown option '-x'" "Try 'sockctl --help'."

	sc --verbose listen 0
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: unknown option '--verbose'" "Try 'sockctl --help'."

	sc help listen connect
	assert_equal "$status" 2
	stdout_empty
	stderr_is "sockctl: help takes at most one command" \
	    "Try 'sockctl --help'."
}

# ---- listen: one usage error of each kind --------------------------------

@test "listen: integers out of range for --max-conns and --backlog" {
	usage "invalid value '0' for --max-conns: too small (1-100000)" \
	    listen -m 0 0
	usage "invalid value '100001' for --max-conns: too large (1-100000)" \
	    listen --max-conns=100001 0
	usage "invalid value '99999999999999999999' for --max-conns: too large (1-100000)" \
	    listen --max-conns 99999999999999999999 0
	usage "invalid value '0' for --backlog: too small (1-65535)" \
	    listen --backlog 0 0
	usage "invalid value '65536' for --backlog: too large (1-65535)" \
	    listen --backlog=65536 0
}

@test "listen: a non-numeric --max-conns is 'not a number'" {
	usage "invalid value 'abc' for --max-conns: not a number (1-100000)" \
	    listen --max-conns abc 0
	usage "invalid value '5x' for --max-conns: not a number (1-100000)" \
	    listen -m5x 0
	usage "invalid value '' for --backlog: not a number (1-65535)" \
	    listen --backlog= 0
}

@test "listen: bad durations for -w, -i and -q" {
	local e="expected a number with an optional unit (ms, s, m, h)"
	usage "invalid duration 'abc' for --timeout: $e" listen -w abc 0
	usage "invalid duration '5x' for --timeout: $e" listen -w5x 0
	usage "invalid duration '' for --timeout: $e" listen --timeout= 0
	usage "invalid duration '1d' for --idle-timeout: $e" \
	    listen --idle-timeout=1d 0
	usage "invalid duration '-1' for --quit-after: $e" listen -q -1 0
	usage "invalid duration '99999999999h' for --timeout: too large" \
	    listen -w 99999999999h 0
}

@test "listen: bad PORT and ADDRESS arguments" {
	usage "invalid port '70000': too large (0-65535)" listen 70000
	usage "invalid port '65536': too large (0-65535)" listen 127.0.0.1 65536
	usage "invalid port 'nosuchsvc': unknown service name" listen nosuchsvc
	usage "invalid port '8x': unknown service name" listen 8x
	usage "invalid address '[::1': unbalanced brackets" listen '[::1' 0
	usage "invalid address '[1.2.3.4]': brackets hold an IPv6 address" \
	    listen '[1.2.3.4]' 0
	usage "invalid address 'local host': contains white space or control characters" \
	    listen 'local host' 0
}

@test "listen: unknown options, with 'did you mean' when one is near" {
	usage "unknown option '--keep-opn' (did you mean '--keep-open'?)" \
	    listen --keep-opn 0
	usage "unknown option '--time-out' (did you mean '--timeout'?)" \
	    listen --time-out=5 0
	usage "unknown option '--vrebose' (did you mean '--verbose'?)" \
	    listen 0 --vrebose
	usage "unknown option '--zzzzzzzz'" listen --zzzzzzzz 0
	usage "unknown option '-x'" listen -x 0
	usage "unknown option '-x'" listen -kx 0
	usage "unknown option '-z'" listen -z 0
}

@test "listen: an option missing its value" {
	usage "option '-w' requires a value" listen 0 -w
	usage "option '--timeout' requires a value" listen 0 --timeout
	usage "option '-e' requires a value" listen 0 -kve
	usage "option '--port-file' requires a value" listen 0 --port-file
}

@test "listen: a value given to a flag" {
	usage "option '--keep-open' takes no value" listen --keep-open=yes 0
	usage "option '--verbose' takes no value" listen --verbose=1 0
	usage "option '--help' takes no value" listen --help=x
}

@test "listen: missing, extra and conflicting arguments" {
	usage "missing PORT" listen
	usage "missing PORT" listen -k -v
	usage "extra argument 'extra'" listen 127.0.0.1 0 extra
	usage "missing PATH" listen -U
	usage "extra argument 'b'" listen -U a b
	usage "-4 and -6 cannot be used together" listen -4 -6 0
	usage "-U cannot be used with -4 or -6" listen -U -4 sock
	usage "--send-only and --recv-only cannot be used together" \
	    listen --send-only --recv-only 0
}

# ---- connect: one usage error of each kind -------------------------------

@test "connect: integers out of range for --retry" {
	usage "invalid value '-1' for --retry: too small (0-1000000)" \
	    connect --retry -1 127.0.0.1 9
	usage "invalid value '1000001' for --retry: too large (0-1000000)" \
	    connect --retry=1000001 127.0.0.1 9
}

@test "connect: a non-numeric --retry is 'not a number'" {
	usage "invalid value 'many' for --retry: not a number (0-1000000)" \
	    connect --retry many 127.0.0.1 9
}

@test "connect: bad durations for -w, -i, -q and --retry-delay" {
	local e="expected a number with an optional unit (ms, s, m, h)"
	usage "invalid duration 'abc' for --timeout: $e" \
	    connect -w abc 127.0.0.1 9
	usage "invalid duration '1.5.5' for --timeout: $e" \
	    connect -w1.5.5 127.0.0.1 9
	usage "invalid duration '' for --idle-timeout: $e" \
	    connect -i '' 127.0.0.1 9
	usage "invalid duration '1e3' for --quit-after: $e" \
	    connect -q1e3 127.0.0.1 9
	usage "invalid duration '5x' for --retry-delay: $e" \
	    connect --retry-delay 5x 127.0.0.1 9
}

@test "connect: bad ports for -p, PORT and PORTS" {
	usage "invalid port '70000' for --source-port: too large (0-65535)" \
	    connect -p 70000 127.0.0.1 9
	usage "invalid port 'nosuchsvc' for --source-port: unknown service name" \
	    connect --source-port=nosuchsvc 127.0.0.1 9
	usage "invalid port '-1' for --source-port: too small (0-65535)" \
	    connect -p -1 127.0.0.1 9
	usage "invalid port '70000': too large (0-65535)" \
	    connect 127.0.0.1 70000
	usage "invalid port list '10-5': range start is after its end" \
	    connect -z 127.0.0.1 10-5
	usage "invalid port list '1,,2': empty item" connect -z 127.0.0.1 1,,2
	usage "invalid port list '0-65535,1': more than 65536 ports" \
	    connect -z 127.0.0.1 0-65535,1
}

@test "connect: bad HOST arguments" {
	usage "invalid host '[::1': unbalanced brackets" connect '[::1' 9
	usage "invalid host '[::1': unbalanced brackets" connect -z '[::1' 9
	usage "invalid host '[1.2.3.4]': brackets hold an IPv6 address" \
	    connect -z '[1.2.3.4]' 9
}

@test "connect: unknown options, with 'did you mean' when one is near" {
	usage "unknown option '--tiemout' (did you mean '--timeout'?)" \
	    connect --tiemout 5 127.0.0.1 9
	usage "unknown option '--scna' (did you mean '--scan'?)" \
	    connect 127.0.0.1 9 --scna
	usage "unknown option '--retry-dealy' (did you mean '--retry-delay'?)" \
	    connect --retry-dealy=1 127.0.0.1 9
	usage "unknown option '--zzzzzzzz'" connect --zzzzzzzz 127.0.0.1 9
	usage "unknown option '-k'" connect -k 127.0.0.1 9
}

@test "connect: an option missing its value" {
	usage "option '-s' requires a value" connect 127.0.0.1 9 -s
	usage "option '--exec' requires a value" connect 127.0.0.1 9 --exec
	usage "option '-w' requires a value" connect 127.0.0.1 9 -vw
	usage "option '--retry' requires a value" connect 127.0.0.1 9 --retry
}

@test "connect: a value given to a flag" {
	usage "option '--scan' takes no value" connect --scan=1 127.0.0.1 9
	usage "option '--crlf' takes no value" connect --crlf=yes 127.0.0.1 9
}

@test "connect: missing, extra and conflicting arguments" {
	usage "missing HOST" connect
	usage "missing PORT" connect 127.0.0.1
	usage "missing PORTS" connect -z 127.0.0.1
	usage "extra argument 'extra'" connect 127.0.0.1 9 extra
	usage "missing PATH" connect -U
	usage "extra argument 'b'" connect -U a b
	usage "-4 and -6 cannot be used together" connect -4 -6 127.0.0.1 9
	usage "-z cannot be used with -U" connect -z -U sock 9
	usage "-s and -p cannot be used with -U" connect -U -s 127.0.0.1 sock
}

# ---- options accepted anywhere, bundled, attached, after "--" -------------

@test "bundled flags -kv and attached values -w5 are accepted" {
	help_is listen.txt listen -kv -w5 --help
	help_is listen.txt listen -kvw5 -m8 --backlog=16 --help
	help_is connect.txt connect -vz4 -w5 -p0 -q1 -i2m --help
}

@test "listen -kvw0.2: every bundled option takes effect" {
	sc listen -kvw0.2 127.0.0.1 0
	assert_equal "$status" 1
	stdout_empty
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" '^listening on 127\.0\.0\.1 port [1-9][0-9]*$'
	assert_equal "${stderr_lines[1]}" \
	    "sockctl listen: no connection within 200 ms"
}

@test "options after positionals take effect" {
	local e="expected a number with an optional unit (ms, s, m, h)"

	sc listen 127.0.0.1 0 -v --timeout 250ms
	assert_equal "$status" 1
	stdout_empty
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" '^listening on 127\.0\.0\.1 port [1-9][0-9]*$'
	assert_equal "${stderr_lines[1]}" \
	    "sockctl listen: no connection within 250 ms"

	usage "invalid duration '5x' for --timeout: $e" \
	    listen 127.0.0.1 0 -w5x
}

@test "'--' ends options: a positional may then start with '-'" {
	usage "invalid port '-1': too small (0-65535)" listen -w 1 -- -1
	usage "invalid port '--help': unknown service name" \
	    listen -- --help
	usage "invalid port '-5': too small (0-65535)" connect -- 127.0.0.1 -5

	# A Unix socket named "-sock" is made, waited on, and removed.
	cd "$BATS_TEST_TMPDIR"
	sc listen -U -w 0.2 -- -sock
	assert_equal "$status" 1
	stdout_empty
	stderr_is "sockctl listen: no connection within 200 ms"
	[[ ! -e ./-sock ]] || fail "the socket file -sock was left behind"
}

# ---- long options by unique prefix ---------------------------------------

@test "a unique prefix of a long option is that option: --keep, --verbos" {
	sc listen --keep --verbos --time 200ms --back=8 127.0.0.1 0
	assert_equal "$status" 1
	stdout_empty
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" '^listening on 127\.0\.0\.1 port [1-9][0-9]*$'
	assert_equal "${stderr_lines[1]}" \
	    "sockctl listen: no connection within 200 ms"

	# A bad value is named by the option's full name.
	usage "invalid value '0' for --max-conns: too small (1-100000)" \
	    listen --max 0 0
	usage "option '--keep-open' takes no value" listen --kee=1 0
	usage "option '--timeout' requires a value" listen 0 --tim

	# --retry is exact although --retry-delay starts with it.
	usage "invalid value 'x' for --retry: not a number (0-1000000)" \
	    connect --retry x 127.0.0.1 9
	usage "invalid duration 'x' for --retry-delay: expected a number with an optional unit (ms, s, m, h)" \
	    connect --retry-d x 127.0.0.1 9

	# --help too, where nothing else starts the same way (in listen and
	# connect --hexdump does: there --h and --he are ambiguous).
	help_is listen.txt listen --hel
	help_is chat.txt chat --h
	help_is chat.txt chat 127.0.0.1 9 --he
	usage "ambiguous option '--h' (could be '--help', '--hexdump')" \
	    listen --h
	usage "ambiguous option '--he' (could be '--help', '--hexdump')" \
	    connect 127.0.0.1 9 --he
}

@test "an ambiguous prefix of long options is a usage error naming each" {
	usage "ambiguous option '--re' (could be '--retry', '--retry-delay', '--recv-only')" \
	    connect --re 1 127.0.0.1 9
	usage "ambiguous option '--re' (could be '--retry', '--retry-delay', '--recv-only')" \
	    connect --re=1 127.0.0.1 9
	usage "ambiguous option '--s' (could be '--scan', '--send-only', '--source', '--source-port', '--starttls')" \
	    connect --s 127.0.0.1 9
	usage "ambiguous option '--he' (could be '--help', '--header')" \
	    serve-http --he
	usage "ambiguous option '--h' (could be '--help', '--hidden', '--header')" \
	    serve-http --h
}

@test "top level: --vers and --hel are --version and --help" {
	local v
	v=$(expected_version)
	printf 'sockctl %s\n' "$v" >"$BATS_TEST_TMPDIR/version"
	sc --vers
	assert_equal "$status" 0
	stdout_is "$BATS_TEST_TMPDIR/version"
	stderr_empty
	help_is sockctl.txt --hel
}

# ---- hints for other tools' habits ---------------------------------------

@test "nc's -u, -l and -p get a hint naming the sockctl way" {
	local udp="for UDP use sockctl udp-send or sockctl udp-recv"
	usage "unknown option '-u' ($udp)" listen -u 0
	usage "unknown option '-u' ($udp)" listen -ku 0
	usage "unknown option '--udp' ($udp)" listen --udp 0
	usage "unknown option '-u' ($udp)" connect -u 127.0.0.1 9
	usage "unknown option '-u' (sockctl udp-send always sends UDP)" \
	    udp-send -u 127.0.0.1 9 x
	usage "unknown option '-u' (sockctl udp-recv always receives UDP)" \
	    udp-recv -u 0
	usage "unknown option '-l' (sockctl listen needs no -l)" listen -l 0
	usage "unknown option '-l' (sockctl listen needs no -l)" \
	    listen -lp 8000
	usage "unknown option '-l' (sockctl udp-recv needs no -l)" \
	    udp-recv -l 0
	usage "unknown option '-p' (the port is positional: sockctl listen [ADDRESS] PORT)" \
	    listen -p 8000
	usage "unknown option '-p' (the port is positional: sockctl udp-recv [ADDRESS] PORT)" \
	    udp-recv -p 8000
	usage "unknown option '-l' (to wait for a client, use sockctl listen)" \
	    connect -l 8000
	# Where the command has the option, it is the option.
	usage "invalid port 'x' for --source-port: unknown service name" \
	    connect -p x 127.0.0.1 9
}

@test "HOST:PORT in one argument: did you mean 'HOST PORT'" {
	usage "missing PORT (did you mean 'example.com 80'?)" \
	    connect example.com:80
	usage "missing PORT (did you mean '[::1] 80'?)" connect '[::1]:80'
	usage "missing PORT (did you mean '127.0.0.1 9'?)" chat 127.0.0.1:9
	usage "invalid port 'hello': unknown service name (did you mean '127.0.0.1 9'?)" \
	    udp-send 127.0.0.1:9 hello
	usage "invalid port '127.0.0.1:0': not a number or a service name (did you mean '127.0.0.1 0'?)" \
	    listen 127.0.0.1:0
	# A bare IPv6 address is not HOST:PORT, and the rest is as before.
	usage "missing PORT" connect ::1
	usage "missing PORT" connect example.com
	usage "missing PORT" connect example.com:
	usage "missing PORTS" connect -z example.com
}

@test "serve-http 8000, with no directory 8000: did you mean '-p 8000'" {
	cd "$BATS_TEST_TMPDIR"
	usage "'8000' is not a directory (did you mean '-p 8000'?)" \
	    serve-http 8000
	usage "'0' is not a directory (did you mean '-p 0'?)" serve-http 0
	# A file named 8000 is not a directory either.
	: >8000
	usage "'8000' is not a directory (did you mean '-p 8000'?)" \
	    serve-http 8000
	rm 8000

	# A directory named 8000 is served.
	mkdir 8000
	echo hi >8000/a.txt
	start_server serve-http -p 0 8000 2>"$BATS_TEST_TMPDIR/serve.err"
	run timeout "$WAIT_LIMIT" curl -sS --max-time 5 \
	    "http://127.0.0.1:$PORT/a.txt"
	assert_success
	assert_output hi
}

# ---- values that are usage errors ----------------------------------------

@test "-U '' and a -U path longer than sun_path are usage errors" {
	local long
	long=/tmp/$(printf 'a%.0s' {1..104})	# 108 bytes: one too many
	usage "invalid socket path '': empty path" listen -U ''
	usage "invalid socket path '': empty path" connect -U ''
	usage "invalid socket path '$long': too long (at most 107 bytes)" \
	    listen -U "$long"
	usage "invalid socket path '$long': too long (at most 107 bytes)" \
	    connect -U "$long"
	usage "invalid socket path '@$long': too long (at most 107 bytes after '@')" \
	    connect -U "@$long"
	usage "invalid socket path '@': empty abstract name" listen -U @
	[[ ! -e $long ]] || fail "$long was created"
}

@test "-H with CR or LF is a usage error whose message stays one line" {
	cd "$BATS_TEST_TMPDIR"
	usage 'invalid header '\''X-A: b\r\nX-B: c'\'': control character' \
	    serve-http -p 0 -H $'X-A: b\r\nX-B: c'
	usage 'invalid header '\''X-A: b\nSet-Cookie: x'\'': control character' \
	    serve-http -p 0 -H $'X-A: b\nSet-Cookie: x'
	usage 'invalid header '\''X-A: b\r'\'': control character' \
	    serve-http -p 0 --header=$'X-A: b\r'
}

@test "every error is one line: control characters in a value are escaped" {
	usage 'invalid port '\''a\nb'\'': not a number or a service name' \
	    listen $'a\nb'
	usage 'invalid host '\''ex\tample'\'': contains white space or control characters' \
	    connect $'ex\tample' 80
	usage 'unknown option '\''--a\x1b[2J'\''' listen $'--a\e[2J' 0

	# A runtime error (exit 1) too.
	sc connect -U "$BATS_TEST_TMPDIR/no"$'\n'"such"
	assert_equal "$status" 1
	stdout_empty
	stderr_is "sockctl connect: connect to $BATS_TEST_TMPDIR/no\\nsuch: No such file or directory"
}

# ---- --help -------------------------------------------------------------

@test "--help explains DUR once, as its last line, when a command has one" {
	local cmd n
	sc __complete
	assert_equal "$status" 0
	for cmd in "${lines[@]}"; do
		sc "$cmd" --help
		assert_equal "$status" 0
		n=$(grep -c '^  .* DUR  *[a-z]' "$BATS_TEST_TMPDIR/stdout") ||
		    true
		if ((n > 0)); then
			assert_equal "$(grep -c '^DUR ' "$BATS_TEST_TMPDIR/stdout")" 1
			assert_equal "${lines[-1]}" \
			    "DUR is a number of seconds with an optional unit: 2, 1.5, 250ms, 3s, 2m, 1h."
			assert_equal "${lines[-2]}" \
			    "  -h, --help                show this help and exit"
		else
			refute_output --partial DUR
		fi
	done
	sc --help
	refute_output --partial DUR
}

# ---- --port-file --------------------------------------------------------

# kinds DIR: one line per entry of DIR: name, file type, inode.
kinds() {
	(cd "$1" && stat -c '%n %F %i' -- * .[!.]* 2>/dev/null | sort)
}

@test "--port-file replaces a regular file, creates a new one, leaves no temp" {
	local d=$BATS_TEST_TMPDIR/pf port
	mkdir "$d"
	echo old >"$d/reg"
	sc listen -v -w 0.2 --port-file "$d/reg" 127.0.0.1 0
	assert_equal "$status" 1
	port=${stderr_lines[0]##* }
	[[ $port =~ ^[1-9][0-9]*$ ]] || fail "no port in '${stderr_lines[0]}'"
	printf '%s\n' "$port" >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$d/reg"

	sc listen -w 0.2 --port-file "$d/new" 127.0.0.1 0
	assert_equal "$status" 1
	stderr_is "sockctl listen: no connection within 200 ms"
	[[ $(<"$d/new") =~ ^[1-9][0-9]*$ ]] || fail "new: '$(<"$d/new")'"
	assert_equal "$(ls -A "$d" | tr '\n' ' ')" "new reg "
	assert_equal "$(stat -c %a "$d/new")" 644
}

@test "--port-file never replaces a FIFO, directory, symlink, socket or device" {
	local d=$BATS_TEST_TMPDIR/pf kind name path
	mkdir "$d"
	mkfifo "$d/fifo"
	mkdir "$d/dir"
	echo keep >"$d/target"
	ln -s target "$d/link"
	ln -s nowhere "$d/dangling"
	"${PYTHON3:-python3}" -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$d/sock"
	# A device node needs root; as root, rename(2) would replace it.
	if ((EUID == 0)); then
		mknod "$d/null" c 1 3
	fi
	kinds "$d" >"$BATS_TEST_TMPDIR/before"
	for kind in "fifo:a FIFO" "dir:a directory" "link:a symbolic link" \
	    "dangling:a symbolic link" "sock:a socket" \
	    "null:a character device"; do
		name=${kind%%:*}
		path=$d/$name
		[[ -e $path || -L $path ]] || continue
		sc listen -w 1 --port-file "$path" 127.0.0.1 0
		[[ $status -eq 1 ]] || fail "$name: exit $status, not 1"
		stdout_empty
		stderr_is "sockctl listen: port file $path: is ${kind#*:}, not a regular file"
	done
	kinds "$d" >"$BATS_TEST_TMPDIR/after"
	diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" ||
	    fail "a file in $d was replaced, or a temporary file was left"
	assert_equal "$(<"$d/target")" keep
	[[ ! -e $d/nowhere ]] || fail "the dangling symlink's target was made"
	assert_equal "$(ls -A "$d/dir")" ""
}

@test "--port-file: every server command refuses a FIFO the same way" {
	local f=$BATS_TEST_TMPDIR/fifo
	mkfifo "$f"
	cd "$BATS_TEST_TMPDIR"
	sc listen -w 1 --port-file "$f" 127.0.0.1 0
	assert_equal "$status" 1
	stderr_is "sockctl listen: port file $f: is a FIFO, not a regular file"
	sc udp-recv -w 1 --port-file "$f" 127.0.0.1 0
	assert_equal "$status" 1
	stderr_is "sockctl udp-recv: port file $f: is a FIFO, not a regular file"
	sc chat -l --port-file "$f" 127.0.0.1 0
	assert_equal "$status" 1
	stderr_is "sockctl chat: port file $f: is a FIFO, not a regular file"
	sc serve-http -p 0 --port-file "$f" .
	assert_equal "$status" 1
	stderr_is "sockctl serve-http: port file $f: is a FIFO, not a regular file"
	[[ -p $f ]] || fail "$f is no longer a FIFO"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR" | grep -c '^fifo')" 1
}
