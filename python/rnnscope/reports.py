"""``rnnscope report PATH --out report.html``: one self-contained HTML page of the figures of
a result (docs/report.md).

What PATH is comes from the files and HDF5 layouts rnnscope writes (docs/outputs.md), never
from values. Each kind of result is one drawing function registered with ``result_kind``
(and each experiment's headline figures with ``experiment_figures``); docs/extending.md
shows how a later capability adds its own. The figures are those of ``rnnscope.plot``, so
a notebook and the report draw the same picture. The C++ ``rnnscope report`` runs
``python -m rnnscope._report_cli`` (that module's ``main``).
"""

from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import _core, plot
from ._args import boolean
from .plot._figure import evenly, pyplot
from .plot.runs import psychometric_conditions, trajectory_condition
from .sweeps import load_sweep
from .training import evaluate, load_run

__all__ = ["report", "result_kinds"]

# How many fresh trials a run's report evaluates its network on, and how many trials the
# figures draw at most: beyond these a person sees no difference, only a slower page.
RUN_REPORT_TRIALS = 200
EXAMPLE_TRIALS = 3
PSYCHOMETRIC_PANELS = 6
TRAJECTORY_TRIALS = 60
BARCODE_BARS = 200


@dataclass(frozen=True)
class Figure:
    """One figure of a report: its heading, the matplotlib figure, a one-line caption that
    says what it shows, and (experiments) the paper's claim printed beside it."""

    title: str
    figure: object
    caption: str
    claim: str = ""


@dataclass(frozen=True)
class Table:
    """A table of a report: a heading, column names, rows of cells (text) and a caption."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    caption: str


@dataclass(frozen=True)
class Given:
    """What PATH is made of, read once for every kind's recogniser: a directory's entries, or
    an HDF5 file's root datasets and groups and its root attributes."""

    path: str
    is_dir: bool
    names: frozenset
    attrs: frozenset


@dataclass(frozen=True)
class ResultKind:
    name: str
    expects: str  # what it is recognised by, for the error on an unknown PATH
    recognises: Callable[[Given], bool]
    draw: Callable[[str], list]


_KINDS: list[ResultKind] = []


def result_kind(name: str, *, expects: str, recognises: Callable[[Given], bool]):
    """Registers the decorated ``draw(path) -> [Figure | Table, ...]`` as the report of the
    results ``recognises`` accepts (first registered match wins)."""

    def register(draw):
        _KINDS.append(ResultKind(name, expects, recognises, draw))
        return draw

    return register


def result_kinds() -> list[str]:
    """The kinds of result ``report`` recognises, in the order they are tried."""
    return [kind.name for kind in _KINDS]


@dataclass(frozen=True)
class ExperimentFigures:
    name: str
    datasets: frozenset  # the results.h5 datasets the experiment writes: how its file is recognised
    draw: Callable[[dict], list]


_EXPERIMENTS: list[ExperimentFigures] = []


def experiment_figures(name: str, *, datasets: list[str]):
    """Registers the decorated ``draw(results) -> [Figure, ...]`` as the headline figures of
    the experiment ``name`` (each with the paper's claim), recognised by its ``datasets``."""

    def register(draw):
        _EXPERIMENTS.append(ExperimentFigures(name, frozenset(datasets), draw))
        return draw

    return register


def _given(path: str) -> Given:
    import h5py

    if os.path.isdir(path):
        return Given(path, True, frozenset(os.listdir(path)), frozenset())
    if h5py.is_hdf5(path):
        try:
            with h5py.File(path, "r") as f:
                return Given(path, False, frozenset(f.keys()), frozenset(f.attrs.keys()))
        except OSError as e:  # h5py's message does not name the file
            raise ValueError(f"{path} cannot be read as HDF5: {e}") from e
    return Given(path, False, frozenset(), frozenset())


def _read_h5(path: str) -> dict:
    """Every dataset of an HDF5 file by its path (groups as nested dicts), plus its root
    attributes, as the Python doors return the same records."""
    import h5py

    def read(group) -> dict:
        out = {}
        for name, item in group.items():
            out[name] = read(item) if isinstance(item, h5py.Group) else item[()]
        return out

    with h5py.File(path, "r") as f:
        out = read(f)
        for name, value in f.attrs.items():
            out[name] = value.decode() if isinstance(value, bytes) else value
    return out


# ---- runs and evaluations -------------------------------------------------------------------


def _evaluation_figures(evaluation: dict, source: str) -> list:
    trials = len(evaluation["trial_steps"])
    shown = evenly(trials, EXAMPLE_TRIALS)
    items = [Figure("Example trials", plot.example_trials(evaluation, indices=shown),
                    f"Trials {', '.join(map(str, shown))} of {source}: inputs (top), outputs and dashed targets "
                    f"where they count (bottom), the task's periods shaded and named.")]
    conditions = psychometric_conditions(evaluation)
    if conditions:
        items.append(Figure("Psychometric curve", plot.psychometric(evaluation, max_panels=PSYCHOMETRIC_PANELS),
                            f"Accuracy (± binomial standard error) against "
                            f"{', '.join(conditions[:PSYCHOMETRIC_PANELS])} over {source}; overall accuracy "
                            f"{float(evaluation['accuracy']):.3f}."))
    drawn = len(evenly(trials, TRAJECTORY_TRIALS))
    subsampled = f" ({drawn} of {trials} drawn, evenly spaced: more lines would be one blur)" if drawn < trials else ""
    items.append(Figure("State trajectories", plot.state_trajectories(evaluation, max_trials=TRAJECTORY_TRIALS).figure,
                        f"Network states of {source} in their top-3 PCA space (fitted on every step of all {trials} "
                        f"trials), one line per trial coloured by {trajectory_condition(evaluation)}, dots at the "
                        f"starts{subsampled}."))
    return items


@result_kind("run", expects="a run directory (config.toml, summary.json and model.h5 or checkpoint.pt, from `rnnscope train`)",
             recognises=lambda g: g.is_dir and {"config.toml", "summary.json"} <= g.names
             and bool({"model.h5", "checkpoint.pt"} & g.names))
def _run_report(path: str) -> list:
    run = load_run(path)
    summary = run.get("summary", {})
    items = []
    unfinished = "" if "model" in run else "; no model.h5 yet (a stopped run: resume it to finish), so no trials"
    # A run of K replicas (train.replicas): history.h5's metrics are [evaluations, K], and
    # model.h5's arrays carry a leading replica axis (docs/outputs.md).
    replicas = int(run.get("config", {}).get("train", {}).get("replicas", 1))
    if "history" in run:
        each = (f"; each of the {replicas} replicas a thin line, their mean the marked one, named in the legend"
                if replicas > 1 else "")
        items.append(Figure("Learning curves", plot.learning_curves(run),
                            f"Evaluation accuracy and loss of {summary.get('task')} · {summary.get('model')} at each "
                            f"evaluation (history.h5), against optimiser steps (left) and training wall time "
                            f"(right){each}{unfinished}."))
    if "model" in run:
        # The figures of weights and trials draw one network: replica 0.
        which = f" of replica 0 (of {replicas})" if replicas > 1 else ""
        shown = run if replicas == 1 else {**run, "model": {**run["model"], "W_rec": run["model"]["W_rec"][0]}}
        items.append(Figure("Recurrent weights", plot.recurrent_weights(shown).figure,
                            f"The trained recurrent weight matrix{which} (model.h5; rows: to, columns: from), colours "
                            "centred on zero."))
        evaluation = evaluate(path, trials=RUN_REPORT_TRIALS, noise=False, replica=0 if replicas > 1 else None)
        items += _evaluation_figures(evaluation,
                                     f"{RUN_REPORT_TRIALS} fresh noise-free trials{which} (rnnscope.evaluate)")
    return items


@result_kind("eval", expects="an eval file (/outputs, /states, /trial_steps and attribute loss_kind, from `rnnscope eval --out`)",
             recognises=lambda g: {"outputs", "states", "trial_steps", "correct"} <= g.names and "loss_kind" in g.attrs)
def _eval_report(path: str) -> list:
    evaluation = _read_h5(path)
    return _evaluation_figures(evaluation, f"the {len(evaluation['trial_steps'])} trials of {os.path.basename(path)} "
                                           f"({evaluation.get('task')}, accuracy {float(evaluation['accuracy']):.3f})")


# ---- topology -------------------------------------------------------------------------------


@result_kind("ph", expects="a ph output (/dim0, … and attributes max_dim, points, from `rnnscope ph --out`)",
             recognises=lambda g: "dim0" in g.names and {"max_dim", "points"} <= g.attrs)
def _ph_report(path: str) -> list:
    record = _read_h5(path)
    bars = [np.asarray(record[f"dim{d}"]) for d in range(int(record["max_dim"]) + 1)]
    counts = ", ".join(f"{len(b)} in H{d}" for d, b in enumerate(bars))
    given = record.get("source", "array")
    source = (f"the Vietoris–Rips filtration of {'an array (rnnscope.ph)' if given == 'array' else given} "
              f"({int(record['points'])} points)")
    cut = [d for d, b in enumerate(bars) if len(b) > BARCODE_BARS]
    shortened = (f"; of more than {BARCODE_BARS} bars the {BARCODE_BARS} longest are drawn "
                 f"(H{', H'.join(map(str, cut))}): the shorter ones would be specks at this scale" if cut else "")
    return [Figure("Persistence diagram", plot.persistence_diagram(bars).figure,
                   f"Birth against death of every bar of {source}: {counts}; classes that never die on the ∞ line."),
            Figure("Barcodes", plot.barcode(bars, max_bars=BARCODE_BARS),
                   f"The bars of each homology dimension, longest at the bottom{shortened}.")]


@result_kind("rtd", expects="an rtd output (/score, /trial_scores and attributes trials, batch, from `rnnscope rtd --out`)",
             recognises=lambda g: {"score", "trial_scores"} <= g.names and {"trials", "batch"} <= g.attrs)
def _rtd_report(path: str) -> list:
    record = _read_h5(path)
    return [Figure("RTD per trial", plot.rtd_trials(record).figure,
                   f"RTD between {record.get('p')} and {record.get('q')} on each of {int(record['trials'])} random "
                   f"subsets of {int(record['batch'])} rows; the score is their mean, "
                   f"{float(np.ravel(record['score'])[0]):.4g}.")]


# ---- sweeps ---------------------------------------------------------------------------------

# The columns of every sweep table; the others are its axes (docs/scaling.md).
_SWEEP_COLUMNS = ["cell", "seed", "status", "final_accuracy", "steps", "wall_seconds", "steps_per_second", "error"]


def _cell_text(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return value.decode() if isinstance(value, bytes) else str(value)


@result_kind("sweep", expects="a sweep directory (sweep.json and results.h5, from `rnnscope sweep`)",
             recognises=lambda g: g.is_dir and {"sweep.json", "results.h5"} <= g.names)
def _sweep_report(path: str) -> list:
    table = load_sweep(path, as_dataframe=False)
    axes = [name for name in table if name not in _SWEEP_COLUMNS]
    columns = ["cell", *axes, *_SWEEP_COLUMNS[1:]]
    status = np.asarray(table["status"])
    counts = ", ".join(f"{int((status == s).sum())} {s}" for s in ("done", "failed", "pending") if (status == s).any())
    items = [Table("Results", columns, [[_cell_text(table[c][i]) for c in columns] for i in range(len(status))],
                   f"Every cell of the sweep (results.h5): {counts}.")]
    for axis in axes:
        items.append(Figure(f"Against {axis}", plot.sweep_axis(table, axis),
                            f"Final accuracy and optimiser steps of each finished cell against {axis}, the mean over "
                            f"cells at each value as a line."))
    return items


# ---- experiments ----------------------------------------------------------------------------


def _experiment_file(given: Given) -> str | None:
    """The results file of an experiment directory (results.h5), or PATH itself."""
    if given.is_dir:
        return os.path.join(given.path, "results.h5") if "results.h5" in given.names else None
    return given.path if given.names else None


def _experiment_of(given: Given) -> ExperimentFigures | None:
    results = _experiment_file(given)
    if results is None:
        return None
    names = _given(results).names if given.is_dir else given.names
    return next((e for e in _EXPERIMENTS if e.datasets <= names), None)


@result_kind("experiment", expects="an experiment directory or its results.h5 (from `rnnscope experiment NAME --out`)",
             recognises=lambda g: _experiment_of(g) is not None)
def _experiment_report(path: str) -> list:
    given = _given(path)
    return _experiment_of(given).draw(_read_h5(_experiment_file(given)))


_LTR_PAPER = "Pellegrino, Cayco-Gajic & Chadwick 2023"


@experiment_figures("ltr", datasets=["planted_rank", "recovered_rank", "heldout_ranks", "heldout_nmse",
                                     "learning_ranks", "learning_cp_error", "learning_cumulative_cp_error",
                                     "reach_block", "reach_endpoint_error_deg", "reach_ranks", "reach_heldout_nmse",
                                     "reach_pca_unexplained"])
def _ltr_figures(results: dict) -> list:
    size = f"size {results.get('size')}, seed {results.get('seed')}"
    recovered = int((np.asarray(results["recovered_rank"]) == np.asarray(results["planted_rank"])).sum())
    return [
        Figure("ltr: planted rank recovery", plot.ltr_planted_recovery(results),
               f"Held-out NMSE of fit-ltr per fitted rank on each synthetic set, and the rank it chose against the "
               f"planted one: {recovered} of {len(results['planted_rank'])} exact ({size}).",
               claim=f"{_LTR_PAPER}: an ltrRNN fitted to recordings of a network whose recurrent weights change "
                     f"over trials with low tensor rank recovers that rank, and its trial factors follow the "
                     f"teacher's."),
        Figure("ltr: a network that learns", plot.ltr_learning_rank(results),
               f"A task-trained reach network adapting to a rotation: endpoint error per trial (blocks shaded), "
               f"fit-ltr's rank curve on its rates (chosen rank {int(results['reach_chosen_rank'])}), and the CP "
               f"error of its weight changes against CP rank ({size}).",
               claim=f"{_LTR_PAPER}: learning in a task-trained network changes its recurrent weights with low "
                     f"tensor rank, so a low-rank ltrRNN captures its dynamics over learning."),
    ]


_SOO_PAPER = "Soo, Goudar & Wang 2023"


@experiment_figures("long-deps", datasets=["methods", "tasks", "budget_steps", "steps_to_criterion",
                                           "seconds_to_criterion", "final_accuracy"])
def _long_deps_figures(results: dict) -> list:
    steps = np.asarray(results["steps_to_criterion"], dtype=float)
    reached = int(np.isfinite(steps).sum())
    return [
        Figure("long-deps: steps to criterion", plot.long_deps_steps(results),
               f"Optimiser steps to each task's criterion (annealing stages included) per method: a dot per network "
               f"(a CTRNN run's replica, a gated run's seed), the median of those that reached it as a bar, an x "
               f"at the budget for one that did not ({reached} of {steps.size} networks reached it; "
               f"size {results.get('size')}, seed {results.get('seed')}; "
               f"the tables and their reading in results.md).",
               claim=f"{_SOO_PAPER}: CTRNNs trained with skip connections through time (SCTT, DASC) or coarsened "
                     f"discretisation, annealed away, reach criterion in fewer steps than plain CTRNNs on tasks "
                     f"with long-term dependencies."),
    ]


_LEI_PAPER = "Lei, Ito & Bashivan 2024"


@experiment_figures("nback", datasets=["architectures", "tasks", "task_accuracy", "cross_task_generalization",
                                       "irrelevant_feature_decoding", "irrelevant_feature_chance",
                                       "orthogonality_rnn", "orthogonality_cnn"])
def _nback_figures(results: dict) -> list:
    seeds = np.asarray(results["task_accuracy"]).shape[-1]
    return [
        Figure("nback: latent geometry per architecture", plot.nback_geometry(results),
               f"Means over {seeds} seeds: held-out accuracy per task (dotted: 0.9); each task's own feature decoded "
               f"at the encoding step, fitted on the row task and tested on the column task; the task-irrelevant "
               f"features with chance as a dash; the orthogonalisation index in the RNN and the CNN space (size "
               f"{results.get('size')}, seed {results.get('seed')}; the findings judged in results.md).",
               claim=f"{_LEI_PAPER}: multi-task RNNs keep task-irrelevant features; vanilla RNNs share subspaces "
                     f"across tasks while GRU and LSTM keep task-specific ones; the RNN space is less orthogonal "
                     f"than the perceptual one; objects share an encoding space with time-specific memory maps."),
    ]


_SNN_PAPER = "Chakraborty & Mukhopadhyay 2024"


@experiment_figures("snn-topology", datasets=["rules", "seeds", "layers", "test_accuracy", "rtd", "rtd_layers",
                                              "p_het_stdp"])
def _snn_topology_figures(results: dict) -> list:
    rules = [r.decode() if isinstance(r, bytes) else str(r) for r in np.asarray(results["rules"]).ravel()]
    p = np.asarray(results["p_het_stdp"], dtype=float)
    tests = ", ".join(f"against {rule} p = {p[k]:.3f}" for k, rule in enumerate(rules) if np.isfinite(p[k]))
    seeds = np.asarray(results["seeds"]).size
    return [
        Figure("snn-topology: representations by training rule", plot.snn_topology(results),
               f"Test accuracy of each network's readout; the RTD between the representations of every two networks "
               f"(mean over the early, middle, late and output layers of the recurrent network read as a feedforward "
               f"stack); and the RTD within each rule (between seeds, the control) against that between rules, over "
               f"pairs of networks of different seeds. Permutation test of het_stdp: {tests} ({seeds} seeds per rule; "
               f"size {results.get('size')}, seed {results.get('seed')}; the tables and their reading in results.md).",
               claim=f"{_SNN_PAPER}: a recurrent spiking network trained with heterogeneous STDP represents its "
                     f"inputs differently (RTD) from one trained with homogeneous STDP or with surrogate gradients."),
    ]


# ---- the page -------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin: 1.6em 0 0.4em; }
.source { color: #555; font-size: 0.9em; }
figure { margin: 0; } img { max-width: 100%; height: auto; }
figcaption, .caption { color: #444; font-size: 0.9em; margin-top: 0.3em; }
.with-claim { display: flex; gap: 1.5em; align-items: flex-start; }
.with-claim figure { flex: 1; min-width: 0; }
.claim { flex: 0 0 18em; background: #f4f4f8; border-left: 4px solid #557; padding: 0.6em 0.9em; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th { background: #eee; }
"""


def _png(figure) -> tuple[str, int, int]:
    """The figure as a base64 PNG (and its size in pixels); the figure is closed, so a
    notebook does not show it a second time."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    pyplot().close(figure)
    width, height = (int(round(v)) for v in figure.get_size_inches() * 100)
    return base64.b64encode(buffer.getvalue()).decode("ascii"), width, height


def _html_item(number: int, item) -> str:
    title = f'<h2 id="item-{number}">{html.escape(item.title)}</h2>'
    if isinstance(item, Table):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in item.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in item.rows)
        return (f'{title}<section class="table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
                f'<p class="caption">{html.escape(item.caption)}</p></section>')
    data, width, height = _png(item.figure)
    figure = (f'<figure><img src="data:image/png;base64,{data}" width="{width}" height="{height}" '
              f'alt="{html.escape(item.title)}"><figcaption>{html.escape(item.caption)}</figcaption></figure>')
    if item.claim:
        figure = f'<div class="with-claim"><p class="claim">{html.escape(item.claim)}</p>{figure}</div>'
    return f"{title}{figure}"


def _page(kind: str, path: str, items: list) -> str:
    # The policy forbids every fetch: the page is complete as written, and a browser proves it.
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">"
            f"<title>rnnscope report: {html.escape(os.path.basename(os.path.normpath(path)))}</title>"
            f"<style>{_STYLE}</style></head><body>\n<h1>rnnscope report</h1>\n"
            f"<p class=\"source\">{html.escape(kind)}: {html.escape(os.path.abspath(path))} · rnnscope {_core.__version__}</p>\n"
            + "\n".join(_html_item(n, item) for n, item in enumerate(items, 1)) + "\n</body></html>\n")


def _recognise(path: str) -> ResultKind:
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file or directory")
    given = _given(path)
    for kind in _KINDS:
        if kind.recognises(given):
            return kind
    raise ValueError(f"{path} is not a result rnnscope reports on; expected "
                     + "; or ".join(kind.expects for kind in _KINDS))


def write_report(path, out, force: bool, force_spelling: str) -> str:
    """``report`` for both doors; ``force_spelling`` names the overwrite option as the door
    spells it (``--force``, ``force=True``)."""
    path, out = os.fspath(path), os.fspath(out)
    if os.path.exists(out) and not force:
        raise ValueError(f"{out} already exists; use {force_spelling} to overwrite it")
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{out}: the folder {folder} does not exist")
    kind = _recognise(path)
    page = _page(kind.name, path, kind.draw(path))
    temporary = f"{out}.tmp-{os.getpid()}"
    try:
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return out


def report(path: str | os.PathLike, *, out: str | os.PathLike, force: bool = False) -> str:
    """Writes one self-contained HTML page of figures (inline PNGs, no script, nothing
    fetched) for ``path``: a run directory, an eval file, a ``ph`` or ``rtd`` output, a sweep
    directory or an experiment directory, recognised by the files and HDF5 layouts rnnscope
    writes. Returns ``out``.

    Raises:
        FileNotFoundError: ``path`` or the folder of ``out`` does not exist.
        ValueError: ``path`` is none of these (the message names what is expected), or
            ``out`` exists and ``force`` is not True.
    """
    if out is None:
        raise ValueError("out is required: the HTML file to write")
    return write_report(path, out, boolean(force, "force"), "force=True")
