"""DNS rebinding and cross-site requests: every route, reads and writes, refuses a foreign Host or Origin.

The attack: a web page the user opens points its own host name at 127.0.0.1 (or posts to 127.0.0.1
directly) and sets whatever headers a browser lets it set. Nothing may be read, and no memory file
may change.
"""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest
from fastapi.testclient import TestClient

from kenning.api import create_app
from kenning.api.web.login_throttle import LoginThrottle
from kenning.errors import ConfigError
from kenning.service import Service
from kenning.settings import Settings
from serving_project import free_port, make_project, server_env, start_serve, stop

BASE = "http://127.0.0.1:8765"
EVIL = "evil.example:8765"
CSRF_FIELD = re.compile(r'name="csrf" value="([0-9a-f]+)"')
# Values for path parameters, so every route is reached with a well-formed path.
PATH_VALUES = {"qualified_name": "restock", "decision_id": "0001", "task_id": "0001", "path": "inventory.py",
               "id": "0001", "name": "restock"}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("rebind"))
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    service.add_decision("Shelves are numbered", "Finding shelves", "Number them", status="proposed")
    service.add_task("Count shelves")
    yield service
    service.close()


def _memory_files(service: Service) -> dict[str, bytes]:
    memory = service.root / ".kenning" / "memory"
    return {str(p.relative_to(memory)): p.read_bytes() for p in sorted(memory.rglob("*")) if p.is_file()}


def _flat(routes):
    """Routes with included routers opened up (FastAPI keeps them as wrappers)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from _flat(included.routes) if included is not None else [route]


def _every_route(app) -> list[tuple[str, str]]:
    routes = []
    for route in _flat(app.routes):
        path = getattr(route, "path", "")
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method != "HEAD":
                routes.append((method, re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m[1], "x"), path)))
    return routes


def test_every_route_refuses_a_rebound_host_and_a_foreign_origin(service):
    app = create_app(service)
    client = TestClient(app, base_url=BASE)
    routes = _every_route(app)
    assert len(routes) >= 40  # API, web UI, forms, docs
    before = _memory_files(service)
    for method, url in routes:
        body = {"json": {"title": "pwned", "context": "c", "decision": "d", "status": "accepted"}} \
            if method in ("POST", "PATCH", "PUT") else {}
        # Rebinding: the browser sends the attacker's name as Host, and as Origin too.
        rebound = client.request(method, url, headers={"Host": EVIL, "Origin": f"http://{EVIL}"}, **body)
        assert rebound.status_code == 421, (method, url, rebound.status_code)
        assert rebound.json()["error"]["type"] == "MisdirectedRequest"
        # Cross-site: the right Host, but the request comes from another site's page.
        foreign = client.request(method, url, headers={"Origin": "http://evil.example"}, **body)
        assert foreign.status_code == 403 and "cross-site" in foreign.text, (method, url)
        # Another local site (a dev server on another port) is not this server either.
        neighbour = client.request(method, url, headers={"Origin": "http://127.0.0.1:3000"}, **body)
        assert neighbour.status_code == 403, (method, url)
    assert _memory_files(service) == before


def test_writes_marked_cross_site_without_an_origin_are_refused(service):
    client = TestClient(create_app(service), base_url=BASE)
    before = _memory_files(service)
    for site in ("cross-site", "same-site"):
        answer = client.post("/decisions", json={"title": "t", "context": "c", "decision": "d"},
                             headers={"Sec-Fetch-Site": site})
        assert answer.status_code == 403
    assert _memory_files(service) == before
    # Reads a browser makes from our own pages, and clients that are not browsers, still work.
    assert client.get("/stats", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert client.get("/stats", headers={"Origin": BASE}).status_code == 200
    assert client.get("/stats").status_code == 200


def test_forms_need_the_token_of_the_page_that_showed_them(service):
    client = TestClient(create_app(service), base_url=BASE)
    decision = next(d for d in service.list_decisions() if d.title == "Shelves are numbered")
    action = f"/ui/decisions/{decision.id}/status"
    same_origin = {"Origin": BASE}
    # Headers alone, with the right Origin, do not pass: there is no form token.
    assert client.post(action, data={"status": "rejected"}, headers=same_origin).status_code == 403
    token = CSRF_FIELD.search(client.get(f"/ui/decisions/{decision.id}").text).group(1)
    # A token made for another browser's cookie does not pass either.
    stranger = TestClient(create_app(service), base_url=BASE)
    stranger.cookies.set("kenning_csrf", "0" * 64)
    assert stranger.post(action, data={"status": "rejected", "csrf": token}, headers=same_origin).status_code == 403
    assert "status: proposed" in (service.root / decision.path).read_text()
    accepted = client.post(action, data={"status": "accepted", "csrf": token}, headers=same_origin,
                           follow_redirects=False)
    assert accepted.status_code == 303
    assert "status: accepted" in (service.root / decision.path).read_text()


def test_a_real_server_refuses_rebinding_and_serves_its_own_names(service):
    port = free_port()
    process = start_serve(service.root, port, "--no-watch")
    try:
        before = _memory_files(service)
        for name in ("127.0.0.1", "localhost"):
            assert httpx.get(f"http://{name}:{port}/stats").status_code == 200
        attacker = f"attacker.example:{port}"
        headers = {"Host": attacker, "Origin": f"http://{attacker}"}
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/decisions", headers=headers).status_code == 421
        assert httpx.get(f"{base}/ui/decisions", headers=headers).status_code == 421
        written = httpx.post(f"{base}/decisions", headers=headers,
                             json={"title": "pwned", "context": "c", "decision": "d"})
        assert written.status_code == 421
        assert httpx.patch(f"{base}/decisions/0001", headers=headers, json={"status": "rejected"}).status_code == 421
        assert _memory_files(service) == before
    finally:
        stop(process)


def test_allowed_hosts_adds_a_name(service):
    settings = Settings.load(service.root, allowed_hosts=["kenning.internal"])
    from kenning.api.host_check import allowed_names

    client = TestClient(create_app(service, host_names=allowed_names("127.0.0.1", settings.allowed_hosts)),
                        base_url="http://kenning.internal:8765")
    assert client.get("/stats").status_code == 200
    with pytest.raises(ConfigError, match="allowed_hosts"):
        Settings.load(service.root, allowed_hosts=["http://x/"])


@pytest.mark.parametrize("token", ["", "   ", " padded "])
def test_blank_or_padded_tokens_are_refused(tmp_path, token):
    with pytest.raises(ConfigError, match="token"):
        Settings.load(tmp_path, token=token)
    serve = subprocess.run([sys.executable, "-m", "kenning", "serve", "--root", str(tmp_path), "--host", "0.0.0.0",
                            "--port", str(free_port()), "--no-watch"],
                           env=server_env(KENNING_TOKEN=token), capture_output=True, text=True, timeout=60)
    assert serve.returncode == 2 and "token" in serve.stderr and "Traceback" not in serve.stderr


def test_login_attempts_are_rate_limited(service):
    client = TestClient(create_app(service, token="s3cret"), base_url=BASE)
    token = CSRF_FIELD.search(client.get("/ui/login").text).group(1)

    def attempt(value: str) -> httpx.Response:
        return client.post("/ui/login", data={"token": value, "next": "/", "csrf": token}, headers={"Origin": BASE},
                           follow_redirects=False)

    assert [attempt("wrong").status_code for _ in range(5)] == [401] * 5
    limited = attempt("wrong")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "try again in" in limited.text
    assert attempt("s3cret").status_code == 429  # even the right token waits: guessing gains nothing


def test_throttle_window_slides():
    now = [0.0]
    throttle = LoginThrottle(max_failures=2, window=10, clock=lambda: now[0])
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.wait_seconds("a") == 10 and throttle.wait_seconds("b") == 0
    now[0] = 9.5
    assert throttle.wait_seconds("a") == 1
    now[0] = 10.0
    assert throttle.wait_seconds("a") == 0
