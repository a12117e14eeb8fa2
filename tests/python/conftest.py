import os
import shutil
import sys

import pytest


@pytest.fixture(scope="session")
def cli() -> str:
    """Path of the `rnnscope` program installed beside this Python."""
    path = os.path.join(os.path.dirname(sys.executable), "rnnscope")
    if not os.path.exists(path):
        path = shutil.which("rnnscope")
    assert path, "the rnnscope CLI is not installed (run `make`)"
    return path


SMALL_CONFIG = {
    "seed": 3,
    "task": {"name": "perceptual_dm"},
    "model": {"units": 24},
    "train": {"batch_size": 16, "max_steps": 20, "eval_every": 10, "eval_trials": 32,
              "threads": 1, "target_accuracy": 2.0},
}
