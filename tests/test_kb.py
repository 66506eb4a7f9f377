"""TOML knowledge bases: the worked example against closed forms, and every malformed input."""
import json
import os
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from tbn.errors import ModelError, ParseError
from tbn.exact import marginals
from tbn.kb import parse_kb, read_kb, read_model

EXAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "dating.toml")


def mp(q):
    return mpmath.mpf(q.numerator) / q.denominator


def test_worked_example_matches_closed_forms_at_50_digits():
    fg = read_kb(EXAMPLE)
    got = marginals(fg, arithmetic="mpmath", dps=50)
    with mpmath.workdps(60):
        sig = lambda x: 1 / (1 + mpmath.exp(-x))  # noqa: E731
        a, b = Fraction(4, 5), Fraction(2, 5)
        expected = {
            "like_jack_jill": [1 - a, a],
            "like_jill_jack": [1 - b, b],
            "date": [1 - a * b, a * b],                       # AND: 0.32
            "match": [Fraction(3, 11), Fraction(8, 11)],     # the paper's 0.8 (+) 0.4 = 8/11
        }
        # weather -> outing (CPT), outing -- mood (free factor, row sums 3, 3, 4)
        pw = [Fraction(3, 10), Fraction(3, 10), Fraction(2, 5)]
        cpt = [[Fraction(7, 10), Fraction(1, 5), Fraction(1, 10)], [Fraction(1, 3)] * 3,
               [Fraction(1, 10), Fraction(2, 5), Fraction(1, 2)]]
        aff = [[2, 1], [1, 2], [1, 3]]
        joint = {(w, o, m): pw[w] * cpt[w][o] * aff[o][m]
                 for w in range(3) for o in range(3) for m in range(2)}
        z = sum(joint.values())
        for name, axis, k in (("weather", 0, 3), ("outing", 1, 3), ("mood", 2, 2)):
            expected[name] = [sum(p for x, p in joint.items() if x[axis] == s) / z
                              for s in range(k)]
        for name, dist in expected.items():
            for p, q in zip(got[name], dist):
                assert abs(p - mp(q)) < mpmath.mpf(10) ** -45, name
        att = (mp((1 - a) * (1 - b)) * sig(-1) + mp(a * (1 - b)) * sig(1)
               + mp((1 - a) * b) * sig(1) + mp(a * b) * sig(3))
        assert abs(got["attracted"][1] - att) < mpmath.mpf(10) ** -45


def test_decimals_are_read_exactly_and_gates_are_deterministic():
    fg = parse_kb("""
        [variables]
        a = ["f", "t"]
        b = ["f", "t"]
        both = ["f", "t"]
        either = ["f", "t"]
        [prior]
        a = 0.1
        b = [0.7, "3/10"]
        [[gate]]
        kind = "and"
        child = "both"
        parents = ["a", "b"]
        [[gate]]
        kind = "or"
        child = "either"
        parents = ["a", "b"]
    """)
    got = marginals(fg, arithmetic="fraction")
    pa, pb = Fraction(1, 10), Fraction(3, 10)
    assert got["both"] == [1 - pa * pb, pa * pb]
    assert got["either"] == [(1 - pa) * (1 - pb), 1 - (1 - pa) * (1 - pb)]
    posterior = marginals(fg, {"either": 1}, arithmetic="fraction")["a"][1]
    assert posterior == pa / (1 - (1 - pa) * (1 - pb))


def test_cpt_axes_are_parents_then_child():
    fg = parse_kb("""
        [variables]
        p = ["x", "y"]
        c = ["u", "v", "w"]
        [prior]
        p = [0.5, 0.5]
        [[cpt]]
        child = "c"
        parents = ["p"]
        table = [[1, 0, 0], [0, 0.5, 0.5]]
    """)
    got = marginals(fg, {"p": 1}, arithmetic="fraction")["c"]
    assert got == [0, Fraction(1, 2), Fraction(1, 2)]


def test_logistic_gate_is_irrational_so_fraction_arithmetic_refuses():
    fg = read_kb(EXAMPLE)
    with pytest.raises(ModelError, match="sigmoid"):
        marginals(fg, arithmetic="fraction")


BASE = '[variables]\na = ["f", "t"]\nb = ["f", "t"]\nc = ["x", "y", "z"]\n'

MALFORMED = [
    ("[variables\n", "TOML syntax error"),
    ('[prior]\na = 0.5\n', "missing section [variables]"),
    (BASE + '[priors]\na = 0.5\n', "unknown section 'priors'"),
    ('[variables]\na = []\n', "variables.a: must be a non-empty list"),
    ('[variables]\na = ["s", "s"]\n', "variables.a: repeats a state name"),
    ('[variables]\na = 0\n', "variables.a: needs at least one state"),
    # refused before 10**8 state names are made (that took 13 GB and 207 s)
    ('[variables]\na = 1000001\n', "variables.a: 1000001 states, more than the 1000000"),
    (BASE + '[prior]\nq = 0.5\n', "prior.q: undeclared variable(s) ['q']"),
    (BASE + '[prior]\na = [0.5, 0.6]\n', "prior.a: probabilities sum to 1.1"),
    (BASE + '[prior]\nc = 0.5\n', "prior.c: a single number is the probability of state 1 (the second state) of a binary variable; 'c' has 3 states"),
    (BASE + '[prior]\na = 1.5\n', "prior.a: probability 1.5 outside [0, 1]"),
    (BASE + '[prior]\na = ["1/0", 1]\n', 'prior.a[0]: expected a number or a string like "1/3"'),
    (BASE + '[prior]\na = [true, false]\n', "prior.a[0]: expected a number"),
    (BASE + '[prior]\na = [0.5, "abc"]\n', "prior.a[1]: expected a number"),
    (BASE + '[prior]\na = [0.5, nan]\n', "not a finite number"),
    (BASE + '[[cpt]]\nchild = "b"\nparents = ["a"]\ntable = [[0.5, 0.5]]\n',
     "cpt[0] (child 'b'): table: expected a list of 2 entries (table shape (2, 2)), got 1"),
    (BASE + '[[cpt]]\nchild = "b"\nparents = ["a"]\ntable = [[1.5, -0.5], [0.5, 0.5]]\n',
     "cpt[0] (child 'b'): table[0][1]: negative entry -0.5"),
    (BASE + '[[cpt]]\nchild = "b"\nparents = ["a"]\ntable = [[0.4, 0.5], [0.5, 0.5]]\n',
     "cpt[0] (child 'b'): table[0]: probabilities sum to 0.9"),
    (BASE + '[[cpt]]\nchild = "b"\nparent = ["a"]\ntable = [0.5, 0.5]\n',
     "cpt[0]: unknown key(s) ['parent']"),
    (BASE + '[[cpt]]\nchild = "b"\nparents = "a"\ntable = [0.5, 0.5]\n',
     "cpt[0] (child 'b'): parents must be a list"),
    (BASE + '[[cpt]]\nchild = "b"\nparents = ["a"]\n', "cpt[0] (child 'b'): needs table"),
    (BASE + '[[cpt]]\nparents = ["a"]\ntable = [0.5, 0.5]\n', "cpt[0]: needs child"),
    (BASE + '[[gate]]\nkind = "xor"\nchild = "b"\nparents = ["a"]\n',
     "gate[0]: kind must be one of ['and', 'or', 'logistic'], got 'xor'"),
    (BASE + '[[gate]]\nkind = "and"\nchild = "c"\nparents = ["a"]\n',
     "gates need binary variables (state 1 = true), ['c'] are not"),
    (BASE + '[[gate]]\nkind = "and"\nchild = "b"\n', "and gate, child 'b'): needs parents"),
    (BASE + '[[gate]]\nkind = "and"\nchild = "b"\nparents = []\n', "needs at least one parent"),
    (BASE + '[[gate]]\nkind = "logistic"\nchild = "b"\nparents = ["a"]\n',
     "needs weights = a list of 1 numbers"),
    (BASE + '[[gate]]\nkind = "or"\nchild = "b"\nparents = ["a"]\nbias = 1\n',
     "weights and bias belong to logistic gates only"),
    (BASE + '[[gate]]\nkind = "and"\nchild = "b"\nparents = ["a", "a"]\n',
     "repeats a variable"),
    (BASE + '[prior]\nb = 0.5\n[[gate]]\nkind = "and"\nchild = "b"\nparents = ["a"]\n',
     "'b' already has a distribution from prior.b"),
    (BASE + '[[factor]]\nvariables = ["a", "b"]\ntable = [[0, 0], [0, 0]]\n',
     "factor[0]: table is all zeros"),
    (BASE + '[[factor]]\nvariables = ["a", "q"]\ntable = [[1, 1], [1, 1]]\n',
     "factor[0]: undeclared variable(s) ['q']"),
    (BASE + '[[factor]]\nvariables = []\ntable = 1\n', "factor[0]: needs at least one variable"),
    ('cpt = 3\n' + BASE, "'cpt' must be an array of tables"),
]


@pytest.mark.parametrize("text, message", MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_input_is_a_parse_error_naming_the_place(text, message):
    with pytest.raises(ParseError) as info:
        parse_kb(text, "model.toml")
    assert str(info.value).startswith("model.toml: ")
    assert message in str(info.value)


def test_all_problems_are_reported_at_once():
    text = BASE + '[prior]\na = 2\nq = 0.5\n[[gate]]\nkind = "nand"\nchild = "b"\n'
    with pytest.raises(ParseError) as info:
        parse_kb(text)
    message = str(info.value)
    assert "prior.a" in message and "prior.q" in message and "gate[0]" in message


def test_toml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[variables]\na = ["f", "t"]\nb = ["f" "t"]\n')
    with pytest.raises(ParseError, match=r"bad\.toml.*line 3"):
        read_kb(path)


def test_read_model_dispatches_on_the_extension(tmp_path):
    assert read_model(EXAMPLE).names[0] == "like_jack_jill"
    with pytest.raises(ParseError, match="unknown model format"):
        read_model(tmp_path / "model.json")
    with pytest.raises(ParseError, match="cannot read"):
        read_model(tmp_path / "missing.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[variables]")
    with pytest.raises(ParseError, match="not UTF-8"):
        read_model(binary)


def toml_value(x):
    """A tiny TOML writer for the fuzz test below (strings, numbers, booleans, arrays, tables)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (int, float)):
        return repr(x)
    if isinstance(x, str):
        return json.dumps(x)
    if isinstance(x, list):
        return "[" + ", ".join(toml_value(y) for y in x) + "]"
    return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in x.items()) + "}"


NAMES = st.sampled_from(["a", "b", "c", "q"])
SCALARS = st.one_of(st.integers(-2, 3), st.sampled_from([0.5, 0.25, 1.5, -0.5]),
                    st.booleans(), st.sampled_from(["a", "b", "1/2", "x", "and", "or",
                                                    "logistic"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=8)
ENTRY = st.dictionaries(st.sampled_from(["child", "parents", "table", "kind", "weights", "bias",
                                         "variables", "name", "typo"]), VALUES, max_size=5)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(NAMES, st.one_of(st.lists(st.sampled_from(["f", "t", "u"]), max_size=3),
                                        st.integers(-1, 3)), max_size=4),
       st.dictionaries(NAMES, VALUES, max_size=3),
       st.lists(st.tuples(st.sampled_from(["cpt", "factor", "gate", "junk"]), ENTRY),
                max_size=3))
def test_arbitrary_documents_give_a_graph_or_a_parse_error(variables, priors, entries):
    lines = ["[variables]"] + [f"{k} = {toml_value(v)}" for k, v in variables.items()]
    lines += ["[prior]"] + [f"{k} = {toml_value(v)}" for k, v in priors.items()]
    for section, entry in entries:
        lines.append(f"[[{section}]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in entry.items()]
    try:
        parse_kb("\n".join(lines) + "\n", "fuzz.toml")
    except ParseError as exc:
        assert str(exc).startswith("fuzz.toml: ")


def test_a_listed_domain_over_the_state_cap_is_refused(monkeypatch):
    import tbn.graph
    monkeypatch.setattr(tbn.graph, "MAX_STATES", 2)  # the cap both readers use
    with pytest.raises(ParseError, match="variables.a: 3 states, more than the 2 a variable"):
        parse_kb('[variables]\na = ["x", "y", "z"]\n', "model.toml")
