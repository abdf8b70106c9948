"""The scale-out path: a real `chroma run` server behind `chroma_url` answers like the embedded store."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from search_corpus import open_service, shared_service

QUERIES = ("remove any common leading whitespace from every line", "split a string using shell-like syntax",
           "convert a color from rgb to hsv", "match a filename against a wildcard pattern")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma CLI ships in the chromadb wheel"
    port = _free_port()
    server = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "chroma-data"), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("chroma server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_chroma_server_gives_the_same_results_as_the_embedded_store(tmp_path_factory, chroma_server):
    embedded = shared_service(tmp_path_factory)
    remote = open_service(embedded.root, chroma_url=chroma_server)
    moved = remote.embed()
    # The vectors come from the embedding cache: switching stores re-encodes nothing.
    assert moved["encoded"] == 0
    assert moved["embedded"] == moved["symbols"]
    assert remote.search_parts.vectors.count() > 0
    for query in QUERIES:
        local = [r["qualified_name"] for r in embedded.search(query, limit=5)["results"]]
        served = [r["qualified_name"] for r in remote.search(query, limit=5)["results"]]
        assert served == local, query
    # The embedded store is untouched by the switch and still answers on its own.
    assert embedded.search(QUERIES[0])["results"][0]["qualified_name"] == "textwrap.dedent"
