"""Ctrl-C during `tbn check`: exit 130, one line, and no check reported FAILED on the way out."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_ctrl_c_stops_the_gate_without_blaming_a_check():
    proc = subprocess.Popen([sys.executable, "-m", "tbn.cli", "check", "--no-lean"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    time.sleep(2.0)  # the workers are running checks by now (the whole gate takes ~10 s)
    if proc.poll() is not None:
        pytest.skip("the gate finished before the signal could be sent")
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends to the foreground group
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.decode().rstrip().splitlines()[-1] == "tbn: interrupted"
    assert b"FAILED" not in err and b"FAILED" not in out
