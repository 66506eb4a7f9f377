"""The gate on a small fixture repository: it passes as written, and each kind of drift fails.

The fixture's statement hash is computed here with hashlib from the hand-normalised statement,
and its weight matrix is written out by hand, so no expected value comes from the gate itself.
The Lean toolchain paths use the fake ``lake`` of tests/fake_lake.py.
"""
import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

import fake_lake
from tbn.errors import ManifestError
from tbn.gate import FAILED, PASSED, SKIPPED, GateOptions, find_root, run_gate

STATEMENT = "(a b : ℚ) : a + b = b + a"
HASH = "sha256:" + hashlib.sha256(STATEMENT.encode()).hexdigest()[:16]

ALG = textwrap.dedent('''\
    import Mathlib.Algebra.Ring.Rat

    /-! # Fixture algebra -/

    namespace TBN.Alg

    /-- Addition of rationals commutes. -/
    theorem add_comm' (a b : ℚ) :
        a + b = b + a := by ring

    end TBN.Alg
    ''')
WEIGHTS = textwrap.dedent('''\
    import TBN.Alg

    /-! # Fixture weights -/

    namespace TBN.Weights

    /-- A 3 x 3 instance. -/
    def w : Matrix (Fin 3) (Fin 3) ℚ := projectDim 3 0 1 + 2 • crossProject 3 1 1 2

    end TBN.Weights
    ''')
CHECKS = textwrap.dedent('''\
    import random
    from fractions import Fraction

    from tbn.checks._base import worst_deviation


    def add_comm(precision, instances, seed):
        print("a check may print; the gate's protocol must not care")
        rng = random.Random(seed)
        cases = [(Fraction(rng.randint(-99, 99), rng.randint(1, 99)),
                  Fraction(rng.randint(-99, 99), rng.randint(1, 99))) for _ in range(instances)]
        return worst_deviation(cases, lambda c: (c[0] + c[1]) - (c[1] + c[0]))


    def matrix(size):
        return [[0] * size, [1] + [0] * (size - 1), [0, 2] + [0] * (size - 2)]
    ''')
MANIFEST = textwrap.dedent(f'''\
    # fixture manifest
    [[theorem]]
    id = "add_comm"
    lean_name = "TBN.Alg.add_comm'"
    file = "TBN/Alg.lean"
    statement_hash = "{HASH}"
    claim = "fixture"
    check = "fxchecks.alg.add_comm"
    instances = 25

    [[weights]]
    lean_name = "TBN.Weights.w"
    file = "TBN/Weights.lean"
    python = "fxchecks.alg.matrix"
    args = {{ size = 3 }}
    ''')


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A fixture repository and an environment without any Lean toolchain."""
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin",
                                                "/bin"]))
    monkeypatch.setenv("ELAN_HOME", str(tmp_path / "no-elan"))
    root = tmp_path / "repo"
    files = {"lean/TBN.lean": "import TBN.Alg\nimport TBN.Weights\n",
             "lean/TBN/Alg.lean": ALG, "lean/TBN/Weights.lean": WEIGHTS,
             "python/fxchecks/__init__.py": "", "python/fxchecks/alg.py": CHECKS,
             "proofs_manifest.toml": MANIFEST}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def edit(root, rel, old, new):
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def cells(report):
    return {(r.id, name): c for r in report.rows for name, c in r.cells}


def gate(root, **kw):
    kw.setdefault("jobs", 1)
    return run_gate(root, GateOptions(**kw))


def test_fixture_passes_and_lean_is_skipped_with_reason(repo):
    report = gate(repo)
    got = cells(report)
    assert report.ok, report.format_table()
    for name in ("declaration", "hash", "docstring", "tokens", "python"):
        assert got[("add_comm", name)].status == PASSED
    for key in (("add_comm", "build"), ("add_comm", "axioms"), ("TBN.Weights.w", "export"),
                ("lake build --wfail", "result")):
        assert got[key].status == SKIPPED
        assert "no Lean toolchain on PATH; install elan" in got[key].reason
    assert got[("TBN.Weights.w", "python")].status == PASSED
    row = next(r for r in report.rows if r.id == "add_comm")
    assert row.detail["instances"] == 25 and float(row.detail["max_deviation"]) == 0
    assert report.counts()[FAILED] == 0 and report.counts()[SKIPPED] == 4
    assert "SKIPPED" in report.format_table() and "PASSED" in report.format_table()


MUTATIONS = {
    "sorry in a proof": (("lean/TBN/Alg.lean", "by ring", "by sorry"),
                         [("add_comm", "tokens"), ("no forbidden tokens in lean/", "result")]),
    "an axiom": (("lean/TBN/Alg.lean", "end TBN.Alg", "axiom cheat : False\nend TBN.Alg"),
                 [("no forbidden tokens in lean/", "result")]),
    "theorem renamed": (("lean/TBN/Alg.lean", "add_comm'", "add_comm_renamed"),
                        [("add_comm", "declaration"),
                         ("every public theorem in the manifest", "result")]),
    "statement changed": (("lean/TBN/Alg.lean", "a + b = b + a", "a + b = b + a + 0"),
                          [("add_comm", "hash")]),
    "weight numeral changed": (("lean/TBN/Weights.lean", "projectDim 3 0 1", "projectDim 3 0 2"),
                               [("TBN.Weights.w", "python")]),
    "python construction changed": (("python/fxchecks/alg.py", "[0, 2]", "[0, 3]"),
                                    [("TBN.Weights.w", "python")]),
    "python check disagrees": (("python/fxchecks/alg.py", "(c[1] + c[0]))",
                                "(c[1] + c[0] + Fraction(1, 10**30)))"),
                               [("add_comm", "python")]),
    "docstring removed": (("lean/TBN/Alg.lean", "/-- Addition of rationals commutes. -/", ""),
                          [("add_comm", "docstring")]),
    "module not imported": (("lean/TBN.lean", "import TBN.Weights\n", ""),
                            [("lean/TBN.lean imports every module", "result")]),
    "unlisted theorem": (("lean/TBN/Alg.lean", "end TBN.Alg",
                          "/-- New. -/\ntheorem extra : True := trivial\nend TBN.Alg"),
                         [("every public theorem in the manifest", "result")]),
    "unterminated comment": (("lean/TBN/Alg.lean", "end TBN.Alg", "/- oops\nend TBN.Alg"),
                             [("lean sources parse", "result"), ("add_comm", "declaration")]),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_mutation_fails_the_gate(repo, name):
    (rel, old, new), expected = MUTATIONS[name]
    edit(repo, rel, old, new)
    report = gate(repo)
    got = cells(report)
    assert not report.ok
    for key in expected:
        assert got[key].status == FAILED, (key, got[key])
    failed = {k for k, c in got.items() if c.status == FAILED}
    assert failed >= set(expected)


def test_python_check_deviation_is_reported(repo):
    edit(repo, "python/fxchecks/alg.py", "(c[1] + c[0]))", "(c[1] + c[0] + Fraction(1, 10**30)))")
    report = gate(repo)
    cell = cells(report)[("add_comm", "python")]
    assert "1.0e-30" in cell.reason and "tolerance 1.0e-40" in cell.reason


def test_tolerance_boundary(repo):
    # precision 50 accepts 1e-40 exactly and rejects anything above it
    edit(repo, "python/fxchecks/alg.py", "(c[1] + c[0]))", "(c[1] + c[0] + Fraction(1, 10**40)))")
    assert cells(gate(repo))[("add_comm", "python")].status == PASSED
    edit(repo, "python/fxchecks/alg.py", "Fraction(1, 10**40)", "Fraction(11, 10**41)")
    assert cells(gate(repo))[("add_comm", "python")].status == FAILED


def test_missing_check_is_a_manifest_error(repo):
    edit(repo, "proofs_manifest.toml", "fxchecks.alg.add_comm", "fxchecks.alg.no_such_check")
    with pytest.raises(ManifestError, match="no callable 'no_such_check'"):
        gate(repo)


def test_crashing_and_hanging_checks_cost_only_their_row(repo):
    extra = textwrap.dedent('''
        def crash(precision, instances, seed):
            import os
            os._exit(3)


        def hang(precision, instances, seed):
            import time
            time.sleep(60)
        ''')
    (repo / "python/fxchecks/alg.py").write_text(CHECKS + extra, encoding="utf-8")
    for ident, check in (("crash", "crash"), ("hang", "hang")):
        with open(repo / "proofs_manifest.toml", "a", encoding="utf-8") as f:
            f.write(MANIFEST.split("[[weights]]")[0].split("# fixture manifest\n")[1]
                    .replace('id = "add_comm"', f'id = "{ident}"')
                    .replace("TBN.Alg.add_comm'", f"TBN.Alg.{ident}")
                    .replace("fxchecks.alg.add_comm", f"fxchecks.alg.{check}"))
    report = gate(repo, check_timeout=3.0)
    got = cells(report)
    assert got[("add_comm", "python")].status == PASSED
    assert got[("crash", "python")].status == FAILED
    assert "fxchecks.alg.crash did not finish: the worker process died" in \
        got[("crash", "python")].reason
    assert got[("hang", "python")].status == FAILED
    assert "fxchecks.alg.hang did not finish: timed out after 3 s" in \
        got[("hang", "python")].reason
    assert got[("TBN.Weights.w", "python")].status == PASSED


@pytest.mark.parametrize("body, words", [
    ("return None", "not CheckResult"),
    ("return CheckResult(mpmath.mpf(0), 0, '')", "checked no instance"),
    ("return CheckResult(mpmath.mpf('nan'), 5, 'x')", "max deviation +inf"),
    ("raise ValueError('boom')", "ValueError: boom"),
])
def test_bad_check_results_fail(repo, body, words):
    (repo / "python/fxchecks/alg.py").write_text(
        "import mpmath\nfrom tbn.checks._base import CheckResult\n\n\n"
        f"def add_comm(precision, instances, seed):\n    {body}\n\n\n"
        "def matrix(size):\n    return [[0] * size, [1] + [0] * (size - 1), [0, 2] + [0] * "
        "(size - 2)]\n", encoding="utf-8")
    got = cells(gate(repo))[("add_comm", "python")]
    assert got.status == FAILED and words in got.reason, got


def test_dojo_row_is_skipped_with_its_reason_without_a_toolchain(repo):
    got = cells(gate(repo, dojo=True))[("LeanDojo trace", "result")]
    assert got.status == SKIPPED and "no Lean toolchain" in got.reason


def test_only_and_find_root(repo):
    report = gate(repo, only=("TBN.Weights.w",))
    assert [r.id for r in report.rows if r.kind != "repository"] == ["TBN.Weights.w"]
    with pytest.raises(ManifestError, match="no manifest entry"):
        gate(repo, only=("nope",))
    assert find_root(repo / "lean" / "TBN") == repo.resolve()
    with pytest.raises(ManifestError, match="no proofs_manifest.toml"):
        find_root(repo.parent)


def test_with_a_toolchain_build_axioms_and_export_run(repo, monkeypatch, tmp_path):
    fake_lake.use(monkeypatch, tmp_path, export={"TBN.Weights.w": [["0", "0", "0"],
                                                                   ["1", "0", "0"],
                                                                   ["0", "2", "0"]]})
    report = gate(repo)
    got = cells(report)
    assert report.ok, report.format_table()
    assert {got[("add_comm", "build")].status, got[("add_comm", "axioms")].status,
            got[("TBN.Weights.w", "export")].status, got[("lake build --wfail", "result")]
            .status} == {PASSED}
    assert report.counts()[SKIPPED] == 0


@pytest.mark.parametrize("config, key, words", [
    ({"extra_axioms": {"TBN.Alg.add_comm'": ["sorryAx"]}}, ("add_comm", "axioms"), "sorryAx"),
    ({"unknown": ["TBN.Alg.add_comm'"]}, ("add_comm", "axioms"), "no axioms"),
    ({"build_rc": 1, "build_output": "error: ./lean/TBN/Alg.lean:8:4: type mismatch"},
     ("add_comm", "build"), "this file does not build"),
    ({"export": {"TBN.Weights.w": [["0", "0", "0"], ["1", "0", "0"], ["0", "5", "0"]]}},
     ("TBN.Weights.w", "export"), "Lean's own evaluation differs"),
    ({}, ("TBN.Weights.w", "export"), "did not print it"),
])
def test_toolchain_failures(repo, monkeypatch, tmp_path, config, key, words):
    fake_lake.use(monkeypatch, tmp_path, **config)
    got = cells(gate(repo))
    assert got[key].status == FAILED and words in got[key].reason


def _cli(*args, cwd):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "tbn.cli", "check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_exit_codes_json_and_rehash(repo):
    ok = _cli("--json", "-j", "1", cwd=repo / "lean")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["ok"] is True and data["theorems"][0]["cells"]["python"]["status"] == PASSED
    assert data["summary"] == {"passed": 12, "failed": 0, "skipped": 4}
    assert "tbn check: [1/2]" in ok.stderr          # line-per-entry progress when not a TTY

    edit(repo, "lean/TBN/Alg.lean", "a + b = b + a", "b + a = a + b")
    failed = _cli(str(repo), "-q", "-j", "1", cwd=repo.parent)
    assert failed.returncode == 1 and "FAILED" in failed.stdout and failed.stderr == ""
    rehashed = _cli(str(repo), "--rehash", "-q", cwd=repo.parent)
    assert rehashed.returncode == 0, rehashed.stdout
    new_hash = "sha256:" + hashlib.sha256("(a b : ℚ) : b + a = a + b".encode()).hexdigest()[:16]
    assert f'statement_hash = "{new_hash}"' in (repo / "proofs_manifest.toml").read_text()

    edit(repo, "proofs_manifest.toml", "instances = 25", 'instances = "many"')
    bad = _cli(str(repo), cwd=repo.parent)
    assert bad.returncode == 2 and "`instances` must be an integer" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    import io

    from tbn.cli import _check_progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Terminal(), io.StringIO()
    for stream in (tty, pipe):
        show = _check_progress(stream)
        show(0, 4, "python checks", "running")
        show(1, 4, "oplus_comm", "done")
        show(2, 4, "bad_one", FAILED)
    assert "\r" in tty.getvalue() and "[" + "#" * 15 + "." * 15 + "] 2/4" in tty.getvalue()
    assert pipe.getvalue().splitlines() == ["tbn check: python checks ...",
                                            "tbn check: [1/4] oplus_comm",
                                            "tbn check: [2/4] bad_one FAILED"]
