"""Bayesian networks in BIF (the format of the bnlearn repository), read into a FactorGraph.

A small, strict reader of our own rather than a dependency: the readers on PyPI come with large
packages (pgmpy pulls in pandas, statsmodels, scikit-learn and huggingface_hub; pyAgrum needs
matplotlib and scikit-learn) and either accept malformed files silently or fail with a traceback.
This one reports every syntax error as a `ParseError` naming the file and line.

Accepted grammar (BIF 0.15 as written by bnlearn; ``//`` and ``/* */`` comments anywhere)::

    network NAME { property ... ; }
    variable NAME { type discrete [ K ] { S1, ..., SK }; property ... ; }
    probability ( CHILD ) { table P1, ..., PK; }
    probability ( CHILD | PARENT1, ..., PARENTm ) {
        ( s1, ..., sm ) P1, ..., PK;       one row per parent configuration
        default P1, ..., PK;               optional: the rows not listed
    }

Each CPT becomes one factor over ``(CHILD, PARENT1, ..., PARENTm)`` (child axis first) whose table
keeps the decimal literals too (`Factor.exact`), so exact arithmetics see 0.05 as 1/20.  A ``table``
with parents is refused: dialects disagree on its ordering, and a guess would be a silent error.
"""
from __future__ import annotations

import gc
import gzip
import math
import os
import re
import sys
from decimal import Decimal

import numpy as np

from .errors import ParseError
from .graph import Factor, FactorGraph, Variable, directed_cycle, too_many_states

__all__ = ["read_bif", "parse_bif"]

#: A row of a CPT may miss 1 by this much (bnlearn rounds to 4-8 digits); more is an error.
ROW_SUM_TOLERANCE = 1e-3

_NUM = r"[+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
# A run of comma-separated numbers is one token (the bulk of a file, read in one regex step); it
# must end at a delimiter, so state names such as 0_05_kg_m2 or 12+ stay words.
_NUMS = rf"{_NUM}(?:\s*,\s*{_NUM})*"
# A well-formed CPT row "(s1, s2) p1, p2;" or "table p1, p2;" is also one token, and so is a
# whole CPT body made of such rows, a whole regular variable body and a regular CPT head
# "( CHILD | P1, P2 )"; anything irregular falls through to the finer tokens below, which report
# the error precisely.
_ENTRY = rf"""(?:\([^()"/;{{}}|\[\]]*\)\s*|(?:table|default)\s+){_NUMS}\s*;"""
_STATE = r"""[^\s{}()\[\];|,"/]+"""
_FINE = rf"""
      (?P<row>\([^()"/;{{}}|\[\]]*\)\s*{_NUMS}\s*;)
    | (?P<line>(?:table|default)\s+{_NUMS}\s*;)
    | (?P<comment>//[^\n]*|/\*.*?\*/)
    | (?P<string>"[^"]*")
    | (?P<numbers>{_NUMS})(?=[\s{{}}()\[\];|,]|\Z)
    | (?P<punct>[{{}}()\[\];|,])
    | (?P<word>(?:[^\s{{}}()\[\];|,"/]|/(?![/*]))+)
    | (?P<bad>\S)"""
_STATES = rf"\{{\s*{_STATE}(?:\s*,\s*{_STATE})*\s*\}}"
_TOKEN = re.compile(rf"""\s*(?:
      (?P<cpt>\{{(?:\s*{_ENTRY})+\s*\}})
    | (?P<var>\{{\s*type\s+discrete\s*\[\s*\d+\s*\]\s*{_STATES}\s*;\s*\}})
    | (?P<head>\(\s*{_STATE}\s*(?:\|\s*{_STATE}(?:\s*,\s*{_STATE})*\s*)?\)(?=\s*\{{))
    | {_FINE})""", re.S | re.X)
_FINE_TOKEN = re.compile(rf"\s*(?:{_FINE})", re.S | re.X)
_COMPOSITE = ("cpt", "var", "head")


#: The parts of a `var` token, and the names in a `head` token.
_VAR_PARTS = re.compile(r"\{\s*type\s+discrete\s*\[\s*(\d+)\s*\]\s*\{([^{}]*)\}")
_NAME = re.compile(_STATE)


def _split_numbers(run: str) -> list[str]:
    """``"0.1, 0.2 ;"`` -> ``["0.1", "0.2"]``."""
    return [x.strip() for x in run.rstrip().rstrip(";").split(",")]


def _outside_float64(literals: list[str], values: list[float]) -> str | None:
    """The first literal whose nonzero value float64 cannot hold, as the TOML reader refuses
    them: 1e-320 is subnormal, 1e-400 becomes 0 (a changed support), 0.7e400 becomes inf."""
    for literal, value in zip(literals, values):
        if not sys.float_info.min <= value <= sys.float_info.max and (value or Decimal(literal)):
            return literal
    return None


def read_bif(path: str | os.PathLike) -> FactorGraph:
    """Read a ``.bif`` or gzip-compressed ``.bif.gz`` file.

    Raises
    ------
    ParseError
        The file cannot be read or decoded, or has a syntax or consistency error (with its line).
    """
    path = os.fspath(path)
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                raw = fh.read()
        else:
            with open(path, "rb") as fh:
                raw = fh.read()
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is not text
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ParseError(f"cannot read: {exc}", path) from None
    except UnicodeDecodeError as exc:
        hint = "; it is gzip-compressed: name it .bif.gz" if raw[:2] == b"\x1f\x8b" else ""
        raise ParseError(f"not UTF-8 text ({exc.reason} at byte {exc.start}){hint}",
                         path) from None
    return parse_bif(text, path)


def parse_bif(text: str, path: str = "<string>") -> FactorGraph:
    """Parse BIF source text; ``path`` only labels error messages.

    The cyclic garbage collector is paused meanwhile: the parser allocates hundreds of thousands
    of small acyclic objects (tokens, rows) that trigger many useless collections (about a
    quarter of the parsing time on munin2); reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Parser(text, path).parse()
    finally:
        if enabled:
            gc.enable()


class _Parser:
    """Recursive descent over a token list; tokens keep offsets, lines are counted on error."""

    def __init__(self, text: str, path: str):
        self.text, self.path = text, path
        self.tokens = self.tokenize(_TOKEN, 0, len(text))
        self.i = 0

    def tokenize(self, pattern, start: int, end: int) -> list[tuple[str, str, int]]:
        tokens = []
        for m in pattern.finditer(self.text, start, end):
            kind = m.lastgroup
            if kind == "bad":
                where = m.start(kind)
                raise self.error("unterminated /* comment" if self.text.startswith("/*", where)
                                 else f"unexpected character {self.text[where]!r}", where)
            if kind != "comment":
                tokens.append((kind, m.group(kind), m.start(kind)))
        return tokens

    def split_composite(self) -> None:
        """Replace a whole-body token at the cursor by its fine tokens, where it is unexpected."""
        if self.i < len(self.tokens) and self.tokens[self.i][0] in _COMPOSITE:
            _, got, offset = self.tokens[self.i]
            self.tokens[self.i:self.i + 1] = self.tokenize(_FINE_TOKEN, offset, offset + len(got))

    def looking_at(self, kind: str) -> bool:
        return self.i < len(self.tokens) and self.tokens[self.i][0] == kind

    # -- token helpers ----------------------------------------------------------------------

    def line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def error(self, message: str, offset: int | None = None) -> ParseError:
        if offset is None:
            offset = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        return ParseError(message, self.path, self.line(offset))

    def peek(self) -> str | None:
        self.split_composite()
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def next(self, what: str) -> tuple[str, str, int]:
        if self.i >= len(self.tokens):
            raise self.error(f"unexpected end of file, expected {what}")
        self.split_composite()
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> int:
        kind, got, offset = self.next(repr(value))
        if got != value:
            raise self.error(f"expected {value!r}, got {got!r}", offset)
        return offset

    def name(self, what: str) -> tuple[str, int]:
        kind, got, offset = self.next(what)
        if kind != "word" and not (kind == "numbers" and "," not in got):  # a state named 3
            raise self.error(f"expected {what}, got {got!r}", offset)
        return got, offset

    def skip_statement(self) -> None:
        """Skip a ``property ... ;`` statement."""
        while True:
            kind, got, _ = self.next("';' ending the property")
            if got == ";" or kind in ("row", "line"):
                return

    def names_until(self, closer: str, what: str) -> list[tuple[str, int]]:
        """Comma- (or space-) separated names up to ``closer`` (consumed)."""
        out = []
        while self.peek() != closer:
            kind, got, offset = self.tokens[self.i] if self.i < len(self.tokens) else \
                (None, None, None)
            if kind == "numbers" and "," in got:  # states named 1, 2, 3 read as one run
                out.extend((x.strip(), offset) for x in got.split(","))
                self.i += 1
            else:
                out.append(self.name(what))
            if self.peek() == ",":
                self.i += 1
        self.i += 1
        return out

    def numbers_until_semicolon(self) -> list[str]:
        out: list[str] = []
        while True:
            kind, got, offset = self.next("a probability or ';'")
            if got == ";":
                return out
            if kind == "numbers":
                out.extend(x.strip() for x in got.split(","))
            elif got != ",":
                raise self.error(f"expected a nonnegative number, got {got!r}", offset)

    # -- grammar ----------------------------------------------------------------------------

    def parse(self) -> FactorGraph:
        variables: dict[str, tuple[list[str], int]] = {}
        cpts: dict[str, tuple] = {}
        while self.i < len(self.tokens):
            kind, keyword, offset = self.next("a block")
            if keyword == "network":
                while self.peek() not in ("{", None):
                    self.i += 1
                self.block_of_properties()
            elif keyword == "variable":
                name, at = self.name("a variable name")
                if name in variables:
                    raise self.error(f"variable {name!r} declared twice", at)
                variables[name] = (self.variable_body(name), at)
            elif keyword == "probability":
                child, parents, at = self.probability_head()
                if child[0] in cpts:
                    raise self.error(f"second probability block for {child[0]!r}", at)
                cpts[child[0]] = (child, parents, self.probability_body(), at)
            else:
                raise self.error("expected 'network', 'variable' or 'probability', "
                                 f"got {keyword!r}", offset)
        return self.assemble(variables, cpts)

    def block_of_properties(self) -> None:
        self.expect("{")
        while self.peek() != "}":
            kind, got, offset = self.next("'}'")
            if got != "property":
                raise self.error(f"expected 'property' or '}}', got {got!r}", offset)
            self.skip_statement()
        self.i += 1

    def variable_body(self, name: str) -> list[str]:
        if self.looking_at("var"):
            return self.regular_variable_body(name)
        self.expect("{")
        states = None
        while True:
            kind, got, offset = self.next("'type', 'property' or '}'")
            if got == "}":
                break
            if got == "property":
                self.skip_statement()
                continue
            if got != "type":
                raise self.error(f"expected 'type', 'property' or '}}', got {got!r}", offset)
            if states is not None:
                raise self.error(f"variable {name!r} has two types", offset)
            kind, got, offset = self.next("'discrete'")
            if got != "discrete":
                raise self.error(f"only discrete variables are supported, got type {got!r}", offset)
            self.expect("[")
            kind, count, at = self.next("the number of states")
            if not count.isdigit():
                raise self.error(f"expected the number of states, got {count!r}", at)
            self.check_state_count(name, count, at)
            self.expect("]")
            self.expect("{")
            listed = [s for s, _ in self.names_until("}", "a state name")]
            self.expect(";")
            if len(listed) != int(count):
                raise self.error(f"variable {name!r} declares {count} states but lists "
                                 f"{len(listed)}", at)
            if len(set(listed)) != len(listed):
                raise self.error(f"variable {name!r} repeats a state name", at)
            if not listed:
                raise self.error(f"variable {name!r} has no states", at)
            states = listed
        if states is None:
            raise self.error(f"variable {name!r} has no 'type discrete' line")
        return states

    def check_state_count(self, name: str, count: str, at: int) -> None:
        """Refuse too many states (`tbn.graph.MAX_STATES`) before their names are listed."""
        problem = too_many_states(int(count))
        if problem:
            raise self.error(f"variable {name!r}: {problem}", at)

    def regular_variable_body(self, name: str) -> list[str]:
        """A `var` token: ``{ type discrete [ K ] { S1, ..., SK }; }``, same checks."""
        _, got, offset = self.tokens[self.i]
        self.i += 1
        m = _VAR_PARTS.match(got)
        count, at = m.group(1), offset + m.start(1)
        self.check_state_count(name, count, at)
        listed = [x.strip() for x in m.group(2).split(",")]
        if len(listed) != int(count):
            raise self.error(f"variable {name!r} declares {count} states but lists "
                             f"{len(listed)}", at)
        if len(set(listed)) != len(listed):
            raise self.error(f"variable {name!r} repeats a state name", at)
        return listed

    def probability_head(self) -> tuple[tuple[str, int], list[tuple[str, int]], int]:
        if self.looking_at("head"):
            _, got, at = self.tokens[self.i]
            self.i += 1
            names = [(m.group(), m.start()) for m in _NAME.finditer(self.text, at, at + len(got))]
            return names[0], names[1:], at
        at = self.expect("(")
        child = self.name("the child variable")
        parents = []
        if self.peek() == "|":
            self.i += 1
            parents = self.names_until(")", "a parent variable")
        else:
            self.expect(")")
        return child, parents, at

    def probability_body(self) -> list[tuple]:
        """Entries as (kind, parent states, their offsets, numbers, offset), kind in
        table/default/row; the states' offsets are None when they are the entry's offset."""
        if self.looking_at("cpt"):
            return self.regular_probability_body()
        self.expect("{")
        entries = []
        while True:
            kind, got, offset = self.next("an entry or '}'")
            if got == "}":
                return entries
            if kind == "row":
                config, _, values = got[1:].partition(")")
                names = [x.strip() for x in config.split(",")]
                if "" in names:
                    raise self.error(f"empty parent state in {got[:got.index(')') + 1]!r}",
                                     offset)
                entries.append(("row", names, None, _split_numbers(values), offset))
            elif kind == "line":
                keyword, values = got.split(None, 1)
                entries.append((keyword, [], None, _split_numbers(values), offset))
            elif got == "property":
                self.skip_statement()
            elif got in ("table", "default"):
                entries.append((got, [], None, self.numbers_until_semicolon(), offset))
            elif got == "(":
                config = self.names_until(")", "a parent state")
                entries.append(("row", [s for s, _ in config], [w for _, w in config],
                                self.numbers_until_semicolon(), offset))
            else:
                raise self.error(f"expected '(', 'table', 'default', 'property' or '}}', "
                                 f"got {got!r}", offset)

    def regular_probability_body(self) -> list[tuple]:
        """A `cpt` token: a body of well-formed rows and table/default lines only.

        The token's regex has checked the syntax, so plain string splitting reads it (much
        faster than matching the numbers again); offsets are counted along for the messages.
        """
        _, got, offset = self.tokens[self.i]
        self.i += 1
        entries = []
        where = offset + 1
        for piece in got[1:-1].split(";")[:-1]:
            entry = piece.lstrip()
            at, where = where + len(piece) - len(entry), where + len(piece) + 1
            if entry[0] == "(":
                config, _, numbers = entry[1:].partition(")")
                names = [x.strip() for x in config.split(",")]
                if "" in names:
                    raise self.error(f"empty parent state in {'(' + config + ')'!r}", at)
                entries.append(("row", names, None, "".join(numbers.split()).split(","), at))
            else:
                keyword, numbers = entry.split(None, 1)
                entries.append((keyword, [], None, "".join(numbers.split()).split(","), at))
        return entries

    # -- from parsed blocks to a factor graph -----------------------------------------------

    def assemble(self, variables: dict, cpts: dict) -> FactorGraph:
        if not variables:
            raise ParseError("no variable declared", self.path)
        for name, (_, offset) in variables.items():
            if name not in cpts:
                raise ParseError(f"variable {name!r} has no probability block", self.path,
                                 self.line(offset))
        factors = [self.cpt(*cpts[name], variables) for name in cpts]
        cycle = directed_cycle({c[0]: [p for p, _ in ps] for c, ps, _, _ in cpts.values()})
        if cycle:
            raise ParseError(f"the probability blocks form a directed cycle "
                             f"({' -> '.join(reversed(cycle))}): not a Bayesian network",
                             self.path, self.line(cpts[cycle[0]][3]))
        return FactorGraph(tuple(Variable(n, tuple(s)) for n, (s, _) in variables.items()),
                           tuple(factors))

    def cpt(self, child, parents, entries, at, variables) -> Factor:
        names = [child] + parents
        for name, offset in names:
            if name not in variables:
                raise self.error(f"probability block names undeclared variable {name!r}", offset)
        if len({n for n, _ in names}) != len(names):
            raise self.error(f"probability block for {child[0]!r} repeats a variable", at)
        states = [variables[n][0] for n, _ in names]
        k = len(states[0])
        shape = tuple(len(s) for s in states)
        positions = [{state: i for i, state in enumerate(s)} for s in states[1:]]
        steps = list(zip(positions, shape[1:]))
        # rows[c] = (literals, floats) of parent configuration c, numbered in row-major order
        rows: list = [None] * math.prod(shape[1:])
        default = None
        for kind, config, wheres, numbers, offset in entries:
            if kind == "table" and parents:
                raise self.error(f"{child[0]}: 'table' with parents is ambiguous across BIF "
                                 "dialects; list one row per parent configuration", offset)
            if len(numbers) != k:
                raise self.error(f"{child[0]}: expected {k} probabilities, got {len(numbers)}",
                                 offset)
            values = list(map(float, numbers))
            bad = _outside_float64(numbers, values)
            if bad is not None:
                raise self.error(f"{child[0]}: {bad} is outside the float64 range (nonzero "
                                 "magnitudes from 2.2e-308 to 1.8e308)", offset)
            row_sum = math.fsum(values)
            if abs(row_sum - 1) > ROW_SUM_TOLERANCE:
                raise self.error(f"{child[0]}: probabilities sum to {row_sum:.6g}, not 1", offset)
            if kind == "default":
                if default is not None:
                    raise self.error(f"{child[0]}: two 'default' entries", offset)
                default = (numbers, values)
                continue
            row = 0
            if kind != "table":
                if len(config) != len(parents):
                    raise self.error(f"{child[0]}: row names {len(config)} parent states, the "
                                     f"block has {len(parents)} parents", offset)
                for state, (index, card) in zip(config, steps):
                    i = index.get(state)
                    if i is None:
                        j = next(j for j, (s, (ix, _)) in enumerate(zip(config, steps))
                                 if s not in ix)
                        raise self.error(f"{child[0]}: {config[j]!r} is not a state of parent "
                                         f"{parents[j][0]!r} {states[j + 1]}",
                                         wheres[j] if wheres else offset)
                    row = row * card + i
            if rows[row] is not None:
                raise self.error(f"{child[0]}: parent configuration listed twice", offset)
            rows[row] = (numbers, values)
        literals: list[str] = []
        floats: list[float] = []
        for row, entry in enumerate(rows):
            if entry is None:
                if default is None:
                    key = np.unravel_index(row, shape[1:])
                    raise self.error(f"{child[0]}: no probabilities for parent configuration "
                                     f"{[s[i] for s, i in zip(states[1:], key)]}", at)
                entry = default
            literals.extend(entry[0])
            floats.extend(entry[1])
        # rows are parent configurations, so the child axis comes last: move it first
        by_row, child_first = shape[1:] + (k,), (len(parents),) + tuple(range(len(parents)))
        exact = np.array(literals, dtype=str).reshape(by_row).transpose(child_first).copy()
        table = np.array(floats, dtype=np.float64).reshape(by_row).transpose(child_first).copy()
        label = f"P({child[0]} | {', '.join(p for p, _ in parents)})" if parents \
            else f"P({child[0]})"
        return Factor(tuple(n for n, _ in names), table, label, exact)
