import os
import shutil
import subprocess
import sys

import pytest


@pytest.fixture(scope="session")
def cli() -> str:
    """Path of the `rnnscope` program installed beside this Python, or $RNNSCOPE_CLI (make
    test-sanitize runs the CLI tests against the sanitizer build's program)."""
    path = os.environ.get("RNNSCOPE_CLI") or os.path.join(os.path.dirname(sys.executable), "rnnscope")
    if not os.path.exists(path):
        path = shutil.which("rnnscope")
    assert path, "the rnnscope CLI is not installed (run `make`)"
    return path


def run_cli(cli, *args, timeout=600):
    """One `rnnscope` command, its output captured as text; the caller checks the code."""
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def run_experiment(cli, root, name, *flags, timeout):
    """`rnnscope experiment NAME FLAGS --out ROOT/NAME`, which must succeed: (out, process)."""
    out = root / name
    proc = run_cli(cli, "experiment", name, *flags, "--out", out, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return out, proc


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


def assert_readable(ax, path):
    """A figure saved at its default size is not blank, has nothing drawn (labels, ticks,
    legends, period names) outside the canvas, labels its axes, and names in a legend
    whatever several labelled lines or series an axes shows."""
    import matplotlib.image

    fig = ax.figure if hasattr(ax, "figure") else ax[0].figure
    fig.savefig(path)
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())
    canvas = fig.bbox_inches
    assert drawn.x0 >= canvas.x0 - 0.01 and drawn.y0 >= canvas.y0 - 0.01, (drawn, canvas)
    assert drawn.x1 <= canvas.x1 + 0.01 and drawn.y1 <= canvas.y1 + 0.01, (drawn, canvas)
    assert matplotlib.image.imread(path).std() > 0.01
    plotted = [a for a in fig.axes if a.lines or a.collections or a.patches or a.images]
    assert any(a.get_xlabel() or a.get_ylabel() for a in plotted), "no axis is labelled"
    # One legend may serve panels that repeat the same series (stacked trials, twin panels).
    legends = [a.get_legend() for a in fig.axes if a.get_legend()] + list(fig.legends)
    named = {text.get_text() for legend in legends for text in legend.get_texts()}
    for a in plotted:
        labelled = {artist.get_label() for artist in a.lines + a.collections
                    if not artist.get_label().startswith("_")}
        if len(labelled) >= 2:
            assert labelled <= named, f"{sorted(labelled - named)} in no legend"
