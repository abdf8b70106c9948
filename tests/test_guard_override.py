"""A guard that ends: a blocked commit says how to override it, and doing exactly that lets it through.

Real `git commit`s through the installed pre-commit hook and a real `kenning choice`; the override holds for
that code (its structural fingerprint) against that existing definition, and for nothing else.
"""

from __future__ import annotations

import re

from conftest import renamed_dedent
from kenning.service import Service
from kenning.settings import Settings
from test_hooks_install import _env, git, kenning, repo  # noqa: F401  # repo: the fixture, a committed textwrap

BLOCK = _env(KENNING_GUARD_BLOCK_ON='["duplicate-exact"]')


def _renamed_indent(root) -> str:
    source = (root / "textwrap.py").read_text(encoding="utf-8")
    start = source.index("def indent(text, prefix, predicate=None):")
    end = re.compile(r"\n(?=\S)").search(source, start).start()  # the next top-level line
    return source[start:end].replace("def indent(", "def prefix_lines(")


def test_a_blocked_commit_passes_once_the_override_it_names_is_recorded(repo):  # noqa: F811
    assert kenning(repo, "hooks", "install", "git").returncode == 0
    (repo / "fmt.py").write_text("import re\n\n\n" + renamed_dedent(repo))
    git(repo, "add", "fmt.py")

    blocked = git(repo, "commit", "-m", "add fmt", env=BLOCK)
    said = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0 and "textwrap.dedent" in said, said
    assert "blocked by guard_block_on (duplicate-exact); to keep it anyway, say why" in said
    commands = re.findall(r"kenning choice (\w+) wrote_new --reason '\.\.\.'", said)
    assert len(commands) == 1, said
    # The next run without a choice is still blocked, under a new query id.
    again = git(repo, "commit", "-m", "add fmt", env=BLOCK)
    assert again.returncode != 0 and commands[0] not in again.stderr

    chosen = kenning(repo, "choice", commands[0], "wrote_new", "--reason", "tabs must stay as they are")
    assert chosen.returncode == 0, chosen.stderr
    passed = git(repo, "commit", "-m", "add fmt", env=BLOCK)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert (f"`strip_common_indent` (fmt.py:4) matches `textwrap.dedent` but was written new on purpose"
            f" (kenning choice {commands[0]} wrote_new: tabs must stay as they are): not reported again") in passed.stderr
    assert git(repo, "log", "--oneline").stdout.count("\n") == 2

    # The same code elsewhere is covered by that choice; other copied code is not.
    service = Service.from_settings(Settings.load(repo, guard_block_on=["duplicate-exact"]))
    assert service.guard("more/fmt.py", content=renamed_dedent(repo))["decision"] == "allow"
    other = service.guard("more/lines.py", content=_renamed_indent(repo))
    copies = [f["existing"] for f in other["findings"] if f["kind"].startswith("duplicate")]
    assert other["decision"] == "block" and copies == ["textwrap.indent"]
    assert other["findings"][0]["override"] == f"kenning choice {other['findings'][0]['query_id']} wrote_new --reason '...'"
