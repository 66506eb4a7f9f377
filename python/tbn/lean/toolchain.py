"""The one module that runs ``lake`` and ``lean``: discovery, timeouts, clean kills, parsing.

Everything that touches a Lean subprocess lives here, with its knobs in :class:`LeanConfig`.
A failure inside Lean (a build error, an unknown constant) comes back as a value
(:class:`RunResult`, :class:`AxiomAudit`); a missing toolchain is ``None`` from
:func:`find_toolchain`; only a process that cannot be started raises
:class:`~tbn.errors.LeanBridgeError`.  Every child runs in its own process group, so a timeout
kills ``lake`` together with the ``lean`` processes it spawned.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import LeanBridgeError

__all__ = ["LeanConfig", "Toolchain", "RunResult", "AxiomAudit", "STANDARD_AXIOMS",
           "INSTALL_HINT", "find_toolchain", "run", "lake_build", "audit_axioms",
           "parse_axioms", "export_weights", "build_error_files"]

#: The axioms every Mathlib proof may use (SPEC section 1); anything else fails the audit.
STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
INSTALL_HINT = ("install elan: curl https://raw.githubusercontent.com/leanprover/elan/master/"
                "elan-init.sh -sSf | sh")


@dataclass(frozen=True)
class LeanConfig:
    """All toolchain knobs in one place (seconds)."""

    build_timeout: float = 3600.0
    run_timeout: float = 900.0
    kill_grace: float = 5.0


@dataclass(frozen=True)
class Toolchain:
    """Paths of the executables found (``lean`` and ``elan`` may be absent; ``lake`` is not)."""

    lake: str
    lean: str | None
    elan: str | None

    def describe(self) -> str:
        return f"lake at {self.lake}"


@dataclass(frozen=True)
class RunResult:
    """The outcome of one subprocess: a Lean failure is a value, not an exception."""

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def summary(self, lines: int = 15) -> str:
        """Why it failed, in a few lines: the timeout, or the tail of the output."""
        cmd = " ".join(self.argv)
        if self.timed_out:
            return f"`{cmd}` timed out after {self.seconds:.0f} s and was killed"
        tail = (self.stdout + "\n" + self.stderr).strip().splitlines()[-lines:]
        return f"`{cmd}` exited with {self.returncode}:\n" + "\n".join(tail)


@dataclass(frozen=True)
class AxiomAudit:
    """Axioms reported by ``#print axioms`` for each name (a name Lean did not report is absent).

    ``result`` is the underlying run, kept for its messages.
    """

    axioms: Mapping[str, frozenset]
    result: RunResult

    def extra(self, name: str) -> frozenset | None:
        """Axioms of ``name`` outside the standard three, or None when Lean did not report it."""
        found = self.axioms.get(name)
        return None if found is None else found - STANDARD_AXIOMS


def find_toolchain(env: Mapping[str, str] | None = None) -> Toolchain | None:
    """Find ``lake`` (and ``lean``, ``elan``) on PATH or in ``$ELAN_HOME/bin`` (``~/.elan/bin``).

    Returns None when there is no ``lake``: callers report the Lean steps as SKIPPED with
    :data:`INSTALL_HINT`, never as passed.
    """
    env = os.environ if env is None else env
    elan_home = env.get("ELAN_HOME") or os.path.join(os.path.expanduser("~"), ".elan")
    search = os.pathsep.join(p for p in (env.get("PATH", ""), os.path.join(elan_home, "bin")) if p)
    found = {tool: shutil.which(tool, path=search) for tool in ("lake", "lean", "elan")}
    if not found["lake"]:
        return None
    return Toolchain(found["lake"], found["lean"], found["elan"])


def run(argv: Sequence[str], cwd: Path | str, timeout: float,
        env: Mapping[str, str] | None = None, config: LeanConfig = LeanConfig()) -> RunResult:
    """Run a command in its own process group; on timeout kill the whole group.

    Raises
    ------
    LeanBridgeError
        The command could not be started at all (not found, not executable).
    """
    start = time.monotonic()
    try:
        proc = subprocess.Popen(list(argv), cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                errors="replace", env=None if env is None else dict(env),
                                start_new_session=True)
    except OSError as exc:
        raise LeanBridgeError(f"cannot run `{' '.join(argv)}`: {exc}") from None
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc, config.kill_grace)
        out, err = proc.communicate()
    except BaseException:  # KeyboardInterrupt: never leave a build running behind us
        _kill_group(proc, config.kill_grace)
        raise
    return RunResult(tuple(argv), None if timed_out else proc.returncode, out or "", err or "",
                     time.monotonic() - start, timed_out)


def _kill_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still alive after ``grace`` s."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def lake_build(tc: Toolchain, repo: Path, config: LeanConfig = LeanConfig()) -> RunResult:
    """``lake build --wfail`` in the repository (warnings are errors)."""
    return run([tc.lake, "build", "--wfail"], repo, config.build_timeout, config=config)


# Lean prints `FILE:L:C: error: ...`; lake's log prints `error: FILE:L:C: ...`.
_LOCATION = re.compile(r"^(?:(?:error|warning): (?P<a>[^\s:][^:\n]*\.lean):\d+:\d+:|"
                       r"(?P<b>[^\s:][^:\n]*\.lean):\d+:\d+: (?:error|warning))", re.M)


def build_error_files(result: RunResult) -> frozenset[str]:
    """Paths (as Lean printed them) of the files with errors or warnings in a build log."""
    text = result.stdout + "\n" + result.stderr
    return frozenset(m.group("a") or m.group("b") for m in _LOCATION.finditer(text))


# Names may end in primes (`'foo''`), so the name runs up to the quote before the verb.
_AXIOMS = re.compile(r"^'(?P<name>.+?)' (?:depends on axioms: \[(?P<list>[^\]]*)\]|"
                     r"(?P<none>does not depend on any axioms))", re.M)


def parse_axioms(output: str) -> dict[str, frozenset]:
    """Parse ``#print axioms`` output (the list may wrap over lines) into name -> axioms."""
    out = {}
    for m in _AXIOMS.finditer(output):
        items = [] if m.group("none") else [a.strip() for a in m.group("list").split(",")]
        out[m.group("name")] = frozenset(a for a in items if a)
    return out


def _run_generated(tc: Toolchain, repo: Path, source: str, extra: Sequence[str],
                   config: LeanConfig) -> RunResult:
    """Write ``source`` to a temporary .lean file outside the repository and run it with
    ``lake env lean``, so the repository's build products are on the search path."""
    with tempfile.TemporaryDirectory(prefix="tbn-lean-") as tmp:
        path = Path(tmp) / "TbnGateGenerated.lean"
        path.write_text(source, encoding="utf-8")
        return run([tc.lake, "env", "lean", *extra, str(path)], repo, config.run_timeout,
                   config=config)


def audit_axioms(tc: Toolchain, repo: Path, names: Sequence[str], root_module: str = "TBN",
                 config: LeanConfig = LeanConfig()) -> AxiomAudit:
    """``#print axioms`` for every name, in one generated file importing ``root_module``."""
    source = f"import {root_module}\n\n" + "".join(f"#print axioms {n}\n" for n in names)
    result = _run_generated(tc, repo, source, (), config)
    return AxiomAudit(parse_axioms(result.stdout + "\n" + result.stderr), result)


_EXPORT_HELPER = """
/-- Exact rational entries of a matrix as a JSON array of rows of strings. -/
def tbnGateMatrixJson {R C : Nat} (M : Matrix (Fin R) (Fin C) ℚ) : String :=
  let row (r : Fin R) : String :=
    "[" ++ ",".intercalate ((List.range C).filterMap fun c =>
      if h : c < C then some ("\\"" ++ toString (M r ⟨c, h⟩) ++ "\\"") else none) ++ "]"
  "[" ++ ",".intercalate ((List.range R).filterMap fun r =>
    if h : r < R then some (row ⟨r, h⟩) else none) ++ "]"
"""


def export_weights(tc: Toolchain, repo: Path, names: Sequence[str], root_module: str = "TBN",
                   config: LeanConfig = LeanConfig()) -> tuple[dict[str, list], RunResult]:
    """Evaluate concrete weight definitions in Lean itself (``lake env lean --run``).

    Returns
    -------
    (matrices, result)
        ``matrices`` maps each name Lean printed to its rows of exact strings (``"1"``,
        ``"-1/2"``); a name missing from it failed in Lean (see ``result``).
    """
    lines = [f"import {root_module}", _EXPORT_HELPER, "def main : IO Unit := do"]
    for n in names:
        lines.append(f'  IO.println ("{n}\\t" ++ tbnGateMatrixJson {n})')
    result = _run_generated(tc, repo, "\n".join(lines) + "\n", ("--run",), config)
    matrices = {}
    for line in result.stdout.splitlines():
        name, sep, payload = line.partition("\t")
        if sep and name in names:
            try:
                matrices[name] = json.loads(payload)
            except json.JSONDecodeError:
                continue
    return matrices, result
