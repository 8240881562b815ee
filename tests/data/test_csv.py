"""`csv:PATH?label=COL[&text=COL2]`: tabular features (numbers, one-hot categories) or text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthopt.data import TABULAR, TEXT, DatasetError, load_dataset, lookup
from healthopt.data.csv_table import FIRST_WORD_ID, OOV_ID, class_labels, load_csv, token_ids
from healthopt.data.fingerprint import fingerprint_dataset


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _table(path: Path, rows: int = 24) -> Path:
    """height (number), colour (category), species (label: 3 text classes)."""
    species = ["oak", "ash", "elm"]
    colours = ["red", "green"]
    lines = ["height,colour,species"]
    lines += [f"{i / 2},{colours[i % 2]},{species[i % 3]}" for i in range(rows)]
    return _write(path, lines)


def test_numeric_and_categorical_columns_become_float_features(tmp_path: Path):
    path = _table(tmp_path / "trees.csv")
    x, y = load_csv(path, "species", None)
    assert x.shape == (24, 3) and x.dtype == np.float32  # height + one-hot green/red
    assert x[:4].tolist() == [[0.0, 0.0, 1.0], [0.5, 1.0, 0.0], [1.0, 0.0, 1.0], [1.5, 1.0, 0.0]]
    # Classes are the sorted label values: ash 0, elm 1, oak 2.
    assert y[:3].tolist() == [2, 0, 1] and y.dtype == np.int64


def test_csv_dataset_is_tabular_local_and_split(tmp_path: Path):
    name = f"csv:{_table(tmp_path / 'trees.csv', rows=60)}?label=species"
    info = lookup(name)
    assert info.modality == TABULAR and info.local
    data = load_dataset(name, seed=1)
    assert data.num_classes == 3 and data.input_shape == (3,)
    assert [len(s) for s in data.splits.values()] == [36, 12, 6, 6]
    assert fingerprint_dataset(name, 1) is not None


def test_numeric_labels_sort_as_numbers():
    y, names = class_labels(["10", "9", "2", "10"])
    assert names == ["2", "9", "10"] and y.tolist() == [2, 1, 0, 2]


def test_text_column_makes_a_text_dataset(tmp_path: Path):
    lines = ["review,stars,ignored"]
    lines += [f"Great great film,good,{i}" for i in range(6)]
    lines += [f'"Awful film, BAD",bad,{i}' for i in range(6)]  # a quoted cell with a comma
    name = f"csv:{_write(tmp_path / 'reviews.csv', lines)}?label=stars&text=review"
    assert lookup(name).modality == TEXT
    data = load_dataset(name, seed=0)
    assert data.modality == TEXT and data.train.x.dtype == np.int32
    assert data.input_shape == (200,) and data.num_classes == 2
    # film (12 uses) 3, great (12) 4, then awful and bad (6 each) 5 and 6: ties alphabetical.
    assert data.vocabulary_size == 7
    x, y = load_csv(tmp_path / "reviews.csv", "stars", "review")
    assert y.tolist() == [1] * 6 + [0] * 6  # bad 0, good 1
    assert x[0, -3:].tolist() == [4, 4, 3] and x[-1, -3:].tolist() == [5, 3, 6]
    assert (x[:, :-3] == 0).all()  # left-padded


def test_token_ids_rank_by_frequency_and_cap_the_vocabulary():
    ids = token_ids(["bb aa AA", "cc aa bb", "dd x"], vocabulary=FIRST_WORD_ID + 2)
    # aa (3) -> 3, bb (2) -> 4, cc and dd fall outside the 2-word vocabulary -> OOV;
    # scikit-learn's analyzer lowercases and, by default, skips one-letter words like x.
    assert ids[:, -3:].tolist() == [[4, 3, 3], [OOV_ID, 3, 4], [0, 0, OOV_ID]]
    assert ids.shape == (3, 200) and ids.dtype == np.int32


@pytest.mark.parametrize(
    ("lines", "option", "message"),
    [
        (["a,b", "1,x"], "", r"needs its label column: csv:.*\?label=COLUMN \(on the command"),
        (["a,b", "1,x"], "?label=c", r"no label column 'c'; its columns are a, b"),
        (["a,b", "1,x"], "?label=b&text=z", r"no text column 'z'"),
        (["a,b", "1,x"], "?label=b&colour=1", r"unknown option\(s\) colour .* take label, text"),
        (["a,b", "1,x", ",y"], "?label=b", r"column 'a' is empty on line 3 \(data row 2\)"),
        (["a,b", "1,x", "2,"], "?label=b", r"column 'b' is empty on line 3"),
        (["a,b", "1,x", "2"], "?label=b", r"data row 2 has 1 cells but the header has 2"),
        (["a,b", "inf,x"], "?label=b", r"column 'a' holds 'inf' on line 2"),
        (["b"], "?label=b", r"no feature column besides the label 'b'"),
        (["a,b"], "?label=b", r"a header but no data rows"),
    ],
)
def test_bad_csv_says_what_is_wrong(tmp_path: Path, lines, option, message):
    path = _write(tmp_path / "bad.csv", lines)
    with pytest.raises(DatasetError, match=message):
        load_dataset(f"csv:{path}{option}")


def test_missing_csv_file(tmp_path: Path):
    with pytest.raises(DatasetError, match="dataset file not found"):
        lookup(f"csv:{tmp_path / 'absent.csv'}?label=y")
