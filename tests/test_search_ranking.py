"""What search's order promises: the top k does not depend on `limit`, a file appears once, and a
query that is a name finds that definition before its tests and callers."""

from __future__ import annotations

import pytest
from conftest import copy_stdlib
from search_corpus import open_service, shared_service

QUERIES = ("remove any common leading whitespace from every line", "split a string like a shell would",
           "decode a JSON document", "wrap text", "Unix filename pattern matching", "escape", "TextWrapper")

# A test module beside the code: a helper of the same name, and callers (real use of textwrap).
TEST_MODULE = '''\
import textwrap


def dedent(text):
    return textwrap.dedent(text).strip()


def test_dedent_removes_common_indentation():
    assert dedent("  a\\n  b") == textwrap.dedent("a\\nb")


def test_dedent_keeps_relative_indentation():
    assert dedent("  a\\n    b") == "a\\n  b"
'''

SHELF_PHP = """<?php
class Shelf {
    private $capacity = 10;
    public function fits(array $items): bool {
        return count($items) <= $this->capacity;
    }
}
"""

TYPEDEF = "typedef struct point {\n    int x;\n    int y;\n} point;\n\nint point_norm(point p) { return p.x * p.x + p.y * p.y; }\n"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return shared_service(tmp_path_factory)


@pytest.fixture(scope="module")
def with_tests(tmp_path_factory):
    root = copy_stdlib(tmp_path_factory.mktemp("with-tests"), "textwrap.py", "shlex.py")
    (root / "tests").mkdir()
    (root / "tests" / "test_wrapping.py").write_text(TEST_MODULE)
    (root / "point.c").write_text(TYPEDEF)
    (root / "shelf.php").write_text(SHELF_PHP)
    project = open_service(root, embed_on_index=False)
    project.index()
    return project


def _top(answer: dict) -> list[tuple[str, int, str]]:
    return [(r["path"], r["start_line"], r["qualified_name"]) for r in answer["results"]]


@pytest.mark.parametrize("query", QUERIES)
def test_the_top_k_is_the_same_whatever_the_limit(service, query):
    for k in (1, 3, 10):
        top = _top(service.search(query, limit=k))
        assert top
        for limit in (50, 100):
            assert _top(service.search(query, limit=limit))[:k] == top


def test_a_file_appears_once_with_its_other_matches_under_it(service):
    results = service.search("wrap text into lines", limit=10)["results"]
    paths = [r["path"] for r in results]
    assert len(paths) == len(set(paths))
    wrapping = next(r for r in results if r["path"] == "textwrap.py")
    # textwrap's wrap function, its TextWrapper class and that class's methods all match.
    assert len(wrapping["also"]) >= 2
    assert all(a["qualified_name"].startswith("textwrap.") for a in wrapping["also"])
    ungrouped = service.search("wrap text into lines", limit=10, group=False)["results"]
    assert len({r["path"] for r in ungrouped}) < len(ungrouped)  # the per-symbol order is still there


def test_an_identifier_query_ranks_the_definition_before_its_tests_and_callers(with_tests):
    results = with_tests.search("dedent", limit=5)["results"]
    assert results[0]["qualified_name"] == "textwrap.dedent"
    assert results[0]["why"].startswith("exact name")
    assert any(r["path"] == "tests/test_wrapping.py" for r in results)  # found, but after it


@pytest.mark.parametrize(("query", "expected"), [
    ("TextWrapper.wrap", "textwrap.TextWrapper.wrap"),
    ("textwrap.wrap", "textwrap.wrap"),
    ("shlex::split", "shlex.split"),
    ("TextWrapper", "textwrap.TextWrapper"),
    ("$capacity", "shelf.Shelf.capacity"),
])
def test_a_dotted_name_ranks_that_definition_first(with_tests, query, expected):
    assert with_tests.search(query, limit=5)["results"][0]["qualified_name"] == expected


def test_the_same_span_twice_shows_once(with_tests):
    results = with_tests.search("point", limit=10)["results"]
    point = [r for r in results if r["path"] == "point.c"]
    assert len(point) == 1
    spans = [(r["kind"], r["start_line"], r["end_line"]) for r in (point[0], *point[0]["also"])]
    # struct point and typedef point share lines 1-4: listed once (beside the file itself and point_norm).
    assert [span for span in spans if span[0] != "module"] in ([("struct", 1, 4), ("function", 6, 6)],
                                                               [("type", 1, 4), ("function", 6, 6)])
