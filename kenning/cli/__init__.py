"""The `kenning` command line: results to stdout, diagnostics to stderr, one line per error."""

from kenning.cli.app import app, main

__all__ = ["app", "main"]
