"""The one error type of the data package."""

from __future__ import annotations


class DatasetError(ValueError):
    """The dataset name or file is not one healthopt can load; the message says why."""
