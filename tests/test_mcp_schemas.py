"""What a model reads in tools/list: annotations, a description for every parameter, size (in-memory client)."""

from __future__ import annotations

import json

import anyio
import pytest
from mcp import Client

from kenning.mcp.registration import compacted
from kenning.mcp.server import build_server
from kenning.service import Service
from kenning.settings import Settings

# All tool definitions together stay under 4,000 tokens at 4 characters a token (docs/benchmarks.md).
MAX_SCHEMA_CHARS = 16_000
WRITES = {"record_decision", "save_task", "complete_task", "handoff", "record_choice"}
# find_existing's parameters are being reworked on another branch; it describes them there.
@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    service = Service.from_settings(Settings.load(tmp_path_factory.mktemp("schemas"), embed_on_index=False))

    async def listed():
        async with Client(build_server(service)) as client:
            return (await client.list_tools()).tools

    yield anyio.run(listed)
    service.close()


def test_every_tool_is_annotated_as_what_it_does(tools):
    for tool in tools:
        hints = tool.annotations
        assert hints is not None and hints.open_world_hint is False, tool.name
        assert hints.read_only_hint is (tool.name not in WRITES), tool.name
        if not hints.read_only_hint:
            assert hints.destructive_hint is False and hints.idempotent_hint is False, tool.name
    assert WRITES <= {t.name for t in tools}


def test_every_parameter_has_a_description(tools):
    missing = [(t.name, name) for t in tools for name, schema in t.input_schema["properties"].items()
               if not schema.get("description")]
    assert not missing, missing


def test_descriptions_are_dedented_one_line_paragraphs(tools):
    for tool in tools:
        assert tool.description == tool.description.strip(), tool.name
        assert all(line == line.strip() and line for line in tool.description.split("\n\n")), tool.name
        assert "\n" not in tool.description.replace("\n\n", ""), tool.name


def test_schemas_carry_no_derived_titles_and_stay_small(tools):
    dumped = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]
    text = json.dumps(dumped, separators=(",", ":"))
    assert '"title":"' not in text.replace('"title":{', "")  # a property named title is fine, a derived title not
    assert len(text) < MAX_SCHEMA_CHARS, f"{len(text)} characters of tool definitions"


def test_compaction_keeps_properties_named_title_and_the_nulls_an_answer_may_hold():
    schema = {"title": "Args", "type": "object", "required": ["at"], "properties": {
        "title": {"title": "Title", "anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "at": {"title": "At", "anyOf": [{"type": "number"}, {"type": "null"}]},
    }}
    nullable = {"type": ["string", "null"]}  # the same schema as anyOf string/null, shorter
    assert compacted(schema, arguments=True) == {"type": "object", "required": ["at"], "properties": {
        "title": {"type": "string"},
        "at": {"anyOf": [{"type": "number"}, {"type": "null"}]},
    }}
    assert compacted(schema, arguments=False)["properties"]["title"] == nullable
