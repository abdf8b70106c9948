"""The web UI in a real headless Chromium (Playwright) against a real `kenning serve` with a token.

Each page is screenshotted; with KENNING_UPDATE_SCREENSHOTS=1 the shots replace docs/screenshots/
(otherwise they go to a tmp folder, so a test run never edits tracked files). Skipped only where chromium or the
playwright package is missing (`make test` installs chromium first when it can).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from kenning.service import Service
from kenning.settings import Settings
from serving_project import free_port, make_project, start_serve, stop

CHROMIUM = shutil.which("chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (dev extra)")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no `chromium` on PATH: install it with `apt-get install -y chromium` (make test tries)"
)

DOC_SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TOKEN = "browser-test-token"
RULE = '[[rules]]\nforbid = { from = "inventory.py", to = "json" }\ndescription = "inventory stays pure"\n'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("browser"))
    (root / "kenning.toml").write_text(RULE, encoding="utf-8")
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    service.close()
    port = free_port()
    process = start_serve(root, port, "--no-watch", "--token", TOKEN)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as api:
        _seed(api)
        yield base, root, api
    stop(process)


def _seed(api: httpx.Client) -> None:
    """Enough memory for pages worth looking at, all through the HTTP API."""
    for title, context, decision, tags, links in (
        ("Store inventory as JSON", "Shelves exchange deliveries with other tools.",
         "Serialize deliveries with `json.dumps`; **no pickle**.", ["io"], ["inventory.restock"]),
        ("Keep the json package vendored", "We copy the stdlib json package.", "Do not edit it by hand.",
         ["layering"], ["json/"]),
    ):
        assert api.post("/decisions", json={"title": title, "context": context, "decision": decision,
                                            "tags": tags, "links": links}).status_code == 201
    for title, acceptance in (("Count shelves", ["a count is printed"]), ("Label bins", ["labels exist"])):
        made = api.post("/tasks", json={"title": title, "acceptance": acceptance}).json()
    api.patch(f"/tasks/{made['id']}", json={"status": "in_progress", "note": "started on the labels"})
    api.post("/handoff", json={"summary": "Indexed the inventory project and recorded its decisions.",
                               "next_steps": ["accept the proposed decision"]})


@pytest.fixture(scope="module")
def page(server):
    base, _, _ = server
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1366, "height": 860})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.requests = []
        page.on("request", lambda request: page.requests.append(request.url))
        page.goto(base + "/")  # the token is asked for once, then a cookie carries the session
        page.get_by_label("Token").fill(TOKEN)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(base + "/")
        yield page
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("KENNING_UPDATE_SCREENSHOTS") == "1":
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        return DOC_SHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def shot(page, shots):
    return lambda name: page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_accept_a_decision_made_through_the_api(server, page, shot):
    base, root, api = server
    made = api.post("/decisions", json={"title": "Bins are numbered left to right", "context": "Pickers get lost.",
                                        "decision": "Number bins from the aisle entrance.",
                                        "links": ["inventory.Shelf.put"], "tags": ["warehouse"]}).json()
    assert api.patch(f"/decisions/{made['id']}", json={"status": "proposed"}).status_code == 200
    file = root / made["path"]
    assert "status: proposed" in file.read_text()

    page.reload()
    assert page.get_by_role("heading", name="Overview").is_visible()
    assert page.get_by_text("inventory.py may not depend on json").first.is_visible()
    shot("overview")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Decisions").click()
    link = page.get_by_role("link", name=f"{made['id']} · Bins are numbered left to right")
    assert link.is_visible()
    shot("decisions")
    link.click()
    accept = page.get_by_role("button", name=f"Accept decision {made['id']}")
    shot("decision")
    accept.click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == "Status saved."
    assert "status: accepted" in file.read_text()
    assert api.get(f"/decisions/{made['id']}").json()["status"] == "accepted"


def test_symbol_graph_renders_nodes(server, page, shot):
    base, _, _ = server
    page.goto(base + "/ui/symbol?name=restock")
    nodes = page.locator("svg.graph g.node")
    assert nodes.count() == 3  # Shelf.put uses restock, restock uses json.dumps
    for index in range(nodes.count()):
        box = nodes.nth(index).bounding_box()
        assert box and box["width"] > 50 and box["height"] > 20
    assert page.locator('svg.graph g.node.center text').text_content() == "inventory.restock"
    page.locator('svg.graph g.node[data-node="inventory.Shelf.put"] a').click()  # nodes navigate
    page.wait_for_url("**/ui/symbol?name=inventory.Shelf.put")
    page.goto(base + "/ui/symbol?name=json.loads&depth=2")  # a busier neighbourhood for the screenshot
    assert page.locator("svg.graph g.node").count() > 5
    shot("symbol-graph")


def test_other_pages_render_and_stay_on_this_server(server, page, shot):
    base, _, _ = server
    page.goto(base + "/ui/graph?depth=2")
    assert page.locator("svg.graph path.edge.violation").count() == 1  # inventory -> json breaks the rule
    shot("module-graph")
    page.goto(base + "/ui/tasks")
    assert page.get_by_role("heading", name="in progress").is_visible()
    shot("tasks")
    page.get_by_role("link", name="Count shelves").click()
    assert page.get_by_text("acceptance item 1 is not ticked").is_visible()
    shot("task")
    page.goto(base + "/ui/search")
    page.get_by_label("Does this already exist?").fill("record a delivery")
    page.get_by_role("button", name="Search").click()
    assert page.locator(".hits code", has_text="inventory.restock").first.is_visible()
    shot("search")
    foreign = [url for url in page.requests if not url.startswith(base)]
    assert foreign == []
