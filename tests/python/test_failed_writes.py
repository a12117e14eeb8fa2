"""A write that fails — a full disk (ENOSPC) or a read-only file system (EROFS) — is one clear
error naming the file (CLI: exit 2, one line; Python: ValueError), and leaves the previous
files byte-identical with no temporary file behind. The failure is injected by a test-only
LD_PRELOAD shim (tests/cpp/fail_writes.c, built with the C++ tests): we run as root, where a
read-only directory does not stop writes. (docs/reliability.md)"""

import os
import pathlib
import subprocess
import sys

import h5py
import pytest

from conftest import SMALL_CONFIG, toml_text

REPO = pathlib.Path(__file__).resolve().parents[2]
SHIM = REPO / "build" / "release" / "tests" / "cpp" / "libfail_writes.so"
CONFIG = toml_text({**SMALL_CONFIG, "train": {**SMALL_CONFIG["train"], "max_steps": 12, "eval_every": 4,
                                               "checkpoint_every": 4}})


def preload():
    """The shim after what is preloaded already (make test-sanitize preloads libasan, which
    must come first)."""
    return " ".join(filter(None, [os.environ.get("LD_PRELOAD"), str(SHIM)]))


def run(cli, *args, fail=None):
    env = dict(os.environ)
    if fail:
        assert SHIM.exists(), f"{SHIM} is missing: build the C++ tests (make build)"
        env["LD_PRELOAD"] = preload()
        env["RNNSCOPE_FAIL_WRITES"] = fail
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=600, env=env)


def snapshot(directory):
    """Every file of a directory (the lock file aside) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(pathlib.Path(directory).iterdir()) if p.name != ".lock"}


def assert_failed_cleanly(proc, needle, after, before):
    """Exit 2 with one line naming the file; `after` (a snapshot) equal to `before`, no temporary."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "cannot write" in lines[0] and needle in lines[0], lines[0]
    assert not [name for name in after if ".tmp." in name], sorted(after)
    assert after == before, "the previous files changed"


@pytest.fixture(scope="module")
def finished_run(cli, tmp_path_factory):
    root = tmp_path_factory.mktemp("failed_writes")
    config = root / "c.toml"
    config.write_text(CONFIG)
    run_dir = root / "run"
    proc = run(cli, "train", config, "--out", run_dir, "-q")
    assert proc.returncode == 0, proc.stderr
    return run_dir


@pytest.mark.parametrize("failing", ["checkpoint.pt", "model.h5", "history.h5", "summary.json"])
def test_train_whose_write_fails_exits_2_and_keeps_the_file(cli, tmp_path, failing):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    run_dir = tmp_path / "run"
    # Stopped after its first checkpoint; resuming writes checkpoints, then the outputs.
    assert run(cli, "train", config, "--out", run_dir, "--stop-after", 4, "-q").returncode == 0
    before = snapshot(run_dir)
    proc = run(cli, "train", "--out", run_dir, "--resume", "-q", fail=f"ENOSPC:{run_dir}/{failing}")
    after = snapshot(run_dir)
    # The files written before the failure are new (a later checkpoint); the failed one is as it was.
    assert_failed_cleanly(proc, str(run_dir / failing), after, after)
    assert after.get(failing) == before.get(failing)
    if failing == "checkpoint.pt":  # the first write of a resume but model.h5, written just before it
        assert {k: v for k, v in after.items() if k != "model.h5"} == {
            k: v for k, v in before.items() if k != "model.h5"}
    # Nothing lost: with room again, the run resumes and finishes (also when its last
    # checkpoint was at max_steps and only the outputs were missing: no step is taken then).
    proc = run(cli, "train", "--out", run_dir, "--resume", "-q")
    assert proc.returncode == 0, proc.stderr
    with h5py.File(run_dir / "model.h5") as f:
        assert f.attrs["finished"] == 1 and f.attrs["step"] == 12


@pytest.mark.parametrize("mode", ["ENOSPC", "EROFS"])
def test_eval_out_whose_write_fails_keeps_the_previous_file(cli, finished_run, tmp_path, mode):
    out = tmp_path / "eval.h5"
    assert run(cli, "eval", finished_run, "--trials", 5, "--out", out).returncode == 0
    before = snapshot(tmp_path)
    proc = run(cli, "eval", finished_run, "--trials", 5, "--seed", 9, "--out", out, "--force",
               fail=f"{mode}:{out}")
    assert_failed_cleanly(proc, str(out), snapshot(tmp_path), before)


@pytest.mark.parametrize("mode", ["ENOSPC", "EROFS"])
def test_ph_out_whose_write_fails_keeps_the_previous_file(cli, tmp_path, mode):
    cloud = tmp_path / "cloud.txt"
    cloud.write_text("0 0\n1 0\n0 1\n1 1\n")
    out = tmp_path / "bars.h5"
    assert run(cli, "ph", cloud, "--format", "point-cloud", "--out", out).returncode == 0
    before = snapshot(tmp_path)
    proc = run(cli, "ph", cloud, "--format", "point-cloud", "--dim", 0, "--out", out, "--force",
               fail=f"{mode}:{out}")
    assert_failed_cleanly(proc, str(out), snapshot(tmp_path), before)


@pytest.mark.parametrize("mode", ["ENOSPC", "EROFS"])
def test_python_ph_out_whose_write_fails_raises_value_error(tmp_path, mode):
    import numpy as np
    import rnnscope

    out = tmp_path / "bars.h5"
    rnnscope.ph(np.eye(3, 2), out=out)
    before = snapshot(tmp_path)
    script = ("import numpy as np, rnnscope\n"
              "try:\n"
              f"    rnnscope.ph(np.eye(3, 2), maxdim=0, out={str(out)!r}, force=True)\n"
              "except ValueError as e:\n"
              "    print('ValueError:', e)\n")
    assert SHIM.exists(), f"{SHIM} is missing: build the C++ tests (make build)"
    env = {**os.environ, "LD_PRELOAD": preload(), "RNNSCOPE_FAIL_WRITES": f"{mode}:{out}"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ValueError: cannot write " + str(out)), proc.stdout + proc.stderr
    assert snapshot(tmp_path) == before
