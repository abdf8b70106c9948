"""One live server per root, announced once: real `kenning serve` processes.

A second server on the same root (any port) names the first and exits, leaving its serve.json alone;
a port taken by another program is one clear line; a serve.json left by a dead server is replaced.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from kenning.cli import running_server
from serving_project import free_port, make_project, server_env, start_serve, stop


def _serve_once(root, port: int) -> subprocess.CompletedProcess:
    """A `kenning serve` expected to refuse: it must exit by itself, quickly."""
    return subprocess.run([sys.executable, "-m", "kenning", "serve", "--root", str(root), "--port", str(port),
                           "--no-watch"], env=server_env(), capture_output=True, text=True, timeout=60)


def _one_error_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and done.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_a_second_server_names_the_first_and_leaves_its_serve_json(tmp_path):
    root = make_project(tmp_path / "proj")
    port = free_port()
    first = start_serve(root, port, "--no-watch")
    try:
        announced = running_server.path_for(root).read_text()
        assert json.loads(announced) == {"host": "127.0.0.1", "port": port, "pid": first.pid}
        for second_port in (free_port(), port):  # another port, and the first one's own
            line = _one_error_line(_serve_once(root, second_port))
            assert f"kenning serve (pid {first.pid}) already serves {root.resolve()}" in line
            assert f"http://127.0.0.1:{port}" in line and "in use" not in line
            assert running_server.path_for(root).read_text() == announced
        found = running_server.find(root)
        assert found is not None and found.pid == first.pid  # the guard still finds the live server
    finally:
        stop(first)
    assert first.returncode is not None
    first_stderr = first.stderr.read()
    assert f"kenning serve (pid {first.pid}) serves {root.resolve()} at http://127.0.0.1:{port}" in first_stderr
    assert not running_server.path_for(root).exists()


def test_a_port_in_use_is_one_line_and_a_dead_servers_file_is_replaced(tmp_path):
    root = make_project(tmp_path / "proj")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = json.dumps({"host": "127.0.0.1", "port": 1, "pid": int(dead.stdout)})
    running_server.path_for(root).parent.mkdir(parents=True)
    running_server.path_for(root).write_text(stale)
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        taken = other_program.getsockname()[1]
        line = _one_error_line(_serve_once(root, taken))
    assert line == f"error: port {taken} on 127.0.0.1 is already in use by another program; choose another with --port"
    assert running_server.path_for(root).read_text() == stale  # not this server's to touch

    port = free_port()
    server = start_serve(root, port, "--no-watch")
    try:
        assert json.loads(running_server.path_for(root).read_text())["pid"] == server.pid
    finally:
        stop(server)
