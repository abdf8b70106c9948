"""`kenning hooks install|uninstall claude-code|git`: the guard and the session brief wired into tools."""

from __future__ import annotations

from typing import Annotated

import typer

from kenning.service import hook_install
from kenning.cli.app import RootOption, app, stdout
from kenning.errors import InvalidInput
from kenning.settings import Settings

hooks_app = typer.Typer(help="Install kenning's Claude Code and git hooks, or remove exactly what was installed.",
                        no_args_is_help=True)
app.add_typer(hooks_app, name="hooks")
TARGETS = ("claude-code", "git")
Target = Annotated[str, typer.Argument(metavar="TARGET", help="claude-code or git.")]


@hooks_app.command()
def install(
    target: Target,
    root: RootOption = None,
    budget: Annotated[int, typer.Option(help="Token budget of the brief injected at session start.")] = 1500,
) -> None:
    """claude-code: .claude/settings.json gets SessionStart (brief), PreToolUse (guard), Stop (handoff reminder).
    git: a pre-commit hook running `kenning guard --staged`."""
    project = Settings.load(root).root
    changes = (hook_install.install_claude(project, budget) if _target(target) == "claude-code"
               else hook_install.install_git(project))
    _report(changes, f"kenning's {target} hooks are already installed; nothing changed")


@hooks_app.command()
def uninstall(target: Target, root: RootOption = None) -> None:
    """Remove what `kenning hooks install` added, keeping everything else."""
    project = Settings.load(root).root
    changes = (hook_install.uninstall_claude(project) if _target(target) == "claude-code"
               else hook_install.uninstall_git(project))
    _report(changes, f"no kenning {target} hooks are recorded as installed; nothing changed")


def _target(target: str) -> str:
    if target not in TARGETS:
        raise InvalidInput(f"unknown hook target {target!r}; use one of {', '.join(TARGETS)}")
    return target


def _report(changes: list[str], unchanged: str) -> None:
    for change in changes or [unchanged]:
        stdout.print(change, markup=False)
