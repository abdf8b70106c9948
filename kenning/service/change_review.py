"""The impact of a change (`kenning review --diff`): what it touches, who depends on that, which tests to run,
and the guard's findings on each changed file, in one report.

Not the web UI's review of decisions and tasks (review.py). Symbols are compared by their body hash
between the file before the change (on disk, or the base given) and after; callers and dependents come
from the index graph as it is (the code before the change), so a removed function still shows who
called it. Tests are the definitions under test paths that reach a touched symbol through the graph, and
test files whose module-level code uses one.
"""

from __future__ import annotations

from typing import Any

from kenning.errors import InvalidInput
from kenning.indexer import graph as graphs
from kenning.indexer.extract import parse_source
from kenning.indexer.languages import language_for_path
from kenning.service.proposal import apply_patch, parse_diff
from kenning.service.result_grouping import is_test_path

MAX_DEPENDENTS = 50  # listed; the total is always given
MAX_CALLERS = 20  # per touched symbol
MAX_FILES = 200
MAX_DEPTH = 50  # dependent hops a review follows at most (HTTP and MCP say so in their schemas)


class ChangeReviewOps:
    """Mixed into Service: needs `guard`, `store`, `dependency_graph` and `_text_on_disk` (GuardOps)."""

    def review_change(self, diff: str | None = None, changes: list[dict[str, str]] | None = None, *,
                      origin: str = "cli", block_on: list[str] | None = None, depth: int | None = None
                      ) -> dict[str, Any]:
        """The impact of a unified `diff` (applied to the files on disk), or of `changes`: [{"path", "content",
        "base"}] (base: the text before, '' for a new file)."""
        if (diff is None) == (changes is None):
            raise InvalidInput("give a diff or a list of changed files, one of the two")
        if depth is not None and not 1 <= depth <= MAX_DEPTH:
            raise InvalidInput(f"depth must be between 1 and {MAX_DEPTH}, not {depth}")
        files = self._changed_files(diff) if diff is not None else [
            (self._project_path(c["path"]), c.get("base") or "", c.get("content")) for c in changes or []]  # type: ignore[attr-defined]
        if len(files) > MAX_FILES:
            raise InvalidInput(f"a review covers at most {MAX_FILES} files; this change has {len(files)}")
        reports, targets = [], []
        for path, before, after in files:
            before = self._text_on_disk(path) if before is None else before  # type: ignore[attr-defined]
            touched = _touched(path, before, after or "")
            targets += [t["symbol"] for t in touched if t["change"] != "added"]
            guard = None
            if after is not None and language_for_path(path) is not None:
                guard = self.guard(path, content=after, base=before, origin=origin, block_on=block_on)  # type: ignore[attr-defined]
            reports.append({"path": path, "status": "deleted" if after is None else "added" if not before else "modified",
                            "touched": touched, "decision": guard["decision"] if guard else "allow",
                            "findings": guard["findings"] if guard else [], "notices": guard["notices"] if guard else []})
        impact = self._impact_of(targets, depth)
        findings = sum(len(r["findings"]) for r in reports)
        return {"decision": "block" if any(r["decision"] == "block" for r in reports) else "allow",
                "files": reports, "findings_total": findings, **impact}

    def _changed_files(self, diff: str) -> list[tuple[str, str | None, str | None]]:
        """(path, text before, text after or None when deleted) of each file in the diff."""
        found = []
        for patch in parse_diff(diff):
            path = self._project_path(patch.path)  # type: ignore[attr-defined]
            before = self._text_on_disk(self._project_path(patch.old_path)) if patch.old_path else ""  # type: ignore[attr-defined]
            after = None if patch.new_path is None else apply_patch(before, patch)
            found.append((path, before, after))
        if not found:
            raise InvalidInput("the diff holds no file patch")
        return found

    def _impact_of(self, targets: list[str], depth: int | None) -> dict[str, Any]:
        graph = self.dependency_graph()  # type: ignore[attr-defined]
        present = [t for t in dict.fromkeys(targets) if t in graph]
        callers = []
        for target in present:
            uses = [r for r in self.store.references_to([target]) if r.source != target]  # type: ignore[attr-defined]
            callers.append({"symbol": target, "total": len(uses), "callers": [
                {"symbol": r.source, "path": r.path, "line": r.line, "kind": r.kind} for r in uses[:MAX_CALLERS]]})
        reached = graphs.impact(graph, present, depth)
        dependents = sorted(({"symbol": n, "path": graph.nodes[n].get("path", ""), "distance": d}
                             for n, d in reached.items()), key=lambda x: (x["distance"], x["symbol"]))
        tests: dict[str, set[str]] = {}
        for item in dependents:
            if is_test_path(item["path"]):
                tests.setdefault(item["path"], set()).add(item["symbol"])
        for entry in callers:  # module-level code of a test file (no symbol of its own) that uses a target
            for use in entry["callers"]:
                if use["symbol"] is None and is_test_path(use["path"]):
                    tests.setdefault(use["path"], set())
        return {"callers": callers, "dependents": dependents[:MAX_DEPENDENTS], "dependents_total": len(dependents),
                "tests": [{"path": p, "tests": sorted(names)} for p, names in sorted(tests.items())]}


def _touched(path: str, before: str, after: str) -> list[dict[str, Any]]:
    """The definitions the change adds, changes or removes, by qualified name."""
    spec = language_for_path(path)
    if spec is None:
        return []
    old = {s.qualified_name: s for s in parse_source(path, before.encode("utf-8"), spec.name).symbols} if before else {}
    new = {s.qualified_name: s for s in parse_source(path, after.encode("utf-8"), spec.name).symbols} if after else {}
    touched = [{"symbol": q, "change": "added" if q not in old else "changed", "line": s.start_line}
               for q, s in new.items() if q not in old or old[q].body_hash != s.body_hash]
    touched += [{"symbol": q, "change": "removed", "line": s.start_line} for q, s in old.items() if q not in new]
    # A changed method changes its class's text too: keep the innermost definitions only.
    inner = {t["symbol"] for t in touched}
    return [t for t in touched if not any(o.startswith(t["symbol"] + ".") for o in inner)
            or t["change"] != "changed"]
