"""Rule checks are remembered per index generation and rule set, and never answer from a stale one."""

from __future__ import annotations

from rules_project import indexed_tree

FILES = {
    "app/__init__.py": "",
    "app/core.py": "from app import web\n\n\ndef total():\n    return web.render(1)\n",
    "app/web.py": "def render(value):\n    return str(value)\n",
}
FORBID = '[[rules]]\nforbid = {{ from = "app/core.py", to = "{target}" }}\n'


def test_a_repeated_check_reuses_its_answer_until_the_code_or_rules_change(tmp_path):
    service = indexed_tree(tmp_path, FILES, FORBID.format(target="app/web.py"))
    first = service.check_rules()
    assert {v.target for v in first.violations} >= {"app.web"}
    assert service.check_rules().violations == first.violations
    assert service._violations_cache is not None  # the brief and the guard ask this again and again

    # The code changes: the next check sees the new index, not the remembered answer.
    (tmp_path / "app/core.py").write_text("def total():\n    return 1\n")
    service.index()
    assert service.check_rules().violations == []

    # The rules change (a new rule, same index): checked afresh too.
    (tmp_path / "app/core.py").write_text("import json\n\n\ndef total():\n    return json.dumps(1)\n")
    service.index()
    assert service.check_rules().violations == []
    service.settings.rules.append({"forbid": {"from": "app/core.py", "to": "json"}})
    assert [v.target for v in service.check_rules().violations] == ["json"]
    service.close()
