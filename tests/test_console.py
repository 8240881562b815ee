"""Command output off a terminal: whole phrases on one line, whatever the path or $COLUMNS."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.table import Table

from healthopt.console import output_console

LONG_PHRASE = "health score " + "x" * 300 + " end of phrase"


def test_piped_console_never_wraps_a_line(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "40")
    buffer = io.StringIO()
    output_console(buffer).print(f"[bold]{LONG_PHRASE}[/bold]")
    assert buffer.getvalue() == LONG_PHRASE + "\n"


def test_piped_console_gives_a_table_its_natural_width():
    buffer = io.StringIO()
    table = Table("parameter", "value")
    table.add_row("optimizer", "adam " + "y" * 200)
    output_console(buffer).print(table)
    rows = [line for line in buffer.getvalue().splitlines() if "optimizer" in line]
    assert len(rows) == 1 and ("y" * 200) in rows[0]


def _minimal_record(path: Path) -> Path:
    loss = [2.3, 1.2, 0.8, 0.6]
    epochs = [
        {"epoch": i, "loss": {"train_mean": value, "val": {"val_loss": value + 0.1}}}
        for i, value in enumerate(loss)
    ]
    path.write_text(json.dumps({"epochs": epochs, "logs": []}))
    return path


def test_diagnose_piped_from_a_long_path_keeps_its_header_on_one_line(tmp_path: Path):
    # The failure this guards against: an 80-column fallback broke "health\nscore" when the
    # temporary path in the report's title was long (as it is on CI machines).
    folder = tmp_path.joinpath(*(["a-rather-long-folder-name-for-a-run"] * 6))
    folder.mkdir(parents=True)
    record = _minimal_record(folder / "record.json")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    completed = subprocess.run(
        [sys.executable, "-m", "healthopt.cli", "diagnose", str(record)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    header = completed.stdout.splitlines()[0]
    assert str(record) in header and "health score" in header and "/100" in header
