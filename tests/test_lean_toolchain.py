"""The toolchain driver: discovery, timeouts with clean kills, and parsing Lean's output.

No Lean toolchain exists on the test machine; the parsing is tested against output in the exact
shape Lean 4 prints (``'X' depends on axioms: [a,\\n b]``), and the subprocess paths against a
fake ``lake`` (tests/fake_lake.py).
"""
import os
import time
from pathlib import Path

import pytest

import fake_lake
from tbn.errors import LeanBridgeError
from tbn.lean import toolchain as tc


def test_no_toolchain_is_none(tmp_path):
    env = {"PATH": str(tmp_path / "empty"), "ELAN_HOME": str(tmp_path / "no-elan")}
    assert tc.find_toolchain(env) is None


def test_toolchain_found_on_path_and_in_elan_home(tmp_path):
    lake = fake_lake.install(tmp_path / "bin")
    found = tc.find_toolchain({"PATH": str(tmp_path / "bin"), "ELAN_HOME": str(tmp_path)})
    assert found is not None and found.lake == str(lake) and found.lean is None
    elan_home = tmp_path / "elan"
    fake_lake.install(elan_home / "bin")
    found = tc.find_toolchain({"PATH": str(tmp_path / "empty"), "ELAN_HOME": str(elan_home)})
    assert found is not None and found.lake == str(elan_home / "bin" / "lake")


def test_parse_axioms_handles_wrapping_and_no_axioms():
    out = ("'TBN.A.x' depends on axioms: [propext,\n Classical.choice,\n Quot.sound]\n"
           "'TBN.A.y' does not depend on any axioms\n"
           "'TBN.A.z' depends on axioms: [propext, sorryAx]\n"
           "'TBN.A.z'' does not depend on any axioms\n")
    got = tc.parse_axioms(out)
    assert got == {"TBN.A.x": {"propext", "Classical.choice", "Quot.sound"},
                   "TBN.A.y": set(), "TBN.A.z": {"propext", "sorryAx"}, "TBN.A.z'": set()}


def test_build_error_files():
    result = tc.RunResult(("lake",), 1, "error: ./lean/TBN/A.lean:3:4: unknown identifier\n"
                          "lean/TBN/B.lean:10:2: warning: unused variable", "", 1.0, False)
    assert tc.build_error_files(result) == {"./lean/TBN/A.lean", "lean/TBN/B.lean"}


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        return "\nState:\tZ" not in status.read_text()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see the grandchild")
def test_timeout_kills_the_whole_process_group(tmp_path):
    pidfile = tmp_path / "pid"
    start = time.monotonic()
    result = tc.run(["sh", "-c", f"sleep 30 & echo $! > {pidfile}; wait"], tmp_path, 0.5,
                    config=tc.LeanConfig(kill_grace=1.0))
    assert result.timed_out and not result.ok and result.returncode is None
    assert time.monotonic() - start < 10
    assert "timed out" in result.summary()
    grandchild = int(pidfile.read_text())
    for _ in range(50):
        if not _alive(grandchild):
            break
        time.sleep(0.1)
    assert not _alive(grandchild)


def test_failure_is_a_value_and_missing_program_an_error(tmp_path):
    result = tc.run(["sh", "-c", "echo out; echo err >&2; exit 3"], tmp_path, 10)
    assert (result.returncode, result.stdout, result.stderr, result.ok) == (3, "out\n",
                                                                           "err\n", False)
    assert "exited with 3" in result.summary()
    with pytest.raises(LeanBridgeError, match="cannot run"):
        tc.run([str(tmp_path / "no-such-program")], tmp_path, 10)


def test_audit_and_export_through_lake(tmp_path, monkeypatch):
    log = fake_lake.use(monkeypatch, tmp_path, extra_axioms={"TBN.A.bad": ["sorryAx"]},
                        unknown=["TBN.A.gone"], export={"TBN.W.w": [["1", "-1/2"]]})
    found = tc.find_toolchain()
    assert found is not None
    assert tc.lake_build(found, tmp_path).ok
    audit = tc.audit_axioms(found, tmp_path, ["TBN.A.ok", "TBN.A.bad", "TBN.A.gone"])
    assert audit.extra("TBN.A.ok") == set()
    assert audit.extra("TBN.A.bad") == {"sorryAx"}
    assert audit.extra("TBN.A.gone") is None
    matrices, result = tc.export_weights(found, tmp_path, ["TBN.W.w", "TBN.W.other"])
    assert matrices == {"TBN.W.w": [["1", "-1/2"]]} and result.ok
    calls = log.read_text().splitlines()
    assert calls[0] == "build --wfail"
    assert calls[1].startswith("env lean ") and calls[2].startswith("env lean --run ")
