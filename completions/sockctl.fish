# fish completion for sockctl(1)
#
# Thin on purpose: the commands, their options with their help, each
# option's value kind and its choices come from the option tables of the
# sockctl being completed, through its hidden `sockctl __complete --table
# [CMD]`, so this file has nothing to keep in step with the code.  Only
# where the positional arguments go is said here.

# The sockctl being completed, as typed.
function __sockctl_bin
    set -l tokens (commandline -opc)
    echo $tokens[1]
end

# The command word (the first word after the global options), if any.
function __sockctl_cmd
    set -l tokens (commandline -opc)
    for w in $tokens[2..-1]
        switch $w
            case '-*'
                continue
            case '*'
                echo $w
                return 0
        end
    end
    return 1
end

function __sockctl_cmd_is
    set -l cmd (__sockctl_cmd)
    test "$cmd" = $argv[1]
end

function __sockctl_table
    set -l bin (__sockctl_bin)
    command $bin __complete --table $argv 2>/dev/null
end

# "KIND RANGE" of option word $argv[2] of command $argv[1], or nothing.
function __sockctl_kind
    __sockctl_table $argv[1] | while read -l -d \t short long kind arg def range group repeat help
        if contains -- $argv[2] $short $long
            echo $kind
            echo $range
            return 0
        end
    end
end

# The values of an option of KIND (choices in RANGE) for TOKEN, each with
# PREFIX ("--format=" when written in one word).
function __sockctl_values -a kind range token prefix
    switch $kind
        case file
            __fish_complete_path $token | string replace -r '^' -- $prefix
        case directory
            __fish_complete_directories $token | string replace -r '^' -- $prefix
        case command
            complete -C "$token" | string replace -r '^' -- $prefix
        case choice
            string split , -- $range | string replace -r '^' -- $prefix
        case host
            begin
                printf '%s\n' 127.0.0.1 0.0.0.0 localhost
                __fish_print_hostnames
            end | string replace -r '^' -- $prefix
    end
end

# Everything for the token under the cursor after the command word.
function __sockctl_complete
    set -l cmd (__sockctl_cmd)
    set -l tokens (commandline -opc)
    set -l token (commandline -ct)
    set -l k
    if string match -qr -- '^--[^=]+=' $token
        set -l name (string replace -r -- '=.*' '' $token)
        set k (__sockctl_kind $cmd $name)
        if test -n "$k[1]" -a "$k[1]" != none
            __sockctl_values $k[1] $k[2] (string replace -r -- '^[^=]*=' '' $token) "$name="
        end
        return 0
    end
    set k (__sockctl_kind $cmd $tokens[-1])
    if test -n "$k[1]" -a "$k[1]" != none
        __sockctl_values $k[1] $k[2] $token ''
        return 0
    end
    if string match -q -- '-*' $token
        __sockctl_table $cmd | while read -l -d \t short long kind arg def range group repeat help
            test "$def" != - ; and set help "$help (default $def)"
            test "$short" != - ; and printf '%s\t%s\n' $short $help
            test "$long" != - ; and printf '%s\t%s\n' $long $help
        end
        return 0
    end
    # Positional arguments: the socket path after -U, a directory for
    # serve-http, a host first for connect, udp-send and chat.
    if contains -- -U $tokens; or contains -- --unix $tokens
        __fish_complete_path $token
    else if test "$cmd" = serve-http
        __fish_complete_directories $token
    else if contains -- $cmd connect udp-send chat
        __fish_print_hostnames
    end
end

complete -c sockctl -f
complete -c sockctl -n 'not __sockctl_cmd' -s h -l help -d 'show the help and exit'
complete -c sockctl -n 'not __sockctl_cmd' -s V -l version -d 'print the version and exit'
complete -c sockctl -n 'not __sockctl_cmd' -a '(__sockctl_table)'
complete -c sockctl -n 'not __sockctl_cmd' -a help -d 'show the help of a command'
complete -c sockctl -n '__sockctl_cmd_is help' -a '(__sockctl_table)'
complete -c sockctl -n '__sockctl_cmd; and not __sockctl_cmd_is help' -a '(__sockctl_complete)'
