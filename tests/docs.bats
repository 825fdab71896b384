#!/usr/bin/env bats
# The man page and the shell completions against the command and option
# tables: `sockctl __complete` lists the commands and `sockctl __complete
# CMD` a command's option words, so documentation cannot drift from the
# code.  Also: the man page formats cleanly and the completions load.

load test_helper/common

MAN="$SOCKCTL_SRCDIR/man/sockctl.1"
BASH_COMP="$SOCKCTL_SRCDIR/completions/sockctl.bash"
ZSH_COMP="$SOCKCTL_SRCDIR/completions/_sockctl"
FISH_COMP="$SOCKCTL_SRCDIR/completions/sockctl.fish"

# The head of a bash -c script run with the bash completion file as $1
# and a directory as $2: it loads the file, defines c LABEL WORD... (the
# completion of the last WORD, printed as "LABEL: reply" lines) and
# changes to the directory.
BASH_C='
	source "$1"
	c() {
		local label=$1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_sockctl
		((${#COMPREPLY[@]} == 0)) ||
		    printf "$label: %s\n" "${COMPREPLY[@]}"
	}
	cd "$2"
'

# An option's entry in an mdoc list: "--keep-open" is written
# "Fl -keep-open", "-k" is "Fl k", on an ".It" line, and the word must end
# there ("Fl -retry" is not "Fl -retry-delay").  Sets $pat to an extended
# regular expression for has_match (no subshell: this runs for every word).
man_pattern() {
	printf -v pat '(^|\n)\\.It ([^\n]* )?Fl %s([^-[:alnum:]_]|$)' "${1#-}"
}

# An option word in a shell script: the whole word, not part of a longer
# one ("-k" inside "--keep-open" does not count).  Sets $pat.
word_pattern() {
	printf -v pat '(^|[^-[:alnum:]_])%s([^-[:alnum:]_]|$)' "$1"
}

# has_match ERE TEXT: whether ERE matches in TEXT (a newline in ERE, as
# the two characters backslash-n, stands for a newline).
has_match() {
	local re=${1//\\n/$'\n'}
	[[ $2 =~ $re ]]
}

# man_section CMD: the lines of the man page's ".Ss CMD" entry.
man_section() {
	awk -v cmd="$1" '
		$0 == ".Ss " cmd { on = 1; next }
		on && /^\.S[hs] / { exit }
		on { print }
	' "$MAN"
}

# words [CMD]: the commands, or CMD's option words; bounded in time, as
# every command a test runs.
words() {
	timeout "$WAIT_LIMIT" "$SOCKCTL" __complete "$@"
}

commands() {
	words
}

setup() {
	[[ -r $MAN ]] || fail "missing $MAN"
	# The completion scripts ask the sockctl being completed, by name.
	PATH=$(cd "$(dirname "$SOCKCTL")" && pwd):$PATH
	run commands
	assert_success
	[[ -n $output ]] || fail "'sockctl __complete' printed no commands"
}

@test "docs: sockctl __complete lists every command's option words" {
	local cmd
	for cmd in $(commands); do
		run words "$cmd"
		assert_success
		assert_line -- --help
		assert_line -- -h
	done
}

# table CMD: CMD's option table, one option a line, tab-separated (see
# opt_print_table in src/opt.c).
table() {
	words --table "$@"
}

# man_entry SECTION LINE: the text of the option entry that starts at the
# .It line LINE of SECTION, up to the next option, on one line, with the
# mdoc macro names dropped and \(en as "-": what a reader sees.
man_entry() {
	awk -v it="$2" '
		$0 == it { on = 1; next }
		on && /^\.It Fl / { exit }
		on {
			if ($0 ~ /^\./)
				sub(/^\.[A-Za-z][A-Za-z]* ?/, "")
			gsub(/\\\(en/, "-")
			printf "%s ", $0
		}
	' <<<"$1"
}

@test "docs: the man page gives each option's short form, default and range as the table has them" {
	local cmd section short long kind arg def range group repeat help
	local it entry re bad=()
	for cmd in $(commands); do
		section=$(man_section "$cmd")
		while IFS=$'\t' read -r short long kind arg def range group \
		    repeat help; do
			[[ $long == --help ]] && continue
			# The .It line names both forms, and a value if any.
			if [[ $short != - && $long != - ]]; then
				re="^\\.It Fl ${short#-} , Fl ${long#-}( |\$)"
			elif [[ $short != - ]]; then
				re="^\\.It Fl ${short#-}( |\$)"
			else
				re="^\\.It Fl ${long#-}( |\$)"
			fi
			it=$(grep -E -m 1 -- "$re" <<<"$section") || {
				bad+=("$cmd ${long/#-/$short}: no '.It' line with" \
				    "every form of the option")
				continue
			}
			if [[ $kind != none && $it != *" Ar "* ]]; then
				bad+=("$cmd $long: '$it' names no value")
			fi
			entry=$(man_entry "$section" "$it")
			if [[ $def != - ]]; then
				re="default:? +${def//./\\.}([^[:alnum:]]|\$)"
				[[ $entry =~ $re ]] ||
				    bad+=("$cmd $long: default $def not said")
			fi
			if [[ $kind == number ]]; then
				if [[ ${range#*-} == 9223372036854775807 ]]; then
					re="${range%%-*} or more"
				else
					re=$range
				fi
				[[ $entry == *"$re"* ]] ||
				    bad+=("$cmd $long: range '$re' not said")
			fi
		done < <(table "$cmd")
	done
	((${#bad[@]} == 0)) || fail "$(printf "$MAN: %s\n" "${bad[@]}")"
}

@test "docs: every option the man page lists for a command is in its table" {
	local cmd line word known bad=()
	for cmd in $(commands); do
		known=" $(words "$cmd" | tr '\n' ' ') "
		while read -r line; do
			# ".It Fl k , Fl -keep-open Ar x": each "Fl WORD".
			for word in $(grep -Eo 'Fl -?[[:alnum:]][-[:alnum:]]*' \
			    <<<"$line" | sed 's/^Fl /-/'); do
				[[ $known == *" $word "* ]] ||
				    bad+=("$cmd: $word")
			done
		done < <(man_section "$cmd" | grep -E '^\.It Fl ')
	done
	((${#bad[@]} == 0)) ||
	    fail "$(printf "in $MAN but no such option: %s\n" "${bad[@]}")"
}

@test "docs: the man page has a COMMANDS entry for every command" {
	local cmd missing=()
	for cmd in $(commands); do
		grep -qx "\.Ss $cmd" "$MAN" || missing+=("$cmd")
		grep -Eq "^\.Cm $cmd( |$)" "$MAN" ||
		    missing+=("$cmd (no '.Cm $cmd' synopsis)")
	done
	((${#missing[@]} == 0)) ||
	    fail "$(printf 'command missing from %s: %s\n' "$MAN" "${missing[@]}")"
}

@test "docs: the man page has an entry for every option under its command" {
	local cmd word section page pat missing=()
	page=$(<"$MAN")
	for cmd in $(commands); do
		section=$(man_section "$cmd")
		for word in $(words "$cmd"); do
			case $word in
			-h | --help)
				# Documented once, for every command, in DESCRIPTION.
				man_pattern "$word"
				has_match "$pat" "$page" ||
				    missing+=("$word (global)")
				;;
			*)
				man_pattern "$word"
				has_match "$pat" "$section" ||
				    missing+=("$word (sockctl $cmd)")
				;;
			esac
		done
	done
	((${#missing[@]} == 0)) ||
	    fail "$(printf "option without an '.It Fl' entry in $MAN: %s\n" \
	    "${missing[@]}")"
}

# offered FILE: what FILE's completion offers, as its shell runs it: the
# commands, then each command's options.  The files keep no word lists of
# their own; they ask `sockctl __complete`.  Fails if the shell is missing.
offered() {
	local -a cmds
	mapfile -t cmds < <(commands)
	case $1 in
	"$BASH_COMP")
		bash -c '
			source "$1"
			shift
			c() {
				COMP_WORDS=("$@")
				COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
				_sockctl
				printf "%s\n" "${COMPREPLY[@]}"
			}
			c sockctl ""
			for cmd; do c sockctl "$cmd" -; done
		' _ "$1" "${cmds[@]}"
		;;
	"$ZSH_COMP")
		command -v zsh >/dev/null || return 1
		zsh -fc '
			source "$1"
			shift
			_sockctl_commands sockctl
			for cmd; do _sockctl_specs sockctl "$cmd"; done
		' _ "$1" "${cmds[@]}"
		;;
	"$FISH_COMP")
		command -v fish >/dev/null || return 1
		fish -c '
			source $argv[1]
			complete -C"sockctl "
			for cmd in $argv[2..-1]
				complete -C"sockctl $cmd -"
			end
		' "$1" "${cmds[@]}"
		;;
	esac
}

@test "docs: every command and option is in all three completion files" {
	local file text cmd word pat missing=()
	for file in "$BASH_COMP" "$ZSH_COMP" "$FISH_COMP"; do
		[[ -r $file ]] || { missing+=("$file: file missing"); continue; }
		text=$(offered "$file") ||
		    { missing+=("$file: its shell is missing"); continue; }
		for cmd in $(commands) help; do
			word_pattern "$cmd"
			has_match "$pat" "$text" ||
			    missing+=("$file: command $cmd")
		done
		for cmd in $(commands); do
			for word in $(words "$cmd"); do
				word_pattern "$word"
				has_match "$pat" "$text" ||
				    missing+=("$file: $word (sockctl $cmd)")
			done
		done
	done
	((${#missing[@]} == 0)) ||
	    fail "$(printf 'missing from completion file %s\n' "${missing[@]}")"
}

@test "docs: bash completion offers every option of every command" {
	local cmd word missing=()
	for cmd in $(commands); do
		run bash -c '
			source "$1"
			COMP_WORDS=(sockctl "$2" -)
			COMP_CWORD=2
			_sockctl
			printf "%s\n" "${COMPREPLY[@]}"
		' _ "$BASH_COMP" "$cmd"
		assert_success
		for word in $(words "$cmd"); do
			has_match "(^|\\n)$word(\\n|\$)" "$output" ||
			    missing+=("$word (sockctl $cmd)")
		done
	done
	((${#missing[@]} == 0)) ||
	    fail "$(printf "$BASH_COMP does not offer %s\n" "${missing[@]}")"
}

@test "docs: zsh completion has an option spec for every option" {
	# In _arguments specs an option stands after "{", ",", "'", ")" or
	# "*" and before "+", "=", ",", "}" or
	# "[": '(-k --keep-open)-k[...]', '(--backlog)--backlog=[...]:...',
	# '(-4 -6)-6[...]', '*-v[...]'.  The specs are the ones the file
	# builds from `sockctl __complete --table`.
	command -v zsh >/dev/null || skip "zsh is not installed"
	local cmd word text missing=()
	text=$(zsh -fc 'source "$1"; shift
	    for cmd; do _sockctl_specs sockctl "$cmd"; done' \
	    _ "$ZSH_COMP" $(commands))
	for cmd in $(commands); do
		for word in $(words "$cmd"); do
			has_match "[{,')*]$word[+=,}[]" "$text" ||
			    missing+=("$word (sockctl $cmd)")
		done
	done
	((${#missing[@]} == 0)) ||
	    fail "$(printf "no _arguments spec in $ZSH_COMP for %s\n" \
	    "${missing[@]}")"
}

@test "docs: groff -mandoc -ww -z prints nothing" {
	command -v groff >/dev/null || skip "groff is not installed"
	run groff -mandoc -ww -z "$MAN"
	assert_success
	assert_output ''
}

@test "docs: mandoc -T lint finds nothing" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	# Cross-reference lookups depend on the host's manual database.
	run bash -c 'mandoc -T lint -W all "$1" 2>&1 | grep -v "mandoc\.db"' \
	    _ "$MAN"
	assert_output ''
}

@test "docs: the man page says which commands are not implemented yet" {
	local cmd says
	for cmd in $(commands); do
		# An argument every command rejects quickly, if it is built.
		run timeout "$WAIT_LIMIT" "$SOCKCTL" "$cmd" -- /nonexistent/sockctl-docs \
		    </dev/null
		says=0
		man_section "$cmd" | grep -q 'not yet implemented' && says=1
		if [[ $output == *"not implemented yet"* ]]; then
			((says)) || fail "sockctl $cmd is not implemented," \
			    "but its entry in $MAN does not say so"
		else
			((!says)) || fail "sockctl $cmd is implemented," \
			    "but its entry in $MAN says it is not"
		fi
	done
}

@test "docs: bash completion offers commands, options, files and commands" {
	run bash -c "$BASH_C"'
		c top sockctl ""
		c global sockctl -
		c help sockctl help con
		c keep sockctl listen --k
		c retry sockctl connect --retry
		c portfile sockctl listen --port-file man/sockctl.
		c portfile= sockctl listen --port-file = man/sockctl.
		c unix sockctl connect -U man/sockctl.
		c bundle sockctl listen -kU man/sockctl.
		c exec sockctl listen -e bas
		c timeout sockctl listen -w ""
	' _ "$BASH_COMP" "$SOCKCTL_SRCDIR"
	assert_success
	local cmd
	for cmd in $(commands) help; do
		assert_line "top: $cmd"
	done
	assert_line "global: --version"
	assert_line "help: connect"
	assert_line "keep: --keep-open"
	assert_line "retry: --retry"
	assert_line "retry: --retry-delay"
	assert_line "portfile: man/sockctl.1"
	assert_line "portfile=: man/sockctl.1"
	assert_line "unix: man/sockctl.1"
	assert_line "bundle: man/sockctl.1"
	assert_line "exec: bash"
	refute_line --partial "timeout:"
}

@test "docs: zsh completion parses" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh -n "$ZSH_COMP"
	assert_success
	assert_output ''
	run head -n 1 "$ZSH_COMP"
	assert_output '#compdef sockctl'
}

@test "docs: fish completion parses and offers every option" {
	command -v fish >/dev/null || skip "fish is not installed"
	run fish -n "$FISH_COMP"
	assert_success
	assert_output ''
	local cmd word missing=()
	for cmd in $(commands); do
		run fish -c 'source $argv[1]; complete -C"sockctl $argv[2] -"' \
		    "$FISH_COMP" "$cmd"
		assert_success
		for word in $(words "$cmd"); do
			has_match "(^|\\n)$word([[:space:]]|\$)" "$output" ||
			    missing+=("$word (sockctl $cmd)")
		done
	done
	((${#missing[@]} == 0)) ||
	    fail "$(printf 'fish does not offer %s\n' "${missing[@]}")"
}

@test "docs: make install says where fish looks, as the README quotes it" {
	local builddir fishdir want vendor=/usr/share/fish/vendor_completions.d
	builddir=$(cd "$(dirname "$SOCKCTL")/.." && pwd)
	[[ -f $builddir/Makefile ]] || skip "no Makefile beside $SOCKCTL"
	# The sub-make must not join the jobserver of a `make check` above.
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL timeout 60 \
	    make -s --no-print-directory -C "$builddir" -f Makefile -f - \
	    print-fishcompdir <<<'print-fishcompdir: ; @echo $(fishcompdir)'
	assert_success
	fishdir=$output
	[[ $fishdir == /* ]] || fail "fishcompdir is '$fishdir'"

	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL timeout 120 \
	    make -s --no-print-directory -C "$builddir" install \
	    DESTDIR="$BATS_TEST_TMPDIR/root"
	assert_success
	[[ -f $BATS_TEST_TMPDIR/root$fishdir/sockctl.fish ]] ||
	    fail "no sockctl.fish in $fishdir"
	if [[ $fishdir == "$vendor" ]]; then
		refute_line --partial "fish looks"
		return
	fi
	want="sockctl: fish looks for completions in $vendor, not $fishdir;"
	want+=" to install there, ./configure"
	want+=" --with-fish-completion-dir=$vendor"
	assert_line "$want"
	assert_equal "$(grep -c 'fish looks' <<<"$output")" 1
	# The README shows the line a default prefix (/usr/local) gives.
	want=${want/"not $fishdir;"/"not /usr/local/share/fish/vendor_completions.d;"}
	grep -qxF -- "$want" "$SOCKCTL_SRCDIR/README.md" ||
	    fail "README.md does not quote: $want"
}

# What each shell offers, from the tables: an option name, the choices of
# udp-recv -f, a file for a FILE option, nothing for a DUR.

@test "docs: bash completes an option name, a choice and a file from the table" {
	run timeout "$WAIT_LIMIT" bash -c "$BASH_C"'
		c name sockctl listen --po
		c choice sockctl udp-recv -f ""
		c choice= sockctl udp-recv --format=j
		c file sockctl serve-http --access-log man/sockctl.
		c dur sockctl udp-send --interval ""
	' _ "$BASH_COMP" "$SOCKCTL_SRCDIR"
	assert_success
	assert_output "name: --port-file
choice: line
choice: raw
choice: hex
choice: json
choice=: --format=json
file: man/sockctl.1"
}

@test "docs: zsh completes an option name, a choice and a file from the table" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	local zmodload_ok
	zmodload_ok=$(zsh -fc 'zmodload zsh/zpty && echo yes' 2>/dev/null)
	[[ $zmodload_ok == yes ]] || skip "zsh has no zsh/zpty"
	cd "$SOCKCTL_SRCDIR"
	local z=("$BATS_TEST_DIRNAME/test_helper/zcomplete.zsh" \
	    "$SOCKCTL_SRCDIR/completions")
	run timeout "$WAIT_LIMIT" zsh -f "${z[@]}" sockctl listen --po
	assert_success
	assert_output -- --port-file
	run timeout "$WAIT_LIMIT" zsh -f "${z[@]}" sockctl udp-recv -f ''
	assert_success
	assert_output $'line\nraw\nhex\njson'
	run timeout "$WAIT_LIMIT" zsh -f "${z[@]}" sockctl serve-http \
	    --access-log man/sockctl.
	assert_success
	assert_output sockctl.1
	run timeout "$WAIT_LIMIT" zsh -f "${z[@]}" sockctl ''
	assert_success
	assert_line listen
	assert_line help
	run timeout "$WAIT_LIMIT" zsh -f "${z[@]}" sockctl udp-send --interval ''
	assert_success
	assert_output ''
}

@test "docs: fish completes an option name, a choice and a file from the table" {
	command -v fish >/dev/null || skip "fish is not installed"
	cd "$SOCKCTL_SRCDIR"
	run timeout "$WAIT_LIMIT" fish -c '
		source $argv[1]
		complete -C"sockctl listen --po"
		complete -C"sockctl udp-recv -f "
		complete -C"sockctl serve-http --access-log man/sockctl."
		complete -C"sockctl udp-send --interval "
	' "$FISH_COMP"
	assert_success
	assert_output "--port-file	write the bound port to FILE once listening
hex
json
line
raw
man/sockctl.1"
}
