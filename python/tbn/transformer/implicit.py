"""The implicit graph G(W, x) of any weights, and weighted BP on it (SPEC 3.5).

Weighted BP is defined here without transformers: a `WeightedGraph` has n nodes, for each head h a
row-stochastic matrix ``A[h]`` (``A[h][j][k]`` is the weight of the edge k -> j), a weight ``w[h]``
per head and a bias ``c[j]`` per node.  One round maps log-odds ``l`` to beliefs
``b'_j = sigma(sum_h w[h] g_jh + c[j])`` with ``g_jh = sum_k A[h][j][k] l_k``: every node gathers
one convex combination of its in-neighbours' log-odds per head and updates with a sigmoid.

`implicit_graph` reads G(W, x) off a layer and an input.  The edges are the attention weights, so
they depend on the input x, not on W alone: the graph is implicit in the pair.  The head weights
and biases come from the FFN.  The class of layers it covers (the restriction SPEC 3.5 allows):
dim 0 of every token holds log-odds; every value matrix reads dim 0 only (any output dims, any
scale); queries and keys are arbitrary; attention hard or softmax.  The decoded belief is either

* ``sigma`` of output dim 0 (linear FFN): with ``a = e_0 + W2[0] W1`` the new log-odds is
  ``a . y_j + W2[0] . b1 + b2[0]``; or
* a sigmoid unit u of the FFN (sigmoid FFN): ``sigma(W1[u] . y_j + b1[u])``;

and in both cases ``y_j = x_j + sum_h g_jh V_h[:, 0]`` gives ``w[h] = a . V_h[:, 0]`` and
``c[j] = a . x_j + const`` (so c[j] carries the token's own data, e.g. a self-loop on its log-odds).
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from ..errors import ModelError
from .model import Layer, _mpf

__all__ = ["WeightedGraph", "weighted_bp_round", "implicit_graph", "decoded_beliefs"]


@dataclass(frozen=True)
class WeightedGraph:
    """Weighted directed graph: ``edges[h][j][k]`` (rows sum to 1), ``head_weights[h]``,
    ``bias[j]``."""

    edges: tuple
    head_weights: tuple
    bias: tuple

    @property
    def n(self) -> int:
        return len(self.bias)


def weighted_bp_round(graph: WeightedGraph, log_odds) -> list:
    """One round of weighted BP: beliefs ``sigma(sum_h w_h g_jh + c_j)`` (mpmath)."""
    out = []
    for j in range(graph.n):
        z = graph.bias[j]
        for A, w in zip(graph.edges, graph.head_weights):
            z += w * mpmath.fsum(A[j][k] * log_odds[k] for k in range(graph.n))
        out.append(1 / (1 + mpmath.exp(-z)))
    return out


def _attention_weights(layer: Layer, X) -> list:
    """Row-stochastic attention matrix of every head on input X (the edges of G(W, x))."""
    n = len(X)
    mats = []
    for head in layer.heads:
        q = [[mpmath.fsum(_mpf(head.query[r, c]) * X[j][c] for c in range(len(X[j])))
              for r in range(head.query.shape[0])] for j in range(n)]
        k = [[mpmath.fsum(_mpf(head.key[r, c]) * X[j][c] for c in range(len(X[j])))
              for r in range(head.key.shape[0])] for j in range(n)]
        A = []
        for j in range(n):
            s = [mpmath.fsum(a * b for a, b in zip(q[j], k[m])) for m in range(n)]
            top = max(s)
            if layer.attention == "hard":
                row = [mpmath.mpf(sm == top) for sm in s]
            else:
                row = [mpmath.exp(_mpf(layer.inv_temperature) * (sm - top)) for sm in s]
            total = mpmath.fsum(row)
            A.append([a / total for a in row])
        mats.append(A)
    return mats


def _readout(layer: Layer, unit: int | None):
    """(a, const): the decoded pre-sigmoid value of token j is ``a . y_j + const``."""
    f = layer.ffn
    D = layer.width
    if unit is None:
        if f.activation != "linear":
            raise ModelError("decoding sigma(dim 0) needs a linear FFN; pass unit= for a "
                             "sigmoid FFN")
        a = [(_mpf(1) if c == 0 else _mpf(0))
             + mpmath.fsum(_mpf(f.w2[0, u]) * _mpf(f.w1[u, c]) for u in range(f.w1.shape[0]))
             for c in range(D)]
        const = mpmath.fsum(_mpf(f.w2[0, u]) * _mpf(f.b1[u]) for u in range(f.w1.shape[0]))
        return a, const + _mpf(f.b2[0])
    if f.activation != "sigmoid":
        raise ModelError("decoding a hidden unit needs a sigmoid FFN")
    if not 0 <= unit < f.w1.shape[0]:
        raise ModelError(f"unit {unit} out of range({f.w1.shape[0]})")
    return [_mpf(f.w1[unit, c]) for c in range(D)], _mpf(f.b1[unit])


def implicit_graph(layer: Layer, X, unit: int | None = None, dps: int = 50) -> WeightedGraph:
    """G(W, x): the weighted graph whose one BP round is the layer's decoded output on ``X``.

    Parameters
    ----------
    layer : Layer
        In the class of the module docstring (value matrices read dim 0 only).
    X : array_like, shape (n, D)
        The input; the edges depend on it.
    unit : int, optional
        None: decode ``sigma(output dim 0)`` (linear FFN).  An int: decode that sigmoid unit.
    dps : int
        mpmath precision of the extraction.

    Raises
    ------
    ModelError
        The layer is outside the class (a value matrix reads a dim other than 0; wrong FFN
        activation for the decoding), or X has the wrong shape.
    """
    for h, head in enumerate(layer.heads):
        if np.any(np.asarray(head.value[:, 1:] != 0)):
            raise ModelError(f"head {h}: the value matrix reads dims other than 0; G(W, x) is "
                             "defined for values that copy log-odds (dim 0) only")
    with mpmath.workdps(dps):
        X = [[_mpf(v) for v in row] for row in np.asarray(X, dtype=object)]
        if any(len(row) != layer.width for row in X):
            raise ModelError(f"tokens must have width {layer.width}")
        a, const = _readout(layer, unit)
        weights = tuple(mpmath.fsum(a[r] * _mpf(head.value[r, 0]) for r in range(layer.width))
                        for head in layer.heads)
        bias = tuple(mpmath.fsum(a[c] * x[c] for c in range(layer.width)) + const for x in X)
        edges = tuple(tuple(tuple(row) for row in A) for A in _attention_weights(layer, X))
    return WeightedGraph(edges, weights, bias)


def decoded_beliefs(layer: Layer, X, unit: int | None = None, dps: int = 50) -> list:
    """The layer's own decoded output: ``sigma(dim 0)`` after it, or sigmoid unit ``unit``."""
    from .model import layer_forward, layer_hidden
    if unit is None:
        Y = layer_forward(layer, X, backend="mpmath", dps=dps)
        with mpmath.workdps(dps):
            return [1 / (1 + mpmath.exp(-y)) for y in Y[:, 0]]
    return list(layer_hidden(layer, X, dps=dps)[:, unit])
