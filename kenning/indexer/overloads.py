"""Overload stubs and prototypes folded into the definition they describe.

A Python `@overload` stub, a TypeScript overload signature (a function or method declared without
a body) and a C/C++ prototype name the same function as the implementation beside them; as
symbols of their own they fill results ahead of the code. Each is folded into the implementation
of the same qualified name in the same file: one symbol, the implementation's span and signature,
its docstring (or else the first stub's) followed by the stubs' signatures, so that search still
reads them, and the most specific parent of the lot (a C++ method defined outside its class has its
class as parent, as its declaration inside did). Stubs with no implementation in the file stay:
Python and TypeScript ones (a `.pyi`, a `.d.ts`, an interface) fold into the first of them; C/C++
prototypes, whose definition is in another file, keep one symbol each, of kind "declaration" (a
pure virtual method stays a method).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from tree_sitter import Node

from kenning.models import Symbol

DECLARATION = "declaration"
_FUNCTION_KINDS = frozenset({"function", "method"})
_C_FAMILY = frozenset({"c", "cpp"})
_SIGNATURE_NODES = frozenset({"function_signature", "method_signature"})  # TypeScript's bodiless declarations
_PROTOTYPE_NODES = frozenset({"declaration", "field_declaration"})


def fold_overloads(
    language: str, nodes: Sequence[Node], symbols: Sequence[Symbol], doc_limit: int,
) -> tuple[Symbol, ...]:
    """`symbols` (one per definition node, in file order) with stubs folded as the module says."""
    stubs = [s.kind in _FUNCTION_KINDS and _is_stub(language, node) for node, s in zip(nodes, symbols)]
    if not any(stubs):
        return tuple(symbols)
    implementations: dict[str, list[int]] = defaultdict(list)
    for i, (symbol, stub) in enumerate(zip(symbols, stubs)):
        if not stub and symbol.kind in _FUNCTION_KINDS:
            implementations[symbol.qualified_name].append(i)
    into: dict[int, list[int]] = defaultdict(list)  # index of the symbol kept -> stubs folded into it
    first_stub: dict[str, int] = {}
    for i, stub in enumerate(stubs):
        if not stub:
            continue
        name = symbols[i].qualified_name
        found = implementations.get(name)
        if found:  # the next implementation (stubs come first), else the last one before
            following = bisect.bisect(found, i)
            into[found[following] if following < len(found) else found[-1]].append(i)
        elif language not in _C_FAMILY and first_stub.setdefault(name, i) != i:
            into[first_stub[name]].append(i)
    folded = {i for group in into.values() for i in group}
    kept = []
    for i, symbol in enumerate(symbols):
        if i in into:
            kept.append(_with_stubs(symbol, [symbols[j] for j in into[i]], language, doc_limit))
        elif i not in folded:
            kept.append(replace(symbol, kind=DECLARATION) if stubs[i] and language in _C_FAMILY else symbol)
    return tuple(kept)


def _is_stub(language: str, node: Node) -> bool:
    if language == "python":
        return node.parent is not None and node.parent.type == "decorated_definition" and any(
            _is_overload_decorator(child) for child in node.parent.named_children if child.type == "decorator")
    if language in ("typescript", "tsx"):
        return node.type in _SIGNATURE_NODES
    if language in _C_FAMILY:
        if node.type in _PROTOTYPE_NODES:  # but a pure virtual method (`= 0`) is all the definition there is
            return node.child_by_field_name("default_value") is None
        if node.type == "function_declarator":  # tags.scm's capture: a prototype unless a definition holds it
            holder = node.parent
            while holder is not None and holder.type.endswith("declarator"):
                holder = holder.parent
            return holder is None or holder.type != "function_definition"
    return False


def _is_overload_decorator(decorator: Node) -> bool:
    # `@overload`, `@typing.overload`, `@typing_extensions.overload`
    name = (decorator.text or b"").lstrip(b"@").strip()
    return name == b"overload" or name.endswith(b".overload")


def _with_stubs(implementation: Symbol, stubs: list[Symbol], language: str, doc_limit: int) -> Symbol:
    own = _comparable(implementation.signature)
    signatures = list(dict.fromkeys(_comparable(s.signature) for s in stubs if _comparable(s.signature) != own))
    docstring = implementation.docstring or next((s.docstring for s in stubs if s.docstring), "")
    if signatures:
        label = "Declared as:" if language in _C_FAMILY else "Overloads:"
        docstring = "\n\n".join(part for part in (docstring, "\n".join([label, *signatures])) if part)
    # A C++ method defined outside its class has the namespace as parent; its declaration knows the class.
    parent = max((implementation.parent, *(s.parent for s in stubs)), key=lambda name: len(name or ""))
    return replace(implementation, docstring=docstring[:doc_limit], parent=parent)


def _comparable(signature: str) -> str:
    return signature.rstrip(";:").strip()  # a prototype's `;`, the colon before a Python stub's `...`
