"""Training survives SIGKILL: killed at random moments and resumed each time, a run ends with
the same model.h5 and history.h5 as an uninterrupted run (every dataset bit for bit; only
history's wall-clock times differ), and after every kill each file in the run directory is
complete. Two processes never train into one run directory: the second is refused while the
first lives, and a killed first leaves no stale lock. (docs/reliability.md)"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

from conftest import SMALL_CONFIG, toml_text

CONFIG = toml_text({**SMALL_CONFIG, "seed": 4, "model": {"units": 16},
                    "train": {**SMALL_CONFIG["train"], "batch_size": 8, "max_steps": 120, "eval_trials": 16,
                              "checkpoint_every": 3}})
KILLS = 10


def h5_contents(path):
    """Every dataset (raw bytes, dtype and shape) and attribute of an HDF5 file."""
    out = {}
    with h5py.File(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                value = obj[()]
                out[name] = (value.dtype.str, value.shape, np.ascontiguousarray(value).tobytes())
        f.visititems(visit)
        for key, value in f.attrs.items():
            out["@" + key] = value.tobytes() if isinstance(value, np.ndarray) else value
    return out


def assert_complete(run):
    """Each file of the run directory reads whole (a kill must never leave half a file)."""
    if not run.exists():
        return  # killed before it was made
    for path in run.iterdir():
        if ".tmp." in path.name or path.name == ".lock":
            continue  # an abandoned temporary file (never read), or the lock
        if path.suffix == ".h5":
            h5_contents(path)
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".toml" and tomllib:
            tomllib.loads(path.read_text())


def train(cli, *args):
    return subprocess.Popen([cli, "train", *map(str, args), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_killed_and_resumed_training_ends_bit_identical(cli, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    start = time.monotonic()
    straight = train(cli, config, "--out", tmp_path / "straight")
    assert straight.wait(timeout=120) == 0, straight.stderr.read()
    duration = time.monotonic() - start

    run = tmp_path / "killed"
    chooser = random.Random(20261202)
    kills = 0
    while True:
        started = (run / "config.toml").exists()
        proc = train(cli, "--out", run, "--resume") if started else train(cli, config, "--out", run, "--force")
        if kills < KILLS:
            time.sleep(chooser.uniform(0.3, 0.9) * duration)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                kills += 1
                assert_complete(run)
                continue
        code = proc.wait(timeout=120)
        stderr = proc.stderr.read()
        # Finished: now, or by a process killed after its last write ("already finished").
        finished = code == 0 or (code == 2 and "already finished" in stderr)
        if finished and kills >= KILLS:
            break
        if finished:
            (run / "config.toml").unlink()  # finished before the kills were done: train it again
            continue
        # Killed before the first checkpoint: the run can only be started again.
        assert code == 2 and "checkpoint" in stderr, stderr
        (run / "config.toml").unlink()
    assert kills == KILLS
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"
    for name in ["model.h5", "history.h5"]:
        a, b = h5_contents(tmp_path / "straight" / name), h5_contents(run / name)
        if name == "history.h5":
            a.pop("wall_seconds"), b.pop("wall_seconds")  # wall-clock time, not a result
        assert a.keys() == b.keys(), name
        for key in a:
            assert a[key] == b[key], f"{name}: {key} differs"


def test_a_second_process_is_refused_while_the_first_lives(cli, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.replace("max_steps = 120", "max_steps = 100000"))
    run = tmp_path / "run"
    first = train(cli, config, "--out", run)
    try:
        deadline = time.monotonic() + 60
        while not (run / "checkpoint.pt").exists():
            assert first.poll() is None and time.monotonic() < deadline, first.stderr.read()
            time.sleep(0.05)
        for args in (["--out", run, "--resume"], [config, "--out", run, "--force"]):
            second = subprocess.run([cli, "train", *map(str, args), "-q"], capture_output=True, text=True,
                                    timeout=60)
            assert second.returncode == 2, second.stderr
            assert "another process is writing" in second.stderr, second.stderr
        assert first.poll() is None  # the refused processes touched nothing of the first's
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    # The lock died with its holder: a resume gets past it (and stops at its own check).
    resumed = subprocess.run([cli, "train", "--out", str(run), "--resume", "--stop-after", "1", "-q"],
                             capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 2 and "has already done" in resumed.stderr, resumed.stderr


def test_checkpoint_every_zero_keeps_no_checkpoint_once_finished(cli, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.replace("checkpoint_every = 3", "checkpoint_every = 0")
                      .replace("max_steps = 120", "max_steps = 6"))
    stopped = train(cli, config, "--out", tmp_path / "run", "--stop-after", "3")
    assert stopped.wait(timeout=60) == 0, stopped.stderr.read()
    assert (tmp_path / "run" / "checkpoint.pt").exists()  # needed to resume a stopped run
    resumed = train(cli, "--out", tmp_path / "run", "--resume")
    assert resumed.wait(timeout=60) == 0, resumed.stderr.read()
    assert not (tmp_path / "run" / "checkpoint.pt").exists()
    again = subprocess.run([cli, "train", "--out", str(tmp_path / "run"), "--resume"], capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 2 and "already finished" in again.stderr, again.stderr
