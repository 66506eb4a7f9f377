"""The optional LeanDojo adapter: every way it cannot run is one clear LeanBridgeError.

LeanDojo itself is not installed in CI (it is heavy and needs network and a toolchain); its
absence, a missing toolchain and a failing trace are tested here, the latter with a stand-in
module in ``sys.modules``.
"""
import os
import subprocess
import sys
import types

import pytest

import fake_lake
from tbn.errors import LeanBridgeError
from tbn.lean import dojo


def test_not_installed_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "lean_dojo", None)  # makes `import lean_dojo` fail
    monkeypatch.delenv("DISABLE_REMOTE_CACHE", raising=False)
    monkeypatch.delenv("NUM_PROCS", raising=False)
    with pytest.raises(LeanBridgeError, match=r"pip install -e \"\.\[lean\]\""):
        dojo.load_lean_dojo(num_procs=2)
    assert os.environ["DISABLE_REMOTE_CACHE"] == "1" and os.environ["NUM_PROCS"] == "2"


def test_no_toolchain_cannot_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("ELAN_HOME", str(tmp_path / "no-elan"))
    with pytest.raises(LeanBridgeError, match="no Lean toolchain"):
        dojo.trace_repository(tmp_path)


def _git_repo(path):
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / "f").write_text("x")
    subprocess.run(["git", "-C", str(path), "add", "f"], check=True)
    subprocess.run(["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-q", "-m", "x"], check=True)


def test_trace_failure_is_reported(monkeypatch, tmp_path):
    fake_lake.use(monkeypatch, tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    _git_repo(repo)

    def trace(_repo):
        raise ConnectionError("offline")
    fake = types.SimpleNamespace(LeanGitRepo=lambda url, commit: (url, commit), trace=trace)
    monkeypatch.setitem(sys.modules, "lean_dojo", fake)
    with pytest.raises(LeanBridgeError, match="trace failed.*offline"):
        dojo.trace_repository(repo)


def test_not_a_git_repository(monkeypatch, tmp_path):
    fake_lake.use(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "lean_dojo", types.SimpleNamespace())
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(LeanBridgeError, match="not a git repository"):
        dojo.trace_repository(plain)


def test_successful_trace_is_summarised(monkeypatch, tmp_path):
    fake_lake.use(monkeypatch, tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    _git_repo(repo)
    thm = lambda name: types.SimpleNamespace(theorem=types.SimpleNamespace(full_name=name))  # noqa
    traced = types.SimpleNamespace(
        get_traced_theorems=lambda: [thm("TBN.B.t"), thm("TBN.A.s")],
        traced_files=[types.SimpleNamespace(get_premise_definitions=lambda: [
            {"full_name": "TBN.A.sigmoid"}, {"full_name": "TBN.A.s"}])])
    fake = types.SimpleNamespace(LeanGitRepo=lambda url, commit: (url, commit),
                                 trace=lambda r: traced)
    monkeypatch.setitem(sys.modules, "lean_dojo", fake)
    got = dojo.trace_repository(repo)
    assert got.theorems == ("TBN.A.s", "TBN.B.t")
    assert got.premises == ("TBN.A.s", "TBN.A.sigmoid")
    assert got.describe() == "2 theorems and 2 premises traced"
