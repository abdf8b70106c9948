"""The web UI through FastAPI's TestClient: every page, escaping, forms writing memory files, login, CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kenning.api import create_app
from kenning.service import Service
from kenning.settings import Settings
from serving_project import make_project

BASE = "http://127.0.0.1:8765"
SAME_ORIGIN = {"Origin": BASE}
CSRF_FIELD = re.compile(r'name="csrf" value="([0-9a-f]+)"')
HOSTILE = '<script>alert("pwned")</script>'


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("web"))
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    # An accepted rule the fixture breaks: inventory.py imports json.
    service.add_decision("Inventory stays pure", "Inventory must not serialize", "No json in inventory",
                         tags=["layering"], rules=[{"forbid": {"from": "inventory.py", "to": "json"}}])
    service.add_decision("Deliveries are JSON", "Shelves exchange data", "Use **json.dumps**", status="proposed",
                         tags=["io"], links=["inventory.restock", "inventory.py"])
    service.add_task("Count shelves", acceptance=["a count is printed"], links=["inventory.Shelf"])
    service.handoff("Wired the inventory module", next_steps=["label the shelves"])
    yield service
    service.close()


@pytest.fixture(scope="module")
def client(service):
    return TestClient(create_app(service), base_url=BASE)


def post_form(client: TestClient, form_page: str, action: str, data: dict, **kwargs):
    """Post a form as a browser would: from the page that shows it, with that page's form token."""
    token = CSRF_FIELD.search(client.get(form_page).text).group(1)
    return client.post(action, data=data | {"csrf": token}, headers=SAME_ORIGIN, **kwargs)


def _decision(service: Service, title: str):
    return next(d for d in service.list_decisions() if d.title == title)


@pytest.mark.parametrize("url, expected", [
    ("/", ["Overview", "Wired the inventory module", "label the shelves", "inventory.py may not depend on json"]),
    ("/ui/decisions", ["Decision log", "Deliveries are JSON", "Inventory stays pure"]),
    ("/ui/decisions?status=proposed", ["Deliveries are JSON"]),
    ("/ui/decisions?tag=layering", ["Inventory stays pure"]),
    ("/ui/decisions?q=shelves", ["Deliveries are JSON"]),
    ("/ui/tasks", ["Count shelves", "in progress"]),
    ("/ui/search?q=restock", ["inventory.restock", "Record a delivery and return it as JSON"]),
    ("/ui/graph", ["Imports between modules", "<svg", 'data-node="inventory"', "edge violation"]),
    ("/ui/symbol?name=restock", ["<svg", 'data-node="inventory.Shelf.put"', 'data-node="json.dumps"',
                                 "def restock(item: str, count: int)"]),
    ("/ui/login", ['name="token"']),
])
def test_every_page_renders(client, url, expected):
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for text in expected:
        assert text in response.text, (url, text)
    # Nothing from elsewhere: no CDN, no external requests.
    assert not re.search(r'(src|href)="(https?:)?//', response.text)


def test_filters_leave_out_what_does_not_match(client):
    proposed = client.get("/ui/decisions?status=proposed").text
    assert "Deliveries are JSON" in proposed and "Inventory stays pure" not in proposed
    assert "Deliveries are JSON" not in client.get("/ui/decisions?tag=layering").text


def test_decision_page_shows_code_rules_and_drift(client, service):
    pure = _decision(service, "Inventory stays pure")
    page = client.get(f"/ui/decisions/{pure.id}").text
    assert "forbid" in page and "inventory.py may not depend on json" in page
    delivery = _decision(service, "Deliveries are JSON")
    page = client.get(f"/ui/decisions/{delivery.id}").text
    assert "<strong>json.dumps</strong>" in page  # rendered from Markdown
    assert "inventory.py:6" in page and "return dumps(" in page  # file:line and a source excerpt
    assert "as it was when the decision was written" in page
    assert f"Accept decision {delivery.id}" in page


def test_hostile_decision_text_is_escaped(client, service):
    made = service.add_decision(HOSTILE, f"Context {HOSTILE} <img src=x onerror=alert(1)>",
                                "[click](javascript:alert(1)) and <b>bold</b>", status="proposed", tags=[HOSTILE])
    for url in (f"/ui/decisions/{made.id}", "/ui/decisions", "/"):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page, url
        assert 'href="javascript:' not in page
    page = client.get(f"/ui/decisions/{made.id}").text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page or "&lt;script&gt;alert(&quot;pwned&quot;)" in page


def test_accepting_from_the_ui_writes_the_markdown_file(client, service):
    made = service.add_decision("Shelves are numbered", "Finding shelves", "Number them", status="proposed")
    file = service.root / made.path
    assert "status: proposed" in file.read_text()
    response = post_form(client, f"/ui/decisions/{made.id}", f"/ui/decisions/{made.id}/status",
                         {"status": "accepted"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/ui/decisions/{made.id}?saved=status"
    assert "status: accepted" in file.read_text()
    assert "Status saved." in client.get(response.headers["location"]).text


def test_superseding_from_the_ui_links_both_files(client, service):
    old = service.add_decision("Paper labels", "Labels", "Use paper")
    new = service.add_decision("Printed labels", "Labels", "Print them", status="proposed")
    response = post_form(client, f"/ui/decisions/{old.id}", f"/ui/decisions/{old.id}/supersede", {"successor": new.id})
    assert response.status_code == 200 and "Superseded" in response.text
    assert f"superseded_by: '{new.id}'" in (service.root / old.path).read_text()
    chain = client.get(f"/ui/decisions/{new.id}").text
    assert "Supersession chain" in chain and "Paper labels" in chain


def test_cross_site_posts_are_refused(client, service):
    made = service.add_decision("Bins are blue", "Colours", "Blue", status="proposed")
    for headers in ({}, {"Origin": "http://evil.example"}, {"Referer": "http://evil.example/page"}):
        response = client.post(f"/ui/decisions/{made.id}/status", data={"status": "rejected"}, headers=headers)
        assert response.status_code == 403 and "cross-site" in response.text
    assert "status: proposed" in (service.root / made.path).read_text()


def test_task_status_and_completion_checks(client, service):
    task = service.add_task("Paint bins", acceptance=["bins are painted"])
    assert "acceptance item 1 is not ticked" in client.get(f"/ui/tasks/{task.id}").text
    moved = post_form(client, f"/ui/tasks/{task.id}", f"/ui/tasks/{task.id}/status",
                      {"status": "in_progress", "note": "started"})
    assert moved.status_code == 200 and "started" in moved.text
    assert "status: in_progress" in (service.root / task.path).read_text()
    refused = post_form(client, f"/ui/tasks/{task.id}", f"/ui/tasks/{task.id}/status", {"status": "done"})
    assert refused.status_code == 409 and "acceptance item 1 is not ticked" in refused.text
    service.update_task(task.id, tick=1)
    closed = post_form(client, f"/ui/tasks/{task.id}", f"/ui/tasks/{task.id}/status", {"status": "done"})
    assert closed.status_code == 200 and "Task closed" in closed.text
    assert "status: done" in (service.root / task.path).read_text()


def test_errors_are_pages(client):
    missing = client.get("/ui/decisions/9999")
    assert missing.status_code == 404 and "<h1>That did not work</h1>" in missing.text
    assert client.get("/ui/symbol?name=no_such_symbol").status_code == 404
    ambiguous = client.get("/ui/symbol?name=__init__")
    assert ambiguous.status_code == 409 and "/ui/symbol?name=json.decoder.JSONDecoder.__init__" in ambiguous.text
    assert client.get("/ui/symbol?name=restock&depth=99").status_code == 400


def test_token_login_sets_a_strict_cookie_the_api_accepts(service):
    guarded = TestClient(create_app(service, token="s3cret"), base_url=BASE)
    browser = {"Accept": "text/html"}
    redirect = guarded.get("/ui/tasks", headers=browser, follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/ui/login?next=/ui/tasks"
    assert guarded.get("/ui/tasks").status_code == 401  # an API client still gets the JSON error
    assert guarded.get("/ui/login", headers=browser).status_code == 200
    wrong = post_form(guarded, "/ui/login", "/ui/login", {"token": "nope", "next": "/ui/tasks"})
    assert wrong.status_code == 401 and "not the server's" in wrong.text
    logged = post_form(guarded, "/ui/login", "/ui/login", {"token": "s3cret", "next": "https://evil.example/"},
                       follow_redirects=False)
    assert logged.status_code == 303 and logged.headers["location"] == "/"  # no open redirect
    cookie = logged.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "s3cret" not in cookie
    assert guarded.get("/ui/tasks").status_code == 200  # the client keeps the cookie
    assert guarded.get("/stats").status_code == 200
    bearer = TestClient(create_app(service, token="s3cret"), base_url=BASE)
    assert bearer.get("/stats", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_the_overview_shows_how_much_is_embedded(client, service):
    # The fixture indexes without embedding: nothing is searchable by meaning yet, and the page says so.
    status = service.status()
    assert status["embedded"] < status["symbols"]
    page = client.get("/").text
    assert f'<progress value="{status["embedded"]}" max="{status["symbols"]}"' in page
    assert f"{status['symbols'] - status['embedded']} symbol(s) not yet searchable by meaning" in page
