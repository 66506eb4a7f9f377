"""Mutations of a copy of this repository make ``tbn check`` fail.

The repository is copied to a temporary directory; the copy is rehashed (so its statement
hashes are current), checked for one manifest entry to see that entry pass, then mutated, and
checked again.  The gate's workers import the copy's ``python/`` directory, so an edit to the
copied Python code is what the gate sees.  Each check runs with ``--only`` on one entry to keep
this file fast; the whole-repository rows run every time.
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "proofs_manifest.toml"
_DATA = tomllib.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.is_file() else {}
THEOREMS = _DATA.get("theorem", [])
WEIGHTS = _DATA.get("weights", [])
_IGNORE = shutil.ignore_patterns(".git", ".lake", "__pycache__", ".hypothesis", ".pytest_cache",
                                 "*.egg-info", "results", "build")

needs_theorem = pytest.mark.skipif(not THEOREMS, reason="no [[theorem]] entries yet")
needs_weights = pytest.mark.skipif(not WEIGHTS, reason="no [[weights]] entries yet")


def tbn_check(root, *args):
    return subprocess.run([sys.executable, "-m", "tbn.cli", "check", str(root), "--json", "-q",
                           "--no-lean", *args], capture_output=True, text=True, timeout=300)


def cell(result, kind, ident, name):
    data = json.loads(result.stdout)
    for row in data[kind]:
        if row["id"] == ident:
            return row["cells"][name]["status"]
    raise KeyError(ident)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One rehashed copy of the repository, copied again for each test."""
    root = tmp_path_factory.mktemp("pristine") / "repo"
    shutil.copytree(REPO, root, ignore=_IGNORE)
    if THEOREMS:
        tbn_check(root, "--rehash", "--only", THEOREMS[0]["id"])
    return root


@pytest.fixture
def copy(pristine, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(pristine, root)
    return root


def edit(path: Path, pattern: str, replacement: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(pattern, replacement, text, count=count, flags=re.M)
    assert n, (path, pattern)
    path.write_text(new, encoding="utf-8")


def short(lean_name: str) -> str:
    return lean_name.rsplit(".", 1)[-1]


def theorem_file(root, entry) -> Path:
    return root / "lean" / entry["file"]


def decl_pattern(kind: str, lean_name: str) -> str:
    return rf"^(\s*(?:@\[[^\]]*\]\s*)*(?:private |protected |noncomputable )*{kind}\s+)" \
           rf"{re.escape(short(lean_name))}(?=[\s:(\[{{])"


@needs_theorem
def test_entry_passes_before_mutation(copy):
    t = THEOREMS[0]
    result = tbn_check(copy, "--only", t["id"])
    for name in ("declaration", "hash", "tokens", "python"):
        assert cell(result, "theorems", t["id"], name) == "PASSED", result.stdout[-3000:]
    assert cell(result, "theorems", t["id"], "build") == "SKIPPED"


@needs_theorem
def test_sorry_in_a_proof_fails(copy):
    t = THEOREMS[0]
    path = theorem_file(copy, t)
    text = path.read_text(encoding="utf-8")
    start = re.search(decl_pattern(r"(?:theorem|lemma)", t["lean_name"]), text, re.M).end()
    k = text.index(":=", start)
    path.write_text(text[:k] + ":= by sorry\n  -- was: " + text[k + 2:], encoding="utf-8")
    result = tbn_check(copy, "--only", t["id"])
    assert result.returncode == 1
    assert cell(result, "theorems", t["id"], "tokens") == "FAILED"


@needs_theorem
def test_an_axiom_fails(copy):
    path = theorem_file(copy, THEOREMS[0])
    path.write_text(path.read_text(encoding="utf-8") + "\naxiom tbnCheat : False\n",
                    encoding="utf-8")
    result = tbn_check(copy, "--only", THEOREMS[0]["id"])
    assert result.returncode == 1
    assert cell(result, "repository", "no forbidden tokens in lean/", "result") == "FAILED"


@needs_theorem
def test_a_renamed_theorem_fails(copy):
    t = THEOREMS[0]
    edit(theorem_file(copy, t), decl_pattern(r"(?:theorem|lemma)", t["lean_name"]),
         r"\g<1>" + short(t["lean_name"]) + "Renamed")
    result = tbn_check(copy, "--only", t["id"])
    assert result.returncode == 1
    assert cell(result, "theorems", t["id"], "declaration") == "FAILED"
    assert cell(result, "repository", "every public theorem in the manifest", "result") \
        == "FAILED"


@needs_theorem
def test_a_changed_statement_fails(copy):
    t = THEOREMS[0]
    edit(theorem_file(copy, t), decl_pattern(r"(?:theorem|lemma)", t["lean_name"]),
         r"\g<0> (hTbnExtra : True)")
    result = tbn_check(copy, "--only", t["id"])
    assert result.returncode == 1
    assert cell(result, "theorems", t["id"], "hash") == "FAILED"


@needs_theorem
def test_a_failing_python_check_fails(copy):
    t = THEOREMS[0]
    module, _, func = t["check"].rpartition(".")
    path = copy / "python" / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"""

def {func}(precision, instances, seed):  # mutation: a check that finds a counterexample
    import mpmath
    from tbn.checks._base import CheckResult
    return CheckResult(mpmath.mpf(1), instances, "mutated")
""", encoding="utf-8")
    result = tbn_check(copy, "--only", t["id"])
    assert result.returncode == 1
    assert cell(result, "theorems", t["id"], "python") == "FAILED"


@needs_theorem
def test_a_missing_check_fails(copy):
    edit(copy / "proofs_manifest.toml", r'^check\s*=\s*"[^"]*"', 'check = "tbn.checks.nope.gone"')
    result = tbn_check(copy)
    assert result.returncode == 2
    assert "tbn.checks.nope.gone" in result.stderr and "Traceback" not in result.stderr


@needs_weights
def test_weights_entry_passes_before_mutation(copy):
    w = WEIGHTS[0]
    result = tbn_check(copy, "--only", w["lean_name"])
    for name in ("declaration", "lean", "python"):
        assert cell(result, "weights", w["lean_name"], name) == "PASSED", result.stdout[-3000:]


def family_application(root, entry):
    """(path, text, match) of the first matrix-family application in the entry's definition,
    or None when its body has none (e.g. the identity)."""
    path = root / "lean" / entry["file"]
    text = path.read_text(encoding="utf-8")
    start = re.search(decl_pattern("def", entry["lean_name"]), text, re.M).end()
    body = text.index(":=", start)
    end = text.find("\n\n", body)
    m = re.compile(r"(projectDim|crossProject)((?:\s+\d+)+)").search(
        text, body, end if end >= 0 else len(text))
    return (path, text, m) if m else None


@needs_weights
def test_a_changed_weight_numeral_fails(copy):
    found = [(w, family_application(copy, w)) for w in WEIGHTS]
    w, (path, text, m) = next((w, f) for w, f in found if f is not None)
    nums = m.group(2).split()
    nums[-1] = str(int(nums[-1]) + 1)      # shift the target index by one
    path.write_text(text[:m.start(2)] + " " + " ".join(nums) + text[m.end(2):], encoding="utf-8")
    result = tbn_check(copy, "--only", w["lean_name"])
    assert result.returncode == 1
    assert "FAILED" in (cell(result, "weights", w["lean_name"], "python"),
                        cell(result, "weights", w["lean_name"], "lean"))


@needs_weights
def test_a_changed_python_construction_fails(copy):
    w = WEIGHTS[0]
    module, _, func = w["python"].rpartition(".")
    path = copy / "python" / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"""

_tbn_original_{func} = {func}


def {func}(*args, **kwargs):  # mutation: one entry off by one
    m = [list(row) for row in _tbn_original_{func}(*args, **kwargs)]
    m[0][0] += 1
    return m
""", encoding="utf-8")
    result = tbn_check(copy, "--only", w["lean_name"])
    assert result.returncode == 1
    assert cell(result, "weights", w["lean_name"], "python") == "FAILED"
