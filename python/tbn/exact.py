"""Exact marginals by variable elimination (SPEC 3.2), in float64, Fractions or mpmath.

One elimination pass over a greedy min-fill order (ties broken by the smaller clique table) builds
the elimination tree: cluster i holds the variable eliminated at step i and its neighbours at that
moment, and sends its message to the cluster of the first of those neighbours to be eliminated
later.  Summing out towards the roots and back out again (Shafer-Shenoy on that tree) gives every
variable's marginal for about twice the cost of one elimination, instead of one elimination per
variable.  Evidence slices the tables before anything else, so observed variables never enter a
cluster.

The three arithmetics run the same code on numpy arrays: float64, object arrays of `Fraction`
(exact: the results equal the rational marginals of the model as written) and object arrays of
mpmath numbers inside ``mpmath.workdps(dps)``.
"""
from __future__ import annotations

import heapq
import math
from fractions import Fraction
from typing import Callable, Mapping

import mpmath
import numpy as np

from .errors import EvidenceError, ModelError, TbnError
from .graph import FactorGraph

__all__ = ["marginals", "elimination_order", "MAX_CLUSTER_ENTRIES"]

ARITHMETICS = ("float", "fraction", "mpmath")

#: Largest clique table variable elimination will build; beyond it the model is refused with a
#: ModelError suggesting belief propagation instead of exhausting memory.
MAX_CLUSTER_ENTRIES = 50_000_000

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def marginals(fg: FactorGraph, evidence: Mapping[str, int] | None = None,
              arithmetic: str = "float", dps: int = 50,
              progress: Callable[[int, int], None] | None = None) -> dict[str, list]:
    """Exact marginal distribution of every variable given the evidence.

    Parameters
    ----------
    fg : FactorGraph
        The model; P(x) is proportional to the product of its factors.
    evidence : mapping of str to int, optional
        Observed variables and their state indices.
    arithmetic : {"float", "fraction", "mpmath"}
        float64 (fast); exact `Fraction`s (uses each factor's exact table when the model file
        gave one, and refuses irrational logistic-gate entries); or mpmath numbers.
    dps : int
        Decimal digits for ``arithmetic="mpmath"`` (scoped with `mpmath.workdps`).
    progress : callable, optional
        Called as ``progress(done, total)`` after each of the ``total`` cluster computations
        (upward, downward and final pass of the elimination tree), e.g. to show long runs moving.

    Returns
    -------
    dict of str to list
        ``{name: [P(name = state k | evidence) for k]}`` in the graph's variable order, entries
        of type float, Fraction or mpf.  Observed variables get their indicator distribution.

    Raises
    ------
    EvidenceError
        Bad evidence, or evidence of probability zero (Z = 0).
    ModelError
        The factors alone have Z = 0, a cluster would exceed `MAX_CLUSTER_ENTRIES`, or Fraction
        arithmetic meets an irrational entry.
    """
    if arithmetic not in ARITHMETICS:
        raise TbnError(f"arithmetic must be one of {ARITHMETICS}, got {arithmetic!r}")
    if isinstance(dps, bool) or not isinstance(dps, int) or dps < 1:
        raise TbnError(f"dps must be a positive integer, got {dps!r}")
    evidence = fg.check_evidence(evidence)
    if arithmetic == "mpmath":
        with mpmath.workdps(dps):
            return _marginals(fg, evidence, arithmetic, progress)
    return _marginals(fg, evidence, arithmetic, progress)


def _tables(fg: FactorGraph, arithmetic: str) -> list[np.ndarray]:
    if arithmetic == "float":
        # Scaled to largest entry 1 (free: marginals ignore scale), so that factors like
        # [1e300, 1e300] or [1e-300, 2e-300] cannot overflow or underflow when multiplied.
        return [_rescaled(np.asarray(f.table, dtype=np.float64)) for f in fg.factors]
    if arithmetic == "fraction":
        return [f.rational_table() for f in fg.factors]
    return [f.mp_table() for f in fg.factors]


def _marginals(fg: FactorGraph, evidence: dict[str, int], arithmetic: str,
               progress=None) -> dict[str, list]:
    one, zero = {"float": (1.0, 0.0), "fraction": (Fraction(1), Fraction(0)),
                 "mpmath": (mpmath.mpf(1), mpmath.mpf(0))}[arithmetic]
    card = {v.name: v.cardinality for v in fg.variables}

    # Slice every table at the evidence; what is left over no variable is a constant.
    reduced: list[tuple[tuple[str, ...], np.ndarray]] = []
    for f, table in zip(fg.factors, _tables(fg, arithmetic)):
        index = tuple(evidence.get(u, slice(None)) for u in f.variables)
        scope = tuple(u for u in f.variables if u not in evidence)
        sliced = table[index]
        if scope:
            reduced.append((scope, np.asarray(sliced)))
        elif not np.asarray(sliced).item() > 0:
            _zero_partition(fg, evidence)

    free = [v.name for v in fg.variables if v.name not in evidence]
    order, cliques = elimination_order(free, [s for s, _ in reduced], card)
    pos = {v: i for i, v in enumerate(order)}
    seps = [tuple(sorted(c - {order[i]}, key=pos.__getitem__)) for i, c in enumerate(cliques)]
    parent = [pos[s[0]] if s else None for s in seps]
    children: list[list[int]] = [[] for _ in order]
    for i, p in enumerate(parent):
        if p is not None:
            children[p].append(i)
    assigned: list[list[tuple[tuple[str, ...], np.ndarray]]] = [[] for _ in order]
    for scope, table in reduced:
        assigned[min(pos[u] for u in scope)].append((scope, table))

    # Messages are (scope, table) pairs: a message is constant in the separator variables that
    # no operand mentions, so they are left out of its scope instead of broadcast.
    total = 3 * len(order)
    step = (lambda done: progress(done, total)) if progress else (lambda done: None)
    up: list = [None] * len(order)
    for i in range(len(order)):  # children are eliminated before their parent
        up[i] = _normalise(_contract(assigned[i] + [up[c] for c in children[i]], seps[i], one),
                           fg, evidence)
        step(i + 1)
    down: list = [None] * len(order)
    for n, i in enumerate(reversed(range(len(order)))):
        base = assigned[i] + ([down[i]] if parent[i] is not None else [])
        for c, others in _leave_one_out([up[c] for c in children[i]], children[i]):
            down[c] = _normalise(_contract(base + others, seps[c], one), fg, evidence)
        step(len(order) + n + 1)

    result = {}
    for i, v in enumerate(order):
        step(2 * len(order) + i + 1)
        ops = assigned[i] + [up[c] for c in children[i]]
        if parent[i] is not None:
            ops.append(down[i])
        scope, table = _normalise(_contract(ops, (v,), one), fg, evidence)
        result[v] = list(table) if scope else [one / card[v]] * card[v]
    for v, k in evidence.items():
        result[v] = [one if s == k else zero for s in range(card[v])]
    return {v.name: [_plain(p, arithmetic) for p in result[v.name]] for v in fg.variables}


def elimination_order(variables: list[str], scopes: list[tuple[str, ...]],
                      card: Mapping[str, int]) -> tuple[list[str], list[frozenset]]:
    """Greedy min-fill elimination order, ties broken by the smaller clique table.

    Returns the order and, for each step, the clique formed: the eliminated variable with its
    neighbours at that moment.  After each step only the scores that can have changed are
    recomputed, each in time linear in the degree, so a variable with thousands of neighbours
    (a naive Bayes hub) costs no more than it must.

    Raises
    ------
    ModelError
        If a clique's table would have more than `MAX_CLUSTER_ENTRIES` entries.
    """
    adj: dict[str, set[str]] = {v: set() for v in variables}
    for scope in scopes:
        for u in scope:
            adj[u].update(w for w in scope if w != u)

    def score(v: str) -> tuple[int, int]:
        nb = adj[v]
        d = len(nb)
        links = sum(len(adj[w] & nb) for w in nb) // 2  # edges already among the neighbours
        return d * (d - 1) // 2 - links, card[v] * math.prod(card[u] for u in nb)

    rank = {v: i for i, v in enumerate(variables)}
    current = {v: score(v) for v in variables}
    heap = [(*current[v], rank[v], v) for v in variables]
    heapq.heapify(heap)
    order, cliques = [], []
    while heap:
        fill, weight, _, v = heapq.heappop(heap)
        if v not in current or current[v] != (fill, weight):
            continue  # stale entry
        if weight > MAX_CLUSTER_ENTRIES:
            raise ModelError(f"too large for exact inference: eliminating {v!r} builds a table of "
                             f"{weight:.3g} entries (limit {MAX_CLUSTER_ENTRIES:.3g}); "
                             "use belief propagation (--method bp)")
        nb = adj.pop(v)
        del current[v]
        order.append(v)
        cliques.append(frozenset(nb | {v}))
        # A score changes only for the neighbours (they lose v, gain fill edges) and for the
        # common neighbours of the two ends of a fill edge (an edge appears among theirs).
        touched = set(nb)
        for u in nb:
            adj[u].discard(v)
        members = list(nb)
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if b not in adj[a]:
                    touched |= adj[a] & adj[b]
                    adj[a].add(b)
                    adj[b].add(a)
        for u in touched:
            current[u] = score(u)
            heapq.heappush(heap, (*current[u], rank[u], u))
    return order, cliques


def _contract(operands: list[tuple[tuple[str, ...], np.ndarray]], out: tuple[str, ...],
              one) -> tuple[tuple[str, ...], np.ndarray]:
    """Sum the product of the operands over every variable not in ``out`` (einsum).

    Returns the scope of the result: the variables of ``out`` that some operand mentions.
    """
    letters: dict[str, str] = {}
    for scope, _ in operands:
        for u in scope:
            if u not in letters:
                if len(letters) == len(_LETTERS):
                    raise ModelError(f"a cluster joins more than {len(_LETTERS)} variables, too "
                                     "many for exact inference: use belief propagation")
                letters[u] = _LETTERS[len(letters)]
    operands = _merge_equal_scopes(operands)
    if not operands:  # nothing left to multiply: the constant function 1
        return (), np.asarray(one, dtype=np.float64 if isinstance(one, float) else object)
    kept = tuple(u for u in out if u in letters)
    spec = ",".join("".join(letters[u] for u in s) for s, _ in operands)
    spec += "->" + "".join(letters[u] for u in kept)
    arrays = [t for _, t in operands]
    return kept, np.asarray(np.einsum(spec, *arrays, optimize=len(arrays) > 2))


def _leave_one_out(messages: list, owners: list[int]):
    """Yield (owner, the other messages, multiplied within equal scopes) for every message.

    Messages over the same variables are combined by prefix and suffix products, so a variable
    with k children costs O(k) multiplications instead of O(k^2) (and never divides, which
    would fail on zeros).
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    canonical = []
    for j, (scope, table) in enumerate(messages):
        key = tuple(sorted(scope))
        canonical.append(table if key == scope else
                         np.transpose(table, [scope.index(u) for u in key]))
        groups.setdefault(key, []).append(j)
    totals, without = {}, {}
    for key, members in groups.items():
        prefix = [None]
        for j in members:
            prefix.append(canonical[j] if prefix[-1] is None else
                          _rescaled(prefix[-1] * canonical[j]))
        suffix = None
        for pos in reversed(range(len(members))):
            parts = [x for x in (prefix[pos], suffix) if x is not None]
            without[members[pos]] = _rescaled(parts[0] * parts[1]) if len(parts) == 2 else \
                (parts[0] if parts else None)
            suffix = canonical[members[pos]] if suffix is None else \
                _rescaled(canonical[members[pos]] * suffix)
        totals[key] = prefix[-1]
    for j, owner in enumerate(owners):
        own = tuple(sorted(messages[j][0]))
        others = [(key, total) for key, total in totals.items() if key != own]
        if without[j] is not None:
            others.append((own, without[j]))
        yield owner, others


def _merge_equal_scopes(operands: list) -> list:
    """Multiply together the operands over the same variables (in any axis order).

    A variable with a hundred children (pathfinder's Fault) otherwise hands einsum a hundred
    operands, and finding a contraction path for those costs more than the contraction.
    """
    merged: dict[tuple[str, ...], np.ndarray] = {}
    for scope, table in operands:
        key = tuple(sorted(scope))
        if key != scope:
            table = np.transpose(table, [scope.index(u) for u in key])
        merged[key] = _rescaled(merged[key] * table) if key in merged else table
    return list(merged.items())


def _rescaled(table: np.ndarray) -> np.ndarray:
    """Divide a float64 product by its largest entry, so long products cannot underflow.

    Every message and marginal is normalised in the end, so positive scale factors are free;
    exact zeros stay zero.  Fractions and mpmath numbers cannot underflow and are left alone.
    """
    if table.dtype != np.float64:
        return table
    top = table.max(initial=0.0)
    return table / top if top > 0 else table


def _normalise(message: tuple[tuple[str, ...], np.ndarray], fg: FactorGraph,
               evidence: Mapping[str, int]):
    scope, table = message
    total = table.sum()
    if not total > 0:
        _zero_partition(fg, evidence)
    return scope, table / total


def _zero_partition(fg: FactorGraph, evidence: Mapping[str, int]):
    if evidence:
        states = {v.name: v.states for v in fg.variables}
        given = ", ".join(f"{name}={states[name][k]}" for name, k in evidence.items())
        raise EvidenceError("contradictory evidence: it has probability zero under the model "
                            f"(Z = 0) given {given}")
    raise ModelError("the factors are contradictory: their product is zero everywhere (Z = 0)")


def _plain(p, arithmetic: str):
    if arithmetic == "float":
        return float(p)
    return p
