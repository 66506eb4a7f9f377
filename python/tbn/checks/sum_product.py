"""Checks of ``lean/TBN/SumProduct.lean``: sum-product messages, rounds, beliefs, tree predicate.

Each Lean definition has a literal twin on `tbn.checks.factor_graph.LeanGraph`, in mpmath:
messages are indexed like Lean's (``mu[a][i][v]`` factor to variable, ``nu[i][a][v]`` variable to
factor), are not normalised, and a factor-to-variable message sums over all full assignments.
The tree predicate is the same breadth-first computation as the Lean ``reach``/``IsTree`` and is
compared with `tbn.graph.FactorGraph.is_tree`, an independent implementation.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import mpmath

from ..exact import marginals
from ._base import CheckResult, to_mpf, worst_deviation
from ._draws import exact_entry, negative_part, relative_gap
from .factor_graph import LeanGraph, assignments, marginal, random_graph, to_factor_graph, \
    unnorm_marginal

__all__ = [
    "nbrs", "var_to_factor", "factor_to_var", "bp_round", "bp_rounds", "uniform_messages",
    "unnorm_belief", "belief", "num_nodes", "num_edges", "reach", "connected", "is_tree",
    "double_edge", "random_messages", "random_tree_graph",
    "check_var_to_factor_nonneg", "check_factor_to_var_nonneg", "check_bp_round_nonneg",
    "check_bp_rounds_nonneg", "check_belief_nonneg", "check_sum_belief",
    "check_not_is_tree_double_edge", "check_unnorm_belief_bp_round_single",
    "check_belief_bp_round_single", "check_bp_rounds_uniform_nonneg",
]


# --- BP (Lean: nbrs, varToFactor, factorToVar, bpRound, bpRounds, unnormBelief, belief) --------

def nbrs(fg: LeanGraph, i: int) -> list:
    """The factors whose scope contains ``i``."""
    return [a for a, (scope, _) in enumerate(fg.factors) if i in scope]


def var_to_factor(fg: LeanGraph, mu) -> list:
    """``nu[i][a][v]``: product of the messages into ``i`` from every factor but ``a``."""
    out = []
    for i in range(fg.n):
        row = []
        for a in range(len(fg.factors)):
            vec = []
            for v in range(fg.k):
                p = mpmath.mpf(1)
                for b in nbrs(fg, i):
                    if b != a:
                        p *= mu[b][i][v]
                vec.append(p)
            row.append(vec)
        out.append(row)
    return out


def factor_to_var(fg: LeanGraph, nu) -> list:
    """``mu[a][i][v]``: sum over full assignments with ``x_i = v`` of the factor times the
    messages from the factor's other variables (every ``i``, as in Lean, not only the scope)."""
    out = [[[mpmath.mpf(0)] * fg.k for _ in range(fg.n)] for _ in fg.factors]
    for a, (scope, _) in enumerate(fg.factors):
        for x in assignments(fg):
            t = to_mpf(fg.table(a, x))
            for i in range(fg.n):
                p = t
                for j in scope:
                    if j != i:
                        p *= nu[j][a][x[j]]
                out[a][i][x[i]] += p
    return out


def bp_round(fg: LeanGraph, mu) -> list:
    """One synchronous round: variable-to-factor from ``mu``, then factor-to-variable."""
    return factor_to_var(fg, var_to_factor(fg, mu))


def bp_rounds(fg: LeanGraph, rounds: int, mu) -> list:
    """``rounds`` synchronous rounds from ``mu``."""
    for _ in range(rounds):
        mu = bp_round(fg, mu)
    return mu


def uniform_messages(fg: LeanGraph) -> list:
    """All messages 1."""
    return [[[mpmath.mpf(1)] * fg.k for _ in range(fg.n)] for _ in fg.factors]


def random_messages(rng: random.Random, fg: LeanGraph, signed: bool = False) -> list:
    """Arbitrary messages (nonnegative unless ``signed``)."""
    def entry():
        x = to_mpf(exact_entry(rng))
        return -x if signed and rng.random() < 0.3 else x
    return [[[entry() for _ in range(fg.k)] for _ in range(fg.n)] for _ in fg.factors]


def unnorm_belief(fg: LeanGraph, mu, i: int) -> list:
    """Product of all messages into ``i``."""
    out = []
    for v in range(fg.k):
        p = mpmath.mpf(1)
        for a in nbrs(fg, i):
            p *= mu[a][i][v]
        out.append(p)
    return out


def belief(fg: LeanGraph, mu, i: int) -> list:
    """``unnorm_belief`` normalised (0 when the total is 0, as Lean's x / 0)."""
    b = unnorm_belief(fg, mu, i)
    z = mpmath.fsum(b)
    return [x / z if z != 0 else mpmath.mpf(0) for x in b]


# --- the tree predicate (Lean: adj, expand, reach, numNodes, numEdges, Connected, IsTree) -------

def _adjacent(fg: LeanGraph, w, u) -> bool:
    """Nodes are ("var", i) and ("fac", a); a variable and a factor are joined by scope."""
    if w[0] == "var" and u[0] == "fac":
        return w[1] in fg.factors[u[1]][0]
    if w[0] == "fac" and u[0] == "var":
        return u[1] in fg.factors[w[1]][0]
    return False


def _nodes(fg: LeanGraph) -> list:
    return [("var", i) for i in range(fg.n)] + [("fac", a) for a in range(len(fg.factors))]


def num_nodes(fg: LeanGraph) -> int:
    return fg.n + len(fg.factors)


def num_edges(fg: LeanGraph) -> int:
    return sum(len(scope) for scope, _ in fg.factors)


def reach(fg: LeanGraph, u, steps: int) -> set:
    """Nodes within ``steps`` breadth-first steps of ``u``."""
    seen = {u}
    for _ in range(steps):
        seen = seen | {x for w in seen for x in _nodes(fg) if _adjacent(fg, w, x)}
    return seen


def connected(fg: LeanGraph) -> bool:
    everything = set(_nodes(fg))
    return all(reach(fg, u, num_nodes(fg)) == everything for u in _nodes(fg))


def is_tree(fg: LeanGraph) -> bool:
    """Lean's ``IsTree``: connected and ``numEdges + 1 = numNodes``."""
    return connected(fg) and num_edges(fg) + 1 == num_nodes(fg)


def random_tree_graph(rng: random.Random, n: int, k: int, *, unary: bool = True) -> LeanGraph:
    """A random tree factor graph: variable ``i > 0`` joined to a random earlier one by a
    pairwise factor, plus (when ``unary``) a unary factor on some variables; positive tables."""
    def table(arity):
        return {vals: Fraction(rng.randint(1, 40), rng.randint(1, 20))
                for vals in itertools.product(range(k), repeat=arity)}

    factors = [((rng.randrange(i), i), table(2)) for i in range(1, n)]
    if unary:
        factors += [((i,), table(1)) for i in range(n) if rng.random() < 0.5]
    rng.shuffle(factors)
    return LeanGraph(n, k, tuple(factors))


def double_edge(k: int = 2) -> LeanGraph:
    """Lean's ``doubleEdge``: two variables joined by two all-ones factors."""
    ones = {(u, v): Fraction(1) for u in range(k) for v in range(k)}
    return LeanGraph(2, k, (((0, 1), ones), ((0, 1), ones)))


# --- one check per manifest theorem -------------------------------------------------------------

def _worst_negative(cases, messages_of, precision: int) -> CheckResult:
    """How far the most negative number of ``messages_of(*case)`` (a message family: per
    variable, per factor, per value) is below 0, over the cases: the nonnegativity statements."""
    def deviation(case):
        with mpmath.workdps(precision):
            return negative_part([x for per_node in messages_of(*case) for vec in per_node
                                  for x in vec])

    return worst_deviation(cases, deviation)


def _cases(seed: int, instances: int, *, signed: bool = False):
    rng = random.Random(seed)
    for _ in range(instances):
        fg = random_graph(rng, max_n=4, max_k=3, max_factors=4)
        yield fg, random_messages(rng, fg, signed)


def check_var_to_factor_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``varToFactor_nonneg``."""
    return _worst_negative(_cases(seed, instances), var_to_factor, precision)


def check_factor_to_var_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``factorToVar_nonneg`` (the variable-to-factor messages drawn nonnegative at random)."""
    rng = random.Random(seed + 1)

    def cases():
        for fg, _ in _cases(seed, instances):
            nu = [[[to_mpf(exact_entry(rng)) for _ in range(fg.k)] for _ in fg.factors]
                  for _ in range(fg.n)]
            yield fg, nu

    return _worst_negative(cases(), factor_to_var, precision)


def check_bp_round_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``bpRound_nonneg``."""
    return _worst_negative(_cases(seed, instances), bp_round, precision)


def check_bp_rounds_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``bpRounds_nonneg``: 0 to 3 rounds from random nonnegative messages."""
    rng = random.Random(seed + 2)

    def cases():
        for fg, mu in _cases(seed, instances):
            yield fg, rng.randint(0, 3), mu

    return _worst_negative(cases(), bp_rounds, precision)


def check_belief_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``belief_nonneg``."""
    def deviation(case):
        fg, mu = case
        with mpmath.workdps(precision):
            return negative_part([p for i in range(fg.n) for p in belief(fg, mu, i)])

    return worst_deviation(_cases(seed, instances), deviation)


def check_sum_belief(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_belief``: for any real messages, beliefs sum to one where the normaliser is nonzero
    (messages drawn with both signs, and also the beliefs after 1 to 3 rounds from uniform)."""
    rng = random.Random(seed + 3)

    def cases():
        for fg, mu in _cases(seed, instances, signed=True):
            yield fg, mu if rng.random() < 0.5 else bp_rounds(fg, rng.randint(1, 3),
                                                               uniform_messages(fg))

    def deviation(case):
        fg, mu = case
        with mpmath.workdps(precision):
            worst = mpmath.mpf(0)
            for i in range(fg.n):
                if mpmath.fsum(unnorm_belief(fg, mu, i)) != 0:  # the hypothesis
                    worst = max(worst, abs(mpmath.fsum(belief(fg, mu, i)) - 1))
            return worst

    with mpmath.workdps(precision):  # messages after rounds are computed at this precision
        drawn = list(cases())
    return worst_deviation(drawn, deviation)


def check_not_is_tree_double_edge(precision: int, instances: int, seed: int) -> CheckResult:
    """``not_isTree_doubleEdge``: the predicate is false on ``doubleEdge`` (for every value
    count); and on random graphs the same predicate agrees with `tbn.graph.FactorGraph.is_tree`,
    so it is the project's tree test and not a flag.  Discrete: 0 when all hold, else 1."""
    rng = random.Random(seed)

    def cases():
        for k in (1, 2, 3):
            yield "double_edge", double_edge(k)
        for j in range(max(0, instances - 3)):
            if j % 2:
                yield "random", random_tree_graph(rng, rng.randint(1, 6), 1)
            else:
                yield "random", random_graph(rng, max_n=5, max_k=1, max_factors=5, positive=True)

    def deviation(case):
        kind, fg = case
        if kind == "double_edge":
            return int(is_tree(fg))
        return int(is_tree(fg) != to_factor_graph(fg).is_tree())

    return worst_deviation(cases(), deviation)


def _single_factor_cases(seed: int, instances: int, *, positive: bool):
    """Graphs with exactly one factor (Lean's ``ι = Unit``) and arbitrary signed messages."""
    rng = random.Random(seed)
    for _ in range(instances):
        while True:
            fg = random_graph(rng, max_n=5, max_k=3, max_factors=1, empty_scopes=False,
                              positive=positive)
            if len(fg.factors) == 1:
                break
        yield fg, random_messages(rng, fg, signed=True)


def check_unnorm_belief_bp_round_single(precision: int, instances: int,
                                        seed: int) -> CheckResult:
    """``unnormBelief_bpRound_single``: one factor, one round from any messages: the
    unnormalised belief of every variable of the scope is its exact unnormalised marginal."""
    def deviation(case):
        fg, mu = case
        with mpmath.workdps(precision):
            after = bp_round(fg, mu)
            return max(max(relative_gap(a, b) for a, b in zip(unnorm_belief(fg, after, i),
                                                      unnorm_marginal(fg, i)))
                       for i in fg.factors[0][0])

    return worst_deviation(_single_factor_cases(seed, instances, positive=False), deviation)


def check_belief_bp_round_single(precision: int, instances: int, seed: int) -> CheckResult:
    """``belief_bpRound_single``: one factor, one round from any messages: beliefs are the exact
    marginals (Lean's ``marginal``, and `tbn.exact.marginals` too, positive tables)."""
    def deviation(case):
        fg, mu = case
        with mpmath.workdps(precision):
            after = bp_round(fg, mu)
            exact = marginals(to_factor_graph(fg), arithmetic="mpmath", dps=precision)
            worst = mpmath.mpf(0)
            for i in fg.factors[0][0]:
                mine = belief(fg, after, i)
                worst = max(worst, max(abs(a - b) for a, b in zip(mine, marginal(fg, i))),
                            max(abs(a - b) for a, b in zip(mine, exact[f"x{i}"])))
            return worst

    return worst_deviation(_single_factor_cases(seed, instances, positive=True), deviation)


def check_bp_rounds_uniform_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``bpRounds_uniform_nonneg``: from uniform messages, 0 to 4 rounds keep messages >= 0."""
    rng = random.Random(seed + 4)

    def cases():
        for _ in range(instances):
            yield random_graph(rng, max_n=4, max_k=3, max_factors=4), rng.randint(0, 4)

    return _worst_negative(cases(), lambda fg, rounds: bp_rounds(fg, rounds, uniform_messages(fg)),
                           precision)
