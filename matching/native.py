"""Which modules of the core run compiled, and whether their compiled builds are current.

A core module with a `.pxd` beside it is compiled by Cython at install time (setup.py);
Python then imports the compiled build instead of the `.py`. Nothing here changes what the
core does: it tells operators and tests which build is running.
"""

from __future__ import annotations

import importlib
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def compiled_modules() -> list[str]:
    """Names of the modules meant to be compiled: those with a .pxd beside their .py."""
    return sorted(p.stem for p in _PACKAGE.glob("*.pxd") if p.with_suffix(".py").exists())


def running_compiled() -> dict[str, bool]:
    """For each module meant to be compiled, whether the imported one is the compiled build."""
    return {name: not importlib.import_module(f"matching.{name}").__file__.endswith(".py")
            for name in compiled_modules()}


def stale_builds() -> list[str]:
    """Compiled builds older than their .py or .pxd: the source changed and was not rebuilt
    (`python3 -m pip install -e .` rebuilds). Judged by file times, so meaningful in a
    working tree, not in an installed package."""
    stale = []
    for name in compiled_modules():
        sources = [_PACKAGE / f"{name}.py", _PACKAGE / f"{name}.pxd"]
        newest_source = max(p.stat().st_mtime for p in sources)
        for build in _PACKAGE.glob(f"{name}.*.so"):
            if build.stat().st_mtime < newest_source:
                stale.append(build.name)
    return stale
