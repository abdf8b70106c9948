"""A committed kenning.toml (or a symlink in the repository) cannot make kenning write memory files outside the root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kenning.errors import ConfigError
from kenning.service import Service
from kenning.settings import Settings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    return root


@pytest.mark.parametrize("setting", ["../outside", "{outside}", "docs/../../outside", "~/../../{outside}"])
def test_a_decisions_dir_outside_the_root_is_refused_naming_the_setting(project: Path, setting: str) -> None:
    value = setting.format(outside=project.parent / "outside")
    (project / "kenning.toml").write_text(f"decisions_dir = {value!r}\n".replace("'", '"'))
    with pytest.raises(ConfigError, match=r"decisions_dir .* outside the project root .*kenning.toml"):
        Settings.load(project)


def test_a_symlinked_decision_folder_that_leads_out_is_refused(project: Path) -> None:
    (project / ".kenning/memory").mkdir(parents=True)
    (project / ".kenning/memory/decisions").symlink_to(project.parent / "outside", target_is_directory=True)
    with pytest.raises(ConfigError, match="decisions_dir '.kenning/memory/decisions' resolves to .*outside"):
        Settings.load(project)


def test_a_symlinked_task_folder_that_leads_out_is_refused_before_writing(project: Path) -> None:
    (project / ".kenning/memory").mkdir(parents=True)
    (project / ".kenning/memory/tasks").symlink_to(project.parent / "outside", target_is_directory=True)
    service = Service.from_settings(Settings.load(project, embed_on_index=False))
    with pytest.raises(ConfigError, match="memory folder .*tasks resolves to .*outside the project root"):
        service.add_task("Escape")
    service.close()
    assert not any((project.parent / "outside").iterdir())


def test_folders_inside_the_root_are_fine(project: Path) -> None:
    (project / "kenning.toml").write_text('decisions_dir = "docs/adr"\n')
    assert Settings.load(project).decisions_dir == Path("docs/adr")


def test_the_cli_refuses_with_exit_2_and_writes_nothing(project: Path) -> None:
    (project / "kenning.toml").write_text('decisions_dir = "../outside"\nembed_on_index = false\n')
    result = subprocess.run(
        [sys.executable, "-m", "kenning", "decision", "add", "--title", "Escape", "--context", "c", "--decision", "d",
         "--root", str(project)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "decisions_dir '../outside' resolves to" in result.stderr
    assert not any((project.parent / "outside").iterdir())
