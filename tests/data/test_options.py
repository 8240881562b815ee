"""The option syntax of user dataset names, and `registry.dataset_with_options`."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthopt.data import DatasetError, dataset_with_options, lookup
from healthopt.data.options import parse_source


def test_options_follow_the_last_question_mark_and_are_url_decoded():
    source = parse_source("csv:/data/what?.csv?label=my+label&text=a%26b")
    assert source.path == "/data/what?.csv"
    assert source.options == {"label": "my label", "text": "a&b"}
    assert parse_source("folder:/data/a?b?").path == "/data/a?b"  # a bare '?' ends the path
    assert parse_source("folder:/plain").options == {}


def test_bad_option_syntax_is_named():
    with pytest.raises(
        DatasetError, match=r"cannot read the options 'label' .* csv:PATH\?key=value"
    ):
        parse_source("csv:/d.csv?label")
    with pytest.raises(DatasetError, match="has no path after 'csv:'"):
        parse_source("csv:?label=y")


def test_dataset_with_options_adds_and_replaces():
    assert dataset_with_options("csv:d.csv", label="species") == "csv:d.csv?label=species"
    assert (
        dataset_with_options("csv:d.csv?label=a&text=t", label="b c")
        == "csv:d.csv?label=b+c&text=t"
    )
    assert (
        dataset_with_options("folder:imgs?color=grayscale", image_size=(28, 14))
        == "folder:imgs?size=28x14&color=grayscale"
    )
    assert dataset_with_options("digits") == "digits"  # nothing to add, nothing checked
    assert parse_source(dataset_with_options("csv:d.csv", label="x&y=z")).options == {
        "label": "x&y=z"
    }


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("folder:imgs", {"label": "y"}, r"label do not apply to folder:PATH .* take size, color"),
        ("csv:d.csv", {"color_mode": "rgb"}, r"color do not apply to csv:PATH .* label, text"),
        ("npz:d.npz", {"label": "y"}, r"apply only to csv:PATH and folder:PATH .* not to npz"),
        ("digits", {"text": "t"}, r"not to 'digits'"),
        ("folder:imgs", {"color_mode": "sepia"}, r"color mode 'sepia'"),
        ("folder:imgs", {"image_size": (0, 3)}, r"image size '0x3'"),
    ],
)
def test_options_that_do_not_apply_are_refused(name, options, message):
    with pytest.raises(DatasetError, match=message):
        dataset_with_options(name, **options)


def test_unknown_dataset_names_the_user_data_forms(tmp_path: Path):
    with pytest.raises(DatasetError, match=r"npz:PATH, csv:PATH\?label=COLUMN or folder:PATH"):
        lookup("my_data")
