"""Power-law fit of an eigenvalue tail, the way WeightWatcher 0.7.7 fits it by default.

WeightWatcher (`WW_powerlaw.WWFit`) drops eigenvalues <= 1e-5, then tries every eigenvalue as
`xmin`: alpha is the continuous maximum-likelihood estimate on the tail above it, and the
chosen `xmin` is the one whose fitted CDF is closest to the tail's empirical CDF in
Kolmogorov-Smirnov distance. Below 20 eigenvalues it switches to a small-sample variant
(bias-corrected alpha, tails of at least 8). We reproduce both, so alphas agree with
WeightWatcher's, but without its Python loop over candidates: all alphas come from one
cumulative sum, and KS distances are computed for blocks of candidates at once. A cheap
lower bound on every candidate's distance (the distance over a coarse grid of its tail
points) rules out most candidates before their exact distance is needed, which keeps large
spectra (thousands of eigenvalues) far from the O(n^2) cost of trying all. The chosen
candidate is the same as with the full search: a candidate is only skipped when its lower
bound exceeds an exact distance already found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# WeightWatcher's constants (weightwatcher/constants.py, WW_powerlaw.py).
EVALS_THRESHOLD = 1e-5  # eigenvalues at or below are numerical zeros, never xmin candidates
SMALL_N = 20  # fewer non-zero eigenvalues than this: the small-sample fit
SMALL_N_MIN_TAIL = 8
SMALL_N_MIN_SPREAD = 1e-12

# Exact KS distances are computed this many matrix elements at a time (fits in L2 cache).
_BLOCK_ELEMENTS = 1 << 15
# Successive lower-bound passes: (points per tail, longest tail worth the pass). Short
# spectra go straight to exact distances, where a pass would cost more than it saves.
_BOUND_LEVELS = ((8, 48), (32, 256), (128, 1024), (512, 8192))


@dataclass(frozen=True)
class PowerLawFit:
    """The fitted tail: P(lambda) ~ lambda^-alpha for lambda >= xmin.

    `alpha` is None (with `reason`) when no power law can be fitted: no eigenvalue above
    the 1e-5 noise floor, or a tail whose eigenvalues are all equal.
    """

    alpha: float | None
    xmin: float | None
    ks_distance: float | None
    num_tail: int  # eigenvalues >= xmin
    reason: str | None = None


def fit_power_law(evals: np.ndarray) -> PowerLawFit:
    """Fit alpha with xmin chosen by minimum KS distance (WeightWatcher's default fit)."""
    evals = np.asarray(evals, dtype=np.float64).ravel()
    x = np.sort(evals[evals > EVALS_THRESHOLD])
    if x.size == 0:
        return PowerLawFit(None, None, None, 0, f"no eigenvalue above {EVALS_THRESHOLD:g}")
    logs = np.log(x)
    if x.size < SMALL_N:
        best, alpha, ks = _fit_small(x, logs)
    else:
        best, alpha, ks = _fit_standard(x, logs)
    xmin = float(x[best])
    num_tail = int(np.count_nonzero(evals >= xmin))
    if alpha is None or not math.isfinite(alpha):
        reason = "the tail eigenvalues are all equal: no power law to fit"
        return PowerLawFit(None, xmin, None, num_tail, reason)
    return PowerLawFit(alpha, xmin, ks, num_tail)


def _tail_spread(logs: np.ndarray) -> np.ndarray:
    """sum_{j >= i} log(x_j / x_i) for every i: the MLE denominator of each candidate tail."""
    centred = logs - logs[-1]  # keeps the running sums small, so nothing cancels
    suffix = np.cumsum(centred[::-1])[::-1]
    counts = np.arange(logs.size, 0, -1, dtype=np.float64)
    return np.maximum(suffix - counts * centred, 0.0)


def _fit_standard(x: np.ndarray, logs: np.ndarray) -> tuple[int, float | None, float]:
    counts = np.arange(x.size, 1, -1, dtype=np.float64)  # tail sizes of candidates 0..n-2
    spread = _tail_spread(logs)[:-1]
    with np.errstate(divide="ignore"):
        alphas = 1.0 + counts / spread
    tails = _Tails(logs, alphas, counts)
    distances = np.full(alphas.size, np.inf)
    # All tail values equal: alpha is infinite and WeightWatcher's distance is (n - 1) / n.
    flat = spread <= 0.0
    distances[flat] = (counts[flat] - 1.0) / counts[flat]
    live = np.flatnonzero(~flat)
    if live.size:
        _fill_min_distances(tails, live, distances)
    best = int(distances.argmin())
    return best, float(alphas[best]), float(distances[best])


class _Tails:
    """The candidate tails of one spectrum: candidate i is xmin = x[i], alpha[i], n[i] points.

    For candidate i and tail point j >= i, WeightWatcher's KS term is
    |1 - (x_j / x_i) ** (1 - alpha_i) - (j - i) / n_i|; `exact` and `bound` compute it the
    same way, bit for bit, so a bound never exceeds the exact distance it bounds.
    """

    def __init__(self, logs: np.ndarray, alphas: np.ndarray, counts: np.ndarray) -> None:
        self.logs = logs
        self.size = logs.size
        self.decay = 1.0 - alphas  # exponent of the fitted survival function
        self.inv_counts = 1.0 / counts
        self.counts = counts.astype(np.int64)

    def _terms(
        self, cand: np.ndarray, logs: np.ndarray, from_end: np.ndarray, clamp: bool
    ) -> np.ndarray:
        """Max KS term per candidate (rows); `from_end` holds j - len(x) for each point.

        With `clamp`, points before a candidate's xmin (j < i) give 0: their log ratio is
        clamped to 0 and their empirical term to -1, which cancel. Clamping changes no term
        of a point in the tail, so clamped and unclamped terms agree bit for bit.
        """
        val = logs - self.logs[cand][:, None]
        if clamp:
            np.maximum(val, 0.0, out=val)
        val *= self.decay[cand][:, None]
        np.exp(val, out=val)  # (x_j / x_i) ** (1 - alpha_i): 1 - the fitted CDF
        emp = from_end * self.inv_counts[cand][:, None]  # (j - i) / n_i - 1
        if clamp:
            np.maximum(emp, -1.0, out=emp)
        val += emp
        np.abs(val, out=val)
        return val.max(axis=1)

    def exact(self, cand: np.ndarray) -> np.ndarray:
        """KS distances of candidates (ascending indices) over every point of their tails."""
        first = int(cand[0])
        cols = np.arange(first - self.size, 0, dtype=np.float64)[None, :]
        return self._terms(cand, self.logs[None, first:], cols, clamp=cand.size > 1)

    def bound(self, cand: np.ndarray, points: int) -> np.ndarray:
        """KS distances over `points` evenly spaced points of each tail: lower bounds."""
        steps = np.linspace(0.0, 1.0, points)[None, :]
        offsets = (steps * (self.counts[cand] - 1)[:, None]).astype(np.int64)
        from_end = (offsets - self.counts[cand][:, None]).astype(np.float64)
        return self._terms(cand, self.logs[cand[:, None] + offsets], from_end, clamp=False)


def _fill_min_distances(tails: _Tails, live: np.ndarray, distances: np.ndarray) -> None:
    """Exact distances for every candidate that could have the smallest; the rest stay inf.

    A candidate's distance over a few of its tail points is a lower bound on its distance
    over all of them. Bounds over 8, 32, 128, then 512 points per tail (while tails are long
    enough for it to pay) rule out every candidate whose bound exceeds an exact distance
    already found (that of the best-bounded candidate); the survivors get exact distances.
    No ruled-out candidate can have the smallest one.
    """
    upper = float(distances.min())
    cand = live
    for points, min_tail in _BOUND_LEVELS:
        if cand.size < 2 or tails.counts[cand[0]] < min_tail:
            break
        blocks = _blocks(cand, tails.size, width=points)
        bound = np.concatenate([tails.bound(block, points) for block in blocks])
        best = cand[int(bound.argmin())]
        distances[best] = tails.exact(np.array([best]))[0]
        upper = min(upper, float(distances[best]))
        cand = cand[bound <= upper]
    for block in _blocks(cand, tails.size):
        distances[block] = tails.exact(block)


def _blocks(cand: np.ndarray, size: int, width: int | None = None) -> list[np.ndarray]:
    """Split ascending candidates into blocks of about _BLOCK_ELEMENTS terms each.

    With `width` every row has that many terms; otherwise a block's rows span the tail of
    its first (longest-tailed) candidate, size - cand[first].
    """
    out, start = [], 0
    while start < cand.size:
        span = width if width is not None else size - int(cand[start])
        rows = max(1, _BLOCK_ELEMENTS // span)
        out.append(cand[start : start + rows])
        start += rows
    return out


def _fit_small(x: np.ndarray, logs: np.ndarray) -> tuple[int, float | None, float]:
    """WeightWatcher's small-N fit (`WWFit.fit_powerlaw_smallN`) as 0.7.7 returns it.

    It scores tails of at least 8 with the bias-corrected alpha 1 + (n - 1) / spread, and
    computes a tail-size objective, but `WWFit.__init__` then picks xmin by the smallest KS
    distance as in the standard fit, which is what we reproduce. With no tail of 8 or more
    the whole spectrum is the tail.
    """
    n_total = x.size
    spread = _tail_spread(logs)
    best, best_ks, alpha_best = -1, math.inf, None
    for i in range(n_total - 1):
        n = n_total - i
        if n < SMALL_N_MIN_TAIL or spread[i] <= SMALL_N_MIN_SPREAD:
            continue
        alpha = 1.0 + (n - 1.0) / spread[i]
        ks = _ks_one(x[i:], alpha)
        if ks < best_ks:
            best, best_ks, alpha_best = i, ks, alpha
    if best >= 0:
        return best, alpha_best, best_ks
    if spread[0] <= SMALL_N_MIN_SPREAD:
        return 0, None, 1.0
    alpha = 1.0 + (n_total - 1.0) / spread[0]
    return 0, alpha, _ks_one(x, alpha)


def _ks_one(tail: np.ndarray, alpha: float) -> float:
    n = tail.size
    fitted = 1.0 - (tail / tail[0]) ** (1.0 - alpha)
    return float(np.max(np.abs(np.arange(n) / n - fitted)))
