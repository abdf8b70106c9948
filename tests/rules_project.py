"""Small hand-written trees for the architecture-rule tests, indexed for real."""

from __future__ import annotations

from pathlib import Path

from kenning.service import Service
from kenning.settings import Settings


def indexed_tree(root: Path, files: dict[str, str], toml: str) -> Service:
    """Write `files` (path -> text) and kenning.toml under `root`, index it, and return its service."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "kenning.toml").write_text(toml)
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    return service
