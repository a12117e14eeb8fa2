"""Figures people would rather look at than read (matplotlib, imported on first use).

One function draws each picture, for notebooks and for ``rnnscope report`` alike. A
function of one panel takes ``ax=`` and returns its axes; a function of several panels
returns its figure (``.figure`` of either is the figure). Modules by area: ``runs``
(training and evaluation), ``topology`` (persistence, RTD), ``sweeps``, ``ltr`` (fits and
the ltr experiment), ``long_deps`` (the long-deps experiment), ``nback`` (the nback experiment), ``snn``
(the snn-topology experiment).
"""

from .long_deps import long_deps_steps
from .ltr import ltr_learning_rank, ltr_planted_recovery, rank_selection, reach_behaviour, trial_factors
from .nback import nback_geometry
from .snn import snn_topology
from .runs import (example_trials, learning_curve, learning_curves, psychometric, recurrent_weights,
                   state_trajectories, trial)
from .sweeps import sweep_axis
from .topology import barcode, persistence_diagram, rtd_trials

__all__ = ["learning_curve", "learning_curves", "trial", "example_trials", "psychometric", "recurrent_weights",
           "state_trajectories", "persistence_diagram", "barcode", "rtd_trials", "sweep_axis", "rank_selection",
           "trial_factors", "reach_behaviour", "ltr_planted_recovery", "ltr_learning_rank", "long_deps_steps",
           "nback_geometry", "snn_topology"]
