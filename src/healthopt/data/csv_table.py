"""`csv:PATH?label=COL[&text=COL2]`: a CSV table with a header row, read with the stdlib csv module.

Labels may be any values: the classes are the sorted distinct values (numerically when every
value is a number, else as text), numbered 0..K-1.

Without `text` the dataset is TABULAR: every other column is a feature, a numeric column as
float32 and a non-numeric one one-hot encoded by scikit-learn's OneHotEncoder. With `text=COL2`
the dataset is TEXT: only COL2 is read, tokenised by scikit-learn's CountVectorizer analyzer
(lowercase words of two or more letters, its default), numbered by frequency and padded as
`loaders.pad_sequences` does.
An empty cell is an error naming its column and line: nothing is imputed behind your back.
No TensorFlow is imported, so the orchestrator may load (and fingerprint) a CSV.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from healthopt.data import loaders
from healthopt.data.errors import DatasetError

# Token ids as keras' imdb/reuters number them: 0 padding, 1 start (unused here), 2 out of
# vocabulary, words from 3 by falling frequency. Sharing keras' OOV id keeps the text
# corruptions' out-of-vocabulary substitution (`corruptions.OOV_ID`) meaning the same here.
PADDING_ID = 0
OOV_ID = 2
FIRST_WORD_ID = 3


@dataclass(frozen=True)
class CsvTable:
    """A CSV's header and rows (each row as long as the header), with where it came from."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> list[str]:
        """The cells of column `name`; DatasetError if any is empty (naming its line)."""
        index = self.columns.index(name)
        cells = [row[index].strip() for row in self.rows]
        for row, cell in enumerate(cells):
            if not cell:
                raise DatasetError(
                    f"{self.path}: column {name!r} is empty on line {row + 2} (data row "
                    f"{row + 1}); fill it in or drop the row (healthopt imputes nothing)"
                )
        return cells


def read_header(path: Path) -> tuple[str, ...]:
    """The CSV's column names (its first row)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"cannot read {path} as a CSV file: {exc}") from exc
    if not header:
        raise DatasetError(f"{path} is empty: a CSV dataset needs a header row of column names")
    return tuple(name.strip() for name in header)


def check_columns(path: Path, label: str | None, text: str | None) -> None:
    """Fail early, from the header alone, when a named column is missing."""
    if label is None:
        raise DatasetError(
            f"a CSV dataset needs its label column: csv:{path}?label=COLUMN "
            "(on the command line, --label COLUMN)"
        )
    columns = read_header(path)
    for role, name in (("label", label), ("text", text)):
        if name is not None and name not in columns:
            raise DatasetError(
                f"{path} has no {role} column {name!r}; its columns are {', '.join(columns)}"
            )
    if text is not None and text == label:
        raise DatasetError(f"{path}: the text column {text!r} is also the label column")
    if text is None and len(columns) < 2:
        raise DatasetError(f"{path} has no feature column besides the label {label!r}")


def read_table(path: Path) -> CsvTable:
    columns = read_header(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows = [tuple(row) for row in reader if row]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"cannot read {path} as a CSV file: {exc}") from exc
    for number, row in enumerate(rows):
        if len(row) != len(columns):
            raise DatasetError(
                f"{path}: data row {number + 1} has {len(row)} cells but the header has "
                f"{len(columns)} columns"
            )
    if not rows:
        raise DatasetError(f"{path} has a header but no data rows")
    return CsvTable(path, columns, tuple(rows))


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def class_labels(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Labels 0..K-1 for `values` and the class names in that order (numeric order when every
    value is a number, so "10" follows "9")."""
    distinct = set(values)
    numbers = {v: _number(v) for v in distinct}
    if all(n is not None and math.isfinite(n) for n in numbers.values()):
        names = sorted(distinct, key=lambda v: (numbers[v], v))
    else:
        names = sorted(distinct)
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int64), names


def _numeric(table: CsvTable, name: str, cells: list[str]) -> np.ndarray | None:
    """The column as float32, or None when a cell is not a number (so it is categorical)."""
    numbers = [_number(cell) for cell in cells]
    if any(n is None for n in numbers):
        return None
    for row, value in enumerate(numbers):
        assert value is not None
        if not math.isfinite(value):
            raise DatasetError(
                f"{table.path}: column {name!r} holds {cells[row]!r} on line {row + 2}; "
                "features must be finite numbers or categories"
            )
    return np.asarray(numbers, dtype=np.float32)[:, np.newaxis]


def _one_hot(cells: list[str]) -> np.ndarray:
    from sklearn.preprocessing import OneHotEncoder

    encoder = OneHotEncoder(sparse_output=False, dtype=np.float32)
    return encoder.fit_transform(np.asarray(cells, dtype=object)[:, np.newaxis])


def tabular_features(table: CsvTable, label: str) -> np.ndarray:
    """Every column but `label`: numbers as float32, categories one-hot, in column order."""
    blocks = []
    for name in table.columns:
        if name == label:
            continue
        cells = table.column(name)
        numeric = _numeric(table, name, cells)
        blocks.append(numeric if numeric is not None else _one_hot(cells))
    return np.concatenate(blocks, axis=1).astype(np.float32)


def token_ids(texts: list[str], vocabulary: int = loaders.TEXT_VOCABULARY) -> np.ndarray:
    """Texts as padded token-id rows: words numbered from FIRST_WORD_ID by falling frequency
    over all texts (ties alphabetically), ids kept below `vocabulary`, rarer words OOV_ID."""
    from sklearn.feature_extraction.text import CountVectorizer

    analyze = CountVectorizer().build_analyzer()
    tokenised = [analyze(text) for text in texts]
    counts = Counter(token for tokens in tokenised for token in tokens)
    ranked = sorted(counts, key=lambda token: (-counts[token], token))
    ids = {token: FIRST_WORD_ID + i for i, token in enumerate(ranked[: vocabulary - FIRST_WORD_ID])}
    return loaders.pad_sequences([[ids.get(t, OOV_ID) for t in tokens] for tokens in tokenised])


def load_csv(path: Path, label: str | None, text: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) from a CSV: TABULAR float32 features, or TEXT token ids when `text` is given."""
    check_columns(path, label, text)
    assert label is not None  # check_columns rejects a missing label
    table = read_table(path)
    y, _ = class_labels(table.column(label))
    if text is not None:
        return token_ids(table.column(text)), y
    return tabular_features(table, label), y
