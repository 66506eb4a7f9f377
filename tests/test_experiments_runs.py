"""`tbn reproduce NAME --size tiny`: each command end to end, and its usage errors."""
import importlib.util
import json

import pytest

from tbn import cli

HAVE_TORCH = importlib.util.find_spec("torch") is not None
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["loopy", "windtunnel", "table1"])
def test_tiny_run_writes_json_plots_and_summary(name, tmp_path, capsys):
    argv = ["reproduce", name, "--size", "tiny", "--seed", "3", "--out", str(tmp_path), "--json"]
    if not HAVE_TORCH:
        argv.append("--no-train")
    assert cli.main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["experiment"] == name and record["seed"] == 3 and record["size"] == "tiny"
    assert record["wall_time_s"] >= 0 and record["versions"]["numpy"]
    assert json.loads((tmp_path / f"{name}.json").read_text()) == record
    summary = (tmp_path / f"{name}.md").read_text()
    assert record["command"] in summary
    assert record["plots"] or (name == "table1" and not HAVE_TORCH)   # its plots are of training
    for png in record["plots"]:
        assert (tmp_path / png).read_bytes().startswith(PNG)
        assert f"]({png})" in summary
    if name == "loopy":
        assert set(record["results"]["table4"]) == {"triangle", "square", "dating", "two_loops",
                                                    "qbbn_chain"}
    if HAVE_TORCH and name != "loopy":
        assert "torch" in record["versions"]


@pytest.mark.parametrize("argv, message", [
    (["reproduce", "loopy", "--seed", "-1"], "nonnegative"),
    (["reproduce", "loopy", "--full", "--size", "tiny"], "contradicts"),
])
def test_usage_errors_exit_2_with_one_line(argv, message, tmp_path, capsys):
    assert cli.main(argv + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_output_path_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["reproduce", "loopy", "--size", "tiny", "--out", str(blocker)]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err
    assert cli.main(["reproduce", "loopy", "--size", "tiny", "--out", str(blocker / "sub")]) == 2
    assert "cannot create output directory" in capsys.readouterr().err


def test_unknown_experiment_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["reproduce", "table9"])
    assert exc.value.code == 2


def test_no_train_skips_every_trained_part(tmp_path, capsys):
    argv = ["reproduce", "windtunnel", "--size", "tiny", "--no-train", "--out", str(tmp_path), "--json"]
    assert cli.main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["command"].endswith("--no-train")
    assert "trained" not in record["results"]["bijection"] and "trained" not in record["results"]["hmm"]
    assert record["results"]["bijection"]["constructed"]["margin_100_float64"]["kl_bits"] == 0
