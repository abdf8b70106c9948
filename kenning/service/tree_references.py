"""Unresolved references in JavaScript, TypeScript and Go (placeholder, filled in below)."""

from __future__ import annotations

TREE_LANGUAGES = frozenset({"javascript", "typescript", "tsx", "go"})


def tree_findings(view, changed: set[int]) -> list[dict]:
    return []
