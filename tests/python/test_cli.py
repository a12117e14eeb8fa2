"""End-to-end tests of the `rnnscope` program: tasks, train, eval, and bad input (exit 2,
one line on stderr, no stack trace)."""

import json
import subprocess

import h5py
import pytest

SMALL_TOML = """
seed = 5
[task]
name = "perceptual_dm"
[model]
units = 16
[train]
batch_size = 8
max_steps = 6
eval_every = 3
eval_trials = 16
threads = 1
target_accuracy = 2.0
"""


def run(cli, *args, check_code=None):
    proc = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check_code is not None:
        assert proc.returncode == check_code, proc.stderr + proc.stdout
    return proc


def assert_one_line_error(proc, needle):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0], lines[0]


@pytest.mark.parametrize("command", [[], ["tasks"], ["train"], ["eval"], ["ph"], ["rtd"], ["models"], ["sweep"],
                                     ["analyze-learning"], ["analyze"], ["report"], ["snn"], ["snn", "simulate"], ["snn", "train"],
                                     ["snn", "eval"]])
def test_help_everywhere(cli, command):
    proc = run(cli, *command, "--help", check_code=0)
    assert "Usage" in proc.stdout or "usage" in proc.stdout.lower()


def test_tasks_list_and_show(cli):
    out = run(cli, "tasks", check_code=0).stdout
    for name in ["perceptual_dm", "context_dm", "delayed_match", "n_parity", "interval_reproduction", "centre_out_reach"]:
        assert name in out
    shown = run(cli, "tasks", "show", "delayed_match", check_code=0).stdout
    assert "delay" in shown
    assert_one_line_error(run(cli, "tasks", "show", "nope"), "unknown task")


def test_train_eval_files(cli, tmp_path):
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL_TOML)
    out = tmp_path / "run"
    proc = run(cli, "train", cfg, "--out", out, "--set", "model.activation=tanh", check_code=0)
    assert "final accuracy" in proc.stdout
    assert "step 6/6" in proc.stderr  # progress lines
    for name in ["config.toml", "summary.json", "history.h5", "model.h5", "checkpoint.pt"]:
        assert (out / name).exists(), name
    assert "activation = 'tanh'" in (out / "config.toml").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 6 and summary["seed"] == 5
    with h5py.File(out / "model.h5") as f:
        assert f["W_rec"].shape == (16, 16)
        assert f.attrs["activation"] == "tanh"
        assert f.attrs["model"] == "ctrnn"
        assert 0 < f.attrs["alpha"] <= 1
    with h5py.File(out / "history.h5") as f:
        assert list(f["step"][:]) == [3, 6]

    ev = tmp_path / "eval.h5"
    run(cli, "eval", out, "--trials", 7, "--out", ev, "--no-noise", "--seed", 2, check_code=0)
    with h5py.File(ev) as f:
        T = f["inputs"].shape[1]
        assert f["states"].shape == (7, T, 16)
        assert f["outputs"].shape[0:2] == (7, T)
        assert f["correct"].shape == (7,)
        assert "ground_truth" in f["conditions"]
        # Provenance: what was evaluated and how.
        assert f.attrs["run"] == str(out) and f.attrs["task"] == "perceptual_dm" and f.attrs["trials"] == 7
        assert not f.attrs["noise"] and f.attrs["seed"] == 2 and f.attrs["version"]
        assert f.attrs["loss_kind"] == "cross_entropy" and f.attrs["loss"] > 0
    # Same seed, same file content.
    ev2 = tmp_path / "eval2.h5"
    run(cli, "eval", out, "--trials", 7, "--out", ev2, "--no-noise", "--seed", 2, check_code=0)
    with h5py.File(ev) as a, h5py.File(ev2) as b:
        assert (a["outputs"][:] == b["outputs"][:]).all()
    assert_one_line_error(run(cli, "eval", out, "--trials", 7, "--out", ev), "--force")

    # An existing run directory is never overwritten without --force; --force removes the
    # run's own files (and a killed writer's temporaries) and keeps the user's.
    assert_one_line_error(run(cli, "train", cfg, "--out", out), "--force")
    (out / "notes.txt").write_text("mine")
    (out / "history.h5.tmp.4242").write_text("left by a killed process")
    run(cli, "train", cfg, "--out", out, "--force", "-q", "--set", "train.max_steps=3", check_code=0)
    assert (out / "notes.txt").read_text() == "mine" and ev.exists() is True
    assert not (out / "history.h5.tmp.4242").exists()
    assert json.loads((out / "summary.json").read_text())["steps"] == 3


@pytest.mark.parametrize("toml, needle", [
    ("seed = 1\n[task]\nname = \"perceptual_dm\"\n[model]\nunits = 0\n", "units"),
    ("seed = 1\n[task]\nname = \"nope\"\n", "unknown task"),
    ("seed = 1\n[task]\nname = \"perceptual_dm\"\ndt = -1\n", "dt"),
    ("seed = 1\n[task]\nname = \"perceptual_dm\"\n[model]\nunits = 8\nbogus = 2\n", "unknown key 'bogus'"),
    ("seed = 1\n[task]\nname = \"perceptual_dm\"\n[train]\nlr = nan\n", "lr"),
    ("seed = 1\n[task]\nname = \"perceptual_dm\"\n[model]\nactivation = \"sigmoid\"\n", "relu"),
    ("seed = 1\n[task\nname = 3\n", "invalid TOML"),
    ("[model]\nunits = 8\n", "[task] name is required"),
    ("seed = 1\n[task]\nname = \"perceptual_dm\"\n[model]\nunits = \"many\"\n", "expected integer"),
])
def test_bad_configs_exit_2_with_one_line(cli, tmp_path, toml, needle):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    assert_one_line_error(run(cli, "train", cfg, "--out", tmp_path / "r"), needle)
    assert not (tmp_path / "r").exists()


def test_a_mistyped_command_is_named_with_the_closest_and_the_list(cli):
    proc = run(cli, "trian")
    assert_one_line_error(proc, "unknown command 'trian'; did you mean 'train'?")
    assert "eval" in proc.stderr and "experiment" in proc.stderr
    assert_one_line_error(run(cli, "zzzzzz"), "unknown command 'zzzzzz'. Commands: tasks, train")


def test_ph_inputs_named_the_way_users_slip(cli, tmp_path):
    cloud = tmp_path / "cloud.h5"
    with h5py.File(cloud, "w") as f:
        f["points"] = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    assert_one_line_error(run(cli, "ph", cloud), f"'{cloud}' is an HDF5 file: name the dataset, as "
                                                 f"FILE.h5:/DATASET (it holds {cloud}:/points)")
    assert_one_line_error(run(cli, "ph", f"{cloud}:points"), f"name the dataset with a leading /, as "
                                                             f"FILE.h5:/DATASET ({cloud}:/points)")
    assert_one_line_error(run(cli, "ph", tmp_path / "none.txt"), "no such file")
    assert run(cli, "ph", f"{cloud}:/points", check_code=0).stdout


def test_missing_inputs_exit_2(cli, tmp_path):
    assert_one_line_error(run(cli, "train", tmp_path / "none.toml", "--out", tmp_path / "r"), "not found")
    assert_one_line_error(run(cli, "eval", tmp_path / "norun"), "not found")
    assert_one_line_error(run(cli, "train", "--out", tmp_path / "r2", "--resume"), "cannot resume")
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL_TOML)
    assert_one_line_error(run(cli, "train", cfg, "--out", tmp_path / "r3", "--set", "model.units"), "--set")
    assert run(cli, "train", cfg).returncode == 2  # --out is required


def test_eval_refuses_a_model_with_nan_weights(cli, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(SMALL_TOML)
    out = tmp_path / "run"
    run(cli, "train", cfg, "--out", out, "-q", check_code=0)
    with h5py.File(out / "model.h5", "r+") as f:
        w = f["W_rec"][()]
        w[0, 0] = float("nan")
        f["W_rec"][...] = w
    assert_one_line_error(run(cli, "eval", out, "--trials", 4), "model.h5:/W_rec holds NaN")
    import rnnscope
    with pytest.raises(ValueError, match="W_rec holds NaN"):
        rnnscope.evaluate(out, trials=4)


def test_published_rate_form_trains_with_a_skip_method_and_evaluates(cli, tmp_path):
    """configs/soo2023.toml (the rate form, docs/model.md) with SCTT (docs/long_deps.md): the
    schedule is recorded per evaluation, model.h5 names the form, and eval runs the network."""
    from pathlib import Path

    config = Path(__file__).resolve().parents[2] / "configs" / "soo2023.toml"
    out = tmp_path / "run"
    run(cli, "train", config, "--out", out, "--set", "train.method=sctt", "--set", "train.stages=2",
        "--set", "train.stage_steps=2", "--set", "train.beta_init=0.5", "--set", "train.max_steps=6",
        "--set", "train.eval_every=2", "--set", "train.eval_trials=8", "--set", "train.threads=1", check_code=0)
    with h5py.File(out / "history.h5") as f:
        assert list(f["schedule/stage"][:]) == [0, 1, 2]
        assert list(f["schedule/beta"][:]) == [0.5, 0.75, 1.0]
        assert list(f["schedule/theta"][:]) == [10, 10, 1]
    with h5py.File(out / "model.h5") as f:
        assert f.attrs["form"] == "rate" and f.attrs["readout"] == "sigmoid"
        assert list(f["alpha"][:]).count(f["alpha"][0]) == 40  # the last 10 of 50 units are fast
        assert not f["W_in"][20:].any() and not f["W_out"][:, :20].any() and not f["W_out"][:, 40:].any()
    ev = tmp_path / "eval.h5"
    run(cli, "eval", out, "--trials", 4, "--out", ev, "--no-noise", check_code=0)
    with h5py.File(ev) as f:
        assert f["states"].shape[0] == 4 and f["states"].shape[2] == 50
        assert ((f["outputs"][:] >= 0) & (f["outputs"][:] < 1)).all()  # the sigmoid readout (padding: 0)
    # The method is part of what was learned: a resumed run may not change it.
    proc = run(cli, "train", "--out", out, "--resume", "--set", "train.method=dasc")
    assert proc.returncode == 2 and "train.method" in proc.stderr


def test_coarsened_discretisation_records_its_dt_multiples(cli, tmp_path):
    """train.method = "cd" (docs/long_deps.md): dt·θ first, then the base dt; β stays 1."""
    from pathlib import Path

    config = Path(__file__).resolve().parents[2] / "configs" / "soo2023.toml"
    out = tmp_path / "run"
    run(cli, "train", config, "--out", out, "--set", "train.method=cd", "--set", "train.skip_steps=4",
        "--set", "train.stage_steps=2", "--set", "train.max_steps=4", "--set", "train.eval_every=2",
        "--set", "train.eval_trials=8", "--set", "train.threads=1", check_code=0)
    with h5py.File(out / "history.h5") as f:
        assert list(f["schedule/theta"][:]) == [4, 1] and list(f["schedule/beta"][:]) == [1, 1]
    # dt·θ beyond the fast units' τ/2 = 50 ms is refused by name.
    proc = run(cli, "train", config, "--out", tmp_path / "bad", "--set", "train.method=cd",
               "--set", "train.skip_steps=11", "--set", "train.max_steps=2", "--set", "train.threads=1")
    assert proc.returncode == 2 and "train.skip_steps" in proc.stderr
