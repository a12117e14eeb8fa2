"""End-to-end sweeps: the local pool, MPI with 2 ranks and --cell give the same table; a sweep
killed mid-way and run again gives the table of an uninterrupted one; a failing cell is
recorded without stopping the others; bad sweep files exit 2 naming the axis; two sweeps
cannot write one directory."""

import csv
import fcntl
import os
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

import rnnscope

SWEEP = """
seeds = [1, 2]
combine = "product"
[base]
seed = 0
[base.task]
name = "perceptual_dm"
coherences = [12.8, 25.6, 51.2]
[base.model]
units = 16
[base.train]
batch_size = 16
max_steps = {steps}
eval_every = 20
eval_trials = 64
checkpoint_every = 20
target_accuracy = 2.0
[axes]
"model.units" = [8, 16]
"train.lr" = [0.003, 0.01]
"""

# Columns that depend on the run, not on what was computed.
TIMING = {"wall_seconds", "steps_per_second"}


def write_sweep(path, steps=40, extra=""):
    path.write_text(SWEEP.format(steps=steps) + extra)
    return path


def run(cli, *args, code=0, **kwargs):
    proc = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=600, **kwargs)
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc


def table(out):
    with open(out / "results.csv") as f:
        return [{k: v for k, v in row.items() if k not in TIMING} for row in csv.DictReader(f)]


def test_local_sweep_table_and_python_doors(cli, tmp_path):
    spec = write_sweep(tmp_path / "sweep.toml")
    listed = run(cli, "sweep", spec, "--list").stdout.splitlines()
    assert len(listed) == 8 and listed[0].startswith("0000  seed=1  model.units=8  train.lr=0.003")
    run(cli, "sweep", spec, "--out", tmp_path / "out", "-q")
    rows = table(tmp_path / "out")
    assert [r["cell"] for r in rows] == [f"{i:04d}" for i in range(8)]
    assert {r["status"] for r in rows} == {"done"} and {r["steps"] for r in rows} == {"40"}
    assert [r["model.units"] for r in rows] == ["8"] * 4 + ["16"] * 4
    # Each cell is an ordinary run directory with the config that made it.
    cfg = rnnscope.load_run(tmp_path / "out" / "cells" / "0005")["config"]
    assert cfg["model"]["units"] == 16 and cfg["train"]["lr"] == 0.003 and cfg["seed"] == 2
    with h5py.File(tmp_path / "out" / "results.h5") as f:
        assert f["model.units"].dtype == np.int64 and list(f["status"].asstr()[()]) == ["done"] * 8
    cols = rnnscope.load_sweep(tmp_path / "out", as_dataframe=False)
    np.testing.assert_array_equal(cols["model.units"], [8, 8, 8, 8, 16, 16, 16, 16])
    assert cols["final_accuracy"].shape == (8,) and (cols["status"] == "done").all()
    # Python runs the same sweep (resuming: nothing left to do) and gives the same table.
    again = rnnscope.sweep(str(spec), out=tmp_path / "out", progress=False, as_dataframe=False)
    np.testing.assert_array_equal(again["final_accuracy"], cols["final_accuracy"])
    cells = rnnscope.sweep(str(spec), list_cells=True)
    assert [c["values"]["train.lr"] for c in cells[:4]] == [0.003, 0.003, 0.01, 0.01]
    # The same sweep as a dict (keys in another order) gives the same cells.
    import tomllib
    as_dict = tomllib.loads(spec.read_text())
    as_dict["axes"] = dict(reversed(list(as_dict["axes"].items())))
    assert [c["values"] for c in rnnscope.sweep(as_dict, list_cells=True)] == [c["values"] for c in cells]


def test_killed_sweep_resumes_to_the_uninterrupted_table(cli, tmp_path):
    spec = write_sweep(tmp_path / "sweep.toml", steps=400)
    run(cli, "sweep", spec, "--out", tmp_path / "straight", "-q")
    out = tmp_path / "killed"
    proc = subprocess.Popen([cli, "sweep", str(spec), "--out", str(out), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if (out / "results.csv").exists() and "done" in (out / "results.csv").read_text():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = table(out)
    assert any(r["status"] == "done" for r in killed) and any(r["status"] == "pending" for r in killed)
    run(cli, "sweep", spec, "--out", out, "-q")
    assert table(out) == table(tmp_path / "straight")


def test_mpi_ranks_and_single_cells_give_the_local_table(cli, tmp_path):
    mpirun = shutil.which("mpirun")
    assert mpirun, "OpenMPI's mpirun is installed by scripts/install-deps.sh"
    spec = write_sweep(tmp_path / "sweep.toml")
    run(cli, "sweep", spec, "--out", tmp_path / "local", "-q")
    env = dict(os.environ, OMPI_MCA_rmaps_base_oversubscribe="1")
    proc = run(mpirun, "--allow-run-as-root", "--oversubscribe", "-np", 2, cli, "sweep", spec,
               "--out", tmp_path / "mpi", env=env)
    assert "2 ranks" in proc.stdout
    assert table(tmp_path / "mpi") == table(tmp_path / "local")
    # One cell per process, as SLURM array tasks run them.
    for i in range(8):
        run(cli, "sweep", spec, "--out", tmp_path / "cells", "--cell", i, "-q")
    assert table(tmp_path / "cells") == table(tmp_path / "local")
    run(cli, "sweep", spec, "--out", tmp_path / "cells", "--cell", 8, code=2)


def test_failing_cell_is_recorded_and_retried_on_request(cli, tmp_path):
    # tau = 5 ms is below the task's dt = 20 ms: that cell's model cannot be built.
    spec = write_sweep(tmp_path / "sweep.toml", extra='"model.tau" = [100.0, 5.0]\n')
    proc = run(cli, "sweep", spec, "--out", tmp_path / "out", "-q")
    assert "8 failed" in proc.stdout and "retry-failed" in proc.stdout
    rows = table(tmp_path / "out")
    # Axes combine in key order: model.tau is the outermost.
    assert [r["status"] for r in rows] == ["done"] * 8 + ["failed"] * 8
    assert all("tau must be >= task dt" in r["error"] for r in rows if r["status"] == "failed")
    again = run(cli, "sweep", spec, "--out", tmp_path / "out", "--retry-failed", "-q")
    assert "8 failed" in again.stdout


def test_bad_sweeps_and_a_second_sweep_are_refused(cli, tmp_path):
    def error(extra, needle):
        spec = write_sweep(tmp_path / "bad.toml", extra=extra)
        proc = run(cli, "sweep", spec, "--out", tmp_path / "bad", code=2)
        assert len(proc.stderr.strip().splitlines()) == 1 and needle in proc.stderr, proc.stderr
    error('"model.unitz" = [1, 2]\n', "axis 'model.unitz'")
    error('"train.batch_size" = []\n', "'train.batch_size': the axis is empty")
    error('"trian.lr" = [0.1]\n', "axis 'trian.lr'")
    error('[extra]\nx = 1\n', "unknown key 'extra'")
    error('"train.batch_size" = [-4]\n', "batch_size")

    spec = write_sweep(tmp_path / "sweep.toml")
    out = tmp_path / "busy"
    run(cli, "sweep", spec, "--list")
    os.makedirs(out)
    (out / "sweep.lock").touch()
    with open(out / "sweep.lock") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = run(cli, "sweep", spec, "--out", out, code=2)
        assert "another sweep is running" in proc.stderr
    # A directory holding another sweep is kept unless forced.
    run(cli, "sweep", spec, "--out", out, "-q")
    other = write_sweep(tmp_path / "other.toml", steps=20)
    proc = run(cli, "sweep", other, "--out", out, code=2)
    assert "holds another sweep" in proc.stderr and "--force" in proc.stderr
    with pytest.raises(ValueError, match="force=True"):
        rnnscope.sweep(str(other), out=out, progress=False)
