"""Experiments beyond the article: one idea a module, each run from the repository's root as
`python -m experiments.NAME` (add `--help` for its options). Each imports what it needs from
discrete_bandit.py; the script never imports them.

- compare: a bit of fine-tuning, one knob's values side by side, and the parameter study
- policy_gradient: the article's section 1, run: REINFORCE's estimates against the exact gradient
- fit_check: the article's section 2, run: Keras' train_on_batch makes the tape's update
- sutton_barto: Sutton & Barto's Figure 2.5, with the article's update
- contextual: the contextual bandit, where the actor's input matters
- readme_figures: reruns the README's commands to rewrite the figures it shows
"""

# First, before any module here imports TensorFlow: the script sets TensorFlow's logging, which
# TensorFlow reads when it is imported.
import discrete_bandit  # noqa: F401, I001

import numpy as np


def mean_and_error(values, sign=""):
    """'mean +- standard error' of `values`, one per run; the mean alone for one run. `sign`:
    "+" to print the sign of a difference."""
    if len(values) == 1:
        return f"{np.mean(values):{sign}.3f}"
    return f"{np.mean(values):{sign}.3f} +- {np.std(values, ddof=1) / np.sqrt(len(values)):.3f}"
