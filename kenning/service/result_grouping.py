"""What search answers, from its fused order: one result per file, near-duplicates folded, and which
definitions an identifier query names.

A file appears once: its best-matching symbol carries the usual fields, and the file's other matching
symbols follow it in `also` (best first), so one class and its methods no longer fill the list. The
same span twice (a struct and its typedef) shows once, and a symbol whose text is byte for byte one
already shown (a copied legacy tree, platform twins) is listed under that result's `copies` instead of
taking a place of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from kenning.models import Symbol

ALSO_LIMIT = 5  # other symbols listed under a file's best one
COPIES_LIMIT = 5
# `Name`, `snake_name`, `pkg.mod.Name`, `Type::method`, `Class#method`, `$obj->prop`, `Ns\Class`.
_NAME_QUERY = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|#|->|\\)\$?[A-Za-z_][A-Za-z0-9_]*)*")
_NAME_SEPARATORS = re.compile(r"\.|::|#|->|\\")
# Where tests live, in the conventions of the languages kenning reads.
_TEST_PATH = re.compile(r"(^|/)(?i:tests?|spec|specs|testing|__tests__|testdata)(/|$)|_test\.[a-z]+$|_spec\.rb$"
                        r"|\.(test|spec)\.[cm]?[jt]sx?$|(^|/)test_[^/]*\.py$|(^|/)conftest\.py$|Tests?\.(java|cs|php)$")


@lru_cache(maxsize=1 << 14)  # asked for every candidate of every search; paths repeat
def is_test_path(path: str) -> bool:
    return _TEST_PATH.search(path) is not None


def name_query(query: str) -> tuple[str, ...] | None:
    """The parts of a query that is an identifier (CamelCase, snake_case, dotted, `$`-prefixed), else None:
    'Foo::bar' -> ('Foo', 'bar')."""
    if _NAME_QUERY.fullmatch(query) is None:
        return None
    return tuple(part.lstrip("$") for part in _NAME_SEPARATORS.split(query))


def named_definitions(parts: Sequence[str], found: Mapping[int, Symbol]) -> list[int]:
    """Which of `found` (symbols named like the query's last part) the query means: those whose qualified
    name ends with every part given, and of those the ones outside tests when there are any."""
    wanted = ".".join(parts)
    chosen = [sid for sid, s in found.items() if s.qualified_name == wanted or s.qualified_name.endswith("." + wanted)]
    chosen = chosen or list(found)
    outside = [sid for sid in chosen if not is_test_path(found[sid].path)]
    return outside or chosen


def by_file(order: Sequence[int], symbols: Mapping[int, Symbol], limit: int) -> list[tuple[int, list[int], list[str]]]:
    """The first `limit` files of `order`, each as (its best symbol, the file's other symbols in order,
    `path:line` of copies elsewhere). The whole order is read whatever `limit` is, so a file's other
    symbols are the same for every limit."""
    groups: list[tuple[int, list[int], list[str]]] = []
    by_path: dict[str, tuple[int, list[int], list[str]]] = {}
    shown_spans: set[tuple[str, int, int]] = set()
    shown_bodies: dict[str, list[str]] = {}
    for sid in order:
        symbol = symbols[sid]
        span = (symbol.path, symbol.start_line, symbol.end_line)
        if span in shown_spans:
            continue  # the same span again: a struct and its typedef, a declaration and its definition
        shown_spans.add(span)
        copies = shown_bodies.get(symbol.body_hash) if symbol.body_hash else None
        if copies is not None:
            if len(copies) < COPIES_LIMIT:
                copies.append(f"{symbol.path}:{symbol.start_line}")
            continue
        group = by_path.get(symbol.path)
        if group is not None:
            if len(group[1]) < ALSO_LIMIT:
                group[1].append(sid)
            continue
        if len(groups) == limit:
            continue  # later symbols may still join a file already listed
        group = by_path[symbol.path] = (sid, [], [])
        groups.append(group)
        if symbol.body_hash:
            shown_bodies[symbol.body_hash] = group[2]
    return groups
