"""Which language an exists probe is written in: named, implied by the file it is meant for, or inferred.

Inference parses the probe with each language the project's index holds, most files first, and keeps
the grammar that leaves the fewest ERROR and MISSING nodes; on a tie the language with more files wins
(a JavaScript snippet parses cleanly as TypeScript too). Parsing a definition takes well under a
millisecond per grammar, and only the project's own languages are tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Query, QueryCursor

from kenning.errors import InvalidInput
from kenning.indexer.languages import LANGUAGES, compiled, language_for_path, language_named, language_names, new_parser

# PHP's grammar reads anything before `<?php` as inline HTML, so a bare PHP snippet would parse
# "cleanly" as text: it is judged with the opening tag in front.
_PHP_OPEN = b"<?php\n"


@dataclass(frozen=True)
class ProbeLanguage:
    name: str | None  # None: no code to parse and no language named
    inferred: bool = False


def resolve(language: str | None, path: str | None, code: str | None,
            project_languages: Callable[[], dict[str, int]]) -> ProbeLanguage:
    """The probe's language: `language` if given, else the one `path`'s extension implies, else (for
    code) the best parse among the project's languages (`project_languages()`: language -> files).
    Only an unknown `language` is an error."""
    if language is not None:
        if language_named(language) is None:
            raise InvalidInput(f"unknown language {language!r}; use one of {', '.join(language_names())}")
        return ProbeLanguage(language)
    spec = language_for_path(path) if path is not None else None
    if spec is not None:
        return ProbeLanguage(spec.name)
    # No path, or one whose extension no grammar claims (a Makefile, notes.txt): the code says.
    if not code:
        return ProbeLanguage(None)
    return ProbeLanguage(infer(code, project_languages()), inferred=True)


def infer(code: str, project_languages: dict[str, int]) -> str:
    """The language among the project's whose grammar parses `code` with the fewest errors."""
    known = [name for name, _ in sorted(project_languages.items(), key=lambda kv: -kv[1]) if language_named(name)]
    candidates = known or [spec.name for spec in LANGUAGES]  # an empty index: every language, Python first
    data = code.encode("utf-8")
    best, fewest = candidates[0], None
    for name in candidates:  # most files first, so the first of equal counts is the dominant language
        errors = parse_errors(name, data)
        if errors == 0:
            return name
        if fewest is None or errors < fewest:
            best, fewest = name, errors
    return best


def parse_errors(language: str, data: bytes) -> int:
    """ERROR plus MISSING nodes in the parse of `data`."""
    if language == "php" and b"<?" not in data:
        data = _PHP_OPEN + data
    tree = new_parser(language).parse(data)
    if not tree.root_node.has_error:
        return 0
    captures = QueryCursor(_error_query(language)).captures(tree.root_node)
    return sum(len(nodes) for nodes in captures.values())


@lru_cache(maxsize=None)
def _error_query(language: str) -> Query:
    return Query(compiled(language).language, "(ERROR) @error (MISSING) @missing")


PROBE_LANGUAGES: tuple[str, ...] = tuple(language_names())  # what the surfaces accept as `language`
