"""What the walker sees and what it skips, with reasons."""

from __future__ import annotations

import os
from pathlib import Path

from kenning.indexer.walker import walk
from kenning.service import Service
from kenning.settings import Settings


def _write(root: Path, rel: str, content: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


def test_gitignore_nested_gitignore_and_excludes_are_respected(tmp_path):
    _write(tmp_path, ".gitignore", "build/\n*.gen.py\n")
    _write(tmp_path, "src/keep.py", "def keep(): pass\n")
    _write(tmp_path, "src/skip.gen.py", "def gen(): pass\n")
    _write(tmp_path, "build/out.py", "def out(): pass\n")
    _write(tmp_path, "pkg/.gitignore", "local_only.py\n")
    _write(tmp_path, "pkg/local_only.py", "x = 1\n")
    _write(tmp_path, "pkg/mod.py", "x = 1\n")
    _write(tmp_path, "other/local_only.py", "x = 1\n")  # the nested rule applies only below pkg/
    _write(tmp_path, "vendor/lib.py", "x = 1\n")
    _write(tmp_path, "node_modules/dep/index.js", "function f() {}\n")
    result = walk(tmp_path, exclude=["vendor/"], max_file_bytes=10_000)
    assert sorted(c.path for c in result.candidates) == ["other/local_only.py", "pkg/mod.py", "src/keep.py"]


def test_skips_are_counted_by_reason(tmp_path):
    _write(tmp_path, "ok.py", "def ok():\n    return 1\n")
    _write(tmp_path, "big.py", "x = 1\n" * 5_000)
    _write(tmp_path, "notes.txt", "prose")
    _write(tmp_path, "blob.py", b"\x00\x01\x02 not text")
    _write(tmp_path, "bundle.min.js", "var a=1;" * 1_000)
    os.symlink(tmp_path / "ok.py", tmp_path / "link.py")
    svc = Service.from_settings(Settings.load(tmp_path, max_file_bytes=20_000, max_line_length=500))
    report = svc.index()
    assert report.files_indexed == 1
    assert report.skipped_by_reason == {
        "oversized": 1, "unsupported_language": 1, "binary": 1, "minified": 1, "symlink": 1,
    }
    assert report.files_skipped == 5
    assert [s.name for s in svc.store.all_symbols()] == ["ok"]


def test_bad_bytes_and_syntax_errors_are_indexed_as_far_as_possible(tmp_path):
    _write(tmp_path, "latin1.py", "# caf\xe9\ndef good():\n    return 'd\xe9j\xe0'\n".encode("latin-1"))
    _write(tmp_path, "broken.py", "def fine():\n    return 1\n\ndef broken(:\n    pass\n\nclass After:\n    pass\n")
    _write(tmp_path, "empty.py", "")
    svc = Service.from_settings(Settings.load(tmp_path))
    report = svc.index()
    assert report.files_indexed == 3
    assert report.decode_errors == 1
    assert report.parse_errors == 1
    names = {s.qualified_name for s in svc.store.all_symbols()}
    assert {"latin1.good", "broken.fine", "broken.After"} <= names
