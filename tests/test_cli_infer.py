"""`tbn infer`: the JSON contract, the three methods, and every bad input (exit 2, one line)."""
import gzip
import json
import os
import subprocess
import sys
from fractions import Fraction

import mpmath
import pytest

from bnlearn import bnlearn_path
from tbn.cli import main

EXAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "dating.toml")

CHAIN = """
[variables]
a = ["f", "t"]
b = ["x", "y", "z"]
c = ["f", "t"]
[prior]
a = 0.3
[[cpt]]
child = "b"
parents = ["a"]
table = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]
[[cpt]]
child = "c"
parents = ["b"]
table = [[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]]
"""


def chain_posterior_a():
    """P(a = t | c = t) on the chain, by hand: sum over b."""
    pa = [Fraction(7, 10), Fraction(3, 10)]
    pb = [[Fraction(2, 10), Fraction(3, 10), Fraction(5, 10)],
          [Fraction(6, 10), Fraction(3, 10), Fraction(1, 10)]]
    pc = [Fraction(1, 10), Fraction(5, 10), Fraction(8, 10)]
    joint = [pa[a] * sum(pb[a][b] * pc[b] for b in range(3)) for a in range(2)]
    return joint[1] / sum(joint)


def infer(capsys, *argv):
    code = main(["infer", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def chain(tmp_path):
    path = tmp_path / "chain.toml"
    path.write_text(CHAIN)
    return str(path)


def test_json_shape_and_values_for_exact(capsys):
    code, out, err = infer(capsys, EXAMPLE, "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert set(doc) == {"method", "marginals", "converged", "iterations"}
    assert doc["method"] == "exact" and doc["converged"] is True and doc["iterations"] == 0
    assert list(doc["marginals"]) == ["like_jack_jill", "like_jill_jack", "date", "attracted",
                                      "match", "weather", "outing", "mood"]
    assert list(doc["marginals"]["weather"]) == ["rain", "cloud", "sun"]
    assert isinstance(doc["marginals"]["date"]["yes"], float)
    assert doc["marginals"]["date"]["yes"] == pytest.approx(0.32, abs=1e-15)
    assert doc["marginals"]["match"]["yes"] == pytest.approx(8 / 11, abs=1e-15)


def test_precision_gives_decimal_strings_of_that_many_digits(capsys):
    code, out, _ = infer(capsys, EXAMPLE, "--json", "--precision", "40")
    assert code == 0
    match = json.loads(out)["marginals"]["match"]["yes"]
    assert isinstance(match, str)
    digits = match.replace("0.", "", 1).lstrip("0")
    assert len(digits) == 40
    with mpmath.workdps(60):
        assert abs(mpmath.mpf(match) - mpmath.mpf(8) / 11) < mpmath.mpf(10) ** -39


@pytest.mark.parametrize("method", ["exact", "bp", "transformer"])
def test_every_method_gives_the_exact_posterior_on_a_tree(capsys, chain, method):
    code, out, err = infer(capsys, chain, "--json", "--method", method, "-e", "c=t")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["method"] == method
    assert doc["converged"] is True
    assert doc["marginals"]["c"] == {"f": 0.0, "t": 1.0}
    assert doc["marginals"]["a"]["t"] == pytest.approx(float(chain_posterior_a()), abs=1e-12)


@pytest.mark.parametrize("method", ["exact", "bp"])
def test_every_method_at_high_precision(capsys, chain, method):
    rounds = ["--tol", "0", "--max-iter", "10"] if method == "bp" else []
    code, out, err = infer(capsys, chain, "--json", "--method", method, "-e", "c=t",
                           "--precision", "50", *rounds)
    assert code == 0, err
    got = json.loads(out)["marginals"]["a"]["t"]
    q = chain_posterior_a()
    with mpmath.workdps(60):
        assert abs(mpmath.mpf(got) - mpmath.mpf(q.numerator) / q.denominator) < \
            mpmath.mpf(10) ** -45


def test_readable_table_without_json(capsys, chain):
    code, out, _ = infer(capsys, chain, "-e", "a=t")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "method exact, converged true, iterations 0"
    assert "a  (observed)" in lines
    z_line = next(line.split() for line in lines if line.split()[0] == "z")
    assert float(z_line[1]) == pytest.approx(0.1, abs=1e-15)


def test_bif_models_are_accepted(capsys, tmp_path):
    bif = ("variable r { type discrete [ 2 ] { no, yes }; }\n"
           "probability ( r ) { table 0.25, 0.75; }\n")
    for name, data in (("m.bif", bif.encode()), ("m.bif.gz", gzip.compress(bif.encode()))):
        path = tmp_path / name
        path.write_bytes(data)
        code, out, _ = infer(capsys, str(path), "--json")
        assert code == 0 and json.loads(out)["marginals"]["r"] == {"no": 0.25, "yes": 0.75}


BAD_TOML = '[variables]\na = ["f", "t"]\n[prior]\na = 2\n'
BAD_BIF = "variable r { type discrete [ 2 ] { no, yes }; }\nprobability ( r ) { table 0.25; }\n"


@pytest.mark.parametrize("argv, message", [
    (["{missing}"], "cannot read"),
    (["{tmp}/model.json"], "unknown model format"),
    (["{bad_toml}"], "prior.a: probability 2 outside [0, 1]"),
    (["{bad_bif}"], "bad.bif:2: r: expected 2 probabilities, got 1"),
    (["{chain}", "-e", "c"], "'c' is not VAR=VALUE"),
    (["{chain}", "-e", "=t"], "'=t' is not VAR=VALUE"),
    (["{chain}", "-e", "q=t"], "unknown variable 'q'"),
    (["{chain}", "-e", "c=maybe"], "c: value 'maybe' not in its domain ['f', 't']"),
    (["{chain}", "-e", "c=t", "c=f"], "c observed twice"),
    # near misses, case ignored (bnlearn names are upper case: -e hypovolemia=TRUE)
    (["{chain}", "-e", "A=t"], "unknown variable 'A' (did you mean 'a'?)"),
    (["{chain}", "-e", "c=T"], "c: value 'T' not in its domain ['f', 't'] (did you mean 't'?)"),
    (["{example}", "-e", "dat=yes"], "unknown variable 'dat' (did you mean 'date'?)"),
    (["{example}", "-e", "like_jack_jill=no", "date=yes"], "contradictory evidence"),
    (["{chain}", "--precision", "0"], "--precision must be a positive"),
    (["{chain}", "--max-iter", "0"], "--max-iter must be at least 1"),
    # the CLI's own wording for every bad --tol, not belief_propagation's or the transformer's
    *[(["{chain}", "--method", method, "--tol", tol],
       f"tbn: error: --tol must be a finite number >= 0, got {tol}\n")
      for method in ("bp", "transformer") for tol in ("-1", "nan", "inf", "abc")],
    (["{chain}", "--method", "bp", "--tol", "1e-400"],
     "--tol 1e-400 is below float64's range (it would be 0); use --precision"),
    (["{chain}", "--damping", "1"], "--damping must be in [0, 1)"),
])
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, chain, argv, message):
    (tmp_path / "bad.toml").write_text(BAD_TOML)
    (tmp_path / "bad.bif").write_text(BAD_BIF)
    places = {"missing": tmp_path / "missing.toml", "tmp": tmp_path, "chain": chain,
              "bad_toml": tmp_path / "bad.toml", "bad_bif": tmp_path / "bad.bif",
              "example": EXAMPLE}
    code, out, err = infer(capsys, *[a.format(**places) for a in argv])
    assert code == 2 and out == ""
    assert err.startswith("tbn: error: ") and err.count("\n") == 1
    assert message in err


def test_the_installed_command_never_prints_a_traceback(tmp_path):
    (tmp_path / "bad.toml").write_text(BAD_TOML)
    proc = subprocess.run([sys.executable, "-m", "tbn.cli", "infer", str(tmp_path / "bad.toml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_ctrl_c_during_mpmath_inference_is_one_line_and_exit_130():
    # water at 100 digits runs about a minute of numpy einsums over mpmath objects; a
    # KeyboardInterrupt raised inside one of those C loops gave hundreds of lines of chained
    # SystemErrors, exit 1, once a segfault
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "tbn.cli", "infer", bnlearn_path("water"),
                             "--precision", "100"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(2.5)  # inside the first long object matmul (start-up and reading take < 1 s)
    if proc.poll() is not None:
        pytest.skip("inference finished before the signal could be sent")
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends to the foreground group
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.decode(), out) == (130, "tbn: interrupted\n", b"")


def test_a_tol_below_float64_is_kept_exactly_under_precision(capsys, chain):
    # float("1e-400") is 0.0: BP ran all --max-iter rounds instead of stopping at 1e-400
    code, out, err = infer(capsys, chain, "--method", "bp", "--precision", "420", "--tol",
                           "1e-400", "--max-iter", "50", "--json")
    doc = json.loads(out)
    assert code == 0 and err == "" and doc["converged"] and doc["iterations"] < 50
