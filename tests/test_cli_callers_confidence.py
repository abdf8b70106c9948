"""Every surface says how sure a use is: a call resolved only by a name defined once in the project is
marked as a guess (CLI text), and carries its confidence (CLI JSON, HTTP, MCP)."""

from __future__ import annotations

import json

import anyio
from fastapi.testclient import TestClient
from mcp.client import Client

from kenning.api import create_app
from kenning.mcp.server import build_server
from kenning.service import Service
from kenning.settings import Settings
from serving_project import run_kenning

FILES = {
    "tools.py": "def tidy(text):\n    return text.strip()\n",
    "sure.py": "from tools import tidy\n\n\ndef clean(value):\n    return tidy(value)\n",
    "guess.py": "def shout(value):\n    return tidy(value).upper()\n",  # no import: found by its name alone
}


def _project(tmp_path) -> Service:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    service = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    service.index()
    return service


def test_a_guess_is_marked_and_every_use_carries_its_confidence(tmp_path):
    service = _project(tmp_path)
    uses = {u.symbol: u.confidence for u in service.callers("tidy")["tools.tidy"]}
    assert uses["sure.clean"] > 0.5 >= uses["guess.shout"] > 0

    run = lambda *args: run_kenning("callers", "tidy", "--root", str(tmp_path), *args)  # noqa: E731
    lines = run().stdout.splitlines()
    assert any("guess.shout  (a guess by name, confidence 0.5)" in line for line in lines), lines
    assert not any("sure.clean" in line and "guess" in line for line in lines), lines
    listed = json.loads(run("--json").stdout)["callers"][0]["uses"]
    assert {u["symbol"]: u["confidence"] for u in listed} == uses

    http = TestClient(create_app(service), base_url="http://127.0.0.1").get("/symbols/tidy/callers").json()
    assert {u["symbol"]: u["confidence"] for u in http["callers"][0]["uses"]} == uses

    async def over_mcp():
        async with Client(build_server(service)) as client:  # the SDK's in-memory client
            return await client.call_tool("get_symbol", {"name": "tidy"})

    answer = anyio.run(over_mcp)
    callers = {c["symbol"]: c["confidence"] for c in answer.structured_content["matches"][0]["callers"]}
    assert {name: callers[name] for name in ("sure.clean", "guess.shout")} == {
        name: uses[name] for name in ("sure.clean", "guess.shout")}
    service.close()
