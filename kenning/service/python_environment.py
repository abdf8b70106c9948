"""Whether a top-level Python module is importable in the project's own interpreter environment.

The project's environment is its virtualenv (`.venv` or `venv` under the root, recognised by its
`pyvenv.cfg`). Nothing is imported: a module is looked up as the import system's path finder would,
on the environment's site-packages, plus the standard library's names. A project without such an
environment gets no answer (None), and the guard then leaves third-party imports alone.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path

_VENV_NAMES = (".venv", "venv")
STDLIB = frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names) | {"__future__"}


@lru_cache(maxsize=32)
def site_packages(root: Path) -> tuple[str, ...] | None:
    for name in _VENV_NAMES:
        venv = root / name
        if (venv / "pyvenv.cfg").is_file():
            found = sorted(str(p) for p in venv.glob("lib/python3*/site-packages")) + \
                sorted(str(p) for p in venv.glob("Lib/site-packages"))
            return tuple(found) or None
    return None


def installed(root: Path, top: str) -> bool | None:
    """True or False for the project's environment; None when the project has none kenning can read."""
    if top in STDLIB:
        return True
    paths = site_packages(root)
    if paths is None:
        return None
    try:
        return PathFinder.find_spec(top, list(paths)) is not None
    except (ImportError, ValueError, OSError):
        return None
