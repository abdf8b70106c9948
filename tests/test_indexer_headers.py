"""A `.h` file is parsed as C or C++ by what it holds and what the project around it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kenning.indexer.header_language import header_language, project_lean
from kenning.service import Service
from kenning.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
# No construct only C++ has, but `new` is an identifier: C parses it cleanly, C++ does not.
AMBIGUOUS_C = b"struct node { struct node *new; };\nint link(struct node *new);\n"


def _index(root: Path) -> Service:
    service = Service.from_settings(Settings.load(root))
    service.index()
    return service


def test_a_cpp_header_in_a_cpp_project_is_parsed_as_cpp(tmp_path):
    shutil.copy(FIXTURES / "cpp" / "shapes.h", tmp_path / "shapes.h")
    shutil.copy(FIXTURES / "cpp" / "greeter.cpp", tmp_path / "greeter.cpp")
    service = _index(tmp_path)
    try:
        symbols = {s.qualified_name: s for s in service.store.symbols_in_file("shapes.h")}
    finally:
        service.close()
    assert {name: (s.kind, s.language) for name, s in symbols.items()} == {
        "shapes.geometry": ("module", "cpp"),
        "shapes.geometry.Shape": ("class", "cpp"),
        "shapes.geometry.Shape.area": ("method", "cpp"),  # pure virtual: no other definition
        "shapes.geometry.Collection": ("class", "cpp"),  # a template
        "shapes.geometry.Collection.area": ("method", "cpp"),
        "shapes.geometry.Collection.add": ("method", "cpp"),
    }
    assert symbols["shapes.geometry.Collection"].docstring == "Shapes of one kind, measured together."


def test_a_c_header_in_a_c_project_is_parsed_as_c(tmp_path):
    shutil.copy(FIXTURES / "c" / "greeter.h", tmp_path / "greeter.h")
    shutil.copy(FIXTURES / "c" / "greeter.c", tmp_path / "greeter.c")
    (tmp_path / "node.h").write_bytes(AMBIGUOUS_C)
    service = _index(tmp_path)
    try:
        languages = {s.qualified_name: s.language for path in ("greeter.h", "node.h")
                     for s in service.store.symbols_in_file(path)}
    finally:
        service.close()
    assert languages == {"greeter.greeter": "c", "greeter.greeter_t": "c", "greeter.greeter_greet": "c",
                         "node.node": "c", "node.link": "c"}


def test_headers_follow_when_the_project_turns_cpp(tmp_path):
    (tmp_path / "api.h").write_bytes(b"int answer(void);\n")  # C and C++ alike: the project decides
    (tmp_path / "main.c").write_bytes(b"int main(void) { return 0; }\n")
    service = _index(tmp_path)
    try:
        assert [s.language for s in service.store.symbols_in_file("api.h")] == ["c"]
        (tmp_path / "main.c").unlink()
        (tmp_path / "main.cpp").write_bytes(b"int main() { return 0; }\n")
        report = service.index()
        # api.h did not change, but its project did: it is parsed again, now as C++.
        assert (report.files_indexed, report.files_unchanged) == (2, 0)
        assert [s.language for s in service.store.symbols_in_file("api.h")] == ["cpp"]
        assert service.index().files_indexed == 0
    finally:
        service.close()


@pytest.mark.parametrize(("source", "lean", "expected"), [
    # Content that only C++ has decides, whatever the project leans to.
    (b"namespace util { int f(); }\n", "c", "cpp"),
    (b"template <typename T> T id(T x);\n", "c", "cpp"),
    (b"class Widget;\n", "c", "cpp"),
    (b"struct s { int x; };\nint get(std::size_t n);\n", "c", "cpp"),
    (b"struct s {\npublic:\n  int x;\n};\n", "c", "cpp"),
    (b"#include <vector>\nint f(void);\n", "c", "cpp"),
    (b"int size(void) noexcept;\n", "c", "cpp"),
    # The same words in comments and strings, an `extern "C"` guard and an `#ifdef __cplusplus`
    # block are what C headers carry too: neutral.
    (b"/* a class Widget in namespace x { } */\nconst char *s = \"std::string\";\nint f(void);\n", "c", "c"),
    (b'#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif\n', None, "c"),
    (b"#if defined(__cplusplus)\ntemplate <class T> T read(T x);\n#else\nint read(int x);\n#endif\n", None, "c"),
    (b"#ifndef __cplusplus\nint read(int x);\n#else\nnamespace io { int read(int x); }\n#endif\n", None, "c"),
    # Nothing either way: the project's lean, else the grammar with fewer errors (C on a tie).
    (b"int f(void);\n", "cpp", "cpp"),
    (b"int f(void);\n", None, "c"),
    (AMBIGUOUS_C, None, "c"),
    (b"struct s { int x; };\nvoid swap(int &a, int &b);\n", None, "cpp"),  # a reference: C++ parses it
])
def test_header_language(source: bytes, lean: str | None, expected: str):
    assert header_language(source, lean) == expected


@pytest.mark.parametrize(("files", "expected"), [
    ([("a.cpp", "cpp"), ("a.h", "c")], "cpp"),
    ([("a.hpp", "cpp")], "cpp"),
    ([("a.c", "c"), ("a.h", "c")], "c"),
    ([("a.c", "c"), ("b.cc", "cpp")], None),
    ([("a.h", "c"), ("a.py", "python")], None),
])
def test_project_lean(files: list[tuple[str, str]], expected: str | None):
    assert project_lean(files) == expected


_HEADER_BITS = st.sampled_from([b"#ifdef __cplusplus\n", b"#ifndef __cplusplus\n", b"#if !defined(__cplusplus)\n",
                                b"#else\n", b"#elif X\n", b"#endif\n", b"/* ", b" */", b"// ", b'"', b"\\\n",
                                b"class A {", b"};\n", b"int f(void);\n", b"::x", b"template <", b"\n"])


@settings(max_examples=60, deadline=None)
@given(st.lists(_HEADER_BITS | st.binary(max_size=20), max_size=40), st.sampled_from([None, "c", "cpp"]))
def test_any_header_gets_a_language(parts: list[bytes], lean: str | None):
    # Unbalanced directives, unterminated comments and strings, garbage: always an answer.
    assert header_language(b"".join(parts), lean) in ("c", "cpp")
