"""Architecture rules on small real Python, TypeScript and Go projects with planted violations."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kenning.errors import ConfigError, InvalidInput
from kenning.memory.decisions import DecisionLog
from kenning.service import Service
from kenning.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def project(tmp_path: Path, language: str, toml: str = "", decisions: list[dict] = ()) -> Service:
    root = tmp_path / language
    shutil.copytree(FIXTURES / language, root)
    if toml:
        (root / "kenning.toml").write_text(toml)
    log = DecisionLog.for_root(root)
    for fields in decisions:
        log.add(**fields)
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    return service


def violations(service: Service) -> set[tuple[str, str, str]]:
    return {(v.rule_kind, v.path, v.target) for v in service.check_rules().violations}


def layering_decision(**extra) -> dict:
    return dict(title="Web over service over core", context="Layers keep the core testable.",
                decision="Dependencies point down only.", **extra)


def test_forbid_and_layers_from_a_decision_catch_the_planted_python_violation(tmp_path):
    service = project(tmp_path, "python", decisions=[layering_decision(rules=[
        {"layers": ["app/web/**", "app/service/**", "app/core/**"]},
        {"forbid": {"from": "app.core.*", "to": "app/web/**"}, "kinds": ["import"]},
    ])])
    result = service.check_rules()
    found = {(v.rule_kind, v.path, v.line, v.edge_kind) for v in result.violations}
    assert ("forbid", "app/core/report.py", 4, "import") in found
    assert ("layers", "app/core/report.py", 4, "import") in found
    assert ("layers", "app/core/report.py", 9, "call") in found
    assert {v.decision for v in result.violations} == {"0001"}
    assert {v.decision_title for v in result.violations} == {"Web over service over core"}
    # Only the planted file breaks them: web -> service -> core is the allowed direction.
    assert {v.path for v in result.violations} == {"app/core/report.py"}


def test_removing_the_violation_makes_the_check_clean(tmp_path):
    service = project(tmp_path, "python", toml='[[rules]]\nlayers = ["app/web/**", "app/service/**", "app/core/**"]\n')
    assert violations(service)
    (service.root / "app" / "core" / "report.py").unlink()
    service.index()
    assert violations(service) == set()


def test_must_go_through_allow_only_and_cycles(tmp_path):
    service = project(tmp_path, "python", toml="""
[[rules]]
must_go_through = { to = "sqlite3", through = "app/store/**" }
[[rules]]
must_go_through = { to = "sqlite3", through = "app/store/**", within = "app/service/**" }
[[rules]]
allow_only = { from = "app/service/**", to = ["app/core/**", "app/store/**"] }
[[rules]]
no_cycles = "app/**"
""")
    result = service.check_rules().violations
    kinds = {(v.rule_kind, v.path, v.target) for v in result}
    assert ("must_go_through", "app/core/report.py", "sqlite3") in kinds
    assert not [v for v in result if v.rule_kind == "must_go_through" and v.path == "app/store/db.py"]
    # The rule limited to app/service judges nothing in app/core.
    assert [v.rule for v in result if v.rule_kind == "must_go_through"] == ["kenning.toml#1"]
    assert not [v for v in result if v.rule_kind == "allow_only"]  # service uses only core and store
    (cycle,) = [v for v in result if v.rule_kind == "no_cycles"]
    assert cycle.cycle[0] == cycle.cycle[-1]
    assert set(cycle.cycle) == {"app.core.pricing", "app.core.discounts"}
    assert cycle.message == "import cycle: " + " -> ".join(cycle.cycle)


def test_typescript_relative_imports_are_judged(tmp_path):
    service = project(tmp_path, "typescript", toml='[[rules]]\nforbid = { from = "src/core/**", to = "src/web/**" }\n')
    assert violations(service) == {
        ("forbid", "src/core/badge.ts", "src.web.page"),  # the import
        ("forbid", "src/core/badge.ts", "src.web.page.renderPage"),  # and the call it enables
    }


def test_go_package_imports_are_judged(tmp_path):
    service = project(tmp_path, "go", toml='[[rules]]\nlayers = ["web/**", "core/**"]\n')
    assert {(k, p) for k, p, _ in violations(service)} == {("layers", "core/banner.go")}


def test_rules_of_a_superseded_decision_are_ignored_with_a_notice(tmp_path):
    rule = {"forbid": {"from": "app/core/**", "to": "app/web/**"}}
    service = project(tmp_path, "python", decisions=[layering_decision(rules=[rule])])
    assert violations(service)
    log = DecisionLog.for_root(service.root)
    log.supersede("0001", {"title": "Core may call web", "context": "Changed our mind.", "decision": "Allow it."})
    result = service.check_rules()
    assert result.violations == []
    assert any("0001" in notice and "superseded" in notice for notice in result.notices)


def test_baseline_accepts_todays_violations_and_fails_new_ones(tmp_path):
    service = project(tmp_path, "python", toml='[[rules]]\nforbid = { from = "app/core/**", to = "app/web/**" }\n')
    before = len(service.check_rules().violations)
    assert before == 2  # report.py imports and calls the web layer
    assert service.check_rules(update_baseline=True).violations == []
    baseline = json.loads((service.root / ".kenning/memory/rules-baseline.json").read_text())
    assert len(baseline["accepted"]) == before
    assert service.check_rules().baselined == before
    new = service.root / "app" / "core" / "extra.py"
    new.write_text("from app.web import views\n\n\ndef again():\n    return views.show_order(1)\n")
    service.index()
    assert {v.path for v in service.check_rules().violations} == {"app/core/extra.py"}


def test_pre_write_check_names_the_governing_decision(tmp_path):
    service = project(tmp_path, "python", decisions=[layering_decision(rules=[
        {"forbid": {"from": "app/core/**", "to": "app/web/**"}}])])
    refused = service.check_architecture("app/core/new_module.py", ["app.web.views", "json"])
    assert [(v.decision, v.target) for v in refused.violations] == [("0001", "app.web.views")]
    allowed = service.check_architecture("app/web/new_page.py", ["app.core.model"])
    assert allowed.violations == []
    with pytest.raises(InvalidInput):
        service.check_architecture("../outside.py", ["json"])
    with pytest.raises(InvalidInput):
        service.check_architecture("app/x.py", [])


def test_malformed_rules_are_config_errors_naming_the_file(tmp_path):
    service = project(tmp_path, "python", decisions=[layering_decision(rules=[{"forbid": {"from": "app/**"}}])])
    with pytest.raises(ConfigError, match=r"0001-.*\.md: rules\[0\]\.forbid is missing 'to'"):
        service.check_rules()


def test_cli_exit_codes_0_1_2(tmp_path):
    service = project(tmp_path, "python", toml='[[rules]]\nforbid = { from = "app/web/**", to = "app/core/**" }\n')

    def run(*args):
        return subprocess.run([sys.executable, "-m", "kenning", "check", "--root", str(service.root), *args],
                              capture_output=True, text=True, timeout=120)

    clean = run("--json")
    assert clean.returncode == 0 and json.loads(clean.stdout)["clean"] is True
    (service.root / "kenning.toml").write_text('[[rules]]\nforbid = { from = "app/core/**", to = "app/web/**" }\n')
    dirty = run()
    assert dirty.returncode == 1 and "app/core/report.py:4" in dirty.stdout
    (service.root / "kenning.toml").write_text('[[rules]]\nforbid = "app/**"\n')
    broken = run()
    assert broken.returncode == 2 and "kenning.toml" in broken.stderr and "forbid" in broken.stderr


def test_brief_lists_current_violations(tmp_path):
    service = project(tmp_path, "python", decisions=[layering_decision(rules=[
        {"forbid": {"from": "app/core/**", "to": "app/web/**"}, "kinds": ["import"]}])])
    brief = service.brief(2_000)
    listed = {(v["path"], v["line"], v["decision"]) for v in brief.sections["violations"]["items"]}
    assert listed == {("app/core/report.py", 4, "0001")}
    assert "app/core/report.py:4 import of app.web.views.show_order breaks 0001" in brief.text
