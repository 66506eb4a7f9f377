"""Checks of ``lean/TBN/FactorGraph.lean``: joint, partition function, marginals, evidence.

The Lean structure has ``n`` variables sharing one value type of size ``k``, and factors given by
a scope and a table on full assignments that only reads the scope.  Its Python twin is
`LeanGraph`: ``factors`` is a tuple of ``(scope, table)`` with ``table`` a dict from the values
of the scope (in scope order) to an exact `Fraction`.  Every Lean definition is evaluated
literally, by summation over all ``k ** n`` full assignments, in mpmath; marginals are also
compared with `tbn.exact.marginals` (variable elimination) on the same model as a
`tbn.graph.FactorGraph`, so the Lean definition is tied to the project's exact inference.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np

from ..exact import marginals
from ..graph import Factor, FactorGraph, Variable
from ._base import CheckResult, to_mpf, worst_deviation
from ._draws import exact_entry, negative_part, relative_gap

__all__ = [
    "LeanGraph", "random_graph", "assignments", "joint", "partition", "unnorm_marginal",
    "marginal", "with_evidence", "to_factor_graph",
    "check_joint_nonneg", "check_partition_nonneg", "check_unnorm_marginal_nonneg",
    "check_marginal_nonneg", "check_sum_unnorm_marginal", "check_sum_marginal",
    "check_joint_with_evidence",
]


@dataclass(frozen=True)
class LeanGraph:
    """Lean's ``FactorGraph n ι α`` with ``α = Fin k``: ``factors[a] = (scope, table)``."""

    n: int
    k: int
    factors: tuple

    def table(self, a: int, x: tuple) -> Fraction:
        """Factor ``a`` on the full assignment ``x`` (it reads only its scope)."""
        scope, values = self.factors[a]
        return values[tuple(x[i] for i in scope)]


def random_graph(rng: random.Random, *, max_n: int = 5, max_k: int = 3, max_factors: int = 5,
                 empty_scopes: bool = True, positive: bool = False) -> LeanGraph:
    """A random Lean-shaped factor graph; scopes are random subsets in increasing order."""
    n, k = rng.randint(1, max_n), rng.randint(1, max_k)
    factors = []
    for _ in range(rng.randint(0, max_factors)):
        scope = tuple(i for i in range(n) if rng.random() < 0.45)
        if not scope and not empty_scopes:
            scope = (rng.randrange(n),)
        table = {vals: (Fraction(rng.randint(1, 40), rng.randint(1, 20)) if positive
                        else exact_entry(rng))
                 for vals in itertools.product(range(k), repeat=len(scope))}
        factors.append((scope, table))
    return LeanGraph(n, k, tuple(factors))


def assignments(fg: LeanGraph):
    """All full assignments ``Fin n -> Fin k``, as tuples."""
    return itertools.product(range(fg.k), repeat=fg.n)


def joint(fg: LeanGraph, x: tuple) -> mpmath.mpf:
    """``joint``: the product of all factors at ``x``."""
    out = mpmath.mpf(1)
    for a in range(len(fg.factors)):
        out *= to_mpf(fg.table(a, x))
    return out


def partition(fg: LeanGraph) -> mpmath.mpf:
    """``partition``: the total joint weight."""
    return mpmath.fsum(joint(fg, x) for x in assignments(fg))


def unnorm_marginal(fg: LeanGraph, i: int) -> list:
    """``unnormMarginal i``: for each value, the weight of the assignments giving it to ``i``."""
    out = [mpmath.mpf(0)] * fg.k
    for x in assignments(fg):
        out[x[i]] += joint(fg, x)
    return out


def marginal(fg: LeanGraph, i: int) -> list:
    """``marginal i``: ``unnormMarginal`` over ``partition`` (0 when Z = 0, as Lean's x / 0)."""
    z = partition(fg)
    return [p / z if z != 0 else mpmath.mpf(0) for p in unnorm_marginal(fg, i)]


def with_evidence(fg: LeanGraph, ev) -> LeanGraph:
    """``withEvidence``: one unary factor ``ev[i]`` per variable, after the original factors."""
    unary = tuple(((i,), {(v,): ev[i][v] for v in range(fg.k)}) for i in range(fg.n))
    return LeanGraph(fg.n, fg.k, fg.factors + unary)


def to_factor_graph(fg: LeanGraph) -> FactorGraph:
    """The same model as a `tbn.graph.FactorGraph` (variables ``x0 .. x{n-1}``, exact tables)."""
    variables = tuple(Variable(f"x{i}", tuple(str(v) for v in range(fg.k))) for i in range(fg.n))
    factors = []
    for scope, values in fg.factors:
        shape = (fg.k,) * len(scope)
        exact = np.empty(shape, dtype=object)
        for vals, x in values.items():
            exact[vals] = x
        factors.append(Factor(tuple(f"x{i}" for i in scope), exact.astype(float), exact=exact))
    return FactorGraph(variables, tuple(factors))


def _graphs(seed: int, instances: int, **kwargs):
    """Edge cases first (no factor, an all-zero factor), then random graphs."""
    rng = random.Random(seed)
    edge = [LeanGraph(2, 2, ()),
            LeanGraph(2, 2, (((0, 1), {v: Fraction(0) for v in itertools.product(range(2),
                                                                                   repeat=2)}),))]
    for case in edge[:instances]:
        yield case
    for _ in range(max(0, instances - len(edge))):
        yield random_graph(rng, **kwargs)


# --- one check per manifest theorem -------------------------------------------------------------

def check_joint_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``joint_nonneg``: the joint weight of every full assignment is >= 0."""
    def deviation(fg):
        with mpmath.workdps(precision):
            return negative_part(joint(fg, x) for x in assignments(fg))

    return worst_deviation(_graphs(seed, instances), deviation)


def check_partition_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``partition_nonneg``: Z >= 0."""
    def deviation(fg):
        with mpmath.workdps(precision):
            return negative_part([partition(fg)])

    return worst_deviation(_graphs(seed, instances), deviation)


def check_unnorm_marginal_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``unnormMarginal_nonneg``: every unnormalised marginal weight is >= 0."""
    def deviation(fg):
        with mpmath.workdps(precision):
            return negative_part([p for i in range(fg.n) for p in unnorm_marginal(fg, i)])

    return worst_deviation(_graphs(seed, instances), deviation)


def check_marginal_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """``marginal_nonneg``: every exact marginal is >= 0."""
    def deviation(fg):
        with mpmath.workdps(precision):
            return negative_part([p for i in range(fg.n) for p in marginal(fg, i)])

    return worst_deviation(_graphs(seed, instances), deviation)


def check_sum_unnorm_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_unnormMarginal``: summing a variable's unnormalised marginal over its values is Z."""
    def deviation(fg):
        with mpmath.workdps(precision):
            z = partition(fg)
            return max(relative_gap(mpmath.fsum(unnorm_marginal(fg, i)), z) for i in range(fg.n))

    return worst_deviation(_graphs(seed, instances), deviation)


def check_sum_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_marginal``: when Z != 0 a variable's marginals sum to one.

    Only graphs with Z != 0 (the hypothesis) are drawn.  The marginals are also compared with
    `tbn.exact.marginals`, so the Lean definition is the project's exact marginal.
    """
    rng = random.Random(seed)

    def cases():
        yield LeanGraph(1, 1, ())
        for _ in range(instances - 1):
            yield random_graph(rng, empty_scopes=False, positive=True)

    def deviation(fg):
        with mpmath.workdps(precision):
            exact = marginals(to_factor_graph(fg), arithmetic="mpmath", dps=precision)
            worst = mpmath.mpf(0)
            for i in range(fg.n):
                mine = marginal(fg, i)
                worst = max(worst, abs(mpmath.fsum(mine) - 1),
                            max(abs(a - b) for a, b in zip(mine, exact[f"x{i}"])))
            return worst

    return worst_deviation(cases(), deviation)


def check_joint_with_evidence(precision: int, instances: int, seed: int) -> CheckResult:
    """``joint_withEvidence``: evidence multiplies the joint by the unary factors it meets."""
    rng = random.Random(seed + 1)

    def cases():
        for fg in _graphs(seed, instances):
            ev = [[exact_entry(rng) for _ in range(fg.k)] for _ in range(fg.n)]
            if rng.random() < 0.3:  # hard evidence on one variable: an indicator
                i, v = rng.randrange(fg.n), rng.randrange(fg.k)
                ev[i] = [Fraction(int(w == v)) for w in range(fg.k)]
            yield fg, ev

    def deviation(case):
        fg, ev = case
        with mpmath.workdps(precision):
            with_ev = with_evidence(fg, ev)
            worst = mpmath.mpf(0)
            for x in assignments(fg):
                rhs = joint(fg, x)
                for i in range(fg.n):
                    rhs *= to_mpf(ev[i][x[i]])
                worst = max(worst, relative_gap(joint(with_ev, x), rhs))
            return worst

    return worst_deviation(cases(), deviation)
