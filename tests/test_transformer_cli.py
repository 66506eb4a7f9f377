"""`tbn infer --method transformer` and `tbn compile` from the command line."""
import json
from pathlib import Path

import numpy as np

from tbn.cli import main

DATING = str(Path(__file__).resolve().parent.parent / "examples" / "dating.toml")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_transformer_json_matches_bp_round_for_round(capsys):
    args = [DATING, "--json", "--tol", "0", "--max-iter", "7", "-e", "date=yes"]
    code, out, _ = run(capsys, "infer", *args, "--method", "transformer")
    assert code == 0
    got = json.loads(out)
    code, out, _ = run(capsys, "infer", *args, "--method", "bp")
    want = json.loads(out)
    assert got.keys() == want.keys() and got["iterations"] == want["iterations"] == 7
    for var, dist in want["marginals"].items():
        assert dist.keys() == got["marginals"][var].keys()
        assert all(abs(dist[s] - got["marginals"][var][s]) < 1e-12 for s in dist)


def test_transformer_at_30_digits_matches_bp(capsys):
    args = [DATING, "--json", "--precision", "30", "-e", "weather=sun"]
    got = json.loads(run(capsys, "infer", *args, "--method", "transformer")[1])
    want = json.loads(run(capsys, "infer", *args, "--method", "bp")[1])
    assert got["converged"] and got["iterations"] == want["iterations"]
    for var, dist in want["marginals"].items():
        for s, p in dist.items():
            assert isinstance(p, str) and abs(float(p) - float(got["marginals"][var][s])) < 1e-15


def forward(z, layer):
    """x + W2 act(W1 x + b1) + b2 from the .npz arrays alone (COO, repeated entries add)."""
    x, act = z
    pre = np.bincount(layer["w1_rows"], layer["w1_vals"] * x[layer["w1_cols"]],
                      minlength=len(layer["b1"])) + layer["b1"]
    h = np.logaddexp(0, pre) if act == "softplus" else pre
    return x + np.bincount(layer["w2_rows"], layer["w2_vals"] * h[layer["w2_cols"]],
                           minlength=len(x)) + layer["b2"]


def test_compiled_files_alone_reproduce_the_marginals(capsys, tmp_path):
    code, out, _ = run(capsys, "compile", DATING, "-o", str(tmp_path / "w.npz"), "--json",
                       "-e", "date=yes")
    assert code == 0
    summary = json.loads(out)
    layout = json.loads(Path(summary["layout"]).read_text())
    arrays = np.load(summary["weights"])
    T = 7
    x = np.zeros(layout["width"])
    for t in range(1, T + 1):
        b = min(t, len(layout["blocks"])) - 1
        for l, spec in enumerate(layout["blocks"][b]):
            layer = {k[len(f"block{b}_layer{l}_"):]: arrays[k] for k in arrays.files
                     if k.startswith(f"block{b}_layer{l}_")}
            x = forward((x, spec["activation"]), layer)
    beliefs = {}
    for i, var in enumerate(layout["variables"]):
        allowed = set(range(len(var["states"])))
        if var["name"] in layout["evidence"]:
            allowed &= {layout["evidence"][var["name"]]}
        logb = np.zeros(len(var["states"]))
        for m in layout["messages"]:
            if m["variable"] == var["name"]:
                allowed &= set(m["support_by_block"][min(T, len(layout["blocks"])) - 1])
                logb += x[m["first_dim"]:m["first_dim"] + len(var["states"])]
        p = np.array([np.exp(logb[s] - logb.max()) if s in allowed else 0.0
                      for s in range(len(var["states"]))])
        beliefs[var["name"]] = dict(zip(var["states"], p / p.sum()))
    code, out, _ = run(capsys, "infer", DATING, "--json", "--method", "transformer", "--tol", "0",
                       "--max-iter", str(T), "-e", "date=yes")
    want = json.loads(out)["marginals"]
    for var, dist in want.items():
        assert all(abs(dist[s] - beliefs[var][s]) < 1e-12 for s in dist)


def test_bad_input_exits_2_with_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "compile", str(tmp_path / "none.toml"), "-o", str(tmp_path / "w"))
    assert code == 2 and out == "" and err.count("\n") == 1
    code, _, err = run(capsys, "infer", DATING, "--method", "transformer", "--damping", "0.5")
    assert code == 2 and "damping" in err
    code, _, err = run(capsys, "compile", DATING, "-o", str(tmp_path / "w"), "-e", "date=maybe")
    assert code == 2 and "date" in err
