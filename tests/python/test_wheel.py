"""Installs where users live: the wheel `pip wheel . --no-build-isolation` builds installs into
a fresh virtual environment that has torch==2.13.0, and gives the `rnnscope` command and
module with no other step (README, "Into your own virtual environment").

The wheel is built in the project's fixed build directory (pyproject.toml), with the same
CMake options as `make`, so that it reuses the build instead of compiling everything again.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import SMALL_CONFIG, toml_text

ROOT = Path(__file__).resolve().parents[2]


def run(*command, cwd=None, timeout=900):
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def test_the_wheel_installs_into_a_fresh_environment_with_torch(tmp_path):
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", ".", "--no-build-isolation", "--no-deps", "-q", "-w", wheels,
        "-Ccmake.define.RNNSCOPE_BUILD_TESTS=ON", cwd=ROOT)
    (wheel,) = wheels.glob("rnnscope-*.whl")

    env = tmp_path / "env"
    run(sys.executable, "-m", "venv", env)
    python = env / "bin" / "python"
    # The user's environment: torch==2.13.0 (and what rnnscope needs beside it) already there.
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "torch==2.13.0", "numpy", "h5py")
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", wheel)

    assert run(env / "bin" / "rnnscope", "--version").strip() == "rnnscope 0.1.0"
    config = tmp_path / "tiny.toml"
    config.write_text(toml_text(SMALL_CONFIG))
    run(env / "bin" / "rnnscope", "train", config, "--out", tmp_path / "run", "-q")
    assert (tmp_path / "run" / "model.h5").exists()
    # Imported from the installed wheel, not from the checkout.
    where = run(python, "-c", "import rnnscope, sys; print(rnnscope.__file__); "
                "print(rnnscope.load_run(sys.argv[1])['summary']['status'])", tmp_path / "run", cwd=tmp_path)
    path, status = where.split()
    assert Path(path).is_relative_to(env) and status == "finished"
