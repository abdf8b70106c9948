"""Cold start of `kenning mcp`: spawn to the answer of tools/list, with the SDK's stdio client.

Run by hand: .venv/bin/python benchmarks/bench_mcp_start.py [--runs N]. Indexes a copy of the stdlib's
json package first (without embeddings), then starts a fresh `kenning mcp` process per run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def time_to_tools_list(root: Path, env: dict[str, str]) -> tuple[float, int]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "kenning", "mcp", "--root", str(root),
                                                                 "--no-watch"], env=env)

    async def main() -> tuple[float, int]:
        started = time.perf_counter()
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            return time.perf_counter() - started, len(tools)

    return anyio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KENNING_EMBED_ON_INDEX": "false"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(Path(sysconfig.get_paths()["stdlib"]) / "json", root / "json")
        subprocess.run([sys.executable, "-m", "kenning", "index", str(root)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        times = []
        for _ in range(args.runs):
            seconds, tools = time_to_tools_list(root, env)
            times.append(seconds)
    load = os.getloadavg()[0]
    print(f"kenning mcp cold start to tools/list ({tools} tools), {args.runs} runs, load average {load:.1f}:")
    print(f"  p50 {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
