"""Garbage, broken encodings and absurd nesting never crash extraction, in any language."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kenning.indexer.extract import parse_source
from kenning.indexer.languages import language_names

FIXTURES = Path(__file__).parent / "fixtures"
LANGUAGES = language_names()
DEPTH = 5_000
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fixture(language: str) -> bytes:
    files = sorted(p for p in (FIXTURES / language).rglob("*") if p.is_file())
    return files[0].read_bytes()


def _braced(header: str, opening: str, footer: str = "") -> str:
    return header + opening * DEPTH + "y();\n" + "}\n" * DEPTH + "}\n" + footer


def _python_ifs() -> str:
    lines = ["def f():"] + [" " * (d + 1) + "if x:" for d in range(DEPTH)] + [" " * (DEPTH + 1) + "pass"]
    return "\n".join(lines) + "\n"


# A function `f` whose body is DEPTH nested `if` statements, per language.
_NESTED_IFS = {
    "python": _python_ifs,
    "ruby": lambda: "def f\n" + "if x\n" * DEPTH + "y\n" + "end\n" * DEPTH + "end\n",
    "php": lambda: _braced("<?php\nfunction f() {\n", "if ($x) {\n"),
    "go": lambda: _braced("package p\nfunc f() {\n", "if x {\n"),
    "rust": lambda: _braced("fn f() {\n", "if x {\n"),
    "c": lambda: _braced("void f() {\n", "if (x) {\n"),
    "cpp": lambda: _braced("void f() {\n", "if (x) {\n"),
    "java": lambda: _braced("class C {\nvoid f() {\n", "if (x) {\n", "}\n"),
    "csharp": lambda: _braced("class C {\nvoid f() {\n", "if (x) {\n", "}\n"),
    "javascript": lambda: _braced("function f() {\n", "if (x) {\n"),
    "typescript": lambda: _braced("function f() {\n", "if (x) {\n"),
    "tsx": lambda: _braced("function f() {\n", "if (x) {\n"),
}


@pytest.mark.parametrize("language", LANGUAGES)
@FAST
@given(data=st.binary(max_size=2_000))
def test_random_bytes_never_crash(language: str, data: bytes):
    parsed = parse_source("garbage.bin", data, language)
    assert parsed.size == len(data)


@pytest.mark.parametrize("language", LANGUAGES)
@FAST
@given(cuts=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=8)), min_size=1, max_size=5))
def test_invalid_utf8_inside_real_source_keeps_the_rest(language: str, cuts: list[tuple[float, bytes]]):
    data = _fixture(language)
    for where, junk in cuts:
        at = int(where * len(data))
        data = data[:at] + b"\xff" + junk + data[at:]  # \xff is never valid UTF-8
    parsed = parse_source("broken.src", data, language)
    assert parsed.decode_errors
    assert parsed.size == len(data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_deeply_nested_brackets(language: str):
    data = ("(" * DEPTH + "[" * DEPTH + "{" * DEPTH + "}" * DEPTH + "]" * DEPTH + ")" * DEPTH).encode()
    parsed = parse_source("deep.src", data, language)
    assert parsed.size == len(data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_deeply_nested_ifs(language: str):
    source = _NESTED_IFS[language]()
    assert source.count("if") == DEPTH
    parsed = parse_source("deep.src", source.encode(), language)
    if language == "python":
        # tree-sitter-python's indent scanner gives up past ~1,000 levels: counted, not fatal.
        assert parsed.parse_errors > 0
    else:
        assert "f" in {s.name for s in parsed.symbols}
