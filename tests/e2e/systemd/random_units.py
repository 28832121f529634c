#!/usr/bin/env python3
"""Writes random but reproducible unit files (and environment files) made of the pieces that
systemd's parsers treat specially, for test_units.sh to compare llmon's reading with systemd's.

  random_units.py units ROOT COUNT SEED      ROOT/etc/systemd/system/rnd<i>.service
  random_units.py envfiles ROOT COUNT SEED   ROOT/etc/systemd/system/rndenv<i>.service, each with
                                             ROOT/etc/default/rndenv<i>

Specifiers that depend on the host (%H, %m, %b, ...) are escaped as %%, and no piece makes one
after unquoting or unescaping (no quote or escape that yields such a letter): llmon keeps them
as written on purpose, so they would differ by design.
"""
import os
import random
import re
import sys

# Pieces of setting values: quotes, escapes (valid and not), specifiers, separators, comments,
# non-ASCII and invalid UTF-8, control characters.
VALUE_PIECES = [
    b"A", b"B", b"_x", b"1", b"=", b'"', b"'", b"\\", b" ", b"\t", b"\\t", b"\\n", b"\\s",
    b"\\x5f", b"\\x00", b"\\u00e9", b"\\U0001F600", b"\\137", b"\\q", b"%n", b"%%", b"%",
    b"%i", b"%Z", b"%N", b"%p", b"%-", b"#", b";", b"$X", b"\xc3\xa9", b"\xff", b"-", b"\\\\",
    b'\\"', b"\\'", b"x y", b"A=1", b"B=2 C=3", b'"_a=a b"', b"'_b=c d'", b"\x01", b"[", b"]",
    b"/", b":", b"..",
]
LINE_KINDS = [
    b"Environment=", b"Environment = ", b"Environment=", b"Environment=", b"UnsetEnvironment=",
    b"EnvironmentFile=", b"User=", b"#c", b"  ;c", b"", b"[Service]", b"[X-A]",
    b"Environment=A=1 \\", b"  ",
]
# Pieces of environment files.
ENV_PIECES = [
    b"A", b"B", b"_x", b"1", b"=", b'"', b"'", b"\\", b" ", b"\t", b"\n", b"\r\n", b"#", b";",
    b"export ", b"$X", b"\\$", b'\\"', b"\\\\", b"\\n", b"x y", b"A=1", b"B=2", b"\xc3\xa9",
    b"-", b"`", b"\x01", b"\xff",
]
NAMES = [b"A", b"B_2", b"_x", b"OLLAMA_NUM_PARALLEL", b"1BAD", b"A-B", b"export C", b"  D  ", b""]
HOST_SPECIFIERS = re.compile(rb"(?<!%)((?:%%)*)%([aAbBdgGhHlmMoqsuUvwW])")


def pieces(rng, choices, most):
    return b"".join(rng.choice(choices) for _ in range(rng.randint(0, most)))


def assignments(rng):
    """Mostly NAME=VALUE words, as a setting value."""
    words = []
    for _ in range(rng.randint(1, 4)):
        word = rng.choice(NAMES[:4]) + b"=" + pieces(rng, VALUE_PIECES, 4)
        quote = rng.choice([b"", b"", b'"', b"'"])
        words.append(quote + word + quote)
    return b" ".join(words)


def units(root, count, rng):
    d = os.path.join(root, "etc/systemd/system")
    for i in range(count):
        lines = [b"[Service]", b"ExecStart=/bin/true"]
        for _ in range(rng.randint(1, 6)):
            kind = rng.choice(LINE_KINDS)
            body = b""
            if kind.rstrip().endswith(b"="):
                if kind.startswith(b"Environment") and rng.random() < 0.6:
                    body = assignments(rng)
                else:
                    body = pieces(rng, VALUE_PIECES, 8)
            if kind == b"EnvironmentFile=":
                body = b"-/etc/" + body
            line = kind + body
            if rng.random() < 0.15:
                line += b"\\"
            lines.append(line)
        eol = rng.choice([b"\n", b"\n", b"\n", b"\r\n"])
        text = HOST_SPECIFIERS.sub(rb"\1%%\2", eol.join(lines) + eol)
        with open(os.path.join(d, "rnd%d.service" % i), "wb") as f:
            f.write(text)


def envfiles(root, count, rng):
    d = os.path.join(root, "etc/systemd/system")
    os.makedirs(os.path.join(root, "etc/default"), exist_ok=True)
    for i in range(count):
        with open(os.path.join(d, "rndenv%d.service" % i), "wb") as f:
            f.write(b"[Service]\nExecStart=/bin/sleep infinity\n"
                    b"EnvironmentFile=-/etc/default/rndenv%d\n" % i)
        lines = []
        for _ in range(rng.randint(1, 8)):
            r = rng.random()
            if r < 0.6:
                sep = rng.choice([b"=", b"=", b" = ", b"= "])
                lines.append(rng.choice(NAMES) + sep + pieces(rng, ENV_PIECES, 6))
            elif r < 0.75:
                lines.append(rng.choice([b"#", b";", b"  #"]) + pieces(rng, ENV_PIECES, 4))
            else:
                lines.append(pieces(rng, ENV_PIECES, 10))
        with open(os.path.join(root, "etc/default/rndenv%d" % i), "wb") as f:
            f.write(b"\n".join(lines) + rng.choice([b"\n", b""]))


def main():
    mode, root, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    {"units": units, "envfiles": envfiles}[mode](root, count, random.Random(seed))


if __name__ == "__main__":
    main()
