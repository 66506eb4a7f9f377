"""Checks of ``lean/TBN/TreeGraph.lean``: breadth-first rooting of the bipartite factor graph.

Nodes are those of `tbn.checks.sum_product`: ``("var", i)`` for Lean's ``Sum.inl i`` and
``("fac", a)`` for ``Sum.inr a``.  Every Lean definition has a literal twin:

* `bfs_dists`: ``bfsDist r w``, the least ``k`` with ``w`` in ``reach r k`` (0 when there is none),
  from the same breadth-first expansion as Lean's ``reach``;
* `bfs_par_map`: ``bfsPar r``, a neighbour one step closer to ``r``, else the node itself.  Lean's
  choice among several such neighbours is ``Classical.choose``, about which nothing is known, so
  the twin picks among them with a seeded random generator: the statements must hold for ANY
  choice, and the checks draw many;
* `ecc`: the largest ``bfsDist`` from ``r``;
* `subtree`: the nodes some iterate of ``bfsPar`` sends to ``w``, computed as the least set
  containing ``w`` and closed under taking ``bfsPar``-preimages (not by iterating, so that
  ``mem_subtree`` compares two different computations).

The statements are discrete, so the checks are exact: deviation 0 when the statement holds on
every instance, 1 on the first counterexample (described in ``worst_case``).  Instances: random
graphs (disconnected ones too, for the statements without hypotheses), connected graphs (random
ones and trees with extra edges, i.e. with cycles), and trees: `random_tree_graph` (pairwise and
unary factors) and `random_flat_tree` (factors of arity 1 to 4), plus the one-node trees.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import Callable, Iterable

import mpmath

from ._base import CheckResult
from ._draws import exact_entry, positive_entry
from .factor_graph import LeanGraph, random_graph
from .sum_product import (_adjacent, _nodes, connected, double_edge, is_tree, num_edges,
                          num_nodes, random_tree_graph)

__all__ = [
    "Rooting", "bfs_dists", "bfs_dist", "bfs_par_map", "ecc", "iterate", "reaches", "subtree",
    "rooting", "random_flat_tree", "with_extra_edge", "random_connected_graph",
    "any_graphs", "connected_graphs", "tree_graphs", "discrete_check", "first_failure",
    "check_bfs_dist_self", "check_eq_of_bfs_dist_eq_zero", "check_bfs_dist_le_ecc",
    "check_ecc_le_num_nodes", "check_bfs_par_self", "check_adj_bfs_par",
    "check_bfs_dist_bfs_par", "check_num_nodes_le_num_edges_succ", "check_adj_eq_parent",
    "check_mem_subtree", "check_self_mem_subtree", "check_subtree_root",
    "check_bfs_dist_le_of_mem_subtree", "check_bfs_dist_lt_of_mem_subtree",
    "check_disjoint_subtree", "check_subtree_trans", "check_bfs_par_mem_subtree",
    "check_mem_subtree_bfs_par", "check_subtree_eq_insert_bi_union",
]


# --- twins of the Lean definitions ---------------------------------------------------------------

def bfs_dists(fg: LeanGraph, r) -> dict:
    """``bfsDist r w`` for every node ``w``: the first breadth-first step whose ``reach`` set
    contains ``w`` (``reach r k`` grows with ``k`` and is stable from ``numNodes`` steps on, so
    a node not reached by then is never reached: 0, as Lean's ``sInf ∅ = 0``)."""
    nodes = _nodes(fg)
    dist, seen = {}, {r}
    for k in range(num_nodes(fg) + 1):
        for w in seen:
            dist.setdefault(w, k)
        seen = seen | {u for w in seen for u in nodes if _adjacent(fg, w, u)}
    return {w: dist.get(w, 0) for w in nodes}


def bfs_dist(fg: LeanGraph, r, w) -> int:
    """``bfsDist fg r w``."""
    return bfs_dists(fg, r)[w]


def bfs_par_map(fg: LeanGraph, r, rng: random.Random | None = None, dist: dict | None = None
                ) -> dict:
    """``bfsPar r`` as a dict: for each ``w`` a neighbour ``u`` with ``bfsDist u + 1 =
    bfsDist w`` (chosen by ``rng`` among several; the first without one), else ``w`` itself.
    No special case for the root: no neighbour has distance ``-1``, so ``bfsPar r = r``."""
    dist = bfs_dists(fg, r) if dist is None else dist
    nodes = _nodes(fg)
    par = {}
    for w in nodes:
        cands = [u for u in nodes if _adjacent(fg, u, w) and dist[u] + 1 == dist[w]]
        par[w] = (cands[0] if rng is None else rng.choice(cands)) if cands else w
    return par


def ecc(fg: LeanGraph, r, dist: dict | None = None) -> int:
    """``ecc r = univ.sup (bfsDist r)``."""
    dist = bfs_dists(fg, r) if dist is None else dist
    return max(dist.values(), default=0)


def iterate(par: dict, u, k: int):
    """``bfsPar^[k] u``."""
    for _ in range(k):
        u = par[u]
    return u


def reaches(par: dict, u, w) -> bool:
    """``∃ k, bfsPar^[k] u = w``, by walking the orbit of ``u`` (it repeats within
    ``len(par)`` steps, so no later iterate is new)."""
    for k in range(len(par) + 1):
        if u == w:
            return True
        u = par[u]
    return False


def subtree(par: dict, w) -> frozenset:
    """``subtree r w``: the least set containing ``w`` and every node whose parent is in it."""
    out, frontier = {w}, [w]
    while frontier:
        x = frontier.pop()
        for c, p in par.items():
            if p == x and c not in out:
                out.add(c)
                frontier.append(c)
    return frozenset(out)


class Rooting:
    """One graph rooted at ``r`` with one drawn choice of ``bfsPar`` (and cached subtrees)."""

    def __init__(self, fg: LeanGraph, r, rng: random.Random | None = None):
        self.fg, self.r = fg, r
        self.nodes = _nodes(fg)
        self.dist = bfs_dists(fg, r)
        self.par = bfs_par_map(fg, r, rng, self.dist)
        self.ecc = ecc(fg, r, self.dist)
        self._sub = {}

    def subtree(self, w) -> frozenset:
        if w not in self._sub:
            self._sub[w] = subtree(self.par, w)
        return self._sub[w]

    def adj(self, u, w) -> bool:
        return _adjacent(self.fg, u, w)

    def __repr__(self):
        return f"Rooting(r={self.r}, par={self.par}, fg={self.fg})"


def rooting(fg: LeanGraph, r, rng: random.Random | None = None) -> Rooting:
    """The graph rooted at ``r`` (``bfsPar`` drawn with ``rng``)."""
    return Rooting(fg, r, rng)


# --- instances -----------------------------------------------------------------------------------

def _table(rng: random.Random, arity: int, k: int, positive: bool) -> dict:
    return {vals: positive_entry(rng) if positive else exact_entry(rng)
            for vals in itertools.product(range(k), repeat=arity)}


def random_flat_tree(rng: random.Random, *, max_n: int = 6, max_k: int = 3, max_arity: int = 4,
                     n: int | None = None, k: int | None = None, positive: bool = False,
                     max_unary: int = 2) -> LeanGraph:
    """A random tree factor graph with factors of arity 1 to ``max_arity``.

    Grown from one variable: each new factor hangs below an existing variable and brings
    ``arity - 1`` new variables (so the bipartite graph stays a tree), plus up to ``max_unary``
    extra unary factors; then variables are relabelled and factors shuffled, so neither the
    root nor the factor order is special.  Tables have zeros and extreme entries unless
    ``positive``.
    """
    n = rng.randint(1, max_n) if n is None else n
    k = rng.randint(1, max_k) if k is None else k
    scopes, count = [], 1
    while count < n:
        parent = rng.randrange(count)
        arity = rng.randint(2, min(max_arity, 1 + n - count))
        scopes.append((parent, *range(count, count + arity - 1)))
        count += arity - 1
    for _ in range(rng.randint(0, max_unary)):
        scopes.append((rng.randrange(n),))
    perm = list(range(n))
    rng.shuffle(perm)
    rng.shuffle(scopes)
    factors = []
    for scope in scopes:
        s = tuple(sorted(perm[i] for i in scope))
        factors.append((s, _table(rng, len(s), k, positive)))
    return LeanGraph(n, k, tuple(factors))


def with_extra_edge(rng: random.Random, fg: LeanGraph) -> LeanGraph:
    """The graph with one variable added to the scope of one factor not containing it: on a
    connected graph this closes a cycle (when no such pair exists, the graph itself)."""
    pairs = [(a, i) for a, (scope, _) in enumerate(fg.factors) for i in range(fg.n)
             if i not in scope]
    if not pairs:
        return fg
    a, i = rng.choice(pairs)
    scope = tuple(sorted(fg.factors[a][0] + (i,)))
    factors = list(fg.factors)
    factors[a] = (scope, _table(rng, len(scope), fg.k, positive=False))
    return LeanGraph(fg.n, fg.k, tuple(factors))


def random_connected_graph(rng: random.Random, *, max_n: int = 5) -> LeanGraph:
    """A connected graph with cycles: a random graph kept only when connected and not a tree,
    or a random flat tree with one or two extra edges."""
    if rng.random() < 0.5:
        for _ in range(500):
            fg = random_graph(rng, max_n=max_n, max_k=2, max_factors=5)
            if connected(fg) and not is_tree(fg):
                return fg
    fg = random_flat_tree(rng, max_n=max_n, max_k=2, n=rng.randint(2, max_n))
    for _ in range(rng.randint(1, 2)):
        fg = with_extra_edge(rng, fg)
    return fg


# The one-node trees: a lone variable, and a lone factor with an empty scope (n = 0).
_LONE_VARIABLE = LeanGraph(1, 2, ())
_LONE_FACTOR = LeanGraph(0, 2, (((), {(): Fraction(3)}),))


def tree_graphs(seed: int, instances: int, **kwargs) -> Iterable[LeanGraph]:
    """Trees (Lean's ``IsTree``): the one-node trees, then `random_tree_graph` and
    `random_flat_tree` in turn."""
    rng = random.Random(seed)
    edge = [_LONE_VARIABLE, _LONE_FACTOR, LeanGraph(1, 2, (((0,), {(0,): Fraction(1),
                                                                    (1,): Fraction(0)}),))]
    for j in range(instances):
        if j < len(edge):
            yield edge[j]
        elif j % 2:
            yield random_tree_graph(rng, rng.randint(1, 5), rng.randint(1, 3))
        else:
            yield random_flat_tree(rng, **kwargs)


def connected_graphs(seed: int, instances: int) -> Iterable[LeanGraph]:
    """Connected graphs: the double edge (a 2-cycle), then trees and graphs with cycles."""
    rng = random.Random(seed)
    trees = tree_graphs(seed + 1, instances)
    for j in range(instances):
        if j == 0:
            yield double_edge(2)
        elif j % 3 == 1:
            yield next(trees)
        else:
            yield random_connected_graph(rng)


def any_graphs(seed: int, instances: int) -> Iterable[LeanGraph]:
    """Any graphs, disconnected ones included (isolated variables, empty-scope factors)."""
    rng = random.Random(seed)
    conn = connected_graphs(seed + 2, instances)
    for j in range(instances):
        yield next(conn) if j % 3 == 0 else random_graph(rng, max_n=5, max_k=2, max_factors=5)


# --- the discrete check driver -------------------------------------------------------------------

def discrete_check(graphs: Iterable[LeanGraph], statement: Callable[[Rooting], str | None],
                   seed: int, *, draws: int = 2,
                   hypothesis: Callable[[LeanGraph], bool] | None = None) -> CheckResult:
    """Run ``statement`` on every graph rooted at every node, with ``draws`` random choices of
    ``bfsPar`` each; it returns None when the statement holds, else a description.  Deviation 0
    when it always holds, else 1 with the first counterexample.  ``hypothesis`` (``connected``,
    ``is_tree``) is confirmed on every graph first: an instance violating it counts as a failure
    (a generator bug must not pass silently)."""
    rng = random.Random(seed + 7)
    count, failure = 0, None
    for fg in graphs:
        count += 1
        if failure is not None:
            continue
        if hypothesis is not None and not hypothesis(fg):
            failure = f"instance violates {hypothesis.__name__}: {fg}"[:600]
            continue
        for r in _nodes(fg):
            for _ in range(draws):
                ro = Rooting(fg, r, rng)
                msg = statement(ro)
                if msg is not None:
                    failure = f"{msg}; {ro!r}"[:600]
                    break
            if failure is not None:
                break
    return CheckResult(mpmath.mpf(0 if failure is None else 1), count, failure or "")


def first_failure(pairs) -> str | None:
    """The first description whose condition failed (``pairs`` yields (ok, description))."""
    for ok, what in pairs:
        if not ok:
            return what
    return None


# --- statements: each is the Lean statement on one rooted graph ----------------------------------

def stmt_bfs_dist_self(ro: Rooting):
    return None if ro.dist[ro.r] == 0 else f"bfsDist r r = {ro.dist[ro.r]}"


def stmt_eq_of_bfs_dist_eq_zero(ro: Rooting):
    return first_failure((ro.dist[w] != 0 or w == ro.r, f"bfsDist {w} = 0, w != r") for w in ro.nodes)


def stmt_bfs_dist_le_ecc(ro: Rooting):
    return first_failure((ro.dist[w] <= ro.ecc, f"bfsDist {w} > ecc") for w in ro.nodes)


def stmt_ecc_le_num_nodes(ro: Rooting):
    return None if ro.ecc <= num_nodes(ro.fg) else f"ecc {ro.ecc} > numNodes"


def stmt_bfs_par_self(ro: Rooting):
    return None if ro.par[ro.r] == ro.r else "bfsPar r r != r"


def stmt_adj_bfs_par(ro: Rooting):
    return first_failure((w == ro.r or ro.adj(ro.par[w], w), f"bfsPar {w} not adjacent")
                  for w in ro.nodes)


def stmt_bfs_dist_bfs_par(ro: Rooting):
    return first_failure((w == ro.r or ro.dist[ro.par[w]] + 1 == ro.dist[w],
                   f"bfsDist (bfsPar {w}) + 1 != bfsDist {w}") for w in ro.nodes)


def stmt_num_nodes_le_num_edges_succ(ro: Rooting):
    fg = ro.fg
    return None if num_nodes(fg) <= num_edges(fg) + 1 else \
        f"numNodes {num_nodes(fg)} > numEdges {num_edges(fg)} + 1"


def stmt_adj_eq_parent(ro: Rooting):
    r, par = ro.r, ro.par
    return first_failure((not ro.adj(u, w) or (w != r and par[w] == u) or (u != r and par[u] == w),
                   f"edge {u}-{w} is not a parent edge")
                  for u in ro.nodes for w in ro.nodes)


def stmt_mem_subtree(ro: Rooting):
    return first_failure(((u in ro.subtree(w)) == reaches(ro.par, u, w),
                   f"u={u} in subtree {w} disagrees with the iterates")
                  for w in ro.nodes for u in ro.nodes)


def stmt_self_mem_subtree(ro: Rooting):
    return first_failure((w in ro.subtree(w), f"{w} not in its subtree") for w in ro.nodes)


def stmt_subtree_root(ro: Rooting):
    return None if ro.subtree(ro.r) == frozenset(ro.nodes) else "subtree r != univ"


def stmt_bfs_dist_le_of_mem_subtree(ro: Rooting):
    return first_failure((ro.dist[w] <= ro.dist[u], f"u={u} in subtree {w}, closer to r")
                  for w in ro.nodes for u in ro.subtree(w))


def stmt_bfs_dist_lt_of_mem_subtree(ro: Rooting):
    return first_failure((u == w or ro.dist[w] < ro.dist[u], f"u={u} in subtree {w}, not farther")
                  for w in ro.nodes for u in ro.subtree(w))


def stmt_disjoint_subtree(ro: Rooting):
    return first_failure((c1 == c2 or ro.dist[c1] != ro.dist[c2]
                   or not (ro.subtree(c1) & ro.subtree(c2)),
                   f"subtrees of {c1}, {c2} meet") for c1 in ro.nodes for c2 in ro.nodes)


def stmt_subtree_trans(ro: Rooting):
    return first_failure((ro.subtree(u) <= ro.subtree(w), f"subtree {u} not inside subtree {w}")
                  for w in ro.nodes for u in ro.subtree(w))


def stmt_bfs_par_mem_subtree(ro: Rooting):
    return first_failure((u == w or ro.par[u] in ro.subtree(w), f"bfsPar {u} leaves subtree {w}")
                  for w in ro.nodes for u in ro.subtree(w))


def stmt_mem_subtree_bfs_par(ro: Rooting):
    return first_failure((u in ro.subtree(ro.par[u]), f"{u} not in subtree of its parent")
                  for u in ro.nodes)


def stmt_subtree_eq_insert_bi_union(ro: Rooting):
    def rhs(w):
        out = {w}
        for c in ro.nodes:
            if c != ro.r and ro.par[c] == w:
                out |= ro.subtree(c)
        return frozenset(out)
    return first_failure((ro.subtree(w) == rhs(w), f"subtree {w} != insert w (children's subtrees)")
                  for w in ro.nodes)


# --- one check per manifest theorem --------------------------------------------------------------

def check_bfs_dist_self(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsDist_self``: the root is at distance 0 (any graph)."""
    return discrete_check(any_graphs(seed, instances), stmt_bfs_dist_self, seed)


def check_eq_of_bfs_dist_eq_zero(precision: int, instances: int, seed: int) -> CheckResult:
    """``eq_of_bfsDist_eq_zero``: on a connected graph only the root is at distance 0."""
    return discrete_check(connected_graphs(seed, instances), stmt_eq_of_bfs_dist_eq_zero, seed,
                          hypothesis=connected)


def check_bfs_dist_le_ecc(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsDist_le_ecc``: every distance is at most the eccentricity (any graph)."""
    return discrete_check(any_graphs(seed, instances), stmt_bfs_dist_le_ecc, seed)


def check_ecc_le_num_nodes(precision: int, instances: int, seed: int) -> CheckResult:
    """``ecc_le_numNodes``: on a connected graph the eccentricity is at most the node count."""
    return discrete_check(connected_graphs(seed, instances), stmt_ecc_le_num_nodes, seed,
                          hypothesis=connected)


def check_bfs_par_self(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsPar_self``: the root is its own parent (any graph)."""
    return discrete_check(any_graphs(seed, instances), stmt_bfs_par_self, seed)


def check_adj_bfs_par(precision: int, instances: int, seed: int) -> CheckResult:
    """``adj_bfsPar``: on a connected graph a non-root node is adjacent to its parent."""
    return discrete_check(connected_graphs(seed, instances), stmt_adj_bfs_par, seed,
                          hypothesis=connected)


def check_bfs_dist_bfs_par(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsDist_bfsPar``: on a connected graph a parent is one step closer to the root."""
    return discrete_check(connected_graphs(seed, instances), stmt_bfs_dist_bfs_par, seed,
                          hypothesis=connected)


def check_num_nodes_le_num_edges_succ(precision: int, instances: int, seed: int) -> CheckResult:
    """``numNodes_le_numEdges_succ``: a connected bipartite graph has at least |V| - 1 edges
    (connected graphs with and without cycles; the count is that of Lean's ``numEdges``)."""
    return discrete_check(connected_graphs(seed, instances), stmt_num_nodes_le_num_edges_succ,
                          seed, draws=1, hypothesis=connected)


def check_adj_eq_parent(precision: int, instances: int, seed: int) -> CheckResult:
    """``adj_eq_parent``: in a tree every edge joins a node to its parent, from every root.
    The trees are confirmed with `tbn.checks.sum_product.is_tree` (the hypothesis)."""
    return discrete_check(tree_graphs(seed, instances), stmt_adj_eq_parent, seed,
                          hypothesis=is_tree)


def check_mem_subtree(precision: int, instances: int, seed: int) -> CheckResult:
    """``mem_subtree``: the subtree (closure under parent-preimages) is the set of nodes whose
    parent iterates reach ``w`` (any graph)."""
    return discrete_check(any_graphs(seed, instances), stmt_mem_subtree, seed)


def check_self_mem_subtree(precision: int, instances: int, seed: int) -> CheckResult:
    """``self_mem_subtree`` (any graph)."""
    return discrete_check(any_graphs(seed, instances), stmt_self_mem_subtree, seed)


def check_subtree_root(precision: int, instances: int, seed: int) -> CheckResult:
    """``subtree_root``: on a connected graph the root's subtree is every node."""
    return discrete_check(connected_graphs(seed, instances), stmt_subtree_root, seed,
                          hypothesis=connected)


def check_bfs_dist_le_of_mem_subtree(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsDist_le_of_mem_subtree`` (connected graphs)."""
    return discrete_check(connected_graphs(seed, instances), stmt_bfs_dist_le_of_mem_subtree, seed,
                          hypothesis=connected)


def check_bfs_dist_lt_of_mem_subtree(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsDist_lt_of_mem_subtree`` (connected graphs)."""
    return discrete_check(connected_graphs(seed, instances), stmt_bfs_dist_lt_of_mem_subtree, seed,
                          hypothesis=connected)


def check_disjoint_subtree(precision: int, instances: int, seed: int) -> CheckResult:
    """``disjoint_subtree``: distinct nodes at the same distance have disjoint subtrees
    (connected graphs, cycles included: the parent choice is what makes them disjoint)."""
    return discrete_check(connected_graphs(seed, instances), stmt_disjoint_subtree, seed,
                          hypothesis=connected)


def check_subtree_trans(precision: int, instances: int, seed: int) -> CheckResult:
    """``subtree_trans`` (any graph)."""
    return discrete_check(any_graphs(seed, instances), stmt_subtree_trans, seed)


def check_bfs_par_mem_subtree(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsPar_mem_subtree`` (connected graphs)."""
    return discrete_check(connected_graphs(seed, instances), stmt_bfs_par_mem_subtree, seed,
                          hypothesis=connected)


def check_mem_subtree_bfs_par(precision: int, instances: int, seed: int) -> CheckResult:
    """``mem_subtree_bfsPar`` (any graph)."""
    return discrete_check(any_graphs(seed, instances), stmt_mem_subtree_bfs_par, seed)


def check_subtree_eq_insert_bi_union(precision: int, instances: int, seed: int) -> CheckResult:
    """``subtree_eq_insert_biUnion``: a subtree is its node plus its children's subtrees
    (connected graphs)."""
    return discrete_check(connected_graphs(seed, instances), stmt_subtree_eq_insert_bi_union, seed,
                          hypothesis=connected)
