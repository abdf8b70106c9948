"""The one place kenning's operations live; the CLI, HTTP API and MCP server call only this.

What the adapters may use is listed here, and nothing else (tests/test_service_surface.py pins both
the list and that the adapters import only from here): the Service, the limits and vocabularies
their schemas repeat, the proposal parsers the hooks share, the watcher a server runs, and the
views the web UI and the hook installer are built from.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from kenning.service.core import Service
from kenning.service.exists import MAX_CODE_BYTES
from kenning.service.exists_language import PROBE_LANGUAGES
from kenning.service.memory_ops import DECISION_FIELDS
from kenning.service.proposal import apply_edits, parse_diff

if TYPE_CHECKING:
    from kenning.service.watcher import Watcher

__all__ = [
    "DECISION_FIELDS",
    "MAX_CODE_BYTES",
    "PROBE_LANGUAGES",
    "Service",
    "Watcher",
    "apply_edits",
    "graph_views",
    "hook_install",
    "parse_diff",
    "review",
]


_VIEWS = ("graph_views", "hook_install", "review")  # modules, loaded when asked for (graph_views needs networkx)


def __getattr__(name: str):
    # The watcher imports watchfiles and its thread machinery: only `kenning serve` and `kenning mcp` need it.
    if name == "Watcher":
        from kenning.service.watcher import Watcher

        return Watcher
    if name in _VIEWS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
