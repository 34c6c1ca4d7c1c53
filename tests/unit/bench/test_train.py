"""bench.train, the profile-guided build's training run (setup.py), replays the workloads of
a directory through the core alone and through the risk gate, and says so."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench import train

WORKLOAD = Path(__file__).resolve().parents[2] / "data" / "workloads" / "default_s7.csv"


def test_replays_every_workload_of_the_directory(tmp_path, capsys) -> None:
    shutil.copy(WORKLOAD, tmp_path / "a.csv")
    shutil.copy(WORKLOAD, tmp_path / "b.csv")
    (tmp_path / "notes.txt").write_text("not a workload")

    assert train.main([str(tmp_path)]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("training on 2 workloads; compiled: ")
    assert out[1:] == [f"  {name}: 20800 commands x {train.ROUNDS}" for name in ("a.csv", "b.csv")]


def test_without_a_directory_it_says_how_to_run_it(capsys) -> None:
    assert train.main([]) == 2
    assert "python -m bench.train DIRECTORY" in capsys.readouterr().err
