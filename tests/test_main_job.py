"""The main job of the README, ``tbn check`` with no arguments, passes on the bundled proofs.

`.ci/run` runs exactly the README's test command, so the gate on the real repository (every
manifest theorem's numeric check, every weight matrix, the repository rows) is run here, as
its user runs it: from the repository root, with no arguments.  Where a Lean toolchain is on
PATH the build is left to the Lean workflow (``--no-lean``): a Mathlib build does not belong in
the unit-test run.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
MANIFEST = tomllib.loads((REPO / "proofs_manifest.toml").read_text(encoding="utf-8"))


def test_tbn_check_passes_on_the_repository():
    extra = ["--no-lean"] if shutil.which("lake") else []
    done = subprocess.run([sys.executable, "-m", "tbn.cli", "check", "--json", "-q", *extra],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["ok"] and report["summary"]["failed"] == 0
    rows = {row["id"]: row for row in report["theorems"]}
    assert set(rows) == {entry["id"] for entry in MANIFEST["theorem"]}
    for ident, row in rows.items():
        for name in ("declaration", "hash", "docstring", "tokens", "python"):
            assert row["cells"][name]["status"] == "PASSED", (ident, name, row["cells"][name])
        for name in ("build", "axioms"):
            status = row["cells"][name]
            assert status["status"] != "FAILED", (ident, name, status)
            assert status["status"] == "PASSED" or status["reason"], (ident, name)
    weights = {row["id"] for row in report["weights"]}
    assert weights == {entry["lean_name"] for entry in MANIFEST["weights"]}
    for row in report["weights"]:
        for name in ("declaration", "lean", "python"):
            assert row["cells"][name]["status"] == "PASSED", (row["id"], name)
