"""Which modules of the core (matching/, risk/) and of the gateway run compiled, and
whether their compiled builds are current.

A module with a `.pxd` beside it is compiled by Cython at install time (setup.py); Python
then imports the compiled build instead of the `.py`. In the gateway that is only memory.py
(its allocators). Nothing here changes what the code does: it tells operators and tests
which build is running.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPILED_PACKAGES = ("matching", "risk", "gateway")


def compiled_modules() -> list[str]:
    """Dotted names of the modules meant to be compiled: those with a .pxd beside their .py."""
    return sorted(f"{package}.{pxd.stem}" for package in COMPILED_PACKAGES
                  for pxd in (ROOT / package).glob("*.pxd") if pxd.with_suffix(".py").exists())


def running_compiled() -> dict[str, bool]:
    """For each module meant to be compiled, whether the imported one is the compiled build."""
    return {name: not importlib.import_module(name).__file__.endswith(".py")
            for name in compiled_modules()}


def stale_builds() -> list[str]:
    """Compiled builds older than their .py, their .pxd or a .pxd they cimport (directly or
    not): the source changed and was not rebuilt (`python3 -m pip install -e .` rebuilds).
    Judged by file times, so meaningful in a working tree, not in an installed package."""
    stale = []
    for name in compiled_modules():
        base = ROOT / name.replace(".", "/")
        sources = [base.with_suffix(".py"), *(_pxd(dep) for dep in _cimported(name))]
        newest_source = max(path.stat().st_mtime for path in sources)
        for build in base.parent.glob(f"{base.name}.*.so"):
            if build.stat().st_mtime < newest_source:
                stale.append(f"{base.parent.name}/{build.name}")
    return stale


_CIMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+cimport|cimport\s+([\w.]+))", re.MULTILINE)


def _pxd(name: str) -> Path:
    return (ROOT / name.replace(".", "/")).with_suffix(".pxd")


def _cimported(name: str) -> set[str]:
    """`name` and every module whose declarations it cimports, transitively."""
    seen, todo = set(), [name]
    while todo:
        module = todo.pop()
        if module in seen or not _pxd(module).exists():
            continue  # not a module of ours with declarations (e.g. `cython`)
        seen.add(module)
        for match in _CIMPORT.finditer(_pxd(module).read_text(encoding="utf-8")):
            todo.append(match.group(1) or match.group(2))
    return seen


def build() -> str:
    """One word for reports: "compiled", "python" (nothing compiled) or "mixed"."""
    running = set(running_compiled().values())
    return "compiled" if running == {True} else "python" if running <= {False} else "mixed"
