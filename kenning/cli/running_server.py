"""Which `kenning serve` is running for a root: a small serve.json beside the index, and a client for it.

One live server per root: `kenning serve` first claims the root (an exclusive lock on serve.lock, held
for its lifetime and released by the kernel however it dies), then binds its port, then writes
serve.json; it removes serve.json on exit. A second server finds the claim taken and names the first
instead of starting; a file whose process is gone (killed server) is ignored and replaced. Short-lived
commands (the guard, run on every write) ask that server instead of loading the model themselves.
Standard library only, so asking costs no heavy imports.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kenning.errors import Conflict, InvalidInput

FILE_NAME = "serve.json"
LOCK_NAME = "serve.lock"
INDEX_DIR = Path(".kenning") / "index"  # Settings.index_dir, without building Settings
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


class ServerUnavailable(Exception):
    """No server answered; the caller works in-process instead."""


class ServerTimedOut(ServerUnavailable):
    """The server took the connection but did not answer within the time given."""


class ServerError(Exception):
    """The server answered with an error: {"error": {"type", "message"}}."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class RunningServer:
    host: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        host = _WILDCARDS.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def post(self, route: str, body: dict, token: str | None = None, timeout: float = 60.0) -> dict:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + route, data=json.dumps(body).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            try:
                error = json.loads(e.read())["error"]
            except (ValueError, KeyError, TypeError):
                raise ServerError("HTTPError", f"the server answered {e.code}") from e
            raise ServerError(error.get("type", "HTTPError"), error.get("message", "")) from e
        except (urllib.error.URLError, OSError) as e:
            if isinstance(e, TimeoutError) or isinstance(getattr(e, "reason", None), TimeoutError):
                raise ServerTimedOut(str(e)) from e
            raise ServerUnavailable(str(e)) from e


def path_for(root: Path) -> Path:
    return root / INDEX_DIR / FILE_NAME


class Claim:
    """This process's hold on serving a root; `release` (or exiting, however) gives it up."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def release(self) -> None:
        self._handle.close()  # closing the last descriptor drops the lock


def claim(root: Path) -> Claim:
    """Become the root's one server, or raise Conflict naming the process that already is."""
    lock = root / INDEX_DIR / LOCK_NAME
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock, "a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        running = find(root)
        if running is not None:
            raise Conflict(f"kenning serve (pid {running.pid}) already serves {root} at {running.url};"
                           f" use that one, or stop it (kill {running.pid}) first") from None
        raise Conflict(f"another kenning serve (pid {holder or 'unknown'}) is starting for {root};"
                       " use that one once it listens, or stop it first") from None
    handle.truncate(0)  # "a+" writes at the end, which is now the start
    handle.write(str(os.getpid()))
    handle.flush()
    return Claim(handle)


def bind(host: str, port: int) -> socket.socket:
    """The server's listening address, bound now so a clash is one clear error (uvicorn would log its
    own and exit); `port` 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart past TIME_WAIT
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise Conflict(f"port {port} on {host} is already in use by another program;"
                           " choose another with --port") from None
        raise InvalidInput(f"cannot listen on {host}:{port}: {e.strerror}; give an address of this machine"
                           " (--host) and a free port (--port)") from None
    return sock  # not inheritable (Python's default): spawned parser workers must not hold the port


def announce(root: Path, host: str, port: int) -> RunningServer:
    """Record this process as the root's server (call while holding its `claim`)."""
    server = RunningServer(host, port, os.getpid())
    target = path_for(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{server.pid}.tmp")
    temporary.write_text(json.dumps({"host": host, "port": port, "pid": server.pid}), encoding="utf-8")
    temporary.replace(target)
    return server


def withdraw(root: Path) -> None:
    """Remove the root's file if it still names this process."""
    target = path_for(root)
    found = _read(target)
    if found is not None and found.pid == os.getpid():
        target.unlink(missing_ok=True)


def find(root: Path) -> RunningServer | None:
    """The live server for `root`, or None."""
    found = _read(path_for(root))
    return found if found is not None and _alive(found.pid) else None


def _read(target: Path) -> RunningServer | None:
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        return RunningServer(str(data["host"]), int(data["port"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return False
    return True
