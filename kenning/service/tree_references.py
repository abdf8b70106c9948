"""Unresolved references in proposed JavaScript, TypeScript and Go files (kind "unresolved").

Reported, on the lines the change alters:
- a relative import (`./x`, `../y/z`) that names no file on disk (JavaScript, TypeScript), or an import of
  the project's own Go module (go.mod's `module` path) whose package folder does not exist;
- `m.f()` where `m` is bound by an import to a project module (a file, a Go package) in which `f` does not
  occur as a word at all;
- a bare call `f()` of a name nothing in the file binds (no declaration, parameter, import or any use of
  the name other than calling it): in Go, when the package's other files do not mention it either and it
  is no builtin; in JavaScript and TypeScript, whose globals are open-ended, only when a project or file
  name close to it exists, so a typo of a real function is said and an unknown global is not.
A name that occurs anywhere else is taken as defined: these languages bind names in more ways than a
cheap check can follow, and a missed finding costs less than a false one.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from kenning.indexer.languages import new_parser
from kenning.service.project_view import NAMED, ProjectView
from kenning.service.references_check import closest, finding

TREE_LANGUAGES = frozenset({"javascript", "typescript", "tsx", "go"})
_JS_SUFFIXES = ("", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".d.ts", ".json", ".node",
                "/index.js", "/index.ts", "/index.tsx", "/index.mjs", "/index.jsx", "/package.json")
_GO_BUILTINS = frozenset(
    "append cap clear close complex copy delete imag len make max min new panic print println real recover"
    " bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string uint uint8"
    " uint16 uint32 uint64 uintptr any comparable".split())
_IDENTIFIER_TYPES = frozenset({"identifier", "shorthand_property_identifier_pattern", "shorthand_property_identifier",
                               "type_identifier", "field_identifier", "package_identifier"})
_CALL_TYPES = frozenset({"call_expression", "new_expression"})
# The standard globals of JavaScript engines, browsers and Node that code calls bare.
_JS_GLOBALS = frozenset(
    "parseInt parseFloat isNaN isFinite encodeURI encodeURIComponent decodeURI decodeURIComponent escape unescape"
    " eval setTimeout clearTimeout setInterval clearInterval setImmediate clearImmediate queueMicrotask"
    " structuredClone fetch require atob btoa alert confirm prompt Symbol BigInt Number String Boolean Object"
    " Array Date RegExp Error TypeError RangeError SyntaxError Promise Proxy Map Set WeakMap WeakSet"
    " requestAnimationFrame cancelAnimationFrame describe it test expect beforeEach afterEach".split())
_JS_CLOSE = 0.75
# Bases from the platform whose members are fixed: Node's EventEmitter, the Error classes.
_EMITTER = frozenset("on once off emit addListener removeListener removeAllListeners prependListener"
                     " prependOnceListener listeners rawListeners listenerCount setMaxListeners getMaxListeners"
                     " eventNames".split())
_ERROR = frozenset({"toString", "captureStackTrace"})
_KNOWN_BASES = {"EventEmitter": _EMITTER, "Error": _ERROR, "TypeError": _ERROR, "RangeError": _ERROR}


def tree_findings(view: ProjectView, changed: set[int]) -> list[dict]:
    usage = _usage(view.parsed.language, view.text(view.path))
    go = view.parsed.language == "go"
    if go and re.search(r'^\s*(import\s+)?\.\s+"', view.text(view.path), re.M):
        usage = {}  # a dot import brings a package's names in bare: nothing bare is checked
    module = _go_module(view) if go else None
    out = []
    references = view.resolved_here
    for ref in references:
        if ref.line not in changed:
            continue
        if ref.kind == "import":
            found = _go_import(view, ref, module) if go else _js_import(view, ref)
        elif ref.kind == "call" and ref.text == ref.name:
            found = _bare_call(view, ref, usage, go)
        elif ref.kind == "call" and not go and ref.text.startswith("this.") and ref.text.count(".") == 1:
            found = _this_call(view, ref)
        elif ref.kind == "call" and ref.text.count(".") == 1 and ref.confidence < NAMED:
            found = _module_call(view, ref, go)
        else:
            found = None
        if found is not None:
            out.append(found)
    return out


# -- imports -------------------------------------------------------------------------------------

def _js_import(view: ProjectView, ref) -> dict | None:
    if not ref.text.startswith(("./", "../")):
        return None
    base = posixpath.normpath(posixpath.join(posixpath.dirname(view.path), ref.text))
    if any((view.root / (base + suffix)).exists() for suffix in _JS_SUFFIXES) or base + ".js" in view.modules:
        return None
    folder = view.root / posixpath.dirname(base)
    nearby = [(p.name.split(".")[0], posixpath.join(posixpath.dirname(base), p.name))
              for p in folder.iterdir()] if folder.is_dir() else []
    return finding(ref.line, ref.text, f"`{ref.text}` names no file in the project", closest(posixpath.basename(base),
                                                                                               nearby))


def _go_module(view: ProjectView) -> str | None:
    match = re.search(r"^module\s+(\S+)", view.text("go.mod"), re.M)
    return match.group(1).strip('"') if match else None


def _go_import(view: ProjectView, ref, module: str | None) -> dict | None:
    if module is None or not ref.text.startswith(module + "/"):
        return None
    folder = ref.text[len(module) + 1:]
    if (view.root / folder).is_dir():
        return None
    parent = view.root / posixpath.dirname(folder)
    nearby = [(p.name, f"{posixpath.dirname(folder)}/{p.name}".lstrip("/")) for p in parent.iterdir()
              if p.is_dir()] if parent.is_dir() else []
    return finding(ref.line, ref.text, f"`{ref.text}`: the module {module} has no package `{folder}`",
                   closest(posixpath.basename(folder), nearby))


# -- calls ---------------------------------------------------------------------------------------

def _bare_call(view: ProjectView, ref, usage: dict[str, bool], go: bool) -> dict | None:
    name = ref.name
    if not usage or usage.get(name, True) or (ref.target is not None and ref.confidence >= NAMED):
        return None  # bound in the file (or not seen as a call at all)
    candidates = [(n, "this file") for n, bound in usage.items() if bound]
    if go:
        if name in _GO_BUILTINS or _package_mentions(view, posixpath.dirname(view.path), name):
            return None
        candidates += view.similar_names(name)
        return finding(ref.line, name, f"`{name}()` is defined nowhere in its package or the file", closest(name, candidates))
    if name in _JS_GLOBALS or view.named(name):
        return None  # a project definition of that name: a global the page or bundler provides, perhaps
    suggestions = [(n, w) for n, w in closest(name, [*candidates, *view.similar_names(name)])
                   if _ratio(n, name) >= _JS_CLOSE]
    if not suggestions:
        return None
    return finding(ref.line, name, f"`{name}()` is called but nothing in the file declares or imports it", suggestions)


def _this_call(view: ProjectView, ref) -> dict | None:
    """`this.m()` in a class whose members (its own and its project bases') neither define nor mention `m`."""
    by_name = {s.qualified_name: s for s in view.parsed.symbols}
    owner = by_name.get(ref.source or "")
    while owner is not None and owner.kind != "class":
        owner = by_name.get(owner.parent or "")
    if owner is None:
        return None
    name = ref.name
    chain, members = [owner], []
    while chain:
        current = chain.pop()
        members += [(s.name, f"{s.path}:{s.start_line}") for s in view.members(current)]
        if any(n == name for n, _ in members) or _class_mentions(view, current, name):
            return None
        base = re.search(r"\bextends\s+([\w$.]+)", current.signature)
        if base is None:
            continue
        resolved = view.resolve_one(ref.__class__(current.path, "inherit", base.group(1).rsplit(".", 1)[-1],
                                                 base.group(1), current.start_line, current.qualified_name))
        found = view.class_symbol(resolved.target) if resolved.target and resolved.confidence >= NAMED else None
        known = _KNOWN_BASES.get(base.group(1).rsplit(".", 1)[-1])
        if found is None and known is not None and not view.named(base.group(1)):
            if name in known:
                return None
            members += [(n, base.group(1)) for n in known]
            continue
        if found is None:
            return None  # a base outside the project: its members are unknown
        chain.append(found)
    return finding(ref.line, ref.text, f"`{owner.name}` ({owner.path}:{owner.start_line}) and its bases define no"
                   f" `{name}`", closest(name, members))


def _class_mentions(view: ProjectView, owner, name: str) -> bool:
    body = view.lines(owner.path, owner.start_line, owner.end_line)
    for match in re.finditer(rf"(?<![\w$]){re.escape(name)}(?![\w$])", body):
        before, after = body[:match.start()], body[match.end():]
        if not (before.endswith(".") and after.lstrip(" ").startswith("(")):
            return True
    return False


def _module_call(view: ProjectView, ref, go: bool) -> dict | None:
    head, _, name = ref.text.partition(".")
    bindings, _ = view.context(view.path)
    if head not in bindings:
        return None
    target = bindings[head]
    if go:
        folder = _go_folder(view, target)
        if folder is None or _package_mentions(view, folder, name):
            return None
        where = folder
    else:
        path = view.module_path(target)
        if path is None or path == view.path or view.mentions(path, name):
            return None
        where = path
    symbols = [(s.name, f"{s.path}:{s.start_line}") for s in view.store.symbols_in_file(where)] if not go else \
        [(n, w) for n, w in view.similar_names(name) if w.startswith(where + "/") or "/" not in w and where == "."]
    return finding(ref.line, ref.text, f"`{name}` is not defined in `{head}` ({where})", closest(name, symbols))


def _go_folder(view: ProjectView, target: str) -> str | None:
    module = _go_module(view)
    text = target.replace(".", "/")
    if module is None:
        return None
    prefix = module.replace(".", "/") + "/"
    if not text.startswith(prefix):
        return None
    folder = text[len(prefix):]
    return folder if (view.root / folder).is_dir() else None


def _package_mentions(view: ProjectView, folder: str, name: str) -> bool:
    directory = view.root / folder
    if not directory.is_dir():
        return True
    for file in sorted(directory.glob("*.go")):
        rel = posixpath.join(folder, file.name).lstrip("./") if folder not in ("", ".") else file.name
        if rel == view.path:
            continue
        if view.mentions(rel, name):
            return True
    return False


def _ratio(a: str, b: str) -> float:
    import difflib
    return difflib.SequenceMatcher(None, a, b).ratio()


@lru_cache(maxsize=16)
def _usage(language: str, text: str) -> dict[str, bool]:
    """Each identifier in the file -> whether it occurs anywhere other than as the callee of a call."""
    tree = new_parser(language).parse(text.encode("utf-8"))
    seen: dict[str, bool] = {}
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in _IDENTIFIER_TYPES and node.text:
            name = node.text.decode("utf-8", errors="replace")
            parent = node.parent
            called = (parent is not None and parent.type in _CALL_TYPES
                      and parent.child_by_field_name("function") == node)
            seen[name] = seen.get(name, False) or not called
        stack.extend(node.children)
    return seen
