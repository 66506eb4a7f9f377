"""Sum-product on positive factor graphs with attention routing and graph-free weights.

`tbn.transformer.compiler` puts a whole graph into one token and its numbers into the weights.
This module does the opposite, for factor graphs whose tables are strictly positive: one token
per factor-to-variable message slot ``(f, p)`` and one per variable, attention routes the
messages by position codes (as in the explicit oplus construction), and the layers depend only on
four sizes: the largest degree H, arity A, cardinality C and the code width B.  The factor
tables are token data (their logarithms, finite because positive).

Shapes differ between factors, the weights do not, so every slot is padded to arity A and
cardinality C without changing any sum: a padded state of a variable is a copy of its state 0
(its messages equal those of state 0, by induction over rounds), a padded position is a dummy
variable that always receives the uniform message, and the table entry is divided by the number
of copies of each summed state, so ``sum over padded x`` equals ``sum over real x``.

A round (the round of `tbn.bp`) is ``L + 3`` layers, ``L = ceil(log2 C^(A-1))``:

1. H heads: each variable token gathers its incoming messages, a linear FFN sums them into S;
2. 2(A-1) heads: slot ``(f, p)`` gathers, for each other position q, S of ``v_q`` and the message
   ``f -> v_q`` from its sibling slot; their difference is the variable-to-factor message;
3. L softplus layers: the log-sum-exp trees of `compiler` (``a + softplus(b - a)``, each node
   kept as an offset in its leftmost term's scratch dim);
4. a linear layer writes ``mu(x) - mu(0)`` and clears the scratch.

Beliefs after T rounds are read from the variable tokens after layer 1 of round T + 1.
Evidence is conditioned on (observed variables leave, their factors are sliced), so it never
enters the stream as an infinite log.  Zero entries are refused (`compile_factor_graph` handles
them exactly).  Unused heads point at a null token whose data are all zero.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Mapping

import mpmath
import numpy as np

from ..errors import ModelError
from ..graph import FactorGraph
from .model import FFN, Head, Layer, model_forward
from .weights import binary_code

__all__ = ["RoutedShape", "routed_layers", "encode_routed", "routed_marginals"]


@dataclass(frozen=True)
class RoutedShape:
    """The sizes the weights depend on: degree H, arity A, cardinality C, code width B."""

    H: int
    A: int
    C: int
    B: int

    @property
    def R(self) -> int:
        return self.A - 1

    @property
    def K(self) -> int:
        return self.C ** self.R

    def dims(self) -> dict:
        C, H, R, B = self.C, self.H, self.R, self.B
        d, at = {}, 0
        for name, size in (("MU", C), ("S", C), ("GA", H * C), ("GS", R * C), ("GM", R * C),
                           ("LOGF", C ** self.A), ("SCR", C ** self.A), ("OWN", B),
                           ("SRC_A", H * B), ("SRC_S", R * B), ("SRC_M", R * B)):
            d[name] = at
            at += size
        d["D"] = at
        return d

    @property
    def levels(self) -> int:
        return math.ceil(math.log2(self.K)) if self.K > 1 else 0


def _route(D: int, B: int, src: int, own: int, value_from: int, value_to: int, size: int) -> Head:
    q = np.zeros((D, D), dtype=np.int64)
    k = np.zeros((D, D), dtype=np.int64)
    v = np.zeros((D, D), dtype=np.int64)
    for b in range(B):
        q[own + b, src + b] = 1
        k[own + b, own + b] = 1
    for c in range(size):
        v[value_to + c, value_from + c] = 1
    return Head(q, k, v)


def _linear(D: int, M: np.ndarray) -> FFN:
    """FFN adding ``M x`` to the stream (linear units, W2 = I)."""
    return FFN(M, np.zeros(D, dtype=np.int64), np.eye(D, dtype=np.int64),
               np.zeros(D, dtype=np.int64), "linear")


def routed_layers(shape: RoutedShape) -> list[Layer]:
    """The layers of one round; the same list serves every round and every graph that fits."""
    s = shape
    if min(s.H, s.A, s.B) < 1 or s.C < 2:
        raise ModelError(f"need H, A, B >= 1 and C >= 2, got {s}")
    d, D, C, R, K = s.dims(), s.dims()["D"], s.C, s.R, s.K
    layers = []
    # 1: variable tokens gather incoming messages into GA_h; S <- sum_h GA_h; GA cleared
    heads = [_route(D, s.B, d["SRC_A"] + h * s.B, d["OWN"], d["MU"], d["GA"] + h * C, C)
             for h in range(s.H)]
    M = np.zeros((D, D), dtype=np.int64)
    for c in range(C):
        M[d["S"] + c, d["S"] + c] = -1
        for h in range(s.H):
            M[d["S"] + c, d["GA"] + h * C + c] = 1
            M[d["GA"] + h * C + c, d["GA"] + h * C + c] = -1
    layers.append(Layer(heads, _linear(D, M)))
    # 2: slots gather S of v_q and the sibling message f -> v_q
    heads = []
    for r in range(R):
        heads.append(_route(D, s.B, d["SRC_S"] + r * s.B, d["OWN"], d["S"], d["GS"] + r * C, C))
        heads.append(_route(D, s.B, d["SRC_M"] + r * s.B, d["OWN"], d["MU"], d["GM"] + r * C, C))
    layers.append(Layer(heads, _linear(D, np.zeros((D, D), dtype=np.int64))))

    def term(x: int, e: int) -> np.ndarray:
        """Coefficients of term (x, e): LOGF + sum_r (GS_r - GM_r)[digit r of e]."""
        t = np.zeros(D, dtype=np.int64)
        t[d["LOGF"] + x * K + e] = 1
        for r in range(R):
            digit = (e // C ** (R - 1 - r)) % C
            t[d["GS"] + r * C + digit] += 1
            t[d["GM"] + r * C + digit] -= 1
        return t

    # 3: the log-sum-exp trees, one per output state, all tokens alike
    for level in range(1, s.levels + 1):
        half, step = 2 ** (level - 1), 2 ** level
        rows, targets = [], []
        for x in range(C):
            for a in range(0, K, step):
                b = a + half
                if b >= K:
                    continue
                row = term(x, b) - term(x, a)
                row[d["SCR"] + x * K + b] += 1
                row[d["SCR"] + x * K + a] -= 1
                rows.append(row)
                targets.append(d["SCR"] + x * K + a)
        W2 = np.zeros((D, len(rows)), dtype=np.int64)
        for u, t in enumerate(targets):
            W2[t, u] = 1
        layers.append(Layer((), FFN(np.array(rows), np.zeros(len(rows), dtype=np.int64), W2,
                                    np.zeros(D, dtype=np.int64), "softplus")))
    # 4: commit mu(x) = root(x) - root(0), clear GS, GM, SCR
    M = np.zeros((D, D), dtype=np.int64)
    for x in range(C):
        row = term(x, 0) - term(0, 0)
        row[d["SCR"] + x * K] += 1
        row[d["SCR"]] -= 1
        row[d["MU"] + x] -= 1
        M[d["MU"] + x] += row
    for name, size in (("GS", R * C), ("GM", R * C), ("SCR", C ** s.A)):
        for i in range(size):
            M[d[name] + i, d[name] + i] = -1
    layers.append(Layer((), _linear(D, M)))
    return layers


def _conditioned(fg: FactorGraph, evidence: dict, exact: bool) -> list:
    """(scope, log table) of every factor after slicing the observed variables out."""
    out = []
    for f in fg.factors:
        t = f.mp_table() if exact else np.asarray(f.table, dtype=float)
        if not all((v > 0) for v in np.ravel(t)):
            raise ModelError(f"{f.label} has a zero entry; use compile_factor_graph for exact "
                             "zeros")
        idx = tuple(evidence.get(v, slice(None)) for v in f.variables)
        scope = tuple(v for v in f.variables if v not in evidence)
        if scope:
            sliced = np.asarray(t[idx], dtype=object if exact else float)
            out.append((scope, sliced))
    return out


def encode_routed(fg: FactorGraph, evidence: Mapping[str, int] | None = None, *,
                  dps: int | None = None, shape: RoutedShape | None = None):
    """Tokens of a positive factor graph for `routed_layers`; returns ``(X, shape, var_token)``.

    Raises
    ------
    ModelError
        A zero entry, or a ``shape`` too small for the graph.
    """
    if not isinstance(fg, FactorGraph):
        raise ModelError(f"expected a FactorGraph, got {type(fg).__name__}")
    evidence = fg.check_evidence(evidence)
    exact = dps is not None
    with mpmath.workdps(dps or 15):
        factors = _conditioned(fg, evidence, exact)
        free = [v for v in fg.variables if v.name not in evidence]
        card = {v.name: v.cardinality for v in fg.variables}
        slots = [(k, p) for k, (scope, _) in enumerate(factors) for p in range(len(scope))]
        incoming = {v.name: [] for v in free}
        for s_i, (k, p) in enumerate(slots):
            incoming[factors[k][0][p]].append(s_i)
        n = 1 + len(free) + len(slots)
        need = RoutedShape(max([len(x) for x in incoming.values()] + [1]),
                           max([len(sc) for sc, _ in factors] + [1]),
                           max([card[v.name] for v in free] + [2]),
                           max(1, (n - 1).bit_length()))
        if shape is None:
            shape = need
        if shape.H < need.H or shape.A < need.A or shape.C < need.C or shape.B < need.B:
            raise ModelError(f"this graph needs at least {need}, got {shape}")
        d, C, R, K = shape.dims(), shape.C, shape.R, shape.K
        X = np.zeros((n, d["D"]), dtype=object if exact else float)
        if exact:
            X[:] = mpmath.mpf(0)
        var_token = {v.name: 1 + i for i, v in enumerate(free)}
        slot_token = {slot: 1 + len(free) + i for i, slot in enumerate(slots)}
        log = mpmath.log if exact else math.log

        def codes(tok, field, sources):
            X[tok, d["OWN"]:d["OWN"] + shape.B] = binary_code(tok, shape.B)
            for i in range(len(sources)):
                at = d[field] + i * shape.B
                X[tok, at:at + shape.B] = binary_code(sources[i], shape.B)

        for tok in range(n):  # every source field points at the null token by default
            codes(tok, "SRC_A", [0] * shape.H)
            codes(tok, "SRC_S", [0] * R)
            codes(tok, "SRC_M", [0] * R)
        for v in free:
            codes(var_token[v.name], "SRC_A", [slot_token[slots[s]] for s in incoming[v.name]])
        for (k, p), tok in slot_token.items():
            scope, table = factors[k]
            others = [q for q in range(len(scope)) if q != p]
            codes(tok, "SRC_S", [var_token[scope[q]] for q in others] + [0] * (R - len(others)))
            codes(tok, "SRC_M", [slot_token[(k, q)] for q in others] + [0] * (R - len(others)))
            for x in range(C):
                xp = x if x < card[scope[p]] else 0
                for e, digits in enumerate(itertools.product(range(C), repeat=R)):
                    idx, correction = [0] * len(scope), 0
                    idx[p] = xp
                    for r, y in enumerate(digits):
                        if r < len(others):
                            c = card[scope[others[r]]]
                            real = y if y < c else 0
                            idx[others[r]] = real
                            if real == 0 and c < C:
                                correction += log(1 + C - c)
                        else:
                            correction += log(C)
                    X[tok, d["LOGF"] + x * K + e] = log(table[tuple(idx)]) - correction
    return X, shape, var_token


def routed_marginals(fg: FactorGraph, evidence: Mapping[str, int] | None = None, *,
                     rounds: int, dps: int | None = None) -> dict:
    """Beliefs after ``rounds`` BP rounds of the attention-routed transformer."""
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ModelError(f"rounds must be an integer >= 1, got {rounds!r}")
    evidence = fg.check_evidence(evidence)
    X, shape, var_token = encode_routed(fg, evidence, dps=dps)
    block = routed_layers(shape)
    backend = "numpy" if dps is None else "mpmath"
    Y = model_forward(block * rounds + block[:1], X, backend=backend, dps=dps or 50)
    S = shape.dims()["S"]
    out = {}
    with mpmath.workdps(dps or 15):
        for v in fg.variables:
            c = v.cardinality
            if v.name in evidence:
                one = [float(s == evidence[v.name]) for s in range(c)]
                out[v.name] = one if dps is None else [mpmath.mpf(p) for p in one]
                continue
            logs = [Y[var_token[v.name], S + x] for x in range(c)]
            if dps is None:
                top = max(float(l) for l in logs)
                w = [math.exp(float(l) - top) for l in logs]
                out[v.name] = [p / math.fsum(w) for p in w]
            else:
                top = max(logs)
                w = [mpmath.exp(l - top) for l in logs]
                out[v.name] = [p / mpmath.fsum(w) for p in w]
    return out
