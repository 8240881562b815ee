"""healthopt.records sits at the bottom of the import graph: it must stay cheap to import
(the API, the CLI's help and the dashboard's schema export load it) and TensorFlow-free."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("tensorflow", "keras", "optuna", "matplotlib", "sqlalchemy", "fastapi")


def test_records_import_no_tensorflow_or_other_heavy_library():
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import healthopt.records"],
        capture_output=True,
        text=True,
        check=True,
    )
    # -X importtime writes one line per module to stderr: "import time: self | cumulative | name"
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "healthopt.records" in imported
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY)
    assert heavy == []
