"""Settings precedence, validation, and that every setting is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kenning.errors import ConfigError
from kenning.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_args_beat_environment_beat_toml_beat_defaults(tmp_path, monkeypatch):
    assert Settings.load(tmp_path).workers == 0
    (tmp_path / "kenning.toml").write_text("workers = 3\nexclude = ['gen/']\n")
    assert Settings.load(tmp_path).workers == 3
    monkeypatch.setenv("KENNING_WORKERS", "5")
    assert Settings.load(tmp_path).workers == 5
    assert Settings.load(tmp_path, workers=1).workers == 1
    assert Settings.load(tmp_path).exclude == ["gen/"]


def test_unknown_or_invalid_values_are_config_errors_that_name_the_key(tmp_path):
    (tmp_path / "kenning.toml").write_text("wrokers = 3\n")
    with pytest.raises(ConfigError, match="wrokers"):
        Settings.load(tmp_path)
    (tmp_path / "kenning.toml").write_text("max_file_bytes = -1\n")
    with pytest.raises(ConfigError, match="max_file_bytes"):
        Settings.load(tmp_path)
    with pytest.raises(ConfigError, match="not a directory"):
        Settings.load(tmp_path / "nowhere")


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    table = text.split("## Configure", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| (\w+) \|", table, flags=re.MULTILINE)) - {"setting"}
    assert documented == set(Settings.model_fields)
    for name in Settings.model_fields:
        if name != "root":
            assert f"KENNING_{name.upper()}" in table
