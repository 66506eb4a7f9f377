"""Binarise k-ary AND / OR gates into balanced trees of 2-input gates (SPEC 3.1, 3.4).

A gate factor is a deterministic table over binary variables: ``c * [y = AND(x_1..x_k)]`` (or OR)
for one output position y and a constant c > 0.  Binarising replaces it by a balanced tree of
2-input gates of the same kind through new auxiliary variables, so each gate has depth
``ceil(log2 k)`` and a circuit of gate depth d and fan-in at most k gets depth at most
``d * ceil(log2 k)``.  AND and OR are associative, and every auxiliary variable is a function of
the inputs, so summing the auxiliaries out gives back the k-ary table: marginals of the original
variables do not change, for any evidence on them.  In log-odds, the OR tree is the oplus fold of
SPEC 3.1 (two heads per layer suffice: one layer per level).
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ..errors import ModelError
from ..graph import Factor, FactorGraph, Variable

__all__ = ["find_gate", "binarize", "gate_depth", "binarized_depth_bound"]

_OPS = {"and": all, "or": any}


def find_gate(fg: FactorGraph, factor: Factor) -> tuple[str, int, float] | None:
    """``(kind, output position, c)`` when ``factor`` is a deterministic AND/OR gate of >= 2
    inputs over binary variables, else None."""
    if len(factor.variables) < 3:
        return None
    if any(fg.variable(v).cardinality != 2 for v in factor.variables):
        return None
    table = np.asarray(factor.table, dtype=float)
    positive = table[table > 0]
    if positive.size == 0 or not np.all(positive == positive[0]):
        return None
    c = float(positive[0])
    for kind, op in _OPS.items():
        for out in range(len(factor.variables)):
            if all((table[x] > 0) == (x[out] == int(op(x[i] for i in range(len(x)) if i != out)))
                   for x in itertools.product((0, 1), repeat=len(factor.variables))):
                return kind, out, c
    return None


def _gate_table(kind: str, c: float = 1.0) -> np.ndarray:
    t = np.zeros((2, 2, 2))
    for a, b in itertools.product((0, 1), repeat=2):
        t[a, b, int(_OPS[kind]((a, b)))] = c
    return t


def binarize(fg: FactorGraph) -> FactorGraph:
    """Replace every gate with more than two inputs by a balanced tree of 2-input gates.

    Auxiliary variables are named ``"{output}~{kind}{level}.{i}"`` with states ``("0", "1")``;
    the original variables keep their names, order and states.

    Raises
    ------
    ModelError
        An auxiliary name collides with an existing variable.
    """
    variables = list(fg.variables)
    names = set(fg.names)
    factors = []
    for factor in fg.factors:
        gate = find_gate(fg, factor)
        if gate is None or len(factor.variables) <= 3:
            factors.append(factor)
            continue
        kind, out, c = gate
        output = factor.variables[out]
        level_nodes = [v for i, v in enumerate(factor.variables) if i != out]
        level = 0
        while len(level_nodes) > 2:
            nxt = []
            for i in range(0, len(level_nodes) - 1, 2):
                aux = f"{output}~{kind}{level}.{i // 2}"
                if aux in names:
                    raise ModelError(f"auxiliary variable name {aux!r} is already taken")
                names.add(aux)
                variables.append(Variable(aux, ("0", "1")))
                factors.append(Factor((level_nodes[i], level_nodes[i + 1], aux),
                                      _gate_table(kind), f"{factor.label} {kind} level {level}"))
                nxt.append(aux)
            if len(level_nodes) % 2:
                nxt.append(level_nodes[-1])
            level_nodes, level = nxt, level + 1
        factors.append(Factor((level_nodes[0], level_nodes[1], output), _gate_table(kind, c),
                              f"{factor.label} {kind} root"))
    return FactorGraph(tuple(variables), tuple(factors))


def gate_depth(fg: FactorGraph) -> int:
    """Longest chain of gates from a variable that no gate outputs to any gate output.

    Raises
    ------
    ModelError
        The gates form a cycle (not a circuit).
    """
    producer = {}
    for factor in fg.factors:
        gate = find_gate(fg, factor)
        if gate is not None:
            out = factor.variables[gate[1]]
            producer[out] = [v for v in factor.variables if v != out]
    depth, active = {}, set()

    def visit(v: str) -> int:
        if v in depth:
            return depth[v]
        if v not in producer:
            return 0
        if v in active:
            raise ModelError(f"gates form a cycle through {v!r}")
        active.add(v)
        depth[v] = 1 + max(visit(u) for u in producer[v])
        active.discard(v)
        return depth[v]

    return max((visit(v) for v in producer), default=0)


def binarized_depth_bound(depth: int, fan_in: int) -> int:
    """``d * ceil(log2 k)``: the depth SPEC 3.4 promises after binarising."""
    return depth * max(1, math.ceil(math.log2(fan_in)))
