"""kenning's exception tree.

    KenningError            base; str(e) is safe to show a user and says what to do
    ├── InvalidInput        bad arguments or malformed input (HTTP 400/422, CLI exit 2)
    ├── NotFound            a named symbol, decision, task or file does not exist (404)
    ├── Ambiguous           a name matches several things where one is required (409)
    ├── Conflict            the request clashes with current state (409)
    │   ├── ChangedOnDisk   a memory file was edited by hand after kenning read it; nothing was written
    │   └── CompletionRefused   a task's completion checks fail (each adapter says how to force it)
    ├── ConfigError         a setting or kenning.toml is wrong
    └── StorageError        the index or a memory file could not be read or written
        └── IndexBusy       another process is writing the index right now

Adapters map these in one place each; code below the service raises them and
never prints.
"""

from __future__ import annotations


class KenningError(Exception):
    """Base for every error kenning reports to a user."""


class InvalidInput(KenningError):
    """The input is malformed or out of range."""


class NotFound(KenningError):
    """A named thing does not exist."""


class Ambiguous(KenningError):
    """A name matches several things where exactly one is required."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


class Conflict(KenningError):
    """The request clashes with the current state; ``reasons`` lists each problem when there are several."""

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = list(reasons or [])


class ChangedOnDisk(Conflict):
    """A memory file changed on disk between kenning's read and its write; the write was not made."""


class CompletionRefused(Conflict):
    """A task cannot be closed: ``reasons`` are its failing checks.

    The message ends by saying how to override; the default is surface-neutral, and each adapter
    rephrases it in its own terms (`--force --reason`, `force`/`reason` arguments) with ``phrased``.
    """

    def __init__(self, task_id: str, reasons: list[str], how_to_force: str = "force it with a written reason") -> None:
        lines = "\n".join(f"  - {r}" for r in reasons)
        super().__init__(f"task {task_id} cannot be closed:\n{lines}\nFix these, or {how_to_force}.", reasons)
        self.task_id = task_id

    def phrased(self, how_to_force: str) -> CompletionRefused:
        return CompletionRefused(self.task_id, self.reasons, how_to_force)


class ConfigError(KenningError):
    """A setting or kenning.toml is invalid."""


class StorageError(KenningError):
    """The index or a memory file could not be read or written."""


class IndexBusy(StorageError):
    """Another process holds the index's writer lock."""
