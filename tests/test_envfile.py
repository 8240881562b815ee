"""`.env` reading: the shell's variables win, quotes and comments are handled, and a bad line
is named by number without its value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from healthopt.envfile import EnvFileError, load_env_file, parse_env_file


def test_values_quotes_comments_and_export(tmp_path: Path):
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\n\nexport RUNPOD_ENDPOINT_ID=abc123\nRUNPOD_API_KEY='se cret'\n"
        'HEALTHOPT_S3_BUCKET="bucket"  \nAWS_DEFAULT_REGION=eu-west-1 # inline\nEMPTY=\n'
    )
    assert parse_env_file(path) == {
        "RUNPOD_ENDPOINT_ID": "abc123",
        "RUNPOD_API_KEY": "se cret",
        "HEALTHOPT_S3_BUCKET": "bucket",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "EMPTY": "",
    }


def test_the_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / ".env"
    path.write_text("HEALTHOPT_T_SET=file\nHEALTHOPT_T_NEW=file\n")
    monkeypatch.setenv("HEALTHOPT_T_SET", "shell")
    monkeypatch.delenv("HEALTHOPT_T_NEW", raising=False)
    try:
        assert load_env_file(path) == ["HEALTHOPT_T_NEW"]
        assert os.environ["HEALTHOPT_T_SET"] == "shell"
        assert os.environ["HEALTHOPT_T_NEW"] == "file"
    finally:
        os.environ.pop("HEALTHOPT_T_NEW", None)


def test_a_bad_line_is_named_without_its_value(tmp_path: Path):
    path = tmp_path / ".env"
    path.write_text("GOOD=1\nthis is my-secret-value\n")
    with pytest.raises(EnvFileError) as caught:
        parse_env_file(path)
    assert ":2 is not NAME=value" in str(caught.value)
    assert "my-secret-value" not in str(caught.value)


def test_no_file_sets_nothing(tmp_path: Path):
    assert load_env_file(tmp_path / "missing.env") == []
