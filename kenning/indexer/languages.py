"""The languages kenning indexes: grammar wheels, their shipped tags queries, and our extras.

Each grammar wheel ships `queries/tags.scm` (definitions and references); we load it from the
installed package rather than keeping copies. Our own `queries/<language>.scm` adds what the
tags files lack: imports and inheritance (captures `@import`, `@import.alias`, `@import.name`,
`@inherit`, `@implement`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from tree_sitter import Language, Parser, Query

from kenning.errors import StorageError


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    extensions: tuple[str, ...]
    grammar: tuple[str, str]  # (module, function returning the language pointer)
    tags: tuple[tuple[str, str], ...]  # (distribution, path inside it) of shipped tags queries
    comment_style: str = "c"  # "c" (// and /* */), "hash" (#), "both" (php)
    # Nodes that name a scope without being a definition themselves, e.g. Rust `impl Foo { .. }`:
    # node type -> field holding the scope's name.
    scopes: dict[str, str] = field(default_factory=dict)
    # Definitions whose owner is named on the node itself, e.g. Go `func (r *Recv) m()`:
    # node type -> field holding the receiver.
    receivers: dict[str, str] = field(default_factory=dict)
    # Separator used in import paths ('.', '/', '::', '\\'); normalised to '.' for matching.
    import_separator: str = "."
    # Our query files (queries/<name>.scm) for this language; empty means just its own name.
    queries: tuple[str, ...] = ()


def _tags(dist: str, package_dir: str) -> tuple[str, str]:
    return (dist, f"{package_dir}/queries/tags.scm")


LANGUAGES: tuple[LanguageSpec, ...] = (
    LanguageSpec("python", (".py", ".pyi"), ("tree_sitter_python", "language"),
                 (_tags("tree-sitter-python", "tree_sitter_python"),), comment_style="hash"),
    LanguageSpec("javascript", (".js", ".jsx", ".mjs", ".cjs"), ("tree_sitter_javascript", "language"),
                 (_tags("tree-sitter-javascript", "tree_sitter_javascript"),), import_separator="/",
                 queries=("ecmascript-imports", "javascript")),
    # TypeScript's tags file only adds TS patterns on top of JavaScript's, so both are loaded.
    LanguageSpec("typescript", (".ts", ".mts", ".cts"), ("tree_sitter_typescript", "language_typescript"),
                 (_tags("tree-sitter-javascript", "tree_sitter_javascript"),
                  _tags("tree-sitter-typescript", "tree_sitter_typescript")), import_separator="/",
                 queries=("ecmascript-imports", "typescript")),
    LanguageSpec("tsx", (".tsx",), ("tree_sitter_typescript", "language_tsx"),
                 (_tags("tree-sitter-javascript", "tree_sitter_javascript"),
                  _tags("tree-sitter-typescript", "tree_sitter_typescript")), import_separator="/",
                 queries=("ecmascript-imports", "typescript")),
    LanguageSpec("go", (".go",), ("tree_sitter_go", "language"),
                 (_tags("tree-sitter-go", "tree_sitter_go"),),
                 receivers={"method_declaration": "receiver"}, import_separator="/"),
    LanguageSpec("rust", (".rs",), ("tree_sitter_rust", "language"),
                 (_tags("tree-sitter-rust", "tree_sitter_rust"),),
                 scopes={"impl_item": "type"}, import_separator="::"),
    LanguageSpec("java", (".java",), ("tree_sitter_java", "language"),
                 (_tags("tree-sitter-java", "tree_sitter_java"),)),
    LanguageSpec("c", (".c", ".h"), ("tree_sitter_c", "language"),
                 (_tags("tree-sitter-c", "tree_sitter_c"),), import_separator="/"),
    LanguageSpec("cpp", (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"), ("tree_sitter_cpp", "language"),
                 (_tags("tree-sitter-cpp", "tree_sitter_cpp"),), import_separator="/"),
    # The C# wheel ships its queries in a data folder beside the package, not inside it.
    LanguageSpec("csharp", (".cs",), ("tree_sitter_c_sharp", "language"),
                 (_tags("tree-sitter-c-sharp", "tree_sitter_c-sharp"),)),
    LanguageSpec("ruby", (".rb",), ("tree_sitter_ruby", "language"),
                 (_tags("tree-sitter-ruby", "tree_sitter_ruby"),), comment_style="hash",
                 import_separator="/"),
    LanguageSpec("php", (".php",), ("tree_sitter_php", "language_php"),
                 (_tags("tree-sitter-php", "tree_sitter_php"),), comment_style="both",
                 import_separator="\\"),
)

_BY_NAME = {spec.name: spec for spec in LANGUAGES}
_BY_EXTENSION = {ext: spec for spec in LANGUAGES for ext in spec.extensions}


def language_for_path(path: str) -> LanguageSpec | None:
    return _BY_EXTENSION.get(PurePosixPath(path).suffix.lower())


def language_named(name: str) -> LanguageSpec | None:
    return _BY_NAME.get(name)


def language_names() -> list[str]:
    return sorted(_BY_NAME)


@dataclass(frozen=True)
class CompiledLanguage:
    spec: LanguageSpec
    language: Language
    # The shipped tags patterns, then ours, as one query: one pass over the tree finds both
    # (two passes cost ~1.6x one on the standard library). Patterns numbered below
    # `tag_pattern_count` are the tags file's.
    patterns: Query
    tag_pattern_count: int
    errors: Query
    # Tags patterns that hold only for non-locals, `(#is-not? local)`, and the grammar's own
    # locals query that decides it (see local_names).
    not_local_patterns: frozenset[int] = frozenset()
    locals: Query | None = None


@lru_cache(maxsize=None)
def compiled(name: str) -> CompiledLanguage:
    """Grammar and queries for a language, compiled once per process."""
    spec = _BY_NAME[name]
    module = importlib.import_module(spec.grammar[0])
    language = Language(getattr(module, spec.grammar[1])())
    tags_text = "\n".join(_read_distribution_file(dist, path) for dist, path in spec.tags)
    extras_text = "\n".join(_read_project_query(query) for query in spec.queries or (name,))
    tags = Query(language, tags_text)
    not_local = frozenset(i for i in range(tags.pattern_count)
                          if tags.pattern_assertions(i).get("local") == (None, False))
    patterns = Query(language, f"{tags_text}\n{extras_text}") if extras_text else tags
    locals_text = "\n".join(_read_distribution_file(dist, path.replace("/tags.scm", "/locals.scm"))
                             for dist, path in spec.tags) if not_local else ""
    return CompiledLanguage(
        spec=spec,
        language=language,
        patterns=patterns,
        tag_pattern_count=tags.pattern_count,
        errors=Query(language, "(ERROR) @error"),
        not_local_patterns=not_local,
        locals=Query(language, locals_text) if locals_text else None,
    )


def new_parser(name: str) -> Parser:
    return Parser(compiled(name).language)


def _read_distribution_file(dist: str, path: str) -> str:
    try:
        located = importlib.metadata.distribution(dist).locate_file(path)
        return located.read_text(encoding="utf-8")
    except (importlib.metadata.PackageNotFoundError, OSError) as e:
        raise StorageError(f"grammar package {dist} is missing {path}; reinstall it ({e})") from e


def _read_project_query(name: str) -> str:
    resource = importlib.resources.files("kenning.indexer") / "queries" / f"{name}.scm"
    return resource.read_text(encoding="utf-8") if resource.is_file() else ""
