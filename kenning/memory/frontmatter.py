"""Markdown documents with YAML front matter, and the Markdown pieces memory files use.

A document is ``---\\n<yaml mapping>\\n---\\n<markdown body>``. ``render`` and ``parse``
round-trip exactly: ``parse(render(meta, body)) == (meta, body)`` for any mapping of
YAML-safe values and any body. Dates and timestamps a human types unquoted come back as
ISO strings, so every value read is JSON-ready.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from kenning.errors import InvalidInput, StorageError
from kenning.memory.filestore import version_of

_DELIMITER = "---"
# The C implementations when libyaml is present: the same safe subset, several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# Only '\n' ends a line: str.splitlines would also split on characters like U+2028 in text.
_CLOSING = re.compile(r"^(?:---|\.\.\.)\r?(?:\n|\Z)", re.MULTILINE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")


def read_text(path: Path) -> str:
    """The file's text; invalid UTF-8 is an error naming the file and the byte offset."""
    return read_versioned(path)[0]


def read_versioned(path: Path) -> tuple[str, str]:
    """(text, version) of a file, both from one read: the version a rewrite of it must expect."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise StorageError(f"cannot read {path}: {e.strerror or e}") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            f"{path} is not valid UTF-8 (bad byte at offset {e.start}); re-save it as UTF-8"
        ) from e
    return text.removeprefix("\ufeff"), version_of(data)


def parse(text: str, source: Path | str, *, required: bool = True) -> tuple[dict[str, Any], str]:
    """Split a document into (front matter, body).

    Without a leading ``---`` line the document has no front matter: an error when
    ``required``, else ``({}, text)``.
    """
    first, _, rest = text.partition("\n")
    if first.rstrip("\r") != _DELIMITER:
        if required:
            raise InvalidInput(f"{source} has no YAML front matter: the first line must be '---'")
        return {}, text
    closing = _CLOSING.search(rest)
    if closing is None:
        raise InvalidInput(f"{source}: front matter is not closed; add a '---' line after it")
    meta = _load_yaml(rest[: closing.start()], source)
    body = rest[closing.end() :]
    # render() puts one blank line between the closing '---' and the body.
    for newline in ("\r\n", "\n"):
        if body.startswith(newline):
            return meta, body[len(newline) :]
    return meta, body


def render(meta: dict[str, Any], body: str) -> str:
    """The document text for a front-matter mapping and a Markdown body."""
    try:
        dumped = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True) if meta else ""
    except yaml.YAMLError as e:
        bad = e.args[-1] if e.args else e
        raise InvalidInput(f"cannot store {bad!r} in front matter; use text, numbers, booleans, lists and mappings") from e
    return f"{_DELIMITER}\n{dumped}{_DELIMITER}\n\n{body}"


def _load_yaml(text: str, source: Path | str) -> dict[str, Any]:
    try:
        loaded = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""  # +2: 1-based, after '---'
        problem = getattr(e, "problem", None) or str(e)
        raise InvalidInput(f"{source}: front matter is not valid YAML{where} ({problem}); fix the file by hand") from e
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidInput(
            f"{source}: front matter must be a mapping of 'key: value' lines, not a {type(loaded).__name__}"
        )
    return _jsonable(loaded)


def _jsonable(value: Any) -> Any:
    """Unquoted dates/timestamps typed by hand become ISO strings, recursively."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def split_sections(body: str, level: int = 2) -> tuple[str, list[tuple[str, str]]]:
    """(text before the first heading, [(heading, text), ...]) for headings of one level.

    Headings inside fenced code blocks are text, not section breaks.
    """
    marker = "#" * level + " "
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and line.startswith(marker):
            sections.append((line[len(marker) :].strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    return "\n".join(preamble).strip(), [(h, "\n".join(text).strip()) for h, text in sections]


def bullets(text: str) -> list[str]:
    """The items of a Markdown bullet list; indented lines continue the previous item."""
    items: list[list[str]] = []
    for line in text.split("\n"):
        match = _BULLET.match(line)
        if match:
            items.append([match.group(1).rstrip()])
        elif items and not line.strip():
            items[-1].append("")  # a blank line inside an item, or between items (stripped below)
        elif items and line.startswith((" ", "\t")):
            items[-1].append(line.strip())
    return ["\n".join(parts).strip() for parts in items if "".join(parts).strip()]


def bullet_list(items: list[str] | tuple[str, ...], prefix: str = "- ") -> str:
    """Render items as a bullet list, continuation lines indented so ``bullets`` reads them back."""
    indent = " " * len(prefix)
    return "\n".join(prefix + _indent_rest(item, indent) for item in items)


def _indent_rest(text: str, indent: str) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first, *(indent + line if line else "" for line in rest)])


def has_heading(text: str, level: int = 2) -> bool:
    """Whether text would open a new section if put in a body (outside code fences)."""
    return bool(split_sections(text, level)[1])


# Front-matter field readers: a wrong type names the file and the key, so a hand edit
# that breaks a file is reported where it happened.


def text_field(meta: dict[str, Any], key: str, source: Path | str, default: str = "") -> str:
    value = meta.get(key, default)
    if value is None:
        return default
    if isinstance(value, (dict, list)):
        raise InvalidInput(f"{source}: '{key}' must be text, not a {type(value).__name__}")
    return str(value)


def text_list(meta: dict[str, Any], key: str, source: Path | str) -> tuple[str, ...]:
    """A list of strings; a single value typed by hand counts as a one-item list."""
    value = meta.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        value = [value]
    if any(isinstance(v, (dict, list)) or v is None for v in value):
        raise InvalidInput(f"{source}: '{key}' must be a list of plain values")
    return tuple(str(v) for v in value)


def mapping_list(meta: dict[str, Any], key: str, source: Path | str) -> tuple[dict[str, Any], ...]:
    value = meta.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidInput(f"{source}: '{key}' must be a list of mappings (lines like '- path: src/app.py')")
    return tuple(value)


def mapping_field(meta: dict[str, Any], key: str, source: Path | str) -> dict[str, Any] | None:
    value = meta.get(key)
    if value is not None and not isinstance(value, dict):
        raise InvalidInput(f"{source}: '{key}' must be a mapping")
    return value


def choice_field(meta: dict[str, Any], key: str, source: Path | str, choices: tuple[str, ...]) -> str:
    value = str(meta.get(key, "")).strip().lower()
    if value not in choices:
        raise InvalidInput(f"{source}: '{key}' is {meta.get(key)!r}; use one of {', '.join(choices)}")
    return value
