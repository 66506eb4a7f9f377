"""The gate behind ``tbn check``: do the Lean proofs, the manifest and the Python code agree?

One row per manifest entry and a few whole-repository rows; every cell is PASSED, FAILED or
SKIPPED with its reason, and SKIPPED is never counted as passed.

Theorem rows (``[[theorem]]``)
    ``declaration``  the named theorem exists in the named file;
    ``hash``         its normalised statement hashes to the manifest's ``statement_hash``;
    ``docstring``    it has a ``/-- -/`` docstring;
    ``tokens``       no forbidden token inside it (SPEC section 6);
    ``python``       its Python check passes: ``max_deviation <= 10**-(precision - 10)``;
    ``build``        ``lake build --wfail`` succeeded (toolchain only);
    ``axioms``       ``#print axioms`` shows only propext, Classical.choice, Quot.sound
                     (toolchain only).
Weights rows (``[[weights]]``)
    ``declaration``, ``lean``  the definition exists and is in the grammar of
                               docs/ARCHITECTURE.md section 3 (evaluated exactly here);
    ``python``                 the Python constructor returns the same matrix, entry by entry;
    ``export``                 Lean itself evaluates it to the same matrix (toolchain only).
Repository rows
    forbidden tokens anywhere under ``lean/``; every public theorem listed in the manifest; the
    root file imports every module; every file parses; and, optionally, the LeanDojo trace.

Python checks run in worker processes (:mod:`tbn.checks._worker`) that import the repository's
own ``python/`` directory, in parallel, each with a timeout.
"""
from __future__ import annotations

import difflib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import mpmath

from .checks._base import tolerance
from .errors import LeanBridgeError, ManifestError, ParseError
from .lean import toolchain as tc_mod
from .lean.manifest import MANIFEST_NAME, Manifest, load_manifest, rewrite_hashes
from .lean.source import LeanFile, read_lean_file
from .lean.weights import compare_matrices, evaluate_weight

__all__ = ["PASSED", "FAILED", "SKIPPED", "Cell", "Row", "GateReport", "GateOptions",
           "find_root", "run_gate"]

PASSED, FAILED, SKIPPED = "PASSED", "FAILED", "SKIPPED"
THEOREM_CELLS = ("declaration", "hash", "docstring", "tokens", "python", "build", "axioms")
WEIGHTS_CELLS = ("declaration", "lean", "python", "export")
ROOT_MODULE = "TBN"


@dataclass(frozen=True)
class Cell:
    """One verdict with its reason (the reason is empty only for a plain PASSED)."""

    status: str
    reason: str = ""


@dataclass(frozen=True)
class Row:
    """One line of the report: a manifest entry or a whole-repository check."""

    kind: str
    id: str
    cells: tuple[tuple[str, Cell], ...]
    lean_name: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        """FAILED if any cell failed, SKIPPED if any was skipped (not fully checked), else
        PASSED."""
        statuses = {c.status for _, c in self.cells}
        return FAILED if FAILED in statuses else SKIPPED if SKIPPED in statuses else PASSED

    def cell(self, name: str) -> Cell:
        return dict(self.cells)[name]


@dataclass(frozen=True)
class GateReport:
    """Everything ``tbn check`` found; ``ok`` is False when any cell FAILED."""

    root: str
    rows: tuple[Row, ...]
    toolchain: str | None
    rehashed: tuple[str, ...]
    seconds: float

    def counts(self) -> dict[str, int]:
        out = {PASSED: 0, FAILED: 0, SKIPPED: 0}
        for row in self.rows:
            for _, cell in row.cells:
                out[cell.status] += 1
        return out

    @property
    def ok(self) -> bool:
        return self.counts()[FAILED] == 0

    def to_json(self) -> dict:
        """The ``--json`` object (its shape only grows)."""
        counts = self.counts()
        rows = {"theorem": [], "weights": [], "repository": []}
        for row in self.rows:
            rows[row.kind].append({
                "id": row.id, "lean_name": row.lean_name, "status": row.status,
                "cells": {k: {"status": c.status, "reason": c.reason} for k, c in row.cells},
                **row.detail})
        return {"tbn_check": 1, "root": self.root, "ok": self.ok,
                "summary": {"passed": counts[PASSED], "failed": counts[FAILED],
                            "skipped": counts[SKIPPED]},
                "toolchain": self.toolchain, "rehashed": list(self.rehashed),
                "seconds": round(self.seconds, 2), "theorems": rows["theorem"],
                "weights": rows["weights"], "repository": rows["repository"]}

    def format_table(self) -> str:
        """The human-readable report: one line per row, then every non-PASSED reason."""
        lines = [f"tbn check: {self.root}"]
        id_width = max([len(r.id) for r in self.rows] + [10])  # ids whole: --only takes them
        for kind, title, columns in (("theorem", "THEOREM", THEOREM_CELLS),
                                     ("weights", "WEIGHTS", WEIGHTS_CELLS),
                                     ("repository", "REPOSITORY", ("result",))):
            rows = [r for r in self.rows if r.kind == kind]
            if not rows:
                continue
            extra = "  MAX DEVIATION" if kind == "theorem" else ""
            lines.append("")
            header = f"{title:<{id_width}}  " + "  ".join(
                f"{_HEADERS.get(c, c).upper():<8}" for c in columns) + extra
            lines.append(header.rstrip())
            for r in rows:
                text = f"{r.id:<{id_width}}  " + "  ".join(
                    f"{r.cell(c).status:<8}" for c in columns)
                if kind == "theorem" and "max_deviation" in r.detail:
                    text += f"  {r.detail['max_deviation_short']}"
                lines.append(text.rstrip())
        groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for r in self.rows:
            for name, c in r.cells:
                if c.status != PASSED:
                    groups.setdefault((c.status, c.reason), []).append((r.id, name))
        if groups:
            lines += ["", "Details:"]
            for (status, reason), where in sorted(groups.items(), key=lambda g: g[0][0]):
                reason = reason.replace("\n", "\n    ")
                if len(where) == 1:
                    lines.append(f"  {status:<7} {where[0][0]} [{where[0][1]}]: {reason}")
                    continue
                names = sorted({n for _, n in where})
                ids = sorted({i for i, _ in where})
                shown = ", ".join(ids[:6]) + (f", ... ({len(ids)} rows)" if len(ids) > 6 else "")
                lines.append(f"  {status:<7} {len(where)} cells [{', '.join(names)}] of {shown}: "
                             f"{reason}")
        counts = self.counts()
        lines += ["", f"{len(self.rows)} rows, {sum(counts.values())} cells: {counts[PASSED]} "
                      f"PASSED, {counts[FAILED]} FAILED, {counts[SKIPPED]} SKIPPED in "
                      f"{self.seconds:.1f} s"
                  + ("" if self.ok else " -- the gate FAILED")]
        if self.rehashed:
            more = len(self.rehashed) - 8
            lines.append(f"rehashed {len(self.rehashed)} statement hash(es): "
                         + ", ".join(self.rehashed[:8]) + (f", and {more} more" if more > 0
                                                           else ""))
        return "\n".join(lines)


_HEADERS = {"declaration": "decl", "docstring": "doc"}


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "~"


@dataclass(frozen=True)
class GateOptions:
    """What to run.  ``jobs`` None means one worker per core (at most one per check)."""

    only: tuple[str, ...] = ()
    jobs: int | None = None
    seed: int = 0
    lean: bool = True
    dojo: bool = False
    rehash: bool = False
    check_timeout: float = 300.0
    lean_config: tc_mod.LeanConfig = tc_mod.LeanConfig()


def find_root(start: Path | str | None = None) -> Path:
    """The nearest directory at or above ``start`` holding ``proofs_manifest.toml``.

    Raises
    ------
    ManifestError
        No such directory.
    """
    here = Path(start if start is not None else os.getcwd()).resolve()
    if here.is_file():
        here = here.parent
    for d in (here, *here.parents):
        if (d / MANIFEST_NAME).is_file():
            return d
    raise ManifestError(f"no {MANIFEST_NAME} in {here} or any directory above it; run "
                        "`tbn check` inside a tbn repository or pass its path")


Progress = Callable[[int, int, str, str], None]


def run_gate(root: Path | str, options: GateOptions = GateOptions(),
             progress: Progress | None = None) -> GateReport:
    """Run every check of the repository at ``root`` and build the report.

    Parameters
    ----------
    root : repository root (holds ``proofs_manifest.toml`` and ``lean/``).
    options : what to run (:class:`GateOptions`).
    progress : called as ``progress(done, total, label, status)`` after each Python job, and
        with status ``"running"`` when a step starts (``total`` 0 for the Lean steps).

    Raises
    ------
    ManifestError
        The manifest is malformed or names a check or constructor that cannot be imported.
    """
    start = time.monotonic()
    root = Path(root).resolve()
    manifest = load_manifest(root / MANIFEST_NAME)
    sources, parse_errors = _read_sources(root)
    rehashed: tuple[str, ...] = ()
    if options.rehash:
        rehashed = _rehash(manifest, sources, options.only)
        manifest = load_manifest(root / MANIFEST_NAME)
    theorems = [t for t in manifest.theorems if _selected(options.only, t.id, t.lean_name)]
    weights = [w for w in manifest.weights if _selected(options.only, w.lean_name, w.lean_name)]
    _check_only_names(options.only, manifest)

    replies = _run_python_jobs(manifest, theorems, weights, options, progress)
    lean = _LeanSide.run(root, theorems, weights, options, progress)

    rows = [_theorem_row(t, sources, parse_errors, replies.get(("check", t.id)), lean)
            for t in theorems]
    rows += [_weights_row(w, sources, parse_errors, replies.get(("weights", w.lean_name)), lean)
             for w in weights]
    rows += _repository_rows(root, manifest, sources, parse_errors, lean, options)
    return GateReport(str(root), tuple(rows), lean.toolchain_text, rehashed,
                      time.monotonic() - start)


def _names(*keys: str) -> set[str]:
    """What `--only` accepts for an entry: its id, its Lean name, and the Lean name without the
    root namespace `TBN.` (the form the README's tables use)."""
    return {name for key in keys for name in (key, key.removeprefix("TBN."))}


def _selected(only: Sequence[str], *keys: str) -> bool:
    return not only or not _names(*keys).isdisjoint(only)


def _check_only_names(only: Sequence[str], manifest: Manifest) -> None:
    """Refuse any `--only` name that selects nothing, with the closest known names."""
    known = set().union(*(_names(t.id, t.lean_name) for t in manifest.theorems),
                        *(_names(w.lean_name) for w in manifest.weights))
    unknown = [name for name in only if name not in known]
    if unknown:
        hints = difflib.get_close_matches(unknown[0], sorted(known), n=3)
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        raise ManifestError(f"--only {', '.join(unknown)}: no manifest entry has that id or Lean "
                            f"name{hint}")


def _read_sources(root: Path) -> tuple[dict[str, LeanFile], dict[str, str]]:
    """Every .lean file under lean/, keyed by its path relative to lean/ (POSIX)."""
    sources, errors = {}, {}
    lean_dir = root / "lean"
    if not lean_dir.is_dir():
        return sources, errors
    for path in sorted(lean_dir.rglob("*.lean")):
        if ".lake" in path.parts:
            continue
        rel = path.relative_to(lean_dir).as_posix()
        try:
            sources[rel] = read_lean_file(path, f"lean/{rel}")
        except ParseError as exc:
            errors[rel] = str(exc)
    return sources, errors


def _rehash(manifest: Manifest, sources: dict[str, LeanFile],
            only: Sequence[str]) -> tuple[str, ...]:
    """Rewrite the hashes of the selected theorems whose declaration is found."""
    new = {}
    for t in manifest.theorems:
        if not _selected(only, t.id, t.lean_name):
            continue
        lf = sources.get(t.file)
        decl = lf.find(t.lean_name) if lf else None
        if decl is not None:
            new[t.id] = decl.statement_hash
    return tuple(rewrite_hashes(manifest, new))


# ---------------------------------------------------------------------------------------------
# Python jobs in worker processes


class _WorkerLost(Exception):
    """The worker died or timed out; the message says which."""


class _Worker:
    """One ``python -m tbn.checks._worker`` process importing the repository's python/."""

    def __init__(self, manifest: Manifest):
        env = dict(os.environ)
        python_dir = manifest.root / "python"
        if python_dir.is_dir():
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(python_dir), env.get("PYTHONPATH", "")) if p)
        self.log = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tbn.checks._worker", str(manifest.path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env,
            cwd=manifest.root, start_new_session=True)
        self.buffer = b""

    def ask(self, request: dict, timeout: float) -> dict:
        """Send one request and wait for its reply; a dead or silent worker is killed."""
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            raise _WorkerLost(self._death("the worker process died")) from None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self.kill()
                    raise _WorkerLost(f"timed out after {timeout:g} s (the worker was killed; "
                                      "raise it with --check-timeout)")
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    raise _WorkerLost(self._death("the worker process died"))
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def _death(self, what: str) -> str:
        """Kill what is left and explain with the tail of the worker's stderr."""
        self.proc.poll()
        code = self.proc.returncode
        self.log.seek(0)
        tail = self.log.read().decode(errors="replace").strip().splitlines()[-6:]
        self.kill()
        what += f" (exit code {code})" if code is not None else ""
        return what + (":\n" + "\n".join(tail) if tail else "")

    def close(self) -> None:
        """Let the worker finish (end of input), killing it if it does not."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self) -> None:
        """Kill the worker's process group (a check may have started children) at once."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.log):
            try:
                stream.close()
            except OSError:
                pass


def _run_python_jobs(manifest, theorems, weights, options: GateOptions,
                     progress: Progress | None) -> dict:
    """Resolve every callable, then run the checks and constructors; reply per job key."""
    jobs = deque([("check", t.id) for t in theorems] + [("weights", w.lean_name)
                                                        for w in weights])
    if not jobs:
        return {}
    first = _Worker(manifest)
    try:
        reply = first.ask({"op": "resolve"}, options.check_timeout)
    except _WorkerLost as exc:
        raise ManifestError(f"cannot import the checks of {manifest.path}: {exc}") from None
    if "error" in reply:
        first.close()
        raise ManifestError(reply["error"])
    n_workers = max(1, min(options.jobs or os.cpu_count() or 1, len(jobs)))
    total, replies, lock = len(jobs), {}, threading.Lock()
    if progress:
        progress(0, total, "python checks", "running")

    live = {first}
    stopping = threading.Event()  # Ctrl-C: workers killed by us are not failed checks

    def serve(worker: _Worker | None) -> None:
        while True:
            with lock:
                if not jobs:
                    break
                key = jobs.popleft()
            if worker is None:
                worker = _Worker(manifest)
                live.add(worker)
            request = ({"op": "check", "id": key[1], "seed": options.seed} if key[0] == "check"
                       else {"op": "weights", "name": key[1]})
            try:
                reply = worker.ask(request, options.check_timeout)
            except _WorkerLost as exc:
                if stopping.is_set():
                    return
                reply, worker = {"error": str(exc), "lost": True}, None
            with lock:
                replies[key] = reply
                done = len(replies)
            if progress:
                progress(done, total, key[1], FAILED if "error" in reply else "done")
        if worker is not None:
            worker.close()

    threads = [threading.Thread(target=serve, args=(first if k == 0 else None,), daemon=True)
               for k in range(n_workers)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except BaseException:  # Ctrl-C: no worker outlives the gate
        stopping.set()
        with lock:
            jobs.clear()
        for w in list(live):
            w.kill()
        raise
    return replies


# ---------------------------------------------------------------------------------------------
# The Lean toolchain side


@dataclass
class _LeanSide:
    """What the toolchain said (or why it was not asked)."""

    toolchain_text: str | None
    skip_reason: str | None = None
    build: tc_mod.RunResult | None = None
    build_error: str | None = None
    audit: tc_mod.AxiomAudit | None = None
    audit_error: str | None = None
    exported: dict | None = None
    export_result: tc_mod.RunResult | None = None
    export_error: str | None = None

    @classmethod
    def run(cls, root: Path, theorems, weights, options: GateOptions,
            progress: Progress | None = None) -> "_LeanSide":
        if not options.lean:
            return cls(None, "Lean steps disabled by --no-lean")
        found = tc_mod.find_toolchain()
        if found is None:
            return cls(None, f"no Lean toolchain on PATH; {tc_mod.INSTALL_HINT}")
        side = cls(found.describe())
        cfg = options.lean_config
        if progress:
            progress(0, 0, "lake build --wfail (the first build can take long)", "running")
        try:
            side.build = tc_mod.lake_build(found, root, cfg)
        except LeanBridgeError as exc:
            side.build_error = str(exc)
            return side
        if not side.build.ok:
            return side
        if progress:
            progress(0, 0, "axiom audit and weight export", "running")
        try:
            side.audit = tc_mod.audit_axioms(found, root, [t.lean_name for t in theorems],
                                             ROOT_MODULE, cfg)
        except LeanBridgeError as exc:
            side.audit_error = str(exc)
        if weights:
            try:
                side.exported, side.export_result = tc_mod.export_weights(
                    found, root, [w.lean_name for w in weights], ROOT_MODULE, cfg)
            except LeanBridgeError as exc:
                side.export_error = str(exc)
        return side

    def build_cell(self, file: str | None) -> Cell:
        if self.skip_reason:
            return Cell(SKIPPED, self.skip_reason)
        if self.build_error:
            return Cell(FAILED, self.build_error)
        if self.build.ok:
            return Cell(PASSED)
        bad = sorted(tc_mod.build_error_files(self.build))
        mine = file and any(b.endswith(file) for b in bad)
        where = f"errors in {', '.join(bad)}" if bad else self.build.summary()
        return Cell(FAILED, ("this file does not build: " if mine else
                             "not verified, lake build failed: ") + where)

    def axioms_cell(self, name: str) -> Cell:
        if self.skip_reason:
            return Cell(SKIPPED, self.skip_reason)
        if self.build_error or not self.build.ok:
            return Cell(SKIPPED, "lake build failed, so the axioms were not audited")
        if self.audit_error:
            return Cell(FAILED, self.audit_error)
        extra = self.audit.extra(name)
        if extra is None:
            return Cell(FAILED, "Lean reported no axioms for it: "
                        + self.audit.result.summary(6))
        if extra:
            return Cell(FAILED, f"depends on non-standard axioms: {', '.join(sorted(extra))}")
        return Cell(PASSED)

    def export_matrix(self, name: str):
        """(matrix or None, Cell explaining a skip or failure)."""
        if self.skip_reason:
            return None, Cell(SKIPPED, self.skip_reason)
        if self.build_error or not self.build.ok:
            return None, Cell(SKIPPED, "lake build failed, so nothing was exported")
        if self.export_error:
            return None, Cell(FAILED, self.export_error)
        if name not in self.exported:
            return None, Cell(FAILED, "Lean did not print it: " + self.export_result.summary(6))
        return self.exported[name], Cell(PASSED)


# ---------------------------------------------------------------------------------------------
# Rows


def _declaration(entry, sources, parse_errors, kinds):
    """(declaration or None, Cell)."""
    if entry.file in parse_errors:
        return None, Cell(FAILED, parse_errors[entry.file])
    lf = sources.get(entry.file)
    if lf is None:
        return None, Cell(FAILED, f"no file lean/{entry.file}")
    decl = lf.find(entry.lean_name)
    if decl is None:
        elsewhere = [f for f, src in sources.items() if src.find(entry.lean_name)]
        hint = f" (it is in lean/{elsewhere[0]})" if elsewhere else ""
        return None, Cell(FAILED, f"no declaration {entry.lean_name} in lean/{entry.file}{hint}")
    if decl.kind not in kinds:
        return None, Cell(FAILED, f"{entry.lean_name} is a {decl.kind}, expected "
                          + " or ".join(kinds))
    return decl, Cell(PASSED)


def _theorem_row(t, sources, parse_errors, reply, lean: _LeanSide) -> Row:
    decl, decl_cell = _declaration(t, sources, parse_errors, ("theorem", "lemma"))
    missing = Cell(FAILED, "no declaration to check")
    cells = {"declaration": decl_cell}
    if decl is None:
        cells.update(hash=missing, docstring=missing, tokens=missing)
    else:
        if not t.statement_hash:
            cells["hash"] = Cell(FAILED, "the manifest has no statement_hash; review the "
                                         "statement, then run `tbn check --rehash`")
        elif t.statement_hash != decl.statement_hash:
            cells["hash"] = Cell(FAILED, f"the statement changed: it hashes to "
                                         f"{decl.statement_hash}, the manifest says "
                                         f"{t.statement_hash}; if the change is intended, run "
                                         f"`tbn check --rehash`. Statement now: "
                                         f"{_clip(decl.statement, 300)}")
        else:
            cells["hash"] = Cell(PASSED)
        cells["docstring"] = (Cell(PASSED) if decl.docstring else
                              Cell(FAILED, f"{decl.path}:{decl.line}: no /-- docstring -/"))
        bad = [str(f) for f in sources[t.file].forbidden if decl.line <= f.line <= decl.end_line]
        cells["tokens"] = Cell(FAILED, "; ".join(bad)) if bad else Cell(PASSED)
    detail = {"file": f"lean/{t.file}", "check": t.check, "precision": t.precision,
              "claim": t.claim}
    if decl is not None:
        detail["statement"], detail["statement_hash"] = decl.statement, decl.statement_hash
    cells["python"] = _python_cell(t, reply, detail)
    cells["build"] = lean.build_cell(t.file)
    cells["axioms"] = lean.axioms_cell(t.lean_name)
    return Row("theorem", t.id, tuple((k, cells[k]) for k in THEOREM_CELLS), t.lean_name,
               detail)


def _python_cell(t, reply, detail) -> Cell:
    if reply is None:
        return Cell(FAILED, "the check did not run")
    if "error" in reply:  # a lost worker (timeout, crash) raised nothing
        verb = "did not finish:" if reply.get("lost") else "raised"
        return Cell(FAILED, f"{t.check} {verb} {reply['error']}")
    dev = mpmath.mpf(reply["max_deviation"])
    tol = tolerance(t.precision)
    short = mpmath.nstr(dev, 2) if dev else "0"
    detail.update(max_deviation=reply["max_deviation"], max_deviation_short=short,
                  tolerance=mpmath.nstr(tol, 3), instances=reply["instances"],
                  worst_case=reply["worst_case"], seconds=reply["seconds"])
    if reply["instances"] < 1:
        return Cell(FAILED, f"{t.check} checked no instance")
    if not dev <= tol:
        return Cell(FAILED, f"max deviation {mpmath.nstr(dev, 5)} > tolerance "
                            f"{mpmath.nstr(tol, 3)} over {reply['instances']} instances; worst "
                            f"case: {reply['worst_case']}")
    return Cell(PASSED)


def _weights_row(w, sources, parse_errors, reply, lean: _LeanSide) -> Row:
    decl, decl_cell = _declaration(w, sources, parse_errors, ("def", "abbrev"))
    cells = {"declaration": decl_cell}
    text_matrix = None
    if decl is None:
        cells["lean"] = Cell(FAILED, "no definition to evaluate")
    else:
        try:
            text_matrix = evaluate_weight(decl)
            cells["lean"] = Cell(PASSED)
        except ParseError as exc:
            cells["lean"] = Cell(FAILED, str(exc))
    py_matrix = None
    if reply is None or "error" in reply:
        why = reply["error"] if reply else "did not run"
        cells["python"] = Cell(FAILED, f"{w.python}(**{w.args}): {why}")
    else:
        py_matrix = [[Fraction(x) for x in row] for row in reply["matrix"]]
        if text_matrix is None:
            cells["python"] = Cell(FAILED, "nothing to compare with: the Lean definition could "
                                           "not be read")
        else:
            diffs = compare_matrices(text_matrix, py_matrix)
            cells["python"] = (Cell(FAILED, f"{w.python}(**{w.args}) differs from the Lean "
                                            f"definition (Lean vs Python): " + "; ".join(diffs))
                               if diffs else Cell(PASSED))
    exported, cells["export"] = lean.export_matrix(w.lean_name)
    if exported is not None:
        lean_matrix = [[Fraction(x) for x in row] for row in exported]
        diffs = []
        for label, other in (("the Lean text as read by the gate", text_matrix),
                             (w.python, py_matrix)):
            if other is not None:
                d = compare_matrices(lean_matrix, other)
                if d:
                    diffs.append(f"Lean's own evaluation differs from {label}: "
                                 + "; ".join(d))
        if diffs:
            cells["export"] = Cell(FAILED, " | ".join(diffs))
    detail = {"file": f"lean/{w.file}", "python": w.python, "args": dict(w.args)}
    return Row("weights", w.lean_name, tuple((k, cells[k]) for k in WEIGHTS_CELLS),
               w.lean_name, detail)


def _repo_row(ident: str, cell: Cell) -> Row:
    return Row("repository", ident, (("result", cell),))


def _repository_rows(root, manifest, sources, parse_errors, lean: _LeanSide,
                     options: GateOptions) -> list[Row]:
    rows = []
    if parse_errors:
        rows.append(_repo_row("lean sources parse", Cell(FAILED, "; ".join(
            parse_errors.values()))))
    elif not sources:
        rows.append(_repo_row("lean sources parse", Cell(FAILED, f"no .lean files under "
                                                                 f"{root / 'lean'}")))
    else:
        rows.append(_repo_row("lean sources parse", Cell(PASSED)))

    bad = [str(f) for lf in sources.values() for f in lf.forbidden]
    rows.append(_repo_row("no forbidden tokens in lean/", Cell(FAILED, "; ".join(bad)) if bad
                          else Cell(PASSED)))

    listed = {t.lean_name for t in manifest.theorems}
    unlisted = [f"{d.name} ({d.path}:{d.line})" for lf in sources.values()
                for d in lf.declarations if d.public_theorem and d.name not in listed]
    shown = ", ".join(unlisted[:12]) + (f", and {len(unlisted) - 12} more (all in --json)"
                                        if len(unlisted) > 12 else "")
    rows.append(Row("repository", "every public theorem in the manifest", (("result", Cell(
        FAILED, f"{len(unlisted)} public theorem(s) missing from {MANIFEST_NAME} (add a "
                f"[[theorem]] entry or make them private): {shown}")
        if unlisted else Cell(PASSED)),), detail={"unlisted": unlisted}))

    root_file = f"{ROOT_MODULE}.lean"
    if root_file not in sources:
        cell = Cell(FAILED, f"no lean/{root_file}" if root_file not in parse_errors
                    else parse_errors[root_file])
    else:
        modules = {rel[:-5].replace("/", ".") for rel in list(sources) + list(parse_errors)
                   if rel != root_file}
        imported = set(sources[root_file].imports)
        problems = [f"not imported: {m}" for m in sorted(modules - imported)]
        problems += [f"imports a missing file: {m}" for m in sorted(imported)
                     if m.startswith(ROOT_MODULE + ".") and m not in modules]
        cell = Cell(FAILED, "; ".join(problems)) if problems else Cell(PASSED)
    rows.append(_repo_row(f"lean/{root_file} imports every module", cell))

    rows.append(_repo_row("lake build --wfail", lean.build_cell(None)))
    if options.dojo:
        from .lean import dojo
        try:
            trace = dojo.trace_repository(root)
            cell = Cell(PASSED, trace.describe())
        except LeanBridgeError as exc:
            cell = Cell(SKIPPED, str(exc))
        rows.append(_repo_row("LeanDojo trace", cell))
    return rows
