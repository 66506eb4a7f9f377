"""The transformer of SPEC 3.3: weight records and one forward pass with two backends.

Tokens are the rows of ``X`` (shape ``(n, D)``; the numpy backend also takes a batch
``(..., n, D)``).  Matrices follow the contract of docs/ARCHITECTURE.md: rows are output dims,
columns input dims, so ``(M x)_r = sum_c M[r, c] x_c``.

A layer is attention then FFN:

* head h: scores ``s_jk = (Q_h x_j) . (K_h x_k)``; weights ``alpha_jk`` are either hard (uniform
  over the argmax set of row j) or softmax with inverse temperature ``lam``;
  attention output ``x_j + sum_h sum_k alpha_jk V_h x_k`` (heads run in parallel and add);
* FFN: ``x + W2 act(W1 x + b1) + b2`` with ``act`` in {sigmoid, softplus, linear}.

The numpy backend computes in float64; the mpmath backend at the caller's precision (``dps``,
scoped with ``mpmath.workdps``) and is what the 50-digit checks use.  Both run the same
definitions; hard-attention ties are decided by exact equality of the computed scores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import mpmath
import numpy as np

from ..errors import ModelError

__all__ = ["Head", "FFN", "Layer", "layer_forward", "model_forward", "layer_hidden", "ACTIVATIONS"]

ACTIVATIONS = ("sigmoid", "softplus", "linear")


def _as_matrix(m, name: str) -> np.ndarray:
    """A 2-d array; keeps exact entries (int, Fraction, mpf) as an object array."""
    a = np.asarray(m)
    if a.ndim != 2:
        raise ModelError(f"{name} must be a matrix, got an array of shape {a.shape}")
    if a.dtype.kind not in "biufO":
        raise ModelError(f"{name} must hold numbers, got dtype {a.dtype}")
    if a.dtype.kind == "O":
        for v in a.flat:
            try:
                bad = not mpmath.isfinite(_mpf(v))
            except (TypeError, ValueError):
                raise ModelError(f"{name} holds a non-number {v!r}") from None
            if bad:
                raise ModelError(f"{name} holds a NaN or infinite entry")
    elif not np.isfinite(a.astype(float)).all():
        raise ModelError(f"{name} holds a NaN or infinite entry")
    return a


def _as_vector(v, name: str, size: int) -> np.ndarray:
    a = _as_matrix(np.asarray(v).reshape(1, -1), name)[0]
    if a.shape != (size,):
        raise ModelError(f"{name} must have {size} entries, got {a.shape[0]}")
    return a


@dataclass(frozen=True, eq=False)
class Head:
    """One attention head: query, key and value matrices.

    ``query`` and ``key`` are ``(P, D)`` (any projection width P, the same for both); ``value`` is
    ``(D, D)``.
    """

    query: np.ndarray
    key: np.ndarray
    value: np.ndarray

    def __post_init__(self):
        for name in ("query", "key", "value"):
            object.__setattr__(self, name, _as_matrix(getattr(self, name), name))
        if self.query.shape != self.key.shape:
            raise ModelError(f"query {self.query.shape} and key {self.key.shape} must have the "
                             "same shape")
        d = self.value.shape[0]
        if self.value.shape != (d, d) or self.query.shape[1] != d:
            raise ModelError(f"head matrices do not fit one width: query {self.query.shape}, "
                             f"value {self.value.shape}")

    @property
    def width(self) -> int:
        return self.value.shape[0]


@dataclass(frozen=True, eq=False)
class FFN:
    """Position-wise feed-forward block ``x + W2 act(W1 x + b1) + b2``; ``w1`` is ``(H, D)``."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    activation: str = "linear"

    def __post_init__(self):
        w1 = _as_matrix(self.w1, "ffn w1")
        w2 = _as_matrix(self.w2, "ffn w2")
        hidden, d = w1.shape
        if w2.shape != (d, hidden):
            raise ModelError(f"ffn w2 must be {(d, hidden)} to match w1 {w1.shape}, got {w2.shape}")
        object.__setattr__(self, "w1", w1)
        object.__setattr__(self, "w2", w2)
        object.__setattr__(self, "b1", _as_vector(self.b1, "ffn b1", hidden))
        object.__setattr__(self, "b2", _as_vector(self.b2, "ffn b2", d))
        if self.activation not in ACTIVATIONS:
            raise ModelError(f"unknown activation {self.activation!r}; use one of {ACTIVATIONS}")

    @property
    def width(self) -> int:
        return self.w1.shape[1]


@dataclass(frozen=True, eq=False)
class Layer:
    """Attention (``heads``, possibly none) then FFN, on residual width D.

    ``attention`` is ``"hard"`` (uniform over the argmax set) or ``"softmax"`` with inverse
    temperature ``inv_temperature`` (lambda > 0).
    """

    heads: tuple[Head, ...]
    ffn: FFN
    attention: str = "hard"
    inv_temperature: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "heads", tuple(self.heads))
        d = self.ffn.width
        for h, head in enumerate(self.heads):
            if not isinstance(head, Head):
                raise ModelError(f"head {h} is not a Head record")
            if head.width != d:
                raise ModelError(f"head {h} has width {head.width} but the FFN has width {d}")
        if self.attention not in ("hard", "softmax"):
            raise ModelError(f"attention must be 'hard' or 'softmax', got {self.attention!r}")
        if self.attention == "softmax":
            lam = self.inv_temperature
            if lam is None or not (float(lam) > 0 and np.isfinite(float(lam))):
                raise ModelError("softmax attention needs a finite inverse temperature > 0")

    @property
    def width(self) -> int:
        return self.ffn.width

    @property
    def parameter_count(self) -> int:
        """Number of weight entries (Q, K, V of every head, W1, b1, W2, b2)."""
        n = sum(h.query.size + h.key.size + h.value.size for h in self.heads)
        return n + self.ffn.w1.size + self.ffn.b1.size + self.ffn.w2.size + self.ffn.b2.size


def layer_forward(layer: Layer, X, backend: str = "numpy", dps: int = 50):
    """Apply one layer to the token matrix ``X``.

    Parameters
    ----------
    layer : Layer
    X : array_like, shape ``(n, D)`` (numpy backend: also ``(..., n, D)``)
    backend : {"numpy", "mpmath"}
        float64 arrays, or mpmath numbers at ``dps`` significant digits.
    dps : int
        mpmath precision (ignored by numpy).

    Returns
    -------
    numpy.ndarray
        float64 of the shape of ``X`` (numpy) or an ``(n, D)`` object array of mpf (mpmath).

    Raises
    ------
    ModelError
        ``X`` has the wrong width, or holds NaN.
    """
    if backend == "numpy":
        return _forward_numpy(layer, _tokens_numpy(X, layer.width))
    if backend == "mpmath":
        with mpmath.workdps(dps):
            return _forward_mpmath(layer, _tokens_mpmath(X, layer.width))
    raise ModelError(f"unknown backend {backend!r}; use 'numpy' or 'mpmath'")


def model_forward(layers: Sequence[Layer], X, backend: str = "numpy", dps: int = 50):
    """Apply ``layers`` in order (the same record may repeat: T rounds with the same weights)."""
    for layer in layers:
        X = layer_forward(layer, X, backend, dps)
    return X


def _tokens_numpy(X, d: int) -> np.ndarray:
    a = np.asarray(X, dtype=float)
    if a.ndim < 2 or a.shape[-1] != d:
        raise ModelError(f"tokens must be an (n, {d}) matrix, got shape {a.shape}")
    if np.isnan(a).any():
        raise ModelError("tokens hold NaN")
    return a


def _tokens_mpmath(X, d: int) -> np.ndarray:
    a = np.asarray(X, dtype=object)
    if a.ndim != 2 or a.shape[1] != d:
        raise ModelError(f"tokens must be an (n, {d}) matrix, got shape {a.shape}")
    out = np.empty(a.shape, dtype=object)
    for idx, v in np.ndenumerate(a):
        out[idx] = _mpf(v)
        if mpmath.isnan(out[idx]):
            raise ModelError("tokens hold NaN")
    return out


def _mpf(v) -> mpmath.mpf:
    """Exact conversion of ints and Fractions (numerator / denominator at working precision)."""
    if hasattr(v, "numerator") and hasattr(v, "denominator") and not isinstance(v, float):
        return mpmath.mpf(int(v.numerator)) / int(v.denominator)
    return mpmath.mpf(v)


# --- numpy float64 -----------------------------------------------------------------------------

def _act_numpy(name: str, z: np.ndarray) -> np.ndarray:
    if name == "linear":
        return z
    if name == "softplus":
        return np.logaddexp(0.0, z)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))),
                    np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))


def _forward_numpy(layer: Layer, X: np.ndarray) -> np.ndarray:
    out = X.copy()
    for head in layer.heads:
        q = X @ head.query.astype(float).T
        k = X @ head.key.astype(float).T
        s = q @ np.swapaxes(k, -1, -2)
        if layer.attention == "hard":
            top = s.max(axis=-1, keepdims=True)
            w = (s == top).astype(float)
        else:
            z = float(layer.inv_temperature) * s
            w = np.exp(z - z.max(axis=-1, keepdims=True))
        w /= w.sum(axis=-1, keepdims=True)
        out = out + w @ (X @ head.value.astype(float).T)
    f = layer.ffn
    hidden = _act_numpy(f.activation, out @ f.w1.astype(float).T + f.b1.astype(float))
    return out + hidden @ f.w2.astype(float).T + f.b2.astype(float)


# --- mpmath --------------------------------------------------------------------------------------

def _sparse_rows(m: np.ndarray) -> list[list[tuple[int, mpmath.mpf]]]:
    """Nonzero entries of each row as mpf: large compiled layers are mostly zeros."""
    return [[(int(c), _mpf(m[r, c])) for c in np.flatnonzero(m[r] != 0)]
            for r in range(m.shape[0])]


def _apply(rows, x) -> list:
    return [mpmath.fsum(w * x[c] for c, w in row) if row else mpmath.mpf(0) for row in rows]


def _act_mpmath(name: str, z):
    if name == "linear":
        return z
    if name == "softplus":
        return mpmath.log1p(mpmath.exp(z)) if z <= 0 else z + mpmath.log1p(mpmath.exp(-z))
    return 1 / (1 + mpmath.exp(-z))


def _attention_mpmath(layer: Layer, X: np.ndarray) -> list[list]:
    n = X.shape[0]
    rows = [list(X[j]) for j in range(n)]
    out = [list(r) for r in rows]
    for head in layer.heads:
        qr, kr, vr = _sparse_rows(head.query), _sparse_rows(head.key), _sparse_rows(head.value)
        qs = [_apply(qr, x) for x in rows]
        ks = [_apply(kr, x) for x in rows]
        vs = [_apply(vr, x) for x in rows]
        for j in range(n):
            s = [mpmath.fsum(a * b for a, b in zip(qs[j], ks[k])) for k in range(n)]
            if layer.attention == "hard":
                top = max(s)
                w = [mpmath.mpf(1) if sk == top else mpmath.mpf(0) for sk in s]
            else:
                lam = _mpf(layer.inv_temperature)
                top = max(s)
                w = [mpmath.exp(lam * (sk - top)) for sk in s]
            total = mpmath.fsum(w)
            for k in range(n):
                if w[k]:
                    a = w[k] / total
                    out[j] = [o + a * v for o, v in zip(out[j], vs[k])]
    return out


def _hidden_mpmath(f: FFN, out: list[list]) -> list[list]:
    w1 = _sparse_rows(f.w1)
    b1 = [_mpf(b) for b in f.b1]
    return [[_act_mpmath(f.activation, p + b) for p, b in zip(_apply(w1, y), b1)] for y in out]


def _forward_mpmath(layer: Layer, X: np.ndarray) -> np.ndarray:
    n, d = X.shape
    out = _attention_mpmath(layer, X)
    f = layer.ffn
    w2 = _sparse_rows(f.w2)
    b2 = [_mpf(b) for b in f.b2]
    result = np.empty((n, d), dtype=object)
    for j, hidden in enumerate(_hidden_mpmath(f, out)):
        post = _apply(w2, hidden)
        for r in range(d):
            result[j, r] = out[j][r] + post[r] + b2[r]
    return result


def layer_hidden(layer: Layer, X, dps: int = 50) -> np.ndarray:
    """The FFN's hidden activations ``act(W1 y + b1)`` after attention, shape ``(n, H)``, mpmath.

    What a decoder reads when a layer's belief is one of its sigmoid units (SPEC 3.5).
    """
    with mpmath.workdps(dps):
        out = _attention_mpmath(layer, _tokens_mpmath(X, layer.width))
        return np.array(_hidden_mpmath(layer.ffn, out), dtype=object).reshape(len(out), -1)
