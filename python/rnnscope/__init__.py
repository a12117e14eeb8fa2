"""rnnscope: recurrent network models of cognition on one C++ core.

Five lines in a notebook::

    import rnnscope
    summary = rnnscope.train("configs/demo.toml", out="runs/pdm")
    run = rnnscope.load_run("runs/pdm")
    ev = rnnscope.evaluate("runs/pdm", trials=200, noise=False)
    rnnscope.plot.learning_curve(run)

Errors in configs or inputs raise ValueError (FileNotFoundError for missing files) with
the same one-line message the CLI prints.
"""

from . import _core, analysis, geometry, models, nback, plot, snn, tasks
from .ltr import fit_ltr, synth_ltr, synth_reach
from .decomp import cp
from .topo import ph, rtd
from .learning import analyze_learning
from .nback import analyze
from .experiments import experiment, experiment_names
from .reports import report
from .sweeps import load_sweep, sweep
from .training import evaluate, load_run, train

__version__ = _core.__version__

__all__ = ["train", "evaluate", "load_run", "sweep", "load_sweep", "tasks", "models", "geometry", "analysis", "nback", "snn", "plot", "ph", "rtd", "fit_ltr", "synth_ltr", "synth_reach", "cp", "analyze_learning", "analyze", "experiment", "experiment_names", "report", "__version__"]
