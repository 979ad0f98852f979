"""Experiments beyond the article: one idea a module, each run from the repository's root as
`python -m experiments.NAME` (`--help` for its options), importing discrete_bandit.py, which never
imports them. experiments/README.md writes them up."""

# First: the script sets what TensorFlow and Keras read when they are imported.
import discrete_bandit as db  # noqa: I001

import sys
import threading
from functools import partial

import keras
import numpy as np


def mean_and_error(values, sign=""):
    """'mean +- standard error' of one value per run (one run: the mean); `sign` "+": signed."""
    if len(values) == 1:
        return f"{np.mean(values):{sign}.3f}"
    return f"{np.mean(values):{sign}.3f} +- {np.std(values, ddof=1) / np.sqrt(len(values)):.3f}"


def add_run_arguments(parser, steps, runs, per="setting"):
    """--steps, --runs and --seed, with these defaults, checked as the script checks its own."""
    parser.add_argument("--steps", type=partial(db.checked, "steps"), default=steps,
                        help=f"steps per run (default: {steps})")
    parser.add_argument("--runs", type=partial(db.checked, "runs"), default=runs,
                        help=f"runs per {per} (default: {runs})")
    parser.add_argument("--seed", type=partial(db.checked, "seed"), default=0,
                        help="random seed (default: 0)")


def progress_adder(target):
    """Keras' progress bar of `target` run-steps, as the script's, as a function that adds
    run-steps to it from any thread: the experiments train in threads side by side."""
    progress = keras.utils.Progbar(target, verbose=1 if sys.stdout.isatty() else 2,
                                   unit_name="run-step")
    lock = threading.Lock()

    def add(run_steps):
        with lock:
            progress.add(run_steps)

    return add
