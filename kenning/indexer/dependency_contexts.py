"""Python dependencies a module does not have when it is imported, given edge kinds of their own.

An import under `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`) never runs: it becomes `import-type`.
What `if __name__ == "__main__":` imports, calls or inherits runs only when the file is the program:
`import-main`, `call-main`, `inherit-main`. Architecture rules skip these kinds unless a rule names
them in `kinds`; resolution treats them like their plain kinds, so callers still see them.

The blocks come from the `@context.type` / `@context.main` captures of queries/python.scm, matched
in the extractor's one query pass. Python statements start on lines of their own, so a reference
lies in a block exactly when its line does.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace

from kenning.models import Reference

TYPE_ONLY_IMPORT = "import-type"
MAIN_SUFFIX = "-main"
_MAIN_KINDS = frozenset({"import", "call", "inherit"})


def mark_dependency_contexts(references: tuple[Reference, ...], matches: list) -> tuple[Reference, ...]:
    """`references` with the kinds of those inside type-only and `__main__` blocks replaced."""
    type_blocks = _line_ranges(matches, "context.type")
    main_blocks = _line_ranges(matches, "context.main")
    if not type_blocks and not main_blocks:
        return references
    marked = []
    for ref in references:
        kind = ref.kind
        if kind == "import" and _inside(type_blocks, ref.line):
            kind = TYPE_ONLY_IMPORT
        elif kind in _MAIN_KINDS and _inside(main_blocks, ref.line):
            kind += MAIN_SUFFIX
        marked.append(ref if kind == ref.kind else replace(ref, kind=kind))
    return tuple(marked)


def _line_ranges(matches: list, capture: str) -> list[tuple[int, int]]:
    """(first line, last line) of each captured block, 1-based, outermost blocks only, sorted."""
    ranges = sorted((n.start_point[0] + 1, -(n.end_point[0] + 1))
                    for _, captures in matches for n in captures.get(capture, ()))
    outermost: list[tuple[int, int]] = []
    for first, negated_last in ranges:
        last = -negated_last
        if outermost and first <= outermost[-1][1]:
            continue  # nested in the previous block
        outermost.append((first, last))
    return outermost


def _inside(blocks: list[tuple[int, int]], line: int) -> bool:
    at = bisect_right(blocks, (line, float("inf"))) - 1
    return at >= 0 and blocks[at][0] <= line <= blocks[at][1]
