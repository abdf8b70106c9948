"""Is a function a placeholder? ``is_stub(source, language)`` answers with the reason, or None.

``source`` is the text of one definition (signature and body). A body is a stub when it
does nothing but stand in for code still to be written: ``pass``, ``...``, a docstring,
``raise NotImplementedError``, ``todo!()``, ``panic("not implemented")``, a throw whose
message says "not implemented"/"TODO", an empty ``{}``, or a TODO/FIXME comment over an
empty body or a dummy ``return``. An empty body with a comment that is not a TODO (say
``// nothing to release``) is deliberate and not flagged, nor are ``@abstractmethod`` and
``@overload`` declarations, C++ constructors whose work is in the initializer list,
destructors, or bodiless declarations. Python is read with ``ast``; other languages by a
small lexer that knows their comments and strings.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize

_ALIASES = {
    "python": "python", "py": "python",
    "javascript": "js", "js": "js", "jsx": "js", "typescript": "js", "ts": "js", "tsx": "js",
    "go": "go", "golang": "go", "rust": "rust", "rs": "rust", "java": "java",
    "c_sharp": "csharp", "csharp": "csharp", "c#": "csharp", "cs": "csharp",
    "c": "c", "h": "c", "cpp": "cpp", "c++": "cpp", "cxx": "cpp", "cc": "cpp", "hpp": "cpp",
    "ruby": "ruby", "rb": "ruby", "php": "php",
}
# Comment markers and string quotes per language; Rust leaves out ' because of lifetimes.
_LINE_COMMENTS = {"ruby": ("#",), "php": ("//", "#")}
_QUOTES = {"js": "\"'`", "go": "\"'`", "rust": '"', "ruby": "\"'"}
# A placeholder message says so anywhere, or starts with TODO/FIXME ("todo not found" does not).
_PLACEHOLDER = re.compile(
    r"not\s+(?:yet\s+)?implemented|unimplemented|implement\s+me|^\W*(?:todo|fixme|stub)\b(?!\s+\w)",
    re.IGNORECASE,
)
_TODO_COMMENT = re.compile(r"\b(?:todo|fixme|xxx|tbd)\b", re.IGNORECASE)
_THROW = re.compile(r"(?:throw|raise)\s+(?:new\s+)?\\?([\w.:\\]+)?\s*(.*)", re.DOTALL)
_NOT_A_FUNCTION = re.compile(r"\b(?:class|struct|interface|enum|trait|impl|namespace|union|record|object|type)\b")
_PANIC = re.compile(r"(panic!?|todo!|unimplemented!)\s*\((.*)\)", re.DOTALL)
_ALWAYS_STUB = {"NotImplementedException", "NotImplementedError", "todo!", "unimplemented!"}
_DUMMY_RETURN = re.compile(
    r"return(?:\s+(?:null|nil|None|undefined|nullptr|NULL|0|-1|false|False|\"\"|''|\[\]|\{\}|Default::default\(\)))?"
)
_ABSTRACT = {"abstractmethod", "overload", "abstractproperty"}


def is_stub(source: str, language: str) -> str | None:
    """Why this definition is a placeholder, or None if it is real code (or the language is unknown)."""
    lang = _ALIASES.get(language.lower())
    if lang is None:
        return None
    if lang == "python":
        return _python(source)
    if lang == "ruby":
        return _ruby(source)
    return _braced(source, lang)


def _verdict(statements: str, comments: list[str]) -> str | None:
    """The shared rules, given a body's code without comments and the comments it held."""
    code = statements.strip().rstrip(";").strip()
    todo = any(_TODO_COMMENT.search(c) for c in comments)
    if not code:
        if todo:
            return "body holds only a TODO/FIXME comment"
        return None if comments else "body is empty"
    if (throw := _THROW.fullmatch(code)) is not None:
        name = (throw.group(1) or "").rsplit(".", 1)[-1].rsplit("::", 1)[-1].lstrip("\\")
        message = _message(throw.group(2))
        if name in _ALWAYS_STUB or _PLACEHOLDER.search(message):
            return f"body is only `{_shorten(code)}`"
        if name == "UnsupportedOperationException" and not message:
            return f"body is only `{_shorten(code)}`"
    if (panic := _PANIC.fullmatch(code)) is not None:
        if panic.group(1) in _ALWAYS_STUB or _PLACEHOLDER.search(_message(panic.group(2))):
            return f"body is only `{_shorten(code)}`"
    if todo and _DUMMY_RETURN.fullmatch(code):
        return "body only returns a dummy value under a TODO/FIXME comment"
    return None


def _shorten(code: str, limit: int = 80) -> str:
    flat = " ".join(code.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _message(args: str) -> str:
    """The text of a throw's or panic's arguments: '("Not implemented")' -> 'Not implemented'."""
    return args.strip().lstrip(",").strip().strip("()").strip().strip("\"'`").strip()


# --- Python --------------------------------------------------------------------------


def _python(source: str) -> str | None:
    text = textwrap.dedent(source)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None  # not a whole definition: nothing to judge
    func = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if func is None or any(last_name(d) in _ABSTRACT for d in func.decorator_list):
        return None
    body = func.body
    documented = bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
        and isinstance(body[0].value.value, str)
    rest = body[1:] if documented else body
    comments = _python_comments(text, after_line=func.lineno)
    if not rest:
        return "body is only a docstring"
    if len(rest) != 1:
        return None
    stmt = rest[0]
    if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and _is_ellipsis(stmt.value)):
        word = "pass" if isinstance(stmt, ast.Pass) else "..."
        if comments and not any(_TODO_COMMENT.search(c) for c in comments):
            return None  # a comment explains why the body is empty
        return f"body is only `{word}`" + (" and a docstring" if documented else "")
    if isinstance(stmt, ast.Raise) and stmt.exc is not None and last_name(stmt.exc) == "NotImplementedError":
        return "body only raises NotImplementedError"
    return _verdict(ast.get_source_segment(text, stmt) or "", comments)


def last_name(node: ast.AST) -> str:
    """The last name of a decorator, call or raised exception: 'abc.abstractmethod' -> 'abstractmethod'."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _python_comments(text: str, after_line: int) -> list[str]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [t.string for t in tokens if t.type == tokenize.COMMENT and t.start[0] > after_line]


# --- brace languages and Ruby ----------------------------------------------------------


def _lex(source: str, lang: str) -> tuple[str, str, list[tuple[int, str]]]:
    """(source without comments, source without comments or string contents, [(offset, comment)])."""
    line_marks = _LINE_COMMENTS.get(lang, ("//",))
    quotes = _QUOTES.get(lang, "\"'")
    code, shape, comments = list(source), list(source), []
    i, n = 0, len(source)

    def blank(target: list[str], start: int, end: int) -> None:
        for k in range(start, end):
            if target[k] != "\n":
                target[k] = " "

    while i < n:
        if lang != "ruby" and source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif source.startswith(line_marks, i):
            end = source.find("\n", i)
            end = n if end < 0 else end
        elif source[i] in quotes:
            end = _string_end(source, i)
            blank(shape, i + 1, end - 1)
            i = end
            continue
        else:
            i += 1
            continue
        comments.append((i, source[i:end]))
        blank(code, i, end)
        blank(shape, i, end)
        i = end
    return "".join(code), "".join(shape), comments


def _string_end(source: str, start: int) -> int:
    quote, j = source[start], start + 1
    while j < len(source) and source[j] != quote:
        if source[j] == "\\":
            j += 1
        elif source[j] == "\n" and quote != "`":
            break  # unterminated: stop at the line end rather than swallow the file
        j += 1
    return min(j + 1, len(source))


def _braced(source: str, lang: str) -> str | None:
    code, shape, comments = _lex(source, lang)
    trimmed = shape.rstrip().rstrip(";").rstrip()
    if not trimmed.endswith("}"):
        arrow = shape.rfind("=>")  # C# expression body: `=> throw new NotImplementedException();`
        return _verdict(code[arrow + 2 :], []) if arrow >= 0 and lang in ("csharp", "js") else None
    close = len(trimmed) - 1
    open_ = _matching_open(shape, close)
    if open_ is None:
        return None
    header = shape[:open_]
    if "(" not in header or _NOT_A_FUNCTION.search(header[: header.find("(")]):
        return None  # a class, struct or other block: only functions are judged
    inside = [text for offset, text in comments if open_ < offset < close]
    empty = not code[open_ + 1 : close].strip()
    if empty and not inside and lang == "cpp" and (_initializer_list(header) or "~" in header):
        return None
    return _verdict(code[open_ + 1 : close], inside)


def _matching_open(shape: str, close: int) -> int | None:
    depth = 0
    for k in range(close, -1, -1):
        if shape[k] == "}":
            depth += 1
        elif shape[k] == "{":
            depth -= 1
            if depth == 0:
                return k
    return None


def _initializer_list(header: str) -> bool:
    """`Foo(int x) : x_(x) {}`: a single ':' after the parameter list."""
    depth, start = 0, header.find("(")
    for k in range(max(start, 0), len(header) if start >= 0 else 0):
        depth += {"(": 1, ")": -1}.get(header[k], 0)
        if depth == 0:
            return bool(re.search(r"(?<!:):(?!:)", header[k + 1 :]))
    return False


def _ruby(source: str) -> str | None:
    code, _, comments = _lex(source, "ruby")
    header = re.match(r"\s*def\s+[\w.?!=\[\]<>+\-*/%]+\s*(\([^)]*\))?", code)
    if header is None:
        return None
    rest = code[header.end() :]
    if re.match(r"\s*=", rest):  # endless method: `def name = expr`
        return _verdict(rest.split("=", 1)[1], [])
    body = rest.strip()
    if not body.endswith("end"):
        return None
    body = body[: -len("end")].strip().lstrip(";").strip()
    return _verdict(body, [text for offset, text in comments if offset > header.end()])
