"""Worker process of the gate: imports the repository's checks and runs them on request.

The gate starts ``python -m tbn.checks._worker MANIFEST`` with the repository's ``python/``
directory first on ``PYTHONPATH``, so the checks and constructors that run are the ones in the
repository being checked (a copy under test included), not whatever ``tbn`` is installed.  Running
them in separate processes also gives parallelism, a per-check timeout and isolation: a check that
crashes or hangs costs its own row, not the report.

Protocol: one JSON object per line on stdin, one JSON reply per line on the original stdout
(which is otherwise redirected to stderr, so a stray ``print`` in a check cannot corrupt it)::

    {"op": "resolve"}                      -> {"ok": true} | {"error": "..."}
    {"op": "check", "id": ID, "seed": S}   -> {"max_deviation": "...", "instances": N,
                                               "worst_case": "..."} | {"error": "..."}
    {"op": "weights", "name": LEAN_NAME}   -> {"matrix": [["1", "0"], ...]} | {"error": "..."}
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback

import mpmath

from ..errors import TbnError
from ..lean.manifest import load_manifest, resolve_callables
from ..lean.weights import as_fraction_matrix, matrix_to_strings
from ._base import CheckResult, to_mpf


def _run_check(fn, entry, seed: int) -> dict:
    mpmath.mp.dps = 15  # no precision leaks from one check into the next
    result = fn(precision=entry.precision, instances=entry.instances, seed=seed)
    if not isinstance(result, CheckResult):
        return {"error": f"returned {type(result).__name__}, not CheckResult"}
    dev = abs(to_mpf(result.max_deviation))
    if mpmath.isnan(dev):
        dev = mpmath.inf
    with mpmath.workdps(30):
        shown = "inf" if mpmath.isinf(dev) else mpmath.nstr(dev, 25, min_fixed=1, max_fixed=0)
    return {"max_deviation": shown, "instances": int(result.instances),
            "worst_case": str(result.worst_case)[:300]}


def _serve(manifest_path: str, out) -> None:
    manifest = load_manifest(manifest_path)
    theorems = {t.id: t for t in manifest.theorems}
    weights = {w.lean_name: w for w in manifest.weights}
    callables = None
    for line in sys.stdin:
        request = json.loads(line)
        start = time.monotonic()
        try:
            if callables is None:
                callables = resolve_callables(manifest)
            if request["op"] == "resolve":
                reply = {"ok": True}
            elif request["op"] == "check":
                entry = theorems[request["id"]]
                reply = _run_check(callables[entry.check], entry, int(request["seed"]))
            else:
                entry = weights[request["name"]]
                value = callables[entry.python](**entry.args)
                reply = {"matrix": matrix_to_strings(as_fraction_matrix(value))}
        except TbnError as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # a broken check is a FAILED row, reported with its cause
            frames = traceback.extract_tb(exc.__traceback__)
            where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
            reply = {"error": f"{type(exc).__name__}: {exc}{where}"}
        reply["seconds"] = round(time.monotonic() - start, 3)
        out.write(json.dumps(reply) + "\n")
        out.flush()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        _serve(argv[0], out)
    except TbnError as exc:
        out.write(json.dumps({"error": str(exc)}) + "\n")
        out.flush()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
