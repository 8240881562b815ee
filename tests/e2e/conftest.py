"""Every test here is a real end-to-end test: it starts `healthopt` processes, servers,
browsers or workers. The `e2e` marker says so, so they can be picked out (`-m e2e`) or
left out (`-m "not e2e"`) while `make test` keeps running them all."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Hooks in a conftest see the whole session's items: mark only this folder's.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)
