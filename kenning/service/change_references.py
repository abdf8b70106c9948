"""The guard's reference checks over one proposed file: what it calls or imports that does not exist
(references_check.py, and tree_references.py for JavaScript, TypeScript and Go), calls that do not fit
their target, and callers elsewhere that a changed signature breaks (call_fit.py).

Only what the change adds or alters is judged (the lines that differ from the file before it), so a
file's old oddities are not reported again on every edit; a new file is judged whole. Findings are
sorted by line.
"""

from __future__ import annotations

import difflib
import logging
from pathlib import Path

from kenning.indexer.python_facts import python_facts
from kenning.store.index_store import IndexStore
from kenning.models import ParsedFile
from kenning.service.call_fit import CallFit, broken_callers
from kenning.service.project_view import ProjectView
from kenning.service.references_check import PythonReferences
from kenning.service.tree_references import TREE_LANGUAGES, tree_findings

log = logging.getLogger(__name__)


def changed_lines(before: str, after: str) -> set[int]:
    """1-based numbers of the lines of `after` that `before` does not have in place."""
    new = after.splitlines()
    if not before:
        return set(range(1, len(new) + 1))
    matcher = difflib.SequenceMatcher(None, before.splitlines(), new, autojunk=False)
    return {j + 1 for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("replace", "insert")
            for j in range(j1, j2)}


def reference_findings(store: IndexStore, root: Path, parsed: ParsedFile, previous: ParsedFile | None,
                       before: str, proposed: str, deadline: float, notices: list[str]) -> list[dict]:
    changed = changed_lines(before, proposed)
    if not changed and previous is not None and previous.symbols == parsed.symbols:
        return []
    view = ProjectView(store, root, parsed, proposed)
    if parsed.language == "python":
        findings = _python(view, parsed, previous, before, changed, deadline, notices)
    elif parsed.language in TREE_LANGUAGES:
        findings = tree_findings(view, changed)
    else:
        return []
    return sorted(findings, key=lambda f: f["line"])


def _python(view: ProjectView, parsed: ParsedFile, previous: ParsedFile | None, before: str, changed: set[int],
            deadline: float, notices: list[str]) -> list[dict]:
    facts = python_facts(view.text(parsed.path))
    if facts is None:
        notices.append(f"{parsed.path} is not valid Python: its references were not checked")
        return []
    references = PythonReferences(view, facts, changed)
    findings = references.findings()
    old = {s.qualified_name: s.signature for s in (previous.symbols if previous else ())}
    resigned = {s.name for s in parsed.symbols if s.qualified_name in old and old[s.qualified_name] != s.signature}
    calls = [c for c in facts.calls if c.line in changed or c.callee.rsplit(".", 1)[-1] in resigned]
    findings += CallFit(view, references).findings(calls)
    if previous is not None and resigned:
        findings += broken_callers(view, list(previous.symbols), list(parsed.symbols), before, deadline, notices)
    return findings
