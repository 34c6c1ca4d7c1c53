"""The gateway as a separate process, as ops run it: `python -m gateway run --config FILE`.

Output goes to a file (never a pipe that could fill and block the gateway). Every process
started is stopped by `stop()`, SIGKILL if SIGTERM is not enough.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class GatewayProcess:
    def __init__(self, config: Path, output: Path) -> None:
        self.config, self.output = config, output
        self.proc: subprocess.Popen | None = None

    def launch(self) -> GatewayProcess:
        """Start the process without waiting for anything."""
        self._offset = self.output.stat().st_size if self.output.exists() else 0
        with open(self.output, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gateway", "run", "--config", str(self.config)],
                cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        return self

    def start(self, ready: str = "listening on port", timeout: float = 30.0) -> GatewayProcess:
        """Start and wait until the output shows `ready`; raise if the process exits first."""
        self.launch()
        try:
            self.wait_for_line(ready, timeout)
        except TimeoutError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            raise RuntimeError(f"gateway exited {self.proc.returncode}:\n{self.text()}")
        return self

    def wait_for_line(self, text: str, timeout: float = 20.0) -> str:
        """The first line of this run's output containing `text`, once it is there."""
        end = time.monotonic() + timeout
        while True:
            for line in self.text().splitlines():
                if text in line:
                    return line
            if self.proc.poll() is not None and text not in self.text():
                raise TimeoutError(f"gateway exited {self.proc.returncode} without {text!r}:"
                                   f"\n{self.text()}")
            if time.monotonic() > end:
                raise TimeoutError(f"no line with {text!r} within {timeout}s:\n{self.text()}")
            time.sleep(0.05)

    def text(self) -> str:
        """What this run has printed so far."""
        with open(self.output, "rb") as f:
            f.seek(self._offset)
            return f.read().decode(errors="replace")

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 15.0) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)
