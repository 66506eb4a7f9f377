"""Named weight families and the explicit oplus-BP layer (SPEC 3.4, docs/ARCHITECTURE.md 2-3).

Mirrors lean/TBN/Construction.lean and lean/TBN/Weights.lean name for name: ``project_dim`` is
``projectDim``, ``cross_project`` is ``crossProject``.  Residual layout, ``D = 3 + 3B``:

==========================  =====================================================
dim 0                       log-odds ``l_j`` of the belief (decoder ``sigma(x[0])``)
dims 1, 2                   scratch of head 0 and head 1 (zero between layers)
``OWN = 3 .. 3+B-1``        own code ``c(j)``
``NB0 = 3+B .. 3+2B-1``     code of ``nb0(j)``
``NB1 = 3+2B .. 3+3B-1``    code of ``nb1(j)``
==========================  =====================================================

The weights depend on the code width only (and on n through the number of tokens), never on the
state: that is the quantifier order the paper gets wrong.

Examples
--------
>>> project_dim(3, 0, 2)
[[0, 0, 0], [0, 0, 0], [1, 0, 0]]
>>> binary_code(5, 3)
[1, -1, 1]
"""
from __future__ import annotations

from typing import Sequence

import mpmath
import numpy as np

from ..errors import ModelError
from .model import FFN, Head, Layer, layer_forward

__all__ = [
    "project_dim", "cross_project", "binary_code", "one_hot_code", "code_width", "oplus_width",
    "explicit_oplus_layer", "explicit_oplus_matrix", "encode_oplus_state", "decode_oplus_state",
    "layer_forward", "OWN",
]

OWN = 3
CODES = ("binary", "one_hot")


def _check_nat(**kw) -> None:
    for name, v in kw.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ModelError(f"{name} must be a natural number, got {v!r}")


def project_dim(D: int, i: int, j: int) -> list[list[int]]:
    """``D x D`` matrix with a single 1 at row ``j``, column ``i``: reads dim i, writes dim j.

    Indices outside ``range(D)`` give the zero matrix, as the Lean ``if`` definition does.
    """
    _check_nat(D=D, i=i, j=j)
    return [[1 if (r == j and c == i) else 0 for c in range(D)] for r in range(D)]


def cross_project(D: int, B: int, src: int, dst: int) -> list[list[int]]:
    """``D x D`` matrix with ones at ``(dst+b, src+b)`` for ``b < B``: copies a block of B dims."""
    _check_nat(D=D, B=B, src=src, dst=dst)
    return [[1 if any(r == dst + b and c == src + b for b in range(B)) else 0 for c in range(D)]
            for r in range(D)]


def binary_code(k: int, B: int) -> list[int]:
    """+-1 code of index k: entry b is +1 iff bit b of k is 1 (b = 0 least significant)."""
    _check_nat(k=k, B=B)
    if k >= 2 ** B:
        raise ModelError(f"index {k} needs more than B = {B} bits")
    return [1 if (k >> b) & 1 else -1 for b in range(B)]


def one_hot_code(k: int, B: int) -> list[int]:
    """One-hot code of index k in width B."""
    _check_nat(k=k, B=B)
    if k >= B:
        raise ModelError(f"index {k} does not fit a one-hot code of width {B}")
    return [1 if b == k else 0 for b in range(B)]


def code_width(n: int, code: str = "binary") -> int:
    """Smallest code width that gives n tokens distinct codes (``ceil(log2 n)`` or ``n``)."""
    _check_nat(n=n)
    if code == "one_hot":
        return n
    if code == "binary":
        return max(1, (n - 1).bit_length())
    raise ModelError(f"unknown code {code!r}; use one of {CODES}")


def oplus_width(width: int) -> int:
    """Residual width ``D = 3 + 3B`` of the explicit layer."""
    return 3 + 3 * width


def _ffn_w1(D: int) -> list[list[int]]:
    terms = [(+1, project_dim(D, 1, 0)), (+1, project_dim(D, 2, 0)), (-1, project_dim(D, 0, 0)),
             (-1, project_dim(D, 1, 1)), (-1, project_dim(D, 2, 2))]
    return [[sum(s * m[r][c] for s, m in terms) for c in range(D)] for r in range(D)]


def explicit_oplus_matrix(width: int, name: str, head: int | None = None,
                          code: str = "binary") -> list[list[int]]:
    """One named matrix of ``explicit_oplus_layer(width, code)`` as a list of lists of ints.

    Parameters
    ----------
    width : int
        Code width B (one-hot: B = n).
    name : {"query", "key", "value", "ffn_w1", "ffn_w2"}
    head : {0, 1}, required for query, key, value
    code : {"binary", "one_hot"}
        Both use the same matrices (the code only changes the token data); accepted so the
        manifest can name the instance it extracts.

    Notes
    -----
    The gate compares this entry by entry with the definitions in lean/TBN/Weights.lean.
    """
    _check_nat(width=width)
    if width < 1:
        raise ModelError("code width must be at least 1")
    if code not in CODES:
        raise ModelError(f"unknown code {code!r}; use one of {CODES}")
    D = oplus_width(width)
    nb = (OWN + width, OWN + 2 * width)
    if name in ("query", "key", "value"):
        if head not in (0, 1):
            raise ModelError(f"{name} needs head 0 or 1, got {head!r}")
        if name == "query":
            return cross_project(D, width, nb[head], OWN)
        if name == "key":
            return cross_project(D, width, OWN, OWN)
        return project_dim(D, 0, 1 + head)
    if head is not None:
        raise ModelError(f"{name} belongs to no head; pass head=None")
    if name == "ffn_w1":
        return _ffn_w1(D)
    if name == "ffn_w2":
        return [[1 if r == c else 0 for c in range(D)] for r in range(D)]
    raise ModelError(f"unknown matrix {name!r}; use query, key, value, ffn_w1 or ffn_w2")


def explicit_oplus_layer(width: int, code: str = "binary") -> Layer:
    """The layer whose forward pass is one oplus-BP round on log-odds, for every state.

    Two heads with hard attention (head h gathers the log-odds of ``nb_h(j)`` into scratch dim
    ``1+h``), then a linear FFN that writes ``l_nb0 + l_nb1`` into dim 0 and clears the scratch.
    """
    m = lambda name, head=None: np.array(explicit_oplus_matrix(width, name, head, code),
                                         dtype=np.int64)
    heads = tuple(Head(m("query", h), m("key", h), m("value", h)) for h in (0, 1))
    D = oplus_width(width)
    ffn = FFN(m("ffn_w1"), np.zeros(D, dtype=np.int64), m("ffn_w2"),
              np.zeros(D, dtype=np.int64), "linear")
    return Layer(heads, ffn, "hard")


def encode_oplus_state(nb0: Sequence[int], nb1: Sequence[int], log_odds: Sequence,
                       width: int, code: str = "binary") -> np.ndarray:
    """Token matrix ``(n, 3 + 3B)`` of a state: log-odds, zero scratch, own and neighbour codes.

    ``log_odds`` entries are kept as given (float, Fraction or mpf: the result is then an object
    array, for the exact backends).  They must be finite: a certain belief has infinite log-odds,
    and attention would multiply it by a zero weight (0 * inf is undefined).
    """
    n = len(log_odds)
    if len(nb0) != n or len(nb1) != n:
        raise ModelError(f"nb0, nb1 and log_odds must have one entry per token; got "
                         f"{len(nb0)}, {len(nb1)}, {n}")
    for name, nb in (("nb0", nb0), ("nb1", nb1)):
        for j, k in enumerate(nb):
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < n:
                raise ModelError(f"{name}[{j}] = {k!r} is not a token index in range({n})")
    coder = {"binary": binary_code, "one_hot": one_hot_code}.get(code)
    if coder is None:
        raise ModelError(f"unknown code {code!r}; use one of {CODES}")
    exact = any(not isinstance(v, (float, int, np.floating, np.integer)) for v in log_odds)
    X = np.zeros((n, oplus_width(width)), dtype=object if exact else float)
    for j in range(n):
        if not mpmath.isfinite(mpmath.mpf(log_odds[j]) if not exact else _finite_probe(log_odds[j])):
            raise ModelError(f"log_odds[{j}] = {log_odds[j]!r} is not a finite real")
        X[j, 0] = log_odds[j]
        X[j, OWN:OWN + width] = coder(j, width)
        X[j, OWN + width:OWN + 2 * width] = coder(int(nb0[j]), width)
        X[j, OWN + 2 * width:OWN + 3 * width] = coder(int(nb1[j]), width)
    return X


def _finite_probe(v) -> mpmath.mpf:
    try:
        return mpmath.mpf(v) if not hasattr(v, "denominator") else mpmath.mpf(0)
    except (TypeError, ValueError):
        raise ModelError(f"log-odds {v!r} is not a number") from None


def decode_oplus_state(X, backend: str = "numpy") -> list:
    """Beliefs ``sigma(x_j[0])`` of every token (floats, or mpf for the mpmath backend)."""
    from ..algebra import mp_sigmoid, sigmoid
    f = mp_sigmoid if backend == "mpmath" else sigmoid
    return [f(x) for x in np.asarray(X, dtype=object)[:, 0]]
