"""How code is wired in besides the references the index holds: what disconnected.py reads from the text.

- bare names: a Python name read as an identifier (a value in a dict, a callback, a type in an
  annotation, quoted or not) uses what it names. The index holds calls, imports, bases and types; a
  `DECODERS = {"deflate": DeflateDecoder}` is none of them.
- dynamic loading: a module whose file name is no identifier (`unicode10-0-0.py`) is never imported by
  name; a computed import (`import_module(f"pkg.plugins.{name}")`, `import_module(name, "pkg.data")`,
  ``require(`./commands/${cmd}`)``, `require(path.join(__dirname, 'cmds', cmd))`) loads the modules
  its literal part names. A computed import with no literal part says nothing of where it loads from.
- a published library: a package with a `py.typed` file (PEP 561) is imported by code outside the
  project, so its public modules (no `_` in any part of the path) and their public names are its API.
"""

from __future__ import annotations

import ast
import posixpath
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

from kenning.indexer.stubs import last_name

_PY_LOADERS = {"import_module", "__import__"}
# A JavaScript require() or import() whose argument starts as a template or a concatenation.
_JS_COMPUTED = re.compile(r"\b(?:require|import)\s*\(\s*(?:`(?P<template>[^`$]*)\$\{"
                          r"|(?P<quote>['\"])(?P<concat>[^'\"\n]*)(?P=quote)\s*\+)")
# A path built from the file's folder: path.join(__dirname, 'cmds', name), path.resolve(__dirname, 'cli/entry.js').
_JS_DIRNAME = re.compile(r"\.(?:join|resolve)\(\s*__dirname\s*,(?P<parts>(?:\s*['\"][^'\"\n]*['\"]\s*,?)*)\s*(?P<end>\)?)")
_JS_PART = re.compile(r"['\"]([^'\"\n]*)['\"]")
_JS_EXTENSION = re.compile(r"\.[cm]?[jt]sx?$")


@lru_cache(maxsize=512)
def bare_names(text: str, attributes: bool = False) -> dict[str, tuple[int, ...]]:
    """Python: name -> the lines it is read on as an identifier (with `attributes`, also `x.name` and
    the names a `from m import name as other` imports: another file's uses of what a module defines)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    found: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.setdefault(node.id, []).append(node.lineno)
        elif attributes and isinstance(node, ast.Attribute):
            found.setdefault(node.attr, []).append(node.lineno)
        elif attributes and isinstance(node, ast.ImportFrom):  # `from m import name as _name`
            for alias in node.names:
                found.setdefault(alias.name, []).append(node.lineno)
        for annotation in _annotations(node):
            for name in _quoted_names(annotation):
                found.setdefault(name, []).append(annotation.lineno)
    return {name: tuple(lines) for name, lines in found.items()}


def _annotations(node: ast.AST) -> list[ast.Constant]:
    """The quoted annotations on a node: `x: "Foo"`, `def f(a: "Foo") -> "list[Bar]"`."""
    hints = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        hints.append(node.returns)
    elif isinstance(node, ast.arg):
        hints.append(node.annotation)
    elif isinstance(node, ast.AnnAssign):
        hints.append(node.annotation)
    found = []
    for hint in hints:
        for part in ast.walk(hint) if hint is not None else ():
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                found.append(part)
    return found


def _quoted_names(constant: ast.Constant) -> list[str]:
    try:
        expression = ast.parse(constant.value.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return []
    return [n.id for n in ast.walk(expression) if isinstance(n, ast.Name)]


def importable(path: str) -> bool:
    """Whether an import statement can name the module: a Python file whose name is an identifier."""
    name = PurePosixPath(path)
    return name.suffix != ".py" or name.stem.isidentifier()


def loaded_prefixes(path: str, module: str, text: str) -> set[str]:
    """What the file's computed imports load: dotted modules (Python) or paths without their extension
    (JavaScript), ending in `*` where the rest is computed."""
    if path.endswith(".py"):
        return _python_prefixes(module, path, text) if ("import_module" in text or "__import__" in text) else set()
    if "require" not in text and "import" not in text:
        return set()
    folder = posixpath.dirname(path)
    literals = [(m.group("template") if m.group("template") is not None else m.group("concat"), True)
                for m in _JS_COMPUTED.finditer(text)]
    for match in _JS_DIRNAME.finditer(text):
        folders = "/".join(p.strip("/") for p in _JS_PART.findall(match.group("parts")))
        computed = not match.group("end")
        literals.append(("./" + folders + ("/" if computed else ""), computed))
    prefixes = set()
    for literal, computed in literals:
        if not literal.startswith("."):
            continue  # a package, or no literal part at all
        joined = posixpath.normpath(posixpath.join(folder, literal)) + ("/" if literal.endswith("/") else "")
        prefixes.add(joined + "*" if computed else _JS_EXTENSION.sub("", joined))
    return prefixes


def _python_prefixes(module: str, path: str, text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    prefixes = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or last_name(node) not in _PY_LOADERS or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant):
            continue  # a literal name: an import by name, not a computed one
        literal = _leading_literal(first)
        anchor = next((a.value for a in node.args[1:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)),
                      package)
        if literal.startswith("."):
            literal = _relative(anchor, literal)
        elif not literal and anchor is not package:
            literal = anchor + "."  # import_module(name, "pkg.data"): somewhere in pkg.data
        if literal:
            prefixes.add(literal + "*")
    return prefixes


def _leading_literal(node: ast.expr) -> str:
    """The literal start of a computed string: f"a.{x}" -> "a.", "a." + x -> "a.", x -> ""."""
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = node.left
        if isinstance(left, ast.Constant) and isinstance(left.value, str):
            return left.value
        return _leading_literal(left)
    return ""


def _relative(package: str, literal: str) -> str:
    dots = len(literal) - len(literal.lstrip("."))
    parts = package.split(".") if package else []
    base = parts[:len(parts) - dots + 1] if dots > 1 else parts
    return ".".join([*base, literal[dots:]]) if base else literal[dots:]


def dynamically_loaded(path: str, module: str, prefixes: set[str]) -> bool:
    """Whether this module is among what `loaded_prefixes` found: "a.b.*" or "lib/cmds/*" loads the
    modules of that folder (the computed part may not be a subfolder), "lib/cli/entry" that module alone."""
    python = path.endswith(".py")
    name = module if python else _JS_EXTENSION.sub("", path)
    return any(_loads(p, name, "." if python else "/") for p in prefixes)


def _loads(prefix: str, name: str, separator: str) -> bool:
    if not prefix.endswith("*"):
        return name == prefix
    start = prefix[:-1]  # the computed rest names a module in that folder, not one further down
    return name.startswith(start) and separator not in name[len(start):]


class Published:
    """Which Python files are the public API of a published library (a package holding `py.typed`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._typed: dict[str, bool] = {}

    def api(self, path: str) -> bool:
        parts = PurePosixPath(path).parts
        if not path.endswith(".py") or any(p.startswith("_") and p != "__init__.py" for p in parts):
            return False
        return self._in_typed_package(posixpath.dirname(path))

    def _in_typed_package(self, folder: str) -> bool:
        """The folder, or a package above it, holds py.typed; only packages (with __init__.py) count."""
        if not folder or folder == ".":
            return False
        if folder not in self._typed:
            directory = self.root / folder
            if not (directory / "__init__.py").is_file():
                self._typed[folder] = False
            else:
                self._typed[folder] = (directory / "py.typed").is_file() \
                    or self._in_typed_package(posixpath.dirname(folder))
        return self._typed[folder]
