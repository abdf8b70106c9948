"""Simulated and disconnected code: the guard, the Claude Code hook, task completion and the brief.

The project: a small shop (tests/fixtures/integration/shop) whose modules import each other, plus a test
of its own written at setup (a file named test_*.py under this repository's fixtures would be collected).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kenning.cli.app import app, register_commands
from kenning.errors import Conflict
from kenning.service import Service
from kenning.service.simulated import simulated_findings
from kenning.indexer.extract import parse_source
from kenning.settings import Settings

SHOP = Path(__file__).parent / "fixtures" / "integration" / "shop"
STDLIB = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
SHOP_TEST = "from shop.orders import order_total\n\n\ndef test_order_total():\n    assert order_total([('apple', 2)]) == 1.0\n"
FETCH_ORDERS = '''"""Orders as the warehouse API returns them."""


def fetch_orders(customer_id: int) -> list[dict]:
    """Fetch the customer's orders from the warehouse API."""
    return [{"id": 1, "total": 9.5}, {"id": 2, "total": 12.0}, {"id": 3, "total": 3.25}]
'''
SLEEPY = '''import time


def sync_inventory(store_id):
    """Push the store's stock levels to the warehouse."""
    time.sleep(2)
    return {"status": "ok"}
'''


def make_shop(root: Path, **settings) -> Service:
    shutil.copytree(SHOP, root, dirs_exist_ok=True)
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / "test_orders.py").write_text(SHOP_TEST)
    service = Service.from_settings(Settings.load(root, embed_on_index=False, **settings))
    service.index()
    return service


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Service:
    service = make_shop(tmp_path_factory.mktemp("shop"))
    register_commands()
    yield service
    service.close()


def kinds(report) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["kind"], []).append(finding)
    return found


def test_a_fetch_orders_returning_a_literal_list_is_simulated(shop):
    report = shop.guard("shop/warehouse.py", content=FETCH_ORDERS)
    [finding] = kinds(report)["simulated"]
    assert finding["symbol"] == "shop.warehouse.fetch_orders" and finding["line"] == 6
    assert finding["reason"] == "returns a literal list of 3 dicts in a function named fetch_orders"


def test_a_sleep_standing_in_for_work_is_simulated(shop):
    [finding] = kinds(shop.guard("shop/inventory.py", content=SLEEPY))["simulated"]
    assert finding["reason"].startswith("calls time.sleep(2) in a function named sync_inventory")


def test_the_same_code_under_tests_is_not_judged(shop):
    assert "simulated" not in kinds(shop.guard("tests/fakes_for_orders.py", content=FETCH_ORDERS))


def test_a_new_module_nothing_imports_is_disconnected_and_an_imported_one_is_not(shop):
    [finding] = kinds(shop.guard("shop/warehouse.py", content=FETCH_ORDERS))["disconnected"]
    assert finding["message"].startswith("the new module shop/warehouse.py is imported nowhere in the project")
    # catalogue.py is imported by orders.py: written anew, it is connected.
    text = (shop.root / "shop/catalogue.py").read_text()
    assert "disconnected" not in kinds(shop.guard("shop/catalogue.py", content=text, base=""))


def test_a_new_function_nothing_calls_is_disconnected_in_a_diff_but_not_while_being_written(shop):
    orders = (shop.root / "shop/orders.py").read_text()
    added = orders + "\n\ndef refund_total(lines):\n    return -order_total(lines)\n"
    [finding] = kinds(shop.guard("shop/orders.py", content=added))["disconnected"]
    assert "`refund_total` (shop/orders.py:11) is called, imported or named nowhere" in finding["message"]
    assert "disconnected" not in kinds(shop.guard("shop/orders.py", content=added, origin="claude-code"))


def test_simulated_blocks_when_configured_and_the_hook_says_why(shop, tmp_path):
    event = {"hook_event_name": "PreToolUse", "cwd": str(shop.root), "tool_name": "Write",
             "tool_input": {"file_path": str(shop.root / "shop/warehouse.py"), "content": FETCH_ORDERS}}
    told = CliRunner().invoke(app, ["guard", "--hook", "claude-code"], input=json.dumps(event),
                              env={"CLAUDE_PROJECT_DIR": str(shop.root)})
    note = json.loads(told.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "[simulated]" in note and "returns a literal list of 3 dicts" in note
    denied = CliRunner().invoke(app, ["guard", "--hook", "claude-code"], input=json.dumps(event),
                                env={"CLAUDE_PROJECT_DIR": str(shop.root), "KENNING_GUARD_BLOCK_ON": '["simulated"]'})
    answer = json.loads(denied.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny" and "fetch_orders" in answer["permissionDecisionReason"]


def test_simulated_findings_reach_the_audit_log_and_stats(tmp_path):
    service = make_shop(tmp_path, guard_block_on=["simulated"])
    assert service.guard("shop/warehouse.py", content=FETCH_ORDERS)["decision"] == "block"
    assert service.search_stats()["guard"]["caught"] == {"simulated": 1, "disconnected": 1}
    service.close()


def test_task_done_refuses_simulated_linked_code_and_force_overrides(tmp_path):
    service = make_shop(tmp_path)
    (tmp_path / "shop/warehouse.py").write_text("")
    service.index()
    task = service.add_task("Orders from the warehouse", links=["shop/warehouse.py"])
    (tmp_path / "shop/warehouse.py").write_text(FETCH_ORDERS)
    service.index()
    with pytest.raises(Conflict) as refused:
        service.complete_task(task.id)
    reasons = refused.value.reasons
    assert any(r.startswith("linked code is disconnected: the module shop/warehouse.py is imported nowhere")
               for r in reasons), reasons
    done = service.complete_task(task.id, force=True, reason="the warehouse API is not up yet")
    assert done.status == "done" and done.override["reason"] == "the warehouse API is not up yet"
    service.close()


def test_task_done_names_the_simulation_of_a_linked_symbol(tmp_path):
    service = make_shop(tmp_path)
    (tmp_path / "shop/warehouse.py").write_text(FETCH_ORDERS)
    (tmp_path / "shop/orders.py").write_text((tmp_path / "shop/orders.py").read_text()
                                             + "\nfrom shop.warehouse import fetch_orders\n")
    service.index()
    task = service.add_task("Orders from the warehouse", links=["shop.warehouse.fetch_orders"])
    with pytest.raises(Conflict) as refused:
        service.complete_task(task.id)
    assert ("linked symbol shop.warehouse.fetch_orders is simulated: returns a literal list of 3 dicts in a"
            " function named fetch_orders") in refused.value.reasons
    service.close()


@pytest.mark.parametrize("module", ["json/decoder.py", "textwrap.py", "shutil.py", "http/client.py",
                                    "asyncio/tasks.py", "random.py", "unittest/mock.py", "logging/__init__.py"])
def test_unmodified_standard_library_modules_are_not_simulated(module):
    text = (STDLIB / module).read_text(encoding="utf-8")
    parsed = parse_source(module, text.encode(), "python")
    assert simulated_findings(parsed, text) == []


def test_the_brief_lists_code_nothing_uses(tmp_path):
    service = make_shop(tmp_path)
    (tmp_path / "shop/warehouse.py").write_text(FETCH_ORDERS)
    service.index()
    brief = service.brief()
    assert "shop/warehouse.py (shop/warehouse.py:1) module imported nowhere" in brief.text
    assert "shop/orders.py" not in brief.text.split("Code nothing uses")[1]
    service.close()


ORDERS_DIFF = """--- a/shop/catalogue.py
+++ b/shop/catalogue.py
@@ -5,4 +5,4 @@
 
 def price_of(product: str) -> float:
     \"\"\"The unit price of a product; KeyError for one the shop does not sell.\"\"\"
-    return PRICES[product]
+    return round(PRICES[product], 2)
"""


def test_review_lists_the_callers_and_the_test_that_reaches_a_changed_function(shop):
    report = shop.review_change(ORDERS_DIFF)
    [file] = report["files"]
    assert file["touched"] == [{"symbol": "shop.catalogue.price_of", "change": "changed", "line": 6}]
    [callers] = report["callers"]
    assert [(c["symbol"], c["path"], c["kind"]) for c in callers["callers"]] == [
        (None, "shop/orders.py", "import"), ("shop.orders.order_total", "shop/orders.py", "call")]
    assert {"path": "tests/test_orders.py", "tests": ["tests.test_orders.test_order_total"]} in report["tests"]


def test_review_depth_is_bounded_alike_on_every_surface(shop):
    from fastapi.testclient import TestClient
    from kenning.api.app import create_app
    from kenning.errors import InvalidInput

    with pytest.raises(InvalidInput, match="depth must be between 1 and 50"):
        shop.review_change(ORDERS_DIFF, depth=51)
    said = CliRunner().invoke(app, ["review", "--root", str(shop.root), "--diff", "-", "--depth", "0"], input=ORDERS_DIFF)
    assert isinstance(said.exception, InvalidInput) and "depth must be between 1 and 50" in str(said.exception)
    over_http = TestClient(create_app(shop), base_url="http://127.0.0.1").post("/review", json={"diff": ORDERS_DIFF,
                                                                                                "depth": 51})
    assert over_http.status_code == 422


def test_review_is_the_same_on_the_cli_and_over_http(shop, tmp_path):
    from fastapi.testclient import TestClient
    from kenning.api.app import create_app

    patch = tmp_path / "change.diff"
    patch.write_text(ORDERS_DIFF)
    said = CliRunner().invoke(app, ["review", "--root", str(shop.root), "--diff", str(patch), "--json"])
    assert said.exit_code == 0, said.output
    over_http = TestClient(create_app(shop), base_url="http://127.0.0.1").post("/review", json={"diff": ORDERS_DIFF})
    assert over_http.status_code == 200
    assert json.loads(said.stdout)["tests"] == over_http.json()["tests"] != []
    text = CliRunner().invoke(app, ["review", "--root", str(shop.root), "--diff", str(patch)]).stdout
    assert "tests to run: tests/test_orders.py::test_order_total" in text
