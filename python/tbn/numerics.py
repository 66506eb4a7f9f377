"""Log-domain numerics shared by every engine: log-sum-exp and normalisation.

Probabilities are handled as natural logarithms so that long products neither underflow nor
overflow.  A zero probability is ``-inf`` and stays exactly ``-inf``: no routine here adds a tiny
epsilon, and an all-``-inf`` slice (an all-zero distribution) reduces to ``-inf`` without NaN or
warnings, so the caller can detect it and report contradictory evidence.

The float functions work on numpy float64 arrays; `mp_normalize` on a sequence of mpmath numbers
at the caller's ``mpmath.workdps`` precision (never a global setting).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = [
    "logsumexp", "log_normalize", "segment_sum", "segment_logsumexp",
    "mp_normalize",
]


def logsumexp(a: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """log(sum(exp(a))) over ``axis``, shifted by the maximum so that nothing overflows.

    Parameters
    ----------
    a : ndarray of float64
        Log-values; ``-inf`` entries are exact zeros.
    axis : int or tuple of int, optional
        Axes to reduce (all axes by default).
    keepdims : bool
        Keep the reduced axes with length one, for broadcasting back.

    Returns
    -------
    ndarray
        ``-inf`` exactly where every reduced entry is ``-inf``.

    Examples
    --------
    >>> round(float(logsumexp(np.log([0.25, 0.75]))), 12)
    0.0
    >>> float(logsumexp(np.array([-np.inf, -np.inf])))
    -inf
    """
    a = np.asarray(a, dtype=np.float64)
    shift = np.max(a, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - shift), axis=axis, keepdims=True)) + shift
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out


def log_normalize(a: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Normalise log-values so that their exponentials sum to one along ``axis``.

    Returns
    -------
    normalised, log_total : ndarray, ndarray
        ``log_total`` is ``-inf`` where the slice was all zeros; the normalised slice is then all
        ``-inf`` too, and it is the caller's job to decide what a zero distribution means.
    """
    total = logsumexp(a, axis=axis, keepdims=True)
    safe = np.where(np.isfinite(total), total, 0.0)
    return np.asarray(a, dtype=np.float64) - safe, np.squeeze(total, axis=axis)


def segment_sum(a: np.ndarray, starts: np.ndarray, segment_of: np.ndarray) -> np.ndarray:
    """Sums of consecutive segments of a flat array (no segment empty).

    ``np.bincount`` is several times faster than ``np.add.reduceat`` on many short segments and
    slower on long ones, so the mean segment length picks one; both give the same sums up to
    rounding.

    Examples
    --------
    >>> segment_sum(np.array([1.0, 3.0, 2.0]), np.array([0, 2]), np.array([0, 0, 1])).tolist()
    [4.0, 2.0]
    """
    if len(a) < 8 * len(starts):
        return np.bincount(segment_of, weights=a, minlength=len(starts))
    return np.add.reduceat(a, starts)


def segment_logsumexp(a: np.ndarray, starts: np.ndarray, segment_of: np.ndarray) -> np.ndarray:
    """Log-sum-exp of consecutive segments of a flat array, without a Python loop.

    Parameters
    ----------
    a : 1-d ndarray of float64
        Log-values, segments stored one after another.
    starts : 1-d ndarray of int
        Start offset of every segment, increasing; no segment is empty.
    segment_of : 1-d ndarray of int
        For every entry of ``a``, the index of its segment (``np.repeat(arange, lengths)``);
        passed in because callers reuse it every iteration.

    Returns
    -------
    ndarray
        One value per segment, ``-inf`` exactly for an all-``-inf`` segment.

    Examples
    --------
    >>> a = np.log([1.0, 3.0, 2.0])
    >>> np.exp(segment_logsumexp(a, np.array([0, 2]), np.array([0, 0, 1]))).round(12).tolist()
    [4.0, 2.0]
    """
    shift = np.maximum.reduceat(a, starts)
    shift[~np.isfinite(shift)] = 0.0
    with np.errstate(divide="ignore"):
        return np.log(segment_sum(np.exp(a - shift[segment_of]), starts, segment_of)) + shift


def mp_normalize(values: Sequence) -> list:
    """Divide nonnegative mpmath numbers by their sum; raises ZeroDivisionError if all are zero."""
    import mpmath

    total = mpmath.fsum(values)
    if total == 0:
        raise ZeroDivisionError("cannot normalise an all-zero distribution")
    return [v / total for v in values]
