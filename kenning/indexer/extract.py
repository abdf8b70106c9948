"""Turn one source file into symbols and references with tree-sitter.

Definitions and references come from the grammar's shipped tags query; imports and
inheritance from ours (see languages.py). Nothing here recurses over the syntax tree, so
deeply nested code cannot exhaust the Python stack, and tree-sitter's error recovery means a
file with syntax errors still yields what it can.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Node, QueryCursor

from kenning.indexer.dependency_contexts import mark_dependency_contexts
from kenning.indexer.doc_comments import leading_comment
from kenning.indexer.fingerprint import TokenStream, fingerprint, shape, tokenize
from kenning.indexer.languages import CompiledLanguage, compiled, new_parser
from kenning.indexer.local_names import LocalNames
from kenning.indexer.module_units import module_unit
from kenning.indexer.modules import declared_module, module_name, namespace_name
from kenning.indexer.overloads import fold_overloads
from kenning.models import ParsedFile, Reference, Symbol

SIGNATURE_LIMIT = 300
DOCSTRING_LIMIT = 1_000
REFERENCE_TEXT_LIMIT = 200

# A function inside one of these is a method. Not inside a module: a C++/C#/PHP namespace, a Rust `mod` or
# a TypeScript namespace holds plain functions (Ruby's tags already call a module's `def` a method).
_CLASS_LIKE = frozenset({"class", "struct", "interface", "enum"})
_TAG_KINDS = {
    "function": "function", "method": "method", "class": "class", "interface": "interface",
    "type": "type", "module": "module", "constant": "constant", "macro": "macro", "field": "field",
}
_REFERENCE_KINDS = {
    "call": "call", "send": "call", "class": "type", "type": "type",
    "implementation": "implement", "interface": "implement",
}
# Stronger edge kinds win when two captures land on the same name.
_REFERENCE_PRIORITY = {"inherit": 0, "implement": 1, "import": 2, "call": 3, "type": 4}
_WHITESPACE = re.compile(r"\s+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TEMPLATE_ARGS = re.compile(r"<[^<>]*>")


# Bump whenever parse_source gives different output for the same bytes: an index made by an
# older extractor is then re-parsed in full instead of keeping stale names for unchanged files.
EXTRACTOR_VERSION = "6"  # 2: Java packages, C#/PHP namespaces name the code; 3: Ruby locals are not calls;
# 4: fingerprints keep only the file's own language's keywords; 5: Python type-only and __main__ edge kinds;
# 6: doc comments across attributes and decorators, overload stubs and prototypes folded into their
# implementation, `.h` parsed as C or C++


@dataclass(slots=True)
class _Definition:
    node: Node
    name: str
    raw_kind: str
    qualified_name: str = ""
    parent: "_Definition | None" = None
    scope: str = ""  # owner written on the definition itself, e.g. C++ `void Foo::bar()`


def parse_source(path: str, data: bytes, language: str, *, mtime_ns: int = 0) -> ParsedFile:
    """Extract symbols and references from `data`, the bytes of the file at `path`."""
    lang = compiled(language)
    try:
        data.decode("utf-8")
        decode_errors = False
    except UnicodeDecodeError:
        decode_errors = True
    tree = new_parser(language).parse(data)
    root = tree.root_node
    module, prefix = declared_module(language, root) or (module_name(path, language),) * 2

    # The patterns run once; definitions and references both read their matches.
    matches = QueryCursor(lang.patterns).matches(root)
    tag_matches = [m for m in matches if m[0] < lang.tag_pattern_count]
    extra_matches = [m for m in matches if m[0] >= lang.tag_pattern_count]
    definitions = _definitions(lang, root, prefix, [*extra_matches, *tag_matches])
    stream = tokenize(data, lang.spec.comment_style, language)
    symbols = tuple(_symbol(d, lang, path, data, stream) for d in definitions)
    symbols = fold_overloads(language, [d.node for d in definitions], symbols, DOCSTRING_LIMIT)
    references = mark_dependency_contexts(
        _references(lang, root, path, definitions, tag_matches, extra_matches), extra_matches)
    # ERROR nodes counted; a tree with only MISSING nodes (has_error, no ERROR) still counts once.
    parse_errors = max(len(QueryCursor(lang.errors).captures(root).get("error", ())), 1) if root.has_error else 0
    return ParsedFile(
        path=path,
        language=language,
        module=module,
        content_hash=content_hash(data),
        size=len(data),
        mtime_ns=mtime_ns,
        symbols=symbols,
        references=references,
        parse_errors=parse_errors,
        decode_errors=decode_errors,
        unit=module_unit(language, root, symbols),
    )


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def _definitions(lang: CompiledLanguage, root: Node, module: str, matches: list) -> list[_Definition]:
    # Keyed by name node, our query first: it refines the shipped tags (a whole C function
    # instead of its declarator, a Go struct instead of a plain type).
    found: dict[int, _Definition] = {}
    for _, captures in matches:
        names = captures.get("name")
        for capture, nodes in captures.items():
            if not capture.startswith("definition.") or not names:
                continue
            key = names[0].start_byte
            if key not in found:
                scope = _text(captures["local.scope"][0]) if "local.scope" in captures else ""
                found[key] = _Definition(nodes[0], _text(names[0]).strip(), capture.split(".", 1)[1],
                                         scope=".".join(_IDENTIFIER.findall(_TEMPLATE_ARGS.sub("", scope))))
    definitions = sorted(found.values(), key=lambda d: (d.node.start_byte, -d.node.end_byte))
    _assign_parents(definitions)
    scopes = _scope_ranges(lang, root)
    for definition in definitions:
        owner = definition.parent.qualified_name if definition.parent else module
        namespace = namespace_name(lang.spec.name, definition.node, definition.name)
        if namespace is not None:  # names itself: the file's prefix may be this very namespace
            parent = definition.parent
            definition.qualified_name = f"{parent.qualified_name}.{namespace}" if parent else namespace
            continue
        extra = definition.scope or _receiver(lang, definition.node) or _enclosing_scope(scopes, definition)
        if extra:
            owner = f"{owner}.{extra}"
        definition.qualified_name = f"{owner}.{definition.name}" if owner else definition.name
    return definitions


def _assign_parents(definitions: list[_Definition]) -> None:
    """Innermost enclosing definition, by a stack sweep over definitions sorted by start."""
    stack: list[_Definition] = []
    for definition in definitions:
        while stack and stack[-1].node.end_byte <= definition.node.start_byte:
            stack.pop()
        definition.parent = stack[-1] if stack else None
        stack.append(definition)


def _scope_ranges(lang: CompiledLanguage, root: Node) -> list[tuple[int, int, str]]:
    """Named scopes that are not definitions (Rust impl blocks), as (start, end, name)."""
    if not lang.spec.scopes:
        return []
    ranges = []
    # Scopes sit at top level or one level down (inside a mod); a shallow scan finds them.
    for top in root.children:
        for node in (top, *top.children):
            field_name = lang.spec.scopes.get(node.type)
            if field_name:
                name = _last_identifier(_text(node.child_by_field_name(field_name)))
                if name:
                    ranges.append((node.start_byte, node.end_byte, name))
    return ranges


def _enclosing_scope(scopes: list[tuple[int, int, str]], definition: _Definition) -> str | None:
    if definition.parent is not None:
        return None
    for start, end, name in scopes:
        if start <= definition.node.start_byte and definition.node.end_byte <= end:
            return name
    return None


def _receiver(lang: CompiledLanguage, node: Node) -> str | None:
    field_name = lang.spec.receivers.get(node.type)
    if not field_name:
        return None
    receiver = _text(node.child_by_field_name(field_name))
    # `(r *Recv[T])` -> Recv
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", receiver.split("[", 1)[0])
    return words[-1] if words else None


def _last_identifier(text: str) -> str:
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text.split("<", 1)[0])
    return words[-1] if words else ""


def _symbol(definition: _Definition, lang: CompiledLanguage, path: str, data: bytes, stream: TokenStream) -> Symbol:
    node = definition.node
    docstring_node = _python_docstring_node(node) if lang.spec.name == "python" else None
    # Clone detection ignores the docstring: a copy without it is still a copy.
    skip = (docstring_node.start_byte, docstring_node.end_byte) if docstring_node is not None else None
    tokens = stream.between(node.start_byte, node.end_byte, skip)
    return Symbol(
        qualified_name=definition.qualified_name,
        name=definition.name,
        kind=_kind(definition),
        language=lang.spec.name,
        path=path,
        start_line=node.start_point[0] + 1,
        end_line=node.end_point[0] + 1,
        signature=_signature(node, data),
        docstring=_docstring(node, docstring_node),
        parent=definition.parent.qualified_name if definition.parent else None,
        body_hash=hashlib.blake2b(data[node.start_byte:node.end_byte], digest_size=10).hexdigest(),
        fingerprint=fingerprint(tokens),
        shape=shape(tokens),
    )


def _kind(definition: _Definition) -> str:
    kind = _own_kind(definition)
    # Only the parent's own kind matters (a function is never class-like, whatever holds it), so
    # this looks one level up instead of recursing up a chain of nested functions.
    if kind == "function" and definition.parent is not None and _own_kind(definition.parent) in _CLASS_LIKE:
        return "method"
    return kind


def _own_kind(definition: _Definition) -> str:
    """The kind a definition's capture and node type give it, before looking at its parent."""
    kind = _TAG_KINDS.get(definition.raw_kind, definition.raw_kind)
    node_type = definition.node.type
    if kind == "method" and node_type == "function_item" and _parent_type(definition.node.parent) == "mod_item":
        return "function"  # Rust's tags call every `fn` in a `{ .. }` body a method, a `mod`'s too
    if kind in ("class", "type"):
        if "struct" in node_type:
            return "struct"
        if "enum" in node_type:
            return "enum"
        if "trait" in node_type or "interface" in node_type:
            return "interface"
    return kind


def _parent_type(node: Node | None) -> str:
    return node.parent.type if node is not None and node.parent is not None else ""


def _signature(node: Node, data: bytes) -> str:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
    text = data[node.start_byte:end].decode("utf-8", errors="replace")
    if body is None:
        text = text.split("\n", 1)[0]
    text = _WHITESPACE.sub(" ", text).strip().rstrip("{").rstrip()
    return text[:SIGNATURE_LIMIT]


def _python_docstring_node(node: Node) -> Node | None:
    body = node.child_by_field_name("body")
    if body is None or body.named_child_count == 0:
        return None
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_child_count == 1:
        inner = first.named_children[0]
        if inner.type == "string":
            return first
    return None


def _docstring(node: Node, docstring_node: Node | None) -> str:
    if docstring_node is not None:
        text = _text(docstring_node).strip()
        text = re.sub(r"^[rRbBuU]{0,2}(\"\"\"|'''|\"|')", "", text)
        text = re.sub(r"(\"\"\"|'''|\"|')$", "", text)
        return _clean_doc(text)
    return _clean_doc(leading_comment(node))


def _clean_doc(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines()]
    return "\n".join(lines).strip()[:DOCSTRING_LIMIT]


def _references(
    lang: CompiledLanguage, root: Node, path: str, definitions: list[_Definition],
    tag_matches: list, extra_matches: list,
) -> tuple[Reference, ...]:
    name_starts = set()
    for d in definitions:
        name_node = d.node.child_by_field_name("name")
        if name_node is not None:
            name_starts.add(name_node.start_byte)
    raw: dict[tuple[int, str], tuple[str, str, str, int, int]] = {}

    def add(kind: str, name: str, text: str, node: Node) -> None:
        if not name:
            return
        key = (node.start_byte, name)
        current = raw.get(key)
        if current is None or _REFERENCE_PRIORITY[kind] < _REFERENCE_PRIORITY[current[0]]:
            raw[key] = (kind, name, text, node.start_point[0] + 1, node.start_byte)

    local_names = LocalNames(lang.locals, root) if lang.locals is not None else None
    # Our query may add references too, e.g. calls for C and C++, whose tags have none.
    for number, (pattern, captures) in enumerate([*tag_matches, *extra_matches]):
        names = captures.get("name")
        if not names:
            continue
        for capture, nodes in captures.items():
            kind = _reference_kind(capture)
            name_node = names[0]
            if kind is None or name_node.start_byte in name_starts:
                continue
            if (local_names is not None and number < len(tag_matches) and pattern in lang.not_local_patterns
                    and local_names.is_local(name_node)):
                continue  # a variable read, which the pattern's `(#is-not? local)` excludes
            add(kind, _text(name_node).strip(), _reference_text(nodes[0], name_node), name_node)
    for _, captures in extra_matches:
        _extra_references(captures, add, lang.spec.import_separator)
    ordered = sorted(raw.values(), key=lambda r: r[4])
    sources = _innermost_sources(definitions, [r[4] for r in ordered])
    return tuple(Reference(path=path, kind=kind, name=name, text=text, line=line, source=source)
                 for (kind, name, text, line, _), source in zip(ordered, sources))


@lru_cache(maxsize=None)
def _reference_kind(capture: str) -> str | None:
    """The edge kind of a `reference.*` capture; None for any other capture."""
    prefix, _, kind = capture.partition(".")
    return _REFERENCE_KINDS.get(kind) if prefix == "reference" else None


def _reference_text(reference_node: Node, name_node: Node) -> str:
    function = reference_node.child_by_field_name("function")
    if function is None:
        # Some tags (JavaScript's) mark a call's arguments; the callee then sits on the parent.
        parent = reference_node.parent
        if parent is not None and parent.child_by_field_name("arguments") == reference_node:
            function = parent.child_by_field_name("function")
    node = function if function is not None else name_node
    return "".join(_text(node).split())[:REFERENCE_TEXT_LIMIT]


def _extra_references(captures: dict[str, list[Node]], add, separator: str = ".") -> None:
    alias = _text(captures["import.alias"][0]).strip() if "import.alias" in captures else ""
    if "import" in captures:
        for node in captures["import"]:
            module = _strip_quotes(_text(node))
            add("import", alias or module, module, node)
    elif "import.from" in captures:
        base = _strip_quotes(_text(captures["import.from"][0]))
        names = captures.get("import.name")
        if not names:
            add("import", base, base, captures["import.from"][0])
        for node in names or ():
            name = _text(node).strip()
            joined = f"{base}{name}" if base.endswith(separator) else f"{base}{separator}{name}"
            add("import", alias or name, joined, node)
    for capture, kind in (("inherit", "inherit"), ("implement", "implement")):
        for node in captures.get(capture, ()):
            text = _WHITESPACE.sub("", _text(node))[:REFERENCE_TEXT_LIMIT]
            add(kind, _last_identifier(text), text, node)


def _strip_quotes(text: str) -> str:
    return text.strip().strip("\"'`<>").strip()


def _innermost_sources(definitions: list[_Definition], offsets: list[int]) -> list[str | None]:
    """The qualified name of the innermost definition holding each byte offset (offsets ascending),
    by one sweep: definitions are sorted by start, nested ones after their parent."""
    out: list[str | None] = []
    open_now: list[_Definition] = []
    following = 0
    for offset in offsets:
        while following < len(definitions) and definitions[following].node.start_byte <= offset:
            open_now.append(definitions[following])
            following += 1
        if open_now and open_now[-1].node.end_byte <= offset:
            # What ended at or before this offset stays closed for every later one.
            open_now = [d for d in open_now if d.node.end_byte > offset]
        out.append(open_now[-1].qualified_name if open_now else None)
    return out
