"""The one place kenning's operations live; the CLI, HTTP API and MCP server call only this.

What the adapters may use is listed here, and nothing else (tests/test_service_surface.py pins both
the list and that the adapters import only from here): the Service, the limits and vocabularies
their schemas repeat, the proposal parsers the hooks share, the watcher a server runs, and the
views the web UI and the hook installer are built from.

Only the proposal parsers load with the package: the hook client (kenning/cli/hook_client.py) needs
them on the standard library alone; everything else loads when first asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from kenning.service.proposal import apply_edits, parse_diff

if TYPE_CHECKING:
    from kenning.service.core import Service
    from kenning.service.exists import MAX_CODE_BYTES
    from kenning.service.exists_language import PROBE_LANGUAGES
    from kenning.service.memory_ops import DECISION_FIELDS
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
_NAMES = {"Service": "core", "MAX_CODE_BYTES": "exists", "PROBE_LANGUAGES": "exists_language",
          "DECISION_FIELDS": "memory_ops", "Watcher": "watcher"}  # the watcher imports watchfiles


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    if name in _VIEWS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
