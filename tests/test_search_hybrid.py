"""search() on a real stdlib corpus with the real model; the lexical index stays in step with the symbols."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import copy_stdlib
from search_corpus import open_service, shared_service

from kenning.errors import InvalidInput

RESULT_KEYS = {"qualified_name", "name", "kind", "language", "path", "start_line", "end_line", "signature",
               "score", "why", "also", "copies"}


def _names(answer: dict) -> list[str]:
    """Every symbol of an answer: each file's best one and those grouped under it."""
    return [name for r in answer["results"] for name in (r["qualified_name"], *(a["qualified_name"] for a in r["also"]))]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return shared_service(tmp_path_factory)


def test_a_docstring_sentence_finds_its_function_first(service):
    answer = service.search("remove any common leading whitespace from every line")
    assert answer["results"][0]["qualified_name"] == "textwrap.dedent"
    assert set(answer["results"][0]) == RESULT_KEYS
    assert answer["index"]["embedded"] == answer["index"]["symbols"]


def test_a_paraphrase_with_no_shared_words_is_found_by_meaning(service):
    # None of these words is in shlex.quote's name, signature or body; only the model links them.
    answer = service.search("make a value safe to paste into a terminal", limit=5)
    assert "shlex.quote" in _names(answer)
    assert any("dense" in r["why"] for r in answer["results"])


def test_exact_name_ranks_first(service):
    answer = service.search("fnmatchcase", limit=3)
    assert answer["results"][0]["qualified_name"] == "fnmatch.fnmatchcase"
    assert answer["results"][0]["why"].startswith("exact name")


def test_filters_keep_only_matching_symbols(service):
    answer = service.search("decode json document", limit=20, kind="method", path_prefix="json/")
    assert answer["results"]
    assert all(r["kind"] == "method" and r["path"].startswith("json/") for r in answer["results"])
    assert service.search("decode json document", language="rust")["results"] == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": ""}, "must not be empty"),
        ({"query": "   \n"}, "must not be empty"),
        ({"query": "x" * 5_000}, "at most 2000 characters"),
        ({"query": "a\x00b"}, "not binary data"),
        ({"query": "wrap", "limit": 1_000}, "limit must be between"),
        ({"query": "wrap", "kind": "gadget"}, "unknown kind 'gadget'"),
    ],
)
def test_bad_queries_get_clear_errors(service, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        service.search(**kwargs)


def test_lexical_search_works_before_embedding_and_cache_avoids_reencoding(tmp_path, service):
    root = copy_stdlib(tmp_path / "deferred", "colorsys.py", "fnmatch.py")
    deferred = open_service(root, embed_on_index=False)
    deferred.index()
    answer = deferred.search("convert rgb to hls")
    # Words alone cannot tell the direction of a conversion; both come before anything else (in one file,
    # whose module may be listed with them).
    first = answer["results"][0]
    assert [s["qualified_name"] for s in (first, *first["also"]) if s["kind"] != "module"][:2] in (
        ["colorsys.rgb_to_hls", "colorsys.hls_to_rgb"], ["colorsys.hls_to_rgb", "colorsys.rgb_to_hls"])
    assert all("dense" not in r["why"] for r in answer["results"])
    assert answer["index"]["embedded"] == 0 < answer["index"]["symbols"]

    first = deferred.embed()
    assert first["embedded"] == first["symbols"] == first["encoded"] > 0
    # Adding a function re-indexes the file; only the new text is encoded.
    with (root / "colorsys.py").open("a") as fh:
        fh.write("\n\ndef clamp_unit(x):\n    return min(1.0, max(0.0, x))\n")
    deferred.index()
    again = deferred.embed()
    assert again["encoded"] == 1
    assert again["embedded"] == again["symbols"] == first["symbols"] + 1
    assert deferred.search("clamp a value into the unit interval", limit=3)["results"][0]["name"] == "clamp_unit"


def test_lexical_rows_follow_symbols_through_edits_and_deletes(tmp_path, service):
    root = copy_stdlib(tmp_path / "sync", "colorsys.py", "fnmatch.py")
    project = open_service(root, embed_on_index=False)
    project.index()
    conn = project.store.conn

    def in_step() -> bool:
        fts = {r for (r,) in conn.execute("SELECT rowid FROM symbols_fts")}
        return fts == {r for (r,) in conn.execute("SELECT id FROM symbols")}

    assert in_step()
    assert project.search("yiq_to_rgb")["results"][0]["name"] == "yiq_to_rgb"
    (root / "colorsys.py").unlink()
    project.index()
    assert in_step()
    assert all(r["path"] != "colorsys.py" for r in project.search("yiq_to_rgb")["results"])


def test_commands_that_do_not_embed_never_import_torch_or_chromadb(service):
    script = (
        "import sys\n"
        "sys.argv = ['kenning', 'symbol', 'dedent', '--root', sys.argv[1]]\n"
        "from kenning.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('torch', 'chromadb', 'sentence_transformers') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(service.root)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "textwrap.dedent" in result.stdout
    assert result.stdout.strip().endswith("[]")


def test_the_side_thread_lexical_query_sees_each_reindex_and_stops_with_the_service(tmp_path, service):
    """search runs its lexical query on a side thread with its own SQLite connection: that connection
    must see what a later index run wrote, and closing the service must not leave the thread behind."""
    import threading

    others = set(threading.enumerate())  # the shared corpus's service keeps its own
    root = copy_stdlib(tmp_path, "textwrap.py")
    project = open_service(root)
    project.index()
    assert project.search("wrap a paragraph of text")["results"]  # the side thread and its connection exist
    (root / "quokka.py").write_text("def count_quokkas(burrows):\n    return sum(b.quokkas for b in burrows)\n")
    project.index()
    found = {r["qualified_name"]: r["why"] for r in project.search("count quokkas in burrows")["results"]}
    assert "lexical #1" in found.get("quokka.count_quokkas", ""), found  # a stale connection has no such row
    project.close()
    assert not [t for t in set(threading.enumerate()) - others if t.name.startswith("kenning-side")]
