"""Compile a discrete factor graph into transformer layers whose forward pass is sum-product BP.

The residual stream carries every factor-to-variable message in the log domain (one dim per
message entry, ``M`` dims), the variable-to-factor messages of the current round (another ``M``
dims, same layout) and scratch dims.  One BP round (the round of `tbn.bp`: variable-to-factor
messages from the previous round's factor-to-variable messages, then new factor-to-variable
messages) is a block of layers:

* one linear layer: each variable-to-factor message is the sum (log domain) of the messages into
  its variable from its other factors;
* ``L`` softplus layers: a log-sum-exp over K terms is a balanced tree of pairwise steps
  ``log(e^a + e^b) = a + softplus(b - a)``, depth ``ceil(log2 K)`` (K - 1 softplus units in all).
  Each term is ``log f(x)`` plus the variable-to-factor messages of the factor's other
  variables, linear in the stream.  A node of the tree is kept as its offset from its leftmost
  term, in that term's scratch dim, so every update is a pure softplus added onto the residual
  stream: no linear units are needed;
* one linear layer: writes the new messages, shifted so that each message's first state in its
  support is 0 (log-domain normalisation), and clears every other dim.

Zeros are exact, never an epsilon.  A factor entry that is zero, or that meets a state of zero
message (hard evidence, or a zero propagated from elsewhere), is a term that is absent: the
compiler leaves it out.  Which entries are zero in round t depends only on the graph and the
evidence, not on the message values, so the compiler tracks these supports round by round (they
only shrink, and once two rounds agree they never change again); a message entry outside its
support is absent from the computation and decodes as probability 0.  For a binary pairwise
factor this is SPEC 3.4's softplus pair: with cavity log-odds l the new log-odds is
``log(f01/f00) + softplus(l + log(f11/f01)) - softplus(l + log(f10/f00))``, and a zero entry
removes a term, turning a softplus into its linear or constant limit.

Everything (the factor tables, the evidence, the routing) is in the weights; the input is the
zero token (all messages uniform).  The whole graph lives in one token, so attention has nothing
to route and the layers have no heads: a shared position-wise FFN cannot apply per-token tables
without carrying them as token data, and then a zero entry would be a ``-inf`` in the stream.
For strictly positive tables, `tbn.transformer.routed` (and `tbn.transformer.pairwise` for the
binary pairwise case) does carry them as token data, routes messages with attention and uses
weights that depend on the graph's sizes only.
Weights are stored sparse (`SparseLayer`); `SparseLayer.dense` gives the `tbn.transformer.Layer`
of SPEC 3.3 that `layer_forward` runs, with the same result.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import mpmath
import numpy as np

from ..errors import EvidenceError, ModelError
from ..graph import FactorGraph
from .model import FFN, Layer

__all__ = ["SparseLayer", "CompiledBP", "compile_factor_graph", "MAX_TERMS"]

MAX_TERMS = 2_000_000
"""Largest number of log-sum-exp terms in one round that the compiler accepts."""


@dataclass(frozen=True, eq=False)
class SparseLayer:
    """A layer with no heads and an FFN ``x + W2 act(W1 x + b1) + b2``, weights in COO form.

    ``w1 = (rows, cols, vals)`` of shape ``(hidden, width)``; ``w2`` of shape ``(width, hidden)``;
    repeated coordinates add.  ``vals``, ``b1``, ``b2`` are float64 or object arrays of mpf.
    """

    width: int
    hidden: int
    w1: tuple
    b1: np.ndarray
    w2: tuple
    b2: np.ndarray
    activation: str

    def dense(self) -> Layer:
        """The same layer as a dense `Layer` record (no heads)."""
        dtype = self.b1.dtype

        def mat(coo, shape):
            m = np.zeros(shape, dtype=dtype)
            if dtype == object:
                m[:] = mpmath.mpf(0)
            for r, c, v in zip(*coo):
                m[r, c] = m[r, c] + v
            return m

        ffn = FFN(mat(self.w1, (self.hidden, self.width)), self.b1,
                  mat(self.w2, (self.width, self.hidden)), self.b2, self.activation)
        return Layer((), ffn, "hard")

    @property
    def nonzeros(self) -> int:
        return len(self.w1[0]) + len(self.w2[0]) + int(np.count_nonzero(self.b1 != 0)) + int(
            np.count_nonzero(self.b2 != 0))

    @property
    def parameter_count(self) -> int:
        """Dense entry count of W1, b1, W2, b2 (what a dense layer of these widths holds)."""
        return 2 * self.width * self.hidden + self.hidden + self.width

    def forward(self, x, backend: str = "numpy"):
        """Apply the layer to one token (the mpmath backend uses the caller's precision)."""
        r1, c1, v1 = self.w1
        r2, c2, v2 = self.w2
        if backend == "numpy":
            pre = np.bincount(r1, v1 * x[c1], minlength=self.hidden) + self.b1
            h = pre if self.activation == "linear" else np.logaddexp(0.0, pre)
            return x + np.bincount(r2, v2 * h[c2], minlength=self.width) + self.b2
        pre = list(self.b1)
        for r, c, v in zip(r1, c1, v1):
            pre[r] += v * x[c]
        if self.activation == "softplus":
            pre = [z + mpmath.log1p(mpmath.exp(-z)) if z > 0 else mpmath.log1p(mpmath.exp(z))
                   for z in pre]
        out = [a + b for a, b in zip(x, self.b2)]
        for r, c, v in zip(r2, c2, v2):
            out[r] += v * pre[c]
        return np.array(out, dtype=object)


@dataclass(eq=False)
class CompiledBP:
    """Transformer layers that run sum-product BP on one factor graph with one evidence set.

    Build with `compile_factor_graph`.  ``layers(T)`` are the layers of T rounds; round t's block
    is the same record from the round where the supports stop changing on.

    Attributes
    ----------
    width : int
        Residual width D: M message dims, M variable-to-factor dims, then scratch dims.
    slots : list of (factor index, position)
        One factor-to-variable message per slot, at dims ``offset[slot] ..`` (one per state).
    """

    fg: FactorGraph
    evidence: dict
    dps: int | None
    slots: list = field(default_factory=list)
    offset: dict = field(default_factory=dict)
    width: int = 0
    _supports: list = field(default_factory=list)
    _blocks: list = field(default_factory=list)
    _fixed_from: int | None = None
    _var_slots: list = field(default_factory=list)
    _positive: list = field(default_factory=list)
    _logf: list = field(default_factory=list)
    _scratch_base: int = 0

    @property
    def message_dims(self) -> int:
        """Dims ``0 .. M - 1`` hold the messages; ``M .. 2M - 1`` the variable-to-factor
        messages of the current round (same slot layout, shifted by M); the rest is scratch."""
        return self._scratch_base // 2

    # -- supports ------------------------------------------------------------------------------

    def support(self, t: int) -> dict:
        """Slot -> frozenset of states whose message is nonzero after round t (t = 0: all)."""
        while len(self._supports) <= t:
            self._supports.append(self._next_support(self._supports[-1]))
        return self._supports[t]

    def _cavity(self, prev: dict, slot) -> list[frozenset]:
        """Supports of the variable-to-factor messages into factor ``slot[0]``, per position."""
        k = slot[0]
        out = []
        for q, name in enumerate(self.fg.factors[k].variables):
            i = self.fg.index(name)
            allowed = set(range(self.fg.variables[i].cardinality))
            if name in self.evidence:
                allowed &= {self.evidence[name]}
            for other in self._var_slots[i]:
                if other[0] != k:
                    allowed &= prev[other]
            if not allowed:
                raise EvidenceError(f"variable {name!r} has a zero message: the factors "
                                    "and the evidence are contradictory (Z = 0)")
            out.append(frozenset(allowed))
        return out

    def _term_mask(self, slot, cav) -> np.ndarray:
        """Which entries of factor ``k`` (``slot = (k, p)``) are positive with every other position
        in its cavity support ``cav``: the terms of the message at ``slot``."""
        k, p = slot
        mask = self._positive[k].copy()
        for q, allowed in enumerate(cav):
            if q != p:
                ind = np.zeros(mask.shape[q], dtype=bool)
                ind[list(allowed)] = True
                shape = [1] * mask.ndim
                shape[q] = -1
                mask &= ind.reshape(shape)
        return mask

    def _next_support(self, prev: dict) -> dict:
        new = {}
        for slot in self.slots:
            k, p = slot
            cav = self._cavity(prev, slot)
            mask = self._term_mask(slot, cav)
            reach = mask.any(axis=tuple(q for q in range(mask.ndim) if q != p))
            states = frozenset(int(s) for s in np.flatnonzero(reach))
            if not states:
                raise EvidenceError(f"{self.fg.factors[k].label}: its message to "
                                    f"{self.fg.factors[k].variables[p]!r} is zero: the factors "
                                    "and the evidence are contradictory (Z = 0)")
            new[slot] = states
        return new

    # -- layers --------------------------------------------------------------------------------

    def block(self, t: int) -> tuple[SparseLayer, ...]:
        """The layers of round ``t >= 1``."""
        if self._fixed_from is not None and t >= self._fixed_from:
            return self._blocks[self._fixed_from - 1]
        while len(self._blocks) < t:
            s = len(self._blocks) + 1
            with mpmath.workdps(self.dps or mpmath.mp.dps):
                self._blocks.append(self._build_block(self.support(s - 1), self.support(s)))
            if self.support(s) == self.support(s - 1):
                self._fixed_from = s
                break
        return self._blocks[min(t, len(self._blocks)) - 1]

    def round_blocks(self) -> list[tuple[SparseLayer, ...]]:
        """Every distinct round block: round t runs ``round_blocks()[min(t, len) - 1]``.

        Supports shrink strictly until they stop changing, so this ends after at most one round
        more than the total number of states.
        """
        t = 1
        while self._fixed_from is None:
            self.block(t)
            t += 1
        return list(self._blocks[:self._fixed_from])

    def layers(self, rounds: int) -> list[SparseLayer]:
        """The layers of ``rounds`` BP rounds, in order."""
        return [layer for t in range(1, rounds + 1) for layer in self.block(t)]

    def initial_state(self):
        """The input token: zeros (uniform messages, clear scratch)."""
        if self.dps is None:
            return np.zeros(self.width)
        return np.array([mpmath.mpf(0)] * self.width, dtype=object)

    def _slot_terms(self, slot, cav) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nonzero terms of the message at ``slot``, sorted by the receiving state.

        Returns ``(state, log f, dims)``: per term the state it adds to, the log factor entry
        and the dims of the variable-to-factor messages it adds (shape ``(terms, arity - 1)``).
        """
        k, p = slot
        mask = self._term_mask(slot, cav)
        others = [q for q in range(mask.ndim) if q != p]
        idx = np.argwhere(np.moveaxis(mask, p, 0))  # column 0: the state of position p
        full = np.empty_like(idx)
        full[:, p] = idx[:, 0]
        full[:, others] = idx[:, 1:]
        consts = self._logf[k][tuple(full.T)]
        cols, offs = [], []
        for j, q in enumerate(others):
            cols.append(j + 1)
            offs.append(self.message_dims + self.offset[(k, q)])
        dims = idx[:, cols] + np.asarray(offs, dtype=np.int64).reshape(1, -1)
        return idx[:, 0], consts, dims

    def _build_block(self, prev: dict, new: dict) -> tuple[SparseLayer, ...]:
        """Softplus layers of the log-sum-exp trees, then the linear commit layer.

        Term g of the round owns scratch dim ``scratch_base + g``; the tree node whose leftmost
        leaf is g keeps its offset from term g there.  Level l pairs the leaves at local
        positions ``j 2^l`` and ``j 2^l + 2^(l-1)`` of the same message entry.
        """
        slots, total = [], 0
        for slot in self.slots:
            states, consts, dims = self._slot_terms(slot, self._cavity(prev, slot))
            n = len(states)
            starts = np.flatnonzero(np.r_[True, states[1:] != states[:-1]]) if n else \
                np.zeros(0, dtype=np.int64)
            sizes = np.diff(np.r_[starts, n])
            if set(states[starts].tolist()) != set(new[slot]):
                raise ModelError("internal: terms disagree with the support")
            local = np.arange(n) - np.repeat(starts, sizes)
            slots.append((slot, states, consts, dims, self._scratch_base + total + np.arange(n),
                          local, np.repeat(sizes, sizes), starts))
            total += n
        if self._scratch_base + total > self.width:
            raise ModelError("internal: scratch outgrew the width")  # supports only shrink
        # variable-to-factor messages: nu[k, q] = sum of the messages into v_q from its other
        # factors (log domain), into the dims M + offset[(k, q)]
        rows, cols = [], []
        for slot in self.slots:
            k, p = slot
            card = self.fg.variable(self.fg.factors[k].variables[p]).cardinality
            for other in self._var_slots[self.fg.index(self.fg.factors[k].variables[p])]:
                if other[0] != k:
                    rows.append(self.offset[slot] + np.arange(card))
                    cols.append(self.offset[other] + np.arange(card))
        M = self.message_dims
        nu = [(np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
               np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64), 1)]
        layers = [self._sparse(nu, self._zeros(M), [(M + np.arange(M), np.arange(M), 1)], None,
                               "linear")]
        level = 1
        while True:
            half, step = 2 ** (level - 1), 2 ** level
            w1, w2, b1, units = [], [], [], 0
            for _, _, consts, dims, scratch, local, size, _ in slots:
                a = np.flatnonzero((local % step == 0) & (local + half < size))
                if not len(a):
                    continue
                b = a + half
                u = units + np.arange(len(a))
                m = dims.shape[1]
                w1.append((np.repeat(u, m), dims[b].ravel(), 1))
                w1.append((np.repeat(u, m), dims[a].ravel(), -1))
                w1.append((u, scratch[b], 1))
                w1.append((u, scratch[a], -1))
                b1.append(consts[b] - consts[a])
                w2.append((scratch[a], u, 1))
                units += len(a)
            if not units:
                break
            layers.append(self._sparse(w1, np.concatenate(b1), w2, None, "softplus"))
            level += 1
        # commit: new message = root(x) - root(first state in support), scratch cleared
        w1 = [(np.arange(self.width), np.arange(self.width), -1)]
        b2 = self._zeros(self.width)
        for slot, states, consts, dims, scratch, _, _, starts in slots:
            base = self.offset[slot]
            rows = base + states[starts]
            ref = starts[0]
            m = dims.shape[1]
            w1.append((np.repeat(rows, m), dims[starts].ravel(), 1))
            w1.append((np.repeat(rows, m), np.tile(dims[ref], len(rows)), -1))
            w1.append((rows, scratch[starts], 1))
            w1.append((rows, np.full(len(rows), scratch[ref]), -1))
            b2[rows] = consts[starts] - consts[ref]
        eye = [(np.arange(self.width), np.arange(self.width), 1)]
        layers.append(self._sparse(w1, self._zeros(self.width), eye, b2, "linear"))
        return tuple(layers)

    def _zeros(self, n: int) -> np.ndarray:
        if self.dps is None:
            return np.zeros(n)
        out = np.empty(n, dtype=object)
        out[:] = [mpmath.mpf(0)] * n
        return out

    def _num(self, v):
        return float(v) if self.dps is None else mpmath.mpf(v)

    def _sparse(self, w1, b1, w2, b2, activation) -> SparseLayer:
        """Assemble COO parts ``(rows, cols, value)`` (value a scalar for the whole part)."""
        hidden = len(b1)

        def coo(parts):
            rows = np.concatenate([np.asarray(r, dtype=np.int64) for r, _, _ in parts])
            cols = np.concatenate([np.asarray(c, dtype=np.int64) for _, c, _ in parts])
            vals = np.concatenate([np.full(len(r), v, dtype=float) for r, _, v in parts])
            if self.dps is not None:
                vals = np.array([mpmath.mpf(int(v)) for v in vals] or [], dtype=object)
            return rows, cols, vals

        if b2 is None:
            b2 = self._zeros(self.width)
        b1 = np.asarray(b1, dtype=float if self.dps is None else object)
        return SparseLayer(self.width, hidden, coo(w1), b1, coo(w2), b2, activation)

    # -- decoding --------------------------------------------------------------------------------

    def beliefs(self, x, t: int) -> dict:
        """Decode the stream after round t: ``b_i`` proportional to evidence times messages."""
        supp = self.support(t)
        out = {}
        for i, var in enumerate(self.fg.variables):
            allowed = set(range(var.cardinality))
            if var.name in self.evidence:
                allowed &= {self.evidence[var.name]}
            for slot in self._var_slots[i]:
                allowed &= supp[slot]
            if not allowed:
                raise EvidenceError(f"variable {var.name!r} has belief zero: the factors "
                                    "and the evidence are contradictory (Z = 0)")
            logb = {s: sum((x[self.offset[slot] + s] for slot in self._var_slots[i]),
                           self._num(0)) for s in allowed}
            out[var.name] = _normalise(logb, var.cardinality, self.dps is not None)
        return out

    def message_probabilities(self, x, t: int) -> dict:
        """Slot -> normalised factor-to-variable message in probability, after round t."""
        supp = self.support(t)
        out = {}
        for slot in self.slots:
            card = self.fg.variable(self.fg.factors[slot[0]].variables[slot[1]]).cardinality
            logm = {s: x[self.offset[slot] + s] for s in supp[slot]}
            out[slot] = _normalise(logm, card, self.dps is not None)
        return out

    # -- report ----------------------------------------------------------------------------------

    def summary(self, rounds: int) -> dict:
        """Architecture of ``rounds`` rounds: layers, heads, widths, parameters."""
        layers = self.layers(rounds)
        return {
            "tokens": 1,
            "rounds": rounds,
            "layers": len(layers),
            "layers_per_round": [len(self.block(t)) for t in range(1, rounds + 1)],
            "distinct_round_blocks": len(self._blocks) if self._fixed_from else rounds,
            "heads_per_layer": 0,
            "width": self.width,
            "message_dims": self.message_dims,
            "cavity_dims": self.message_dims,
            "scratch_dims": self.width - self._scratch_base,
            "hidden_widths": [layer.hidden for layer in layers],
            "activations": [layer.activation for layer in layers],
            "parameters": sum(layer.parameter_count for layer in layers),
            "nonzero_parameters": sum(layer.nonzeros for layer in layers),
        }


def _normalise(logs: dict, card: int, exact: bool) -> list:
    if exact:
        top = max(logs.values())
        w = {s: mpmath.exp(v - top) for s, v in logs.items()}
        z = mpmath.fsum(w.values())
        return [w[s] / z if s in w else mpmath.mpf(0) for s in range(card)]
    top = max(float(v) for v in logs.values())
    w = {s: math.exp(float(v) - top) for s, v in logs.items()}
    z = math.fsum(w.values())
    return [w[s] / z if s in w else 0.0 for s in range(card)]


def compile_factor_graph(fg: FactorGraph, evidence: Mapping[str, int] | None = None, *,
                         dps: int | None = None) -> CompiledBP:
    """Compile ``fg`` with ``evidence`` into layers running sum-product BP exactly.

    Parameters
    ----------
    fg : FactorGraph
    evidence : mapping of str to int, optional
        Observed state indices; compiled into the weights as exact zeros (absent terms).
    dps : int, optional
        None: float64 weights (run with the numpy backend).  An int: weights (the logarithms of
        the factor entries) as mpmath numbers at this many digits (run with the mpmath backend
        inside ``mpmath.workdps(dps)``).

    Returns
    -------
    CompiledBP

    Raises
    ------
    ModelError
        Not a factor graph, or a round would need more than `MAX_TERMS` log-sum-exp terms.
    EvidenceError
        Bad evidence, or evidence contradicting the factors (a message becomes zero).
    """
    if not isinstance(fg, FactorGraph):
        raise ModelError(f"expected a FactorGraph, got {type(fg).__name__}")
    if dps is not None and (isinstance(dps, bool) or not isinstance(dps, int) or dps < 1):
        raise ModelError(f"dps must be a positive integer or None, got {dps!r}")
    evidence = fg.check_evidence(evidence)
    c = CompiledBP(fg, evidence, dps)
    c._var_slots = [[] for _ in fg.variables]
    for k, factor in enumerate(fg.factors):
        if dps is None:
            table = np.asarray(factor.table, dtype=float)
            positive = table > 0
            with np.errstate(divide="ignore"):
                logf = np.log(table)
        else:
            with mpmath.workdps(dps + 10):
                mp = factor.mp_table()
                positive = np.vectorize(lambda v: v > 0, otypes=[bool])(mp) if mp.size else \
                    np.zeros(mp.shape, dtype=bool)
            with mpmath.workdps(dps):
                logf = np.empty(mp.shape, dtype=object)
                for idx in np.ndindex(*mp.shape):
                    logf[idx] = mpmath.log(mp[idx]) if positive[idx] else None
        c._positive.append(np.asarray(positive, dtype=bool))
        c._logf.append(logf)
        for p, name in enumerate(factor.variables):
            slot = (k, p)
            c.slots.append(slot)
            c.offset[slot] = c.width
            c.width += fg.variable(name).cardinality
            c._var_slots[fg.index(name)].append(slot)
    c.width *= 2  # messages, then the variable-to-factor messages of the round
    c._scratch_base = c.width
    c._supports.append({slot: frozenset(range(fg.variable(fg.factors[slot[0]].variables[slot[1]])
                                             .cardinality)) for slot in c.slots})
    # each positive entry of factor k is one term of exactly one message entry per slot, and
    # supports only shrink: this bounds the scratch of every round
    terms = sum(int(c._positive[k].sum()) for k, _ in c.slots)
    if terms > MAX_TERMS:
        raise ModelError(f"compiling needs {terms} log-sum-exp terms per round, more than "
                         f"{MAX_TERMS}: the factors are too large")
    c.width += terms
    return c
