"""Overload stubs and prototypes fold into their implementation: one symbol, at the implementation,
whose docstring still holds the other signatures for search.

Expected values were written by reading the fixtures in tests/fixtures/<language>/.
"""

from __future__ import annotations

from kenning.indexer.extract import parse_source
from test_indexer_languages import parse_fixture


def _by_name(parsed) -> dict[str, list]:
    found: dict[str, list] = {}
    for symbol in parsed.symbols:
        found.setdefault(symbol.qualified_name, []).append(symbol)
    return found


def test_python_overload_stubs_fold_into_the_implementation():
    symbols = _by_name(parse_fixture("python", "overloads.py"))
    assert sorted(symbols) == ["overloads.Reader", "overloads.Reader.read", "overloads.parse"]
    (parse,) = symbols["overloads.parse"]
    assert (parse.start_line, parse.end_line, parse.kind) == (9, 11, "function")
    assert parse.signature == "def parse(value):"
    assert parse.docstring == ("Parse a value, keeping its type.\n\n"
                               "Overloads:\ndef parse(value: int) -> int\ndef parse(value: str) -> str")
    (read,) = symbols["overloads.Reader.read"]
    assert (read.start_line, read.end_line, read.kind) == (19, 20, "method")
    assert read.docstring == "Overloads:\ndef read(self, size: int) -> bytes\ndef read(self) -> str"


def test_stubs_without_an_implementation_become_one_symbol():
    # A .pyi declares overloads only: the first stands for them all.
    source = (b"from typing import overload\n\n"
              b"@overload\ndef get(key: int) -> int: ...\n@overload\ndef get(key: str) -> str: ...\n")
    (get,) = parse_source("store.pyi", source, "python").symbols
    assert (get.start_line, get.signature) == (4, "def get(key: int) -> int:")
    assert get.docstring == "Overloads:\ndef get(key: str) -> str"


def test_a_decorator_other_than_overload_is_no_stub():
    source = (b"class C:\n    @property\n    def x(self):\n        return 1\n"
              b"    @x.setter\n    def x(self, v):\n        pass\n")
    assert [s.start_line for s in parse_source("c.py", source, "python").symbols if s.name == "x"] == [3, 6]


def test_typescript_overload_signatures_fold_into_the_implementation():
    symbols = _by_name(parse_fixture("typescript", "overloads.ts"))
    assert sorted(symbols) == ["overloads.Table", "overloads.Table.cell", "overloads.pad"]
    (pad,) = symbols["overloads.pad"]
    assert (pad.start_line, pad.end_line) == (4, 6)
    # The doc comment sits on the first overload; the implementation takes it.
    assert pad.docstring == ("Pads a value to a width.\n\nOverloads:\n"
                             "function pad(value: string, width: number): string\n"
                             "function pad(value: number, width: number): string")
    (cell,) = symbols["overloads.Table.cell"]
    assert (cell.start_line, cell.end_line, cell.kind) == (11, 13, "method")
    assert "cell(row: number): string" in cell.docstring


def test_c_prototype_folds_into_its_definition_in_the_same_file():
    symbols = _by_name(parse_fixture("c", "prototypes.c"))
    assert {name: [(s.kind, s.start_line) for s in found] for name, found in symbols.items()} == {
        "prototypes.count_greetings": [("function", 6)], "prototypes.clamp": [("function", 11)],
    }
    # The same signature as the definition's adds nothing to its text.
    assert symbols["prototypes.clamp"][0].docstring == ""


def test_a_prototype_whose_definition_is_elsewhere_is_a_declaration():
    (greet,) = [s for s in parse_fixture("c", "greeter.h").symbols if s.name == "greeter_greet"]
    assert greet.kind == "declaration"
