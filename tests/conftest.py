"""Shared fixtures: real code nobody here wrote, copied from the running interpreter's stdlib."""

from __future__ import annotations

import re
import shutil
import sysconfig
import time
from pathlib import Path

import pytest

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def copy_stdlib(destination: Path, *names: str) -> Path:
    """Copy stdlib packages or modules (e.g. 'json', 'textwrap.py') into `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = STDLIB / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__", "test*"))
        else:
            shutil.copy2(source, destination / name)
    return destination


def guarded_project(root: Path) -> Path:
    """The guard tests' project: the rules fixture (app/core, app/web), textwrap.py to copy from, and a
    decision forbidding app/core to import app/web."""
    from kenning.memory.decisions import DecisionLog

    shutil.copytree(Path(__file__).parent / "fixtures" / "rules" / "python", root, dirs_exist_ok=True)
    copy_stdlib(root, "textwrap.py")
    DecisionLog.for_root(root).add("Web over core", context="The core stays testable.",
                                   decision="app/core never imports app/web.",
                                   rules=[{"forbid": {"from": "app/core/**", "to": "app/web/**"}}])
    return root


def renamed_dedent(root: Path) -> str:
    """textwrap.dedent (copied into `root`) under another name and with other local names: a copy whose
    structural fingerprint is still the original's."""
    source = (root / "textwrap.py").read_text(encoding="utf-8")
    start = source.index("def dedent(text):")
    end = source.index("\ndef ", start + 1)
    copy = source[start:end].replace("def dedent(text)", "def strip_common_indent(block)")
    return re.sub(r"\btext\b", "block", copy)


def wait_for(condition, seconds: float = 60.0, step: float = 0.05):
    """Poll `condition` until it returns something truthy (returned) or `seconds` pass (its last answer)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(step)
    return condition()


@pytest.fixture(autouse=True)
def _no_ambient_kenning_settings(monkeypatch):
    """Tests choose their own root and settings; a developer's KENNING_* variables must not leak in."""
    import os

    for key in list(os.environ):
        if key.startswith("KENNING_"):
            monkeypatch.delenv(key)
    # Embedding is slow on CPU; tests about search and exists turn it on explicitly.
    monkeypatch.setenv("KENNING_EMBED_ON_INDEX", "false")
