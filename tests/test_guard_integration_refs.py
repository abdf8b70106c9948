"""The guard's reference checks: invented methods, calls that no longer fit, the callers a signature change
breaks, on every surface (service, Claude Code hook, CLI, HTTP, MCP), and silence on real unmodified code.

The project: a small hand-written billing package (its classes and callers are what the changes get wrong)
next to copies of the standard library's json package and textwrap module, real code nobody here wrote.
Embeddings are off: the duplicate check is not what these tests are about.
"""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client
from typer.testing import CliRunner

from conftest import copy_stdlib
from kenning.api import create_app
from kenning.cli.app import app, register_commands
from kenning.mcp.server import build_server
from kenning.service import Service
from kenning.settings import Settings

INVOICES = '''\
class Ledger:
    def post(self, entry):
        return entry


class Invoice(Ledger):
    def __init__(self, amount):
        self.amount = amount

    def settle_invoice(self, when, note=None):
        return self.post((when, note))


def total(invoices, currency):
    return sum(i.amount for i in invoices)
'''
REPORTS = '''\
from billing.invoices import Invoice, total


def summary(items):
    invoice = Invoice(3)
    invoice.settle_invoice("today")
    return total(items, "EUR")
'''
OURS = ("unresolved", "broken-call")


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("integration")
    (root / "billing").mkdir()
    (root / "billing" / "__init__.py").write_text("")
    (root / "billing" / "invoices.py").write_text(INVOICES)
    (root / "billing" / "reports.py").write_text(REPORTS)
    copy_stdlib(root, "json", "textwrap.py")
    Service.from_settings(Settings.load(root, embed_on_index=False)).index()
    register_commands()
    return root


@pytest.fixture
def service(root):
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    yield service
    service.close()


def ours(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["kind"] in OURS]


INVENTED = REPORTS.replace('invoice.settle_invoice("today")', 'invoice.settle_invoices("today")')


def test_an_invented_method_on_a_project_class_is_reported_with_the_closest_name(service):
    report = service.guard("billing/reports.py", content=INVENTED)
    [found] = ours(report)
    assert found["kind"] == "unresolved" and found["line"] == 6
    assert "`Invoice` (billing/invoices.py:6) and its bases define no `settle_invoices`" in found["message"]
    assert found["suggestions"][0] == {"name": "settle_invoice", "at": "billing/invoices.py:10"}
    assert "did you mean `settle_invoice` in `billing/invoices.py:10`?" in found["message"]


def test_a_method_of_a_base_class_or_an_attribute_is_no_finding(service):
    fine = REPORTS.replace('invoice.settle_invoice("today")', 'invoice.post(1)\n    invoice.amount.real')
    assert ours(service.guard("billing/reports.py", content=fine)) == []


def test_a_call_that_does_not_fit_and_a_missing_name_are_reported(service):
    wrong = REPORTS.replace('total(items, "EUR")', 'total(items)') + "\n\ndef more():\n    return totals([])\n"
    found = {f["kind"]: f for f in ours(service.guard("billing/reports.py", content=wrong))}
    assert "missing a required argument: 'currency'" in found["broken-call"]["message"]
    assert found["broken-call"]["target_at"] == "billing/invoices.py:14"
    assert "`totals()` is called but nothing in the file defines or imports it" in found["unresolved"]["message"]
    assert found["unresolved"]["suggestions"][0]["name"] == "total"


def test_an_import_of_a_name_the_module_does_not_have(service):
    wrong = REPORTS.replace("import Invoice, total", "import Invoice, totals")
    [found] = [f for f in ours(service.guard("billing/reports.py", content=wrong)) if f["line"] == 1]
    assert "`totals` is not defined in `billing.invoices` (billing/invoices.py)" in found["message"]


def test_a_star_import_of_a_module_that_does_not_exist(service):
    # A package __init__ re-exporting its modules (as httpx's does): a renamed module is unresolved; the real one is not.
    for written, missing in (("from .invoices import *\n", False), ("from .invoice import *\n", True)):
        found = [f for f in ours(service.guard("billing/__init__.py", content=written)) if f["line"] == 1]
        assert bool(found) == missing
    assert "the project has no module `billing.invoice`" in found[0]["message"] and "invoices" in str(found[0])


def test_a_signature_change_lists_the_callers_it_breaks(service):
    changed = INVOICES.replace("def settle_invoice(self, when, note=None):", "def settle_invoice(self, when, note):")
    changed = changed.replace("def total(invoices, currency):", "def total(invoices):")
    found = [f for f in ours(service.guard("billing/invoices.py", content=changed)) if f.get("callers")]
    assert {f["symbol"]: f["callers"] for f in found} == {
        "billing.invoices.Invoice.settle_invoice": ["billing/reports.py:6"],
        "billing.invoices.total": ["billing/reports.py:7"],
    }
    assert "too many positional arguments" in next(f for f in found if "total" in f["symbol"])["message"]


def test_the_findings_are_in_the_audit_log(service):
    def caught() -> dict:
        return json.loads(json.dumps(service.audit.stats()))

    before = caught()
    service.guard("billing/reports.py", content=INVENTED)
    after = caught()
    assert _count(after, "unresolved") == _count(before, "unresolved") + 1


def _count(stats: dict, kind: str) -> int:
    """The number of `kind` findings in the audit log's stats, wherever its guard section sits."""
    for value in stats.values():
        if isinstance(value, dict) and "caught" in value:
            return value["caught"].get(kind, 0)
    return stats.get("caught", {}).get(kind, 0)


@pytest.mark.parametrize("module", ["json/__init__.py", "json/decoder.py", "json/encoder.py", "json/scanner.py",
                                    "json/tool.py", "textwrap.py"])
def test_unmodified_standard_library_code_gives_none_of_these_findings(service, root, module):
    text = (root / module).read_text()
    assert ours(service.guard(module, content=text, base="")) == []  # judged whole, as if new


def test_a_javascript_import_of_a_missing_file_and_a_go_call_of_nothing(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "format.js").write_text("export function formatPrice(p) { return p.toFixed(2); }\n")
    (tmp_path / "go.mod").write_text("module example.com/shop\n")
    (tmp_path / "cart").mkdir()
    (tmp_path / "cart" / "cart.go").write_text("package cart\n\nfunc Total(xs []int) int { return len(xs) }\n")
    Service.from_settings(Settings.load(tmp_path, embed_on_index=False)).index()
    service = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    js = ('import { formatPrice } from "./format";\nimport { x } from "./formats";\n\n'
          'export function show(p) { return formatPrise(p); }\n')
    found = {f["line"]: f["message"] for f in ours(service.guard("web/show.js", content=js))}
    assert "`./formats` names no file in the project" in found[2]
    assert "`formatPrise()` is called" in found[4] and "`formatPrice`" in found[4]
    go = 'package cart\n\nimport "example.com/shop/carts"\n\nfunc Sum(xs []int) int { return Totals(xs) }\n'
    found = {f["line"]: f["message"] for f in ours(service.guard("cart/sum.go", content=go))}
    assert "the module example.com/shop has no package `carts`" in found[3]
    assert "`Totals()` is defined nowhere in its package" in found[5]
    service.close()


def test_cli_http_and_mcp_give_the_same_findings(root, service):
    (root / "proposed.py").write_text(INVENTED)
    cli = CliRunner().invoke(app, ["guard", "--root", str(root), "--file", "billing/reports.py", "--content-file",
                                   str(root / "proposed.py"), "--json"])
    [by_cli] = json.loads(cli.stdout)["reports"]
    by_http = TestClient(create_app(service), base_url="http://127.0.0.1").post(
        "/guard", json={"path": "billing/reports.py", "content": INVENTED}).json()

    async def over_mcp():
        async with Client(build_server(service)) as client:
            return (await client.call_tool("check_architecture", {"path": "billing/reports.py",
                                                                  "content": INVENTED})).structured_content

    by_mcp = anyio.run(over_mcp)
    key = lambda report: [(f["kind"], f["line"], f["message"]) for f in ours(report)]  # noqa: E731
    assert key(by_cli) == key(by_http) == key(by_mcp) != []


def hook(root: Path, content: str, **env: str) -> dict:
    event = {"session_id": "s", "cwd": str(root), "hook_event_name": "PreToolUse", "tool_name": "Write",
             "tool_input": {"file_path": str(root / "billing" / "reports.py"), "content": content}}
    result = CliRunner().invoke(app, ["guard", "--hook", "claude-code"], input=json.dumps(event),
                                env={"CLAUDE_PROJECT_DIR": str(root), **env})
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["hookSpecificOutput"]


def test_claude_code_gets_the_finding_as_context_or_a_deny_when_configured(root):
    noted = hook(root, INVENTED)
    assert "permissionDecision" not in noted
    assert "[unresolved]" in noted["additionalContext"] and "settle_invoices" in noted["additionalContext"]
    denied = hook(root, INVENTED, KENNING_GUARD_BLOCK_ON='["unresolved"]')
    assert denied["permissionDecision"] == "deny" and "did you mean `settle_invoice`" in denied["permissionDecisionReason"]
    broken = hook(root, REPORTS.replace('total(items, "EUR")', "total(items)"), KENNING_GUARD_BLOCK_ON='["broken-call"]')
    assert broken["permissionDecision"] == "deny" and "[broken-call]" in broken["permissionDecisionReason"]
