"""`tbn check --only` takes what a user copies from the README or the report, and refuses the rest."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def check(*only):
    args = [a for name in only for a in ("--only", name)]
    return subprocess.run([sys.executable, "-m", "tbn.cli", "check", "--json", "-q", "--no-lean",
                           *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_id_lean_name_and_readme_name_select_the_same_entry():
    ids = set()
    for name in ("pearl.pearl_rooted", "TBN.Pearl.RTree.pearl_rooted", "Pearl.RTree.pearl_rooted"):
        done = check(name)
        assert done.returncode == 0, done.stderr
        ids.add(tuple(row["id"] for row in json.loads(done.stdout)["theorems"]))
    assert ids == {("pearl.pearl_rooted",)}


def test_an_unknown_name_is_refused_with_the_closest_names_even_beside_a_known_one():
    done = check("log_odds.oplus_comm", "Pearl.RTree.pearl_root")
    assert done.returncode == 2 and done.stdout == ""
    line = done.stderr.strip()
    assert "Pearl.RTree.pearl_root:" in line and "did you mean" in line
    assert "Pearl.RTree.pearl_rooted" in line and "log_odds.oplus_comm" not in line
