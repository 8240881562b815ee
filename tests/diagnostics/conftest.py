"""Fixtures for the diagnostics tests over `tests/builders.py`: a healthy history and healthy
architectures that tests copy and change one thing in."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ..builders import (
    HEALTHY_EPOCHS,
    healthy_cnn_architecture,
    healthy_epoch,
    healthy_rnn_architecture,
)


@pytest.fixture
def healthy_epochs() -> list[dict[str, Any]]:
    return [healthy_epoch(k) for k in range(HEALTHY_EPOCHS)]


@pytest.fixture
def cnn_architecture() -> dict[str, Any]:
    return healthy_cnn_architecture()


@pytest.fixture
def rnn_architecture() -> dict[str, Any]:
    return healthy_rnn_architecture()


@pytest.fixture
def clone():
    """deepcopy, so a test can change a fixture's nested dicts without surprises."""
    return copy.deepcopy
