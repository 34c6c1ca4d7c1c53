"""Which modules of the core (matching/, risk/) run compiled, and whether their compiled
builds are current.

A core module with a `.pxd` beside it is compiled by Cython at install time (setup.py);
Python then imports the compiled build instead of the `.py`. Nothing here changes what the
core does: it tells operators and tests which build is running.
"""

from __future__ import annotations

import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE_PACKAGES = ("matching", "risk")


def compiled_modules() -> list[str]:
    """Dotted names of the modules meant to be compiled: those with a .pxd beside their .py."""
    return sorted(f"{package}.{pxd.stem}" for package in CORE_PACKAGES
                  for pxd in (ROOT / package).glob("*.pxd") if pxd.with_suffix(".py").exists())


def running_compiled() -> dict[str, bool]:
    """For each module meant to be compiled, whether the imported one is the compiled build."""
    return {name: not importlib.import_module(name).__file__.endswith(".py")
            for name in compiled_modules()}


def stale_builds() -> list[str]:
    """Compiled builds older than their .py or than any .pxd of the core (a module compiles
    against the declarations it cimports): the source changed and was not rebuilt
    (`python3 -m pip install -e .` rebuilds). Judged by file times, so meaningful in a
    working tree, not in an installed package."""
    names = compiled_modules()
    bases = [ROOT / name.replace(".", "/") for name in names]
    newest_pxd = max((base.with_suffix(".pxd").stat().st_mtime for base in bases), default=0.0)
    stale = []
    for base in bases:
        newest_source = max(newest_pxd, base.with_suffix(".py").stat().st_mtime)
        for build in base.parent.glob(f"{base.name}.*.so"):
            if build.stat().st_mtime < newest_source:
                stale.append(f"{base.parent.name}/{build.name}")
    return stale


def build() -> str:
    """One word for reports: "compiled", "python" (nothing compiled) or "mixed"."""
    running = set(running_compiled().values())
    return "compiled" if running == {True} else "python" if running <= {False} else "mixed"
