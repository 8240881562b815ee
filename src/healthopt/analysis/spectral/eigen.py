"""Eigenvalues of a layer's weight matrices: the empirical spectral density (ESD).

WeightWatcher takes the singular values of each 2-D matrix of a layer (a Conv2D kernel is
kh*kw matrices of (in, out)), squares them and pools them; by default (`conv2d_norm=True`)
it scales Conv2D matrices by sqrt(1/2) first, i.e. their eigenvalues by 1/2. We do the same
with less work: the squared singular values of W are the eigenvalues of its smaller Gram
matrix (W^T W or W W^T), which `eigvalsh` finds faster than an SVD, and the slices of one
layer go through a single batched `eigvalsh` call. Float64 throughout: the eigenvalues that
matter (the tail and everything above WeightWatcher's 1e-5 floor) keep full precision; only
eigenvalues below ~1e-15 of the largest drown in rounding and come out as ~0.
"""

from __future__ import annotations

import numpy as np

from healthopt.analysis.records import WeightRecord

CONV2D_EVAL_SCALE = 0.5  # WeightWatcher's default conv2d_norm: W * sqrt(1/2) per slice
# When a matrix's float64 copy would pass _HUGE_BYTES, or it is tall and at most _NARROW
# wide, its Gram is summed over float64 row chunks instead (see `_chunked_gram`).
_HUGE_BYTES = 256 * 1024 * 1024
_NARROW = 256
_NARROW_CHUNK_BYTES = 4 * 1024 * 1024


def stacked_matrices(record: WeightRecord) -> np.ndarray:
    """The record's matrices as one (count, rows, cols) view, in `record.matrices()` order."""
    w = record.weights
    if w.ndim == 2:
        return w[None]
    if w.ndim in (3, 4):
        return w.reshape(-1, w.shape[-2], w.shape[-1])
    raise ValueError(f"{record.name}: cannot slice a {w.ndim}-D weight tensor into matrices")


def num_evals(record: WeightRecord) -> int:
    """How many eigenvalues `esd(record)` returns, without computing them."""
    count, rows, cols = stacked_matrices(record).shape
    return count * min(rows, cols)


def matrix_dims(record: WeightRecord) -> tuple[int, int]:
    """(N, M) of one matrix of the record, N >= M, as WeightWatcher names them."""
    _, rows, cols = stacked_matrices(record).shape
    return max(rows, cols), min(rows, cols)


def gram(stack: np.ndarray) -> np.ndarray:
    """The smaller Gram matrix of each matrix in a (count, rows, cols) stack, in float64."""
    count, rows, cols = stack.shape
    if count == 1:
        m = stack[0] if rows >= cols else stack[0].T  # the long side becomes the rows
        short = m.shape[1]
        if m.nbytes * 2 > _HUGE_BYTES:
            return _chunked_gram(m, max(1, _HUGE_BYTES // 4 // (8 * short)))[None]
        narrow_chunk = _NARROW_CHUNK_BYTES // (8 * short)
        if rows >= cols and short <= _NARROW and rows >= 2 * narrow_chunk:
            return _chunked_gram(m, narrow_chunk)[None]
        a = m.astype(np.float64)
        return (a.T @ a)[None]  # one 2-D A^T A lets BLAS use its symmetric kernel
    a = stack.astype(np.float64)
    at = a.transpose(0, 2, 1)
    return at @ a if rows >= cols else a @ at


def _chunked_gram(m: np.ndarray, chunk: int) -> np.ndarray:
    """The sum over row chunks C of C^T C, each chunk cast into one reused float64 buffer.

    Never holds a float64 copy of the whole matrix: for a huge one that bounds the memory
    peak, and for a tall, narrow one (a Dense layer after Flatten) it keeps the cast rows
    in cache instead of writing and re-reading a copy twice the matrix's size.
    """
    rows, cols = m.shape
    buffer = np.empty((min(chunk, rows), cols))
    out = np.zeros((cols, cols))
    part_gram = np.empty_like(out)
    for start in range(0, rows, chunk):
        part = buffer[: min(chunk, rows - start)]
        np.copyto(part, m[start : start + chunk])
        np.matmul(part.T, part, out=part_gram)
        out += part_gram
    return out


def esd(record: WeightRecord) -> np.ndarray:
    """All eigenvalues of the record's matrices (squared singular values), sorted ascending.

    Normalised as WeightWatcher's default analyze() does: Conv2D eigenvalues are halved.
    Negative rounding noise from the Gram route is clipped to 0.
    """
    evals = np.linalg.eigvalsh(gram(stacked_matrices(record))).ravel()
    if record.kind == "conv2d":
        evals *= CONV2D_EVAL_SCALE
    np.maximum(evals, 0.0, out=evals)
    evals.sort()
    return evals
