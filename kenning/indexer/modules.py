"""Module names derived from paths: the prefix of every qualified name in a file."""

from __future__ import annotations

from pathlib import PurePosixPath

from tree_sitter import Node

# File stems that stand for their folder: `pkg/__init__.py` is module `pkg`.
_FOLDER_STEMS = {
    "python": {"__init__"},
    "javascript": {"index"}, "typescript": {"index"}, "tsx": {"index"},
    "rust": {"mod", "lib", "main"},
}


def module_name(path: str, language: str) -> str:
    """`json/decoder.py` -> `json.decoder`; `pkg/__init__.py` -> `pkg`; Go and Java files -> their package folder."""
    pure = PurePosixPath(path)
    parts = list(pure.parent.parts)
    stem = pure.stem if language == "python" else pure.name.split(".", 1)[0]
    # A Go package is its folder; every file in it shares the names.
    folder_only = language in ("go", "java") or stem in _FOLDER_STEMS.get(language, ())
    if not (folder_only and parts):
        parts.append(stem)
    return ".".join(part.replace(".", "_") for part in parts if part not in ("", "."))


def declared_module(language: str, root: Node) -> tuple[str, str] | None:
    """(the file's module, the prefix of its top-level names) from its package or namespace declaration.

    Java's `package a.b;`, C#'s `namespace A.B;` and PHP's `namespace A\\B;` name where a file's
    code lives, whatever folder holds it (`src/main/java/...`). A C# block namespace is itself a
    definition that its classes sit in, so it names the module but adds no prefix. None when the
    language has no such declaration or the file makes none: names then come from the path.
    """
    if language not in _DECLARING:
        return None
    for node in root.children:
        if node.type not in _DECLARING[language]:
            continue
        name_node = node.child_by_field_name("name") or next(iter(node.named_children), None)
        name = _dotted(name_node.text) if name_node is not None and name_node.text else ""
        if not name:
            return None
        return (name, "") if node.type == "namespace_declaration" else (name, name)
    return None


_DECLARING = {
    "java": {"package_declaration"},
    "csharp": {"file_scoped_namespace_declaration", "namespace_declaration"},
    "php": {"namespace_definition"},
}


def namespace_name(language: str, node: Node, name: str) -> str | None:
    """The dotted name a namespace definition gives itself (`App\\Models` -> `App.Models`); None for other nodes."""
    return _dotted(name.encode()) if node.type in _DECLARING.get(language, ()) else None


def _dotted(text: bytes) -> str:
    return text.decode("utf-8", errors="replace").strip().replace("\\", ".").replace("::", ".")
