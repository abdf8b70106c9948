"""A guard that ends on a large input: a ~1 MB file of small functions stops at the time budget, says what it
left unchecked, and checks the definitions the change alters before the ones it adds; the files of one
`kenning guard` run share its budget.

The project is the stdlib's textwrap; the file on disk defines `strip_common_indent`, and the change turns it
into a renamed copy of textwrap.dedent, after 4,000-odd new functions.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
import time

import pytest

from conftest import copy_stdlib, renamed_dedent
from kenning.service import Service
from kenning.service.exists import MAX_CODE_BYTES
from kenning.settings import Settings
from serving_project import server_env

# Far less than 4,000-odd lookups take on any machine (each is a few SQL queries), so the budget always
# runs out, however fast the machine; the bound on the whole run is the hook's own time-out.
BUDGET = 0.05
HOOK_TIME_OUT = 60
WORDS = ("invoice", "order", "customer", "shipment", "ledger", "account", "payment", "refund", "tariff", "parcel",
         "vendor", "receipt", "coupon", "basket", "warehouse", "supplier", "quote", "contract", "budget", "expense")
TEMPLATES = (
    '''def load_{w}_{n}(path, encoding="utf-8"):
    """Read the {w} file at path and return its non-empty lines."""
    with open(path, encoding=encoding) as handle:
        return [line.rstrip("\\n") for line in handle if line.strip()]
''',
    '''def {w}_total_{n}(items, rate={n}):
    """Sum the {w} amounts, scaled by rate percent."""
    total = 0
    for item in items:
        total += item.amount * rate / 100
    return round(total, 2)
''',
    '''def is_valid_{w}_{n}(value):
    """Whether value looks like a {w} code."""
    if not isinstance(value, str) or len(value) != {n}:
        return False
    return value[:2].isalpha() and value[2:].isdigit()
''',
    '''def merge_{w}_{n}(left, right):
    """Merge two {w} mappings; right wins on conflicts."""
    merged = dict(left)
    for key, value in right.items():
        if value is not None:
            merged[key] = value
    return merged
''',
)
BEFORE = '''def strip_common_indent(lines, width=4):
    """Drop `width` leading spaces from every line that has them."""
    prefix = " " * width
    return [line[width:] if line.startswith(prefix) else line for line in lines]
'''


def small_functions(size: int) -> tuple[str, int]:
    """Generated module text of about `size` bytes, and how many functions it holds."""
    parts: list[str] = []
    length = 0
    while length < size:
        n = len(parts)
        parts.append(TEMPLATES[n % len(TEMPLATES)].format(w=WORDS[n % len(WORDS)], n=n))
        length += len(parts[-1]) + 2
    return "\n\n".join(parts), len(parts)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_stdlib(tmp_path_factory.mktemp("budget"), "textwrap.py")
    (root / "fmt.py").write_text(BEFORE, encoding="utf-8")
    Service.from_settings(Settings.load(root, embed_on_index=False)).index()  # structure finds the copy
    generated, count = small_functions(MAX_CODE_BYTES - 20_000)
    proposed = generated + "\n\n" + renamed_dedent(root)  # the changed definition comes last
    assert len(proposed.encode()) <= MAX_CODE_BYTES and count > 4_000
    return root, proposed, count


def test_a_1mb_file_stops_at_the_budget_with_a_note_and_checks_the_changed_definition_first(project):
    root, proposed, count = project
    service = Service.from_settings(Settings.load(root))
    started = time.monotonic()
    report = service.guard("fmt.py", content=proposed, time_budget=BUDGET)
    assert time.monotonic() - started < HOOK_TIME_OUT
    assert report["checked"][0] == "fmt.strip_common_indent"
    assert [(f["kind"], f["symbol"], f["existing"]) for f in report["findings"]] == [
        ("duplicate-exact", "fmt.strip_common_indent", "textwrap.dedent")]
    total = count + 1
    left = total - len(report["checked"])
    assert 0 < left < total
    note = next(n for n in report["notices"] if n.startswith("time budget"))
    assert note.startswith(f"time budget ({BUDGET:g} s) spent: {left} of {total} new or changed definitions not"
                           f" checked for duplicates (0 changed, {left} new), from `")
    first_left = re.search(r"from `(\w+)` \(fmt\.py:(\d+)\) on", note)
    assert first_left and f"fmt.{first_left[1]}" not in report["checked"]


def test_the_claude_code_hook_answers_a_1mb_write_within_its_time_out(project):
    root, proposed, _ = project
    event = {"hook_event_name": "PreToolUse", "cwd": str(root), "tool_name": "Write",
             "tool_input": {"file_path": str(root / "fmt.py"), "content": proposed}}
    done = subprocess.run([sys.executable, "-m", "kenning", "guard", "--hook", "claude-code"], input=json.dumps(event),
                          capture_output=True, text=True, timeout=HOOK_TIME_OUT,
                          env=server_env(CLAUDE_PROJECT_DIR=str(root), KENNING_GUARD_TIME_BUDGET=str(BUDGET)))
    assert done.returncode == 0 and done.stderr == ""
    note = json.loads(done.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "[duplicate-exact]" in note and "`textwrap.dedent`" in note
    assert f"note: time budget ({BUDGET:g} s) spent: " in note and "not checked for duplicates" in note


def test_the_files_of_one_run_share_its_budget(project, tmp_path):
    root, _, _ = project
    budget = 0.5  # room for some of the first file's 2,000-odd definitions (all would take seconds), not all
    half, _ = small_functions(MAX_CODE_BYTES // 2)
    diff = "".join("".join(difflib.unified_diff([], half.splitlines(True), "/dev/null", f"b/{name}"))
                   for name in ("first.py", "second.py"))
    (tmp_path / "change.patch").write_text(diff, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kenning", "guard", "--root", str(root), "--diff",
                           str(tmp_path / "change.patch"), "--json"], capture_output=True, text=True, timeout=120,
                          env=server_env(KENNING_GUARD_TIME_BUDGET=str(budget)))
    assert done.returncode == 0, done.stderr
    first, second = json.loads(done.stdout)["reports"]
    spent = [re.match(r"time budget \(([\d.e-]+) s\) spent: ", n) for r in (first, second) for n in r["notices"]]
    assert len(spent) == 2 and all(spent), (first["notices"], second["notices"])
    # The second file gets what the first left, not a budget of its own. (How many definitions each
    # checks depends on the machine, so it is not asserted; the first file always checks its first.)
    assert float(spent[0][1]) <= budget and float(spent[1][1]) < budget / 2
