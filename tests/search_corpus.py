"""One indexed stdlib corpus and one loaded model shared by the search and exists tests.

pytest runs fixtures per module; the corpus and model are costly (seconds), so the first module
to ask builds them and later modules reuse them. Everything is real: files, SQLite, Chroma, model.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from conftest import copy_stdlib

from kenning.service import Service
from kenning.settings import Settings

CORPUS = ("json", "textwrap.py", "shlex.py", "fnmatch.py", "colorsys.py")
_shared: dict[str, Service] = {}


def shared_service(tmp_path_factory) -> Service:
    if "service" not in _shared:
        root = copy_stdlib(tmp_path_factory.mktemp("search-corpus"), *CORPUS)
        service = open_service(root)
        service.index()
        _shared["service"] = service
    return _shared["service"]


def open_service(root: Path, **settings) -> Service:
    """A service whose embedder is the session's one model (loaded once), with real storage."""
    shared = _shared["service"].search_parts.embedder if "service" in _shared else None
    return Service.from_settings(Settings.load(root, embed_on_index=settings.pop("embed_on_index", True), **settings),
                                 embedder=shared)


def renamed(source: str, names: dict[str, str]) -> str:
    """`source` with every NAME token in `names` replaced: a type-2 clone."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    # Two-tuples: untokenize re-spaces the code, so the copy is reformatted as well (type 1).
    return tokenize.untokenize(
        (t.type, names.get(t.string, t.string) if t.type == tokenize.NAME else t.string) for t in tokens
    )


def function_source(root: Path, path: str, name: str) -> str:
    """The text of top-level function `name` in `path` (def line to the end of its body)."""
    import ast

    text = (root / path).read_text()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(text, node)
    raise LookupError(name)


def exists_top(service: Service, probe: str, verdict: str | None, qualified_name: str,
               match: str | None = None) -> dict:
    """Ask exists about `probe`; check the verdict (unless None), the first candidate and, given, its
    match kind. Returns the answer for further checks."""
    answer = service.exists(code=probe)
    if verdict is not None:
        assert answer["verdict"] == verdict, answer
    top = answer["candidates"][0]
    assert top["qualified_name"] == qualified_name, answer["candidates"]
    if match is not None:
        assert match in top["match"], top
    return answer
