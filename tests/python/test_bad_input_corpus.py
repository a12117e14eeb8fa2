"""The bad-input corpus: one row per bad input, through every door and every kind of input.

Each CLI row must exit 2 with exactly one line on stderr that holds the row's fragment (what
was wrong and where); each Python row must raise the documented exception (ValueError,
FileNotFoundError, MemoryError) with the fragment in its message. Never a crash (exit 1,
a signal), a hang, or exit 0 with a wrong answer. New capabilities add their inputs here.

A row is (id, args, files, fragment): `args` may use {tmp} (the row's own directory) and
{run} (a copy of a trained run directory, made by a `files` entry); `files` maps a path
under {tmp} to what it holds (text, bytes, an H5 spec) or is a function of (tmp, runs).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field

import h5py
import numpy as np
import pytest

import rnnscope

TINY = """seed = 1
[task]
name = "perceptual_dm"
[model]
units = 8
[train]
batch_size = 4
max_steps = 4
eval_every = 0
eval_trials = 8
checkpoint_every = 1
threads = 1
target_accuracy = 2.0
"""
TINY_CONFIG = {
    "seed": 1,
    "task": {"name": "perceptual_dm"},
    "model": {"units": 8},
    "train": {"batch_size": 4, "max_steps": 4, "eval_every": 0, "eval_trials": 8, "checkpoint_every": 1,
              "threads": 1, "target_accuracy": 2.0},
}


def toml(**changes) -> str:
    """TINY with lines replaced or added: changes maps "section.key" (or "key") to a raw TOML value;
    None removes the key."""
    lines = TINY.splitlines()
    for name, value in changes.items():
        section, _, key = name.rpartition(".")
        header = f"[{section}]" if section else None
        start = lines.index(header) + 1 if header in lines else 0
        if header and header not in lines:
            lines.append(header)
            start = len(lines)
        end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
        found = next((i for i in range(start, end) if lines[i].split("=")[0].strip() == key), None)
        if found is not None:
            del lines[found]
            end -= 1
        if value is not None:
            lines.insert(end if header else 0, f"{key} = {value}")
    return "\n".join(lines) + "\n"


@dataclass
class H5:
    """An HDF5 file: datasets by name, and attributes per dataset."""
    datasets: dict
    attrs: dict = field(default_factory=dict)

    def write(self, path):
        with h5py.File(path, "w") as f:
            for name, value in self.datasets.items():
                f[name] = value
            for name, attrs in self.attrs.items():
                f[name].attrs.update(attrs)


def copy_run(kind: str, *edits):
    """The files entry that copies a trained run ("finished", "stopped", "other") to {tmp}/run,
    then applies the edits (functions of the copied directory)."""
    def make(tmp, runs):
        shutil.copytree(runs[kind], tmp / "run")
        for edit in edits:
            edit(tmp / "run", runs)
    return make


def remove(name):
    return lambda run, runs: (run / name).unlink()


def truncate(name, keep=0.5):
    def edit(run, runs):
        data = (run / name).read_bytes()
        (run / name).write_bytes(data[: int(len(data) * keep)])
    return edit


def foreign(name):
    """Replaces a file of the run by the same file of a run with another config."""
    return lambda run, runs: shutil.copy(runs["other"] / name, run / name)


def overwrite(name, text):
    return lambda run, runs: (run / name).write_text(text)


def poison(name, dataset, value):
    def edit(run, runs):
        with h5py.File(run / name, "r+") as f:
            a = f[dataset][()]
            a.flat[0] = value
            f[dataset][...] = a
    return edit


rng = np.random.default_rng(0)
CLOUD = rng.normal(size=(12, 3))
DIST = np.sqrt(((CLOUD[:, None] - CLOUD[None]) ** 2).sum(-1))


def with_entry(matrix, i, j, value, symmetric=False):
    m = matrix.copy()
    m[i, j] = value
    if symmetric:
        m[j, i] = value
    return m


def with_nan(a, value=np.nan):
    a = a.copy()
    a.flat[1] = value
    return a


RECORDINGS = rng.normal(size=(4, 5, 3))

# (id, args, files, fragment). The fragment names what was wrong and where.
CLI_CASES = [
    # TOML configs
    ("toml-syntax", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": "seed = 1\n[task\nname = 3\n"},
     "invalid TOML"),
    ("toml-unknown-top-key", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": toml(sed="1")},
     "unknown key 'sed'"),
    ("toml-unknown-train-key", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"train.batchsize": "3"})}, "batchsize"),
    ("toml-unknown-task-key", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": toml(**{"task.foo": "1"})},
     "foo"),
    ("toml-wrong-type-string", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"train.batch_size": '"16"'})}, "batch_size"),
    ("toml-wrong-type-float-for-int", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"train.max_steps": "1.5"})}, "max_steps"),
    ("toml-wrong-type-bool", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"model.dale": '"yes"'})}, "dale"),
    ("toml-out-of-range", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": toml(**{"train.batch_size": "0"})},
     "batch_size"),
    ("toml-negative-seed", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": toml(seed="-1")}, "seed"),
    ("toml-nan", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": toml(**{"train.lr": "nan"})}, "lr"),
    ("toml-inf", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": toml(**{"model.tau": "inf"})}, "tau"),
    ("toml-checkpoint-negative", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"train.checkpoint_every": "-1"})}, "checkpoint_every"),
    ("toml-unknown-task", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"task.name": '"nosuch"'})}, "task.name"),
    ("toml-missing-task", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": "[model]\nunits = 8\n"},
     "[task] name is required"),
    ("toml-unknown-model-type", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"model.type": '"transformer"'})}, "transformer"),
    ("toml-gru-noise", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"model.type": '"gru"', "model.noise": "0.1"})}, "noise"),
    ("toml-lstm-activation", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"model.type": '"lstm"', "model.activation": '"tanh"'})}, "activation"),
    ("toml-bad-activation", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"],
     {"c.toml": toml(**{"model.activation": '"sigmoid"'})}, "relu"),
    ("toml-missing-file", ["train", "{tmp}/none.toml", "--out", "{tmp}/r"], {}, "none.toml"),
    ("toml-binary-garbage", ["train", "{tmp}/c.toml", "--out", "{tmp}/r"], {"c.toml": b"\x00\xff\xfe garbage"},
     "c.toml"),
    # --set
    ("set-not-a-number", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--set", "train.batch_size=abc"],
     {"c.toml": TINY}, "batch_size"),
    ("set-unknown-section", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--set", "nosuch.x=1"],
     {"c.toml": TINY}, "nosuch"),
    ("set-unknown-key", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--set", "train.unknown=1"],
     {"c.toml": TINY}, "unknown"),
    ("set-nan", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--set", "train.lr=nan"], {"c.toml": TINY}, "lr"),
    ("set-no-equals", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--set", "train.lr"], {"c.toml": TINY}, "--set"),
    ("set-names-the-set", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--set", "model.units=abc"],
     {"c.toml": TINY}, "--set model.units=abc [model]"),
    ("rtd-trials-zero", ["rtd", "{tmp}/p.h5:/x", "{tmp}/p.h5:/x", "--trials", "0"], {"p.h5": H5({"x": CLOUD})},
     "'0' is not allowed; give a whole number >= 1"),
    ("set-huge-batch", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--set", "train.batch_size=100000000"],
     {"c.toml": TINY}, "train.batch_size = 100000000"),
    # command-line values
    ("stop-after-negative", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--stop-after", "-1"], {"c.toml": TINY},
     "--stop-after"),
    ("stop-after-zero", ["train", "{tmp}/c.toml", "--out", "{tmp}/r", "--stop-after", "0"], {"c.toml": TINY},
     "--stop-after"),
    ("stop-after-below-done", ["train", "--out", "{tmp}/run", "--resume", "--stop-after", "1"],
     {"run": copy_run("stopped")}, "has already done 2"),
    ("eval-seed-negative", ["eval", "{tmp}/run", "--seed", "-1"], {"run": copy_run("finished")}, "seed"),
    ("eval-seed-huge", ["eval", "{tmp}/run", "--seed", "99999999999999999999999"], {"run": copy_run("finished")},
     "seed"),
    ("eval-trials-zero", ["eval", "{tmp}/run", "--trials", "0"], {"run": copy_run("finished")}, "--trials"),
    ("eval-trials-huge", ["eval", "{tmp}/run", "--trials", "1000000000"], {"run": copy_run("finished")},
     "needs about"),
    ("rtd-seed-negative", ["rtd", "{tmp}/p.h5:/x", "{tmp}/p.h5:/x", "--seed", "-1"], {"p.h5": H5({"x": CLOUD})},
     "seed"),
    ("ph-memory-limit-negative", ["ph", "{tmp}/p.h5:/x", "--memory-limit", "-1"], {"p.h5": H5({"x": CLOUD})},
     "--memory-limit: '-1' is not allowed; give a number >= 0"),
    ("rtd-threads-negative", ["rtd", "{tmp}/p.h5:/x", "{tmp}/p.h5:/x", "--threads", "-2"],
     {"p.h5": H5({"x": CLOUD})}, "--threads: '-2' is not allowed; give a number >= 0"),
    ("ph-dim-too-high", ["ph", "{tmp}/p.h5:/x", "--dim", "9"], {"p.h5": H5({"x": CLOUD})}, "--dim"),
    ("ph-unknown-format", ["ph", "{tmp}/p.h5:/x", "--format", "matrix"], {"p.h5": H5({"x": CLOUD})}, "--format"),
    ("ph-memory-limit-matrix", ["ph", "{tmp}/p.h5:/x", "--memory-limit", "0.000001"],
     {"p.h5": H5({"x": rng.normal(size=(600, 2))})}, "--memory-limit"),
    ("ph-memory-limit-persistence", ["ph", "{tmp}/p.h5:/x", "--memory-limit", "0.0002"],
     {"p.h5": H5({"x": rng.normal(size=(200, 2))})}, "persistent homology of 200 points"),
    # HDF5 inputs
    ("h5-missing-dataset", ["ph", "{tmp}/p.h5:/nothere"], {"p.h5": H5({"x": CLOUD})}, "has no dataset /nothere"),
    ("h5-missing-file", ["ph", "{tmp}/none.h5:/x"], {}, "none.h5"),
    ("h5-not-hdf5", ["ph", "{tmp}/p.h5:/x"], {"p.h5": "this is text, not HDF5\n"}, "p.h5"),
    ("h5-empty-file", ["ph", "{tmp}/p.h5:/x"], {"p.h5": b""}, "p.h5"),
    ("h5-truncated", ["ph", "{tmp}/p.h5:/x"], {"p.h5": lambda tmp, runs: truncated_h5(tmp / "p.h5")}, "p.h5"),
    ("h5-rank-3", ["ph", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": np.zeros((2, 3, 4))})}, "shape [2, 3, 4]"),
    ("h5-square-unstated", ["ph", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": DIST})}, "--format distance"),
    ("h5-string-dtype", ["ph", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": np.array([b"a", b"b"])})}, "not numeric"),
    ("h5-empty-dataset", ["ph", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": np.zeros((0, 3))})}, "empty"),
    ("h5-point-cloud-nan", ["ph", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": with_nan(CLOUD)})}, "nan"),
    ("h5-point-cloud-inf", ["ph", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": with_nan(CLOUD, np.inf)})}, "inf"),
    ("h5-distance-asymmetric", ["ph", "{tmp}/p.h5:/x", "--format", "distance"],
     {"p.h5": H5({"x": with_entry(DIST, 3, 1, DIST[3, 1] + 1e-3)})}, "off by"),
    ("h5-distance-diagonal", ["ph", "{tmp}/p.h5:/x", "--format", "distance"],
     {"p.h5": H5({"x": with_entry(DIST, 2, 2, 1e-8)})}, "diagonal entry [2, 2]"),
    ("h5-distance-negative", ["ph", "{tmp}/p.h5:/x", "--format", "distance"],
     {"p.h5": H5({"x": with_entry(DIST, 4, 1, -1.0, symmetric=True)})}, "negative"),
    ("h5-distance-nan", ["ph", "{tmp}/p.h5:/x", "--format", "distance"],
     {"p.h5": H5({"x": with_entry(DIST, 4, 1, np.nan, symmetric=True)})}, "nan"),
    ("h5-distance-attribute-asymmetric", ["ph", "{tmp}/p.h5:/x"],
     {"p.h5": H5({"x": with_entry(DIST, 3, 1, DIST[3, 1] + 1e-3)}, {"x": {"format": "distance"}})}, "symmetric"),
    ("h5-bad-format-attribute", ["ph", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": DIST}, {"x": {"format": "matrix"}})},
     "attribute 'format'"),
    ("h5-lower-not-triangular", ["ph", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": np.ones(5)})}, "lower triangle"),
    ("h5-rtd-rows-differ", ["rtd", "{tmp}/p.h5:/x", "{tmp}/p.h5:/y"],
     {"p.h5": H5({"x": CLOUD, "y": CLOUD[:5]})}, "rows"),
    ("h5-rtd-1d", ["rtd", "{tmp}/p.h5:/x", "{tmp}/p.h5:/x"], {"p.h5": H5({"x": np.ones(6)})}, "2-D"),
    ("h5-cp-2d", ["cp", "{tmp}/t.h5:/x", "--rank", "1"], {"t.h5": H5({"x": np.ones((3, 4))})}, "3-D"),
    ("h5-cp-nan", ["cp", "{tmp}/t.h5:/x", "--rank", "1"], {"t.h5": H5({"x": with_nan(RECORDINGS)})}, "NaN"),
    ("h5-recordings-nan", ["fit-ltr", "{tmp}/rec.h5", "--rank", "1", "--out", "{tmp}/fit"],
     {"rec.h5": H5({"activity": with_nan(RECORDINGS)})}, "NaN"),
    ("h5-recordings-inf-inputs", ["fit-ltr", "{tmp}/rec.h5", "--rank", "1", "--out", "{tmp}/fit"],
     {"rec.h5": H5({"activity": RECORDINGS, "inputs": with_nan(np.ones((4, 5, 2)), np.inf)})}, "inputs"),
    ("h5-recordings-missing-activity", ["fit-ltr", "{tmp}/rec.h5", "--rank", "1", "--out", "{tmp}/fit"],
     {"rec.h5": H5({"spikes": RECORDINGS})}, "/activity"),
    ("h5-recordings-rank-2", ["fit-ltr", "{tmp}/rec.h5", "--rank", "1", "--out", "{tmp}/fit"],
     {"rec.h5": H5({"activity": np.ones((4, 5))})}, "3-D"),
    ("h5-recordings-trial-info-length", ["fit-ltr", "{tmp}/rec.h5", "--rank", "1", "--out", "{tmp}/fit"],
     {"rec.h5": H5({"activity": RECORDINGS, "trial_info/block": np.zeros(3)})}, "/trial_info/block"),
    ("h5-recordings-two-conditions", ["fit-ltr", "{tmp}/rec.h5", "--rank", "1", "--out", "{tmp}/fit"],
     {"rec.h5": H5({"activity": RECORDINGS, "condition": np.zeros(4), "trial_info/condition": np.zeros(4)})},
     "both /condition"),
    ("synth-reach-option-of-planted", ["synth-ltr", "--generator", "reach", "--trials", "9", "--out", "{tmp}/r.h5"],
     {}, "--trials applies to --generator planted"),
    ("synth-reach-rotation-range", ["synth-ltr", "--generator", "reach", "--rotation", "270", "--out", "{tmp}/r.h5"],
     {}, "rotation"),
    ("nback-pretrain-epochs", ["nback", "pretrain", "--epochs", "0", "--out", "{tmp}/cnn.h5"], {}, "--epochs = 0"),
    ("nback-pretrain-channels", ["nback", "pretrain", "--channels", "8,0", "--out", "{tmp}/cnn.h5"], {},
     "--channels: each block's channels 1..512, 0 given"),
    ("nback-pretrain-no-data", ["nback", "pretrain", "--data-dir", "{tmp}", "--out", "{tmp}/cnn.h5"], {},
     "dataset-fashion-mnist"),
    ("analyze-folds", ["analyze", "{tmp}/run", "--folds", "1", "--out", "{tmp}/a.h5"], {}, "--folds = 1, allowed 2..100"),
    ("analyze-l2", ["analyze", "{tmp}/run", "--l2", "0", "--out", "{tmp}/a.h5"], {}, "--l2 must be > 0"),
    # text distance files
    ("text-not-triangular", ["ph", "{tmp}/d.txt"], {"d.txt": "1\n2 3\n4\n"}, "d.txt"),
    ("text-not-a-number", ["ph", "{tmp}/d.txt"], {"d.txt": "1\n2 abc\n"}, "abc"),
    ("text-nan", ["ph", "{tmp}/d.txt"], {"d.txt": "1\n2 nan\n"}, "d.txt"),
    ("text-negative", ["ph", "{tmp}/d.txt"], {"d.txt": "1\n2 -3\n"}, "negative"),
    ("text-distance-ragged", ["ph", "{tmp}/d.txt", "--format", "distance"], {"d.txt": "0 1 2\n1 0\n2 3 0\n"},
     "d.txt"),
    ("text-distance-asymmetric", ["ph", "{tmp}/d.txt", "--format", "distance"],
     {"d.txt": "0 1 2\n1 0 3\n2 5 0\n"}, "symmetric"),
    ("text-point-cloud-ragged", ["ph", "{tmp}/d.txt", "--format", "point-cloud"], {"d.txt": "0 1\n1 0 3\n"},
     "d.txt"),
    ("text-empty", ["ph", "{tmp}/d.txt"], {"d.txt": ""}, "d.txt"),
    # run directories
    ("run-missing", ["eval", "{tmp}/norun"], {}, "norun"),
    ("run-missing-config", ["eval", "{tmp}/run"], {"run": copy_run("finished", remove("config.toml"))},
     "config.toml"),
    ("run-garbage-config", ["eval", "{tmp}/run"], {"run": copy_run("finished", overwrite("config.toml", "[[[\n"))},
     "config.toml"),
    ("run-missing-model", ["eval", "{tmp}/run"], {"run": copy_run("finished", remove("model.h5"))}, "model.h5"),
    ("run-missing-model-no-checkpoint", ["eval", "{tmp}/run"],
     {"run": copy_run("finished", remove("model.h5"), remove("checkpoint.pt"))}, "--force"),
    ("run-truncated-model", ["eval", "{tmp}/run"], {"run": copy_run("finished", truncate("model.h5"))}, "model.h5"),
    ("run-nan-model", ["eval", "{tmp}/run"], {"run": copy_run("finished", poison("model.h5", "W_rec", np.nan))},
     "W_rec holds NaN"),
    ("run-inf-model", ["eval", "{tmp}/run"], {"run": copy_run("finished", poison("model.h5", "W_out", np.inf))},
     "W_out holds NaN or infinite"),
    ("run-foreign-model", ["eval", "{tmp}/run"], {"run": copy_run("finished", foreign("model.h5"))},
     "wrong shape"),
    ("run-foreign-checkpoint", ["train", "--out", "{tmp}/run", "--resume"],
     {"run": copy_run("stopped", foreign("checkpoint.pt"))}, "a checkpoint of another config"),
    ("run-truncated-checkpoint", ["train", "--out", "{tmp}/run", "--resume"],
     {"run": copy_run("stopped", truncate("checkpoint.pt"))}, "checkpoint"),
    ("run-missing-checkpoint", ["train", "--out", "{tmp}/run", "--resume"],
     {"run": copy_run("stopped", remove("checkpoint.pt"))}, "checkpoint.pt"),
    ("run-resume-finished", ["train", "--out", "{tmp}/run", "--resume"], {"run": copy_run("finished")},
     "already finished"),
    ("run-resume-other-config", ["train", "{tmp}/c.toml", "--out", "{tmp}/run", "--resume"],
     {"run": copy_run("stopped"), "c.toml": toml(**{"model.units": "9"})}, "model.units"),
    ("run-resume-changes-data", ["train", "--out", "{tmp}/run", "--resume", "--set", "train.batch_size=8"],
     {"run": copy_run("stopped")}, "train.batch_size"),
    ("run-resume-budget-below-done", ["train", "--out", "{tmp}/run", "--resume", "--set", "train.max_steps=1"],
     {"run": copy_run("stopped")}, "train.max_steps is 1"),
    ("run-exists-no-force", ["train", "{tmp}/c.toml", "--out", "{tmp}/run"],
     {"run": copy_run("finished"), "c.toml": TINY}, "--force"),
    ("run-no-weight-snapshots", ["analyze-learning", "{tmp}/run"], {"run": copy_run("finished")},
     "save_weights_every"),
    # spiking networks (docs/snn.md)
    ("snn-missing-config", ["snn", "simulate", "{tmp}/none.toml"], {}, "none.toml"),
    ("snn-bad-toml", ["snn", "simulate", "{tmp}/s.toml"], {"s.toml": "[network\n"}, "s.toml"),
    ("snn-unknown-section", ["snn", "simulate", "{tmp}/s.toml"], {"s.toml": "[model]\nunits = 3\n"},
     "allowed: seed, [network]"),
    ("snn-rule-unknown", ["snn", "train", "{tmp}/s.toml", "--out", "{tmp}/r"], {"s.toml": "[stdp]\nrule = \"bptt\"\n"},
     "allowed: none, hom_stdp, het_stdp"),
    ("snn-reset-above-threshold", ["snn", "simulate", "{tmp}/s.toml", "--set", "network.v_reset_mv=-40"],
     {"s.toml": ""}, "v_reset_mv must be below v_threshold_mv"),
    ("snn-dt-zero", ["snn", "simulate", "{tmp}/s.toml", "--set", "simulation.dt_ms=0"], {"s.toml": ""}, "dt_ms"),
    ("snn-train-no-channels", ["snn", "train", "{tmp}/s.toml", "--out", "{tmp}/r"], {"s.toml": ""},
     "input.n_inputs"),
    ("snn-out-exists-no-force", ["snn", "simulate", "{tmp}/s.toml", "--out", "{tmp}/o.h5"],
     {"s.toml": "", "o.h5": "mine"}, "--force"),
    ("snn-surrogate-function-unknown", ["snn", "train", "{tmp}/s.toml", "--out", "{tmp}/r", "--set",
                                        "stdp.rule=surrogate", "--set", "surrogate.function=boxcar"],
     {"s.toml": "[input]\nn_inputs = 3\n"}, "fast_sigmoid, arctan, triangle"),
    ("snn-eval-not-a-run", ["snn", "eval", "{tmp}/none", "--out", "{tmp}/e.h5"], {},
     "not a run directory of `snn train`"),
    # reports
    ("report-missing", ["report", "{tmp}/none", "--out", "{tmp}/r.html"], {}, "none"),
    ("report-not-a-result", ["report", "{tmp}/d.txt", "--out", "{tmp}/r.html"], {"d.txt": "1 2 3\n"},
     "expected a run directory"),
    ("report-foreign-h5", ["report", "{tmp}/p.h5", "--out", "{tmp}/r.html"], {"p.h5": H5({"x": CLOUD})},
     "an eval file"),
    ("report-truncated-h5", ["report", "{tmp}/p.h5", "--out", "{tmp}/r.html"],
     {"p.h5": lambda tmp, runs: truncated_h5(tmp / "p.h5")}, "p.h5"),
    ("report-exists-no-force", ["report", "{tmp}/run", "--out", "{tmp}/r.html"],
     {"run": copy_run("finished"), "r.html": "mine"}, "--force"),
    ("report-out-folder-missing", ["report", "{tmp}/run", "--out", "{tmp}/no/r.html"], {"run": copy_run("finished")},
     "does not exist"),
]


def truncated_h5(path):
    H5({"x": rng.normal(size=(400, 3))}).write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def square(n=6):
    return DIST[:n, :n]


# (id, call, exception, fragment): `call` takes (tmp, runs).
PY_CASES = [
    ("py-snn-rates-shape", lambda t, r: rnnscope.snn.simulate({"input": {"n_inputs": 3}}, rates=np.ones((2, 4)),
                                                              row_ms=5), ValueError, "input.n_inputs = 3"),
    ("py-snn-rates-negative", lambda t, r: rnnscope.snn.simulate({"input": {"n_inputs": 3}}, rates=-np.ones((1, 3))),
     ValueError, "rates: every rate must be finite, >= 0"),
    ("py-snn-config-not-a-table", lambda t, r: rnnscope.snn.simulate({"network": 3}), ValueError,
     "'network' must be a table"),
    ("py-snn-eval-task-run", lambda t, r: rnnscope.snn.eval(r["finished"]), ValueError,
     "not a run directory of `snn train`"),
    ("py-evaluate-noise-string", lambda t, r: rnnscope.evaluate(r["finished"], trials=2, noise="no"), ValueError,
     "noise"),
    ("py-task-batch-seed-negative", lambda t, r: rnnscope.tasks.make("perceptual_dm").batch(4, seed=-1), ValueError,
     "seed must be >= 0"),
    ("py-task-batch-zero-trials", lambda t, r: rnnscope.tasks.make("perceptual_dm").batch(0), ValueError,
     "n must be >= 1"),
    ("py-evaluate-trials-string", lambda t, r: rnnscope.evaluate(r["finished"], trials="10"), ValueError, "trials"),
    ("py-evaluate-trials-zero", lambda t, r: rnnscope.evaluate(r["finished"], trials=0), ValueError, "trials"),
    ("py-evaluate-seed-negative", lambda t, r: rnnscope.evaluate(r["finished"], trials=2, seed=-1), ValueError,
     "seed"),
    ("py-evaluate-seed-huge", lambda t, r: rnnscope.evaluate(r["finished"], trials=2, seed=2**70), ValueError,
     "seed"),
    ("py-evaluate-missing-run", lambda t, r: rnnscope.evaluate(t / "norun", trials=2), FileNotFoundError, "norun"),
    ("py-load-run-missing", lambda t, r: rnnscope.load_run(t / "norun"), FileNotFoundError, "norun"),
    ("py-train-stop-after-negative", lambda t, r: rnnscope.train(TINY_CONFIG, out=t / "x", stop_after=-1),
     ValueError, "stop_after"),
    ("py-train-stop-after-zero", lambda t, r: rnnscope.train(TINY_CONFIG, out=t / "x", stop_after=0), ValueError,
     "stop_after"),
    ("py-train-force-string", lambda t, r: rnnscope.train(TINY_CONFIG, out=t / "x", force="yes"), ValueError,
     "force"),
    ("py-train-unknown-key", lambda t, r: rnnscope.train({**TINY_CONFIG, "sed": 1}, out=t / "x", progress=False),
     ValueError, "unknown key 'sed'"),
    ("py-train-nan-lr", lambda t, r: rnnscope.train(TINY_CONFIG, out=t / "x", overrides={"train.lr": float("nan")},
                                                    progress=False), ValueError, "lr"),
    ("py-train-huge-batch", lambda t, r: rnnscope.train(TINY_CONFIG, out=t / "x", progress=False,
                                                        overrides={"train.batch_size": 10**8}),
     MemoryError, "memory_limit_gb"),
    ("py-ph-maxdim-string", lambda t, r: rnnscope.ph(CLOUD, maxdim="1"), ValueError, "maxdim"),
    ("py-ph-square-unstated", lambda t, r: rnnscope.ph(square()), ValueError, "distance_matrix=True | False"),
    ("py-ph-distance-matrix-string", lambda t, r: rnnscope.ph(square(), distance_matrix="yes"), ValueError,
     "distance_matrix"),
    ("py-ph-asymmetric", lambda t, r: rnnscope.ph(with_entry(square(), 3, 1, 9.0), distance_matrix=True),
     ValueError, "off by"),
    ("py-ph-diagonal", lambda t, r: rnnscope.ph(with_entry(square(), 1, 1, 1e-8), distance_matrix=True),
     ValueError, "diagonal"),
    ("py-ph-nan", lambda t, r: rnnscope.ph(with_nan(CLOUD)), ValueError, "nan"),
    ("py-ph-strings", lambda t, r: rnnscope.ph(np.array([["a", "b"], ["c", "d"], ["e", "f"]])), ValueError,
     "numeric"),
    ("py-ph-1d", lambda t, r: rnnscope.ph(np.ones(6)), ValueError, "2-D"),
    ("py-ph-memory", lambda t, r: rnnscope.ph(rng.normal(size=(600, 2)), memory_limit_gb=1e-6), MemoryError,
     "memory_limit_gb"),
    ("py-rtd-seed-negative", lambda t, r: rnnscope.rtd(CLOUD, CLOUD, seed=-1), ValueError, "seed"),
    ("py-rtd-inf", lambda t, r: rnnscope.rtd(with_nan(CLOUD, np.inf), CLOUD), ValueError,
     "non-finite coordinate at [0, 1]"),
    ("py-rtd-trials-float", lambda t, r: rnnscope.rtd(CLOUD, CLOUD, trials=2.5), ValueError, "trials"),
    ("py-cp-nan", lambda t, r: rnnscope.cp(with_nan(RECORDINGS)), ValueError, "NaN"),
    ("py-cp-rank-string", lambda t, r: rnnscope.cp(RECORDINGS, rank="2"), ValueError, "rank"),
    ("py-fit-ltr-nan", lambda t, r: rnnscope.fit_ltr(with_nan(RECORDINGS), rank=1), ValueError, "NaN"),
    ("py-fit-ltr-lr-string", lambda t, r: rnnscope.fit_ltr(RECORDINGS, rank=1, lr="0.1"), ValueError, "lr"),
    ("py-synth-reach-washout-float", lambda t, r: rnnscope.synth_reach(washout=2.5), ValueError, "washout"),
    ("py-experiment-unknown", lambda t, r: rnnscope.experiment("nope", out=t / "x"), ValueError, "ltr"),
    ("py-evaluate-nan-model", lambda t, r: rnnscope.evaluate(nan_model_run(t, r), trials=2), ValueError,
     "holds NaN"),
    ("py-report-force-string", lambda t, r: rnnscope.report(r["finished"], out=t / "r.html", force="yes"), ValueError,
     "force"),
    ("py-report-missing", lambda t, r: rnnscope.report(t / "none", out=t / "r.html"), FileNotFoundError, "none"),
    ("py-report-out-none", lambda t, r: rnnscope.report(r["finished"], out=None), ValueError, "out is required"),
    ("py-nback-missing-data", lambda t, r: rnnscope.nback.sequences(2, data_dir=t / "none"), FileNotFoundError,
     "dataset-fashion-mnist"),
    ("py-nback-too-many-frames", lambda t, r: rnnscope.nback.sequences(100000), MemoryError, "1024 MiB allowed"),
    ("py-nback-trials-zero", lambda t, r: rnnscope.nback.sequences(0), ValueError, "trials must be >= 1"),
    ("py-nback-task-number", lambda t, r: rnnscope.nback.sequences(2, tasks=[3]), ValueError, "task names"),
    ("py-nback-noise-negative", lambda t, r: rnnscope.nback.sequences(2, stimuli={"noise_std": -1}), ValueError,
     "noise_std"),
    ("py-nback-frames-too-few", lambda t, r: rnnscope.nback.sequences(2, tasks=["location_3back"], frames=3),
     ValueError, "must be > 3"),
    ("py-geometry-float-labels", lambda t, r: rnnscope.geometry.decode(CLOUD, np.linspace(0, 1, len(CLOUD))),
     ValueError, "integer labels"),
    ("py-geometry-cross-unknown-label", lambda t, r: rnnscope.geometry.cross_decode(
        CLOUD, np.arange(len(CLOUD)) % 2, CLOUD, np.arange(len(CLOUD)) % 3), ValueError, "set a does not have"),
    ("py-geometry-procrustes-x-alone", lambda t, r: rnnscope.geometry.procrustes(np.eye(2), np.eye(2), x=np.eye(2)),
     ValueError, "both x and y"),
]


def nan_model_run(tmp, runs):
    copy_run("finished", poison("model.h5", "W_rec", np.nan))(tmp, runs)
    return tmp / "run"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Trained run directories: finished, stopped after 2 of 4 steps, and one of another config."""
    base = tmp_path_factory.mktemp("corpus-runs")
    rnnscope.train(TINY_CONFIG, out=base / "finished", progress=False)
    rnnscope.train(TINY_CONFIG, out=base / "stopped", stop_after=2, progress=False)
    other = {**TINY_CONFIG, "model": {"units": 5}}
    rnnscope.train(other, out=base / "other", progress=False)
    return {"finished": base / "finished", "stopped": base / "stopped", "other": base / "other"}


def make_files(tmp, files, runs):
    for name, content in files.items():
        path = tmp / name
        if callable(content):
            content(tmp, runs)
        elif isinstance(content, H5):
            content.write(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def test_the_corpus_is_large_enough():
    assert len(CLI_CASES) + len(PY_CASES) >= 60
    assert len({c[0] for c in CLI_CASES + PY_CASES}) == len(CLI_CASES) + len(PY_CASES)


@pytest.mark.parametrize("case", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_refuses_bad_input_with_one_line(cli, tmp_path, runs, case):
    _, args, files, fragment = case
    make_files(tmp_path, files, runs)
    argv = [a.format(tmp=tmp_path) for a in args]
    proc = subprocess.run([cli, *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, f"exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert fragment.lower() in lines[0].lower(), lines[0]
    assert lines[0].startswith("rnnscope: error: "), lines[0]
    if "{tmp}/r" in args:  # a refused `train` leaves no half-made run directory behind
        assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("case", PY_CASES, ids=[c[0] for c in PY_CASES])
def test_python_raises_the_documented_exception(tmp_path, runs, case):
    _, call, exception, fragment = case
    with pytest.raises(exception) as info:
        call(tmp_path, runs)
    assert fragment.lower() in str(info.value).lower(), str(info.value)
