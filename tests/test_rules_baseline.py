"""The rules baseline knows rules by content or `id`, not position, and reads the older position-keyed files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kenning.indexer.rules import RuleError
from kenning.memory.decisions import DecisionLog
from kenning.service import Service
from kenning.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "rules" / "python"
BASELINE = ".kenning/memory/rules-baseline.json"
# app/core/report.py imports and calls app/web (2 violations); pricing <-> discounts is a cycle.
FORBID = '[[rules]]\nforbid = { from = "app/core/**", to = "app/web/**" }\n'
CYCLES = '[[rules]]\nno_cycles = "app/**"\n'
CLEAN = '[[rules]]\nforbid = { from = "app/web/**", to = "app/store/**" }\n'


def project(tmp_path: Path, toml: str) -> Service:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    (root / "kenning.toml").write_text(toml)
    (root / BASELINE).parent.mkdir(parents=True)
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    return service


def reload(service: Service, toml: str) -> Service:
    (service.root / "kenning.toml").write_text(toml)
    return Service.from_settings(Settings.load(service.root, embed_on_index=False))


def test_the_baseline_survives_inserting_a_rule_above(tmp_path):
    service = project(tmp_path, FORBID + CYCLES)
    assert len(service.check_rules(update_baseline=True).violations) == 0
    assert service.check_rules().baselined == 3
    moved = reload(service, CLEAN + CYCLES + CLEAN.replace("store", "core") + FORBID)
    result = moved.check_rules()
    assert result.violations == [] and result.baselined == 3
    moved.check_rules(update_baseline=True)
    # The same rules now stand at kenning.toml#2 and #4; the rewritten file says so, for a reader.
    entries = json.loads((service.root / BASELINE).read_text())["accepted"]
    assert {e["where"] for e in entries} == {"kenning.toml#2", "kenning.toml#4"}


def test_changing_a_rules_globs_makes_it_a_new_rule_unless_it_has_an_id(tmp_path):
    service = project(tmp_path, FORBID)
    service.check_rules(update_baseline=True)
    # Wording and kinds are not what the rule judges: still the same rule.
    reworded = FORBID + 'description = "core stays below web"\nkinds = ["import", "call"]\n'
    assert reload(service, reworded).check_rules().violations == []
    widened = FORBID.replace('"app/web/**"', '["app/web/**", "app/nowhere/**"]')
    service = reload(service, widened)
    assert len(service.check_rules().violations) == 2
    service.check_rules(update_baseline=True)
    reordered = FORBID.replace('"app/web/**"', '["app/nowhere/**", "app/web/**"]')
    assert reload(service, reordered).check_rules().violations == []
    named = 'id = "core-below-web"\n'
    service = reload(service, FORBID + named)
    service.check_rules(update_baseline=True)
    assert reload(service, widened + named).check_rules().baselined == 2


def test_two_rules_with_one_id_are_refused(tmp_path):
    service = reload(project(tmp_path, ""), FORBID + 'id = "x"\n' + CYCLES + 'id = "x"\n')
    with pytest.raises(RuleError, match=r"rules kenning.toml#1 and kenning.toml#2 share the id 'x'"):
        service.check_rules()
    with pytest.raises(RuleError, match=r"rules\[0\]\.id must be a short name"):
        reload(service, FORBID + 'id = "has space"\n').check_rules()


def test_a_position_keyed_baseline_is_matched_once_rewritten_and_said_so(tmp_path):
    service = project(tmp_path, FORBID + CYCLES)
    # What kenning wrote before baselines knew rules by content: the rule's position, and a cycle
    # as the loop it was first found along.
    old = {"about": "Violations accepted when rules were introduced; only new ones fail `kenning check`.",
           "accepted": [
               {"rule": "kenning.toml#1", "path": "app/core/report.py", "target": "app.web.views.show_order",
                "edge_kind": "import"},
               {"rule": "kenning.toml#1", "path": "app/core/report.py", "target": "app.web.views.show_order",
                "edge_kind": "call"},
               {"rule": "kenning.toml#2", "path": "app/core/pricing.py",
                "target": "app.core.pricing -> app.core.discounts -> app.core.pricing", "edge_kind": "import"},
               {"rule": "kenning.toml#7", "path": "gone.py", "target": "x", "edge_kind": "import"},
           ]}
    (service.root / BASELINE).write_text(json.dumps(old))
    first = service.check_rules()
    assert first.violations == [] and first.baselined == 3
    (notice,) = first.notices
    assert "named rules by position" in notice and "3 entries were matched" in notice
    assert "kenning.toml#7" in notice and "--update-baseline" in notice and "commit" in notice
    rewritten = json.loads((service.root / BASELINE).read_text())
    assert rewritten["version"] == 2
    assert {"rule": "kenning.toml#7", "path": "gone.py", "target": "x", "edge_kind": "import"} in rewritten["accepted"]
    assert {"cycle": ["app.core.discounts", "app.core.pricing"]}.items() <= next(
        e for e in rewritten["accepted"] if "cycle" in e).items()
    # Said once; from now on rules may move.
    assert service.check_rules().notices == []
    moved = reload(service, CLEAN + CYCLES + FORBID)
    assert moved.check_rules().violations == [] and moved.check_rules().baselined == 3


def test_a_malformed_baseline_is_a_rule_error_saying_how_to_recreate_it(tmp_path):
    service = project(tmp_path, FORBID)
    (service.root / BASELINE).write_text('{"version": 2, "accepted": [{"rule": "x"}]}')
    with pytest.raises(RuleError, match=r"rules-baseline.json is malformed .*--update-baseline"):
        service.check_rules()


def test_a_rule_moved_from_kenning_toml_into_a_decision_keeps_its_baseline(tmp_path):
    service = project(tmp_path, FORBID)
    service.check_rules(update_baseline=True)
    DecisionLog.for_root(service.root).add(
        "Core below web", context="Core is reused by jobs.", decision="Core never reaches up.",
        rules=[{"forbid": {"from": "app/core/**", "to": "app/web/**"}}])
    moved = reload(service, "")
    result = moved.check_rules()
    assert result.rules == 1 and result.violations == [] and result.baselined == 2
