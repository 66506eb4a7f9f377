"""The two 'Bayesian wind tunnel' tasks with exact posteriors (Agarwal, Dalal, Misra, arXiv 2512.22471).

Bijection elimination: a fresh uniform permutation ``pi`` of ``V`` symbols per sequence; tokens
``k1, v1, k2, v2, ..., kL`` with keys ``0..V-1`` drawn without replacement and values ``V + pi(k)``;
at every key position the posterior over ``pi(k_t)`` is uniform over the values not yet revealed
(a point mass if the key was already seen).

HMM filtering: ``S`` hidden states, ``O`` symbols, uniform initial state, transition and emission rows
from Dirichlet(1), floored at 0.05 on a 0.01 grid; the posterior after ``o_1..o_t`` is the forward
algorithm's normalised ``alpha_t``.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import ModelError

__all__ = ["bijection_sequences", "bijection_posteriors", "bijection_entropy_bits",
           "bijection_mlp_floor_bits", "grid_dirichlet_rows", "hmm_sample", "forward_filter"]


def bijection_sequences(rng: np.random.Generator, count: int, V: int = 20, L: int | None = None):
    """``count`` sequences of length ``2L - 1`` (default ``L = V - 1``) and their permutations.

    Returns ``(tokens, perms)``: ``tokens[:, 2t]`` is the t-th key, ``tokens[:, 2t+1]`` its value
    ``V + perm[key]``; ``perms`` has shape ``(count, V)``.
    """
    L = V - 1 if L is None else L
    if not 1 <= L <= V:
        raise ModelError(f"bijection needs 1 <= L <= V, got L={L}, V={V}")
    perms = np.argsort(rng.random((count, V)), axis=1)
    keys = np.argsort(rng.random((count, V)), axis=1)[:, :L]
    tokens = np.empty((count, 2 * L - 1), dtype=np.int64)
    tokens[:, 0::2] = keys
    tokens[:, 1::2] = V + np.take_along_axis(perms, keys[:, :L - 1], axis=1)
    return tokens, perms


def bijection_posteriors(tokens: np.ndarray, V: int) -> np.ndarray:
    """Exact posterior over ``pi(k_t)`` at every key position: shape ``(count, L, V)``.

    Works for any token sequence of the layout above, including repeated keys (point mass on the
    value revealed for that key), so it is checked against brute-force enumeration in the tests.
    """
    tokens = np.asarray(tokens)
    count, length = tokens.shape
    L = (length + 1) // 2
    post = np.zeros((count, L, V))
    for s in range(count):
        seen: dict[int, int] = {}
        for t in range(L):
            k = int(tokens[s, 2 * t])
            if k in seen:
                post[s, t, seen[k]] = 1.0
            else:
                free = [v for v in range(V) if v not in seen.values()]
                post[s, t, free] = 1.0 / len(free)
            if 2 * t + 1 < length:
                seen[k] = int(tokens[s, 2 * t + 1]) - V
    return post


def bijection_entropy_bits(V: int, L: int | None = None) -> np.ndarray:
    """Closed form for distinct keys: H at key position t (1-based) is log2(V - t + 1)."""
    L = V - 1 if L is None else L
    return np.log2(V - np.arange(L))


def bijection_mlp_floor_bits(V: int) -> float:
    """A model that sees one token cannot beat uniform over V: log2 V - log2(V!)/(V-1) bits.

    That is the mean of log2 V - log2(V - t + 1) over the V - 1 key positions; 1.107 at V = 20.
    """
    return float(np.log2(V) - np.sum(np.log2(np.arange(2, V + 1))) / (V - 1))


def grid_dirichlet_rows(rng: np.random.Generator, rows: int, cols: int, floor: int = 5,
                        grid: int = 100) -> np.ndarray:
    """Stochastic rows from Dirichlet(1), each entry at least ``floor/grid``, all on a ``1/grid`` grid.

    Integer apportionment: every entry starts at ``floor`` units and the remaining
    ``grid - cols*floor`` units go by largest remainder in proportion to a Dirichlet(1) draw, so
    every row sums to exactly ``grid`` units.  Returns the integer units, shape ``(rows, cols)``;
    divide by ``grid`` for probabilities (exact as Fractions).
    """
    spare = grid - cols * floor
    if spare < 0:
        raise ModelError(f"floor {floor}/{grid} is too large for {cols} columns")
    share = rng.dirichlet(np.ones(cols), size=rows) * spare
    units = np.floor(share).astype(np.int64)
    left = spare - units.sum(axis=1)
    order = np.argsort(-(share - units), axis=1, kind="stable")
    for r in range(rows):
        units[r, order[r, :left[r]]] += 1
    return units + floor


def hmm_sample(rng: np.random.Generator, trans: np.ndarray, emit: np.ndarray, length: int):
    """Hidden states and observations of one HMM run from a uniform initial state."""
    S = trans.shape[0]
    states = np.empty(length, dtype=np.int64)
    obs = np.empty(length, dtype=np.int64)
    s = rng.integers(S)
    for t in range(length):
        if t:
            s = rng.choice(S, p=trans[s])
        states[t] = s
        obs[t] = rng.choice(emit.shape[1], p=emit[s])
    return states, obs


def forward_filter(trans: np.ndarray, emit: np.ndarray, obs) -> np.ndarray:
    """Filtering posteriors p(s_t | o_1..o_t) for every t: shape ``(len(obs), S)``.

    The forward algorithm with normalisation at each step, uniform initial state; ``trans[i, j]``
    is p(s_{t+1} = j | s_t = i) and ``emit[i, o]`` is p(o | s = i).  Object arrays of `Fraction`
    give the exact rational posteriors (the reference for 50-digit comparisons).
    """
    trans = np.asarray(trans)
    emit = np.asarray(emit)
    S = trans.shape[0]
    exact = trans.dtype == object
    out = np.empty((len(obs), S), dtype=object if exact else float)
    prior = np.array([Fraction(1, S)] * S, dtype=object) if exact else np.full(S, 1.0 / S)
    for t, o in enumerate(obs):
        alpha = prior * emit[:, o]
        total = alpha.sum()
        if total <= 0:
            raise ModelError(f"observation {o} at step {t} has probability 0 under the HMM")
        out[t] = alpha / total
        prior = out[t] @ trans
    return out
