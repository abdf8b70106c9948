"""A file as one searchable unit: what a question about the module, not about one of its definitions,
has to match.

A module that only re-exports (`from .x import *`, `export * from`, `pub use`), a header that is a
thin shim and a file whose items are declared inside macro invocations have no symbols of their own,
so without a unit of its own such a file could never be found. The unit holds the module docstring
or leading comment, and names: of its top-level definitions, of the words of its small top-level
statements (imports, re-exports, includes, assignments, macro invocations), of what larger ones
declare, and, when one class covers most of the file, of that class's members (it stands for the file).
"""

from __future__ import annotations

import re

from tree_sitter import Node

from kenning.models import ModuleUnit, Symbol

DOC_LIMIT = 1_000
NAMES_LIMIT = 300
SMALL_STATEMENT = 300  # bytes: a statement this short gives all its words
_DEPTH = 2  # containers descended into: include guards, namespaces, export wrappers
_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_DECLARED = re.compile(rb"\b(?:struct|enum|union|class|interface|trait|type|fn|def|function|func|mod|module|const|"
                       rb"static|var|let|macro_rules!)\s+([A-Za-z_][A-Za-z0-9_]*)")
_COVERS_FILE = 0.8  # of the file's lines: a class this large stands for its file


def module_unit(language: str, root: Node, symbols: tuple[Symbol, ...]) -> ModuleUnit:
    lines = root.end_point[0] + 1
    names: dict[str, None] = {}
    for symbol in symbols:
        if symbol.parent is None:
            names[symbol.name] = None
    covering = {s.qualified_name for s in symbols if s.parent is None and s.kind in ("class", "struct", "interface")
                and (s.end_line - s.start_line + 1) >= _COVERS_FILE * lines}
    for symbol in symbols:
        if symbol.parent in covering:
            names[symbol.name] = None
    stack = [(child, 1) for child in reversed(root.named_children)]
    while stack and len(names) < NAMES_LIMIT:
        node, depth = stack.pop()
        if "comment" in node.type:
            continue
        text = node.text or b""
        if len(text) <= SMALL_STATEMENT:
            found = _IDENTIFIER.findall(text)
        elif depth < _DEPTH:
            stack.extend((child, depth + 1) for child in reversed(node.named_children))
            continue
        else:
            found = _DECLARED.findall(text)
        names.update(dict.fromkeys(word.decode("ascii") for word in found))
    return ModuleUnit(doc=_doc(language, root), names=" ".join(list(names)[:NAMES_LIMIT]), lines=lines)


def _doc(language: str, root: Node) -> str:
    """The module docstring (Python) or the comments before the file's first code."""
    children = root.named_children
    if language == "python":
        first = next((c for c in children if "comment" not in c.type), None)
        if first is not None and first.type == "expression_statement" and first.named_child_count == 1 \
                and first.named_children[0].type == "string":
            return _text(first)[:DOC_LIMIT]
    comments = []
    for child in children:
        if "comment" not in child.type:
            if child.type not in ("php_tag", "text"):
                break
            continue
        comments.append(_text(child))
    return "\n".join(comments)[:DOC_LIMIT]


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")
