"""exists() on a real stdlib corpus with the real model: copies found, strangers not, bad input refused."""

from __future__ import annotations

import subprocess
import sys

import pytest
from search_corpus import exists_top, function_source, renamed, shared_service

from kenning.errors import InvalidInput, NotFound

CANDIDATE_KEYS = {"qualified_name", "name", "kind", "language", "path", "start_line", "end_line", "signature",
                  "score", "match", "verdict", "callers"}
UNRELATED = '''
def edit_distance(first, second):
    """Levenshtein distance between two sequences."""
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, start=1):
        current = [i]
        for j, b in enumerate(second, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1]
'''


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return shared_service(tmp_path_factory)


def test_renamed_copy_is_found_first_with_verdict_exists(service):
    source = function_source(service.root, "textwrap.py", "dedent")
    probe = renamed(source, {"dedent": "strip_margin", "text": "src", "margin": "common", "line": "row"})
    answer = exists_top(service, probe, "exists", "textwrap.dedent", "structural-exact")
    assert set(answer["candidates"][0]) == CANDIDATE_KEYS
    assert answer["index"]["embedded"] == answer["index"]["symbols"] > 0
    assert answer["index"]["stale_files"] == 0


def test_near_copy_with_an_added_statement_is_found(service):
    source = function_source(service.root, "fnmatch.py", "translate")
    probe = renamed(source, {"translate": "glob_to_regex", "pat": "pattern", "res": "out"})
    assert "\n    return " in probe
    probe = probe.replace("\n    return ", "\n    calls = 0\n    return ", 1)
    exists_top(service, probe, "exists", "fnmatch.translate", "structural-near")


def test_short_near_copy_is_only_similar(service):
    # Short definitions share shapes by coincidence; the benchmark found such pairs among
    # unrelated stdlib functions, so a near copy of a few lines is reported, not asserted.
    source = function_source(service.root, "shlex.py", "quote")
    probe = renamed(source, {"quote": "shell_escape", "s": "value"})
    probe = probe.replace("if not value :", "value = str(value)\n    if not value :", 1)
    exists_top(service, probe, "similar", "shlex.quote")


def test_unrelated_function_gives_none(service):
    answer = service.exists(code=UNRELATED)
    assert answer["verdict"] == "none"
    assert all("structural-exact" not in c["match"] for c in answer["candidates"])


def test_description_finds_a_reimplementation_target(service):
    answer = service.exists(description="split a string into tokens using shell-like syntax")
    assert "shlex.split" in [c["qualified_name"] for c in answer["candidates"][:5]]


def test_a_description_finds_the_function_before_a_constant_named_like_it(service):
    # json.encoder.ESCAPE_ASCII shares the words; the description says what code does.
    answer = service.exists(description="escape non-ASCII characters in a string")
    top = answer["candidates"][0]
    assert (top["qualified_name"], top["kind"]) == ("json.encoder.py_encode_basestring_ascii", "function")


def test_name_alone_is_never_exists(service):
    answer = service.exists(name="dedent")
    assert answer["verdict"] == "similar"
    assert answer["candidates"][0]["qualified_name"] == "textwrap.dedent"
    assert answer["candidates"][0]["match"] == ["name"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one of code, description or name"),
        ({"description": "   "}, "at least one of code, description or name"),
        ({"code": "x = 1\n" * 2_000_000}, "at most 1 MB"),
        ({"code": b"\x7fELF\x02\x01\x00\x00binary"}, "not binary data"),
        ({"code": b"\xff\xfe\xfa not utf-8"}, "not binary data"),
        ({"code": "def f(): pass", "language": "cobol"}, "unknown language 'cobol'"),
        ({"name": "dedent", "limit": 0}, "limit must be between"),
    ],
)
def test_bad_probes_get_clear_errors(service, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        service.exists(**kwargs)


def test_choices_are_audited_and_counted(service):
    before = service.search_stats()
    duplicate = service.exists(name="quote", description="escape a string for use in a shell command line")
    service.record_choice(duplicate["query_id"], "reused")
    written = service.exists(code=function_source(service.root, "textwrap.py", "indent"))
    with pytest.raises(InvalidInput, match="reason is required"):
        service.record_choice(written["query_id"], "wrote_new")
    service.record_choice(written["query_id"], "wrote_new", "needs tabs expanded first")
    with pytest.raises(NotFound):
        service.record_choice("no-such-query", "reused")
    with pytest.raises(InvalidInput, match="choice must be one of"):
        service.record_choice(written["query_id"], "ignored")
    after = service.search_stats()
    assert after["duplicates_avoided"] == before["duplicates_avoided"] + 1
    assert after["queries"] == before["queries"] + 2
    despite = after["wrote_new_despite_match"][-1]
    assert despite["query_id"] == written["query_id"]
    assert despite["closest"] == "textwrap.indent"
    assert despite["reason"] == "needs tabs expanded first"


def test_cli_refuses_an_empty_probe_with_one_line_and_exit_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kenning", "exists", "--root", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: exists needs at least one of code, description or name"
