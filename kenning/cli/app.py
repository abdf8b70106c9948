"""The typer app, its shared options, and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from typer.exceptions import TyperException
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kenning import __version__
from kenning.errors import Ambiguous, ConfigError, InvalidInput, KenningError, NotFound
from kenning.service import Service
from kenning.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    name="kenning",
    help="Project memory and code context for AI coding assistants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stdout = Console(soft_wrap=True, highlight=False, emoji=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

RootOption = Annotated[
    Path | None, typer.Option("--root", help="Project root (default: the current directory).", show_default=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

# Exit codes: 1 for "the answer is no" (not found, refused), 2 for bad input or configuration.
_EXIT_CODES = {NotFound: 1, Ambiguous: 1, InvalidInput: 2, ConfigError: 2}


def open_service(root: Path | None, **overrides: Any) -> Service:
    return Service.from_settings(Settings.load(root, **overrides))


def open_index(root: Path | None, **overrides: Any) -> Service:
    """For commands that only read the code index: a root never indexed is an error, and no file is made."""
    return Service.for_reading(Settings.load(root, **overrides))


def _print_version(value: bool) -> None:
    if value:
        stdout.print(f"kenning {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                                   help="Print kenning's version and exit.")] = False) -> None:
    """Project memory and code context for AI coding assistants."""


def run_with_progress(label: str, work: Callable[[Callable[[int, int], None] | None], T], quiet: bool = False) -> T:
    """Run `work(progress)` with a progress bar on a terminal (stderr), or silently otherwise."""
    if quiet or not stderr.is_terminal:
        return work(None)
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=stderr, transient=True) as bar:
        task = bar.add_task(label, total=None)
        return work(lambda done, total: bar.update(task, completed=done, total=total))


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


# Modules whose @app.command() functions make up the CLI.
COMMAND_MODULES = (
    "kenning.cli.index_commands",
    "kenning.cli.search_commands",
    "kenning.cli.rules_commands",
    "kenning.cli.memory_commands",
    "kenning.cli.serve_commands",
    "kenning.cli.guard_commands",
    "kenning.cli.review_commands",
    "kenning.cli.hooks_commands",
)


def register_commands() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(module)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="kenning: %(message)s")
    register_commands()
    try:
        # Outside standalone mode, click returns a command's typer.Exit code instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except KenningError as e:
        # One unwrapped line, whatever the terminal width.
        sys.stderr.write(f"error: {e}\n")
        raise SystemExit(_exit_code(e)) from None
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("aborted\n")
        raise SystemExit(130) from None
    except typer.Exit as e:
        raise SystemExit(e.exit_code) from None
    except TyperException as e:
        # Usage errors (unknown option, missing argument) print themselves, click-style.
        show = getattr(e, "show", None)
        if show is None:
            raise
        show()
        raise SystemExit(getattr(e, "exit_code", 2)) from None


def _exit_code(error: KenningError) -> int:
    for kind, code in _EXIT_CODES.items():
        if isinstance(error, kind):
            return code
    return 1
