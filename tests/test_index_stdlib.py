"""The indexer on real code nobody here wrote: the stdlib's json package and textwrap."""

from __future__ import annotations

import shutil

import pytest

from conftest import copy_stdlib
from kenning.errors import Ambiguous, InvalidInput, NotFound
from kenning.service import Service
from kenning.settings import Settings


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = copy_stdlib(tmp_path_factory.mktemp("stdlib"), "json", "textwrap.py")
    svc = Service.from_settings(Settings.load(root))
    report = svc.index()
    assert report.files_indexed == 6
    yield svc
    svc.close()


def test_symbols_carry_qualified_names_kinds_lines_and_signatures(service):
    (decode,) = service.find_symbols("JSONDecoder.decode")
    assert decode.qualified_name == "json.decoder.JSONDecoder.decode"
    assert decode.kind == "method"
    assert decode.path == "json/decoder.py"
    assert decode.signature.startswith("def decode(self, s")
    assert decode.docstring.startswith("Return the Python representation")
    assert decode.parent == "json.decoder.JSONDecoder"
    source = (service.root / decode.path).read_text().splitlines()
    assert source[decode.start_line - 1].lstrip().startswith("def decode(")
    assert service.symbol("json.decoder.JSONDecoder").kind == "class"
    assert service.symbol("textwrap.TextWrapper.wrap").kind == "method"
    assert service.symbol("json.loads").kind == "function"


def test_a_dotted_suffix_or_short_name_finds_every_match(service):
    names = {s.qualified_name for s in service.find_symbols("encode")}
    assert {"json.encoder.JSONEncoder.encode"} <= names
    with pytest.raises(Ambiguous) as caught:
        service.symbol("wrap")
    assert caught.value.candidates == ["textwrap.TextWrapper.wrap", "textwrap.wrap"]


def test_unknown_and_empty_names_are_clear_errors(service):
    with pytest.raises(NotFound, match="no symbol named 'no_such_thing'"):
        service.find_symbols("no_such_thing")
    with pytest.raises(InvalidInput):
        service.find_symbols("   ")
    with pytest.raises(InvalidInput):
        service.find_symbols("x" * 5_000)


def test_calls_resolve_across_files_through_imports(service):
    callees = service.callees("json.loads")["json.loads"]
    resolved = {u.symbol: u.confidence for u in callees if u.symbol}
    # `detect_encoding` is defined in the same file; JSONDecodeError comes from `from .decoder import ...`.
    assert resolved["json.detect_encoding"] == 1.0
    assert resolved["json.decoder.JSONDecodeError"] >= 0.9
    # Builtins cannot be resolved but are kept, with their text.
    assert any(u.symbol is None and u.text == "isinstance" for u in callees)


def test_callers_include_imports_and_calls(service):
    uses = service.callers("json.decoder.JSONDecoder")["json.decoder.JSONDecoder"]
    kinds = {(u.path, u.kind) for u in uses}
    assert ("json/__init__.py", "import") in kinds
    assert ("json/__init__.py", "call") in kinds


def test_inheritance_is_recorded_even_when_the_base_is_outside_the_project(service):
    uses = service.callees("json.decoder.JSONDecodeError")["json.decoder.JSONDecodeError"]
    assert any(u.kind == "inherit" and u.text == "ValueError" and u.symbol is None for u in uses)


def test_impact_is_transitive(service):
    found = service.impact("json.detect_encoding")["json.detect_encoding"]
    assert found["json.loads"] == 1
    # json.load calls json.loads, which calls detect_encoding.
    assert found["json.load"] == 2


def test_repo_map_fits_its_budget_and_ranks_central_code(service):
    text, entries = service.repo_map(200)
    assert len(text) / 4 <= 200 * 1.1
    listed = {s.qualified_name for e in entries for s in e.symbols}
    assert "json.decoder.JSONDecoder" in listed or "json.decoder.JSONDecoder.decode" in listed
    bigger, _ = service.repo_map(2_000)
    assert len(bigger) > len(text)
    with pytest.raises(InvalidInput):
        service.repo_map(0)


def test_deleting_the_index_and_reindexing_gives_the_same_result(service, tmp_path):
    root = tmp_path / "again"
    shutil.copytree(service.root, root, ignore=shutil.ignore_patterns(".kenning"))
    again = Service.from_settings(Settings.load(root))
    again.index()
    shutil.rmtree(root / ".kenning" / "index")
    rebuilt = Service.from_settings(Settings.load(root))
    rebuilt.index()

    def dump(svc):
        symbols = sorted((s.qualified_name, s.path, s.start_line, s.fingerprint) for s in svc.store.all_symbols())
        refs = sorted((r.path, r.line, r.kind, r.text, r.target, r.confidence) for _, r in svc.store.all_references())
        return symbols, refs

    assert dump(rebuilt) == dump(service)
    assert (root / ".kenning" / "index" / ".gitignore").read_text().strip().endswith("*")
