"""Guards for the architecture: the dependency direction in ARCHITECTURE.md, checked on imports."""

from __future__ import annotations

import ast
from pathlib import Path

import kenning

PACKAGE = Path(kenning.__file__).parent
ADAPTER_LIBRARIES = ("fastapi", "starlette", "uvicorn", "mcp", "typer", "rich", "click")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules_under(*parts: str) -> list[Path]:
    base = PACKAGE.joinpath(*parts)
    return sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]


def _offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in files:
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return bad


def test_indexer_and_memory_do_not_import_each_other():
    assert _offenders(_modules_under("indexer"), ("kenning.memory",)) == []
    assert _offenders(_modules_under("memory"), ("kenning.indexer",)) == []


def test_nothing_below_the_adapters_imports_adapter_libraries():
    below = [
        *_modules_under("indexer"), *_modules_under("memory"), *_modules_under("service"),
        PACKAGE / "models.py", PACKAGE / "errors.py", PACKAGE / "settings.py",
    ]
    assert _offenders(below, ADAPTER_LIBRARIES) == []
    assert _offenders(below, ("kenning.cli", "kenning.api", "kenning.mcp")) == []


def test_nothing_below_the_adapters_prints():
    below = [*_modules_under("indexer"), *_modules_under("memory"), *_modules_under("service")]
    printing = []
    for path in below:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                printing.append(f"{path.name}:{node.lineno}")
    assert printing == []


def test_no_package_shadows_the_mcp_sdk():
    root = PACKAGE.parent
    assert not (root / "mcp").exists()
    assert not (root / "tests" / "mcp").exists()
