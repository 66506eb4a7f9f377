"""The BIF reader: hand-written networks, syntax errors with lines, and the bnlearn files
against the readers of pyAgrum and pgmpy."""
import gzip
import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bnlearn import bnlearn_path
from tbn.bif import parse_bif, read_bif
from tbn.errors import ParseError
from tbn.exact import marginals

SPRINKLER = """\
// the classic rain / sprinkler / wet grass network
network "sprinkler" {
  property author = "test";
}
variable rain {
  type discrete [ 2 ] { no, yes };
  property position = (1, 2);
}
variable sprinkler { type discrete [2] {off, on}; }
variable grass {
  type discrete [ 3 ] { dry, damp, wet };
}
/* CPTs: rows are parent configurations */
probability ( rain ) { table 0.8, 0.2; }
probability ( sprinkler | rain ) {
  (no) 0.6, 0.4;
  (yes) 0.99, 1e-2;
}
probability ( grass | rain, sprinkler ) {
  (no, off) 1.0, 0.0, 0.0;
  default 0.05, 0.15, 0.8;
}
"""


def test_tables_have_the_child_axis_first_and_keep_the_decimals():
    fg = parse_bif(SPRINKLER)
    assert fg.names == ("rain", "sprinkler", "grass")
    grass = next(f for f in fg.factors if f.variables[0] == "grass")
    assert grass.variables == ("grass", "rain", "sprinkler")
    assert grass.table.shape == (3, 2, 2)
    assert grass.table[:, 0, 0].tolist() == [1.0, 0.0, 0.0]
    assert grass.table[:, 1, 0].tolist() == [0.05, 0.15, 0.8]  # from the default row
    sprinkler = next(f for f in fg.factors if f.variables[0] == "sprinkler")
    assert sprinkler.rational_table()[1, 1] == Fraction(1, 100)


def test_marginals_of_a_parsed_network_match_the_hand_computation():
    got = marginals(parse_bif(SPRINKLER), arithmetic="fraction")
    f = Fraction
    p_rain = [f(4, 5), f(1, 5)]
    p_spr = [[f(3, 5), f(2, 5)], [f(99, 100), f(1, 100)]]
    p_grass = {(0, 0): [1, 0, 0]}
    wet = [0, 0, 0]
    for r, s in itertools.product(range(2), range(2)):
        row = p_grass.get((r, s), [f(1, 20), f(3, 20), f(4, 5)])
        for g in range(3):
            wet[g] += p_rain[r] * p_spr[r][s] * row[g]
    assert got["grass"] == wet
    assert got["sprinkler"] == [p_rain[0] * f(3, 5) + p_rain[1] * f(99, 100),
                                p_rain[0] * f(2, 5) + p_rain[1] * f(1, 100)]


def test_gzip_and_plain_files_read_the_same(tmp_path):
    plain, packed = tmp_path / "s.bif", tmp_path / "s.bif.gz"
    plain.write_text(SPRINKLER)
    packed.write_bytes(gzip.compress(SPRINKLER.encode()))
    a, b = read_bif(plain), read_bif(packed)
    assert a.names == b.names
    assert all(np.array_equal(x.table, y.table) for x, y in zip(a.factors, b.factors))


def _replace(old, new):
    assert old in SPRINKLER
    return SPRINKLER.replace(old, new, 1)


SYNTAX_ERRORS = [
    (_replace("variable rain {", "variabel rain {"), 5,
     "expected 'network', 'variable' or 'probability', got 'variabel'"),
    (_replace("[ 2 ] { no, yes }", "[ 3 ] { no, yes }"), 6, "declares 3 states but lists 2"),
    (_replace("{ no, yes }", "{ no, no }"), 6, "repeats a state name"),
    (_replace("type discrete [ 3 ]", "type continuous [ 3 ]"), 11,
     "only discrete variables are supported"),
    (_replace("(yes) 0.99, 1e-2;", "(yes) 0.99, abc;"), 17, "expected a nonnegative number"),
    (_replace("(yes) 0.99, 1e-2;", "(yes) 0.99, -0.01;"), 17, "expected a nonnegative number"),
    (_replace("(yes) 0.99, 1e-2;", "(yes) 0.99;"), 17, "expected 2 probabilities, got 1"),
    (_replace("(yes) 0.99, 1e-2;", "(maybe) 0.99, 1e-2;"), 17,
     "'maybe' is not a state of parent 'rain'"),
    (_replace("(yes) 0.99, 1e-2;", "(no) 0.99, 1e-2;"), 17, "parent configuration listed twice"),
    (_replace("(yes) 0.99, 1e-2;", "(yes) 0.9, 0.2;"), 17, "probabilities sum to 1.1, not 1"),
    # the TOML reader's rule and words: nonzero numbers must be normal float64 magnitudes
    *[(_replace("(yes) 0.99, 1e-2;", f"(yes) 1, {x};"), 17,
       f"sprinkler: {x} is outside the float64 range (nonzero magnitudes from 2.2e-308 to 1.8e308)")
      for x in ("1e-320", "1e-400", "0.7e400")],
    (_replace("(yes) 0.99, 1e-2;", ""), 15, "no probabilities for parent configuration ['yes']"),
    (_replace("(no, off) 1.0", "(no) 1.0"), 20, "row names 1 parent states, the block has 2"),
    (_replace("probability ( rain ) { table 0.8, 0.2; }", ""), 5,
     "variable 'rain' has no probability block"),
    (_replace("grass | rain, sprinkler", "grass | rain, hail"), 19,
     "undeclared variable 'hail'"),
    (_replace("(no) 0.6, 0.4;", "table 0.6, 0.4, 0.99, 0.01;"), 16,
     "'table' with parents is ambiguous"),
    (_replace("(no, off) 1.0, 0.0, 0.0;", "(no, off) 1.0, 0.0, 0.0"), 21, "expected a nonnegative"),
    (_replace("configurations */", "configurations"), 13, "unterminated /* comment"),
    (_replace("(no) 0.6, 0.4;", "(no) 0.6, 0.4; \""), 16, "unexpected character '\"'"),
    (SPRINKLER + "variable rain { type discrete [ 2 ] { a, b }; }\n", 23,
     "variable 'rain' declared twice"),
    (SPRINKLER.rstrip("}\n"), 21, "unexpected end of file"),
]


@pytest.mark.parametrize("text, line, message", SYNTAX_ERRORS, ids=[m for *_, m in SYNTAX_ERRORS])
def test_errors_name_the_file_and_line(text, line, message):
    with pytest.raises(ParseError) as info:
        parse_bif(text, "net.bif")
    assert info.value.path == "net.bif"
    assert info.value.line == line, str(info.value)
    assert message in str(info.value)


def test_unreadable_files_are_parse_errors(tmp_path):
    with pytest.raises(ParseError, match="cannot read"):
        read_bif(tmp_path / "missing.bif")
    bad = tmp_path / "bad.bif.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(ParseError, match="cannot read"):
        read_bif(bad)
    with pytest.raises(ParseError, match="no variable declared"):
        parse_bif("network x { }")


# -- the bnlearn networks against two independent readers ---------------------------------


#: pyAgrum's loader rejects labels of child ("Asy/Patch", "<5", "12+"): pgmpy's reader covers it.
PYAGRUM_READS = ["asia", "alarm", "insurance", "hailfinder", "win95pts", "andes", "pigs",
                 "hepar2", "water", "munin1"]


@pytest.mark.parametrize("network", PYAGRUM_READS)
def test_bnlearn_tables_equal_pyagrums_reader(network, tmp_path):
    gum = pytest.importorskip("pyagrum")
    path = bnlearn_path(network)
    fg = read_bif(path)
    plain = tmp_path / f"{network}.bif"
    plain.write_bytes(gzip.open(path).read())
    bn = gum.loadBN(str(plain))
    assert sorted(bn.names()) == sorted(fg.names)
    for f in fg.factors:
        child, parents = f.variables[0], f.variables[1:]
        assert sorted(bn.cpt(child).names[1:]) == sorted(parents)
        labels = [bn.variable(child).label(i) for i in range(bn.variable(child).domainSize())]
        assert labels == list(fg.variable(child).states)
        for config in itertools.product(*(range(fg.variable(p).cardinality) for p in parents)):
            ref = np.asarray(bn.cpt(child)[{p: fg.variable(p).states[k]
                                            for p, k in zip(parents, config)}])
            # pyAgrum's BIF loader stores float32-rounded values
            assert np.allclose(f.table[(slice(None),) + config], ref, rtol=1e-6, atol=1e-7)


def test_bnlearn_child_equals_pgmpys_reader():
    pytest.importorskip("pgmpy")
    from pgmpy.readwrite import BIFReader
    path = bnlearn_path("child")
    fg = read_bif(path)
    model = BIFReader(string=gzip.open(path).read().decode()).get_model()
    assert sorted(model.nodes()) == sorted(fg.names)
    for f in fg.factors:
        cpd = model.get_cpds(f.variables[0])
        assert sorted(cpd.variables) == sorted(f.variables)
        ours = np.transpose(f.table, [f.variables.index(v) for v in cpd.variables])
        for axis, v in enumerate(cpd.variables):  # our state order -> pgmpy's
            order = [fg.variable(v).states.index(s) for s in cpd.state_names[v]]
            ours = np.take(ours, order, axis=axis)
        assert np.array_equal(ours, cpd.values)


@st.composite
def networks(draw):
    """Random Bayesian networks (parents among earlier variables) with decimal CPT rows."""
    n = draw(st.integers(1, 5))
    states = [[f"s{k}" for k in range(draw(st.integers(1, 3)))] for _ in range(n)]
    parents = [draw(st.lists(st.integers(0, i - 1), unique=True, max_size=min(i, 3)))
               if i else [] for i in range(n)]
    rows = {}
    for i in range(n):
        for config in itertools.product(*(range(len(states[p])) for p in parents[i])):
            weights = draw(st.lists(st.integers(0, 9), min_size=len(states[i]),
                                    max_size=len(states[i])).filter(any))
            rows[i, config] = [Fraction(w, sum(weights)) for w in weights]
    return states, parents, rows


def write_bif(states, parents, rows):
    """An independent writer: exact rationals printed with 30 decimals, rows in random order."""
    out = ["network random {", "}"]
    for i, ss in enumerate(states):
        out.append(f"variable v{i} {{ type discrete [ {len(ss)} ] {{ {', '.join(ss)} }}; }}")
    for i in reversed(range(len(states))):
        head = f"v{i}" + (" | " + ", ".join(f"v{p}" for p in parents[i]) if parents[i] else "")
        out.append(f"probability ( {head} ) {{")
        for (j, config), row in sorted(rows.items(), key=lambda kv: str(kv[0][1])[::-1]):
            if j != i:
                continue
            numbers = ", ".join(f"{float(q):.30f}" for q in row)
            label = ", ".join(states[p][k] for p, k in zip(parents[i], config))
            out.append(f"  ({label}) {numbers};" if parents[i] else f"  table {numbers};")
        out.append("}")
    return "\n".join(out) + "\n"


@settings(max_examples=60, deadline=None)
@given(networks())
def test_random_networks_read_back_exactly(net):
    states, parents, rows = net
    fg = parse_bif(write_bif(states, parents, rows))
    assert fg.names == tuple(f"v{i}" for i in range(len(states)))
    for f in fg.factors:
        i = int(f.variables[0][1:])
        assert f.variables[1:] == tuple(f"v{p}" for p in parents[i])
        for config in itertools.product(*(range(len(states[p])) for p in parents[i])):
            got = f.table[(slice(None),) + config]
            assert np.allclose(got, [float(q) for q in rows[i, config]], rtol=0, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(networks())
def test_whole_body_tokens_read_like_the_fine_tokens(net):
    """Regular CPT bodies, heads and variable bodies are read as single tokens; a comment after
    every '{', '(' and ',' makes them irregular, so the fine tokens read them: same graph."""
    text = write_bif(*net)
    fine = text.replace("{", "{ /**/").replace("(", "( /**/").replace(",", ", /**/")
    assert fine != text
    a, b = parse_bif(text), parse_bif(fine)
    assert [(v.name, v.states) for v in a.variables] == [(v.name, v.states) for v in b.variables]
    for f, g in zip(a.factors, b.factors, strict=True):
        assert f.variables == g.variables and f.name == g.name
        assert np.array_equal(f.table, g.table) and np.array_equal(f.exact, g.exact)


def test_a_gzip_file_without_the_gz_suffix_gets_a_hint(tmp_path):
    path = tmp_path / "net.bif"
    path.write_bytes(gzip.compress(b"network n { }\nvariable a { type discrete [ 2 ] { x, y }; }\n"))
    with pytest.raises(ParseError, match="gzip-compressed: name it .bif.gz"):
        read_bif(str(path))
    plain = tmp_path / "latin.bif"
    plain.write_bytes(b"network caf\xe9 { }\n")
    with pytest.raises(ParseError) as caught:
        read_bif(str(plain))
    assert "not UTF-8" in str(caught.value) and "gzip-compressed" not in str(caught.value)


@pytest.mark.parametrize("old, new, line", [
    ("[ 2 ] { no, yes }", "[ 3 ] { no, yes, maybe }", 6),  # a block with a property
    ("[2] {off, on}", "[3] {off, on, broken}", 9)])         # a block read as one token
def test_more_states_than_the_cap_are_refused_before_reading_them(monkeypatch, old, new, line):
    import tbn.graph
    monkeypatch.setattr(tbn.graph, "MAX_STATES", 2)  # the cap both readers use
    with pytest.raises(ParseError, match="3 states, more than the 2 a variable may have") as info:
        parse_bif(_replace(old, new), "net.bif")
    assert info.value.line == line
