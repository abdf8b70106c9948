"""The `kenning` command line: results to stdout, diagnostics to stderr, one line per error.

Importing the package loads nothing: typer and the service load when `main` runs, so the
standard-library-only modules here (running_server, claude_hook, hook_answers, hook_client, which the editor and
git hooks run on every write) stay cheap to import.
"""


def main() -> None:
    from kenning.cli.app import main as run_cli

    run_cli()


__all__ = ["main"]
