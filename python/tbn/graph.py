"""Finite factor graphs over discrete variables (SPEC 3.2).

A `FactorGraph` is an immutable value: variables with finite, named domains and nonnegative
factors over tuples of variables.  Evidence is not part of the graph; inference routines take it
as a mapping ``{variable: state index}`` and turn it into unary indicator factors.

Array axis order: a factor's ``table`` has one axis per entry of ``factor.variables``, in that
order, with the axis length equal to the variable's cardinality.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from .errors import ModelError

__all__ = ["Variable", "Factor", "FactorGraph"]


@dataclass(frozen=True)
class Variable:
    """A discrete variable: a name and the names of its states (at least one)."""

    name: str
    states: tuple[str, ...]

    @property
    def cardinality(self) -> int:
        return len(self.states)


@dataclass(frozen=True, eq=False)
class Factor:
    """A nonnegative table over an ordered tuple of distinct variable names."""

    variables: tuple[str, ...]
    table: np.ndarray
    name: str = ""


@dataclass(frozen=True, eq=False)
class FactorGraph:
    """Variables (in declaration order) and factors; validated on construction."""

    variables: tuple[Variable, ...]
    factors: tuple[Factor, ...]
    _index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "factors", tuple(self.factors))
        object.__setattr__(self, "_index", {v.name: i for i, v in enumerate(self.variables)})
        problems = _validate(self)
        if problems:
            raise ModelError("invalid factor graph: " + "; ".join(problems))

    @classmethod
    def build(cls, domains: Mapping[str, Sequence[str] | int],
              factors: Sequence[tuple[Sequence[str], "np.typing.ArrayLike"]]) -> "FactorGraph":
        """Convenience constructor: ``domains`` maps names to state names or a cardinality."""
        variables = []
        for name, states in domains.items():
            if isinstance(states, int):
                states = tuple(str(s) for s in range(states))
            variables.append(Variable(str(name), tuple(str(s) for s in states)))
        built = [Factor(tuple(vs), np.asarray(t, dtype=float)) for vs, t in factors]
        return cls(tuple(variables), tuple(built))

    def variable(self, name: str) -> Variable:
        try:
            return self.variables[self._index[name]]
        except KeyError:
            raise ModelError(f"unknown variable {name!r}") from None

    def index(self, name: str) -> int:
        if name not in self._index:
            raise ModelError(f"unknown variable {name!r}")
        return self._index[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)


def _validate(fg: FactorGraph) -> list[str]:
    """Collect every problem at once, so a user fixes a model file in one pass."""
    problems = []
    seen = set()
    for v in fg.variables:
        if v.name in seen:
            problems.append(f"variable {v.name!r} declared twice")
        seen.add(v.name)
        if v.cardinality < 1:
            problems.append(f"variable {v.name!r} has an empty domain")
    for k, f in enumerate(fg.factors):
        label = f.name or f"factor {k} over {list(f.variables)}"
        unknown = [u for u in f.variables if u not in fg._index]
        if unknown:
            problems.append(f"{label}: unknown variable(s) {unknown}")
            continue
        if len(set(f.variables)) != len(f.variables):
            problems.append(f"{label}: repeats a variable")
            continue
        shape = tuple(fg.variables[fg._index[u]].cardinality for u in f.variables)
        table = np.asarray(f.table)
        if table.shape != shape:
            problems.append(f"{label}: table shape {table.shape} but domains need {shape}")
            continue
        if np.isnan(table).any():
            problems.append(f"{label}: table has NaN entries")
        elif (table < 0).any():
            problems.append(f"{label}: table has negative entries")
        elif not np.isfinite(table).all():
            problems.append(f"{label}: table has infinite entries")
        elif table.size and not (table > 0).any():
            problems.append(f"{label}: table is all zeros")
    return problems
