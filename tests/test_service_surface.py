"""The service's face: what kenning.service exports is listed, and the adapters import nothing else of it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kenning.service

PACKAGE = Path(__file__).resolve().parents[1] / "kenning"
EXPORTED = ["DECISION_FIELDS", "MAX_CODE_BYTES", "PROBE_LANGUAGES", "Service", "Watcher", "apply_edits",
            "graph_views", "hook_install", "parse_diff", "review"]


def test_the_exported_names_are_the_listed_ones_and_each_resolves():
    assert kenning.service.__all__ == EXPORTED
    for name in EXPORTED:
        assert getattr(kenning.service, name) is not None
    with pytest.raises(AttributeError):
        kenning.service.run_index  # noqa: B018  # a name of a submodule is not the face's


@pytest.mark.parametrize("adapter", ["cli", "api", "mcp"])
def test_adapters_import_the_service_only_through_its_face(adapter):
    reaching_in = []
    for path in sorted((PACKAGE / adapter).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = ([node.module] if isinstance(node, ast.ImportFrom) and node.module
                       else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for module in modules:
                if module.startswith("kenning.service."):
                    reaching_in.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {module}")
            if isinstance(node, ast.ImportFrom) and node.module == "kenning.service":
                unlisted = [a.name for a in node.names if a.name not in EXPORTED]
                reaching_in += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {n}" for n in unlisted]
    assert reaching_in == []
