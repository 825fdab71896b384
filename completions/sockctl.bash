# bash completion for sockctl(1)                           -*- shell-script -*-
#
# Thin on purpose: the commands, their options, each option's value kind
# and its choices come from the option tables of the sockctl being
# completed, through its hidden `sockctl __complete --table [CMD]`, so
# this file has nothing to keep in step with the code.  Only where the
# positional arguments go is said here.  Works with or without the
# bash-completion package.

declare -gA _sockctl_kinds _sockctl_ranges
_sockctl_loaded=

# _sockctl_load BIN CMD: CMD's table into _sockctl_kinds[WORD] (the value
# kind, "none" for a flag) and _sockctl_ranges[WORD] (choices, comma-
# separated), and its option words into _sockctl_words; kept for the next
# call on the same command.
_sockctl_load()
{
	local short long kind arg def range group repeat help w

	[[ $_sockctl_loaded == "$1 $2" ]] && return 0
	_sockctl_kinds=()
	_sockctl_ranges=()
	_sockctl_words=()
	while IFS=$'\t' read -r short long kind arg def range group repeat help; do
		for w in "$short" "$long"; do
			[[ $w == - ]] && continue
			_sockctl_kinds[$w]=$kind
			_sockctl_ranges[$w]=$range
			_sockctl_words+=("$w")
		done
	done < <("$1" __complete --table "$2" 2>/dev/null)
	_sockctl_loaded="$1 $2"
}

# _sockctl_commands BIN: the commands, then help.
_sockctl_commands()
{
	"$1" __complete 2>/dev/null
	echo help
}

# _sockctl_files: file names, marked as such when completion is live.
_sockctl_files()
{
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	COMPREPLY=($(compgen -f -- "$1"))
}

# _sockctl_value KIND RANGE CUR: COMPREPLY for an option's value.
_sockctl_value()
{
	local IFS=$'\n'

	case $1 in
	file)
		_sockctl_files "$3" ;;
	directory)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$3")) ;;
	command)
		COMPREPLY=($(compgen -c -- "$3" | sort -u)) ;;
	choice)
		COMPREPLY=($(compgen -W "${2//,/$'\n'}" -- "$3")) ;;
	host)
		# Literals with a colon would be split at it by bash: none here.
		COMPREPLY=($({ compgen -W $'127.0.0.1\n0.0.0.0\nlocalhost' \
		    -- "$3"; compgen -A hostname -- "$3"; } | sort -u)) ;;
	esac
}

# _sockctl_bundle WORD: for -abc, sets _sockctl_unix if a letter is -U and
# _sockctl_takes if the last letter wants the next word as its value.
_sockctl_bundle()
{
	local j c kind

	_sockctl_takes=0
	for ((j = 1; j < ${#1}; j++)); do
		c=-${1:j:1}
		kind=${_sockctl_kinds[$c]-none}
		[[ $c == -U ]] && _sockctl_unix=1
		if [[ $kind != none ]]; then
			((j == ${#1} - 1)) && _sockctl_takes=1
			return 0
		fi
	done
}

_sockctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' cmdi=0 i w kind
	local bin=${COMP_WORDS[0]} dashdash=0 npos=0 pre=''
	local _sockctl_unix=0 _sockctl_takes

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
			COMPREPLY=($(compgen -W "$(_sockctl_commands "$bin")" \
			    -- "$cur"))
		fi
		return 0
	fi

	if [[ $cmd == help ]]; then
		((COMP_CWORD == cmdi + 1)) &&
		    COMPREPLY=($(compgen -W "$("$bin" __complete 2>/dev/null)" \
		    -- "$cur"))
		return 0
	fi

	_sockctl_load "$bin" "$cmd"

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

	kind=${_sockctl_kinds[$prev]-none}
	if [[ $kind != none && $prev == -* ]]; then
		_sockctl_value "$kind" "${_sockctl_ranges[$prev]}" "$cur"
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
		--*=* | =) ;;
		--?*)
			[[ $w == --unix ]] && _sockctl_unix=1
			# A value-taking option consumes the next word.
			[[ ${_sockctl_kinds[$w]-none} != none ]] && ((i++))
			;;
		-?*)
			_sockctl_bundle "$w"
			((_sockctl_takes)) && ((i++))
			;;
		*)
			[[ ${COMP_WORDS[i - 1]} == = ]] || ((npos++)) ;;
		esac
	done

	if [[ $cur == -* && $dashdash == 0 ]]; then
		COMPREPLY=($(compgen -W "${_sockctl_words[*]}" -- "$cur"))
		return 0
	fi

	# Positional arguments: the socket path after -U, a host name first
	# for connect and udp-send, a directory for serve-http.
	if ((_sockctl_unix)); then
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
