"""Build step: compile the matching core with Cython. Metadata lives in setup.cfg.

The core's modules stay plain Python (`matching/*.py`); each `.pxd` beside one declares its
classes as extension types with typed fields and C-level methods, and Cython compiles the
pair. Without a compiled module Python imports the `.py` itself: same behaviour, slower.
The gateway has one such module too: gateway/memory.py, for its allocators.

With GCC the build is profile-guided: the modules are built once instrumented, trained by
replaying the committed workloads (bench/train.py), and built again with the profile they
wrote, which lets the compiler lay out and inline the hot paths together. The profile
changes speed only, never behaviour; if any step of it fails, the plain build is made
instead. FIXGATEWAY_PGO=0 asks for the plain build (quicker, for a working tree).
"""

import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
TRAINING_WORKLOADS = HERE / "tests" / "data" / "workloads"

# The rule gateway/native.py reports on: a module with a .pxd beside it is compiled.
# (A .pxd without a .py, such as matching/prefetch.pxd, only declares C for the others.)
COMPILED = sorted(str(pxd.with_suffix(".py")) for package in ("matching", "risk", "gateway")
                  for pxd in Path(package).glob("*.pxd") if pxd.with_suffix(".py").exists())

BASE_FLAGS = ["-g0"]  # no debug info: builds in half the time


class ProfileGuidedBuildExt(build_ext):
    """build_ext, profile-guided where it can be (see the module's docstring)."""

    def run(self) -> None:
        self._compiler_choice = self.compiler  # run() replaces it with the compiler it made
        if (os.environ.get("FIXGATEWAY_PGO", "1") == "0" or not TRAINING_WORKLOADS.is_dir()
                or not _compiler_is_gcc()):
            self._build_with([], self.force)  # only what changed, unless told otherwise
            return
        # Every pass compiles everything: none may keep another's objects.
        with tempfile.TemporaryDirectory(prefix="fixgateway-pgo-") as profile:
            done = False
            try:
                self._build_with([f"-fprofile-generate={profile}", "-fprofile-update=single"])
                self._train(Path(profile))
                self._build_with([f"-fprofile-use={profile}", "-fprofile-partial-training",
                                  "-Wno-missing-profile"])
                done = True
            except Exception as exc:  # noqa: BLE001 (any failure: the plain build will do)
                self.warn(f"profile-guided build failed ({exc!r}); building without it")
                self._build_with([])
                done = True
            finally:
                if not done:  # interrupted: no instrumented module may stay behind
                    self._discard_builds()

    def _build_with(self, flags: list[str], force: bool = True) -> None:
        for ext in self.extensions:
            ext.extra_compile_args = [*BASE_FLAGS, *flags]
            ext.extra_link_args = list(flags)
        self.force = force
        self.compiler = self._compiler_choice
        super().run()

    def _train(self, profile: Path) -> None:
        """The training run, in a fresh interpreter that imports the instrumented builds
        (where this build put them) and the sources; its profile is written at exit, one
        file per module that ran instrumented, which must be every one."""
        built = Path(self.get_ext_fullpath("matching.engine")).resolve().parents[1]
        path = os.pathsep.join([str(built), str(HERE), os.environ.get("PYTHONPATH", "")])
        subprocess.run([sys.executable, "-m", "bench.train", str(TRAINING_WORKLOADS)],
                       cwd=built, env={**os.environ, "PYTHONPATH": path}, check=True,
                       timeout=900)
        written = len(list(profile.glob("*.gcda")))
        if written < len(self.extensions):
            raise RuntimeError(f"the training run profiled {written} of "
                               f"{len(self.extensions)} modules")

    def _discard_builds(self) -> None:
        """Delete the modules this build wrote (in the build directory, and in the source
        tree if it builds in place), so that the next build makes them again."""
        inplace, built = self.inplace, set()
        for where in (0, 1) if inplace else (0,):
            self.inplace = where
            built.update(Path(self.get_ext_fullpath(ext.name)) for ext in self.extensions)
        self.inplace = inplace
        for path in built:
            path.unlink(missing_ok=True)


def _compiler_is_gcc() -> bool:
    """Whether the C compiler is GCC, whose profile flags and files the build uses (clang
    takes the same flags but wants its profile merged by another tool)."""
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    try:
        version = subprocess.run([cc[0], "--version"], capture_output=True, text=True,
                                 check=False, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "Free Software Foundation" in version


setup(
    cmdclass={"build_ext": ProfileGuidedBuildExt},
    ext_modules=cythonize(
        [Extension(path[:-3].replace("/", "."), [path], extra_compile_args=BASE_FLAGS)
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
