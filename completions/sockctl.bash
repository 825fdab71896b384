# bash completion for sockctl(1)                           -*- shell-script -*-
#
# The option lists are static copies of the option tables in src/cmd-*.c;
# tests/docs.bats checks them against `sockctl __complete CMD`, so a new
# option that is not added here fails `make check`.  Works with or without
# the bash-completion package.

_sockctl_commands='listen connect udp-send udp-recv serve-http chat help'

# _sockctl_options CMD: every option word of CMD.
_sockctl_options()
{
	case $1 in
	listen)
		echo '-4 -6 -k --keep-open -e --exec -m --max-conns --backlog' \
		    '--send-only --recv-only -C --crlf --no-shutdown -U --unix' \
		    '-w --timeout -i --idle-timeout -q --quit-after' \
		    '--port-file -v --verbose -h --help'
		;;
	connect)
		echo '-4 -6 -z --scan --retry --retry-delay -e --exec' \
		    '--send-only --recv-only -C --crlf --no-shutdown -U --unix' \
		    '-s --source -p --source-port -w --timeout' \
		    '-i --idle-timeout -q --quit-after -v --verbose -h --help'
		;;
	udp-send)
		echo '-4 -6 --lines --whole --chunk -c --count --interval' \
		    '--broadcast --ttl -r --wait-reply -w --timeout' \
		    '-s --source -p --source-port -v --verbose -h --help'
		;;
	udp-recv)
		echo '-4 -6 -f --format -c --count -w --timeout --echo --reply' \
		    '-j --join --port-file -v --verbose -h --help'
		;;
	serve-http)
		echo '-p --port -b --bind --port-file --no-listing --index' \
		    '--hidden --follow-symlinks --access-log -H --header --cors' \
		    '--charset -m --max-conns -i --idle-timeout -v --verbose -h --help'
		;;
	chat)
		echo '-4 -6 -l --listen -n --nick -m --max-conns --backlog' \
		    '-w --timeout --port-file -v --verbose -h --help'
		;;
	esac
}

# _sockctl_value_kind CMD OPTION: sets _sockctl_kind to how OPTION's value
# completes: "file", "command", "format" (udp-recv's formats), "address"
# (serve-http's -b), "none" (a value with nothing to offer), or ""
# (OPTION takes no value).
_sockctl_value_kind()
{
	_sockctl_kind=
	case $1:$2 in
	listen:--port-file | udp-recv:--port-file)
		_sockctl_kind=file ;;
	udp-recv:-f | udp-recv:--format)
		_sockctl_kind=format ;;
	listen:-e | listen:--exec | connect:-e | connect:--exec)
		_sockctl_kind=command ;;
	listen:-m | listen:--max-conns | listen:--backlog | \
	listen:-w | listen:--timeout | listen:-i | listen:--idle-timeout | \
	listen:-q | listen:--quit-after)
		_sockctl_kind=none ;;
	connect:--retry | connect:--retry-delay | \
	connect:-s | connect:--source | connect:-p | connect:--source-port | \
	connect:-w | connect:--timeout | connect:-i | connect:--idle-timeout | \
	connect:-q | connect:--quit-after)
		_sockctl_kind=none ;;
	udp-send:--chunk | udp-send:-c | udp-send:--count | \
	udp-send:--interval | udp-send:--ttl | \
	udp-send:-w | udp-send:--timeout | \
	udp-send:-s | udp-send:--source | udp-send:-p | udp-send:--source-port)
		_sockctl_kind=none ;;
	udp-recv:-c | udp-recv:--count | udp-recv:-w | udp-recv:--timeout | \
	udp-recv:-j | udp-recv:--join)
		_sockctl_kind=none ;;
	chat:--port-file)
		_sockctl_kind=file ;;
	chat:-n | chat:--nick | chat:-m | chat:--max-conns | chat:--backlog | \
	chat:-w | chat:--timeout)
		_sockctl_kind=none ;;
	serve-http:--port-file | serve-http:--access-log)
		_sockctl_kind=file ;;
	serve-http:-b | serve-http:--bind)
		_sockctl_kind=address ;;
	serve-http:-p | serve-http:--port | serve-http:--index | \
	serve-http:-H | serve-http:--header | serve-http:-m | \
	serve-http:--max-conns | serve-http:-i | serve-http:--idle-timeout)
		_sockctl_kind=none ;;
	esac
}

# _sockctl_files: file names, marked as such when completion is live.
_sockctl_files()
{
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	COMPREPLY=($(compgen -f -- "$1"))
}

_sockctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' cmdi=0 i w kind
	local unix=0 dashdash=0 npos=0 pre='' _sockctl_kind

	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# The command is the first word after the global options.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-*) ;;
		*) cmd=$w; cmdi=$i; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-h --help -V --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_sockctl_commands" -- "$cur"))
		fi
		return 0
	fi

	if [[ $cmd == help ]]; then
		((COMP_CWORD == cmdi + 1)) &&
		    COMPREPLY=($(compgen -W "${_sockctl_commands% help}" -- "$cur"))
		return 0
	fi

	# "--opt=value": bash splits it at '=' unless COMP_WORDBREAKS lacks it.
	if [[ $cur == = ]]; then
		cur=''
	elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		pre=$prev=
		cur=${cur#*=}
	fi

	_sockctl_value_kind "$cmd" "$prev"
	kind=$_sockctl_kind
	case $kind in
	file)
		_sockctl_files "$cur" ;;
	command)
		COMPREPLY=($(compgen -c -- "$cur" | sort -u)) ;;
	format)
		COMPREPLY=($(compgen -W 'line raw hex json' -- "$cur")) ;;
	address)
		# Literals with a colon would be split at it by bash: none here.
		COMPREPLY=($({ compgen -W '127.0.0.1 0.0.0.0 localhost' -- "$cur"
		    compgen -A hostname -- "$cur"; } | sort -u)) ;;
	esac
	if [[ -n $kind ]]; then
		[[ -n $pre ]] && COMPREPLY=("${COMPREPLY[@]/#/$pre}")
		return 0
	fi

	# What came before: -U, "--", and how many positional arguments.
	for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if ((dashdash)); then
			((npos++))
			continue
		fi
		case $w in
		--) dashdash=1 ;;
		-U | --unix) unix=1 ;;
		--*=* | =) ;;
		-?*)
			# -U bundled with other flags, e.g. -kU.
			[[ $w =~ ^-[46CkvzU]*U[46CkvzU]*$ ]] && unix=1
			# A value-taking option consumes the next word.
			_sockctl_value_kind "$cmd" "$w"
			[[ -n $_sockctl_kind ]] && ((i++))
			;;
		*)
			[[ ${COMP_WORDS[i - 1]} == = ]] || ((npos++)) ;;
		esac
	done

	if [[ $cur == -* && $dashdash == 0 ]]; then
		COMPREPLY=($(compgen -W "$(_sockctl_options "$cmd")" -- "$cur"))
		return 0
	fi

	# Positional arguments: the socket path after -U, a host name first
	# for connect and udp-send, a directory for serve-http.
	if ((unix)); then
		((npos == 0)) && _sockctl_files "$cur"
	elif [[ $cmd == serve-http ]]; then
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
	elif [[ ($cmd == connect || $cmd == udp-send) && $npos == 0 ]]; then
		COMPREPLY=($(compgen -A hostname -- "$cur"))
	elif [[ $cmd == chat && $npos == 0 ]] &&
	    ! printf '%s\n' "${COMP_WORDS[@]:cmdi+1:COMP_CWORD-cmdi-1}" |
	    grep -Eqx -- '--listen|-[46v]*l[46v]*'; then
		# A host to join; with -l the first argument is an address.
		COMPREPLY=($(compgen -A hostname -- "$cur"))
	fi
	return 0
}

complete -F _sockctl sockctl
