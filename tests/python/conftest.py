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


def toml_text(config: dict) -> str:
    """A run config dict as a TOML file's text (top-level values, then one table per section)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        return f'"{v}"' if isinstance(v, str) else repr(v)
    lines = [f"{k} = {value(v)}" for k, v in config.items() if not isinstance(v, dict)]
    for section, table in config.items():
        if isinstance(table, dict):
            lines += [f"[{section}]"] + [f"{k} = {value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
