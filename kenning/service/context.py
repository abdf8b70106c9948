"""Read-only context around symbols and files: source excerpts and per-file outlines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kenning.errors import InvalidInput, NotFound
from kenning.models import Symbol

if TYPE_CHECKING:
    from kenning.store.index_store import IndexStore
    from kenning.settings import Settings

MAX_PATH_LENGTH = 4_096


class ContextOps:
    settings: "Settings"
    store: "IndexStore"

    def source_excerpt(self, symbol: Symbol, max_lines: int = 20) -> str:
        """The first `max_lines` lines of a symbol's definition as it is on disk now."""
        if max_lines < 1:
            raise InvalidInput("max_lines must be at least 1")
        path = self.resolve_path(symbol.path)
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""  # deleted or unreadable since it was indexed; freshness says so
        last = min(symbol.end_line, symbol.start_line + max_lines - 1)
        return "\n".join(lines[symbol.start_line - 1:last])

    def file_outline(self, path: str) -> list[Symbol]:
        """The symbols defined in one indexed file, in order."""
        relative = self.resolve_path(path).relative_to(self.settings.root).as_posix()
        symbols = self.store.symbols_in_file(relative)
        if not symbols and relative not in self.store.file_states():
            raise NotFound(f"{relative} is not in the index of {self.settings.root}; is it a source file? re-index?")
        return symbols

    def resolve_path(self, path: str) -> Path:
        """A path inside the project root; anything reaching outside it is refused."""
        if not path or len(path) > MAX_PATH_LENGTH or "\x00" in path:
            raise InvalidInput("a relative path inside the project root is required")
        root = self.settings.root
        resolved = (root / path).resolve()
        if resolved != root and root not in resolved.parents:
            raise InvalidInput(f"{path!r} is outside the project root; paths are relative to {root}")
        return resolved
