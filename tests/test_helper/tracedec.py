#!/usr/bin/env python3
# tracedec.py FORMAT FILE DIR: decodes a --trace (FORMAT "text") or
# --hexdump ("hex") log back to bytes, checking its layout as it goes,
# for tests/trace-cmd.bats.  Writes, for each connection (its "#N", or
# 0 without one), DIR/N.out (the bytes of its ">" chunks, in order) and
# DIR/N.in ("<"), and DIR/events: a line per record in file order,
# "N > LEN" or "N < LEN" for a chunk, "N open LOCAL > PEER", "N > EOF",
# "N < reset"...  Any line that does not parse, a body that does not add
# up to its header's length, a text line over 76 columns or a hexdump
# offset that does not run on per direction is an error (exit 1).
import os
import re
import sys

HEAD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z(?: #(\d+))? "
                  r"(?:([<>]) (\d+) bytes|(open .+|[<>] EOF|[<>] reset))$")
HEX = re.compile(r"^([0-9a-f]{8})  ((?:[0-9a-f ]{2} ){8} (?:[0-9a-f ]{2} ){8}) "
                 r"\|(.{1,16})\|$")
ESC = re.compile(rb"\\(x[0-9a-f]{2}|[rnt\\])")
WIDTH = 76


def die(n, msg, line):
    sys.exit("%s:%d: %s: %r" % (sys.argv[2], n, msg, line))


def unescape(n, line):
    out = bytearray()
    i = 0
    while i < len(line):
        c = line[i:i + 1]
        if c == b"\\":
            m = ESC.match(line, i)
            if not m:
                die(n, "bad escape", line)
            e = m.group(1)
            out += {b"r": b"\r", b"n": b"\n", b"t": b"\t",
                    b"\\": b"\\"}.get(e) or bytes([int(e[1:], 16)])
            i = m.end()
            continue
        if not 0x20 <= c[0] < 0x7f:
            die(n, "raw byte in text", line)
        out += c
        i += 1
    return bytes(out)


def main():
    fmt, path, outdir = sys.argv[1:4]
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines[-1] != b"":
        sys.exit("%s: does not end with a newline" % path)
    lines.pop()
    data = {}
    events = []
    n = 0
    while n < len(lines):
        raw = lines[n]
        n += 1
        try:
            head = raw.decode("ascii")
        except UnicodeDecodeError:
            die(n, "not a header", raw)
        m = HEAD.match(head)
        if not m:
            die(n, "not a header", raw)
        conn = m.group(1) or "0"
        if m.group(4):
            events.append("%s %s" % (conn, m.group(4)))
            continue
        d, want = m.group(2), int(m.group(3))
        events.append("%s %s %d" % (conn, d, want))
        key = (conn, d)
        got = data.setdefault(key, bytearray())
        start = len(got)
        while len(got) - start < want:
            if n >= len(lines):
                die(n, "chunk cut short", raw)
            body = lines[n]
            n += 1
            if fmt == "text":
                # At most WIDTH columns, plus a final "\n" or "\r\n".
                base = body
                if base.endswith(b"\\n"):
                    base = base[:-2]
                    if base.endswith(b"\\r"):
                        base = base[:-2]
                if len(base) > WIDTH:
                    die(n, "line too long", body)
                got += unescape(n, body)
            else:
                h = HEX.match(body.decode("ascii", "replace"))
                if not h:
                    die(n, "not a hexdump line", body)
                if int(h.group(1), 16) != len(got):
                    die(n, "offset %d expected" % len(got), body)
                got += bytes.fromhex(h.group(2).replace(" ", ""))
        if len(got) - start != want:
            die(n, "chunk of %d bytes holds %d" % (want, len(got) - start),
                raw)
    os.makedirs(outdir, exist_ok=True)
    conns = {c for c, _ in data} | {e.split()[0] for e in events}
    for c in conns:
        for d, name in ((">", "out"), ("<", "in")):
            with open(os.path.join(outdir, "%s.%s" % (c, name)), "wb") as f:
                f.write(data.get((c, d), b""))
    with open(os.path.join(outdir, "events"), "w") as f:
        f.write("".join(e + "\n" for e in events))


main()
