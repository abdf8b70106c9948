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
from itertools import accumulate, compress, repeat
from operator import is_not, itemgetter

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

# Each language keeps only its own keywords: in Python `type`, `match`, `new` or `default` are
# names a renamed copy changes, so keeping them as themselves would break the clone match.
_LANGUAGE_KEYWORDS = {
    "python": "and as assert async await break class continue def del elif else except finally for from global if"
              " import in is lambda nonlocal not or pass raise return try while with yield",
    "javascript": "as async await break case catch class const continue default do else enum export extends"
                  " finally for from function if implements import in instanceof interface let new package"
                  " return static super switch throw try typeof var void while with yield",
    "go": "break case const continue default defer else for func go if import interface package return select"
          " struct switch type var",
    "rust": "as async await break const continue else enum fn for if impl in let loop match mod pub return"
            " static struct super trait type use where while",
    "java": "assert break case catch class const continue default do else enum extends finally for if"
            " implements import instanceof interface new package return static super switch throw throws try"
            " void while",
    "c": "break case const continue default do else enum for if return static struct switch void while",
    "cpp": "break case catch class const continue default do else enum for if namespace new return static"
           " struct switch throw try void while",
    "csharp": "as break case catch class const continue default do else enum finally for foreach if in"
              " interface is namespace new return static struct switch throw try var void when where while yield",
    "ruby": "and break case class def do else for if in module not or return super unless until when while yield",
    "php": "and as break case catch class const continue default do else enum extends finally fn for foreach"
           " function global if implements instanceof interface match namespace new or return static switch"
           " throw trait try use var while yield",
}
_LANGUAGE_KEYWORDS["typescript"] = _LANGUAGE_KEYWORDS["tsx"] = (
    _LANGUAGE_KEYWORDS["javascript"] + " is module namespace type")

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
# The last alternative takes any byte nothing else matches (the scanner skips it), so the
# matches partition the file and their offsets are running sums of their lengths.
_PARTS = {
    style: re.compile(
        rb"\s+|" + _IDENT + rb"|" + comment + rb"|" + _STRING + rb"|" + _NUMBER + rb"|" + _OPERATOR + rb"|[\s\S]"
    )
    for style, comment in _COMMENTS.items()
}
# A part's kind follows from its first byte, given what the alternatives can match there.
_DROP, _NAME, _NUMBER_KIND, _STRING_KIND = 0, 1, 2, 3
_DEFAULTS = (None, b"I", b"N", b"S")  # what a part of each kind becomes unless _AS_ITSELF says otherwise
_OPERATOR_BYTES = b"-+*/%=<>!&|^~?:;,.(){}[]@"
_KINDS = bytes(
    _NAME if chr(c).isalpha() and c < 128 or c in b"_$" or c >= 128
    else _NUMBER_KIND if chr(c).isdigit() and c < 128
    else _STRING_KIND if c in b"\"'`"
    else _DROP
    for c in range(256)
)
# Parts kept as themselves: keywords and every operator. A lone quote is a byte no string matched,
# dropped; '/' alone is the operator, while a longer part starting with '/' is a comment.
_AS_ITSELF: dict[bytes, bytes | None] = {
    **{bytes([c]): bytes([c]) for c in _OPERATOR_BYTES},
    **{op: op for op in (b"==", b"!=", b"<=", b">=", b"->", b"=>", b"::", b"&&", b"||", b"++", b"--", b"**", b"<<", b">>")},
    b'"': None, b"'": None, b"`": None,
}
# Per language; a snippet of no known language keeps the keywords of all of them.
_AS_ITSELF_IN = {
    language: {**{word.encode(): word.encode() for word in words.split()}, **_AS_ITSELF}
    for language, words in _LANGUAGE_KEYWORDS.items()
}
_AS_ITSELF_ANY = {**{word: word for word in KEYWORDS}, **_AS_ITSELF}


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


def tokenize(data: bytes, comment_style: str = "c", language: str | None = None) -> TokenStream:
    """Comments dropped, names as I, strings as S, numbers as N, the language's keywords and operators kept."""
    # No Python code per token: every step below iterates in C.
    parts = _PARTS[comment_style].findall(data)
    offsets = accumulate(map(len, parts), initial=0)
    kinds = bytes(map(itemgetter(0), parts)).translate(_KINDS)
    kept_as_itself = _AS_ITSELF_IN.get(language, _AS_ITSELF_ANY) if language else _AS_ITSELF_ANY
    normalized = list(map(kept_as_itself.get, parts, map(_DEFAULTS.__getitem__, kinds)))
    kept = list(map(is_not, normalized, repeat(None)))
    return TokenStream(list(compress(normalized, kept)), list(compress(offsets, kept)))


def fingerprint(tokens: list[bytes]) -> str:
    return hashlib.blake2b(b" ".join(tokens), digest_size=10).hexdigest()


def shape(tokens: list[bytes]) -> str:
    return b" ".join(tokens[:SHAPE_TOKEN_LIMIT]).decode("ascii", errors="replace")
