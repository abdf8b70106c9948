"""Cycles have one identity whichever module they are found from, and reports show every hop."""

from __future__ import annotations

import json
import subprocess
import sys

from fastapi.testclient import TestClient

from kenning.api import create_app
from kenning.indexer.rules import check
from rules_project import indexed_tree

# A knot of three modules: the loop alpha -> beta -> gamma -> alpha (imports and calls), and a shortcut gamma -> beta (an import).
KNOT = {
    "pkg/__init__.py": "",
    "pkg/alpha.py": '"""A."""\nfrom pkg import beta\n\n\ndef zero():\n    return 0\n\n\ndef first():\n    return beta.second()\n',
    "pkg/beta.py": "import json\n\nfrom pkg import gamma\n\n\ndef second():\n    return json.dumps(gamma.third())\n",
    "pkg/gamma.py": "from pkg import beta\nfrom pkg import alpha\n\n\ndef third():\n    return alpha.zero() + len(beta.__name__)\n",
}


CYCLES = '[[rules]]\nno_cycles = "pkg/**"\n'


def test_a_cycle_is_the_same_violation_whichever_module_the_graph_is_read_from(tmp_path):
    service = indexed_tree(tmp_path, KNOT, CYCLES)
    rules = service.load_rules().rules
    edges = service._dependency_edges()
    seen = [check(rules, order) for order in (edges, edges[::-1], edges[1:] + edges[:1], sorted(edges, key=str))]
    assert all(found == seen[0] for found in seen)
    (cycle,) = seen[0]
    assert cycle.members == ("pkg.alpha", "pkg.beta", "pkg.gamma")
    assert cycle.cycle == ("pkg.alpha", "pkg.beta", "pkg.gamma", "pkg.alpha")


def test_a_baselined_cycle_stays_accepted_when_its_files_are_indexed_in_another_order(tmp_path):
    service = indexed_tree(tmp_path, KNOT, CYCLES)
    assert service.check_rules(update_baseline=True).violations == []
    # Delete and re-create the first module with the same text: it comes back last in the index, so
    # the graph is now built starting from another module of the knot.
    text = (tmp_path / "pkg" / "alpha.py").read_text()
    (tmp_path / "pkg" / "alpha.py").unlink()
    service.index()
    # Without alpha the knot is another one, beta <-> gamma: not what the baseline accepted.
    assert [v.members for v in service.check_rules().violations] == [("pkg.beta", "pkg.gamma")]
    (tmp_path / "pkg" / "alpha.py").write_text(text)
    service.index()
    result = service.check_rules()
    assert result.violations == [] and result.baselined == 1


def test_a_cycle_report_lists_every_edge_with_its_line_and_kind(tmp_path):
    service = indexed_tree(tmp_path, KNOT, CYCLES)
    (cycle,) = service.check_rules().violations
    assert [(e.source.path, e.line, e.kind, e.target_name) for e in cycle.edges] == [
        ("pkg/alpha.py", 2, "import", "pkg.beta"), ("pkg/beta.py", 3, "import", "pkg.gamma"), ("pkg/gamma.py", 2, "import", "pkg.alpha")]
    assert (cycle.path, cycle.line) == ("pkg/alpha.py", 2)
    assert cycle.message == "import cycle: pkg.alpha -> pkg.beta -> pkg.gamma -> pkg.alpha"
    assert [hop["line"] for hop in cycle.public()["edges"]] == [2, 3, 2]
    out = subprocess.run([sys.executable, "-m", "kenning", "check", "--root", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stdout.splitlines()[:4] == [
        "pkg/alpha.py:2: cycle pkg.alpha -> pkg.beta -> pkg.gamma -> pkg.alpha breaks kenning.toml#1: "
        "import cycle: pkg.alpha -> pkg.beta -> pkg.gamma -> pkg.alpha",
        "    pkg/alpha.py:2: import of pkg.beta",
        "    pkg/beta.py:3: import of pkg.gamma",
        "    pkg/gamma.py:2: import of pkg.alpha",
    ]
    page = TestClient(create_app(service), base_url="http://127.0.0.1").get("/ui/graph")
    assert page.status_code == 200
    for hop in ("<code>pkg/alpha.py:2</code> import of <code>pkg.beta</code>",
                "<code>pkg/beta.py:3</code> import of <code>pkg.gamma</code>",
                "<code>pkg/gamma.py:2</code> import of <code>pkg.alpha</code>"):
        assert hop in page.text


def test_a_cycle_of_calls_says_call_for_each_hop(tmp_path):
    service = indexed_tree(tmp_path, KNOT, '[[rules]]\nno_cycles = "pkg/**"\nkinds = ["call"]\n')
    (cycle,) = service.check_rules().violations
    assert cycle.message == "dependency cycle: pkg.alpha -> pkg.beta -> pkg.gamma -> pkg.alpha"
    assert [(e.source.path, e.line, e.kind, e.target_name) for e in cycle.edges] == [
        ("pkg/alpha.py", 10, "call", "pkg.beta.second"), ("pkg/beta.py", 7, "call", "pkg.gamma.third"),
        ("pkg/gamma.py", 6, "call", "pkg.alpha.zero")]
    assert cycle.headline() == "cycle pkg.alpha -> pkg.beta -> pkg.gamma -> pkg.alpha"


def test_post_check_for_a_file_that_imports_itself_answers_200(tmp_path):
    service = indexed_tree(tmp_path, {**KNOT, "pkg/selfie.py": "import pkg.selfie\n\n\ndef me():\n    return pkg.selfie\n"},
                           CYCLES)
    client = TestClient(create_app(service), base_url="http://127.0.0.1")
    for path, module in (("pkg/selfie.py", "pkg.selfie"), ("pkg/new_file.py", "pkg.new_file")):
        answer = client.post("/check", json={"path": path, "imports": [module]})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["clean"] is True and body["violations"] == []
        assert any(f"{path} importing itself ({module})" in notice for notice in body["notices"])
    # The whole-project check over an index holding that file answers too.
    assert client.get("/check").status_code == 200


def test_a_position_keyed_baseline_cycle_found_along_part_of_the_knot_is_matched_to_the_knot(tmp_path):
    service = indexed_tree(tmp_path, KNOT, CYCLES)
    # Older kenning stored the first loop it found, here the shortcut's, under the rule's position.
    (tmp_path / ".kenning" / "memory").mkdir(parents=True, exist_ok=True)
    (tmp_path / ".kenning" / "memory" / "rules-baseline.json").write_text(json.dumps({"accepted": [
        {"rule": "kenning.toml#1", "path": "pkg/beta.py", "target": "pkg.beta -> pkg.gamma -> pkg.beta",
         "edge_kind": "import"}]}))
    result = service.check_rules()
    assert result.violations == [] and result.baselined == 1
    assert "named rules by position" in result.notices[0]
    rewritten = json.loads((tmp_path / ".kenning" / "memory" / "rules-baseline.json").read_text())
    assert [e["cycle"] for e in rewritten["accepted"]] == [["pkg.alpha", "pkg.beta", "pkg.gamma"]]


def test_the_guard_names_the_import_that_would_close_a_cycle_and_its_line(tmp_path):
    service = indexed_tree(tmp_path, {"pkg/__init__.py": "", "pkg/x.py": "from pkg import y\n", "pkg/y.py": "X = 1\n"},
                           CYCLES)
    answer = service.guard("pkg/y.py", content="import os\nfrom pkg import x\n\nX = 1\n")
    (finding,) = [f for f in answer["findings"] if f["kind"] == "rule"]
    assert finding["line"] == 2 and finding["target"] == "pkg.x"
    assert finding["message"] == ("pkg/y.py:2: the import of `pkg.x` breaks rule kenning.toml#1: "
                                  "import cycle: pkg.x -> pkg.y -> pkg.x")


def test_a_large_knot_is_one_violation_naming_a_few_of_its_modules(tmp_path):
    # A ring of 30 modules, each also importing the hub, which imports the first: one knot.
    files = {"pkg/__init__.py": "", "pkg/hub.py": "from pkg import m00\n"}
    for n in range(30):
        files[f"pkg/m{n:02}.py"] = f"from pkg import m{(n + 1) % 30:02}\nfrom pkg import hub\n"
    (cycle,) = indexed_tree(tmp_path, files, CYCLES).check_rules().violations
    assert len(cycle.members) == 31
    assert cycle.cycle == ("pkg.hub", "pkg.m00", "pkg.hub")
    assert cycle.message.endswith("(with pkg.m01, pkg.m02, pkg.m03, pkg.m04, pkg.m05, pkg.m06, pkg.m07, pkg.m08, "
                                  "pkg.m09, pkg.m10 and 19 more in the same knot)")
