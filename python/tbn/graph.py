"""Finite factor graphs over discrete variables (SPEC 3.2).

A `FactorGraph` is an immutable value: variables with finite, named domains and nonnegative
factors over tuples of variables.  Evidence is not part of the graph; inference routines take it
as a mapping ``{variable: state index}`` (checked by `FactorGraph.check_evidence`).

Array axis order: a factor's ``table`` has one axis per entry of ``factor.variables``, in that
order, with the axis length equal to the variable's cardinality.

>>> fg = FactorGraph.build({"a": 2, "b": ["lo", "mid", "hi"]},
...                       [(("a", "b"), [[1, 2, 3], [4, 5, 6]])])
>>> fg.factors[0].table[1, 2]  # a = 1, b = "hi"
np.float64(6.0)

Structure is read from the bipartite graph whose nodes are the variables and the factors, with an
edge between a factor and each variable in its scope: `FactorGraph.is_tree`,
`FactorGraph.connected_components` and `FactorGraph.diameter` all refer to that graph.
"""
from __future__ import annotations

import difflib
import math
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from .errors import EvidenceError, ModelError

if TYPE_CHECKING:  # imported where used: a float64 program never loads mpmath
    import mpmath

__all__ = ["Variable", "Factor", "FactorGraph", "Logistic", "directed_cycle", "MAX_STATES",
           "too_many_states"]

#: Most states one variable may have; the readers refuse more before building anything.  Beyond
#: it the names, the uniform messages and the printed marginal of that one variable alone cost
#: gigabytes and minutes (x = 100000000 in a knowledge base took 13 GB and 207 s to be refused
#: as too large for exact inference).
MAX_STATES = 10**6


def too_many_states(count: int) -> str | None:
    """The readers' one message for a variable over `MAX_STATES`, or None when it fits."""
    return f"{count} states, more than the {MAX_STATES} a variable may have" \
        if count > MAX_STATES else None


@dataclass(frozen=True)
class Variable:
    """A discrete variable: a name and the names of its states (at least one)."""

    name: str
    states: tuple[str, ...]

    @property
    def cardinality(self) -> int:
        return len(self.states)


@dataclass(frozen=True)
class Logistic:
    """The exact table entry sigma(arg) with a rational ``arg``: a QBBN gate's probability.

    It cannot be a `Fraction` (sigma of a rational is irrational unless arg = 0), so it is kept
    symbolic and evaluated at whatever precision the caller's `mpmath.workdps` scope sets.
    """

    arg: Fraction

    def mpf(self) -> mpmath.mpf:
        """sigma(arg) at the current mpmath precision."""
        import mpmath

        x = mpmath.mpf(self.arg.numerator) / self.arg.denominator
        return 1 / (1 + mpmath.exp(-x))

    def __float__(self) -> float:
        if abs(self.arg) > 800:  # sigma rounds to 0.0 or 1.0 there; float(arg) may overflow
            return 1.0 if self.arg > 0 else 0.0
        x = float(self.arg)
        return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@dataclass(frozen=True, eq=False)
class Factor:
    """A nonnegative table over an ordered tuple of distinct variable names.

    ``exact`` optionally holds the table as written in the model file, same shape as ``table``:
    an object array of `Fraction` and `Logistic` entries, or a numpy string array of decimal
    literals (cheap to keep for large BIF files, converted only when asked), so that the Fraction
    and mpmath arithmetics see 0.8 as 4/5 and not as the nearest binary float.
    """

    variables: tuple[str, ...]
    table: np.ndarray
    name: str = ""
    exact: np.ndarray | None = None

    def rational_table(self) -> np.ndarray:
        """The table as an object array of Fractions (exact decimal values when known).

        Raises
        ------
        ModelError
            If an entry is irrational (a `Logistic` gate entry).
        """
        if self.exact is None:
            return _object_array([Fraction(float(x)) for x in np.ravel(self.table)],
                                 np.shape(self.table))
        if self.exact.dtype.kind == "U":
            return _object_array([Fraction(str(x)) for x in self.exact.flat], self.exact.shape)
        flat = list(np.ravel(self.exact))
        if any(isinstance(x, Logistic) for x in flat):
            raise ModelError(f"{self.label}: has sigmoid (logistic gate) entries, which are "
                             "irrational; use mpmath or float arithmetic")
        return _object_array(flat, np.shape(self.exact))

    def mp_table(self) -> np.ndarray:
        """The table as an object array of mpf at the current mpmath precision."""
        src = np.ravel(self.table) if self.exact is None else np.ravel(self.exact)
        return _object_array([_to_mpf(x.item() if isinstance(x, np.generic) else x) for x in src],
                             np.shape(self.table))

    @property
    def label(self) -> str:
        return self.name or f"factor over {list(self.variables)}"


def _to_mpf(x) -> mpmath.mpf:
    import mpmath

    if isinstance(x, str):
        return mpmath.mpf(x)
    if isinstance(x, Logistic):
        return x.mpf()
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    return mpmath.mpf(float(x))


def _object_array(flat: list, shape: tuple) -> np.ndarray:
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(shape)


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

    # -- evidence ---------------------------------------------------------------------------

    def check_evidence(self, evidence: Mapping[str, int] | None) -> dict[str, int]:
        """Validate evidence given as ``{variable: state index}`` and return a plain copy.

        Raises
        ------
        EvidenceError
            Listing every unknown variable and every index outside its domain at once.
        """
        if not evidence:
            return {}
        problems, out = [], {}
        for name, k in evidence.items():
            if name not in self._index:
                problems.append(f"unknown variable {name!r}")
                continue
            var = self.variable(name)
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
                problems.append(f"{name}: state index must be an integer, got {k!r}")
            elif not 0 <= k < var.cardinality:
                problems.append(f"{name}: state index {k} outside 0..{var.cardinality - 1}")
            else:
                out[name] = int(k)
        if problems:
            raise EvidenceError("bad evidence: " + "; ".join(problems))
        return out

    def evidence_by_name(self, observed: Mapping[str, str]) -> dict[str, int]:
        """Turn ``{variable: state name}`` into ``{variable: state index}``.

        Raises
        ------
        EvidenceError
            Listing every unknown variable and every value outside its domain (with the domain).
        """
        problems, out = [], {}
        for name, value in observed.items():
            if name not in self._index:
                problems.append(f"unknown variable {name!r}{_did_you_mean(name, self.names)}")
                continue
            states = self.variable(name).states
            if value not in states:
                problems.append(f"{name}: value {value!r} not in its domain {list(states)}"
                                f"{_did_you_mean(value, states)}")
            else:
                out[name] = states.index(value)
        if problems:
            raise EvidenceError("bad evidence: " + "; ".join(problems))
        return out

    # -- structure of the bipartite variable-factor graph -----------------------------------

    def _adjacency(self) -> list[list[int]]:
        """Nodes 0..n-1 are the variables, n..n+m-1 the factors."""
        n = len(self.variables)
        adj: list[list[int]] = [[] for _ in range(n + len(self.factors))]
        for k, f in enumerate(self.factors):
            for name in f.variables:
                i = self._index[name]
                adj[i].append(n + k)
                adj[n + k].append(i)
        return adj

    @property
    def num_edges(self) -> int:
        """Edges of the bipartite graph: the sum of the factors' arities."""
        return sum(len(f.variables) for f in self.factors)

    def connected_components(self) -> list[tuple[str, ...]]:
        """Variable names of each connected component of the bipartite graph.

        A factor joins all its variables; a factor over no variable is a component of its own with
        no variable and is left out.  Components come in order of their first variable.
        """
        return [tuple(self.variables[i].name for i in comp if i < len(self.variables))
                for comp in _components(self._adjacency()) if comp[0] < len(self.variables)]

    def is_tree(self) -> bool:
        """True iff the bipartite graph is connected and has |E| = |V| - 1 edges.

        A factor repeated over the same pair of variables, or three pairwise factors around a
        triangle, make a cycle; two variables with no factor between them make a forest, which is
        not a tree.
        """
        adj = self._adjacency()
        return self.num_edges == len(adj) - 1 and len(_components(adj)) == 1

    def has_cycle(self) -> bool:
        """True iff the bipartite graph has a cycle: |E| > |V| - (number of components).

        Without one (a forest) BP is exact and an all-zero message catches every Z = 0; with one
        BP is loopy: approximate, and blind to contradictions that need the cycle to show.
        """
        adj = self._adjacency()
        return self.num_edges > len(adj) - len(_components(adj))

    def diameter(self) -> int:
        """Longest shortest path, counted in bipartite edges, between two connected nodes.

        On a tree, two variables joined by one pairwise factor are 2 apart.  For a disconnected
        graph this is the largest diameter of a component.  Trees use two breadth-first searches;
        other graphs one search per node.
        """
        adj = self._adjacency()
        if not adj:
            return 0
        best = 0
        for comp in _components(adj):
            if sum(len(adj[u]) for u in comp) == 2 * (len(comp) - 1):  # the component is a tree
                far, _ = _farthest(adj, comp[0])
                best = max(best, _farthest(adj, far)[1])
            else:
                best = max(best, max(_farthest(adj, u)[1] for u in comp))
        return best


def directed_cycle(parents: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A directed cycle ``[a, b, ..., a]`` of the parent relation (child -> its parents), or None.

    A Bayesian network's CPTs must form a DAG: with a cycle their product is still a factor
    graph, but its marginals are not those of any network with these conditionals, so the
    readers refuse it instead of answering.
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in parents:
        if root in state:
            continue
        path, stack = [root], [iter(parents.get(root, ()))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(parents.get(nxt, ())))
    return None


def _did_you_mean(word: str, choices) -> str:
    """`` (did you mean 'X'?)`` for the closest choice, case ignored (bnlearn names are upper
    case: -e hypovolemia=TRUE), or "" when none is close."""
    folded = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), folded, n=1)
    return f" (did you mean {folded[close[0]]!r}?)" if close else ""


def _bfs(adj: list[list[int]], start: int) -> dict[int, int]:
    dist = {start: 0}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for w in adj[u]:
            if w not in dist:
                dist[w] = dist[u] + 1
                queue.append(w)
    return dist


def _farthest(adj: list[list[int]], start: int) -> tuple[int, int]:
    dist = _bfs(adj, start)
    node = max(dist, key=dist.__getitem__)
    return node, dist[node]


def _components(adj: list[list[int]]) -> list[list[int]]:
    seen: set[int] = set()
    comps = []
    for u in range(len(adj)):
        if u not in seen:
            comp = sorted(_bfs(adj, u))
            seen.update(comp)
            comps.append(comp)
    return comps


def _exact_entry_ok(x) -> bool:
    if isinstance(x, Logistic):
        return isinstance(x.arg, Fraction)
    return isinstance(x, Fraction) and x >= 0


def _clean_float_tables(tables: list) -> set[int]:
    """Indices of the nonempty float64 tables that pass every value check (no NaN, no negative
    or infinite entry, some positive entry), found with a few numpy calls for all tables at
    once; the others are checked one by one, which also words their problems."""
    chosen = [k for k, t in enumerate(tables)
              if isinstance(t, np.ndarray) and t.dtype == np.float64 and t.size]
    if not chosen:
        return set()
    flat = np.concatenate([tables[k].ravel() for k in chosen])
    starts = np.cumsum([0] + [tables[k].size for k in chosen[:-1]])
    bad = np.logical_or.reduceat(~(flat >= 0) | (flat == np.inf), starts)
    bad |= ~np.logical_or.reduceat(flat > 0, starts)
    return {k for k, b in zip(chosen, bad.tolist()) if not b}


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
        elif len(set(v.states)) != v.cardinality:
            problems.append(f"variable {v.name!r} repeats a state name")
    clean = _clean_float_tables([f.table for f in fg.factors])
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
        if k in clean:
            pass
        elif not np.issubdtype(table.dtype, np.number):
            problems.append(f"{label}: table must be numeric, got dtype {table.dtype}")
        elif np.isnan(table).any():
            problems.append(f"{label}: table has NaN entries")
        elif (table < 0).any():
            problems.append(f"{label}: table has negative entries")
        elif not np.isfinite(table).all():
            problems.append(f"{label}: table has infinite entries")
        elif table.size and not (table > 0).any():
            problems.append(f"{label}: table is all zeros")
        if f.exact is not None:
            exact = np.asarray(f.exact)
            if exact.shape != shape:
                problems.append(f"{label}: exact table shape {exact.shape} but domains need "
                                f"{shape}")
            elif exact.dtype.kind == "U":
                pass  # decimal literals: the reader checked them; `table` holds their values
            elif exact.dtype != object or not all(_exact_entry_ok(x) for x in exact.flat):
                problems.append(f"{label}: exact table entries must be nonnegative Fractions "
                                "or Logistic(Fraction)")
    return problems
