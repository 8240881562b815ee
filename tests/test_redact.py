"""Credentials blanked out of URLs, log lines and JSON dumps, in every spelling seen in the wild."""

from __future__ import annotations

import json
import logging

import pytest

from healthopt.api.security import RedactTokens
from healthopt.config import OptimizationConfig
from healthopt.optimize.study import redact_url, stored_config
from healthopt.redact import redact

SECRET = "s3cret"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://u:s3cret@h/db", "postgresql://u:***@h/db"),
        ("postgresql://:s3cret@h/db", "postgresql://:***@h/db"),  # libpq: a password, no user
        # SQLAlchemy reads `/` and `?` inside a password as part of it.
        ("postgresql://u:s3/cret?x@h/db", "postgresql://u:***@h/db"),
        (
            "postgresql://u@h/db?password=s3cret&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        ("/ws/jobs/x?token=s3cret", "/ws/jobs/x?token=***"),
        ("/ws/jobs/x?%74oken=s3cret", "/ws/jobs/x?%74oken=***"),
        ("/ws/jobs/x?a=1&TOKEN=s3cret", "/ws/jobs/x?a=1&TOKEN=***"),
        ("/login?next=%2Fws%3Ftoken%3Ds3cret", "/login?next=/ws?token=***"),
        ("/login?next=%252Fws%253Ftoken%253Ds3cret", "/login?next=/ws?token=***"),
        (
            "s3://b/k?X-Amz-Signature=s3cret&X-Amz-Date=1",
            "s3://b/k?X-Amz-Signature=***&X-Amz-Date=1",
        ),
        ("https://h/v1?api_key=s3cret", "https://h/v1?api_key=***"),
        ("https://h/cb?client_secret=s3cret", "https://h/cb?client_secret=***"),
        ("host=h password=s3cret dbname=d", "host=h password=*** dbname=d"),  # libpq key=value
        ('{"api_token": "s3cret", "n": "s3"}', '{"api_token": "***", "n": "s3"}'),
    ],
)
def test_every_spelling_of_a_credential_is_blanked(text: str, shown: str):
    assert redact(text) == shown
    assert redact(shown) == shown  # redacting twice changes nothing more


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://user@h:5432/db",
        "postgresql://h:5432/db?sslmode=require&application_name=healthopt",
        "sqlite:////tmp/study.db",
        "http://127.0.0.1:8000/jobs?status=running",
        '127.0.0.1:5 - "GET /jobs/abc/plots/0/a%20b.png HTTP/1.1" 200',
        '{"storage_url": null, "trials": 3}',
        "100% done; token count=5",
    ],
)
def test_text_without_credentials_is_unchanged(text: str):
    assert redact(text) == text


def test_a_url_inside_a_log_line_or_json_dump_is_redacted_in_place():
    line = f'storage postgresql://:{SECRET}@db:5432/optuna: OperationalError: "fatal"'
    assert redact(line) == 'storage postgresql://:***@db:5432/optuna: OperationalError: "fatal"'
    dumped = json.dumps({"storage_url": f"postgresql://u@h/db?password={SECRET}", "seed": 1})
    assert json.loads(redact(dumped)) == {
        "storage_url": "postgresql://u@h/db?password=***",
        "seed": 1,
    }


@pytest.mark.parametrize(
    "url", [f"postgresql://u@h/db?password={SECRET}", f"postgresql://:{SECRET}@h/db"]
)
def test_stored_config_never_holds_the_storage_password(url: str):
    config = OptimizationConfig(dataset_name="digits", storage_url=url)
    stored = stored_config(config)
    assert SECRET not in json.dumps(stored)
    assert stored["storage_url"] == redact_url(url) != url


def test_an_encoded_token_in_an_access_log_line_is_blanked():
    # uvicorn's access logger passes the path with its query as an argument.
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", f"/ws/jobs/x?%74oken={SECRET}", "1.1", 101), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    assert SECRET not in record.getMessage()
    assert record.args == ("127.0.0.1:5", "GET", "/ws/jobs/x?%74oken=***", "1.1", 101)
