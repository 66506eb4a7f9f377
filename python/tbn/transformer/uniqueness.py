"""What the data pin down and what they do not (SPEC 3.6).

* FFN identifiability: if ``sigma(w0 x + w1 y + b)`` matches the exact posterior ``sigma(x + y)``
  at three affinely independent points, then ``(w0, w1, b) = (1, 1, 0)``: taking logits gives
  three independent linear equations.  `identify_update` solves them from data and
  `oplus_distance` says how far any FFN is from the oplus update.
* Routing: a head gathers ``sum_k alpha_jk l_k``; if that equals ``l_m`` for every state, the
  basis states ``l = e_k`` give ``alpha_jk = [k = m]``.  `probe_attention` reads a head's weights
  off the layer this way.
* No literal uniqueness: scores ``(Q x).(K y)`` are unchanged by ``Q -> cQ, K -> K/c`` (c > 0)
  and by ``Q -> RQ, K -> RK`` (R orthogonal), so different weights compute the same layer.
"""
from __future__ import annotations

from typing import Sequence

import mpmath
import numpy as np

from ..errors import ModelError
from .model import FFN, Head, Layer, _mpf, layer_forward

__all__ = ["identify_update", "oplus_distance", "layer_oplus_distance", "probe_attention",
           "rescale_qk", "rotate_qk"]


def identify_update(points: Sequence[tuple], dps: int = 50) -> tuple:
    """Recover ``(w0, w1, b)`` with ``sigma(w0 x + w1 y + b) = p`` at three data points.

    Parameters
    ----------
    points : three ``(x, y, p)``
        Log-odds inputs and the posterior probability to match (0 < p < 1); ints, Fractions,
        floats or mpf.
    dps : int
        mpmath precision.

    Raises
    ------
    ModelError
        Not three points, a p outside (0, 1), or points that are not affinely independent (then
        the update is not determined by them).
    """
    if len(points) != 3:
        raise ModelError(f"need exactly three points, got {len(points)}")
    with mpmath.workdps(dps + 10):
        rows, rhs = [], []
        for x, y, p in points:
            p = _mpf(p)
            if not 0 < p < 1:
                raise ModelError(f"posterior {p} is not in (0, 1)")
            rows.append([_mpf(x), _mpf(y), mpmath.mpf(1)])
            rhs.append(mpmath.log(p / (1 - p)))
        (a, b, c), (d, e, f), (g, h, i) = rows
        det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
        A = mpmath.matrix(rows)
        if abs(det) < mpmath.mpf(10) ** (-dps):
            raise ModelError("the points are affinely dependent: they do not determine the "
                             "update")
        sol = mpmath.lu_solve(A, mpmath.matrix(rhs))
        return tuple(+sol[i] for i in range(3))


def oplus_distance(w0, w1, b) -> mpmath.mpf:
    """Euclidean distance of an update ``sigma(w0 x + w1 y + b)`` from oplus's ``(1, 1, 0)``."""
    return mpmath.sqrt((_mpf(w0) - 1) ** 2 + (_mpf(w1) - 1) ** 2 + _mpf(b) ** 2)


def layer_oplus_distance(layer: Layer, X, unit: int | None = None, dps: int = 50) -> mpmath.mpf:
    """Largest distance from ``(1, 1, 0)`` of the update a two-head layer applies on input X.

    The update of token j is ``sigma(w0 g_j0 + w1 g_j1 + c_j)``, read off the implicit graph
    G(W, x) (`tbn.transformer.implicit`); the explicit oplus layer is at distance 0.
    """
    from .implicit import implicit_graph
    if len(layer.heads) != 2:
        raise ModelError(f"the oplus update has two heads; this layer has {len(layer.heads)}")
    G = implicit_graph(layer, X, unit, dps)
    with mpmath.workdps(dps):
        return max(oplus_distance(G.head_weights[0], G.head_weights[1], c) for c in G.bias)


def probe_attention(layer: Layer, X, head: int, dps: int = 50) -> list[list]:
    """Attention weights ``alpha[j][k]`` of one head on input X, read through the layer.

    Runs the head alone (zero FFN) on X with dim 0 replaced by the basis state ``e_k``; the head
    must read dim 0 through its value matrix and nothing else (``V[:, 1:] = 0``, ``V[:, 0] != 0``)
    and its scores must not depend on dim 0 (query and key ignore it), so the probes do not move
    the attention.
    """
    h = layer.heads[head]
    v = np.asarray(h.value, dtype=object)
    if np.any(v[:, 1:] != 0) or not np.any(v[:, 0] != 0):
        raise ModelError("probe_attention needs a value matrix that reads dim 0 only")
    if np.any(np.asarray(h.query)[:, 0] != 0) or np.any(np.asarray(h.key)[:, 0] != 0):
        raise ModelError("probe_attention needs query and key that ignore dim 0")
    D = layer.width
    alone = Layer((h,), FFN(np.zeros((1, D)), [0], np.zeros((D, 1)), np.zeros(D)),
                  layer.attention, layer.inv_temperature)
    X = np.array(X, dtype=object)
    n = X.shape[0]
    with mpmath.workdps(dps):
        col = [_mpf(c) for c in v[:, 0]]
        norm2 = mpmath.fsum(c * c for c in col)
        alpha = [[None] * n for _ in range(n)]
        for k in range(n):
            Xk = X.copy()
            Xk[:, 0] = [1 if i == k else 0 for i in range(n)]
            Y = layer_forward(alone, Xk, backend="mpmath", dps=dps)
            for j in range(n):
                delta = [_mpf(Y[j, r]) - _mpf(Xk[j, r]) for r in range(D)]
                alpha[j][k] = mpmath.fsum(d * c for d, c in zip(delta, col)) / norm2
    return alpha


def rescale_qk(layer: Layer, c) -> Layer:
    """Every head's query times c and key divided by c (c > 0): the same layer, other weights."""
    if not c > 0:
        raise ModelError(f"the scale must be positive, got {c!r}")
    heads = [Head(np.asarray(h.query, dtype=object) * c, np.asarray(h.key, dtype=object) / c,
                  h.value) for h in layer.heads]
    return Layer(heads, layer.ffn, layer.attention, layer.inv_temperature)


def rotate_qk(layer: Layer, R) -> Layer:
    """Every head's query and key multiplied on the left by R; R must be orthogonal.

    Exact rational rotations (e.g. ``[[3/5, -4/5], [4/5, 3/5]]``) keep the check exact.
    """
    R = np.asarray(R, dtype=object)
    P = layer.heads[0].query.shape[0] if layer.heads else R.shape[0]
    if R.shape != (P, P):
        raise ModelError(f"R must be {P} x {P} to act on the query/key space, got {R.shape}")
    if any((R.T.dot(R))[i, j] != (1 if i == j else 0) for i in range(P) for j in range(P)):
        raise ModelError("R is not orthogonal (R^T R != I)")
    heads = [Head(R.dot(np.asarray(h.query, dtype=object)), R.dot(np.asarray(h.key, dtype=object)),
                  h.value) for h in layer.heads]
    return Layer(heads, layer.ffn, layer.attention, layer.inv_temperature)
