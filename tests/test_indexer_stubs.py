"""Stub detection per language: placeholders are flagged with a reason, real code is not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kenning.indexer.stubs import is_stub

STUBS = [
    ("python", "def f(x):\n    pass\n", "`pass`"),
    ("python", "def f(x):\n    ...\n", "`...`"),
    ("python", 'def f(x):\n    """Parse x."""\n    pass\n', "`pass` and a docstring"),
    ("python", 'def f(x):\n    """Parse x."""\n', "only a docstring"),
    ("python", "    def method(self):\n        raise NotImplementedError\n", "NotImplementedError"),
    ("python", "async def f():\n    raise NotImplementedError('later')\n", "NotImplementedError"),
    ("python", "def f():\n    # TODO: write this\n    pass\n", "`pass`"),
    ("python", "def f():\n    # FIXME\n    return None\n", "dummy value"),
    ("python", "def f():\n    raise RuntimeError('Not implemented yet')\n", "Not implemented yet"),
    ("javascript", "function f(a) {}", "empty"),
    ("javascript", "function f(a) {\n  // TODO: implement\n}", "TODO"),
    ("typescript", "function f(a: {x: number}): string {\n  throw new Error('not implemented');\n}",
     "throw new Error('not implemented')"),
    ("tsx", "const f = () => { /* FIXME */ };", "TODO/FIXME"),
    ("javascript", "async f() {\n  // TODO\n  return null;\n}", "dummy value"),
    ("go", 'func (s *Server) Start() error {\n\tpanic("not implemented")\n}', 'panic("not implemented")'),
    ("go", 'func Start() {\n\tpanic("implement me")\n}', "implement me"),
    ("go", "func Start() {\n}", "empty"),
    ("rust", "fn parse<'a>(s: &'a str) -> &'a str {\n    todo!()\n}", "todo!()"),
    ("rust", 'fn parse() -> u32 {\n    unimplemented!("parser")\n}', "unimplemented!"),
    ("java", "public int size() {\n    throw new UnsupportedOperationException();\n}", "UnsupportedOperationException"),
    ("java", 'public int size() {\n    throw new UnsupportedOperationException("Not implemented");\n}', "Not implemented"),
    ("java", "public void run() {\n}", "empty"),
    ("c_sharp", "public int Size() {\n    throw new NotImplementedException();\n}", "NotImplementedException"),
    ("c_sharp", "public int Size() => throw new System.NotImplementedException();", "NotImplementedException"),
    ("c", "int parse(const char *s) {\n    /* TODO */\n}", "TODO"),
    ("cpp", 'int Parser::parse() {\n    throw std::logic_error("not implemented");\n}', "logic_error"),
    ("cpp", "void Parser::reset() {}", "empty"),
    ("ruby", "def parse(text)\n  raise NotImplementedError\nend", "NotImplementedError"),
    ("ruby", 'def parse(text)\n  raise NotImplementedError, "#{self.class} must implement"\nend',
     "NotImplementedError"),
    ("ruby", "def parse; end", "empty"),
    ("php", "public function parse($s) {\n    throw new \\Exception('Not implemented');\n}", "Not implemented"),
    ("php", "function parse($s) {\n    # TODO\n}", "TODO"),
]

REAL = [
    ("python", "def f(x):\n    return x + 1\n"),
    ("python", "def f():\n    return None\n"),  # a plain `return None` is a real answer
    ("python", "def f():\n    # nothing to do: the base hook is a no-op on purpose\n    pass\n"),
    ("python", "@abstractmethod\ndef f(self):\n    pass\n"),
    ("python", "@typing.overload\ndef f(x: int) -> int: ...\n"),
    ("python", "def f(x):\n    if not x:\n        raise NotImplementedError\n    return x\n"),
    ("python", "def f():\n    raise ValueError('todo list is empty')\n"),
    ("python", "class Empty(Exception):\n    pass\n"),
    ("python", "def broken(:\n"),
    ("javascript", "function f(a = {}) { return a.x; }"),
    ("javascript", "function f() {\n  const s = '}'; // a brace in a string\n  return s;\n}"),
    ("javascript", "function f() {\n  // intentionally empty: listeners are optional\n}"),
    ("typescript", "function f(x: number): never {\n  throw new Error(`bad input ${x}`);\n}"),
    ("typescript", "abstract area(): number;"),
    ("go", "func Start() error {\n\tpanic(err)\n}"),
    ("go", 'func Start() string {\n\treturn "TODO"\n}'),
    ("go", "type Server struct {}"),
    ("rust", "fn parse(s: &str) -> usize {\n    s.len() // todo!() was here\n}"),
    ("java", 'public void remove() {\n    throw new UnsupportedOperationException("Iterator is read-only");\n}'),
    ("java", "class Marker {}"),
    ("java", "interface Shape {\n    double area();\n}"),
    ("c_sharp", "public int Size() => items.Count;"),
    ("c", "int parse(const char *s);"),
    ("cpp", "Parser::Parser(int depth) : depth_(depth) {}"),
    ("cpp", "virtual ~Parser() {}"),
    ("ruby", "def parse(text)\n  text.split(',')\nend"),
    ("php", "public function parse($s) {\n    return explode(',', $s);\n}"),
]


@pytest.mark.parametrize(("language", "source", "expected"), STUBS)
def test_stubs_are_flagged_with_a_reason(language: str, source: str, expected: str) -> None:
    reason = is_stub(source, language)
    assert reason is not None, source
    assert expected in reason


@pytest.mark.parametrize(("language", "source"), REAL)
def test_real_code_is_not_flagged(language: str, source: str) -> None:
    assert is_stub(source, language) is None


def test_unknown_language_is_not_judged() -> None:
    assert is_stub("def f():\n    pass\n", "cobol") is None
    assert is_stub("def f():\n    pass\n", "Python") is not None


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


FORBIDDEN_BELOW_SERVICE = ("fastapi", "starlette", "uvicorn", "mcp", "typer")


def test_stubs_and_memory_files_respect_the_layering() -> None:
    package = Path(__file__).parent.parent / "kenning"
    stub_imports = imported_modules(package / "indexer" / "stubs.py")
    assert not any(name.startswith("kenning.memory") for name in stub_imports)
    for name in ("frontmatter", "filestore", "decisions", "adr_import", "tasks", "sessions"):
        imports = imported_modules(package / "memory" / f"{name}.py")
        assert not any(i.startswith("kenning.indexer") for i in imports), name
        assert not any(i.split(".")[0] in FORBIDDEN_BELOW_SERVICE for i in imports), name
        assert "print(" not in (package / "memory" / f"{name}.py").read_text(), name
