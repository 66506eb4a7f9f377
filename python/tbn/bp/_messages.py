"""Message-by-message sum-product engine, generic over the arithmetic.

Used for the mpmath backend (both schedules) and for the residual schedule in float64.  It keeps
one message per directed edge and computes each update on its own, so it is simple and slow; the
vectorised float64 flooding engine (`tbn.bp._flat`) computes the same rounds for large graphs.

Two arithmetics share the interface of `LogFloat`:

- `LogFloat`: float64 log-probabilities in numpy arrays (``-inf`` is an exact zero).
- `MpProb`: mpmath probabilities in numpy object arrays at the caller's ``workdps`` precision.
  mpmath numbers have an unbounded exponent, so products of probabilities cannot underflow; the
  log domain would buy nothing there and would cost an exp and a log per table entry.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import EvidenceError
from ..graph import FactorGraph
from ..numerics import log_normalize, logsumexp, mp_normalize

# the factors alone can be contradictory too: a tree without evidence raises this as well
CONTRADICTION = ("contradictory evidence or factors: a message is zero everywhere, so Z = 0 and "
                 "no marginal exists")


def _factor_out(table: np.ndarray, slot: int, incoming: dict, times, total) -> np.ndarray:
    """The factor ``times`` each incoming message (``{axis: message}``, broadcast along its axis),
    then ``total`` over every axis but ``slot``: one code for both arithmetics."""
    s = table
    for axis, m in incoming.items():
        shape = [1] * table.ndim
        shape[axis] = -1
        s = times(s, m.reshape(shape))
    others = tuple(a for a in range(table.ndim) if a != slot)
    return total(s, axis=others) if others else s.copy()


class LogFloat:
    """float64 messages as natural-log probabilities."""

    def table(self, factor) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(np.asarray(factor.table, dtype=np.float64))

    def evidence(self, card: int, observed: int | None) -> np.ndarray:
        out = np.zeros(card)
        if observed is not None:
            out[:] = -np.inf
            out[observed] = 0.0
        return out

    def uniform(self, card: int) -> np.ndarray:
        return np.full(card, -math.log(card))

    def product(self, base: np.ndarray, messages) -> np.ndarray:
        out = base.copy()
        for m in messages:
            out = out + m
        return out

    def factor_out(self, table: np.ndarray, slot: int, incoming: dict) -> np.ndarray:
        """Sum the factor times the incoming messages (``{axis: message}``) onto axis ``slot``."""
        return _factor_out(table, slot, incoming, np.add, logsumexp)

    def normalize(self, m: np.ndarray):
        out, total = log_normalize(m)
        return out if np.isfinite(total) else None

    def damp(self, new: np.ndarray, old: np.ndarray, damping: float) -> np.ndarray:
        return np.logaddexp(math.log1p(-damping) + new, math.log(damping) + old)

    def change(self, new: np.ndarray, old: np.ndarray) -> float:
        return float(np.max(np.abs(np.exp(new) - np.exp(old))))

    def probabilities(self, m: np.ndarray) -> list:
        return [float(x) for x in np.exp(m)]


class MpProb:
    """mpmath messages as probabilities, at the precision of the caller's ``workdps`` scope."""

    def table(self, factor) -> np.ndarray:
        return factor.mp_table()

    def _vector(self, values) -> np.ndarray:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    def evidence(self, card: int, observed: int | None) -> np.ndarray:
        import mpmath

        one, zero = mpmath.mpf(1), mpmath.mpf(0)
        if observed is None:
            return self._vector([one] * card)
        return self._vector([one if k == observed else zero for k in range(card)])

    def uniform(self, card: int) -> np.ndarray:
        import mpmath

        return self._vector([mpmath.mpf(1) / card] * card)

    def product(self, base: np.ndarray, messages) -> np.ndarray:
        out = base.copy()
        for m in messages:
            out = out * m
        return out

    def factor_out(self, table: np.ndarray, slot: int, incoming: dict) -> np.ndarray:
        return _factor_out(table, slot, incoming, np.multiply, np.sum)

    def normalize(self, m: np.ndarray):
        try:
            return self._vector(mp_normalize(m))
        except ZeroDivisionError:
            return None

    def damp(self, new: np.ndarray, old: np.ndarray, damping: float) -> np.ndarray:
        import mpmath

        d = mpmath.mpf(damping)
        return (1 - d) * new + d * old

    def change(self, new: np.ndarray, old: np.ndarray):
        return max(abs(a - b) for a, b in zip(new, old))

    def probabilities(self, m: np.ndarray) -> list:
        return list(m)


class MessageEngine:
    """Directed messages of one factor graph with evidence, updated one at a time or in rounds.

    The state is the factor-to-variable messages ``f2v[e]``, one per edge ``e`` = (factor, slot);
    variable-to-factor messages are computed from them when needed.
    """

    def __init__(self, fg: FactorGraph, evidence: dict[int, int], arith):
        self.arith = arith
        self.cards = [v.cardinality for v in fg.variables]
        self.edges: list[tuple[int, int, int]] = []   # (factor, slot, variable)
        self.factor_edges: list[list[int]] = []
        self.var_edges: list[list[int]] = [[] for _ in fg.variables]
        for k, f in enumerate(fg.factors):
            ids = []
            for slot, name in enumerate(f.variables):
                v = fg.index(name)
                ids.append(len(self.edges))
                self.var_edges[v].append(len(self.edges))
                self.edges.append((k, slot, v))
            self.factor_edges.append(ids)
        self.tables = [arith.table(f) for f in fg.factors]
        self.evid = [arith.evidence(c, evidence.get(v)) for v, c in enumerate(self.cards)]
        self.f2v = [arith.uniform(self.cards[v]) for (_, _, v) in self.edges]

    def v2f(self, e: int):
        v = self.edges[e][2]
        return self.arith.product(self.evid[v], [self.f2v[x] for x in self.var_edges[v] if x != e])

    def _f2v_from(self, e: int, v2f_of) -> object:
        k, slot, _ = self.edges[e]
        incoming = {j: v2f_of(x) for j, x in enumerate(self.factor_edges[k]) if j != slot}
        out = self.arith.normalize(self.arith.factor_out(self.tables[k], slot, incoming))
        if out is None:
            raise EvidenceError(CONTRADICTION)
        return out

    def candidate(self, e: int):
        """The factor-to-variable message on edge e computed from the current messages."""
        return self._f2v_from(e, self.v2f)

    def flooding_round(self) -> list:
        """New f2v messages of one synchronous round (v2f from the old f2v, then f2v)."""
        v2f = [self.v2f(e) for e in range(len(self.edges))]
        return [self._f2v_from(e, v2f.__getitem__) for e in range(len(self.edges))]

    def beliefs(self) -> list:
        out = []
        for v, ids in enumerate(self.var_edges):
            b = self.arith.normalize(self.arith.product(self.evid[v], [self.f2v[x] for x in ids]))
            if b is None:
                raise EvidenceError(CONTRADICTION)
            out.append(self.arith.probabilities(b))
        return out


def run_flooding(engine: MessageEngine, damping: float, tol: float, max_iter: int,
                 progress=None):
    """Synchronous rounds until the largest f2v change is below tol; returns (converged, it, res).
    ``progress(rounds, residual)`` is called after every round."""
    arith = engine.arith
    residual = math.inf
    for it in range(1, max_iter + 1):
        new = engine.flooding_round()
        if damping:
            new = [arith.damp(n, o, damping) for n, o in zip(new, engine.f2v)]
        residual = max((arith.change(n, o) for n, o in zip(new, engine.f2v)), default=0.0)
        engine.f2v = new
        if progress:
            progress(it, residual)
        if residual < tol:
            return True, it, residual
    return False, max_iter, residual


def run_residual(engine: MessageEngine, damping: float, tol: float, max_iter: int,
                 progress=None):
    """Residual belief propagation (Elidan, McGraw and Koller, 2006).

    Always commits the pending f2v message that would change most, then recomputes the pending
    messages it affects.  ``max_iter`` counts sweeps: one sweep is as many single-message updates
    as there are edges, so the cap is comparable with the flooding schedule's.  Returns
    (converged, sweeps used, largest pending change); ``progress(sweeps, largest pending change)``
    is called after every sweep.
    """
    arith = engine.arith
    n = len(engine.edges)
    if n == 0:
        return True, 0, 0.0
    pending = [engine.candidate(e) for e in range(n)]
    res = [arith.change(p, o) for p, o in zip(pending, engine.f2v)]
    updates = 0
    while True:
        e = max(range(n), key=res.__getitem__)
        if res[e] < tol:
            return True, -(-updates // n), res[e]
        if updates >= max_iter * n:
            return False, max_iter, res[e]
        new = pending[e] if not damping else arith.damp(pending[e], engine.f2v[e], damping)
        engine.f2v[e] = new
        updates += 1
        if progress and updates % n == 0:
            progress(updates // n, res[e])
        k, _, v = engine.edges[e]
        touched = {e}
        for x in engine.var_edges[v]:
            if x != e:
                touched.update(y for y in engine.factor_edges[engine.edges[x][0]] if y != x)
        for y in touched:
            pending[y] = engine.candidate(y)
            res[y] = arith.change(pending[y], engine.f2v[y])
