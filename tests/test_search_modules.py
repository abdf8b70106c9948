"""Files as search results: a module with no definitions of its own (it only re-exports) is found by a
question about it."""

from __future__ import annotations

import pytest
from conftest import copy_stdlib
from search_corpus import open_service

# Three small packages, each with a facade that only re-exports its parts, beside real stdlib code.
PROJECT = {
    "colour/__init__.py": "from .conversions import *\nfrom .palettes import *\n",
    "colour/conversions.py": "def rgb_to_hsv(r, g, b):\n    return max(r, g, b)\n",
    "colour/palettes.py": "WARM = ('red', 'orange')\n\ndef warm_palette():\n    return list(WARM)\n",
    "web/index.js": "export * from './router.js';\nexport * from './middleware.js';\n",
    "web/router.js": "export function route(path, handler) {\n  return { path, handler };\n}\n",
    "web/middleware.js": "export function compose(...layers) {\n  return layers.reverse();\n}\n",
    "crates/geometry/src/lib.rs": "pub use crate::shapes::Polygon;\npub use crate::transforms::rotate;\n",
    "crates/geometry/src/shapes.rs": "pub struct Polygon {\n    pub points: Vec<(f64, f64)>,\n}\n",
    "crates/geometry/src/transforms.rs": "pub fn rotate(angle: f64) -> f64 {\n    angle.sin()\n}\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_stdlib(tmp_path_factory.mktemp("facades"), "textwrap.py", "shlex.py", "colorsys.py")
    for path, text in PROJECT.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    service = open_service(root, embed_on_index=False)
    service.index()
    return service


@pytest.mark.parametrize(("question", "facade"), [
    ("which module re-exports the colour conversions and palettes", "colour/__init__.py"),
    ("the web package index that exports the router and middleware", "web/index.js"),
    ("geometry crate root re-exporting Polygon and rotate", "crates/geometry/src/lib.rs"),
])
def test_a_re_export_only_module_is_found_by_a_question_about_it(project, question, facade):
    results = project.search(question, limit=3)["results"]
    unit = next(r for r in results if r["path"] == facade)
    assert unit["kind"] == "module" and unit["start_line"] == 1
    assert "module #" in unit["why"]


def test_files_are_results_of_kind_module_and_follow_the_filters(project):
    assert project.search("colour conversions palettes", kind="module")["results"][0]["path"] == "colour/__init__.py"
    assert all(r["kind"] == "function" for r in project.search("colour conversions", kind="function")["results"])
    assert project.search("colour conversions palettes", kind="module", language="rust")["results"] == []
    assert {r["path"] for r in project.search("router middleware", kind="module", path_prefix="web/")["results"]} \
        <= {"web/index.js", "web/router.js", "web/middleware.js"}


def test_a_deleted_file_leaves_no_unit_behind(project, tmp_path):
    root = copy_stdlib(tmp_path / "gone", "colorsys.py")
    (root / "facade.py").write_text("from colorsys import *\n")
    service = open_service(root, embed_on_index=False)
    service.index()
    assert service.search("facade", kind="module")["results"][0]["path"] == "facade.py"
    (root / "facade.py").unlink()
    service.index()
    assert all(r["path"] != "facade.py" for r in service.search("facade", kind="module")["results"])
    files = {i for (i,) in service.store.conn.execute("SELECT id FROM files")}
    assert {i for (i,) in service.store.conn.execute("SELECT rowid FROM files_fts")} == files
