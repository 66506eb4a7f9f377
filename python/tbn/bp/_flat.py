"""Vectorised float64 flooding sum-product: a fixed number of numpy calls per round.

Layout.  Every edge e = (factor, slot) owns ``card(e)`` consecutive entries of one flat array;
factor-to-variable (f2v) and variable-to-factor (v2f) messages share that layout, as natural-log
probabilities.  Edges are numbered factor by factor, the factors sorted by arity and then by
shape, so all edges of factors of one arity form one contiguous block, and the index maps are
built one shape at a time from stacked tables.

Factor side.  For a block of arity a, every (edge, table entry) pair becomes one "entry row",
ordered by edge, then by the state of the edge's own variable: the rows of one output entry
(edge, state) are then consecutive, a segment.  Each row keeps the log table value and, for the
a - 1 other slots, the flat index of the v2f entry it multiplies; rows of zero table entries are
left out, since they add exactly nothing.  One round is: gather and multiply a - 1 times, then a
segment sum.  The arithmetic of that sum is shifted, not logarithmic: every v2f message is stored
shifted so that its largest entry is 1 (log 0) and every table is divided by its largest entry,
so the products and sums of numbers in [0, 1] run in plain float64; the shifts are constant
along each output message and vanish when it is normalised.  A segment whose shifted sum falls
below `TINY` might have lost terms to underflow, so it is recomputed exactly in the log domain
with a per-segment max shift (`segment_logsumexp`); likewise the normaliser of a message whose
every entry fell back.  No subtraction ever removes a message, so zeros (``-inf``) are exact.

Variable side.  Variables are grouped by degree; a group's incoming messages form an array
(variables, degree, states), padded to the group's largest cardinality, and the leave-one-out
sums (a message to factor f excludes what came from f) are an exclusive prefix plus an exclusive
suffix cumulative sum along the degree axis, again without subtracting anything.  A padding state
reads any real entry, has log evidence ``-inf`` (so it never wins a maximum and its belief is 0)
and is written to a scratch slot past the end: grouping by degree alone keeps the numpy calls per
round few (13 groups instead of 43 by (degree, cardinality) on munin2).
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import EvidenceError
from ..graph import FactorGraph
from ..numerics import segment_logsumexp, segment_sum
from ._messages import CONTRADICTION

#: Shifted segment sums below this are recomputed in the log domain.  Every shifted term is at
#: most 1, so a term lost to underflow (below 2.2e-308) changes a sum above TINY by less than
#: (terms per segment) * 1e-108 relative: far below float64 resolution.
TINY = 1e-200


class _Block:
    """Entry rows of all factors of one arity (rows of zero table entries left out)."""

    def __init__(self, lo, hi, logs, others, lengths, seg_logmax):
        keep, lengths, self.struct_zero = _drop_zero_rows(logs, lengths)
        self.lo, self.hi = lo, hi          # flat message range this block writes
        self.logs = logs[keep]             # (rows,) log table values
        self.others = others[:, keep]      # (arity - 1, rows) flat v2f indices
        self.lengths = lengths             # (segments,) rows per output entry
        self.starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        self.seg_logmax = seg_logmax       # (segments,) log of the factor's largest entry
        self.probs = np.exp(self.logs - np.repeat(seg_logmax, lengths))   # shifted, max 1
        self.segment_of = np.repeat(np.arange(len(lengths)), lengths)


def _drop_zero_rows(logs, lengths):
    """Rows with a zero table entry add exactly nothing: keep one row of an all-zero segment."""
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    alive = logs > -np.inf
    count = np.add.reduceat(alive.astype(np.int64), starts) if len(starts) else lengths
    struct_zero = count == 0
    first = np.zeros(len(logs), dtype=bool)
    first[starts[struct_zero]] = True
    return alive | first, np.maximum(count, 1), struct_zero


class _Group:
    """Variables of one degree: gather and scatter indices and evidence, padded states."""

    def __init__(self, variables, index, write, evid):
        self.variables = variables         # (n,) variable indices
        self.index = index                 # (n, degree, card) flat message indices to read
        self.write = write                 # the same, padding states sent to the scratch slot
        self.evid = evid                   # (n, card) log evidence, -inf on padding states


class FlatGraph:
    """Index maps of a factor graph with evidence, built once per call."""

    def __init__(self, fg: FactorGraph, evidence: dict[int, int]):
        card_list = [v.cardinality for v in fg.variables]
        scopes = [[fg.index(u) for u in f.variables] for f in fg.factors]
        shapes = [tuple(card_list[v] for v in scope) for scope in scopes]
        order = sorted(range(len(fg.factors)), key=lambda k: (len(shapes[k]), shapes[k]))
        cards = np.array(card_list, dtype=np.int64)
        edge_var = np.array([v for k in order for v in scopes[k]], dtype=np.int64)
        self.edge_card = cards[edge_var]
        self.edge_offset = np.concatenate(([0], np.cumsum(self.edge_card)[:-1])).astype(np.int64)
        self.size = int(self.edge_card.sum())
        self.edge_segment = np.repeat(np.arange(len(edge_var)), self.edge_card)
        self.uniform = -np.log(self.edge_card[self.edge_segment].astype(np.float64))
        first = np.cumsum([0] + [len(scopes[k]) for k in order])
        factor_edges = {k: list(range(first[p], first[p + 1])) for p, k in enumerate(order)}
        self.blocks = self._blocks(fg, order, shapes, factor_edges)
        self.groups, self.isolated = self._groups(cards, edge_var, evidence)
        self.cards = cards
        self.evidence = evidence

    def _blocks(self, fg, order, shapes, factor_edges) -> list[_Block]:
        """One block per arity, built one shape at a time with stacked tables."""
        by_shape: dict[tuple, list[int]] = {}
        for k in order:
            by_shape.setdefault(shapes[k], []).append(k)
        parts: dict[int, list] = {}
        for shape, ks in by_shape.items():
            if shape:
                parts.setdefault(len(shape), []).append(self._shape_rows(fg, shape, ks,
                                                                         factor_edges))
        blocks = []
        for arity, pieces in parts.items():
            logs, others, lengths, seg_logmax = (
                np.concatenate([p[i] for p in pieces], axis=-1) for i in range(4))
            first_factor = next(ks[0] for shape, ks in by_shape.items() if len(shape) == arity)
            lo = int(self.edge_offset[factor_edges[first_factor][0]])
            blocks.append(_Block(lo, lo + len(lengths), logs, others, lengths, seg_logmax))
        return blocks

    def _shape_rows(self, fg, shape, ks, factor_edges):
        """Entry rows of the factors ``ks``, all of one shape, in edge order.

        Returns (logs, others, lengths, seg_logmax) for these factors, ordered by
        factor, then slot, then the slot variable's state, then the other variables' states.
        """
        arity, size, k = len(shape), int(np.prod(shape)), len(ks)
        with np.errstate(divide="ignore"):
            tables = np.log(np.stack([np.asarray(fg.factors[f].table, dtype=np.float64)
                                      for f in ks]))
        edges = np.array([factor_edges[f] for f in ks], dtype=np.int64)        # (k, arity)
        grid = np.indices(shape)
        logs = np.stack([np.moveaxis(tables, 1 + i, 1).reshape(k, size) for i in range(arity)],
                        axis=1)                                                 # (k, a, N)
        others = np.empty((arity - 1, k, arity, size), dtype=np.int64)
        for i in range(arity):
            for r, j in enumerate(x for x in range(arity) if x != i):
                others[r, :, i, :] = (self.edge_offset[edges[:, j]][:, None]
                                      + np.moveaxis(grid[j], i, 0).ravel()[None, :])
        lengths = np.tile(np.concatenate([[size // c] * c for c in shape]), k)
        seg_logmax = np.repeat(tables.reshape(k, size).max(axis=1), sum(shape))
        return (logs.ravel(), others.reshape(arity - 1, k * arity * size), lengths, seg_logmax)

    def _groups(self, cards, edge_var, evidence):
        """Variables grouped by degree, each with its edges in edge order."""
        degree = np.bincount(edge_var, minlength=len(cards))
        by_var = np.argsort(edge_var, kind="stable")          # edges of variable 0, 1, ...
        first = np.concatenate(([0], np.cumsum(degree)[:-1]))
        isolated = [int(v) for v in np.flatnonzero(degree == 0)]
        groups = []
        for d in sorted(set(degree[degree > 0].tolist())):  # np.unique would import numpy.ma
            vs = np.flatnonzero(degree == d)
            c = int(cards[vs].max())
            edges = by_var[first[vs][:, None] + np.arange(d)]             # (n, degree)
            index = self.edge_offset[edges][:, :, None] + np.arange(c)     # (n, degree, card)
            pad = np.arange(c)[None, :] >= cards[vs][:, None]             # (n, card)
            index[np.broadcast_to(pad[:, None, :], index.shape)] = 0
            write = index.copy()
            write[np.broadcast_to(pad[:, None, :], index.shape)] = self.size
            evid = np.where(pad, -np.inf, 0.0)
            for row, v in enumerate(vs):
                if int(v) in evidence:
                    evid[row, :] = -np.inf
                    evid[row, evidence[int(v)]] = 0.0
            groups.append(_Group(vs, index, write, evid))
        return groups, isolated

    # -- one round ----------------------------------------------------------------------------

    def variable_side(self, f2v: np.ndarray) -> np.ndarray:
        """v2f messages: evidence plus every incoming f2v message except the edge's own.

        Each message is shifted so that its largest entry is 0; EvidenceError if it is all
        ``-inf`` (an all-zero message proves Z = 0).
        """
        v2f = np.empty(self.size + 1)  # the last slot takes the padding states' writes
        for g in self.groups:
            x = f2v[g.index]
            excl = np.zeros_like(x)
            excl[:, 1:] = np.cumsum(x[:, :-1], axis=1)
            excl[:, :-1] += np.cumsum(x[:, :0:-1], axis=1)[:, ::-1]
            excl += g.evid[:, None, :]
            top = excl.max(axis=2, keepdims=True)
            if np.isneginf(top).any():
                raise EvidenceError(CONTRADICTION)
            v2f[g.write] = excl - top
        return v2f[:self.size]

    def factor_side(self, v2f: np.ndarray) -> np.ndarray:
        """Normalised f2v messages from shifted v2f messages; EvidenceError on an all-zero one."""
        out = np.empty(self.size)
        if not self.size:
            return out
        q = np.exp(v2f)
        for b in self.blocks:
            s = b.probs
            for row in b.others:
                s = s * q[row]
            seg = segment_sum(s, b.starts, b.segment_of)
            with np.errstate(divide="ignore"):
                logseg = np.log(seg)
            small = np.flatnonzero((seg < TINY) & ~b.struct_zero)
            if len(small):
                logseg[small] = _exact_segments(b, small, v2f) - b.seg_logmax[small]
            out[b.lo:b.hi] = logseg
        with np.errstate(divide="ignore"):
            total = np.log(segment_sum(np.exp(out), self.edge_offset, self.edge_segment))
        low = np.flatnonzero(total < math.log(TINY))
        if len(low):
            rows, local, segment_of = _rows_of(self.edge_offset, self.edge_card, low)
            total[low] = segment_logsumexp(out[rows], local, segment_of)
            if np.isneginf(total[low]).any():
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
                out[v] = row[:self.cards[v]]
        for v in self.isolated:
            card = int(self.cards[v])
            if v in self.evidence:
                out[v] = np.eye(card)[self.evidence[v]]
            else:
                out[v] = np.full(card, 1.0 / card)
        return out


def _rows_of(starts: np.ndarray, lengths: np.ndarray, segments: np.ndarray):
    """Flat rows of the chosen segments, with their starts and segment ids in that selection."""
    lengths = lengths[segments]
    local = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    rows = np.repeat(starts[segments] - local, lengths) + np.arange(lengths.sum())
    return rows, local, np.repeat(np.arange(len(segments)), lengths)


def _exact_segments(b: _Block, segments: np.ndarray, v2f: np.ndarray) -> np.ndarray:
    """Log-domain sums of the given segments of block b, max-shifted per segment."""
    rows, local, segment_of = _rows_of(b.starts, b.lengths, segments)
    s = b.logs[rows]
    for row in b.others:
        s = s + v2f[row[rows]]
    return segment_logsumexp(s, local, segment_of)


def run_flooding(flat: FlatGraph, damping: float, tol: float, max_iter: int, progress=None):
    """Synchronous rounds from uniform messages; returns (f2v, converged, iterations, residual).

    Round t: v2f from the f2v of round t - 1, then f2v from those v2f, then damping in the
    probability domain, new = (1 - damping) * update + damping * old.  The residual of a round is
    the largest absolute change of a normalised f2v message entry, in probability.
    ``progress(rounds, residual)`` is called after every round.
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
        if progress:
            progress(it, residual)
        if residual < tol:
            return f2v, True, it, residual
    return f2v, False, max_iter, residual
