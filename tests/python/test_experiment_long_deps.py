"""`rnnscope experiment long-deps --quick` end to end (under a minute on 2 cores) and from
Python (docs/long_deps.md, "The experiment")."""

import json

import h5py
import numpy as np
import pytest

from conftest import run_cli, run_experiment

METHODS = ["ctrnn", "ctrnn_skip", "ctrnn_dasc", "ctrnn_cd", "gru", "lstm"]
TASKS = ["dlygo", "dms", "rule_reversal"]


def run(cli, *args):
    return run_cli(cli, *args, timeout=900)


@pytest.fixture(scope="module")
def quick_run(cli, tmp_path_factory):
    return run_experiment(cli, tmp_path_factory.mktemp("experiment"), "long-deps", "--quick", timeout=900)


def test_results_have_the_documented_datasets_and_agree_with_every_run(quick_run):
    out, proc = quick_run
    with h5py.File(out / "results.h5") as f:
        assert list(f["methods"].asstr()[:]) == METHODS
        assert list(f["tasks"].asstr()[:]) == TASKS
        seeds = f["seeds"][:]
        assert seeds.shape == (2,) and seeds[0] != seeds[1]
        budgets = f["budget_steps"][:]
        np.testing.assert_array_equal(budgets, [2000, 2000, 1500])
        steps, seconds, accuracy = (f[name][:] for name in ["steps_to_criterion", "seconds_to_criterion",
                                                            "final_accuracy"])
        assert steps.shape == seconds.shape == accuracy.shape == (6, 3, 2)
        assert f.attrs["size"] == "quick" and f.attrs["skip_steps"] == 2 and f.attrs["cd_steps"] == 4
    # NaN exactly where the criterion was never reached; reached runs stop at an evaluation.
    reached = np.isfinite(steps)
    np.testing.assert_array_equal(reached, np.isfinite(seconds))
    assert reached.sum() >= 24, steps  # the CTRNN methods learn every task at this size
    assert (steps[reached] % 25 == 0).all() and (steps[reached] <= np.broadcast_to(budgets[None, :, None],
                                                                                    steps.shape)[reached]).all()
    assert np.isfinite(accuracy).all() and ((accuracy >= 0) & (accuracy <= 1)).all()
    # Each number is its network's own, read from the cell's history.h5: the CTRNN methods'
    # cells are one run of both networks as replicas (under the first seed), the gated ones
    # one run per seed.
    for task_index, task in enumerate(TASKS):
        for family, methods in [("ctrnn", METHODS[:4]), ("gated", METHODS[4:])]:
            sweep = out / "sweeps" / f"{task}-{family}"
            cells = json.loads((sweep / "sweep.json").read_text())["cells"]
            assert len(cells) == (4 if family == "ctrnn" else 2 * 2)
            for cell in cells:
                run = sweep / "cells" / cell["id"]
                summary = json.loads((run / "summary.json").read_text())
                values = cell["values"]
                name = values.get("model.type") or {"none": "ctrnn", "sctt": "ctrnn_skip", "dasc": "ctrnn_dasc",
                                                     "cd": "ctrnn_cd"}[values["train.method"]]
                m = METHODS.index(name)
                with h5py.File(run / "history.h5") as f:
                    step, acc, wall = f["step"][:], f["accuracy"][:], f["wall_seconds"][:]
                if family == "ctrnn":
                    assert cell["seed"] == seeds[0] and acc.shape[1] == 2 and len(summary["final_accuracy"]) == 2
                    networks = [(k, acc[:, k]) for k in range(2)]
                else:
                    networks = [(list(seeds).index(cell["seed"]), acc)]
                for s, a in networks:
                    assert accuracy[m, task_index, s] == a[-1]
                    hits = np.nonzero(a >= summary["target_accuracy"])[0]
                    assert np.isfinite(steps[m, task_index, s]) == (len(hits) > 0)
                    if len(hits):
                        assert steps[m, task_index, s] == step[hits[0]]
                        assert seconds[m, task_index, s] == wall[hits[0]]
                # The run goes on until its last network reaches criterion.
                indices = [s for s, _ in networks]
                assert summary["reached_target"] == bool(np.isfinite(steps[m, task_index, indices]).all())
    markdown = (out / "results.md").read_text()
    assert markdown in proc.stdout
    assert "| method | reached criterion | median steps to criterion |" in markdown
    for method in METHODS[1:4]:
        assert f"- **{method}** needed fewer steps than `ctrnn` on " in markdown
    assert "dms: cell 0000 done" in proc.stderr


def test_the_skip_methods_ran_their_schedules(quick_run):
    """SCTT's beta starts at beta_init (0.5) and CD's dt multiple at 4; both end plain."""
    out, _ = quick_run
    cells = out / "sweeps" / "dms-ctrnn" / "cells"
    with h5py.File(cells / "0001" / "history.h5") as f:  # sctt (cells: none, sctt, dasc, cd)
        beta, theta = f["/schedule/beta"][:], f["/schedule/theta"][:]
    assert beta[0] == 0.5 and theta[0] == 2 and beta[-1] == 1 and theta[-1] == 1, (beta, theta)
    with h5py.File(cells / "0003" / "history.h5") as f:  # cd
        theta = f["/schedule/theta"][:]
    assert theta[0] == 4 and theta[-1] == 1, theta


def test_python_door_and_report_on_the_cli_results(quick_run, tmp_path):
    """The Python door shares the CLI's request (test_experiment_ltr.py runs one through both
    and compares the numbers); here it must refuse the existing output, and the report must
    read what the CLI wrote. A second quick run would double this file's minute of CI."""
    import rnnscope

    out, proc = quick_run
    assert "long-deps" in rnnscope.experiment_names()
    assert "rule_reversal: gru, lstm" in proc.stderr
    with pytest.raises(ValueError, match="force=True"):
        rnnscope.experiment("long-deps", out=out, quick=True, progress=False)
    page = tmp_path / "ld.html"
    rnnscope.report(out, out=page)
    text = page.read_text()
    assert text.count('<p class="claim">') == text.count("<img ") == 1 and "Soo, Goudar" in text


@pytest.mark.parametrize("name", ["results.h5", "results-quick.h5"])
def test_the_committed_results_figure_reads_at_default_size(name, tmp_path):
    """The committed full (10 tasks, two rows of panels) and quick results, as h5py reads them."""
    import pathlib

    import rnnscope
    from conftest import assert_readable

    path = pathlib.Path(__file__).resolve().parents[2] / "experiments" / "results" / "long-deps" / name
    with h5py.File(path) as f:
        results = {key: f[key][()] for key in f}
    figure = rnnscope.plot.long_deps_steps(results)
    assert_readable(figure, tmp_path / "steps.png")
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [t.decode() for t in results["tasks"]]


def test_negative_threads_are_refused_before_anything_is_written(cli, tmp_path):
    out = tmp_path / "ld"
    proc = run(cli, "experiment", "long-deps", "--quick", "--threads", -1, "--out", out)
    assert proc.returncode == 2 and proc.stderr.strip() == "rnnscope: error: --threads must be >= 0 (0: all cores), got -1"
    assert not out.exists()
