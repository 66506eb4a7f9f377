"""Optional LeanDojo adapter: trace the repository's theorems and premises.

LeanDojo (``pip install -e ".[lean]"``) is heavy and needs a Lean toolchain, ``git`` and usually
network access, so it is imported lazily and every way it can be unavailable comes back as one
:class:`~tbn.errors.LeanBridgeError` with a message saying what to do; the gate reports that as
SKIPPED, never as passed.  Tracing is configured through LeanDojo's environment variables, set
here before the import: ``DISABLE_REMOTE_CACHE=1`` (never download someone else's trace) and
``NUM_PROCS`` (parallel Lean processes).
"""
from __future__ import annotations

import importlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import LeanBridgeError
from .toolchain import INSTALL_HINT, find_toolchain

__all__ = ["DojoTrace", "load_lean_dojo", "trace_repository"]

INSTALL_DOJO = "LeanDojo is not installed; install it with pip install -e \".[lean]\""


@dataclass(frozen=True)
class DojoTrace:
    """Names of the traced theorems and of the premises (definitions usable in proofs)."""

    theorems: tuple[str, ...]
    premises: tuple[str, ...]

    def describe(self) -> str:
        return f"{len(self.theorems)} theorems and {len(self.premises)} premises traced"


def load_lean_dojo(num_procs: int | None = None):
    """Set LeanDojo's environment, then import it.

    Raises
    ------
    LeanBridgeError
        LeanDojo is not installed or fails to import.
    """
    os.environ["DISABLE_REMOTE_CACHE"] = "1"
    os.environ["NUM_PROCS"] = str(num_procs or os.cpu_count() or 1)
    try:
        return importlib.import_module("lean_dojo")
    except ImportError:
        raise LeanBridgeError(INSTALL_DOJO) from None
    except Exception as exc:  # a broken install says so instead of crashing the gate
        raise LeanBridgeError(f"LeanDojo failed to import: {type(exc).__name__}: {exc}") \
            from None


def trace_repository(root: Path | str, num_procs: int | None = None) -> DojoTrace:
    """Trace the Lean project at ``root`` with LeanDojo.

    The repository must be a git checkout (LeanDojo traces a commit).

    Raises
    ------
    LeanBridgeError
        No Lean toolchain, LeanDojo missing, not a git repository, or the trace failed (for
        example offline: LeanDojo clones the project's dependencies).
    """
    root = Path(root).resolve()
    if find_toolchain() is None:
        raise LeanBridgeError(f"LeanDojo cannot run: no Lean toolchain on PATH; {INSTALL_HINT}")
    dojo = load_lean_dojo(num_procs)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        raise LeanBridgeError(f"LeanDojo cannot run: {root} is not a git repository with a "
                              "commit (LeanDojo traces commits)") from None
    try:
        from_path = getattr(dojo.LeanGitRepo, "from_path", None)
        repo = from_path(str(root)) if from_path else dojo.LeanGitRepo(str(root), commit)
        traced = dojo.trace(repo)
        theorems = tuple(sorted(t.theorem.full_name for t in traced.get_traced_theorems()))
        premises = tuple(sorted({p["full_name"] for f in traced.traced_files
                                 for p in f.get_premise_definitions()}))
    except Exception as exc:  # LeanDojo raises many kinds; the user needs the message
        raise LeanBridgeError(f"LeanDojo trace failed (offline? it clones dependencies): "
                              f"{type(exc).__name__}: {exc}") from None
    return DojoTrace(theorems, premises)
