# fish completion for sockctl(1)
#
# The option lists are static copies of the option tables in src/cmd-*.c,
# with their help texts; tests/docs.bats checks them against
# `sockctl __complete CMD`, so a new option that is not added here fails
# `make check`.

set -l __sockctl_commands listen connect udp-send udp-recv serve-http chat help

# __sockctl_opt COMMANDS SPELLINGS KIND DESCRIPTION
#   COMMANDS   the commands that have the option, space-separated
#   SPELLINGS  the option as typed, e.g. '-k --keep-open'
#   KIND       flag, value (any value), file, command, or choice:WORDS
#              (one of the space-separated WORDS)
function __sockctl_opt
    set -l args -c sockctl -n "__fish_seen_subcommand_from $argv[1]"
    for word in (string split ' ' -- $argv[2])
        switch $word
            case '--*'
                set -a args -l (string sub -s 3 -- $word)
            case '-?'
                set -a args -s (string sub -s 2 -- $word)
        end
    end
    switch $argv[3]
        case value
            set -a args -x
        case file
            set -a args -r -F
        case command
            set -a args -x -a '(__fish_complete_command)'
        case 'choice:*'
            set -a args -x -a (string sub -s 8 -- $argv[3])
    end
    complete $args -d $argv[4]
end

# Nothing but what is listed below: host names and ports are free text.
complete -c sockctl -f

# Before the command.
complete -c sockctl -n __fish_use_subcommand -s h -l help -d 'show the help and exit'
complete -c sockctl -n __fish_use_subcommand -s V -l version -d 'print the version and exit'
complete -c sockctl -n __fish_use_subcommand -a listen -d 'wait for a TCP or Unix stream client and relay stdio'
complete -c sockctl -n __fish_use_subcommand -a connect -d 'connect to a TCP or Unix stream server and relay stdio'
complete -c sockctl -n __fish_use_subcommand -a udp-send -d 'send UDP datagrams'
complete -c sockctl -n __fish_use_subcommand -a udp-recv -d 'receive and print UDP datagrams'
complete -c sockctl -n __fish_use_subcommand -a serve-http -d 'serve a directory over HTTP/1.1'
complete -c sockctl -n __fish_use_subcommand -a chat -d 'run a chat room, or join one'
complete -c sockctl -n __fish_use_subcommand -a help -d 'show the help of a command'

# sockctl help COMMAND
complete -c sockctl -n "__fish_seen_subcommand_from help; and not __fish_seen_subcommand_from $__sockctl_commands[1..-2]" \
    -a "$__sockctl_commands[1..-2]"

# listen
__sockctl_opt listen '-4' flag 'use IPv4 only'
__sockctl_opt listen '-6' flag 'use IPv6 only'
__sockctl_opt listen '-k --keep-open' flag 'after a client leaves, accept the next'
__sockctl_opt listen '-e --exec' command 'run sh -c CMD per client on the socket'
__sockctl_opt listen '-m --max-conns' value 'at most N --exec clients at once (default 64)'
__sockctl_opt listen '--backlog' value 'pending-client queue length (default 128)'
__sockctl_opt listen '--send-only' flag 'only send stdin; discard what the client sends'
__sockctl_opt listen '--recv-only' flag "do not read stdin; end at the client's EOF"
__sockctl_opt listen '-C --crlf' flag 'send LF from stdin as CRLF'
__sockctl_opt listen '--no-shutdown' flag 'do not half-close the connection at stdin EOF'
__sockctl_opt listen '-U --unix' flag 'use a Unix socket PATH (@NAME: abstract)'
__sockctl_opt listen '-w --timeout' value 'exit 1 if no client connects within DUR'
__sockctl_opt listen '-i --idle-timeout' value 'close after DUR with no data either way'
__sockctl_opt listen '-q --quit-after' value 'after stdin EOF, wait at most DUR for the peer'
__sockctl_opt listen '--port-file' file 'write the bound port to FILE once listening'
__sockctl_opt listen '-v --verbose' flag 'report progress on stderr (repeatable)'

# connect
__sockctl_opt connect '-4' flag 'use IPv4 only'
__sockctl_opt connect '-6' flag 'use IPv6 only'
__sockctl_opt connect '-z --scan' flag 'report which of PORTS are open; send nothing'
__sockctl_opt connect '--retry' value 'try N more times if the connect fails'
__sockctl_opt connect '--retry-delay' value 'wait DUR between attempts (default 1s)'
__sockctl_opt connect '-e --exec' command 'run sh -c CMD with the socket as stdin/stdout'
__sockctl_opt connect '--send-only' flag 'only send stdin; discard what the server sends'
__sockctl_opt connect '--recv-only' flag "do not read stdin; end at the server's EOF"
__sockctl_opt connect '-C --crlf' flag 'send LF from stdin as CRLF'
__sockctl_opt connect '--no-shutdown' flag 'do not half-close the connection at stdin EOF'
__sockctl_opt connect '-U --unix' flag 'use a Unix socket PATH (@NAME: abstract)'
__sockctl_opt connect '-s --source' value 'connect from local address ADDR'
__sockctl_opt connect '-p --source-port' value 'connect from local port PORT'
__sockctl_opt connect '-w --timeout' value 'give up on each address after DUR'
__sockctl_opt connect '-i --idle-timeout' value 'close after DUR with no data either way'
__sockctl_opt connect '-q --quit-after' value 'after stdin EOF, wait at most DUR for the peer'
__sockctl_opt connect '-v --verbose' flag 'report progress on stderr (repeatable)'

# udp-send
__sockctl_opt udp-send '-4' flag 'use IPv4 only'
__sockctl_opt udp-send '-6' flag 'use IPv6 only'
__sockctl_opt udp-send '--lines' flag 'each stdin line is a datagram (default)'
__sockctl_opt udp-send '--whole' flag 'all of stdin is one datagram'
__sockctl_opt udp-send '--chunk' value 'split stdin into datagrams of N bytes'
__sockctl_opt udp-send '-c --count' value 'send the message N times'
__sockctl_opt udp-send '--interval' value 'wait DUR between datagrams'
__sockctl_opt udp-send '--broadcast' flag 'allow sending to a broadcast address'
__sockctl_opt udp-send '--ttl' value 'unicast TTL and multicast hop limit'
__sockctl_opt udp-send '-r --wait-reply' flag 'print replies until -w passes with none'
__sockctl_opt udp-send '-w --timeout' value 'with -r, wait DUR for each reply (default 2s)'
__sockctl_opt udp-send '-s --source' value 'send from local address ADDR'
__sockctl_opt udp-send '-p --source-port' value 'send from local port PORT'
__sockctl_opt udp-send '-v --verbose' flag 'report progress on stderr (repeatable)'

# udp-recv
__sockctl_opt udp-recv '-4' flag 'use IPv4 only'
__sockctl_opt udp-recv '-6' flag 'use IPv6 only'
__sockctl_opt udp-recv '-f --format' 'choice:line raw hex json' 'how to print each datagram (default line)'
__sockctl_opt udp-recv '-c --count' value 'exit 0 after N datagrams'
__sockctl_opt udp-recv '-w --timeout' value 'exit 1 if DUR passes with no datagram'
__sockctl_opt udp-recv '--echo' flag 'send every datagram back to its sender'
__sockctl_opt udp-recv '--reply' flag 'send stdin lines to the most recent sender'
__sockctl_opt udp-recv '-j --join' value 'join multicast GROUP (GROUP%IFNAME: on IFNAME)'
__sockctl_opt udp-recv '--port-file' file 'write the bound port to FILE once bound'
__sockctl_opt udp-recv '-v --verbose' flag 'report each datagram on stderr (repeatable)'

# serve-http
__sockctl_opt serve-http '-p --port' value 'listen on PORT (default 8000)'
__sockctl_opt serve-http '-b --bind' 'choice:127.0.0.1 ::1 0.0.0.0 :: localhost' 'listen on ADDRESS (default 127.0.0.1)'
__sockctl_opt serve-http '--port-file' file 'write the bound port to FILE once listening'
__sockctl_opt serve-http '--no-listing' flag 'answer 403 for directories without an index'
__sockctl_opt serve-http '--index' value 'index file name (default index.html)'
__sockctl_opt serve-http '--hidden' flag 'serve dotfiles (by default they are 404)'
__sockctl_opt serve-http '--follow-symlinks' flag 'follow symlinks that lead outside DIR'
__sockctl_opt serve-http '--access-log' file 'log requests to FILE (- for stdout)'
__sockctl_opt serve-http '-H --header' value 'add a header to every response (repeatable)'
__sockctl_opt serve-http '--cors' flag 'add Access-Control-Allow-Origin: *, answer OPTIONS'
__sockctl_opt serve-http '--charset' 'choice:utf-8' "append '; charset=CHARSET' to text types"
__sockctl_opt serve-http '-m --max-conns' value 'at most N connections (default 1024)'
__sockctl_opt serve-http '-i --idle-timeout' value 'keep-alive and request timeout (default 15s)'
__sockctl_opt serve-http '-v --verbose' flag 'report progress on stderr (repeatable)'

# chat
__sockctl_opt chat '-4' flag 'use IPv4 only'
__sockctl_opt chat '-6' flag 'use IPv6 only'
__sockctl_opt chat '-l --listen' flag 'run a chat room instead of joining one'
__sockctl_opt chat '-n --nick' value 'client: take the name NAME on joining'
__sockctl_opt chat '-m --max-conns' value 'room: at most N clients (default 256)'
__sockctl_opt chat '--backlog' value 'room: pending-client queue length (default 128)'
__sockctl_opt chat '-w --timeout' value 'client: give up connecting after DUR'
__sockctl_opt chat '--port-file' file 'room: write the bound port to FILE'
__sockctl_opt chat '-v --verbose' flag 'room: log joins and leaves on stderr'

# Every command
__sockctl_opt 'listen connect udp-send udp-recv serve-http chat' '-h --help' flag 'show this help and exit'

# Positional arguments: the socket path after -U, host names for connect,
# a directory for serve-http.
complete -c sockctl -n '__fish_seen_subcommand_from listen connect; and __fish_contains_opt -s U unix' -F
complete -c sockctl -n '__fish_seen_subcommand_from connect udp-send; and not __fish_contains_opt -s U unix' \
    -a '(__fish_print_hostnames)'
complete -c sockctl -n '__fish_seen_subcommand_from serve-http' -a '(__fish_complete_directories)'
complete -c sockctl -n '__fish_seen_subcommand_from chat; and not __fish_contains_opt -s l listen' \
    -a '(__fish_print_hostnames)'

functions -e __sockctl_opt
