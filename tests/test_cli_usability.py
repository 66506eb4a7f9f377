"""`tbn` as a user meets it: mistakes give exit 2 and one line, help teaches, answers are right.

Each test here is the regression test of a problem found by using the command line: argparse's
usage block on every mistake, MODEL swallowed by --evidence, options silently ignored, 30 printed
digits of which 10 were right, a false Z = 0 from overflow, a traceback on an empty model.
"""
import json
import os
import re
import subprocess
import sys
from fractions import Fraction

import mpmath
import pytest

from tbn import __version__
from tbn.cli import LOOPY_NOTE, MAX_PRECISION, main
from tbn.errors import ParseError
from tbn.exact import marginals
from tbn.kb import parse_kb

EXAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "dating.toml")

# A single loop of pairwise factors: BP does not converge in a fixed number of rounds, it
# approaches its fixed point geometrically.
LOOP_FACTORS = {("a", "b"): [[2, 1], [1, 3]], ("b", "c"): [[1, 2], [Fraction(5, 2), 1]],
                ("c", "d"): [[3, 1], [1, 2]], ("d", "a"): [[1, 2], [2, Fraction(3, 2)]]}
LOOP_PRIOR_A = Fraction(3, 10)


def loop_toml() -> str:
    lines = ['[variables]', *(f'{v} = ["0", "1"]' for v in "abcd"),
             '[prior]', f'a = "{LOOP_PRIOR_A}"']
    for (u, v), table in LOOP_FACTORS.items():
        rows = ", ".join("[" + ", ".join(f'"{x}"' for x in row) + "]" for row in table)
        lines += ["[[factor]]", f'variables = ["{u}", "{v}"]', f"table = [{rows}]"]
    return "\n".join(lines) + "\n"


def naive_loop_bp(rounds: int, dps: int) -> dict[str, list]:
    """Flooding sum-product on LOOP_FACTORS written out directly, in mpmath: the reference."""
    with mpmath.workdps(dps):
        unary = {v: [mpmath.mpf(1), mpmath.mpf(1)] for v in "abcd"}
        p = mpmath.mpf(LOOP_PRIOR_A.numerator) / LOOP_PRIOR_A.denominator
        unary["a"] = [1 - p, p]
        tables = {k: [[mpmath.mpf(x.numerator) / x.denominator if isinstance(x, Fraction)
                       else mpmath.mpf(x) for x in row] for row in t]
                  for k, t in LOOP_FACTORS.items()}
        msg = {(k, v): [mpmath.mpf(1) / 2] * 2 for k in tables for v in k}

        def to_factor(v, k):  # variable v's message to factor k
            out = list(unary[v])
            for k2 in tables:
                if k2 != k and v in k2:
                    out = [o * m for o, m in zip(out, msg[(k2, v)])]
            return out

        for _ in range(rounds):
            new = {}
            for (u, v), t in tables.items():
                qu, qv = to_factor(u, (u, v)), to_factor(v, (u, v))
                to_v = [sum(t[i][j] * qu[i] for i in range(2)) for j in range(2)]
                to_u = [sum(t[i][j] * qv[j] for j in range(2)) for i in range(2)]
                new[((u, v), v)] = [x / sum(to_v) for x in to_v]
                new[((u, v), u)] = [x / sum(to_u) for x in to_u]
            msg = new
        beliefs = {}
        for v in "abcd":
            b = list(unary[v])
            for k in tables:
                if v in k:
                    b = [x * m for x, m in zip(b, msg[(k, v)])]
            beliefs[v] = [x / sum(b) for x in b]
        return beliefs


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys, *argv):
    """argparse mistakes exit through SystemExit(2); return its one stderr line."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == ""
    assert err.count("\n") == 1 and "usage:" not in err, err
    return err


@pytest.mark.parametrize("argv, message", [
    (["infer", EXAMPLE, "--precision", "abc"], "invalid int value: 'abc'"),
    (["infer", EXAMPLE, "--method", "magic"], "invalid choice: 'magic'"),
    (["infer", EXAMPLE, "--evidence"], "expected at least one argument"),
    (["compile", EXAMPLE], "required: -o/--output"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["infer", EXAMPLE, "--no-such-option"], "unrecognized arguments: --no-such-option (see "
                                             "'tbn infer --help')"),
    (["--no-such-option"], "unrecognized arguments: --no-such-option (see 'tbn --help')"),
])
def test_argparse_mistakes_are_one_line_not_the_usage_block(capsys, argv, message):
    err = usage_error(capsys, *argv)
    assert message in err and "--help" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"tbn {__version__}"


def test_evidence_before_the_model_is_understood(capsys):
    code, before, err = run(capsys, "infer", "-e", "date=yes", EXAMPLE, "--json")
    assert code == 0, err
    _, after, _ = run(capsys, "infer", EXAMPLE, "-e", "date=yes", "--json")
    assert before == after
    # P(attracted = yes | date = yes) = sigma(2 + 2 - 1) since date = yes forces both likes
    assert json.loads(before)["marginals"]["attracted"]["yes"] == pytest.approx(
        1 / (1 + mpmath.e ** -3), abs=1e-15)


def test_evidence_before_the_model_compiles_too(capsys, tmp_path):
    code, out, err = run(capsys, "compile", "-e", "date=yes", EXAMPLE, "-o",
                         str(tmp_path / "w.npz"), "--json")
    assert code == 0, err
    assert os.path.exists(json.loads(out)["weights"])


@pytest.mark.parametrize("argv", [["infer"], ["infer", "-e", "date=yes"],
                                  ["compile", "-o", "w.npz"]])
def test_missing_model_is_one_line(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("tbn: error: missing MODEL")


@pytest.mark.parametrize("option", [["--tol", "1e-3"], ["--max-iter", "5"], ["--damping", "0.2"]])
def test_iteration_options_are_refused_by_exact_inference_not_ignored(capsys, option):
    code, out, err = run(capsys, "infer", EXAMPLE, *option)
    assert code == 2 and out == "" and err.count("\n") == 1
    applies = "--method bp" if option[0] == "--damping" else "--method bp or transformer"
    assert err == f"tbn: error: {option[0]} only applies to {applies} (exact inference has " \
                  "nothing to iterate)\n"
    code, out, err = run(capsys, "infer", EXAMPLE, "--method", "bp", *option)
    assert code == 0, err


def test_exact_inference_names_where_each_iteration_option_applies(capsys):
    # --damping is refused by the transformer too: "bp or transformer" was untrue for it
    code, out, err = run(capsys, "infer", EXAMPLE, "--tol", "1e-3", "--max-iter", "5",
                         "--damping", "0.2")
    assert code == 2 and err == (
        "tbn: error: --max-iter, --tol only apply to --method bp or transformer; --damping only "
        "applies to --method bp (exact inference has nothing to iterate)\n")


@pytest.mark.parametrize("digits", [str(MAX_PRECISION + 1), "100000"])
def test_absurd_precision_is_refused_at_once(capsys, digits):
    code, out, err = run(capsys, "infer", EXAMPLE, "--method", "transformer", "--precision", digits)
    assert code == 2 and out == "" and f"at most {MAX_PRECISION}" in err


@pytest.mark.parametrize("method", ["bp", "transformer"])
def test_precision_digits_are_those_of_the_fixed_point(capsys, tmp_path, method):
    """With --precision 30 and no --tol, all 30 digits are the BP fixed point's (they used to
    stop at the 1e-10 default and print 20 wrong digits)."""
    path = tmp_path / "loop.toml"
    path.write_text(loop_toml())
    reference = naive_loop_bp(rounds=400, dps=60)
    code, out, err = run(capsys, "infer", str(path), "--method", method, "--precision", "30",
                         "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["converged"] is True
    with mpmath.workdps(60):
        worst = max(abs(mpmath.mpf(doc["marginals"][v][s]) - reference[v][int(s)])
                    for v in "abcd" for s in "01")
    assert worst < mpmath.mpf(10) ** -27
    # the loop really needs the tighter rule: at --tol 1e-10 the answer is off beyond 1e-20
    code, out, _ = run(capsys, "infer", str(path), "--method", method, "--precision", "30",
                       "--tol", "1e-10", "--json")
    with mpmath.workdps(60):
        loose = max(abs(mpmath.mpf(json.loads(out)["marginals"][v][s]) - reference[v][int(s)])
                    for v in "abcd" for s in "01")
    assert loose > mpmath.mpf(10) ** -20


@pytest.mark.parametrize("tables", [
    ([10 ** 300, 10 ** 300], [10 ** 300, 2 * 10 ** 300]),          # product overflows float64
    (["1e-300", "1e-300"], ["1e-300", "2e-300"]),                  # product underflows to 0
])
def test_exact_floats_survive_huge_and_tiny_factor_entries(tables):
    doc = "[variables]\na = [\"n\", \"y\"]\n" + "".join(
        f"[[factor]]\nvariables = [\"a\"]\ntable = [\"{t[0]}\", \"{t[1]}\"]\n" for t in tables)
    fg = parse_kb(doc)
    exact = marginals(fg, arithmetic="fraction")["a"]
    assert exact == [Fraction(1, 3), Fraction(2, 3)]
    got = marginals(fg)["a"]
    assert got == pytest.approx([1 / 3, 2 / 3], abs=1e-15)


def test_contradictory_evidence_names_the_states(capsys):
    code, out, err = run(capsys, "infer", EXAMPLE, "-e", "date=yes", "like_jack_jill=no")
    assert code == 2 and out == ""
    assert "given date=yes, like_jack_jill=no" in err


@pytest.mark.parametrize("doc, message", [
    ("[variables]\n", "[variables] declares no variable"),
    ('[variables]\n"" = 2\n', "name '' is empty"),
    ('[variables]\n" a" = 2\n', "name ' a' is empty or has surrounding spaces"),
    ('[variables]\na = ["x", ""]\n', "variables.a: a state name is empty"),
])
def test_knowledge_bases_no_evidence_could_name_are_refused(doc, message):
    with pytest.raises(ParseError) as exc:
        parse_kb(doc, "m.toml")
    assert message in str(exc.value)


def test_empty_model_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "empty.toml").write_text("[variables]\n")
    proc = subprocess.run([sys.executable, "-m", "tbn.cli", "infer", str(tmp_path / "empty.toml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "declares no variable" in proc.stderr


def test_table_shows_no_float_round_off(capsys):
    code, out, _ = run(capsys, "infer", EXAMPLE)
    lines = out.splitlines()
    at = lines.index("like_jill_jack")
    # P(like_jill_jack = yes) = 0.4; float64 elimination gives 0.4000000000000001
    assert lines[at + 2].split() == ["yes", "0.4"]
    assert lines[at + 1].split() == ["no", "0.6"]


@pytest.mark.parametrize("command", [[], ["infer"], ["compile"]])
def test_help_has_examples(capsys, command):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_every_dating_example_in_infer_help_runs(capsys, tmp_path):
    with pytest.raises(SystemExit):
        main(["infer", "--help"])
    text = capsys.readouterr().out
    examples = re.findall(r"^  tbn infer (examples/dating\.toml.*)$", text, re.M)
    assert len(examples) >= 3
    for line in examples:
        argv = line.replace("examples/dating.toml", EXAMPLE).split()
        code, out, err = run(capsys, "infer", *argv)
        assert code == 0, (line, err)
        assert out.startswith(("method", "{"))


@pytest.mark.parametrize("entry", ["1e400", '"1e400"', '"1e-400"', '"1e100000000"', "9" * 400])
def test_numbers_outside_float64_are_refused_not_a_traceback_or_a_hang(entry):
    doc = f'[variables]\na = ["n", "y"]\n[[factor]]\nvariables = ["a"]\ntable = [{entry}, 1]\n'
    with pytest.raises(ParseError) as exc:
        parse_kb(doc, "m.toml")
    assert "factor[0]: table[0]" in str(exc.value) and "outside the float64 range" in str(exc.value)


def test_logistic_gate_with_an_argument_beyond_float64_saturates(capsys, tmp_path):
    """sigma(1.7e308 + 1.7e308 a): float(arg) overflowed into a traceback; it is 1.0 in float."""
    path = tmp_path / "gate.toml"
    path.write_text('[variables]\na = ["n", "y"]\nb = ["n", "y"]\n[prior]\na = 0.5\n'
                    '[[gate]]\nkind = "logistic"\nchild = "b"\nparents = ["a"]\n'
                    'weights = [1.7e308]\nbias = 1.7e308\n')
    for method in ("exact", "bp", "transformer"):
        code, out, err = run(capsys, "infer", str(path), "--method", method, "--json")
        assert code == 0, err
        assert json.loads(out)["marginals"]["b"] == {"n": 0.0, "y": 1.0}
    # at 20 digits the tiny P(b = n) = (sigma(-1.7e308) + sigma(-3.4e308)) / 2 is still there
    code, out, err = run(capsys, "infer", str(path), "--precision", "20", "--json")
    with mpmath.workdps(30):
        got = mpmath.mpf(json.loads(out)["marginals"]["b"]["n"])
        assert got > 0 and abs(mpmath.log(got) - (-1.7e308 - mpmath.log(2))) < 1e-10 * 1.7e308


CYCLIC_BIF = """variable a { type discrete [ 2 ] { t, f }; }
variable b { type discrete [ 2 ] { t, f }; }
variable c { type discrete [ 2 ] { t, f }; }
probability ( a | c ) { (t) 0.9, 0.1; (f) 0.2, 0.8; }
probability ( b | a ) { (t) 0.3, 0.7; (f) 0.6, 0.4; }
probability ( c | b ) { (t) 0.5, 0.5; (f) 0.1, 0.9; }
"""
CYCLIC_KB = """[variables]
a = 2
b = 2
c = 2
[[cpt]]
child = "a"
parents = ["c"]
table = [[0.9, 0.1], [0.2, 0.8]]
[[gate]]
kind = "and"
child = "b"
parents = ["a"]
[[cpt]]
child = "c"
parents = ["b"]
table = [[0.5, 0.5], [0.1, 0.9]]
"""


@pytest.mark.parametrize("name, text", [("cyc.bif", CYCLIC_BIF), ("cyc.toml", CYCLIC_KB)])
def test_cpts_with_a_directed_cycle_are_refused_not_answered(capsys, tmp_path, name, text):
    """The normalised product of cyclic CPTs has marginals, but they belong to no network."""
    path = tmp_path / name
    path.write_text(text)
    code, out, err = run(capsys, "infer", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "directed cycle" in err and re.search(r"\((\w) -> \w -> \w -> \1\)", err)


def test_directed_cycle_finder():
    from tbn.graph import directed_cycle
    assert directed_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) is None
    assert directed_cycle({}) is None
    cycle = directed_cycle({"w": ["x"], "x": ["y"], "y": ["z"], "z": ["x"]})
    assert cycle[0] == cycle[-1] and sorted(cycle[:-1]) == ["x", "y", "z"]
    # every step of the returned cycle is a child -> parent edge
    assert all(b in {"w": ["x"], "x": ["y"], "y": ["z"], "z": ["x"]}[a]
               for a, b in zip(cycle, cycle[1:]))


@pytest.mark.parametrize("output, message", [
    ("", "expected a file name"),
    ("{tmp}/", "expected a file name"),
    ("{tmp}", "expected a file name"),
    ("{tmp}/no/such/dir/w.npz", "does not exist"),
    ("{tmp}/weights.json", "name the .npz"),
])
def test_compile_output_must_be_a_writable_file_name(capsys, tmp_path, output, message):
    code, out, err = run(capsys, "compile", EXAMPLE, "-o", output.format(tmp=tmp_path))
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err
    assert list(tmp_path.parent.glob(tmp_path.name + ".*")) == []  # nothing written beside it


@pytest.mark.parametrize("name, text", [
    ("bom.bif", "variable a { type discrete [ 2 ] { t, f }; }\n"
                "probability ( a ) { table 0.9, 0.1; }\n"),
    ("bom.toml", '[variables]\na = ["t", "f"]\n[prior]\na = [0.9, 0.1]\n'),
])
def test_files_saved_with_a_byte_order_mark_are_read(capsys, tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    code, out, err = run(capsys, "infer", str(path), "--json")
    assert code == 0, err
    marginal = json.loads(out)["marginals"]["a"]
    assert list(marginal) == ["t", "f"]
    assert list(marginal.values()) == pytest.approx([0.9, 0.1], abs=1e-15)


@pytest.mark.parametrize("command", ["infer", "compile"])
def test_repeated_evidence_flags_add_up(capsys, tmp_path, command):
    """`-e a=x -e b=y` kept only b=y (argparse's default 'store'): evidence silently lost."""
    out_file = ["-o", str(tmp_path / "w.npz")] if command == "compile" else []
    code, repeated, err = run(capsys, command, EXAMPLE, "-e", "date=yes", "-e", "weather=sun",
                              "--json", *out_file)
    assert code == 0, err
    code, together, _ = run(capsys, command, EXAMPLE, "-e", "date=yes", "weather=sun", "--json",
                            *out_file)
    assert repeated == together
    if command == "infer":
        marginals = json.loads(repeated)["marginals"]
        assert marginals["date"] == {"no": 0.0, "yes": 1.0}
        assert marginals["weather"] == {"rain": 0.0, "cloud": 0.0, "sun": 1.0}


@pytest.mark.parametrize("method", ["bp", "transformer"])
def test_a_run_stopped_by_the_cap_warns_on_stderr(capsys, tmp_path, method):
    path = tmp_path / "loop.toml"
    path.write_text(loop_toml())
    code, out, err = run(capsys, "infer", str(path), "--method", method, "--max-iter", "5",
                         "--json")
    assert code == 0 and json.loads(out)["converged"] is False
    note, warning = err.splitlines()  # the loop's note, then the warning
    assert note == LOOPY_NOTE and warning.startswith("tbn: warning: not converged after 5 rounds")
    # --tol 0 asks for exactly --max-iter rounds: nothing to warn about
    code, out, err = run(capsys, "infer", str(path), "--method", method, "--max-iter", "5",
                         "--tol", "0", "--json")
    assert code == 0 and err == LOOPY_NOTE + "\n"


@pytest.mark.parametrize("extra, hint", [
    ((), "(try --damping 0.5 or a larger --max-iter)"),
    (("--damping", "0.99999"), "(try a larger --max-iter or a smaller --damping)"),
    (("--method", "transformer"), "(try a larger --max-iter, or --method bp --damping 0.5)")])
def test_the_not_converged_hint_fits_the_run(capsys, tmp_path, extra, hint):
    # with --damping 0.99999 the damping is what slowed BP; the transformer takes no --damping
    path = tmp_path / "loop.toml"
    path.write_text(loop_toml())
    argv = ("infer", str(path), "--method", "bp", "--max-iter", "5", *extra)
    code, out, err = run(capsys, *argv)
    assert code == 0 and err.splitlines()[-1].endswith(hint)


def test_long_bp_runs_show_rounds_on_a_terminal_and_nothing_in_a_pipe(capsys, monkeypatch):
    from tbn import cli
    monkeypatch.setattr(cli._Progress, "delay", 0.0)
    monkeypatch.setattr(cli._Progress, "refresh", 0.0)
    argv = ("infer", EXAMPLE, "--method", "bp", "--tol", "1e-12", "--json")
    code, out, err = run(capsys, *argv)
    assert code == 0 and err == LOOPY_NOTE + "\n"  # not a terminal: no progress for logs
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, *argv)
    assert code == 0 and json.loads(out)["converged"]
    assert "\rtbn infer: BP round 1/1000, largest change" in err and "stops below 1e-12)" in err
    assert err.endswith("\r\033[K" + LOOPY_NOTE + "\n")  # the line is erased when the run ends


def test_bp_progress_callback_sees_every_round_and_the_final_residual():
    from tbn.bp import belief_propagation
    from tbn.kb import read_model
    fg = read_model(EXAMPLE)
    for backend, schedule in (("numpy", "flooding"), ("mpmath", "flooding"),
                              ("numpy", "residual")):
        seen = []
        result = belief_propagation(fg, {"date": 1}, tol=1e-12, backend=backend,
                                    schedule=schedule, progress=lambda r, res: seen.append((r, res)))
        assert [r for r, _ in seen] == list(range(1, len(seen) + 1))
        if schedule == "flooding":
            assert len(seen) == result.iterations
            assert float(seen[-1][1]) == result.max_residual


def test_exact_inference_progress_counts_every_cluster_once_in_order(capsys, monkeypatch):
    from tbn import cli
    from tbn.exact import marginals
    from tbn.kb import read_model
    seen = []
    marginals(read_model(EXAMPLE), progress=lambda done, total: seen.append((done, total)))
    total = seen[0][1]
    assert seen == [(k, total) for k in range(1, total + 1)] and total % 3 == 0
    monkeypatch.setattr(cli._Progress, "delay", 0.0)
    monkeypatch.setattr(cli._Progress, "refresh", 0.0)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, "infer", EXAMPLE, "--json")
    assert code == 0 and f"\rtbn infer: exact inference, cluster {total}/{total}" in err
    assert err.endswith("\r\033[K")


CONTRADICTORY_LOOP = """[variables]
x = 2
y = 2
z = 2
[[factor]]
variables = ["x", "y"]
table = [[1, 0], [0, 1]]
[[factor]]
variables = ["y", "z"]
table = [[1, 0], [0, 1]]
[[factor]]
variables = ["z", "x"]
table = [[0, 1], [1, 0]]
"""


@pytest.mark.parametrize("method", ["bp", "transformer"])
def test_loopy_bp_says_it_is_approximate(capsys, tmp_path, method):
    # x = y, y = z, z != x: Z = 0, yet loopy BP converges to 0.5/0.5 at once; deciding Z > 0 is
    # NP-hard, so the least tbn owes the user is to say that these marginals are approximate
    path = tmp_path / "loop.toml"
    path.write_text(CONTRADICTORY_LOOP)
    code, out, err = run(capsys, "infer", str(path), "--method", method, "--json")
    assert code == 0 and json.loads(out)["marginals"]["x"] == {"0": 0.5, "1": 0.5}
    assert err == LOOPY_NOTE + "\n"
    code, out, err = run(capsys, "compile", str(path), "-o", str(tmp_path / "w.npz"), "--json")
    assert code == 0 and err == LOOPY_NOTE + "\n"
    code, out, err = run(capsys, "infer", str(path))
    assert err == (f"tbn: error: {path}: the factors are contradictory: their product is zero "
                   "everywhere (Z = 0)\n")


@pytest.mark.parametrize("method", ["bp", "transformer"])
def test_bp_on_a_tree_finds_contradictory_factors_and_adds_no_note(capsys, tmp_path, method):
    # a tree, no evidence: x = y, with x = 0 forced by a unary factor and y = 1 by another
    tree = ('[variables]\nx = 2\ny = 2\n[[factor]]\nvariables = ["x", "y"]\n'
            'table = [[1, 0], [0, 1]]\n[[factor]]\nvariables = ["x"]\ntable = [1, 0]\n'
            '[[factor]]\nvariables = ["y"]\ntable = [{}]\n')
    path = tmp_path / "tree.toml"
    path.write_text(tree.format("1, 1"))
    code, out, err = run(capsys, "infer", str(path), "--method", method, "--json")
    assert code == 0 and err == "" and json.loads(out)["marginals"]["y"] == {"0": 1.0, "1": 0.0}
    path.write_text(tree.format("0, 1"))
    code, out, err = run(capsys, "infer", str(path), "--method", method)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "contradictory" in err and "Z = 0" in err and "note" not in err


def test_has_cycle():
    from tbn.graph import FactorGraph
    pair = [[1, 1], [1, 1]]
    assert not FactorGraph.build({"a": 2, "b": 2}, [(("a", "b"), pair)]).has_cycle()
    assert not FactorGraph.build({"a": 2, "b": 2, "c": 2}, [(("a",), [1, 1])]).has_cycle()
    assert FactorGraph.build({"a": 2, "b": 2}, [(("a", "b"), pair),
                                                (("b", "a"), pair)]).has_cycle()
    assert FactorGraph.build({"a": 2, "b": 2, "c": 2, "d": 2},
                             [(("a", "b"), pair), (("b", "c"), pair), (("c", "a"), pair),
                              (("d",), [1, 1])]).has_cycle()


def test_errors_found_while_inferring_name_the_model_file(capsys, tmp_path, monkeypatch):
    # like the reading errors ("model.toml: invalid knowledge base: ...")
    import tbn.exact
    code, out, err = run(capsys, "infer", EXAMPLE, "-e", "date=yes", "like_jack_jill=no")
    assert code == 2 and err.startswith(f"tbn: error: {EXAMPLE}: contradictory evidence")
    monkeypatch.setattr(tbn.exact, "MAX_CLUSTER_ENTRIES", 1)
    code, out, err = run(capsys, "infer", EXAMPLE)
    assert code == 2 and err.startswith(f"tbn: error: {EXAMPLE}: too large for exact inference")
    path = tmp_path / "loop.toml"
    path.write_text(CONTRADICTORY_LOOP)
    code, out, err = run(capsys, "compile", str(path), "-e", "x=0", "z=0", "-o",
                         str(tmp_path / "w.npz"))
    assert code == 2 and err.startswith(f"tbn: error: {path}: ") and "Z = 0" in err


def test_readme_inference_examples_run_as_written(capsys):
    # the alarm example named a file not in the repository, and the 30-digit string had 25
    import importlib.util
    import shlex
    readme = open(os.path.join(os.path.dirname(EXAMPLE), os.pardir, "README.md")).read()
    section = readme[readme.index("## Inference"):]
    block = section[section.index("```bash") + 7:section.index("```", section.index("```bash") + 7)]
    spec = importlib.util.find_spec("pgmpy")
    assert "BNLEARN=$(python -c " in block
    for line in block.splitlines():
        if line.startswith("tbn infer "):
            argv = shlex.split(line.partition("#")[0])[2:]
            model = argv[0].replace("$BNLEARN", os.path.join(
                spec.submodule_search_locations[0] if spec else "", "utils", "example_models"))
            if spec or "$BNLEARN" not in argv[0]:
                assert os.path.exists(os.path.join(os.path.dirname(EXAMPLE), os.pardir, model)), line
            if "--precision" in argv:
                code, out, err = run(capsys, "infer", EXAMPLE, *argv[1:])
                shown = json.loads(out)["marginals"]["attracted"]["yes"]
                assert code == 0 and f'`"{shown}"`' in section


def test_reproduce_out_naming_a_file_says_so(capsys, tmp_path):
    # it said "cannot create output directory '...': File exists"
    path = tmp_path / "weights.npz"
    path.write_text("")
    code, out, err = run(capsys, "reproduce", "loopy", "--size", "tiny", "--no-train",
                         "--out", str(path))
    assert code == 2 and err == f"tbn: error: --out {str(path)!r} is a file, not a directory\n"


@pytest.mark.parametrize("command", [["check", "--no-lean"], ["reproduce", "loopy"]])
def test_negative_seeds_are_refused_by_check_and_reproduce_alike(capsys, command):
    code, out, err = run(capsys, *command, "--seed", "-1")
    assert code == 2 and err == "tbn: error: --seed must be a nonnegative integer, got -1\n"
