"""The fingerprint tokenizer: its whole-file fast path gives the tokens and offsets of a plain
match-by-match scan with the same alternatives."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import STDLIB
from kenning.indexer import fingerprint as fp


def _scan_by_definition(data: bytes, comment_style: str) -> tuple[list[bytes], list[int]]:
    pattern = re.compile(
        rb"(?P<w>\s+)|(?P<i>" + fp._IDENT + rb")|(?P<c>" + fp._COMMENTS[comment_style] + rb")|(?P<s>"
        + fp._STRING + rb")|(?P<n>" + fp._NUMBER + rb")|(?P<o>" + fp._OPERATOR + rb")"
    )
    tokens, starts = [], []
    for match in pattern.finditer(data):
        kind = match.lastgroup
        if kind in ("w", "c"):
            continue
        word = match.group()
        tokens.append({"i": word if word in fp.KEYWORDS else b"I", "o": word, "s": b"S", "n": b"N"}[kind])
        starts.append(match.start())
    return tokens, starts


_PIECES = st.sampled_from([
    b"def", b"x", b" ", b"\n", b"\t", b"'", b'"', b"`", b"'''", b'"""', b"#", b"//", b"/*", b"*/", b"/", b"\\",
    b"0x1F", b"1.5e3", b"9", b"->", b"::", b"==", b"(", b")", b"$a", b"\xc3\xa9", b"\x01", b"return", b"r",
])


@given(st.lists(_PIECES, max_size=60).map(b"".join), st.sampled_from(sorted(fp._COMMENTS)))
@settings(max_examples=400, deadline=None)
def test_tokens_and_offsets_match_a_plain_scan(data, style):
    stream = fp.tokenize(data, style)
    assert (stream.tokens, stream.starts) == _scan_by_definition(data, style)


def test_real_files_tokenize_as_a_plain_scan():
    for name in ("json/decoder.py", "textwrap.py", "asyncio/base_events.py"):
        data = (STDLIB / name).read_bytes()
        for style in fp._COMMENTS:
            stream = fp.tokenize(data, style)
            assert (stream.tokens, stream.starts) == _scan_by_definition(data, style)


def test_a_word_that_is_a_keyword_elsewhere_is_a_name_in_python():
    # `type`, `default`, `match`, `new`: keywords in Go, Java, Rust or C#, names a Python copy renames.
    original = b"def f(type, default):\n    return match(type, new=default)\n"
    renamed = b"def g(kind, fallback):\n    return pick(kind, new=fallback)\n"
    assert fp.tokenize(original, "hash", "python").tokens == fp.tokenize(renamed, "hash", "python").tokens
    assert fp.tokenize(b"switch (x) { default: break; }", "c", "java").tokens[:2] == [b"switch", b"("]
