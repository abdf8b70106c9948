"""The one place kenning's operations live; the CLI, HTTP API and MCP server call only this.

`Service` loads on first use, so a light module here (proposal, which the hook client needs) imports
without the whole service.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kenning.service.core import Service

__all__ = ["Service"]


def __getattr__(name: str):
    if name == "Service":
        from kenning.service.core import Service

        return Service
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
