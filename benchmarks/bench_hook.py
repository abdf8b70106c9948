"""The Claude Code guard hook's round trip through a running `kenning serve`, as Claude Code runs it: a fresh
process, the PreToolUse event on stdin, the answer on stdout. Against a bare `python -c pass` in the same run.

The index is bench_guard's (standard-library code nobody here wrote, embedded with the bundled model).
Events, each run --runs times, interleaved so load changes hit every command alike:
  edit      an Edit adding one function to shlex.py (345 lines, indexed): one definition to look up
  write     a Write of bench_guard's ~300-line new module: every definition new, one a renamed copy
Commands: `python -c pass`; the hook client (`python -m kenning.cli.hook_client claude-code`, what
`kenning hooks install claude-code` now writes); the command installed before it (`python -m kenning guard
--hook claude-code`). Then once: a Write of a ~1 MB module of small functions (what it skipped is in its
note), and `python -c "import kenning"`.

    .venv/bin/python benchmarks/bench_hook.py [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_guard import INDEXED, proposed_file, served
from bench_scale import _load, _percentiles

from kenning.service import Service
from kenning.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import copy_stdlib  # noqa: E402

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "hook client": [sys.executable, "-m", "kenning.cli.hook_client", "claude-code"],
    "kenning guard --hook": [sys.executable, "-m", "kenning", "guard", "--hook", "claude-code"],
}
EXTRA = '''

def split_words(line, comments=False):
    """Split a line into shell words, keeping quoted parts together."""
    lexer = shlex(line, posix=True)
    lexer.whitespace_split = True
    if not comments:
        lexer.commenters = ""
    return [word.strip() for word in lexer if word.strip()]
'''


def event(root: Path, tool: str, **tool_input: str) -> str:
    return json.dumps({"session_id": "bench", "cwd": str(root), "hook_event_name": "PreToolUse",
                       "tool_name": tool, "tool_input": tool_input})


def megabyte_module() -> str:
    """~1 MB of small distinct functions (the issue's case: 8,675 of them in 900 KB)."""
    parts = ['"""Generated: many small functions."""\n']
    size, n = 0, 0
    while size < 990_000:
        chunk = (f"\n\ndef scaled_total_{n}(values, factor={n % 7 + 2}):\n"
                 f"    total = 0\n    for value in values:\n        total += value * factor + {n}\n"
                 f"    return total - len(values) * {n % 13}\n")
        parts.append(chunk)
        size += len(chunk)
        n += 1
    return "".join(parts)


def run(command: list[str], stdin: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=120)
    return time.perf_counter() - started, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNING_")} | {"HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_stdlib(Path(tmp) / "repo", *INDEXED, "shlex.py")
        (root / "app").mkdir()
        service = Service.from_settings(Settings.load(root, embed_on_index=True))
        report = service.index()
        print(f"index: {report.files_indexed} files, {report.symbols} symbols (embedded) in {report.seconds:.1f} s")
        service.close()
        shlex_text = (root / "shlex.py").read_text()
        last = shlex_text.rstrip().splitlines()[-1]
        events = {
            "edit": event(root, "Edit", file_path=str(root / "shlex.py"), old_string=last, new_string=last + EXTRA),
            "write": event(root, "Write", file_path=str(root / "app/newmod.py"), content=proposed_file()),
        }
        hook_env = env | {"CLAUDE_PROJECT_DIR": str(root)}
        with served(root, env):
            for name, stdin in events.items():  # the server's first guard loads its model
                _, answer = run(COMMANDS["hook client"], stdin, hook_env)
                print(f"{name} event answer: {answer[:160]!r}...")
            print(f"load before: {_load()}")
            times: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.runs):
                for name, stdin in events.items():
                    for label, command in COMMANDS.items():
                        if label == "python -c pass" and name != "edit":
                            continue  # one baseline suffices
                        times.setdefault((label, name), []).append(run(command, stdin, hook_env)[0])
            print(f"load after: {_load()}")
            bare = _percentiles(times[("python -c pass", "edit")])
            print(f"python -c pass: {bare}")
            for (label, name), samples in times.items():
                if label != "python -c pass":
                    found = _percentiles(samples)
                    print(f"{label}, {name}: {found}  p50 = {found['p50'] / bare['p50']:.1f}x python -c pass")
            big = megabyte_module()
            seconds, answer = run(COMMANDS["hook client"], event(root, "Write", file_path=str(root / "app/big.py"),
                                                                 content=big), hook_env)
            note = json.loads(answer)["hookSpecificOutput"]["additionalContext"] if answer.startswith("{") else answer
            print(f"1 MB Write ({len(big):,} bytes, {big.count('def '):,} functions): {seconds:.1f} s;"
                  f" its note ends: {note[-400:]!r}")
        imports = [run([sys.executable, "-c", "import kenning"], "", env)[0] for _ in range(args.runs)]
        print(f"python -c 'import kenning': {_percentiles(imports)}")


if __name__ == "__main__":
    main()
