"""exists without a language: the probe's language is inferred from the project's grammars on every surface,
and unknown languages, fields, query parameters and tool arguments are errors that name them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import werkzeug
from fastapi.testclient import TestClient

from kenning.api import create_app
from kenning.service import Service
from kenning.settings import Settings
from serving_project import make_project, run_kenning
from test_mcp_stdio import run_session

FIXTURES = Path(__file__).parent / "fixtures"
# Real JavaScript nobody here wrote: werkzeug's debugger console (werkzeug comes with the dev dependencies).
DEBUGGER_JS = Path(werkzeug.__file__).parent / "debug" / "shared" / "debugger.js"
# openShell with its name, parameters and locals renamed: the same structure under other names.
RENAMES = {"openShell": "showConsolePane", "consoleNode": "existingPane", "target": "anchor", "frameID": "frame",
           "historyPos": "cursor", "history": "entries", "consoleElement": "pane", "output": "log", "form": "box",
           "command": "field", "consoleOutput": "printed", "old": "previous", "e": "event"}
SUPPORTED = ("javascript", "typescript", "python", "go")
CART = """\
export class Cart {
  total(items, discount) {
    const priceOf = (item) => item.price * item.quantity;
    let sum = 0;
    for (const item of items) {
      sum += priceOf(item);
    }
    return discount ? sum - sum * discount : sum;
  }
}
"""


def renamed_open_shell() -> str:
    source = DEBUGGER_JS.read_text(encoding="utf-8")
    start = source.index("function openShell(")
    body = source[start:source.index("\nfunction ", start + 1)]
    return re.sub(r"\b(" + "|".join(RENAMES) + r")\b", lambda m: RENAMES[m.group(1)], body)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Python (the stdlib's json), werkzeug's JavaScript, and the TypeScript and Go fixtures, embedded."""
    root = make_project(tmp_path_factory.mktemp("exists_languages"))
    (root / "static").mkdir()
    shutil.copy(DEBUGGER_JS, root / "static" / "debugger.js")
    shutil.copy(FIXTURES / "typescript" / "greeter.ts", root / "static" / "greeter.ts")
    shutil.copytree(FIXTURES / "go" / "greeter", root / "greeter")
    (root / "static" / "cart.js").write_text(CART, encoding="utf-8")
    service = Service.from_settings(Settings.load(root, embed_on_index=True))
    service.index()
    service.close()
    return root


@pytest.fixture(scope="module")
def service(project):
    service = Service.from_settings(Settings.load(project))
    yield service
    service.close()


@pytest.fixture(scope="module")
def client(service):
    return TestClient(create_app(service), base_url="http://127.0.0.1")


def test_a_renamed_javascript_function_exists_over_http_with_no_language(client):
    code = renamed_open_shell()
    inferred = client.post("/exists", json={"code": code}).json()
    assert (inferred["verdict"], inferred["language"], inferred["language_inferred"]) == ("exists", "javascript", True)
    assert inferred["candidates"][0]["qualified_name"] == "static.debugger.openShell"
    assert inferred["candidates"][0]["verdict"] == "exists"
    by_path = client.post("/exists", json={"code": code, "path": "src/x.js"}).json()
    assert (by_path["verdict"], by_path["language"], by_path["language_inferred"]) == ("exists", "javascript", False)
    assert by_path["candidates"][0]["qualified_name"] == "static.debugger.openShell"
    # The language is honoured when given: read as Python, the same code is no structural copy.
    as_python = client.post("/exists", json={"code": code, "language": "python"}).json()
    assert as_python["language"] == "python" and as_python["verdict"] != "exists"


def test_unknown_language_field_and_query_parameter_are_422_naming_them(client):
    unknown_field = client.post("/exists", json={"code": "x = 1", "lang": "javascript"})
    assert unknown_field.status_code == 422
    assert "unknown field 'lang'" in unknown_field.json()["error"]["message"]
    unknown_language = client.post("/exists", json={"code": "x = 1", "language": "klingon"})
    assert unknown_language.status_code == 422
    assert all(name in unknown_language.json()["error"]["message"] for name in SUPPORTED)
    assert "pydantic" not in unknown_language.text
    unknown_query = client.get("/search", params={"q": "decode json", "limt": 3})
    assert unknown_query.status_code == 422
    assert "unknown query parameter 'limt'" in unknown_query.json()["error"]["message"]
    assert client.get("/search", params={"q": "decode json", "limit": 3}).status_code == 200


def test_every_json_body_refuses_a_field_it_does_not_take(client):
    operations = [(method, path) for path, item in client.get("/openapi.json").json()["paths"].items()
                  for method, operation in item.items() if "application/json" in operation.get("requestBody", {}).get(
                      "content", {})]
    assert len(operations) >= 9
    for method, path in operations:
        answer = client.request(method, re.sub(r"\{[^}]+\}", "0001", path), json={"not_a_field": 1})
        assert answer.status_code == 422, (method, path)
        assert "unknown field 'not_a_field'" in answer.json()["error"]["message"], (method, path)


def test_a_path_without_a_source_extension_leaves_the_language_to_the_code(service):
    answer = service.exists(code=renamed_open_shell(), path="notes.txt")
    assert (answer["language"], answer["language_inferred"], answer["verdict"]) == ("javascript", True, "exists")


def test_a_method_sent_on_its_own_is_the_method_not_its_nested_function(service):
    method = CART.split("\n", 1)[1].rsplit("}", 1)[0]  # `total(items, discount) {...}` without its class
    renamed = re.sub(r"\b(total|items|discount|sum)\b", lambda m: m.group(1).upper() + "_", method)
    answer = service.exists(code=renamed)
    assert answer["language"] == "javascript" and answer["verdict"] == "exists"
    assert answer["candidates"][0]["qualified_name"] == "static.cart.Cart.total"


@pytest.mark.parametrize("code, language", [
    ("function total(items) {\n  let sum = 0;\n  for (const item of items) { sum += item.price; }\n  return sum;\n}\n",
     "javascript"),
    ("export function total(items: Item[]): number {\n  let sum: number = 0;\n"
     "  for (const item of items) { sum += item.price; }\n  return sum;\n}\n", "typescript"),
    ("interface Priced { price: number }\n", "typescript"),
    ("func Total(items []Item) int {\n\tsum := 0\n\tfor _, item := range items {\n\t\tsum += item.Price\n\t}\n"
     "\treturn sum\n}\n", "go"),
    ("def total(items):\n    return sum(item.price for item in items)\n", "python"),
    ("x = {'a': 1}\n", "python"),
])
def test_inference_picks_the_language_among_the_projects(service, code, language):
    answer = service.exists(code=code)
    assert (answer["language"], answer["language_inferred"]) == (language, True)


def test_the_cli_takes_path_and_names_the_supported_languages(project, tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_text(renamed_open_shell(), encoding="utf-8")

    def kenning(*args):
        return run_kenning("exists", "--root", str(project), *args)

    found = kenning("--code-file", str(draft), "--path", "src/x.js")
    assert found.returncode == 0, found.stderr
    assert "verdict: exists" in found.stdout and "code read as javascript)" in found.stdout
    assert "static.debugger.openShell" in found.stdout
    inferred = kenning("--code-file", str(draft))
    assert "code read as javascript inferred" in inferred.stdout
    refused = kenning("--code-file", str(draft), "--language", "klingon")
    assert refused.returncode == 2 and all(name in refused.stderr for name in SUPPORTED)
    assert kenning("--code-file", str(draft), "--lang", "go").returncode == 2


def test_mcp_find_existing_infers_the_language_and_refuses_unknown_arguments(project):
    code = renamed_open_shell()

    async def body(session):
        tools = {t.name: t for t in (await session.list_tools()).tools}
        return tools, [await session.call_tool("find_existing", args) for args in (
            {"code": code}, {"code": code, "path": "src/x.js"}, {"code": code, "lang": "javascript"},
            {"code": code, "language": "klingon"})]

    tools, (inferred, by_path, unknown_argument, unknown_language) = run_session(project, body)
    for answer, was_inferred in ((inferred, True), (by_path, False)):
        assert not answer.is_error, answer.content
        found = answer.structured_content
        assert (found["verdict"], found["language"], found["language_inferred"]) == ("exists", "javascript",
                                                                                     was_inferred)
        assert found["candidates"][0]["qualified_name"] == "static.debugger.openShell"
    assert unknown_argument.is_error and "'lang'" in unknown_argument.content[0].text
    assert "language" in unknown_argument.content[0].text  # what it takes instead
    assert unknown_language.is_error and all(name in unknown_language.content[0].text for name in SUPPORTED)
    assert "pydantic.dev" not in unknown_language.content[0].text
    assert {"language", "path"} <= set(tools["find_existing"].input_schema["properties"])
