"""Build step: compile the matching core with Cython. Metadata lives in setup.cfg.

The core's modules stay plain Python (`matching/*.py`); each `.pxd` beside one declares its
classes as extension types with typed fields and C-level methods, and Cython compiles the
pair. Without a compiled module Python imports the `.py` itself: same behaviour, slower.
The gateway has one such module too: gateway/memory.py, for its allocators.
"""

from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

# The rule gateway/native.py reports on: a module with a .pxd beside it is compiled.
# (A .pxd without a .py, such as matching/prefetch.pxd, only declares C for the others.)
COMPILED = sorted(str(pxd.with_suffix(".py")) for package in ("matching", "risk", "gateway")
                  for pxd in Path(package).glob("*.pxd") if pxd.with_suffix(".py").exists())

setup(
    ext_modules=cythonize(
        [Extension(path[:-3].replace("/", "."), [path],
                   extra_compile_args=["-g0"])  # no debug info: builds in half the time
         for path in COMPILED],
        language_level=3,
        compiler_directives={
            # Types come from the .pxd files only: the .py annotations document the Python
            # types (`int` means an exact, unbounded integer). The few C integers a .pxd
            # declares are overflow-checked where they could leave their range.
            "annotation_typing": False,
        },
    ),
)
