"""Experiments beyond the article: one idea a module, each run from the repository's root as
`python -m experiments.NAME` (add `--help` for its options). Each imports what it needs from
discrete_bandit.py; the script never imports them.

- compare: a bit of fine-tuning, one knob's values side by side, and the parameter study
- policy_gradient: the article's section 1, run: REINFORCE's estimates against the exact gradient
- fit_check: the article's section 2, run: Keras' train_on_batch makes the tape's update
- sutton_barto: Sutton & Barto's Figures 2.5 and 2.6, with the article's update
- regret: REINFORCE among the bandit algorithms, against UCB, Thompson sampling and a lower bound
- contextual: the contextual bandit, where the actor's input matters, and why it unlearns
- readme_figures: reruns the README's commands to rewrite the figures it shows
"""

# First, before any module here imports TensorFlow: the script sets TensorFlow's logging, which
# TensorFlow reads when it is imported.
import discrete_bandit as db  # noqa: I001

import threading

import numpy as np


def mean_and_error(values, sign=""):
    """'mean +- standard error' of `values`, one per run; the mean alone for one run. `sign`:
    "+" to print the sign of a difference."""
    if len(values) == 1:
        return f"{np.mean(values):{sign}.3f}"
    return f"{np.mean(values):{sign}.3f} +- {np.std(values, ddof=1) / np.sqrt(len(values)):.3f}"


def progress_adder(target):
    """The script's progress bar for `target` run-steps, as a function that adds run-steps to it
    from any thread: the experiments train in threads side by side."""
    progress, lock = db.progress_bar(target), threading.Lock()

    def add(run_steps):
        with lock:
            progress.add(run_steps)

    return add
