"""Where the tests find the bnlearn networks: the pgmpy 1.1.0 wheel ships them as .bif.gz.

pgmpy is located, never imported (importing it takes seconds); a test that needs a network
the machine lacks is skipped with the reason.
"""
import importlib.util
import os

import pytest


def bnlearn_path(name: str) -> str:
    """The path of the bnlearn network ``name`` (``<name>.bif.gz``), or skip the test."""
    spec = importlib.util.find_spec("pgmpy")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the bnlearn networks ship in the pgmpy wheel (pip install pgmpy==1.1.0)")
    path = os.path.join(spec.submodule_search_locations[0], "utils", "example_models",
                        f"{name}.bif.gz")
    if not os.path.exists(path):
        pytest.skip(f"this pgmpy wheel ships no {name}.bif.gz (pgmpy 1.1.0 does)")
    return path
