"""Knowledge bases in tbn's own TOML format, read into a FactorGraph.

A knowledge base declares variables and the factors between them in four forms: priors, conditional
probability tables, free factors (any nonnegative potentials, e.g. pairwise), and the QBBN gates of
Coppola (arXiv 2603.17063): AND / OR of binary premises and the logistic gate
P(child = 1 | parents) = sigma(bias + sum_i w_i x_i).  The format is documented, with a worked
example, in the README ("Inference: exact, belief propagation, knowledge bases") and
``examples/dating.toml``.

Numbers keep their decimal value: 0.8 is read as 4/5 (TOML floats are parsed as `Decimal`), and a
string "1/3" is the rational 1/3, so exact and high-precision inference see the model as written.
Every problem is reported at once in a `ParseError` naming the file and the place (e.g.
``cpt[1] (child 'grass'): table ...``).
"""
from __future__ import annotations

import os
import sys
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .errors import ParseError
from .graph import Factor, FactorGraph, Logistic, Variable, directed_cycle, too_many_states

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["read_model", "read_kb", "parse_kb", "GATE_KINDS"]

GATE_KINDS = ("and", "or", "logistic")
#: Nonzero numbers must have float64 magnitudes (normal range): every model also runs in float64,
#: where 1e400 would be inf and 1e-400 a zero that changes the support.
_FLOAT_MAX, _FLOAT_MIN = Fraction(sys.float_info.max), Fraction(sys.float_info.min)
#: A CPT row or prior may miss 1 by this much (for 0.3333333333-style decimals).
ROW_SUM_TOLERANCE = Fraction(1, 10**9)

_SECTIONS = {"variables", "prior", "cpt", "factor", "gate"}
_KEYS = {"cpt": {"child", "parents", "table"},
         "factor": {"variables", "table", "name"},
         "gate": {"kind", "child", "parents", "weights", "bias"}}


def read_model(path: str | os.PathLike) -> FactorGraph:
    """Read a model file by its extension: ``.toml`` knowledge base, ``.bif`` or ``.bif.gz``.

    Raises
    ------
    ParseError
        Unknown extension, unreadable or malformed file.
    """
    path = os.fspath(path)
    if path.endswith(".toml"):
        return read_kb(path)
    if path.endswith((".bif", ".bif.gz")):
        from .bif import read_bif
        return read_bif(path)
    raise ParseError("unknown model format: expected a .toml, .bif or .bif.gz file", path)


def read_kb(path: str | os.PathLike) -> FactorGraph:
    """Read a knowledge base from a ``.toml`` file.

    Raises
    ------
    ParseError
        Unreadable file, TOML syntax error (with its line) or any malformed declaration.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8-sig")  # a byte-order mark is not text
    except OSError as exc:
        raise ParseError(f"cannot read: {exc}", path) from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None
    return parse_kb(text, path)


def parse_kb(text: str, path: str = "<string>") -> FactorGraph:
    """Parse knowledge-base TOML text; ``path`` only labels error messages."""
    try:
        doc = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(f"TOML syntax error: {exc}", path) from None
    builder = _Builder(path)
    fg = builder.build(doc)
    if builder.problems:
        raise ParseError("invalid knowledge base: " + "; ".join(builder.problems), path)
    return fg


class _Builder:
    """Turns the parsed TOML document into factors, collecting every problem on the way."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[str] = []
        self.states: dict[str, tuple[str, ...]] = {}
        self.defined_by: dict[str, str] = {}
        self.parents: dict[str, list[str]] = {}  # of cpt and gate children, for the DAG check

    def build(self, doc: dict) -> FactorGraph | None:
        for key in doc:
            if key not in _SECTIONS:
                self.problems.append(f"unknown section {key!r} (expected one of "
                                     f"{sorted(_SECTIONS)})")
        self.read_variables(doc.get("variables"))
        factors = []
        priors = doc.get("prior", {})
        if not isinstance(priors, dict):
            self.problems.append("'prior' must be a table: [prior] name = [p0, p1, ...]")
            priors = {}
        for name, value in priors.items():
            factors.append(self.prior(name, value))
        for section, make in (("cpt", self.cpt), ("factor", self.factor), ("gate", self.gate)):
            entries = doc.get(section, [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                self.problems.append(f"'{section}' must be an array of tables: [[{section}]]")
                continue
            for k, entry in enumerate(entries):
                place = f"{section}[{k}]"
                unknown = set(entry) - _KEYS[section]
                if unknown:
                    self.problems.append(f"{place}: unknown key(s) {sorted(unknown)} (allowed: "
                                         f"{sorted(_KEYS[section])})")
                factors.append(make(place, entry))
        cycle = directed_cycle(self.parents)
        if cycle:
            self.problems.append("the parents of cpt and gate entries form a directed cycle "
                                 f"({' -> '.join(reversed(cycle))}); a Bayesian network must be "
                                 "acyclic (use [[factor]] for an undirected dependency)")
        if self.problems:
            return None
        variables = tuple(Variable(n, s) for n, s in self.states.items())
        return FactorGraph(variables, tuple(f for f in factors if f is not None))

    # -- pieces -----------------------------------------------------------------------------

    def read_variables(self, table) -> None:
        if table is None:
            self.problems.append("missing section [variables]")
            return
        if not isinstance(table, dict):
            self.problems.append("'variables' must be a table: name = [\"state\", ...]")
            return
        if not table:
            self.problems.append("[variables] declares no variable")
        for name, states in table.items():
            place = f"variables.{name}"
            if not name or name != name.strip():
                # --evidence NAME=VALUE could never name it
                self.problems.append(f"variables: name {name!r} is empty or has surrounding "
                                     "spaces")
                continue
            if isinstance(states, int) and not isinstance(states, bool):
                if states < 1:
                    self.problems.append(f"{place}: needs at least one state, got {states}")
                    continue
                if too_many_states(states):  # before making the names: 10**8 of them is 10 GB
                    self.problems.append(f"{place}: {too_many_states(states)}")
                    continue
                states = [str(s) for s in range(states)]
            if not isinstance(states, list) or not states or \
                    not all(isinstance(s, str) for s in states):
                self.problems.append(f"{place}: must be a non-empty list of state names or a "
                                     "positive number of states")
            elif not all(s and s == s.strip() for s in states):
                self.problems.append(f"{place}: a state name is empty or has surrounding spaces")
            elif too_many_states(len(states)):
                self.problems.append(f"{place}: {too_many_states(len(states))}")
            elif len(set(states)) != len(states):
                self.problems.append(f"{place}: repeats a state name")
            else:
                self.states[name] = tuple(states)

    def known(self, place: str, names, what: str) -> list[str] | None:
        """Check a list of declared variable names; None (and a problem) when it is not one."""
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.problems.append(f"{place}: {what} must be a list of variable names")
            return None
        missing = [n for n in names if n not in self.states]
        if missing:
            self.problems.append(f"{place}: undeclared variable(s) {missing}")
            return None
        if len(set(names)) != len(names):
            self.problems.append(f"{place}: repeats a variable in {names}")
            return None
        return names

    def claim(self, place: str, child: str) -> bool:
        """A variable gets at most one distribution (prior, cpt or gate)."""
        if child in self.defined_by:
            self.problems.append(f"{place}: {child!r} already has a distribution from "
                                 f"{self.defined_by[child]}")
            return False
        self.defined_by[child] = place
        return True

    def number(self, place: str, x) -> Fraction | None:
        if isinstance(x, str) and "/" not in x:
            try:  # "1e5" reads like the TOML float 1e5; a bad string is reported below
                x = Decimal(x.strip())
            except ArithmeticError:
                pass
        if isinstance(x, Decimal) and not x.is_finite():
            self.problems.append(f"{place}: {x} is not a finite number")
            return None
        # Checked on the exponent first: Fraction("1e100000000") would build a 10^8-digit integer.
        if isinstance(x, Decimal) and x and not -330 <= x.adjusted() <= 310 or \
                isinstance(x, int) and abs(x) > _FLOAT_MAX:
            self.problems.append(f"{place}: {x} is outside the float64 range (nonzero "
                                 "magnitudes from 2.2e-308 to 1.8e308)")
            return None
        try:
            if isinstance(x, bool):
                raise TypeError
            if isinstance(x, str):
                value = Fraction(x.strip())
            elif isinstance(x, (int, Decimal, Fraction)):
                value = Fraction(x)
            else:
                raise TypeError
        except (TypeError, ValueError, ZeroDivisionError):
            self.problems.append(f"{place}: expected a number or a string like \"1/3\", "
                                 f"got {x!r}")
            return None
        if value and not _FLOAT_MIN <= abs(value) <= _FLOAT_MAX:
            self.problems.append(f"{place}: {x} is outside the float64 range (nonzero "
                                 "magnitudes from 2.2e-308 to 1.8e308)")
            return None
        return value

    def array(self, place: str, data, shape: tuple[int, ...]) -> np.ndarray | None:
        """A nested list of nonnegative numbers of exactly ``shape``, as Fractions."""
        def walk(x, depth, where):
            if depth == len(shape):
                v = self.number(where, x)
                if v is not None and v < 0:
                    self.problems.append(f"{where}: negative entry {x}")
                    return None
                return v
            if not isinstance(x, list) or len(x) != shape[depth]:
                got = f"{len(x)} entries" if isinstance(x, list) else repr(x)
                self.problems.append(f"{where}: expected a list of {shape[depth]} entries "
                                     f"(table shape {shape}), got {got}")
                return None
            items = [walk(y, depth + 1, f"{where}[{i}]") for i, y in enumerate(x)]
            return None if any(y is None for y in items) else items
        nested = walk(data, 0, place)
        if nested is None:
            return None
        out = np.empty(int(np.prod(shape, dtype=int)), dtype=object)
        out[:] = list(_flatten(nested, len(shape)))
        return out.reshape(shape)

    def rows_sum_to_one(self, place: str, table: np.ndarray) -> bool:
        """Every distribution over the last axis sums to 1 (within ROW_SUM_TOLERANCE)."""
        bad = [idx for idx in np.ndindex(table.shape[:-1])
               if abs(sum(table[idx]) - 1) > ROW_SUM_TOLERANCE]
        for idx in bad[:3]:
            where = place + "".join(f"[{i}]" for i in idx)
            self.problems.append(f"{where}: probabilities sum to {float(sum(table[idx])):.10g}, "
                                 "not 1")
        return not bad

    def prior(self, name: str, value) -> Factor | None:
        place = f"prior.{name}"
        if self.known(place, [name], "the key") is None or not self.claim(place, name):
            return None
        k = len(self.states[name])
        if not isinstance(value, list):
            if k != 2:
                self.problems.append(f"{place}: a single number is the probability of state 1 "
                                     f"(the second state) of a binary variable; {name!r} has {k} "
                                     f"states: give a list of {k} probabilities")
                return None
            p = self.number(place, value)
            if p is None:
                return None
            if not 0 <= p <= 1:
                self.problems.append(f"{place}: probability {value} outside [0, 1]")
                return None
            value = [1 - p, p]
        table = self.array(place, value, (k,))
        if table is None or not self.rows_sum_to_one(place, table):
            return None
        return _factor((name,), table, f"prior {name}")

    def cpt(self, place: str, entry: dict) -> Factor | None:
        child = entry.get("child")
        if not isinstance(child, str):
            self.problems.append(f"{place}: needs child = \"variable\"")
            return None
        place = f"{place} (child {child!r})"
        parents = entry.get("parents", [])
        if not isinstance(parents, list):
            self.problems.append(f"{place}: parents must be a list of variable names")
            return None
        names = self.known(place, [child] + parents, "child and parents")
        if names is None or not self.claim(place, child):
            return None
        self.parents[child] = names[1:]
        if "table" not in entry:
            self.problems.append(f"{place}: needs table = nested list [parent1]...[child]")
            return None
        shape = tuple(len(self.states[n]) for n in names[1:]) + (len(self.states[child]),)
        table = self.array(f"{place}: table", entry["table"], shape)
        if table is None or not self.rows_sum_to_one(f"{place}: table", table):
            return None
        return _factor(tuple(names), np.moveaxis(table, -1, 0), f"P({child} | "
                       f"{', '.join(names[1:])})" if names[1:] else f"P({child})")

    def factor(self, place: str, entry: dict) -> Factor | None:
        names = self.known(place, entry.get("variables"), "variables")
        if names is None:
            return None
        if not names:
            self.problems.append(f"{place}: needs at least one variable")
            return None
        name = entry.get("name", "")
        if not isinstance(name, str):
            self.problems.append(f"{place}: name must be a string")
            return None
        table = self.array(f"{place}: table", entry.get("table"),
                           tuple(len(self.states[n]) for n in names))
        if table is None:
            return None
        if not any(x > 0 for x in table.flat):
            self.problems.append(f"{place}: table is all zeros")
            return None
        return _factor(tuple(names), table, name or f"factor {place}")

    def gate(self, place: str, entry: dict) -> Factor | None:
        kind, child = entry.get("kind"), entry.get("child")
        if kind not in GATE_KINDS:
            self.problems.append(f"{place}: kind must be one of {list(GATE_KINDS)}, got {kind!r}")
            return None
        if not isinstance(child, str):
            self.problems.append(f"{place}: needs child = \"variable\"")
            return None
        place = f"{place} ({kind} gate, child {child!r})"
        parents = entry.get("parents")
        if not isinstance(parents, list):
            self.problems.append(f"{place}: needs parents = [\"premise\", ...]")
            return None
        names = self.known(place, [child] + parents, "child and parents")
        if names is None or not self.claim(place, child):
            return None
        if len(names) < 2:
            self.problems.append(f"{place}: needs at least one parent")
            return None
        self.parents[child] = names[1:]
        nonbinary = [n for n in names if len(self.states[n]) != 2]
        if nonbinary:
            self.problems.append(f"{place}: gates need binary variables (state 1 = true), "
                                 f"{nonbinary} are not")
            return None
        k = len(names) - 1
        if kind == "logistic":
            weights, bias = entry.get("weights"), entry.get("bias", 0)
            if not isinstance(weights, list) or len(weights) != k:
                self.problems.append(f"{place}: needs weights = a list of {k} numbers, one per "
                                     "parent")
                return None
            ws = [self.number(f"{place}: weights[{i}]", w) for i, w in enumerate(weights)]
            b = self.number(f"{place}: bias", bias)
            if b is None or any(w is None for w in ws):
                return None
        elif "weights" in entry or "bias" in entry:
            self.problems.append(f"{place}: weights and bias belong to logistic gates only")
            return None
        table = np.empty((2,) * (k + 1), dtype=object)
        for xs in np.ndindex((2,) * k):
            if kind == "logistic":
                p1 = Logistic(b + sum(w * x for w, x in zip(ws, xs)))
                p0 = Logistic(-p1.arg)
            else:
                on = all(xs) if kind == "and" else any(xs)
                p1, p0 = Fraction(int(on)), Fraction(int(not on))
            table[(0,) + xs], table[(1,) + xs] = p0, p1
        return _factor(tuple(names), table, f"{kind}({', '.join(names[1:])}) -> {child}")


def _flatten(nested, depth):
    if depth == 0:
        yield nested
    else:
        for x in nested:
            yield from _flatten(x, depth - 1)


def _factor(names: tuple[str, ...], exact: np.ndarray, label: str) -> Factor:
    table = np.array([float(x) for x in exact.flat], dtype=np.float64).reshape(exact.shape)
    return Factor(names, table, label, exact)
