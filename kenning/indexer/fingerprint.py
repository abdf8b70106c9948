"""Structural fingerprints: a definition's tokens with identifiers and literals abstracted.

Two definitions that differ only in layout, comments, names or literal values get the same
fingerprint (type-1/2 clones); the token stream itself (`shape`) lets later stages measure
near copies (type-3) by shingle overlap. A file is tokenised once, with byte offsets, and each
definition takes its slice, so nested definitions cost nothing extra.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass

SHAPE_TOKEN_LIMIT = 2_000

# Words kept as themselves: they carry structure, unlike user-chosen names.
KEYWORDS = frozenset(
    word.encode()
    for word in """
    and as assert async await break case catch class const continue def default defer del do elif
    else enum except export extends finally fn for foreach from func function global go if impl
    implements import in instanceof interface is lambda let loop match mod module namespace new
    nonlocal not or package pass pub raise return select static struct super switch throw throws
    trait try type typeof unless until use var void when where while with yield
    """.split()
)

_STRING = rb"""(?:(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|`(?:\\.|[^`\\])*`)"""
_NUMBER = rb"(?:0[xXbBoO][0-9a-fA-F_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)[a-zA-Z]*"
_IDENT = rb"[A-Za-z_$\x80-\xff][A-Za-z0-9_$\x80-\xff]*"
_OPERATOR = rb"(?:==|!=|<=|>=|->|=>|::|&&|\|\||\+\+|--|\*\*|<<|>>|[-+*/%=<>!&|^~?:;,.(){}\[\]@])"
_COMMENTS = {
    "c": rb"//[^\n]*|/\*[\s\S]*?\*/",
    "hash": rb"#[^\n]*",
    "both": rb"//[^\n]*|/\*[\s\S]*?\*/|#[^\n]*",
}
# Alternatives in order of frequency; whitespace runs are matched (and dropped) so the scanner
# does not retry every alternative at each blank. A string prefix (r"", b"") reads as a name.
_TOKEN_RES = {
    style: re.compile(
        rb"(?P<w>\s+)|(?P<i>" + _IDENT + rb")|(?P<c>" + comment + rb")|(?P<s>" + _STRING + rb")|(?P<n>"
        + _NUMBER + rb")|(?P<o>" + _OPERATOR + rb")"
    )
    for style, comment in _COMMENTS.items()
}


@dataclass(frozen=True, slots=True)
class TokenStream:
    """A file's normalized tokens and the byte offset where each starts."""

    tokens: list[bytes]
    starts: list[int]

    def between(self, start: int, end: int, skip: tuple[int, int] | None = None) -> list[bytes]:
        """Tokens that start in [start, end), leaving out those in `skip`."""
        first = bisect.bisect_left(self.starts, start)
        last = bisect.bisect_left(self.starts, end)
        if skip is None:
            return self.tokens[first:last]
        cut_from = bisect.bisect_left(self.starts, skip[0])
        cut_to = bisect.bisect_left(self.starts, skip[1])
        return self.tokens[first:cut_from] + self.tokens[cut_to:last]


def tokenize(data: bytes, comment_style: str = "c") -> TokenStream:
    """Comments dropped, names as I, strings as S, numbers as N, keywords and operators kept."""
    tokens: list[bytes] = []
    starts: list[int] = []
    add_token = tokens.append
    add_start = starts.append
    keywords = KEYWORDS
    for match in _TOKEN_RES[comment_style].finditer(data):
        kind = match.lastgroup
        if kind == "w" or kind == "c":
            continue
        if kind == "i":
            word = match.group()
            add_token(word if word in keywords else b"I")
        elif kind == "o":
            add_token(match.group())
        else:
            add_token(b"S" if kind == "s" else b"N")
        add_start(match.start())
    return TokenStream(tokens, starts)


def fingerprint(tokens: list[bytes]) -> str:
    return hashlib.blake2b(b" ".join(tokens), digest_size=10).hexdigest()


def shape(tokens: list[bytes]) -> str:
    return b" ".join(tokens[:SHAPE_TOKEN_LIMIT]).decode("ascii", errors="replace")
