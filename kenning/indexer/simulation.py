"""Does a function fake its work? ``python_simulations(source)`` names each one that does, with the reason.

A stub (stubs.py) admits it is unfinished; a simulation looks finished and is not. Each pattern is
narrow on purpose, because it was run over well-written code (the standard library, the packages in
a virtual environment) and dropped or narrowed wherever it fired there (docs/benchmarks.md):

- sample data: the body only returns a literal collection (``return [{"id": 1, ...}, ...]``) where the
  name or docstring says it fetches, queries, loads or computes, or the literal is a list of records and
  the function ignores every parameter it takes;
- a constant answer: a function named for computing (``calculate_tax``) that ignores its parameters
  and returns a number or string literal;
- a sleep standing in for work: ``time.sleep(2)`` with a constant, outside any loop, in a function
  that calls nothing else of substance and is not named for waiting;
- a random result: the returned value comes from ``random``/``numpy.random`` in a function not named
  for randomness (``return random.randint(1, 100)`` in ``get_price``);
- fake objects: ``Mock()``/``MagicMock()``/``patch`` outside tests, or returning a ``Fake*``/``Dummy*``/
  ``Mock*`` object or a ``fake_*``/``SAMPLE_*`` name that the file does not define as a real class;
- a comment that says so next to a return: "simulate", "placeholder", "hard-coded", "fake data",
  "for now, return", "in a real implementation".

The caller leaves out test code, examples and docs (the guard knows the path; this module does not).
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass

from kenning.indexer.stubs import last_name

# Words of a name (snake_case or camelCase) that promise real work behind the answer.
_FETCH_WORDS = {"fetch", "query", "load", "retrieve", "download", "lookup", "scrape", "crawl", "poll", "request",
                "search", "find", "read", "sync", "call", "invoke", "send", "upload", "import", "list", "get"}
_COMPUTE_WORDS = {"compute", "calculate", "calc", "estimate", "predict", "analyze", "analyse", "measure",
                  "score", "evaluate", "forecast", "price", "total", "sum", "average", "count"}
_DOC_PROMISE = re.compile(r"\b(fetch|query|queries|load|retrieve|download|look(?:s)? up|scrape|comput|calculat"
                          r"|from the (?:database|db|api|server|service|backend)|call(?:s)? the)\w*", re.I)
# Names whose job is waiting or randomness: a sleep or a random value there is the work itself.
_WAIT_WORDS = {"sleep", "wait", "pause", "delay", "throttle", "backoff", "idle", "nap", "yield", "tick", "retry",
               "sleeper", "block", "spin", "poll", "timeout", "rate", "limit", "slow", "demo"}
_RANDOM_WORDS = {"random", "rand", "randomize", "shuffle", "sample", "choice", "choose", "pick", "jitter",
                 "noise", "backoff", "salt", "nonce", "token", "secret", "uuid", "id", "key", "name", "temp",
                 "tmp", "seed", "password", "generate", "gen", "fuzz", "roll", "dice", "coin", "color", "colour",
                 "boundary", "port", "delay", "mix", "suffix", "prefix", "weighted", "guess", "roulette", "draw"}
_RANDOM_MODULES = {"random", "np.random", "numpy.random"}
_MOCK_CALLS = {"Mock", "MagicMock", "AsyncMock", "NonCallableMock"}
_FAKE_CONSTANT = re.compile(r"^_?(?:FAKE|DUMMY|MOCK|SAMPLE|CANNED)_[A-Z0-9_]+$")
_FAKE_CLASS = re.compile(r"^(?:Fake|Dummy|Mock)[A-Z]\w*$")
_FAKE_WORDS = {"fake", "dummy", "mock", "stub"}
_DATA = r"(?:data|response|responses|results?|records?|orders?|users?|items|implementation|reply|output)"
_SAYS_SIMULATED = re.compile(
    r"\bsimulat(?:e|es|ed|ing)\s+(?:the\s+|a\s+|an\s+|some\s+)?(?:api|call|request|response|result|data|network"
    r"|delay|work|processing|query|fetch|lookup|download|upload|payment|latency)"
    r"|\bhard-?coded\s+(?:for\s+now|" + _DATA[3:] + r"\b"
    r"|\bplaceholder\s+" + _DATA + r"\b"
    r"|\b(?:fake|dummy|mock|sample|canned|stubbed)\s+" + _DATA + r"\b"
    r"|\bfor\s+now\b[^\n]*\breturn|\bin\s+(?:a\s+)?real\s+(?:implementation|system|app|application|world|code)\b"
    r"|\breal\s+implementation\b|\breplace\s+(?:this\s+)?with\s+(?:a\s+|the\s+)?(?:real|actual)\b"
    r"|\bwould\s+(?:normally|actually)\b", re.I)
_COMMENT_REACH = 2  # a comment this many lines above a return (or on its line) speaks about it
_SUBSTANTIAL_CALL_EXEMPT = {"print", "log", "debug", "info", "warning", "warn", "error", "sleep", "dict", "list",
                            "str", "int", "float", "len", "format", "isoformat", "now", "utcnow", "time"}


@dataclass(frozen=True, slots=True)
class Simulation:
    name: str  # the function's name
    line: int  # its `def` line (1-based)
    at: int  # the line that gives it away
    reason: str


def python_simulations(source: str) -> list[Simulation]:
    """Every function in a Python file (methods and nested ones too) that fakes its work."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    comments = _comments(source)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
    found = []
    for node, owner in _functions(tree):
        reason = _judge(node, owner, comments, defined)
        if reason is not None:
            found.append(Simulation(node.name, node.lineno, reason[0], reason[1]))
    return found


def python_replaced(before: str, after: str) -> list[Simulation]:
    """Functions whose working body a change replaced with a canned answer: before, the function called
    something and used its parameters; after, it only returns a literal that ignores them."""
    try:
        old_tree, new_tree = ast.parse(before), ast.parse(after)
    except (SyntaxError, ValueError):
        return []
    old = {path: node for node, path in _paths(old_tree)}
    found = []
    for node, path in _paths(new_tree):
        previous = old.get(path)
        returned = _only_return(_effective_body(node.body))
        if previous is None or returned is None or not _is_data_literal(returned):
            continue
        if isinstance(returned, ast.Constant) and returned.value is None:
            continue
        calls = [n for n in _own_nodes(previous) if isinstance(n, ast.Call)]
        used_before = set(_parameters(previous)) - set(_unused_parameters(previous))
        if not calls or not used_before or set(_parameters(node)) - set(_unused_parameters(node)):
            continue
        lines = (previous.end_lineno or previous.lineno) - previous.lineno
        found.append(Simulation(node.name, node.lineno, returned.lineno,
                                f"the change replaced its {lines}-line body, which used {', '.join(sorted(used_before))},"
                                f" with `return {_shorten(ast.unparse(returned), 50)}`"))
    return found


def _paths(tree: ast.AST):
    """(function, 'Class.method' style path) for every def, nested ones included."""
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                path = f"{prefix}.{child.name}" if prefix else child.name
                if not isinstance(child, ast.ClassDef):
                    yield child, path
                stack.append((child, path))
            else:
                stack.append((child, prefix))


def python_definition_simulated(definition: str) -> str | None:
    """Why one Python definition (its own text, decorators included or not) fakes its work, or None."""
    found = python_simulations(textwrap.dedent(definition))
    return found[0].reason if found else None


def _functions(tree: ast.AST):
    """(function, name of the class it is a method of or '') for every def in the tree."""
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, owner = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield child, owner
                stack.append((child, ""))
            elif isinstance(child, ast.ClassDef):
                stack.append((child, child.name))
            else:
                stack.append((child, owner))


def _judge(func, owner: str, comments: dict[int, str], defined: set[str]) -> tuple[int, str] | None:
    if any(last_name(d) in {"abstractmethod", "overload", "property", "cached_property", "fixture"}
           for d in func.decorator_list):
        return None  # declarations, and properties answering with a literal, are not simulations
    if func.name.startswith("__") and func.name.endswith("__"):
        return None  # __repr__, __hash__ and friends answer with literals by design
    body = _effective_body(func.body)
    if not body:
        return None
    words = _words(func.name) | _words(owner)
    doc = ast.get_docstring(func) or ""
    described = f"in a function named {func.name}"
    checks = (_mock_use(func, defined, words), _sample_data(func, body, words, doc, described),
              _constant_answer(func, body, words, described), _fake_sleep(func, body, words, described),
              _random_result(func, body, words, described), _said_in_comment(func, comments))
    return next((c for c in checks if c is not None), None)


# -- the patterns ---------------------------------------------------------------------------

def _sample_data(func, body, words: set[str], doc: str, described: str) -> tuple[int, str] | None:
    returned = _only_return(body)
    if returned is None or not _is_data_literal(returned) or _size(returned) < 2:
        return None
    what = _describe_literal(returned)
    promise = words & (_FETCH_WORDS | _COMPUTE_WORDS) - {"get", "list", "find", "count"}
    if promise or _DOC_PROMISE.search(doc.split("\n\n")[0]):
        return returned.lineno, f"returns {what} {described}"
    unused = _unused_parameters(func)
    if _records(returned) and unused and len(unused) == len(_parameters(func)):
        return returned.lineno, f"returns {what} and ignores its parameters ({', '.join(unused)})"
    return None


def _constant_answer(func, body, words: set[str], described: str) -> tuple[int, str] | None:
    returned = _only_return(body)
    if returned is None or not isinstance(returned, ast.Constant) or not words & _COMPUTE_WORDS - {"count"}:
        return None
    value = returned.value
    if isinstance(value, bool) or value is None or value in (0, 1, -1, "") or not isinstance(value, (int, float, str)):
        return None
    unused = _unused_parameters(func)
    if not unused or len(unused) != len(_parameters(func)):
        return None
    return returned.lineno, f"returns the constant {value!r} {described} and ignores {', '.join(unused)}"


def _fake_sleep(func, body, words: set[str], described: str) -> tuple[int, str] | None:
    if words & _WAIT_WORDS:
        return None
    sleeps = [(stmt, call) for stmt in body if (call := _sleep_call(stmt)) is not None]
    if not sleeps:
        return None
    rest = [stmt for stmt in body if all(stmt is not s for s, _ in sleeps)]
    if any(isinstance(n, (ast.For, ast.While, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Try, ast.If, ast.Yield))
           for stmt in rest for n in ast.walk(stmt)):
        return None  # a sleep beside real control flow is pacing something
    if any(_call_name(n) not in _SUBSTANTIAL_CALL_EXEMPT for stmt in rest for n in ast.walk(stmt)
           if isinstance(n, ast.Call)):
        return None  # it does some other work too
    stmt, call = sleeps[0]
    seconds = ast.unparse(call.args[0]) if call.args else ""
    then = next((r for r in rest if isinstance(r, ast.Return) and r.value is not None), None)
    after = f", then returns {_describe_literal(then.value)}" if then is not None else ""
    return stmt.lineno, f"calls {ast.unparse(call.func)}({seconds}) {described} instead of doing its work{after}"


def _random_result(func, body, words: set[str], described: str) -> tuple[int, str] | None:
    if words & _RANDOM_WORDS:
        return None
    assigned: dict[str, ast.AST] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            assigned[stmt.targets[0].id] = stmt.value
    for stmt in body:  # only the function's own top-level returns: a random branch deep inside is pacing
        if not isinstance(stmt, ast.Return) or stmt.value is None:
            continue
        value = stmt.value
        if isinstance(value, ast.Name) and value.id in assigned:
            value = assigned[value.id]
        call = _random_call(value)
        if call is not None:
            return stmt.lineno, f"returns {_shorten(ast.unparse(call))} {described}: a random value, not a result"
    return None


def _mock_use(func, defined: set[str], words: set[str]) -> tuple[int, str] | None:
    if words & _FAKE_WORDS:
        return None  # a fake's own methods (a mock backend shipped for tests) are what they say
    for node in _own_nodes(func):
        if isinstance(node, ast.Call) and _call_name(node) in _MOCK_CALLS - defined:
            return node.lineno, f"builds {_shorten(ast.unparse(node.func))}() outside tests in {func.name}"
        if isinstance(node, ast.Return) and node.value is not None:
            # `return SAMPLE_ORDERS`, or `return FakeGateway()` of a fake class this file defines.
            value = node.value
            if isinstance(value, ast.Name) and _FAKE_CONSTANT.match(value.id):
                return node.lineno, f"returns {value.id} from {func.name}: canned data, not the real thing"
            if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in defined
                    and _FAKE_CLASS.match(value.func.id)):
                return node.lineno, f"returns {_shorten(ast.unparse(value))} from {func.name}: a fake, not the real thing"
    return None


def _said_in_comment(func, comments: dict[int, str]) -> tuple[int, str] | None:
    for node in _own_nodes(func):
        if not isinstance(node, ast.Return):
            continue
        for line in range(node.lineno - _COMMENT_REACH, node.lineno + 1):
            text = comments.get(line)
            if line > func.lineno and text and _SAYS_SIMULATED.search(text):
                return line, f"a comment next to its return says so: `{_shorten(text, 70)}` (in {func.name})"
    return None


# -- helpers ----------------------------------------------------------------------------------

def _own_nodes(func):
    """The nodes of a function's body, not those of functions or classes nested in it (judged on their own)."""
    stack = list(func.body)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in ast.iter_child_nodes(node)
                     if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)))

def _effective_body(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements without the docstring and bare `pass`/`...`."""
    return [s for i, s in enumerate(body)
            if not (isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                                and (i == 0 or s.value.value is Ellipsis)))]


def _only_return(body: list[ast.stmt]) -> ast.expr | None:
    """The literal a body returns when that is all it does: `return L`, or `x = L; return x`."""
    if len(body) == 1 and isinstance(body[0], ast.Return):
        return body[0].value
    if (len(body) == 2 and isinstance(body[0], ast.Assign) and len(body[0].targets) == 1
            and isinstance(body[0].targets[0], ast.Name) and isinstance(body[1], ast.Return)
            and isinstance(body[1].value, ast.Name) and body[1].value.id == body[0].targets[0].id):
        return body[0].value
    return None


def _is_data_literal(node: ast.AST | None) -> bool:
    """A collection built only of constants and other such collections (no names, calls or comprehension)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_data_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_data_literal(k) for k in node.keys) and all(map(_is_data_literal, node.values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant)
    return False


def _size(node: ast.AST) -> int:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return len(node.elts)
    if isinstance(node, ast.Dict):
        return len(node.keys)
    return 0


def _records(node: ast.AST) -> bool:
    """A list or tuple of two or more dicts, or a dict with nested records: data, not a table of settings."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return len(node.elts) >= 2 and all(isinstance(e, ast.Dict) and len(e.keys) >= 2 for e in node.elts)
    return False


def _describe_literal(node: ast.AST | None) -> str:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        kinds = {type(e).__name__ for e in node.elts}
        of = {"Dict": "dicts", "Tuple": "tuples", "List": "lists", "Constant": "values"}.get(kinds.pop(), "items") \
            if len(kinds) == 1 else "items"
        return f"a literal {type(node).__name__.lower()} of {len(node.elts)} {of}"
    if isinstance(node, ast.Dict):
        return f"a literal dict of {len(node.keys)} key{'s' if len(node.keys) != 1 else ''}"
    if isinstance(node, ast.Constant):
        return f"the constant {_shorten(repr(node.value), 40)}"
    return f"`{_shorten(ast.unparse(node), 40)}`" if node is not None else "nothing"


def _parameters(func) -> list[str]:
    args = func.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [n for n in names if n not in ("self", "cls", "_") and not n.startswith("_")]


def _unused_parameters(func) -> list[str]:
    used = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
    return [p for p in _parameters(func) if p not in used]


def _sleep_call(stmt: ast.stmt) -> ast.Call | None:
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call) or _call_name(value) != "sleep" or len(value.args) != 1:
        return None
    arg = value.args[0]
    return value if isinstance(arg, ast.Constant) and isinstance(arg.value, (int, float)) and arg.value > 0 else None


def _random_call(value: ast.AST) -> ast.Call | None:
    """The random.* call that makes up the value (directly, or as an element or entry of a literal)."""
    for node in ast.walk(value):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if _qualified(node.func.value) in _RANDOM_MODULES:
                return node
    return None


def _call_name(call: ast.Call) -> str:
    return last_name(call.func)


def _qualified(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _words(name: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(name)}


def _shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _comments(source: str) -> dict[int, str]:
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        return {t.start[0]: t.string for t in tokens if t.type == tokenize.COMMENT}
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return {}
