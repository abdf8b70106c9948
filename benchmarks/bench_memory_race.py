"""Hand edits racing kenning's writes of one task file: how many edits survive (issue 17: 49 of 133 were lost).

Starts a real `kenning serve` on a tmp project with one task, then for `--seconds`:
- `--http` threads PATCH a note onto the task over HTTP, and one loop runs `kenning task update --note` as a
  fresh CLI process (kenning's writers, each taking the folder lock);
- this process plays a person with an editor open on the same file: every `--every` seconds (jittered) it
  reads the file and saves it with one more `## Hand edit N` section, by rename (as vim and most editors
  save) or, with `--in-place`, by rewriting the file where it is.

Then it counts the hand edits missing from the final file. An in-place save empties the file before it
writes it again; a kenning write that reads it then is refused as unreadable (counted; nothing written).
kenning's own notes can be overwritten by the editor's saves (the editor saves what it read, after kenning
wrote); those are counted apart, since no writer that does not take the lock can be stopped from that.

Run: .venv/bin/python benchmarks/bench_memory_race.py [--seconds 30] [--http 4] [--every 0.004] [--in-place]
To measure another checkout, run it from outside this one with PYTHONPATH=that/checkout (the server and CLI
children run `python -m kenning`, which looks in the working directory first).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from kenning.service import Service
from kenning.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "kenning", "serve", "--root", str(root), "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"kenning serve did not start: {server.stderr.read()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--http", type=int, default=4, help="HTTP writer threads")
    parser.add_argument("--every", type=float, default=0.004, help="mean seconds between hand edits")
    parser.add_argument("--in-place", action="store_true", help="the editor rewrites the file where it is")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="kenning-race-"))
    (root / "kenning.toml").write_text("embed_on_index = false\n")
    service = Service.from_settings(Settings.load(root))
    task = service.add_task("Race")
    service.close()
    path = root / task.path
    port = free_port()
    server = start_server(root, port)
    stop = threading.Event()
    acknowledged: list[str] = []
    refused = {"http": 0, "cli": 0}
    unreadable = []  # answers about a file caught half-saved by an in-place editor (an error, nothing written)
    lock = threading.Lock()

    def http_writer(n: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for i in range(1_000_000):
                if stop.is_set():
                    return
                note = f"http {n}.{i}"
                response = client.patch(f"/tasks/{task.id}", json={"note": note})
                with lock:
                    if response.status_code == 200:
                        acknowledged.append(note)
                    elif response.status_code == 409:
                        refused["http"] += 1
                    else:
                        unreadable.append(f"HTTP {response.status_code}: {response.json()['error']['message']}")

    def cli_writer() -> None:
        for i in range(1_000_000):
            if stop.is_set():
                return
            note = f"cli {i}"
            done = subprocess.run([sys.executable, "-m", "kenning", "task", "update", task.id, "--note", note,
                                   "--root", str(root)], capture_output=True, text=True)
            with lock:
                if done.returncode == 0:
                    acknowledged.append(note)
                elif "changed on disk" in done.stderr:
                    refused["cli"] += 1
                else:
                    unreadable.append(f"CLI exit {done.returncode}: {done.stderr.strip()}")

    writers = [threading.Thread(target=http_writer, args=(n,)) for n in range(args.http)]
    writers.append(threading.Thread(target=cli_writer))
    for thread in writers:
        thread.start()
    edits, rng = [], random.Random(17)
    deadline = time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline:
            text = path.read_text(encoding="utf-8")
            marker = f"Hand edit {len(edits) + 1}"
            saved = text + f"\n## {marker}\n\nTyped by hand.\n"
            if args.in_place:
                path.write_text(saved, encoding="utf-8")
            else:
                scratch = path.with_name(f".{path.name}.swp")
                scratch.write_text(saved, encoding="utf-8")
                scratch.replace(path)
            edits.append(marker)
            time.sleep(rng.uniform(0, 2 * args.every))
    finally:
        stop.set()
        for thread in writers:
            thread.join()
        server.terminate()
        server.wait(10)
    final = path.read_text(encoding="utf-8")
    lost = [m for m in edits if f"## {m}\n" not in final]
    kept_notes = sum(1 for note in acknowledged if f": {note}\n" in final or final.endswith(f": {note}"))
    print(f"{len(edits)} hand edits ({'in place' if args.in_place else 'by rename'}), {len(lost)} lost; "
          f"kenning: {len(acknowledged)} writes acknowledged, {refused['http']} HTTP and {refused['cli']} CLI "
          f"refused as changed on disk (409 / exit 1), {kept_notes} notes in the final file "
          f"(the rest overwritten by the editor's own saves), {len(unreadable)} refused as unreadable")
    for reason in sorted({r.split(": ", 1)[0] + ": " + r.rsplit(": ", 1)[-1] for r in unreadable}):
        print(f"  unreadable: {reason}")


if __name__ == "__main__":
    main()
