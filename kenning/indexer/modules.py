"""Module names derived from paths: the prefix of every qualified name in a file."""

from __future__ import annotations

from pathlib import PurePosixPath

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
