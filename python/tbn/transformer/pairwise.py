"""Sum-product on binary pairwise factor graphs with attention routing and graph-free weights.

SPEC 3.4: with cavity log-odds l, the message of a positive pairwise factor f has log-odds
``log(f01/f00) + softplus(l + log(f11/f01)) - softplus(l + log(f10/f00))``.  Here that formula
runs on many tokens with one set of weights that depends only on the maximum degree H and the
code width B, never on the graph or its numbers; the factor constants are token data, as the
neighbour codes are in the explicit oplus construction.

Tokens: a null token (all zero: log-odds 0 is the uniform message, so gathering it adds nothing);
one per variable; one per directed edge ``(f: i -> j)`` of every pairwise factor and one per
unary factor ``(f: -> j)`` (constants ``c1 = c2 = 0``, so its message is ``c0`` from round 1 on,
uniform before, exactly as in `tbn.bp`).  Residual layout, ``D = 5 + H + B + H B``:

==================  ===========================================================================
dim 0 (``MSG``)     edge tokens: the message log-odds ``m_{f: i->j}``; zero on other tokens
dim 1 (``CAV``)     cavity log-odds: the sum of the gathered messages
dims 2 .. 2+H-1     scratch of head h (zero between layers)
``C0, C1, C2``      data: ``log(f01/f00)``, ``log(f11/f01)``, ``log(f10/f00)`` (edge tokens)
``OWN``             own code (B dims), then the codes of the H sources (B dims each)
==================  ===========================================================================

Head h routes by codes as in `tbn.transformer.weights` (query: code of source h, key: own code,
value: ``MSG`` into scratch h).  Edge ``(f: i -> j)`` gathers the messages into i from every
factor but f; a variable token gathers all messages into it; unused heads point at the null token.
The softplus FFN writes the new message (two units for the formula, and a pair
``softplus(y) - softplus(-y) = y`` for each linear term: replacing the old message, writing the
cavity, clearing the scratch).  Layer t maps the messages of round t - 1 to those of round t, and
a variable token's ``CAV`` after layer t is the log-odds belief of round t - 1: T BP rounds are
T + 1 applications of the same layer.

Observed variables are conditioned on exactly (a pairwise factor with one observed end becomes a
unary factor on the other), so hard evidence never enters the stream as an infinite log-odds.  Zero factor
entries would make the constants infinite: they are refused (use `compile_factor_graph`).
"""
from __future__ import annotations

import math
from typing import Mapping

import mpmath
import numpy as np

from ..algebra import sigmoid
from ..errors import ModelError
from ..graph import FactorGraph
from .model import FFN, Head, Layer, model_forward
from .weights import binary_code, cross_project, project_dim

__all__ = ["pairwise_width", "pairwise_layer", "encode_pairwise", "pairwise_marginals"]

MSG, CAV, GATHER = 0, 1, 2


def _dims(H: int, B: int) -> dict:
    c0 = GATHER + H
    return {"C0": c0, "C1": c0 + 1, "C2": c0 + 2, "OWN": c0 + 3, "D": c0 + 3 + B + H * B}


def pairwise_width(H: int, B: int) -> int:
    """Residual width ``5 + H + B + H B``."""
    return _dims(H, B)["D"]


def pairwise_layer(H: int, B: int) -> Layer:
    """The layer: H routing heads and a softplus FFN; depends on H and B only."""
    if H < 1 or B < 1:
        raise ModelError(f"need at least one head and one code bit, got H={H}, B={B}")
    d = _dims(H, B)
    D = d["D"]
    heads = []
    for h in range(H):
        src = d["OWN"] + B + h * B
        heads.append(Head(np.array(cross_project(D, B, src, d["OWN"])),
                          np.array(cross_project(D, B, d["OWN"], d["OWN"])),
                          np.array(project_dim(D, MSG, GATHER + h))))
    gathered = np.zeros(D)
    gathered[[GATHER + h for h in range(H)]] = 1
    rows, out = [], []  # (W1 row, W2 column)
    for const, sign in ((d["C1"], 1), (d["C2"], -1)):  # the two softplus units of the formula
        r = gathered.copy()
        r[const] = 1
        rows.append(r)
        out.append({MSG: sign})

    def linear(row, target):  # y = softplus(y) - softplus(-y), written into target
        rows.extend([row, -row])
        out.extend([{target: 1}, {target: -1}])

    r = np.zeros(D)
    r[d["C0"]], r[MSG] = 1, -1
    linear(r, MSG)  # old message -> c0
    r = gathered.copy()
    r[CAV] = -1
    linear(r, CAV)  # cavity
    for h in range(H):
        r = np.zeros(D)
        r[GATHER + h] = -1
        linear(r, GATHER + h)  # clear the scratch
    W1 = np.array(rows)
    W2 = np.zeros((D, len(rows)))
    for u, targets in enumerate(out):
        for t, s in targets.items():
            W2[t, u] = s
    return Layer(tuple(heads), FFN(W1.astype(np.int64), np.zeros(len(rows), dtype=np.int64),
                                   W2.astype(np.int64), np.zeros(D, dtype=np.int64), "softplus"))


def _log(x, exact: bool):
    return mpmath.log(x) if exact else math.log(float(x))


def encode_pairwise(fg: FactorGraph, evidence: Mapping[str, int] | None = None, *,
                    dps: int | None = None, heads: int | None = None,
                    width: int | None = None) -> tuple[np.ndarray, dict]:
    """Tokens of a binary pairwise factor graph (the input of `pairwise_layer`).

    Parameters
    ----------
    fg : FactorGraph
        Binary variables, factors of arity 1 or 2, all entries positive.
    evidence : mapping, optional
        Observed state indices; conditioned on exactly.
    dps : int, optional
        None: float64 data; an int: mpf data computed at this precision.
    heads, width : int, optional
        H and B; default the smallest that fit (H = maximum degree, B = bits for the tokens).

    Returns
    -------
    (X, info)
        X of shape ``(tokens, D)``; ``info`` has ``heads``, ``width``, ``var_token`` (name ->
        token index of the unobserved variables) and ``evidence``.

    Raises
    ------
    ModelError
        A non-binary variable, a factor of arity above 2, a zero entry, or H / B too small.
    EvidenceError
        Bad evidence.
    """
    if not isinstance(fg, FactorGraph):
        raise ModelError(f"expected a FactorGraph, got {type(fg).__name__}")
    evidence = fg.check_evidence(evidence)
    problems = [f"variable {v.name!r} is not binary" for v in fg.variables if v.cardinality != 2]
    problems += [f"{f.label} has arity {len(f.variables)} (pairwise needs 1 or 2)"
                 for f in fg.factors if len(f.variables) > 2]
    problems += [f"{f.label} has a zero entry; use compile_factor_graph for exact zeros"
                 for f in fg.factors if len(f.variables) <= 2 and not np.all(np.asarray(
                     f.table, dtype=float) > 0)]
    if problems:
        raise ModelError("not a positive binary pairwise graph: " + "; ".join(problems))
    exact = dps is not None
    with mpmath.workdps(dps or 15):
        tables = [f.mp_table() if exact else np.asarray(f.table, dtype=float) for f in fg.factors]
        edges = []  # (factor index, source variable or None, target, c0, c1, c2)
        lg = lambda x: _log(x, exact)
        for k, f in enumerate(fg.factors):
            t = tables[k]
            if len(f.variables) == 1:
                if f.variables[0] not in evidence:
                    edges.append((k, None, f.variables[0], lg(t[1]) - lg(t[0]), 0, 0))
                continue
            a, b = f.variables
            obs = [v in evidence for v in (a, b)]
            if all(obs):
                continue
            if any(obs):  # conditioned on: a unary factor on the free end
                o, free_end = (a, b) if obs[0] else (b, a)
                row = t[evidence[o], :] if obs[0] else t[:, evidence[o]]
                edges.append((k, None, free_end, lg(row[1]) - lg(row[0]), 0, 0))
                continue
            for i, j, m in ((a, b, t), (b, a, t.T)):
                edges.append((k, i, j, lg(m[0][1]) - lg(m[0][0]), lg(m[1][1]) - lg(m[0][1]),
                              lg(m[1][0]) - lg(m[0][0])))
        free = [v.name for v in fg.variables if v.name not in evidence]
        incoming = {v: [] for v in free}
        for e, edge in enumerate(edges):
            incoming[edge[2]].append(e)
        need_h = max([len(x) for x in incoming.values()] + [1])
        H = need_h if heads is None else heads
        n = 1 + len(free) + len(edges)
        need_b = max(1, (n - 1).bit_length())
        B = need_b if width is None else width
        if H < need_h or B < need_b:
            raise ModelError(f"this graph needs H >= {need_h} heads and B >= {need_b} code bits, "
                             f"got H={H}, B={B}")
        d = _dims(H, B)
        X = np.zeros((n, d["D"]), dtype=object if exact else float)
        if exact:
            X[:] = mpmath.mpf(0)
        var_token = {v: 1 + s for s, v in enumerate(free)}
        edge_token = [1 + len(free) + e for e in range(len(edges))]

        def fill(tok, sources):
            X[tok, d["OWN"]:d["OWN"] + B] = binary_code(tok, B)
            for h in range(H):
                src = sources[h] if h < len(sources) else 0
                X[tok, d["OWN"] + B + h * B:d["OWN"] + B + (h + 1) * B] = binary_code(src, B)

        fill(0, [])
        for v in free:
            fill(var_token[v], [edge_token[e] for e in incoming[v]])
        for e, (k, i, j, c0, c1, c2) in enumerate(edges):
            sources = [] if i is None else [edge_token[g] for g in incoming[i]
                                            if edges[g][0] != k]
            fill(edge_token[e], sources)
            X[edge_token[e], d["C0"]:d["C0"] + 3] = [c0, c1, c2]
    return X, {"heads": H, "width": B, "var_token": var_token, "evidence": evidence}


def pairwise_marginals(fg: FactorGraph, evidence: Mapping[str, int] | None = None, *,
                       rounds: int, dps: int | None = None) -> dict:
    """Beliefs after ``rounds`` BP rounds: ``rounds + 1`` applications of `pairwise_layer`."""
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ModelError(f"rounds must be an integer >= 1, got {rounds!r}")
    X, info = encode_pairwise(fg, evidence, dps=dps)
    layer = pairwise_layer(info["heads"], info["width"])
    backend = "numpy" if dps is None else "mpmath"
    Y = model_forward([layer] * (rounds + 1), X, backend=backend, dps=dps or 50)
    out = {}
    with mpmath.workdps(dps or 15):
        for v in fg.variables:
            if v.name in info["evidence"]:
                s = info["evidence"][v.name]
                out[v.name] = [float(s == 0), float(s == 1)] if dps is None else \
                    [mpmath.mpf(s == 0), mpmath.mpf(s == 1)]
                continue
            l = Y[info["var_token"][v.name], CAV]
            p1 = 1 / (1 + mpmath.exp(-l)) if dps else sigmoid(float(l))
            out[v.name] = [1 - p1, p1]
    return out
