"""Which `kenning serve` is running for a root: a small serve.json beside the index, and a client for it.

`kenning serve` writes it on start and removes it on exit; a file whose process is gone (killed
server) is ignored. Short-lived commands (the guard, run on every write) ask that server instead of
loading the model themselves. Standard library only, so asking costs no heavy imports.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "serve.json"
INDEX_DIR = Path(".kenning") / "index"  # Settings.index_dir, without building Settings
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


class ServerUnavailable(Exception):
    """No server answered; the caller works in-process instead."""


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
            raise ServerUnavailable(str(e)) from e


def path_for(root: Path) -> Path:
    return root / INDEX_DIR / FILE_NAME


def announce(root: Path, host: str, port: int) -> Path:
    """Record this process as the root's server; returns the file to pass to `withdraw`."""
    target = path_for(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"host": host, "port": port, "pid": os.getpid()}), encoding="utf-8")
    temporary.replace(target)
    return target


def withdraw(target: Path) -> None:
    """Remove the file if it still names this process (a later server may have replaced it)."""
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
