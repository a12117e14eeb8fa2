"""Figures read at a glance: every plot renders non-blank with everything drawn inside the
canvas, has a legend, and shows what a person expects (a run evaluated once still has its
point, period names do not overlap, targets only where they count)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import rnnscope  # noqa: E402
from conftest import assert_readable  # noqa: E402


def train(tmp_path, task, steps, eval_every):
    out = tmp_path / task
    rnnscope.train({"seed": 1, "task": {"name": task}, "model": {"units": 16},
                    "train": {"batch_size": 8, "max_steps": steps, "eval_every": eval_every, "eval_trials": 16,
                              "threads": 1, "target_accuracy": 2.0}}, out=out, progress=False)
    return out


def test_learning_curve_of_a_run_evaluated_once_shows_its_point(tmp_path):
    run = rnnscope.load_run(train(tmp_path, "perceptual_dm", 4, 0))
    assert len(run["history"]["step"]) == 1
    ax = rnnscope.plot.learning_curve(run)
    points = [line for a in ax.figure.axes for line in a.get_lines() if line.get_marker() not in (None, "None", "")]
    assert len(points) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["accuracy", "evaluation loss"]
    assert_readable(ax, tmp_path / "curve.png")


@pytest.mark.parametrize("task", ["n_parity", "perceptual_dm", "centre_out_reach"])
def test_trial_plot_names_channels_and_periods_without_overlap(tmp_path, task):
    evaluation = rnnscope.evaluate(train(tmp_path, task, 2, 0), trials=3, noise=False, seed=1)
    ax = rnnscope.plot.trial(evaluation, index=1)
    names = evaluation["input_channels"].split(", ")
    assert [t.get_text() for t in ax[0].get_legend().get_texts()] == names
    assert [t.get_text() for t in ax[1].get_legend().get_texts()] == evaluation["output_channels"].split(", ")
    renderer = ax[0].figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax[0].texts]
    assert len(boxes) == sum(1 for b in evaluation["periods"].values() if b[1][1] > b[1][0])
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (ax[0].texts[i].get_text(), ax[0].texts[j].get_text())
    # Dashed targets only where the mask counts.
    steps = int(evaluation["trial_steps"][1])
    dashed = [line for line in ax[1].get_lines() if line.get_linestyle() == "--"]
    mask = evaluation["mask"][1, :steps] > 0
    for line in dashed:
        assert np.isnan(line.get_ydata()[~mask]).all() and np.isfinite(line.get_ydata()[mask]).all()
    assert_readable(ax, tmp_path / "trial.png")
