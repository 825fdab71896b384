# zsh -f zcomplete.zsh FPATHDIR WORDS...: what zsh's completion system
# offers for the last of WORDS (empty to complete a new word), one match a
# line, as a user pressing Tab would get it.  zsh completes only inside
# its line editor, so this runs an interactive zsh on a pseudo-terminal
# (zsh/zpty) and catches the matches at compadd, the call every completion
# function ends in; after the technique of zsh-capture-completion.
zmodload zsh/zpty || exit 2
setup=$(mktemp) || exit 2
trap 'rm -f -- $setup' EXIT
# One file, sourced in one line: what it binds takes effect only after.
cat >$setup <<SETUP
fpath=(${(q)1} \$fpath)
unset zle_bracketed_paste
PROMPT= RPROMPT= PS2=
autoload -Uz compinit
compinit -u -D
bindkey '^M' undefined-key
bindkey '^J' undefined-key
bindkey '^I' complete-word
zstyle ':completion:*' insert-tab false
zstyle ':completion:*' list-prompt ''
zstyle ':completion:*' menu no
# A NUL line before and after the matches; the shell exits after.
zcomp_mark() { print -rn -- \$'\\0\\n' }
compprefuncs=(zcomp_mark)
comppostfuncs=(zcomp_mark exit)
compadd() {
	local -a zcomp_hits
	if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
		builtin compadd "\$@"
		return
	fi
	builtin compadd -A zcomp_hits "\$@"
	(( \$#zcomp_hits )) && print -rl -- "<m>"\${^zcomp_hits}
	builtin compadd "\$@"
}
SETUP
shift
zpty z zsh -f -i || exit 2
zpty -w z "source ${(q)setup}"
# The words as typed: an empty last one is a space, to start a new word.
if [[ -z ${@[-1]} ]]; then
	typed="${(j: :)${(q)@[1,-2]}} "
else
	typed=${(j: :)${(q)@}}
fi
zpty -w -n z "$typed"$'\t'
# Read what the terminal shows until the second mark, for at most about
# 10 seconds, then print the matches between the marks.
integer waits=0
out=
while (( waits < 200 )) && [[ $out != *$'\0'*$'\0'* ]]; do
	if zpty -rt z chunk 2>/dev/null; then
		out+=$chunk
	else
		(( waits++ ))
		sleep 0.05
	fi
done
out=${${out#*$'\0'}%%$'\0'*}
for line in ${(f)out//$'\r'/}; do
	[[ $line == *'<m>'* ]] && print -r -- "${line#*<m>}"
done
zpty -d z
