"""Loopy BP speed: tbn's sum-product against pyAgrum's LoopyBeliefPropagation.

Whole process against whole process: each side runs in its own fresh Python subprocess that
imports its library, reads the same uncompressed BIF file, sets the same evidence, runs loopy BP
and writes every marginal to a JSON file; the parent times each subprocess from launch to exit
(best of ``--repeat`` runs, the two sides interleaved) and compares the marginals.

Stopping rules (they are not the same quantity; both are set to ``--tol``):

- tbn: flooding schedule, stop when the largest change of a normalised factor-to-variable message
  entry, in probability, is below tol (``belief_propagation(..., tol=tol)``), with ``--damping``.
- pyAgrum: ``setEpsilon(tol)``, ``setMinEpsilonRate(0)`` (so the rate rule never stops it early),
  ``setMaxIter(max_iter)``.  aGrUM updates nodes one at a time in shuffled sweeps (Pearl's
  lambda/pi messages) and stops when a sweep's largest Kullback-Leibler divergence between a
  message and its update is at most epsilon.  KL ~ sum(dp^2 / p) / 2, so epsilon = 1e-8 allows
  message changes near 1e-4: a looser rule than tbn's at the same number.

Evidence: one joint sample drawn by pyAgrum (``initRandom(seed)``), observed on a seeded random
``--evidence-fraction`` of the variables, so the evidence has positive probability.

Networks: the bnlearn files shipped in the pgmpy wheel (``pgmpy/utils/example_models``; pgmpy is
located, never imported).  Needs ``pip install pyagrum pgmpy``.

Usage::

    python benchmarks/bench_bp.py [--networks pigs munin2 andes] [--repeat 3] [--json]
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

NETWORKS = ("pigs", "munin2", "andes")


def _ours(model: str, evidence: dict, tol: float, damping: float, max_iter: int) -> dict:
    t0 = time.perf_counter()
    from tbn.bif import read_bif
    from tbn.bp import belief_propagation

    t1 = time.perf_counter()
    fg = read_bif(model)
    t2 = time.perf_counter()
    r = belief_propagation(fg, fg.evidence_by_name(evidence), tol=tol, damping=damping,
                           max_iter=max_iter)
    t3 = time.perf_counter()
    marg = {v.name: dict(zip(v.states, r.marginals[v.name])) for v in fg.variables}
    return {"marginals": marg, "converged": r.converged, "iterations": r.iterations,
            "import": t1 - t0, "load": t2 - t1, "infer": t3 - t2}


def _agrum(model: str, evidence: dict, tol: float, damping: float, max_iter: int) -> dict:
    t0 = time.perf_counter()
    import pyagrum as gum

    t1 = time.perf_counter()
    bn = gum.loadBN(model)
    t2 = time.perf_counter()
    ie = gum.LoopyBeliefPropagation(bn)
    ie.setEpsilon(tol)
    ie.setMinEpsilonRate(0.0)
    ie.setMaxIter(max_iter)
    ie.setEvidence(evidence)
    ie.makeInference()
    marg = {}
    for node in bn.nodes():
        var = bn.variable(node)
        post = ie.posterior(node).toarray()
        marg[var.name()] = {var.label(k): float(post[k]) for k in range(var.domainSize())}
    t3 = time.perf_counter()
    return {"marginals": marg, "converged": "epsilon" in ie.messageApproximationScheme(),
            "iterations": ie.nbrIterations(), "import": t1 - t0, "load": t2 - t1,
            "infer": t3 - t2}


SIDES = {"tbn": _ours, "pyagrum": _agrum}


def _side_main(argv) -> None:
    side, model, evidence_file, out_file, tol, damping, max_iter = argv
    with open(evidence_file) as fh:
        evidence = json.load(fh)
    result = SIDES[side](model, evidence, float(tol), float(damping), int(max_iter))
    with open(out_file, "w") as fh:
        json.dump(result, fh)


def _network_file(name: str, workdir: str) -> str:
    spec = importlib.util.find_spec("pgmpy")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("bench_bp: needs the pgmpy wheel for the bnlearn networks: pip install pgmpy")
    src = os.path.join(spec.submodule_search_locations[0], "utils", "example_models",
                       f"{name}.bif.gz")
    dst = os.path.join(workdir, f"{name}.bif")
    with gzip.open(src, "rb") as fin, open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    return dst


def _evidence(model: str, fraction: float, seed: int) -> dict:
    import pyagrum as gum

    bn = gum.loadBN(model)
    gum.initRandom(seed)
    gen = gum.BNDatabaseGenerator(bn)
    gen.drawSamples(1)
    row = gen.to_pandas().iloc[0]
    names = sorted(bn.names())
    chosen = random.Random(seed).sample(names, max(1, round(fraction * len(names))))
    return {name: str(row[name]) for name in sorted(chosen)}


def _run(side, model, evidence_file, workdir, args) -> tuple[float, dict]:
    out = os.path.join(workdir, f"{side}.json")
    tol = args.agrum_tol if side == "pyagrum" and args.agrum_tol is not None else args.tol
    cmd = [sys.executable, os.path.abspath(__file__), "--side", side, model, evidence_file, out,
           repr(tol), repr(args.damping), str(args.max_iter)]
    wall = _wall(cmd)
    with open(out) as fh:
        return wall, json.load(fh)


def _wall(cmd) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def _max_diff(a: dict, b: dict) -> float:
    return max(abs(p - b[var][state]) for var, dist in a.items() for state, p in dist.items())


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--side":
        _side_main(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--networks", nargs="+", default=list(NETWORKS))
    ap.add_argument("--repeat", type=int, default=3, help="runs per side; the best is kept")
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--agrum-tol", type=float, default=None,
                    help="pyAgrum's epsilon, if it should differ from --tol")
    ap.add_argument("--damping", type=float, default=0.0, help="tbn's damping (default 0)")
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--evidence-fraction", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the rows as JSON on stdout")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.networks:
            model = _network_file(name, workdir)
            evidence = _evidence(model, args.evidence_fraction, args.seed)
            evidence_file = os.path.join(workdir, f"{name}.evidence.json")
            with open(evidence_file, "w") as fh:
                json.dump(evidence, fh)
            best = {}
            for _ in range(args.repeat):
                for side in SIDES:
                    wall, res = _run(side, model, evidence_file, workdir, args)
                    if side not in best or wall < best[side][0]:
                        best[side] = (wall, res)
            (w_ours, ours), (w_them, them) = best["tbn"], best["pyagrum"]
            rows.append({
                "network": name, "observed": len(evidence),
                "tbn_s": w_ours, "pyagrum_s": w_them, "speedup": w_them / w_ours,
                "tbn_parts_s": {k: ours[k] for k in ("import", "load", "infer")},
                "pyagrum_parts_s": {k: them[k] for k in ("import", "load", "infer")},
                "tbn_iterations": ours["iterations"], "pyagrum_iterations": them["iterations"],
                "tbn_converged": ours["converged"], "pyagrum_converged": them["converged"],
                "max_marginal_diff": _max_diff(ours["marginals"], them["marginals"]),
            })
            print(f"done {name}", file=sys.stderr)
    floor = min(_wall([sys.executable, "-c", "import numpy"]) for _ in range(args.repeat))
    if args.json:
        json.dump({"rows": rows, "python_numpy_import_s": floor}, sys.stdout, indent=2)
        print()
        return
    agrum_tol = args.tol if args.agrum_tol is None else args.agrum_tol
    print(f"tbn tol={args.tol:g}  pyAgrum epsilon={agrum_tol:g}  tbn damping={args.damping:g}  "
          f"best of {args.repeat}  "
          f"(seconds, whole process; load+infer in brackets)")
    print(f"floor: a fresh `python -c 'import numpy'` takes {floor:.2f} s here")
    print(f"{'network':8} {'obs':>4} {'tbn s':>15} {'pyAgrum s':>15} {'ratio':>6} "
          f"{'infer ratio':>11} {'iters':>9} {'converged':>10} {'max |diff|':>10}")
    for r in rows:
        a, b = r["tbn_parts_s"], r["pyagrum_parts_s"]
        print(f"{r['network']:8} {r['observed']:4d} "
              f"{r['tbn_s']:5.2f} [{a['load']:.2f}+{a['infer']:.2f}] "
              f"{r['pyagrum_s']:5.2f} [{b['load']:.2f}+{b['infer']:.2f}] {r['speedup']:6.2f} "
              f"{b['infer'] / a['infer']:11.1f} "
              f"{r['tbn_iterations']:4d}/{r['pyagrum_iterations']:<4d} "
              f"{str(r['tbn_converged'])[0]}/{str(r['pyagrum_converged'])[0]:>8} "
              f"{r['max_marginal_diff']:10.2e}")


if __name__ == "__main__":
    main()
