"""`healthopt diagnose` on input that is not a diagnostics record: exit 2, one line, the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthopt.cli import main


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ({"epochs": ["not an epoch record"]}, "epochs[0]"),
        ({"epochs": [], "architecture": {"layers": "none"}}, "architecture"),
        ({"epochs": "none"}, "epochs"),
    ],
)
def test_malformed_records_exit_2_naming_what_was_wrong(tmp_path: Path, capsys, content, where):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    with pytest.raises(SystemExit) as exit_info:
        main(["diagnose", str(path)])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("healthopt diagnose: error: ") and where in lines[0]
    assert "Traceback" not in lines[0]
