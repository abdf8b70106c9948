"""Simulated implementations as guard findings and task-completion reasons (the patterns: indexer/simulation.py).

Only code that ships is judged: tests, examples, docs, fixtures and benchmarks may fake whatever they like.
Python is judged; other languages are left alone (no finding rather than a guess).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from kenning.indexer.simulation import python_definition_simulated, python_replaced, python_simulations
from kenning.models import ParsedFile, Symbol
from kenning.service.result_grouping import is_test_path

SEVERITY = "high"
# Folders whose code is not the product: samples and scaffolding may stand in for real work.
_NOT_PRODUCT = re.compile(r"(^|/)(examples?|docs?|samples?|demos?|benchmarks?|fixtures?|mocks?|fakes?"
                          r"|stubs?|testdata|testing|test_?utils)(/|$)", re.IGNORECASE)
_NOT_PRODUCT_FILES = {"conftest.py", "mock.py", "mocks.py", "fake.py", "fakes.py", "testing.py"}


def judged(path: str) -> bool:
    """Whether code at this path ships, so a simulation there is a finding."""
    return not (is_test_path(path) or _NOT_PRODUCT.search(path) or PurePosixPath(path).name in _NOT_PRODUCT_FILES)


def simulated_findings(parsed: ParsedFile, text: str, changed: set[str] | None = None, before: str = ""
                       ) -> list[dict[str, Any]]:
    """A finding per function in the file that fakes its work; `changed` limits them to those qualified names.
    With the text `before` the change, a working body replaced by a canned answer is one too."""
    if parsed.language != "python" or not judged(parsed.path):
        return []
    symbols = {(s.start_line, s.name): s for s in parsed.symbols}
    findings = []
    simulations = {(s.line, s.name): s for s in python_simulations(text)}
    for sim in python_replaced(before, text) if before else ():
        simulations.setdefault((sim.line, sim.name), sim)
    for sim in sorted(simulations.values(), key=lambda s: s.line):
        symbol = symbols.get((sim.line, sim.name))
        qualified = symbol.qualified_name if symbol is not None else sim.name
        if changed is not None and qualified not in changed:
            continue
        findings.append({
            "kind": "simulated", "severity": SEVERITY, "symbol": qualified, "line": sim.at, "reason": sim.reason,
            "message": f"{parsed.path}:{sim.at}: `{sim.name}` looks finished but fakes its work: {sim.reason};"
                       " implement it for real (sample data and fakes belong in tests)",
        })
    return findings


def symbol_simulated(symbol: Symbol, source: str) -> str | None:
    """Why one linked definition (its text) fakes its work, or None."""
    if symbol.language != "python" or not judged(symbol.path):
        return None
    return python_definition_simulated(source)
