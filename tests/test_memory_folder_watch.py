"""FolderWatch over real inotify, and the memory cache trusting it instead of stat'ing every file."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from kenning.memory.folder_watch import FolderWatch
from kenning.service import Service
from kenning.settings import Settings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


def test_changes_are_unknown_first_then_named(tmp_path: Path) -> None:
    watch = FolderWatch(tmp_path)
    assert watch.changes() is None  # nothing known before the first look
    assert watch.changes() == set()
    (tmp_path / "0001-a.md").write_text("x")
    (tmp_path / "0002-b.md").write_text("y")
    assert watch.changes() == {"0001-a.md", "0002-b.md"}
    assert watch.changes() == set()
    (tmp_path / "0001-a.md").rename(tmp_path / "0003-c.md")
    (tmp_path / "0002-b.md").unlink()
    assert watch.changes() == {"0001-a.md", "0002-b.md", "0003-c.md"}


def test_two_watches_on_one_folder_each_see_every_change(tmp_path: Path) -> None:
    first, second = FolderWatch(tmp_path), FolderWatch(tmp_path)
    assert first.changes() is None and second.changes() is None
    (tmp_path / "0001-a.md").write_text("x")
    assert first.changes() == {"0001-a.md"}
    (tmp_path / "0002-b.md").write_text("y")
    assert second.changes() == {"0001-a.md", "0002-b.md"}
    assert first.changes() == {"0002-b.md"}


def test_a_replaced_or_missing_folder_is_unknown_until_watched_again(tmp_path: Path) -> None:
    folder = tmp_path / "tasks"
    watch = FolderWatch(folder)
    assert watch.changes() is None and watch.changes() is None  # missing: nothing to watch
    folder.mkdir()
    assert watch.changes() is None
    assert watch.changes() == set()
    (folder / "0001-a.md").write_text("x")
    folder.rename(tmp_path / "old-tasks")
    folder.mkdir()
    assert watch.changes() is None  # the folder it watched went away: look at everything
    (folder / "0001-new.md").write_text("y")
    assert watch.changes() == {"0001-new.md"}


@pytest.fixture
def service(tmp_path: Path) -> Service:
    svc = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    yield svc
    svc.close()


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(service: Service) -> None:
    # A stat would call this file unchanged; the kernel's event says otherwise.
    task = service.add_task("Same size edit")
    path = service.root / task.path
    old = time.time() - 3_600
    os.utime(path, (old, old))
    assert [t.title for t in service.list_tasks()] == ["Same size edit"]
    path.write_text(path.read_text().replace("title: Same size edit", "title: Sane size edit"))
    os.utime(path, (old, old))
    assert [t.title for t in service.list_tasks()] == ["Sane size edit"]


def test_another_process_writing_the_cache_makes_every_file_checked(service: Service, tmp_path: Path) -> None:
    task = service.add_task("Shared cache")
    assert [t.title for t in service.list_tasks()] == ["Shared cache"]
    other = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    try:
        other.add_task("Written by another service")
        assert len(other.list_tasks()) == 2  # the other service rewrites the shared cache file
        path = service.root / task.path
        path.write_text(path.read_text().replace("title: Shared cache", "title: Edited by hand"))
        titles = {t.title for t in service.list_tasks()}
        assert titles == {"Edited by hand", "Written by another service"}
        assert {t.title for t in other.list_tasks()} == titles
    finally:
        other.close()
