"""After a small change, re-resolving only what it can affect gives what a full resolution gives.

The corpus is real code nobody here wrote: a few standard-library packages copied into a tmp
dir. Each step edits, adds or deletes files, re-indexes incrementally, and then checks that a
full re-resolution of the same index changes nothing.
"""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest

from kenning.indexer.resolve import Resolver
from kenning.store.index_store import IndexStore
from kenning.service import indexing
from kenning.service.indexing import run_index
from kenning.settings import Settings

STDLIB = Path(sysconfig.get_paths()["stdlib"])
PACKAGES = ("json", "http", "urllib", "email/mime", "xmlrpc")


def _resolutions(store: IndexStore) -> list[tuple]:
    rows = store.conn.execute(
        "SELECT f.path, r.line, r.kind, r.name, r.text, r.source, r.target, r.target_path, r.confidence"
        " FROM refs r JOIN files f ON f.id = r.file_id"
    )
    return sorted(rows, key=repr)


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


@pytest.fixture()
def project(tmp_path: Path) -> tuple[Settings, IndexStore]:
    root = tmp_path / "project"
    for package in PACKAGES:
        shutil.copytree(STDLIB / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    settings = Settings(root=root, embed_on_index=False)
    store = IndexStore(settings.index_dir)
    run_index(settings, store)
    return settings, store


def _check_step(settings: Settings, store: IndexStore, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    before = _resolutions(store)
    with monkeypatch.context() as patched:
        # The incremental path must be the one taken, not the full fallback.
        patched.setattr(indexing, "_resolve_stored", lambda _: pytest.fail("full resolution used"))
        run_index(settings, store)
    incremental = _resolutions(store)
    indexing._resolve_stored(store)
    assert _resolutions(store) == incremental
    return [row for row in incremental if row not in before]


def test_incremental_resolution_matches_full_resolution(project, monkeypatch):
    settings, store = project
    root = settings.root

    # Edit: a second `make_headers` (defined once, in urllib.request) makes the name ambiguous,
    # so its 0.5-confidence resolutions from *other* files must come undone.
    _append(root / "xmlrpc/server.py", "\n\ndef make_headers(x):\n    return x\n")
    _append(root / "json/decoder.py", "\n\ndef _added(text):\n    return JSONDecoder().decode(text)\n")
    changed = _check_step(settings, store, monkeypatch)
    assert any(row[0] == "json/decoder.py" and row[3] == "decode" for row in changed)

    # Addition: a new module whose suffix collides with another, and new definitions of used names.
    (root / "http/json.py").write_text("def loads(s):\n    return s\n\nclass HTTPStatus:\n    pass\n")
    (root / "xmlrpc/util.py").write_text("from urllib.parse import quote\n\ndef helper():\n    return quote('x')\n")
    _check_step(settings, store, monkeypatch)

    # Deletion: uses of what the deleted files defined, from files that did not change.
    (root / "json/scanner.py").unlink()
    (root / "http/json.py").unlink()
    (root / "urllib/error.py").unlink()
    changed = _check_step(settings, store, monkeypatch)
    assert not any(row[7] in ("json/scanner.py", "urllib/error.py") for row in _resolutions(store))
    assert any(row[0] != "json/scanner.py" and row[6] is None for row in changed)

    # A rename inside a file that others import from.
    path = root / "urllib/parse.py"
    path.write_text(path.read_text(encoding="utf-8").replace("def quote(", "def quote_renamed("), encoding="utf-8")
    _check_step(settings, store, monkeypatch)


def test_the_lookups_taken_from_only_the_keyed_symbols_are_a_full_resolvers(project):
    # Incremental resolution compares the Resolver's answers before and after a change, read from
    # only the symbols that carry the changed keys; they must be what a Resolver over everything says.
    settings, store = project
    keys = store.symbol_keys_in(["json/decoder.py", "urllib/parse.py", "http/client.py", "email/mime/text.py"])
    qualified, names = {q for q, _ in keys}, {n for _, n in keys} | {"loads", "quote", "HTTPStatus"}
    full = Resolver(store.symbols_for_resolution(), store.file_modules()).lookups_for(qualified, names)
    assert indexing._lookups(store, qualified, names) == full
    assert any(answer is None for answer in full.single.values()), "some names are defined more than once"
    assert any(answer is not None for answer in full.single.values())
