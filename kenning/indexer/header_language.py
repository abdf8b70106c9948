"""C or C++ for a `.h` header, which both languages use.

Decided per file, cheapest evidence first:
1. its content: a construct only C++ has (`class X`, `namespace`, `template<`, `::`, `public:`, an
   extensionless standard header such as `<vector>`) outside comments, strings and
   `#ifdef __cplusplus` blocks (a C header's `extern "C"` guard is neutral);
2. the project's other files: C++ sources and no `.c` lean C++, `.c` sources and no C++ lean C
   (`project_lean`, computed from the walk the indexer already made);
3. otherwise both grammars parse what a C compiler would read of it (no `__cplusplus` blocks) and
   the one with fewer ERROR nodes wins, C on a tie.
Only the last step parses, so in a project that leans one way a header costs a regex pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import QueryCursor

from kenning.indexer.languages import compiled, new_parser

HEADER_SUFFIX = ".h"

_C_SOURCES = (".c",)
_COMMENTS_AND_LITERALS = re.compile(rb"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)
# Constructs only C++ has. Each pattern starts with a literal, which lets `re` skip ahead to it (a
# leading `\b` makes it try every position: 10x slower); `_cpp_construct` checks the word start.
_CPP_ONLY = tuple(re.compile(pattern) for pattern in (
    rb"namespace\s*(?:[A-Za-z_]\w*\s*)?[{=]", rb"template\s*<", rb"class\s+[A-Za-z_]\w*\s*(?:final\s*)?[:{;<]",
    rb"::~?[A-Za-z_]", rb"public\s*:(?!:)", rb"private\s*:(?!:)", rb"protected\s*:(?!:)",
    rb"constexpr\b", rb"nullptr\b", rb"noexcept\b", rb"decltype\b",
    rb"#[ \t]*include[ \t]*<[A-Za-z_]+>",  # C's standard headers all end in .h: <vector>, <cstdio>
))
_DIRECTIVE = re.compile(rb"\n[ \t]*#[ \t]*(\w+)([^\n]*)")
_NOT_CPLUSPLUS = re.compile(rb"!\s*(?:defined\s*\(?\s*)?__cplusplus")


def is_header(path: str) -> bool:
    return path.lower().endswith(HEADER_SUFFIX)


def project_lean(files: Iterable[tuple[str, str]]) -> str | None:
    """"c", "cpp" or None (both or neither) from the (path, language) of a project's files."""
    has_c = has_cpp = False
    for path, language in files:
        has_cpp = has_cpp or language == "cpp"
        has_c = has_c or (language == "c" and path.lower().endswith(_C_SOURCES))
    if has_c != has_cpp:
        return "c" if has_c else "cpp"
    return None


def header_language(data: bytes, lean: str | None = None) -> str:
    """The grammar to parse a `.h` file's bytes with: "c" or "cpp"."""
    c_view = _without_cplusplus_blocks(data)  # what a C compiler reads of it
    # Comments and strings are blanked only when a construct shows at all: most C headers skip it.
    if _cpp_construct(c_view) and _cpp_construct(_COMMENTS_AND_LITERALS.sub(_blank, c_view)):
        return "cpp"
    if lean is not None:
        return lean
    c_errors = _error_count("c", c_view)
    return "c" if c_errors == 0 or c_errors <= _error_count("cpp", c_view) else "cpp"


def _cpp_construct(text: bytes) -> bool:
    for pattern in _CPP_ONLY:
        if not pattern.pattern[:1].isalpha():  # `::`, `#include`: no word to start
            if pattern.search(text):
                return True
            continue
        for match in pattern.finditer(text):  # `namespace`, not `my_namespace`
            before = text[match.start() - 1:match.start()]
            if not (before.isalnum() or before == b"_"):
                return True
    return False


def _blank(match: re.Match) -> bytes:
    return b"\n" * match.group().count(b"\n") or b" "


def _without_cplusplus_blocks(text: bytes) -> bytes:
    """`text` less the branches that only a C++ compiler sees (`#ifdef __cplusplus ... #endif`)."""
    if b"__cplusplus" not in text:
        return text
    kept: list[bytes] = []
    depth = 0
    skipping_at = 0  # nesting depth of the branch being dropped; 0 when keeping
    cpp_branch_first: dict[int, bool] = {}  # per open `#if` on __cplusplus: is its first branch C++'s?
    text = b"\n" + text  # every directive then follows a line break, which `re` can skip ahead to
    position = 0
    for match in _DIRECTIVE.finditer(text):
        if not skipping_at:
            kept.append(text[position:match.start()])
        position = match.end()
        directive, rest = match.group(1), match.group(2)
        if directive.startswith(b"if"):
            depth += 1
            if b"__cplusplus" in rest:
                negated = directive == b"ifndef" or _NOT_CPLUSPLUS.search(rest) is not None
                cpp_branch_first[depth] = not negated
                if not negated and not skipping_at:
                    skipping_at = depth
        elif directive in (b"else", b"elif") and depth in cpp_branch_first:
            if skipping_at == depth:
                skipping_at = 0
            elif not skipping_at and not cpp_branch_first[depth]:
                skipping_at = depth
        elif directive == b"endif":
            cpp_branch_first.pop(depth, None)
            if skipping_at == depth:
                skipping_at = 0
            depth = max(depth - 1, 0)
    if not skipping_at:
        kept.append(text[position:])
    return b"\n".join(kept)


def _error_count(language: str, data: bytes) -> int:
    root = new_parser(language).parse(data).root_node
    if not root.has_error:
        return 0
    return max(len(QueryCursor(compiled(language).errors).captures(root).get("error", ())), 1)
