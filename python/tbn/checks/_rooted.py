"""Pieces shared by the rooted-tree twins of ``Pearl.lean`` and ``PearlFactor.lean``.

Both twins encode a tree as nested tuples whose first two slots agree: ``("leaf", ev)`` with
``ev`` the unary table of the variable, or ``("attach", sub, ...)`` with the root's own subtree in
slot 1, and full assignments agree too: an assignment of ``attach`` is a pair whose first part
assigns ``sub``.  So ``root`` is one function, and the brute-force sums below only need each
module's ``assignments`` and ``weight``: the exact side of both Lean files is computed by one piece
of code; normalisation (with Lean's ``x / 0 = 0``) and the worst relative gap of a list of pairs
are shared too.
"""
from __future__ import annotations

from typing import Callable, Iterable

import mpmath

from ._draws import relative_gap


def domain_size(t) -> int:
    """Number of values of the root variable (the length of its unary table)."""
    return len(t[1]) if t[0] == "leaf" else domain_size(t[1])


def root(t, x) -> int:
    """The value the full assignment ``x`` gives the root."""
    return x if t[0] == "leaf" else root(t[1], x[0])


def weight_by_value(t, assignments: Callable, weight: Callable, value: Callable,
                    outside=None) -> list:
    """Total weight of the full assignments ``x`` giving ``value(x)`` each state, each weight
    times ``outside[root value]`` when a message from outside the root is given."""
    out = [mpmath.mpf(0)] * domain_size(t)
    for x in assignments(t):
        w = weight(t, x)
        out[value(x)] += w if outside is None else outside[root(t, x)] * w
    return out


def unnorm_root_marginal(t, assignments: Callable, weight: Callable) -> list:
    """Total weight of the full assignments giving the root each value."""
    return weight_by_value(t, assignments, weight, lambda x: root(t, x))


def partition(t, assignments: Callable, weight: Callable) -> mpmath.mpf:
    """Total weight of all full assignments, summed on its own (not from the marginals)."""
    return mpmath.fsum(weight(t, x) for x in assignments(t))


def root_marginal(t, assignments: Callable, weight: Callable) -> list:
    """Lean's ``rootMarginal``: unnormalised marginal over the partition function (0 if Z = 0)."""
    z = partition(t, assignments, weight)
    return [p / z if z != 0 else mpmath.mpf(0)
            for p in unnorm_root_marginal(t, assignments, weight)]


def normalise(b) -> list:
    """``b / sum b``, with Lean's ``x / 0 = 0``."""
    z = mpmath.fsum(b)
    return [x / z if z != 0 else mpmath.mpf(0) for x in b]


def worst_gap(pairs: Iterable) -> mpmath.mpf:
    """Largest relative gap over pairs of numbers (0 for no pairs)."""
    return max((relative_gap(a, b) for a, b in pairs), default=mpmath.mpf(0))
