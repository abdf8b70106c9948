"""Type-only and `__main__` dependencies are edge kinds of their own that rules skip unless they opt in."""

from __future__ import annotations

import pytest

from kenning.indexer.extract import parse_source
from kenning.indexer.rules import RuleError
from kenning.service import Service
from kenning.settings import Settings
from rules_project import indexed_tree

TYPE_CHECKED = """\
from __future__ import annotations

import typing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pkg.web import Page
else:
    import json
if typing.TYPE_CHECKING: import pkg.web


def render(page: Page) -> str:
    return str(page)
"""

MAIN_BLOCK = """\
def helper():
    return 2


if __name__ == "__main__":
    from pkg.core import render
    print(render(helper()))
"""


def test_the_extractor_gives_type_only_and_main_block_references_their_own_kinds():
    kinds = {(r.line, r.kind, r.text) for r in parse_source("pkg/core.py", TYPE_CHECKED.encode(), "python").references}
    assert (7, "import-type", "pkg.web.Page") in kinds
    assert (9, "import", "json") in kinds  # the else branch runs
    assert (10, "import-type", "pkg.web") in kinds  # typing.TYPE_CHECKING, on one line
    assert (4, "import", "typing.TYPE_CHECKING") in kinds
    main = {(r.line, r.kind, r.text) for r in parse_source("pkg/tool.py", MAIN_BLOCK.encode(), "python").references}
    assert (6, "import-main", "pkg.core.render") in main
    assert (7, "call-main", "render") in main
    assert (7, "call-main", "helper") in main
    # The same code outside the block is an ordinary dependency.
    plain = parse_source("pkg/tool.py", MAIN_BLOCK.replace('if __name__ == "__main__":', "if True:").encode(), "python")
    assert {r.kind for r in plain.references if r.text == "pkg.core.render"} == {"import"}


def test_a_type_checking_import_makes_no_cycle_or_violation_unless_a_rule_opts_in(tmp_path):
    service = indexed_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/core.py": TYPE_CHECKED,
        "pkg/web.py": "from pkg.core import render\n\n\nclass Page:\n    def show(self):\n        return render(self)\n",
    }, """
[[rules]]
no_cycles = "pkg/**"
[[rules]]
forbid = { from = "pkg/core.py", to = "pkg/web.py" }
[[rules]]
id = "core-not-even-for-types"
forbid = { from = "pkg/core.py", to = "pkg/web.py" }
kinds = ["import", "import-type"]
""")
    found = service.check_rules().violations
    assert [(v.rule_key, v.line, v.edge_kind) for v in found] == [
        ("core-not-even-for-types", 7, "import-type"), ("core-not-even-for-types", 10, "import-type")]
    # The runtime import the module really has is still judged.
    (tmp_path / "pkg" / "core.py").write_text(TYPE_CHECKED + "\nfrom pkg import web\n")
    service.index()
    broken = {(v.rule_kind, v.edge_kind) for v in service.check_rules().violations}
    assert ("no_cycles", "import") in broken and ("forbid", "import") in broken


def test_a_main_block_import_and_its_calls_make_no_cycle_unless_a_rule_opts_in(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/core.py": "from pkg import tool\n\n\ndef render(value):\n    return str(tool.helper() + value)\n",
        "pkg/tool.py": MAIN_BLOCK,
    }
    service = indexed_tree(tmp_path, files, '[[rules]]\nno_cycles = "pkg/**"\n')
    assert service.check_rules().violations == []
    # Resolution is unchanged: the block's import and call are still uses, marked as such.
    uses = [u for group in service.callers("pkg.core.render").values() for u in group]
    assert [(u.path, u.line, u.kind) for u in uses] == [("pkg/tool.py", 6, "import-main"), ("pkg/tool.py", 7, "call-main")]

    (tmp_path / "kenning.toml").write_text(
        '[[rules]]\nno_cycles = "pkg/**"\nkinds = ["import", "call", "import-main", "call-main"]\n')
    service = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    (cycle,) = service.check_rules().violations
    assert cycle.members == ("pkg.core", "pkg.tool")
    assert [(e.source.path, e.line, e.kind) for e in cycle.edges] == [
        ("pkg/core.py", 1, "import"), ("pkg/tool.py", 6, "import-main")]


def test_an_unknown_edge_kind_is_refused_with_the_kinds_there_are(tmp_path):
    service = indexed_tree(tmp_path, {"pkg/__init__.py": ""}, '[[rules]]\nno_cycles = "pkg/**"\nkinds = ["import-tpye"]\n')
    with pytest.raises(RuleError, match=r"kenning.toml: rules\[0\]\.kinds: unknown edge kind\(s\) import-tpye; use .*import-type"):
        service.check_rules()


def test_an_index_from_another_extractor_says_to_reindex_until_it_is_redone(tmp_path):
    service = indexed_tree(tmp_path, {"pkg/__init__.py": "", "pkg/core.py": TYPE_CHECKED}, '[[rules]]\nno_cycles = "pkg/**"\n')
    assert service.check_rules().notices == []
    with service.store.transaction() as writes:  # what an index made by kenning before extractor 5 holds
        writes.set_meta("extractor_version", "4+1")
    (notice,) = service.check_rules().notices
    assert "another version of kenning" in notice and "kenning index" in notice
    assert service.index().files_indexed == 2  # every file parsed again
    assert service.check_rules().notices == []
