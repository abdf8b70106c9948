"""The store is the only holder of an index connection, and its SQLite failures leave it as StorageError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kenning.api import create_app
from kenning.errors import StorageError
from kenning.service import Service
from kenning.settings import Settings
from serving_project import make_project

PACKAGE = Path(__file__).resolve().parents[1] / "kenning"
# A connection or raw SQL above the store: `.conn`, the bare transaction, or SQL text handed to execute.
_BELOW_THE_STORE = re.compile(r"\.conn\b|\bsql_transaction\b|\.execute(many)?\(")


@pytest.mark.parametrize("layer", ["service", "cli", "api", "mcp"])
def test_no_layer_above_the_store_holds_a_connection_or_writes_sql(layer):
    found = [f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
             for path in sorted((PACKAGE / layer).rglob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if _BELOW_THE_STORE.search(line)]
    assert found == []


@pytest.fixture
def broken(tmp_path):
    """An indexed project whose lexical table is then dropped behind kenning's back (a damaged index)."""
    service = Service.from_settings(Settings.load(make_project(tmp_path), embed_on_index=False))
    service.index()
    with service.store.sql_transaction() as conn:
        conn.execute("DROP TABLE symbols_fts")
    yield service
    service.close()


def test_a_damaged_index_is_a_storage_error_naming_the_index(broken):
    with pytest.raises(StorageError) as caught:
        broken.search("greet")
    assert str(broken.store.path) in str(caught.value) and "symbols_fts" in str(caught.value)


def test_http_answers_503_for_a_damaged_index_not_500(broken):
    client = TestClient(create_app(broken), base_url="http://127.0.0.1", raise_server_exceptions=False)
    answer = client.get("/search", params={"q": "greet"})
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["type"] == "StorageError" and "symbols_fts" in error["message"]


def test_a_failed_write_rolls_back_and_is_a_storage_error(broken):
    before = broken.store.get_meta("last_indexed_at")
    with pytest.raises(StorageError):
        with broken.store.transaction() as writes:
            writes.set_meta("last_indexed_at", "0")
            writes.delete_files(["anything.py"])  # deleting a file's lexical rows needs the dropped table
    assert broken.store.get_meta("last_indexed_at") == before
