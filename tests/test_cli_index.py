"""The CLI as a user runs it: real processes, JSON shapes, one-line errors and exit codes."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import copy_stdlib
from serving_project import run_kenning

SYMBOL_KEYS = {"qualified_name", "name", "kind", "language", "path", "start_line", "end_line", "signature"}


def kenning(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return run_kenning(*args, cwd=cwd)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = copy_stdlib(tmp_path_factory.mktemp("cli"), "json", "textwrap.py")
    result = kenning("index", str(root), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"files_indexed", "files_unchanged", "files_skipped", "symbols", "edges", "seconds",
            "skipped_by_reason"} <= set(report)
    assert report["files_indexed"] == 6
    return root


def test_index_summary_line_when_not_a_terminal(root):
    result = kenning("index", str(root))
    assert result.returncode == 0
    assert result.stdout.startswith("indexed 0 files (6 unchanged")


def test_index_takes_the_root_as_an_option_too_but_not_two_roots(root, tmp_path):
    assert kenning("index", "--root", str(root)).stdout.startswith("indexed 0 files (6 unchanged")
    both = kenning("index", str(tmp_path), "--root", str(root))
    assert both.returncode == 2 and "two roots given" in both.stderr and not (tmp_path / ".kenning").exists()


def test_symbol_json_shape_with_root_relative_paths(root):
    result = kenning("symbol", "JSONDecoder.decode", "--root", str(root), "--json")
    assert result.returncode == 0, result.stderr
    (symbol,) = json.loads(result.stdout)["symbols"]
    assert SYMBOL_KEYS <= set(symbol)
    assert symbol["path"] == "json/decoder.py"
    assert symbol["qualified_name"] == "json.decoder.JSONDecoder.decode"


def test_root_defaults_to_the_current_directory(root):
    result = kenning("symbol", "dedent", "--json", cwd=root)
    assert json.loads(result.stdout)["symbols"][0]["qualified_name"] == "textwrap.dedent"


@pytest.mark.parametrize("command", ["callers", "callees", "impact"])
def test_graph_queries_answer_in_json(root, command):
    result = kenning(command, "json.loads", "--root", str(root), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert list(payload) == [command if command != "impact" else "impact"]


def test_ambiguous_name_answers_for_every_match(root):
    payload = json.loads(kenning("callers", "wrap", "--root", str(root), "--json").stdout)
    assert {entry["symbol"] for entry in payload["callers"]} == {"textwrap.wrap", "textwrap.TextWrapper.wrap"}


def test_map_respects_the_budget(root):
    small = kenning("map", "--root", str(root), "--budget", "100")
    large = kenning("map", "--root", str(root), "--budget", "3000")
    assert small.returncode == 0 and large.returncode == 0
    assert len(small.stdout) < len(large.stdout)
    assert len(small.stdout) / 4 <= 110


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("symbol", "no_such_symbol"), 1, "no symbol named 'no_such_symbol'"),
        (("map", "--budget", "0"), 2, "budget must be at least"),
    ],
)
def test_errors_are_one_line_without_traceback(root, args, code, message):
    result = kenning(*args, "--root", str(root))
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_root_and_bad_config_exit_2(tmp_path):
    result = kenning("index", str(tmp_path / "missing"))
    assert result.returncode == 2 and "is not a directory" in result.stderr
    (tmp_path / "kenning.toml").write_text("workers = 'many'\n")
    result = kenning("index", str(tmp_path))
    assert result.returncode == 2 and "workers" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "kenning.toml").write_text("this is not toml [\n")
    result = kenning("status", "--root", str(tmp_path))
    assert result.returncode == 2 and "not valid TOML" in result.stderr
