"""Vectorised float64 flooding sum-product: a fixed number of numpy calls per round.

Layout.  Every edge e = (factor, slot) owns ``card(e)`` consecutive entries of one flat array;
factor-to-variable (f2v) and variable-to-factor (v2f) messages share that layout, as natural-log
probabilities.  Edges are numbered factor by factor, the factors sorted by arity, so all edges of
factors of one arity form one contiguous block.

Factor side.  For a block of arity a, every (edge, table entry) pair becomes one "entry row",
ordered by edge, then by the state of the edge's own variable: the rows of one output entry
(edge, state) are then consecutive, a segment.  Each row keeps the log table value and, for the
a - 1 other slots, the flat index of the v2f entry it multiplies.  One round is: gather and add
a - 1 times, then a segment sum.  The arithmetic of that sum is shifted, not logarithmic: each
v2f message is divided by its largest entry and each table by its largest entry (exponents of
numbers in [0, 1]), the products and sums run in plain float64, and the shifts are added back as
logs.  A segment whose shifted sum falls below `TINY` might have lost terms to underflow, so it is
recomputed exactly in the log domain with a per-segment max shift (`segment_logsumexp`).  No
subtraction ever removes a message, so zeros (``-inf``) are exact.

Variable side.  Variables are grouped by (degree, cardinality); a group's incoming messages form
an array (variables, degree, states), and the leave-one-out sums (a message to factor f excludes
what came from f) are an exclusive prefix plus an exclusive suffix cumulative sum along the degree
axis, again without subtracting anything.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import EvidenceError
from ..graph import FactorGraph
from ..numerics import segment_logsumexp
from ._messages import CONTRADICTION

#: Shifted segment sums below this are recomputed in the log domain.  Every shifted term is at
#: most 1, so a term lost to underflow (below 2.2e-308) changes a sum above TINY by less than
#: (terms per segment) * 1e-108 relative: far below float64 resolution.
TINY = 1e-200


class _Block:
    """Entry rows of all factors of one arity."""

    def __init__(self, lo, hi, logs, others, starts, lengths, other_edges, seg_logmax):
        self.lo, self.hi = lo, hi          # flat message range this block writes
        self.logs = logs                   # (rows,) log table values
        self.others = others               # (arity - 1, rows) flat v2f indices
        self.starts = starts               # (segments,) row offset of each output entry
        self.lengths = lengths             # (segments,) rows per output entry
        self.other_edges = other_edges     # (arity - 1, segments) edges multiplied in
        self.seg_logmax = seg_logmax       # (segments,) log of the factor's largest entry
        self.probs = np.exp(logs - np.repeat(seg_logmax, lengths))   # shifted table, max 1


class _Group:
    """Variables of one (degree, cardinality): gather indices and evidence."""

    def __init__(self, variables, index, evid):
        self.variables = variables         # (n,) variable indices
        self.index = index                 # (n, degree, card) flat message indices
        self.evid = evid                   # (n, card) log evidence


class FlatGraph:
    """Index maps of a factor graph with evidence, built once per call."""

    def __init__(self, fg: FactorGraph, evidence: dict[int, int]):
        cards = np.array([v.cardinality for v in fg.variables], dtype=np.int64)
        order = sorted(range(len(fg.factors)), key=lambda k: len(fg.factors[k].variables))
        offsets, edge_card, var_edges = [], [], [[] for _ in fg.variables]
        factor_edges = {}
        size = 0
        for k in order:
            ids = []
            for name in fg.factors[k].variables:
                v = fg.index(name)
                ids.append(len(offsets))
                var_edges[v].append(len(offsets))
                offsets.append(size)
                edge_card.append(int(cards[v]))
                size += int(cards[v])
            factor_edges[k] = ids
        self.size = size
        self.edge_offset = np.array(offsets, dtype=np.int64)
        self.edge_card = np.array(edge_card, dtype=np.int64)
        self.edge_segment = np.repeat(np.arange(len(offsets)), self.edge_card)
        self.uniform = -np.log(self.edge_card[self.edge_segment].astype(np.float64))
        self.blocks = self._blocks(fg, order, factor_edges)
        self.groups, self.isolated = self._groups(cards, var_edges, evidence)
        self.cards = cards
        self.evidence = evidence

    def _blocks(self, fg, order, factor_edges) -> list[_Block]:
        by_arity: dict[int, list[int]] = {}
        for k in order:
            by_arity.setdefault(len(fg.factors[k].variables), []).append(k)
        blocks = []
        for arity, ks in by_arity.items():
            if arity == 0:
                continue
            logs, others, lengths = [], [[] for _ in range(arity - 1)], []
            other_edges, seg_logmax = [[] for _ in range(arity - 1)], []
            for k in ks:
                with np.errstate(divide="ignore"):
                    table = np.log(np.asarray(fg.factors[k].table, dtype=np.float64))
                grid = np.indices(table.shape)
                ids = factor_edges[k]
                for slot in range(arity):
                    logs.append(np.moveaxis(table, slot, 0).ravel())
                    rest = [j for j in range(arity) if j != slot]
                    for row, edges, j in zip(others, other_edges, rest):
                        row.append(self.edge_offset[ids[j]] + np.moveaxis(grid[j], slot, 0).ravel())
                        edges.extend([ids[j]] * table.shape[slot])
                    lengths.extend([table.size // table.shape[slot]] * table.shape[slot])
                    seg_logmax.extend([table.max()] * table.shape[slot])
            lengths = np.array(lengths, dtype=np.int64)
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            lo = int(self.edge_offset[factor_edges[ks[0]][0]])
            logs = np.concatenate(logs)
            others = np.array([np.concatenate(r) for r in others], dtype=np.int64)
            blocks.append(_Block(lo, lo + len(lengths), logs,
                                 others.reshape(arity - 1, len(logs)), starts, lengths,
                                 np.array(other_edges, dtype=np.int64).reshape(arity - 1, len(lengths)),
                                 np.array(seg_logmax)))
        return blocks

    def _groups(self, cards, var_edges, evidence):
        keys: dict[tuple[int, int], list[int]] = {}
        isolated = []
        for v, ids in enumerate(var_edges):
            if ids:
                keys.setdefault((len(ids), int(cards[v])), []).append(v)
            else:
                isolated.append(v)
        groups = []
        for (degree, card), vs in keys.items():
            index = np.array([[self.edge_offset[e] + np.arange(card) for e in var_edges[v]]
                              for v in vs], dtype=np.int64).reshape(len(vs), degree, card)
            evid = np.zeros((len(vs), card))
            for row, v in enumerate(vs):
                if v in evidence:
                    evid[row, :] = -np.inf
                    evid[row, evidence[v]] = 0.0
            groups.append(_Group(np.array(vs, dtype=np.int64), index, evid))
        return groups, isolated

    # -- one round ----------------------------------------------------------------------------

    def variable_side(self, f2v: np.ndarray) -> np.ndarray:
        """v2f messages: evidence plus every incoming f2v message except the edge's own."""
        v2f = np.empty(self.size)
        for g in self.groups:
            x = f2v[g.index]
            excl = np.zeros_like(x)
            excl[:, 1:] = np.cumsum(x[:, :-1], axis=1)
            excl[:, :-1] += np.cumsum(x[:, :0:-1], axis=1)[:, ::-1]
            excl += g.evid[:, None, :]
            v2f[g.index] = excl
        return v2f

    def factor_side(self, v2f: np.ndarray) -> np.ndarray:
        """Normalised f2v messages from the v2f messages; EvidenceError on an all-zero one."""
        out = np.empty(self.size)
        if not self.size:
            return out
        vmax = np.maximum.reduceat(v2f, self.edge_offset)
        if np.isneginf(vmax).any():
            raise EvidenceError(CONTRADICTION)
        q = np.exp(v2f - vmax[self.edge_segment])
        for b in self.blocks:
            s = b.probs
            for row in b.others:
                s = s * q[row]
            seg = np.add.reduceat(s, b.starts)
            with np.errstate(divide="ignore"):
                logseg = np.log(seg) + b.seg_logmax + vmax[b.other_edges].sum(axis=0)
            small = np.flatnonzero(seg < TINY)
            if len(small):
                logseg[small] = _exact_segments(b, small, v2f)
            out[b.lo:b.hi] = logseg
        starts = self.edge_offset
        total = segment_logsumexp(out, starts, self.edge_segment) if len(starts) else out[:0]
        if np.isneginf(total).any():
            raise EvidenceError(CONTRADICTION)
        return out - total[self.edge_segment]

    def beliefs(self, f2v: np.ndarray) -> list[np.ndarray]:
        """Normalised beliefs of every variable (evidence times all incoming f2v messages)."""
        out: list = [None] * len(self.cards)
        for g in self.groups:
            logb = f2v[g.index].sum(axis=1) + g.evid
            shift = logb.max(axis=1, keepdims=True)
            if np.isneginf(shift).any():
                raise EvidenceError(CONTRADICTION)
            p = np.exp(logb - shift)
            p /= p.sum(axis=1, keepdims=True)
            for v, row in zip(g.variables, p):
                out[v] = row
        for v in self.isolated:
            card = int(self.cards[v])
            if v in self.evidence:
                out[v] = np.eye(card)[self.evidence[v]]
            else:
                out[v] = np.full(card, 1.0 / card)
        return out


def _exact_segments(b: _Block, segments: np.ndarray, v2f: np.ndarray) -> np.ndarray:
    """Log-domain sums of the given segments of block b, max-shifted per segment."""
    lengths = b.lengths[segments]
    local = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    rows = np.repeat(b.starts[segments] - local, lengths) + np.arange(lengths.sum())
    s = b.logs[rows]
    for row in b.others:
        s = s + v2f[row[rows]]
    return segment_logsumexp(s, local, np.repeat(np.arange(len(segments)), lengths))


def run_flooding(flat: FlatGraph, damping: float, tol: float, max_iter: int):
    """Synchronous rounds from uniform messages; returns (f2v, converged, iterations, residual).

    Round t: v2f from the f2v of round t - 1, then f2v from those v2f, then damping in the
    probability domain, new = (1 - damping) * update + damping * old.  The residual of a round is
    the largest absolute change of a normalised f2v message entry, in probability.
    """
    f2v = flat.uniform.copy()
    residual = math.inf
    log_keep, log_mix = (math.log1p(-damping), math.log(damping)) if damping else (0.0, 0.0)
    for it in range(1, max_iter + 1):
        new = flat.factor_side(flat.variable_side(f2v))
        if damping:
            new = np.logaddexp(log_keep + new, log_mix + f2v)
        residual = float(np.max(np.abs(np.exp(new) - np.exp(f2v)))) if flat.size else 0.0
        f2v = new
        if residual < tol:
            return f2v, True, it, residual
    return f2v, False, max_iter, residual
