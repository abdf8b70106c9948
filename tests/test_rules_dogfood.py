"""kenning's own layering, recorded as decisions with rules in this repository, holds on its own code."""

from __future__ import annotations

import shutil
from pathlib import Path

from kenning.service import Service
from kenning.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def test_kenning_check_passes_on_kenning_itself(tmp_path):
    # The whole repository as committed: the package, its tests and benchmarks, and the decisions.
    root = tmp_path / "kenning-copy"
    for part in ("kenning", "tests", "benchmarks"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    shutil.copytree(REPO / ".kenning" / "memory", root / ".kenning" / "memory")
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    result = service.check_rules()
    assert result.rules >= 8, "the layering decisions in .kenning/memory/decisions carry the rules"
    assert [f"{v.path}:{v.line} {v.message}" for v in result.violations] == []


def test_the_check_would_catch_a_layering_break_in_kenning(tmp_path):
    root = tmp_path / "kenning-copy"
    shutil.copytree(REPO / "kenning", root / "kenning", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / ".kenning" / "memory", root / ".kenning" / "memory")
    planted = root / "kenning" / "indexer" / "planted.py"
    planted.write_text("import sqlite3\nfrom kenning.store.index_store import IndexStore\n")
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    broken = {(v.rule_kind, v.target) for v in service.check_rules().violations if v.path == "kenning/indexer/planted.py"}
    assert ("must_go_through", "sqlite3") in broken
    assert ("forbid", "kenning.store.index_store.IndexStore") in broken
