"""Discrete policy gradients (REINFORCE) on a multi-armed bandit, in TensorFlow 2: a runnable
companion to "A Minimal Working Example for Discrete Policy Gradients in TensorFlow 2.0" (W. J. A.
van Heeswijk, Towards Data Science, 2020). Part 1, down to the line that marks its end, is the
article's example on its own and in its order: the pseudo-loss, the three-step update, the
bandit, the actor and the training loop. The parts after it make it fast, check the input, go
beyond the article, draw and parse the command line (`python discrete_bandit.py --help`).
Importing the script trains and writes nothing. (Run as a command, the block above `import keras`
checks the command line first; reading beside the article, skip it.)"""

import os

# TensorFlow reads these when it is imported, so they come before `import keras` below: hide its
# C++ start-up messages, and keep its oneDNN kernels off (CPUs with AVX-512 VNNI turn them on,
# and TensorFlow then prints a notice at every start and rounds differently). This small network
# gains nothing from them. Set either variable yourself to override it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# The article's four experiments: four arms each, every payoff with standard deviation 1 (up
# here, above the block below, because --help lists them).
DEFAULT_SETTINGS = (
    (1.0, 0.9, 0.9, 1.0),  # the one the published code trains: two equally good arms, 0 and 3
    (1.0, 2.0, 3.0, 4.0),  # clearly separated: the best arm is easy to find
    (1.0, 1.05, 1.1, 1.15),  # close together: exploration lingers
    (-1.0, -0.5, -2.0, -1.5),  # every payoff a loss: REINFORCE still finds the least bad arm
)

# This block only makes --help and a refused command line answer before TensorFlow's import,
# which takes seconds; it changes nothing the script computes, and a reader can skip it. Run as
# a command, the script first runs Parts 3 to 6 on their own, in a scratch namespace: their last
# lines call parse_args(), which exits on --help or a bad value. Else the scratch copy is dropped
# and the whole file runs. In a notebook's cell (no file), or in Part 1 saved on its own (no
# Part 3), the block does nothing.
if __name__ == "__main__" and os.path.isfile(globals().get("__file__", "")):
    with open(__file__, encoding="utf-8") as script:
        above, mark, below = script.read().partition("\n# ===== Part 3.")
    # Blank lines in place of the lines above Part 3 keep a traceback's line numbers right.
    exec(compile("\n" * above.count("\n") + mark + below, __file__, "exec"),
         dict(globals(), __name__="command_line"))
    del script, above, mark, below

import keras
import tensorflow as tf
from keras import layers


# ===== Part 1, section 1 of the article: a bit of mathematics (run: --policy-gradient) ==========
# The actor is a policy pi_theta(a | s): a probability for every action a in state s. After
# playing action a it observes a reward v, and REINFORCE moves the weights theta *up* the
# gradient of the log-probability of that action, scaled by the reward:
#
#     theta <- theta + alpha * grad_theta log pi_theta(a | s) * v
#
# A deep-learning library minimises a loss instead of updating weights by hand, so we give it
# the same expression with a minus sign, a "pseudo-loss" whose gradient *descent* is the
# update above (it is the cross-entropy of the chosen action, weighted by its reward):
#
#     L(a, s, v) = -log pi_theta(a | s) * v


def pseudo_loss(log_prob, reward):
    """The REINFORCE pseudo-loss: -reward * log pi(action).

    `log_prob` comes straight from the actor's log-softmax output (see `build_actor`), so it is
    finite even when pi(action) is far below float32's smallest number. The article's code takes
    `log(p + 1e-5)` of a softmax output instead, to dodge log(0); the 1e-5 biases the gradient.
    """
    return -reward * log_prob


# ===== Part 1, section 2 of the article: the TensorFlow 2 implementation =========================
# The article: Keras' `compile()` + `fit()` want a loss of two arguments, (y_true, y_pred), and
# ours needs the action and the reward too (half true: Keras' sample_weight can carry the reward,
# see --fit-check, Part 4). `tf.GradientTape` is the clear tool: record the forward pass on the
# tape, then ask it for gradients. An update is three steps: (i) the pseudo-loss, (ii) its
# gradient for the trainable weights, (iii) apply it.

STATE = tf.ones((1, 1))  # the bandit has a single state: the actor always sees the value 1
PLAYING = -1  # sets the steps' random keys apart from the initial weights' (seed, 0), (seed, 1)


def step_key(seed, step):
    """The random key of training step `step`, a pair of int32: stateless random ops take an
    explicit key, and the same key gives the same numbers. Keras draws the actor's initial
    weights from the keys (seed, 0) and (seed, 1) (see build_actor), so the steps take keys of
    their own: (seed, PLAYING) folded with the step number, as JAX's fold_in does."""
    return tf.random.experimental.stateless_fold_in(tf.stack([seed, PLAYING]), step)


def reinforce_step(actor, optimizer, means, stddev, seed, baseline=0.0):
    """Play the bandit once and update the actor. Returns (the probabilities played, reward).

    `means` is a float32 tensor of shape (rows, arms): the article plays one bandit, one row, so
    the probabilities come back as (1, arms) and the reward as (1,). (Part 2 feeds a row per
    run to an actor with weights of its own per row, and trains many runs with this same step.)
    `seed` is this step's random key, `step_key(seed, step)`.
    `baseline` is subtracted from the reward: not in the article, so 0. (Part 4's baselines
    are numbers or, as in Sutton & Barto's figures, a function of this very reward.)
    """
    # Two keys from the step's one: one to pick the arm, one for its reward.
    action_seed, reward_seed = tf.unstack(tf.random.experimental.stateless_split(seed))
    with tf.GradientTape() as tape:
        # The forward pass must happen on the tape: the tape can only differentiate what it saw.
        log_probs = actor(tf.ones((means.shape[0], 1)))  # the state, STATE, once per row
        # Sample an arm from pi (log-probabilities are valid logits), then play it (section 3).
        action = tf.random.stateless_categorical(log_probs, 1, action_seed)[:, 0]  # one per row
        reward = pull(means, stddev, action, reward_seed)
        if callable(baseline):
            baseline = baseline(reward)
        log_prob = tf.gather(log_probs, action, batch_dims=1)  # row r: log_probs[r, action[r]]
        # (i) the pseudo-loss; summed over rows, so that an actor with weights of its own per
        # row (Part 2) gives each row's weights the gradient of that row's loss
        loss = tf.reduce_sum(pseudo_loss(log_prob, reward - baseline))
    grads = tape.gradient(loss, actor.trainable_variables)  # (ii) its gradient
    optimizer.apply_gradients(zip(grads, actor.trainable_variables))  # (iii) one optimizer step
    return tf.exp(log_probs), reward


# ===== Part 1, section 3 of the article: the multi-armed bandit ==================================
# Arm i pays a reward drawn from Normal(mean_i, stddev_i): the article's stddevs are all equal.
# The player does not know the means; the best policy always plays the arm with the highest one.


def pull(means, stddev, action, seed):
    """Play arm action[r] of row r's bandit once: a reward from Normal(means[r, action[r]],
    stddev[r, action[r]]) per row (`batch_dims=1` picks entry action[r] of each row r).
    `stddev` is one number for every arm, or one per arm."""
    stddev = tf.broadcast_to(stddev, means.shape)
    noise = tf.random.stateless_normal(action.shape, seed)
    return tf.gather(means, action, batch_dims=1) + tf.gather(stddev, action, batch_dims=1) * noise


def build_actor(num_arms, seed=0):
    """The article's actor: state 1 -> Dense(5, relu) -> Dense(5, relu) -> a probability per arm.

    As in the article's code, the hidden layers start from `he_normal` weights and zero biases;
    the same `seed` gives the same actor. The output layer starts with a zero kernel and a zero
    bias, so every logit is 0 whatever the hidden layers compute, and the softmax gives every arm
    exactly 1 / num_arms: the article's "equal probability" start, for any number of arms (the
    article's code gets it from identical kernel columns, `Ones`).

    The output is log-softmax, the logarithm of the article's softmax: the same policy
    (pi = exp(output)), but it hands the pseudo-loss log pi directly, with no log(0).
    """
    # One seeded stream for both layers: an integer seed would give each layer the same draws.
    he_normal = keras.initializers.HeNormal(seed=keras.random.SeedGenerator(seed))
    state = keras.Input(shape=(1,), name="state")
    hidden = layers.Dense(5, activation="relu", kernel_initializer=he_normal)(state)
    hidden = layers.Dense(5, activation="relu", kernel_initializer=he_normal)(hidden)
    log_probs = layers.Dense(num_arms, activation="log_softmax", kernel_initializer="zeros",
                             bias_initializer="zeros")(hidden)
    return keras.Model(state, log_probs, name="actor")


def train_step_by_step(means, *, steps=10_000, seed=0, stddev=1.0, learning_rate=1e-3,
                       on_step=lambda: None):
    """The article's training loop: a fresh actor and Adam, then `steps` REINFORCE updates,
    run eagerly, one Python iteration per step (Part 2 compiles the same step for many runs).

    Returns the policy at every step, a float32 array of shape (steps + 1, len(means)): row t
    holds the action probabilities after t updates, so row 0 is the uniform start.
    """
    actor = build_actor(len(means), seed)
    optimizer = keras.optimizers.Adam(learning_rate)
    means = tf.constant([means], tf.float32)  # one bandit: a single row, (1, arms)
    stddev = tf.constant(stddev, tf.float32)
    history = []
    for step in range(steps):
        probs, _ = reinforce_step(actor, optimizer, means, stddev, step_key(seed, step))
        history.append(probs[0])  # the policy that played this step, after `step` updates
        on_step()  # a progress bar, say
    history.append(tf.exp(actor(STATE)[0]))  # and the policy after the last update
    return tf.stack(history).numpy()


# ===== End of the article's example ==============================================================
# Below, none of which Part 1 needs: speed, many runs, checks, beyond the article, figures, CLI.
# (Run as a command, Parts 3 to 6 also run once before all else, to check it: see the top.)
import functools
import gc
import sys
import timeit
from types import SimpleNamespace

import matplotlib
import numpy as np
from matplotlib import pyplot as plt
from matplotlib.ticker import MaxNLocator


# ===== Part 2. Faster: many runs as one batch, in one loop compiled by XLA ======================
# As JAX users `vmap` over seeds, the runs of a setting train as one population: the article's
# actor with a leading axis of runs on every weight. Part 1's step sums the rows' losses, so each
# run's weights get their own gradient, and Adam and SGD act on each number alone. XLA compiles
# CHUNK steps of all runs into one call, once per kind of population: 1 us a run-step, not 20 ms.
CHUNK = 1_000  # steps per call of the compiled loop
# XLA's newer CPU code generator compiles the loop 0.3 s slower, runs no faster. TF 2.21 knows it.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_use_fusion_emitters=false")


def new_optimizer(name, learning_rate=1e-3):
    """A fresh Keras optimizer by its name in OPTIMIZERS (Part 3): "adam" is the article's."""
    # The runs stay independent only with optimizers that act on each number alone: not with
    # clipnorm or global_clipnorm, whose norm would mix the runs' gradients.
    return keras.optimizers.get({"class_name": name, "config": {"learning_rate": learning_rate}})


def build_population(runs, num_arms, hidden_layers=2):
    """`runs` copies of the article's actor as one Keras model: a state in, log pi out per run."""
    def dense(units, **kwargs):  # Dense with a leading axis of runs on its kernel and bias
        return layers.EinsumDense("ri,rio->ro", units, **kwargs)

    states = keras.Input(shape=(1,), batch_size=runs, name="states")
    hidden = states
    for _ in range(hidden_layers):
        hidden = dense(5, activation="relu", bias_axes="ro")(hidden)
    # With no hidden layer the input is 1, so the kernel holds a preference per arm: no bias.
    log_probs = dense(num_arms, activation="log_softmax", bias_axes="ro" if hidden_layers else None)
    return keras.Model(states, log_probs(hidden), name="population")


def he_normal_kernels(shape, seed, layer):
    """Keras' he_normal for a (runs, inputs, units) kernel, from build_actor(arms, seed)'s stream
    for hidden layer `layer`: run 0 gets its kernel, run r the numbers after."""
    return tf.random.stateless_truncated_normal(
        shape, tf.stack([seed, layer]), stddev=np.sqrt(2 / shape[1]) / 0.87962566103423978)


def train_runs(means, runs, *, stddev=1.0, steps=10_000, learning_rate=1e-3, seed=0,
               baseline=False, hidden_layers=2, optimizer="adam", eager=False,
               on_progress=lambda run_steps: None):
    """Train `runs` fresh actors at once on `means` (a bandit, or a (runs, arms) array of one per
    run). Returns (runs, steps + 1, arms): per run, an array of the form `train_step_by_step`
    returns, the same array for the same arguments on one machine (XLA draws other random numbers
    than `train_step_by_step`). Run r depends on (seed, r) alone; `eager=True` runs
    `train_step_by_step` itself (one run). `baseline`: False, True (`--baseline`) or a name in
    BASELINES. Raises ValueError for bad arguments, TrainingDiverged for non-finite weights."""
    check_arguments(stddev=stddev, steps=steps, learning_rate=learning_rate, seed=seed,
                    baseline=baseline, hidden_layers=hidden_layers, optimizer=optimizer,
                    eager=eager, runs=runs)
    rows = means if np.ndim(means) == 2 else [means] * runs  # a bandit per run
    if len(rows) != runs:
        raise ValueError(f"a bandit per run needs {runs} rows of means, got {len(rows)}")
    means = np.array([check_setting(row) for row in rows], np.float32)
    check_stddev_per_arm(stddev, means.shape[1])
    # One per arm, always: the compiled loop is traced once, whether one number or one per arm.
    stddev = np.broadcast_to(np.asarray(stddev, np.float32), means.shape[1:])
    baseline = baseline_name(baseline)
    check_history_size(steps + 1, means.shape[1], runs)
    history = np.empty((runs, steps + 1, means.shape[1]), np.float32)
    if eager:  # one run, from build_actor(arms, seed): as run 0 of a population starts
        try:
            history[0] = train_step_by_step(list(means[0]), steps=steps, seed=seed,
                                            stddev=list(stddev), learning_rate=learning_rate,
                                            on_step=lambda: on_progress(1))
        except tf.errors.InvalidArgumentError:  # weights that are not numbers sample no arm
            raise TrainingDiverged("during training") from None
        return check_finite(history)
    # Always tensors of the same types: the loop is traced and compiled once per kind.
    agent = _agent(runs, means.shape[1], baseline, hidden_layers, optimizer)
    agent.reset(seed, learning_rate)
    bandit = tf.constant(means), tf.constant(stddev, tf.float32), tf.constant(seed)
    for first_step in range(0, steps, CHUNK):
        num_steps = min(CHUNK, steps - first_step)
        probs, final = agent.play(*bandit, tf.constant(first_step), tf.constant(num_steps))
        history[:, first_step : first_step + num_steps] = probs.numpy()[:, :num_steps]
        history[:, first_step + num_steps] = final.numpy()
        on_progress(runs * num_steps)
    return check_finite(history)


def train(means, **kwargs):
    """One run: `train_runs(means, 1, ...)[0]`, of shape (steps + 1, arms)."""
    return train_runs(means, 1, **kwargs)[0]


@functools.cache  # each kind of population is built and compiled once, then reused
def _agent(runs, num_arms, baseline, hidden_layers, optimizer_name):
    """A population of this kind: its actor, optimizer, reset() and compiled loop, play()."""
    actor = build_population(runs, num_arms, hidden_layers)
    optimizer = new_optimizer(optimizer_name)
    optimizer.build(actor.trainable_variables)
    baseline = BASELINES[baseline]
    # Each run's average of its rewards so far, for the baselines: kept from call to call, as
    # the weights are.
    average_reward = tf.Variable(tf.zeros(runs), trainable=False, name="average_reward")

    def reset(seed, learning_rate):
        """Fresh runs: every run's weights as build_actor draws them, and a fresh optimizer."""
        *hidden, output = actor.layers[1:]
        for layer_index, layer in enumerate(hidden):
            layer.kernel.assign(he_normal_kernels(layer.kernel.shape, seed, layer_index))
            layer.bias.assign(tf.zeros_like(layer.bias))
        for variable in [*output.trainable_variables, *optimizer.variables, average_reward]:
            variable.assign(tf.zeros_like(variable))  # Adam's step count and moments, too
        optimizer.learning_rate.assign(learning_rate)

    @tf.function(jit_compile=True, autograph=False)  # a plain tf.while_loop: nothing to convert
    def play(means, stddev, seed, first_step, num_steps):
        """num_steps (<= CHUNK) steps of all runs: the policies played, and the policies after."""
        def one_step(step, history, average_reward):
            count = tf.cast(step, tf.float32)  # rewards seen before this step
            probs, reward = reinforce_step(
                actor, optimizer, means, stddev, step_key(seed, step),
                lambda reward: baseline(reward, average_reward, count))
            average_reward += (reward - average_reward) / (count + 1.0)
            # A tensor, row by row: with a TensorArray, TF's XLA bridge would translate this twice.
            history = tf.tensor_scatter_nd_update(history, [[step - first_step]], probs[None])
            return step + 1, history, average_reward

        _, history, last_average = tf.while_loop(
            lambda step, *_: step < first_step + num_steps, one_step,
            (first_step, tf.zeros((CHUNK, runs, num_arms)), average_reward.value()))
        average_reward.assign(last_average)
        return tf.transpose(history, (1, 0, 2)), tf.exp(actor(tf.ones((runs, 1))))

    return SimpleNamespace(actor=actor, optimizer=optimizer, reset=reset, play=play)


def progress_bar(target):
    """Keras' progress bar: in a terminal, a bar; in a log or a pipe, one line at the end."""
    return keras.utils.Progbar(target, verbose=1 if sys.stdout.isatty() else 2,
                                unit_name="run-step")  # a step of one run: the bars count them


def train_settings(settings, *, runs=10, seed=0, steps=10_000, hidden_layers=2, label="",
                   **train_kwargs):
    """`train_runs` for each setting, with a progress bar: [(means, histories, dead per run)].
    The defaults are the command line's (10 runs); `train_kwargs` go to `train_runs`."""
    dead = is_dead(alive_units(seed, runs, hidden_layers))
    results = []
    for means in settings:
        print(f"means = {format_means(means)}{label}", flush=True)
        progress = progress_bar(runs * steps)
        histories = train_runs(means, runs, seed=seed, steps=steps, hidden_layers=hidden_layers,
                               on_progress=progress.add, **train_kwargs)
        results.append((means, histories, dead))
    return results


# ===== Part 3. Checks: bad input gets a message that says what is wrong, before any work =========
# Parts 3 to 6 also run on their own, before all else, when the script runs as a command (see
# the top of the file). So their top level (constants, default values, decorators), parse_args()
# and the checks it calls use only these modules, os and DEFAULT_SETTINGS from the top: no NumPy,
# TensorFlow, Keras or matplotlib (a test runs every refusal without them).
import argparse
import contextlib
import math
import numbers
from pathlib import Path

OPTIMIZERS = ("adam", "sgd")  # Keras' names of the article's optimizer and of plain SGD
MAX_SEED = 2**31 - 1  # stateless random ops take int32 seeds
MAX_ARMS = 100  # a bandit's arms; beyond 10, the figures colour arms by their mean and name a few
MAX_HIDDEN_LAYERS = 10
FLOAT32_MAX = (2 - 2**-23) * 2**127  # the largest float32, NumPy's np.finfo(np.float32).max
FLOAT32_TINY = 2**-126  # the smallest normal float32 above 0, np.finfo(np.float32).tiny
MAX_HISTORY_BYTES = 2**30  # the histories one call or command may keep in memory


class TrainingDiverged(ArithmeticError):
    """The actor's weights stopped being finite numbers during training."""

    def __init__(self, when):
        super().__init__(f"training diverged: {when} the actor's weights were no longer finite "
                         "numbers (payoffs too large for float32 arithmetic); try smaller payoffs "
                         "(--means, --stddev) or a smaller --learning-rate")


def check_finite(histories):
    """`histories` if all their policies are finite numbers, else raise TrainingDiverged."""
    bad = ~np.isfinite(histories).all(axis=(0, 2))  # per step
    if bad.any():
        raise TrainingDiverged(f"after {int(np.argmax(bad)):,} updates")
    return histories


def check_setting(means):
    """Raise ValueError unless `means` is a sequence of 2 to MAX_ARMS finite float32 numbers."""
    if isinstance(means, (str, bytes)):
        raise ValueError(f"means must be a sequence of numbers, got the string {means!r}")
    try:
        values = [float(m) for m in means]
    except (TypeError, ValueError):
        raise ValueError(f"means must be numbers, got {means!r}") from None
    if not 2 <= len(values) <= MAX_ARMS:
        raise ValueError(f"a bandit needs 2 to {MAX_ARMS} arms, got {len(values)}")
    if not all(abs(m) <= FLOAT32_MAX for m in values):  # not infinite, not nan, float32
        raise ValueError(f"means must be numbers within +-{FLOAT32_MAX:.2g}, float32's range, "
                         f"got {format_means(values)}")
    return values


def check_integer(name, value, low, high=math.inf):
    """Raise ValueError unless `value` is an integer from `low` to `high` (not a bool)."""
    # A bool is an integer to Python, but `steps=True` is surely a mistake.
    is_integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not is_integer or not low <= value <= high:
        limits = f">= {low}" if high == math.inf else f"from {low} to {high}"
        raise ValueError(f"{name} must be an integer {limits}, got {value!r}")


def check_number(name, value, low, high):
    """Raise ValueError unless `value` is a real number from `low` to `high` (not nan)."""
    # Not-a-number and infinity fail the range test.
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:.2g} to {high:.2g}, got {value!r}")


def per_arm(stddev):
    """[stddev] for one number; else a list of its numbers (a list, tuple or array), one per arm."""
    if isinstance(stddev, (list, tuple)) or getattr(stddev, "ndim", 0):
        return list(stddev)
    return [stddev]


def check_stddev_per_arm(stddev, arms):
    """Raise ValueError unless `stddev` is one number, or a sequence of one per arm."""
    count = len(per_arm(stddev))
    if count not in (1, arms):
        raise ValueError(f"stddev takes one number for every arm or one per arm ({arms}), "
                         f"got {count}")


def check_arguments(*, stddev, steps, learning_rate, seed, baseline="none", hidden_layers=2,
                    optimizer="adam", eager=False, runs=1):
    """Raise ValueError with a readable message for any invalid training argument."""
    check_integer("runs", runs, 1)
    for value in per_arm(stddev):
        check_number("stddev", value, 0.0, FLOAT32_MAX)
    check_integer("steps", steps, 1)
    check_number("learning_rate", learning_rate, FLOAT32_TINY, FLOAT32_MAX)
    check_integer("seed", seed, 0, MAX_SEED)
    check_integer("hidden_layers", hidden_layers, 0, MAX_HIDDEN_LAYERS)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    baseline = baseline_name(baseline)  # raises for an unknown one
    the_articles_loop = (runs == 1 and baseline == "none" and hidden_layers == 2
                         and optimizer == "adam")
    if eager and not the_articles_loop:
        raise ValueError("eager runs the article's loop as it is (train_step_by_step): "
                         "one run, no baseline, 2 hidden layers, adam")


def check_history_size(rows, arms, runs=1):
    """Raise ValueError if `runs` histories of `rows` x `arms` float32 exceed MAX_HISTORY_BYTES."""
    size = rows * arms * runs * 4
    if size > MAX_HISTORY_BYTES:
        raise ValueError(f"the training history would take {size / 2**30:,.1f} GiB of memory (limit"
                         f" {MAX_HISTORY_BYTES / 2**30:g} GiB); use fewer steps, runs or settings")


def baseline_name(baseline):
    """False -> "none", True -> "previous"; a name from BASELINES passes through."""
    if isinstance(baseline, str):  # the command line's are str or bool: no NumPy needed
        if baseline in BASELINES:
            return baseline
    elif isinstance(baseline, bool) or isinstance(baseline, np.bool_):
        return "previous" if baseline else "none"
    raise ValueError(f"baseline must be True, False or one of {', '.join(BASELINES)}")


# ===== Part 4. Beyond the article: sections 1 and 2 run, a baseline, dead networks, the textbook ==
# Section 1 of the article, made visible: averaged over the actions the policy samples and their
# rewards, the pseudo-loss's gradient is the gradient of the expected payoff J = sum_a pi(a) mu_a
# (the policy gradient theorem: Williams 1992; Sutton & Barto, section 13.2). On a bandit the
# average is a sum over the arms, so the exact gradient is one tape away, and so is the bias of
# the article's log(p + 1e-5). That bias cannot be seen in one play, the single play a training
# step makes (a step's noise is far larger); it shows when many plays are averaged at a policy
# with rare arms.
# Checked late in training on the article's [1, 2, 3, 4] shifted by +5, where 3 arms have p = 1e-5
# and log(p + 1e-5) halves their gradient; the shift makes the bias large (it grows with the
# payoffs, the gradient with their gaps) and gives the baseline something to remove.
CHECKED_MEANS, CHECKED_POLICY = (6.0, 7.0, 8.0, 9.0), (1e-5, 1e-5, 1e-5, 1 - 3e-5)
CHECKED_PLAYS = tuple(round(10 ** (k / 2)) for k in range(17))  # n = 1, 3, 10, 32, ... 1e8
CHECKED_REPEATS = 1_000  # estimates per n
ESTIMATES = ("pseudo-loss", "with baseline", "article's +1e-5")


def actor_at(policy, seed=0):
    """`build_actor(arms, seed)` in float64 (float32 leaves the exact gradient 0.1% off), with an
    output kernel that passes gradients back and a bias that makes log pi = log(policy)."""
    weights = build_actor(len(policy), seed).get_weights()  # the float32 draws, copied
    dtype_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        actor = build_actor(len(policy), seed)
    finally:
        keras.config.set_dtype_policy(dtype_policy)
    actor.set_weights(weights)
    output = actor.layers[-1]
    output.kernel.assign(0.5 * np.random.default_rng(seed).standard_normal(output.kernel.shape))
    output.bias.assign(np.log(policy) - actor(tf.cast(STATE, tf.float64))[0])
    return actor


def policy_gradient_check(means=CHECKED_MEANS, policy=CHECKED_POLICY, *, stddev=1.0,
                          plays=CHECKED_PLAYS, repeats=CHECKED_REPEATS, seed=0, actor_seed=0):
    """The exact policy gradient against `repeats` estimates from each number of plays n: the
    mean of n single-play pseudo-loss gradients, the same with a baseline b = J subtracted from
    each reward, and the article's, with log(p + 1e-5) in place of log pi.

    Why an estimate costs one small product, whatever n: the pseudo-loss is linear in the reward,
    so the mean of n single-play gradients depends on the plays only through each arm's count c_a
    and reward sum R_a: it is sum_a (R_a / n) grad pseudo_loss(log pi(a), 1). The tape gives those
    per-arm gradients once; c ~ Multinomial(n, pi) and R_a ~ Normal(c_a mu_a, sqrt(c_a) stddev)
    are then drawn exactly as n plays would draw them. A baseline b turns R_a into R_a - b c_a.

    Returns a namespace: estimates, (3, len(plays), repeats, weights), negated to estimate
    grad J; exact; errors, (len(plays), 3), the mean of |estimate - exact| / |exact|; bias, the
    article's expected estimate minus exact, and relative_bias; the plays: counts and sums."""
    actor, means = actor_at(policy, actor_seed), np.asarray(means, np.float64)
    with tf.GradientTape(persistent=True) as tape:
        log_probs = actor(tf.cast(STATE, tf.float64))[0]
        payoff = tf.reduce_sum(tf.exp(log_probs) * means)  # J(theta)
        # One play of each arm with reward 1: with log pi, and with the article's log(p + 1e-5).
        losses = pseudo_loss(tf.stack([log_probs, tf.math.log(tf.exp(log_probs) + 1e-5)]), 1.0)
    gradient = tape.gradient(payoff, actor.trainable_variables)
    if not all(np.any(layer) for layer in gradient):
        raise ValueError(f"actor seed {actor_seed}: a layer gets no gradient (a dead network)")
    exact = np.concatenate([np.ravel(layer) for layer in gradient])  # every weight
    # The gradient of each loss for each arm (pfor off: 10 times faster here).
    per_arm = tape.jacobian(losses, actor.trainable_variables, experimental_use_pfor=False)
    ours, article = -np.concatenate([np.reshape(g, (2, len(means), -1)) for g in per_arm], -1)
    pi = np.exp(log_probs.numpy())
    baseline = pi @ means  # a constant: the average payoff, which --baseline's average tracks
    rng = np.random.default_rng(seed)
    counts = np.stack([rng.multinomial(n, pi / pi.sum(), size=repeats) for n in plays])
    sums = rng.normal(counts * means, np.sqrt(counts) * stddev)
    n = np.asarray(plays)[:, None, None]
    estimates = np.stack([sums / n @ ours, (sums - baseline * counts) / n @ ours,
                          sums / n @ article])
    size, bias = np.linalg.norm(exact), pi * means @ article - exact
    errors = np.linalg.norm(estimates - exact, axis=-1).mean(axis=-1).T / size
    return SimpleNamespace(plays=np.asarray(plays), estimates=estimates, exact=exact, bias=bias,
                           errors=errors, relative_bias=np.linalg.norm(bias) / size, policy=pi,
                           means=means, baseline=baseline, counts=counts, sums=sums)


# Section 2 of the article, run (--fit-check): Keras' own training makes the same update. A Keras
# loss takes (y_true, y_pred) only, so the article rules out compile(), fit() and train_on_batch().
# But they also take `sample_weight`, a weight per row that multiplies the row's loss. With the
# action played as y_true and its reward as the weight, a row's sparse categorical cross-entropy
# is -reward * log pi(action): the pseudo-loss. Part 1 keeps the tape all the same: it shows the
# three steps, and it runs inside Part 2's compiled loop, where the action, the reward and a
# baseline computed from it are made, not handed in as data.


def compile_for_reinforce(actor, optimizer, reduction="sum"):
    """Compile `build_actor`'s actor so that `train_on_batch_step` makes `reinforce_step`'s update.

    The loss is the cross-entropy of y_true, the action, with the actor's log-softmax output as
    logits: log-probabilities are valid logits (softmax(log p) = p). Why `reduction="sum"`:
    Part 1's step sums the rows' pseudo-losses, while Keras' default reduction,
    "sum_over_batch_size", averages them. With one row the two agree; with k rows the default
    would take a step on the mean, with gradients k times smaller (SGD's step shrinks k-fold;
    Adam divides the scale out, all but its epsilon).

    Run eagerly, as Part 1's step runs: tracing Keras' step into a tf.function takes 0.8 s,
    longer than --fit-check's 10 eager steps (0.5 s; measured). No XLA either: Keras'
    `jit_compile="auto"` is off on a CPU, but on where TensorFlow sees a GPU.
    """
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)
    actor.compile(optimizer, loss, run_eagerly=True, jit_compile=False)
    return actor


def train_on_batch_step(actor, means, stddev, seed):
    """`reinforce_step` (without a baseline) made by Keras: play the bandit once and update the
    actor with `train_on_batch`. Returns (the probabilities played, reward, action), for an
    `actor` from `compile_for_reinforce`.

    It draws as `reinforce_step` draws, from the same split of the seed pair: the same weights,
    means and seed pair play the same action and get the same reward. The actor sees the state
    twice, here to draw the action and in `train_on_batch` on Keras' own tape: the same weights,
    the same numbers.
    """
    action_seed, reward_seed = tf.unstack(tf.random.experimental.stateless_split(seed))
    states = tf.ones((means.shape[0], 1))  # the state, once per row
    log_probs = actor(states)
    action = tf.random.stateless_categorical(log_probs, 1, action_seed)[:, 0]  # one per row
    reward = pull(means, stddev, action, reward_seed)
    # The action as the label, its reward as the row's weight: row r's loss is the pseudo-loss
    # -reward[r] * log pi(action[r]), and the rows' losses are summed (see compile_for_reinforce).
    actor.train_on_batch(states, action, sample_weight=reward)
    return tf.exp(log_probs), reward, action


# --fit-check trains two copies from one start, each on its own, with the same seed pairs: one
# with the tape, one with Keras. So every step compares whole runs, the optimizer's state
# included, not one step from shared weights; and were the updates apart by more than rounding,
# the copies would part: another arm, another reward.
def train_both_ways(means, *, steps=10, seed=0, stddev=1.0, learning_rate=1e-3, optimizer="adam"):
    """Two copies of `build_actor(arms, seed)` trained side by side on the bandit `means`, one
    with `reinforce_step`, one with `train_on_batch_step`. Returns a namespace of arrays, one
    entry per step: actions (the Keras copy's), rewards ((steps, 2): the tape copy's, the Keras
    copy's), apart (the largest |difference| between the copies' weights after the step) and
    moved (the largest change of a weight of the tape copy in the step); largest_weight, the
    largest |weight| at the end; and the optimizer's class name. Raises TrainingDiverged for
    non-finite weights.
    """
    check_stddev_per_arm(stddev, len(means))
    tape_actor, keras_actor = build_actor(len(means), seed), build_actor(len(means), seed)
    tape_optimizer = new_optimizer(optimizer, learning_rate)
    compile_for_reinforce(keras_actor, new_optimizer(optimizer, learning_rate))
    means, stddev = tf.constant([means], tf.float32), tf.constant(stddev, tf.float32)

    def all_weights(actor):  # every weight of the actor, in one flat array
        return np.concatenate([np.ravel(weights) for weights in actor.get_weights()])

    actions, rewards, apart, moved = [], [], [], []
    before = all_weights(tape_actor)
    for step in range(steps):
        seed_pair = step_key(seed, step)
        _, tape_reward = reinforce_step(tape_actor, tape_optimizer, means, stddev, seed_pair)
        _, keras_reward, action = train_on_batch_step(keras_actor, means, stddev, seed_pair)
        after = all_weights(tape_actor)
        if not np.isfinite(after).all():
            raise TrainingDiverged(f"after {step + 1:,} updates")
        actions.append(int(action[0]))
        rewards.append((tape_reward[0], keras_reward[0]))
        apart.append(np.abs(after - all_weights(keras_actor)).max())
        moved.append(np.abs(after - before).max())
        before = after
    return SimpleNamespace(actions=np.array(actions), rewards=np.array(rewards),
                           apart=np.array(apart), moved=np.array(moved),
                           largest_weight=np.abs(before).max(),
                           optimizer=type(tape_optimizer).__name__)


def best_arms(means):
    """Indices of the arm(s) with the highest mean payoff."""
    return np.flatnonzero(np.asarray(means) == max(means))


def best_arm_probability(history, means):
    """Probability mass on the best arm(s), per step: (..., steps + 1, arms) -> (..., steps + 1)."""
    return history[..., best_arms(means)].sum(axis=-1)


def band(values):
    """Mean and 10th-90th percentile band over runs (axis 0)."""
    return values.mean(axis=0), np.percentile(values, 10, axis=0), np.percentile(values, 90, axis=0)


# A baseline b replaces the reward v by v - b: if b does not depend on the action played, the
# gradient stays unbiased and its variance drops (Sutton & Barto, 2.8). "previous" (--baseline)
# is the average of earlier rewards; "including" counts this step's too, as the book's figures.
BASELINES = {
    "none": lambda reward, average, count: 0.0,
    "previous": lambda reward, average, count: average,
    "including": lambda reward, average, count: average + (reward - average) / (count + 1.0),
}


# Why some runs learn slower: the input is always 1, so each hidden ReLU unit is on or off from
# the start, and one that is off passes no gradient back. With every unit of the last hidden
# layer off, only the output bias learns, slowly: we call the network dead.
def alive_units(seed, runs=1, hidden_layers=2):
    """Units on per hidden layer at the start of each run of `train_runs`: (runs, layers)."""
    outputs, alive = tf.ones((runs, 1)), []
    for layer in range(hidden_layers):  # the biases start at zero
        kernel = he_normal_kernels((runs, outputs.shape[1], 5), seed, layer)
        outputs = tf.nn.relu(tf.einsum("ri,rio->ro", outputs, kernel))
        alive.append(np.count_nonzero(outputs, axis=1))
    return np.array(alive, dtype=int).reshape(hidden_layers, runs).T


def is_dead(alive):
    """Per run (a row of `alive_units`): dead when its last hidden layer has no unit on."""
    return alive[:, -1] == 0 if alive.shape[1] else np.zeros(len(alive), bool)


# With no hidden layer and plain SGD, the article's actor *is* the gradient bandit of Sutton &
# Barto (2nd ed., 2.8): the kernel holds a preference H(a) per arm, and an SGD step on -(R - b)
# log pi(A) is their equation 2.12, H(a) <- H(a) + alpha (R - b) (1{a = A} - pi(a)). Figure 2.5
# runs it on 10-armed testbeds, q*(a) ~ Normal(4, 1), alpha 0.1 and 0.4, with and without b.
def gradient_bandit(alpha, baseline):
    """train() arguments for Sutton & Barto's gradient bandit: a bias-only actor and plain SGD."""
    return dict(learning_rate=alpha, baseline=baseline, hidden_layers=0, optimizer="sgd")


# --sutton-barto's curves, key: (label, style, train() arguments); --baseline's leaves out R_t.
SUTTON_BARTO = {
    "article": ("the article's actor, Adam(1e-3)", dict(color="black", linewidth=1),
                dict(learning_rate=1e-3)),
    (0.1, True): ("alpha = 0.1, with baseline", dict(color="tab:blue"),
                  gradient_bandit(0.1, "including")),
    (0.4, True): ("alpha = 0.4, with baseline", dict(color="tab:brown"),
                  gradient_bandit(0.4, "including")),
    (0.1, False): ("alpha = 0.1, without baseline", dict(color="tab:blue", linestyle="--"),
                   gradient_bandit(0.1, "none")),
    (0.4, False): ("alpha = 0.4, without baseline", dict(color="tab:brown", linestyle="--"),
                   gradient_bandit(0.4, "none")),
    "previous": ("alpha = 0.4, baseline of earlier rewards only",
                 dict(color="tab:brown", linestyle=":"), gradient_bandit(0.4, "previous")),
}
SUTTON_BARTO_CURVES = tuple(key for key in SUTTON_BARTO if isinstance(key, tuple))  # the book's


def sutton_barto_figure_2_5(runs=2000, steps=1000, seed=0, variants=None,
                            progress=lambda run_steps: None):
    """Sutton & Barto's Figure 2.5 with the article's three steps: for each of the book's curves
    (or {key: train() arguments} in `variants`), the mean over runs (each on a testbed of its
    own) of pi_t(optimal arm), t = 1..steps: "% optimal action" without sampling noise."""
    variants = variants or {key: SUTTON_BARTO[key][2] for key in SUTTON_BARTO_CURVES}
    true_values = np.random.default_rng(seed).normal(4.0, 1.0, size=(runs, 10))  # the testbeds
    optimal = np.argmax(true_values, axis=1)
    curves = {}
    for key, train_kwargs in variants.items():
        histories = train_runs(true_values, runs, stddev=1.0, steps=steps, seed=seed,
                               on_progress=progress, **train_kwargs)
        optimal_arm = histories[np.arange(runs), :steps, optimal]  # row t - 1: step t
        curves[key] = optimal_arm.mean(axis=0, dtype=np.float64)
    return curves


# "A bit of fine-tuning", the article ends. --compare's knobs: train() argument, type, defaults.
KNOBS = {
    "learning-rate": ("learning_rate", float, None),
    "stddev": ("stddev", float, None),
    "hidden-layers": ("hidden_layers", int, None),
    "optimizer": ("optimizer", str, OPTIMIZERS),
    "baseline": ("baseline", str, ("none", "previous")),
}
MAX_COMPARED = 10  # values of one knob: one colour each


# ===== Part 5. Figures: each function makes one figure and saves it ==============================
MAX_POINTS = 500  # points per curve, about a panel's width in pixels: more could not be seen
MAX_BANDS = 3  # percentile bands per panel: more pile up into one wash of colour
MAX_ARMS_IN_FULL = 6  # arms listed one by one in titles, tables and bar labels; beyond, in short


def _panels(count, title, legend_rows=0):
    """`count` panels, two per row, below a two-line title and above `legend_rows` of a legend;
    margins fixed in inches (tight_layout would take as long as drawing)."""
    ncols, nrows = min(count, 2), math.ceil(count / 2)
    width, height = 6.4 * ncols, 4.4 * nrows
    left, right, top, bottom = 0.8, 0.25, 0.95, 0.75 + 0.25 * legend_rows
    across, down = 0.9, 0.95  # between panels: tick and axis labels, the next panel's title
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(left / width, bottom / height, 1 - right / width, 1 - top / height,
                        across / ((width - left - right - across * (ncols - 1)) / ncols),
                        down / ((height - top - bottom - down * (nrows - 1)) / nrows))
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig, axes.flat[:count]


def _curve(ax, values, color, label, with_band=True, **line):
    """The mean over runs of `values` (runs, steps + 1) as a line, with several runs its band."""
    stride = math.ceil(values.shape[1] / MAX_POINTS)
    steps = np.arange(values.shape[1])[::stride]
    mean, low, high = band(values[:, ::stride])
    ax.plot(steps, mean, color=color, label=label, **line)
    if len(values) > 1 and with_band:
        ax.fill_between(steps, low, high, color=color, alpha=0.15, linewidth=0)
    ax.set(ylim=(0, 1), xlabel="training step")


def _save(fig, path):
    """Write beside `path` (a str or a Path), then rename: nobody sees half a PNG, a failed write
    leaves nothing."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        fig.savefig(partial, dpi=100, format="png")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return fig


def plot_final_probabilities(results, path):
    """Each arm's final probability per setting: a bar for the mean, a dot per run (a cross if
    it started dead), a star on the best arm(s)."""
    runs, rows = results[0][1].shape[:2]
    note = "" if runs == 1 else f"\n{runs} runs: bars show the mean, dots single runs"
    fig, axes = _panels(len(results), f"Action probabilities after {rows - 1:,} steps{note}",
                        legend_rows=1)
    rng = np.random.default_rng(0)  # horizontal jitter of the dots, the same in every figure
    for ax, (means, histories, dead) in zip(axes, results):
        arms = np.arange(len(means))
        final = histories[:, -1, :]
        ax.bar(arms, final.mean(axis=0), color=arm_colors(means), edgecolor="black",
               linewidth=0.6 if len(means) <= MAX_NAMED_ARMS else 0, alpha=0.8)
        if runs > 1:
            jitter = rng.uniform(-0.25, 0.25, size=final.shape)
            for runs_shown, marker, label in ((~dead, "o", "one run"), (dead, "x", "dead network")):
                if runs_shown.any():
                    ax.scatter((arms + jitter[runs_shown]).ravel(), final[runs_shown].ravel(), s=9,
                               c="black", marker=marker, linewidths=0.8, label=label, zorder=3)
        best = best_arms(means)
        ax.plot(best, np.full(len(best), 1.05), "k*", markersize=10, label="best arm")
        ax.axhline(1 / len(means), color="gray", linestyle=":", label="uniform start")
        if len(means) <= MAX_ARMS_IN_FULL:  # room under each bar for its number and mean
            ax.set_xticks(arms, [f"arm {i}\nmean {m:g}" for i, m in enumerate(means)])
        else:  # the arms' numbers, as many as fit; their means are in the title and the table
            ax.xaxis.set_major_locator(MaxNLocator(10, integer=True))
            ax.set(xlabel="arm", xlim=(-0.6, len(means) - 0.4))
        ax.set(ylim=(0, 1.1), ylabel="probability of playing the arm",
               title=f"means = {format_means(means)}")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels))
    return _save(fig, path)


def plot_learning_curves(results, path):
    """Each arm's probability over the steps per setting: the mean over runs with its band, and
    the first run as a thin line, as the article's figures show one run. Beyond MAX_NAMED_ARMS
    arms, only the best arm(s) and the arm played most at the end are named and banded; the
    others are drawn thin, in the colour of their mean."""
    runs = results[0][1].shape[0]
    note = "" if runs == 1 else (f"\n{runs} runs: mean and 10th-90th percentile band; thin line: "
                                 "the first run")
    fig, axes = _panels(len(results), "Learning curves" + note)
    for ax, (means, histories, _) in zip(axes, results):
        best = best_arms(means)
        named = named_arms(means, histories[:, -1].mean(axis=0))
        colors = arm_colors(means)
        for arm in range(len(means)):
            if arm not in named:
                _curve(ax, histories[:, :, arm], colors[arm], None, with_band=False,
                       linewidth=0.6, alpha=0.6)
                continue
            label = f"arm {arm} (mean {means[arm]:g}"
            if arm in best:
                label += ", best"
            label += ")"
            # Arms of equal means learn alike: the second of them dashed, the third dotted, ...
            ties = list(means[:arm]).count(means[arm])
            style = dict(linestyle=TIE_STYLES[ties % len(TIE_STYLES)])
            _curve(ax, histories[:, :, arm], colors[arm], label, linewidth=1.2, **style)
            if runs > 1:
                _curve(ax, histories[:1, :, arm], colors[arm], None, linewidth=0.5, alpha=0.8,
                       **style)
        others = len(means) - len(named)
        if others:
            ax.plot([], [], color="gray", linewidth=0.6, label=f"{others} other arms (colour: "
                    "mean, low dark, high yellow)")
        ax.set(ylabel="probability of playing the arm", title=f"means = {format_means(means)}")
        ax.legend(loc="best", fontsize="small")
    return _save(fig, path)


def plot_expected_rewards(results, path):
    """The reward a bandit player watches: per setting, the expected reward of the policy at each
    step, sum_a pi_t(a) mu_a (the mean over runs with its band; no sampling noise), against the
    best arm's mean. The gap between them is the regret per step."""
    runs = results[0][1].shape[0]
    note = "" if runs == 1 else f"\n{runs} runs: mean and 10th-90th percentile band"
    fig, axes = _panels(len(results), "Expected reward per step, sum over arms of "
                        f"pi(arm) x mean{note}", legend_rows=1)
    for ax, (means, histories, _) in zip(axes, results):
        _curve(ax, histories @ np.asarray(means, np.float32), "C0", "expected reward")
        best, uniform = max(means), float(np.mean(means))
        ax.axhline(best, color="black", linestyle="--", label="best arm's mean")
        ax.axhline(uniform, color="gray", linestyle=":", label="uniform start")
        margin = 0.1 * (best - min(means)) or 0.5  # equal means: some room all the same
        ax.set(ylim=(min(means) - margin, best + margin), ylabel="expected reward",
               title=f"means = {format_means(means)}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3)
    return _save(fig, path)


MAX_NAMED_ARMS = 10  # arms named in a legend; as many as matplotlib's ten colours
TIE_STYLES = ("-", "--", ":", "-.")  # the lines of arms whose means equal an earlier arm's


def arm_colors(means):
    """A colour per arm: matplotlib's ten, in order, for up to MAX_NAMED_ARMS arms; beyond, viridis
    by the arm's mean, from the lowest (dark) to the highest (yellow)."""
    if len(means) <= MAX_NAMED_ARMS:
        return [f"C{arm}" for arm in range(len(means))]
    rank = np.argsort(np.argsort(means, kind="stable"), kind="stable")
    return list(plt.get_cmap("viridis")(rank / (len(means) - 1)))


def named_arms(means, final_probabilities):
    """The arms a legend names: all of them up to MAX_NAMED_ARMS; beyond, the best (at most
    three) and the one most likely at the end."""
    if len(means) <= MAX_NAMED_ARMS:
        return list(range(len(means)))
    named = list(best_arms(means)[:3])
    most_likely = int(np.argmax(final_probabilities))
    return named if most_likely in named else named + [most_likely]


def plot_comparison(knob, comparison, path):
    """p(best arm) over training, a panel per setting and a line per value of the knob. For a
    knob with numbers for values, one panel more: the parameter study of Sutton & Barto's Figure
    2.6, each setting's run average of p(best) against the value. `comparison`: see `compare`."""
    values = list(comparison[0][1])
    runs = comparison[0][1][values[0]][0].shape[0]
    numeric, bands = KNOBS[knob][1] is not str, len(values) <= MAX_BANDS
    scale = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(values)))  # many numbers: in order
    colors = {value: scale[rank] if numeric and not bands else f"C{rank}"
              for rank, value in enumerate(sorted(values) if numeric else values)}
    panels, entries = len(comparison) + numeric, len(values) + 1  # the values, the uniform start
    columns = min(entries, 2 * min(panels, 2))  # two legend entries across each panel's width
    note = ("one run" if runs == 1 else f"{runs} runs: mean"
            + " and 10th-90th percentile band" * bands)
    fig, axes = _panels(panels, f"Probability of the best arm(s) by {knob}\n{note}",
                        legend_rows=math.ceil(entries / columns))
    for ax, (means, by_value) in zip(axes, comparison):
        for value, (histories, _) in by_value.items():
            _curve(ax, best_arm_probability(histories, means), colors[value], f"{knob} {value}",
                   with_band=bands)
        ax.axhline(len(best_arms(means)) / len(means), color="gray", linestyle=":",
                   label="uniform start")
        ax.set(ylabel="probability of the best arm(s)", title=f"means = {format_means(means)}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=columns)
    if numeric:
        _parameter_study(axes[-1], knob, comparison)
    return _save(fig, path)


STUDY_MARKERS = "osD^v<>pPX"  # a marker per setting in the parameter study, in black


def _parameter_study(ax, knob, comparison):
    """Sutton & Barto's Figure 2.6 for one knob: the run average of p(best), the mean over the
    runs and the steps, against the knob's value, a line per setting."""
    values = sorted(comparison[0][1])
    for index, (means, by_value) in enumerate(comparison):
        averages = [best_arm_probability(by_value[value][0], means).mean() for value in values]
        ax.plot(values, averages, color="black", linewidth=1,
                marker=STUDY_MARKERS[index % len(STUDY_MARKERS)], markersize=5,
                label=format_means(means))
    if knob == "learning-rate":
        ax.set_xscale("log")
    if KNOBS[knob][1] is int:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=knob, ylim=(0, 1), ylabel="run average of p(best)",
           title=f"Parameter study: p(best) over the run, by {knob}")
    ax.legend(loc="best", fontsize="small")


def plot_sutton_barto(curves, runs, path):
    """Sutton & Barto's Figure 2.5, redrawn: % optimal action over steps, one line per curve."""
    fig, ax = plt.subplots(figsize=(8, 6))
    for key, curve in curves.items():
        label, style, _ = SUTTON_BARTO[key]
        ax.plot(np.arange(1, len(curve) + 1), 100 * curve, label=label, **style)
    ax.set(xlabel="steps", ylabel="% optimal action (expected)", ylim=(0, 100),
           title=f"Gradient bandit on the 10-armed testbed, q*(a) ~ Normal(4, 1), {runs:,} runs")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize="small")
    fig.tight_layout()
    return _save(fig, path)


def plot_policy_gradient(result, path):
    """Relative error of each estimate against n, log-log, with a 1/sqrt(n) guide and the exact
    bias of the article's log(p + 1e-5)."""
    fig, ax = plt.subplots(figsize=(8, 5.2))
    n, errors, rare = result.plays, result.errors, min(result.policy)
    for column, (label, color) in enumerate(zip(ESTIMATES, ("C0", "C2", "C3"))):
        ax.loglog(n, errors[:, column], "o-", color=color, markersize=4, label=label)
    tail = n >= np.sqrt(n[0] * n[-1])  # the guide on the right half, through the last point
    ax.loglog(n[tail], errors[-1, 0] * np.sqrt(n[-1] / n[tail]), color="0.75", linewidth=6,
              zorder=1, label="1 / sqrt(n): unbiased")
    ax.axhline(result.relative_bias, color="C3", linestyle=":",
               label=f"exact bias of log(p + 1e-5): {result.relative_bias:.2f}")
    ax.axvspan(n[0], 1 / rare, color="0.92", zorder=0, label=f"n < 1/p: arms at p = {rare:g} "
               "mostly unplayed")
    ax.set(xlabel="plays n averaged per estimate", xlim=(n[0] / 1.5, n[-1] * 1.5),
           ylabel="mean relative error |estimate - exact| / |exact|",
           title="REINFORCE's estimates against the exact policy gradient, the article's actor\n"
           f"means {format_means(result.means)}, policy {format_means(result.policy, 5)}")
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def format_means(means, digits=4):
    """[1, 2, 3], 4 digits; beyond 6 arms the first three and last two: [1, 2, 3, ..., 9, 10]."""
    return "[" + ", ".join(_shorten([f"{m:.{digits}g}" for m in means])) + "]"


def _shorten(items):
    """A list of one entry per arm, cut to its first three and last two beyond
    MAX_ARMS_IN_FULL arms."""
    return items if len(items) <= MAX_ARMS_IN_FULL else items[:3] + ["..."] + items[-2:]


# ===== Part 6. The command line: check everything first, then train, print and draw ==============
MAX_COMMAND_SECONDS = 300  # a command whose training would take longer is refused
# Training seconds on the README's Xeon: a compiled step, STEP + runs * RUN_STEP; an eager step.
STEP_SECONDS, RUN_STEP_SECONDS, EAGER_STEP_SECONDS = 5e-6, 1.5e-6, 0.03


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's error on one line, without the usage block
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_args(argv=None):
    """Parse and check the command line; any bad value exits with status 2 before any work."""
    # allow_abbrev off: `--mean 0 1` is a mistake to report, not a way to say --means.
    parser = _Parser(allow_abbrev=False, description="REINFORCE on a multi-armed bandit: the "
                     "runnable companion to "
                     "'A Minimal Working Example for Discrete Policy Gradients in TensorFlow 2.0'.")
    add = parser.add_argument
    add("--means", metavar="M", type=float, nargs="+", action="append",
        help=f"mean payoff of each arm (2 to {MAX_ARMS} arms), one setting per use; default: "
        + ", ".join(format_means(s) for s in DEFAULT_SETTINGS))
    add("--stddev", metavar="S", type=float, nargs="+", default=1.0, help="the payoffs' "
        "standard deviation: one for every arm, or one per arm (default: 1)")
    add("--steps", type=int, help="updates per run (default: 10000; 1000 with --sutton-barto)")
    add("--runs", type=int, help="runs per setting, trained at once (default: 10; 2000 with "
        "--sutton-barto, 1 with --eager)")
    add("--seed", type=int, default=0, help="random seed of the runs (default: 0)")
    add("--learning-rate", type=float, default=1e-3, help="the optimizer's (default: 0.001)")
    add("--optimizer", choices=sorted(OPTIMIZERS), default="adam", help="default: the article's")
    add("--hidden-layers", type=int, default=2, help="hidden Dense(5, relu) layers (default: the "
        "article's 2); 0 with --optimizer sgd is Sutton & Barto's gradient bandit")
    add("--baseline", action="store_true", help="subtract the average of earlier rewards")
    add("--eager", action="store_true", help="train one run with the article's loop, "
        "train_step_by_step, a Python step at a time (slow: for print() or a debugger)")
    add("--long", action="store_true", help="train even when the estimate says the command "
        f"takes over {MAX_COMMAND_SECONDS // 60} minutes (e.g. --eager on the article's 10,001 "
        "steps); the memory limit stays")
    add("--out", type=Path, help="the figures' folder (default: results; figures with "
        "--readme-figures)")
    add("--show", action="store_true", help="after writing the figures, show them in windows, "
        "as the article's code does (where no window can open, says so; the files are written)")
    mode = parser.add_mutually_exclusive_group().add_argument
    mode("--compare", nargs="+", metavar=("KNOB", "VALUE"), action="append",
         help=f"train every setting once per value of one knob ({', '.join(KNOBS)}) with the "
         "same seeds, print a table and write compare_<knob>.png (e.g. compare_learning_rate.png);"
         " with no values, optimizer compares adam and sgd, baseline none and --baseline's")
    mode("--sutton-barto", action="store_true", help="redraw Sutton & Barto's Figure 2.5 "
         "(sutton_barto_figure_2_5.png): its bandits and step sizes; your --runs, --steps, --seed")
    mode("--policy-gradient", action="store_true", help="check the article's section 1: "
         "REINFORCE's estimates against the exact policy gradient, and the bias of its "
         "log(p + 1e-5) (policy_gradient.png): its own bandit and policy; your --stddev, --seed")
    mode("--readme-figures", action="store_true", help="rerun the README's commands to write "
         "the figures it shows, into figures/ (about a minute)")
    mode("--benchmark", action="store_true", help="time the eager and the compiled loop on the "
         "first setting; writes nothing")
    mode("--fit-check", action="store_true", help="check the article's section 2: train two "
         "copies of its actor 10 steps side by side, with the tape and with Keras' "
         "train_on_batch (the action as label, the reward as sample_weight), and print how far "
         "apart they are: the first setting; your --seed, --stddev, --optimizer, "
         "--learning-rate; writes nothing")
    args = parser.parse_args(argv)
    if args.readme_figures and any(value != parser.get_default(name) for name, value in
                                   vars(args).items() if name not in ("readme_figures", "out")):
        parser.error("--readme-figures reruns the README's own commands: no other options "
                     "but --out")

    book = args.sutton_barto
    own = "--sutton-barto" if book else "--policy-gradient" if args.policy_gradient else None
    if own and args.means:
        parser.error(f"{own} plays its own bandits; drop --means")
    mode_name = own or ("--benchmark" if args.benchmark else "--fit-check" if args.fit_check
                        else None)
    if args.eager and mode_name:  # --eager picks the article's loop; these modes train their own
        parser.error(f"--eager does not go with {mode_name}")
    args.steps = args.steps if args.steps is not None else (1_000 if book else 10_000)
    args.runs = args.runs if args.runs is not None else 2_000 if book else 1 if args.eager else 10
    args.means = args.means or [list(s) for s in DEFAULT_SETTINGS]
    # A user's runs go to results/ (git ignores it): the committed figures/ are the README's.
    args.out = args.out or Path("figures" if args.readme_figures else "results")
    if isinstance(args.stddev, list) and len(args.stddev) == 1:  # --stddev S: one for every arm
        args.stddev = args.stddev[0]
    try:
        if args.policy_gradient:  # its own bandit
            check_stddev_per_arm(args.stddev, len(CHECKED_MEANS))
        elif not book:  # (--sutton-barto's testbeds have stddev 1)
            for means in args.means:
                check_stddev_per_arm(args.stddev, len(means))
        args.compare = compared_values(parser, args)
        for means in args.means:
            check_setting(means)
        for options in training_options(args):
            check_arguments(seed=args.seed, eager=args.eager, runs=args.runs, **options)
        if not (args.benchmark or args.policy_gradient or args.fit_check):
            check_command_size(args)
        if not (args.benchmark or args.fit_check):  # every other command writes figures
            check_out_folder(args.out)
    except ValueError as error:
        parser.error(str(error))
    return args


def compared_values(parser, args):
    """`--compare KNOB [VALUE ...]` as (knob, values), or None without --compare."""
    if args.compare is None:
        return None
    if len(args.compare) > 1:
        raise ValueError("--compare compares one knob at a time")
    knob, *texts = args.compare[0]
    if knob not in KNOBS:
        raise ValueError(f"--compare: unknown knob {knob!r}; choose from {', '.join(KNOBS)}")
    name, kind, default = KNOBS[knob]
    if getattr(args, name) != parser.get_default(name):
        raise ValueError(f"--compare {knob} sets the {knob} itself; drop --{knob}")
    wanted = f"--compare {knob} takes 1 to {MAX_COMPARED} different {kind.__name__} values"
    try:
        values = [kind(text) for text in texts] or list(default)  # TypeError: no default
    except (ValueError, TypeError):
        raise ValueError(f"{wanted}, got {texts}") from None
    if len(set(values)) != len(values) or len(values) > MAX_COMPARED:
        raise ValueError(f"{wanted}, got {texts}")
    return knob, values


def training_options(args):
    """The train() arguments of the command's runs: one set, or one per compared value."""
    options = dict(stddev=args.stddev, steps=args.steps, learning_rate=args.learning_rate,
                   baseline=args.baseline, hidden_layers=args.hidden_layers,
                   optimizer=args.optimizer)
    if args.compare is None:
        return [options]
    knob, values = args.compare
    return [{**options, KNOBS[knob][0]: value} for value in values]


def check_command_size(args):
    """Refuse, with an estimate, a command that would train too long or not fit in memory."""
    if args.sutton_barto:
        trainings = len(SUTTON_BARTO)
    else:
        trainings = len(args.means) * len(training_options(args))
    steps = trainings * args.steps  # of the loop, each for all runs at once
    seconds = steps * args.runs * EAGER_STEP_SECONDS if args.eager else (
        steps * (STEP_SECONDS + args.runs * RUN_STEP_SECONDS))
    if seconds > MAX_COMMAND_SECONDS and not args.long:
        raise ValueError(
            f"{steps * args.runs:,} {'eager ' * args.eager}run-steps would train for about "
            f"{seconds / 60:,.0f} minutes on a 2-core CPU (an estimate; the limit is "
            f"{MAX_COMMAND_SECONDS / 60:.0f} minutes a command); use fewer steps, runs or "
            "settings, or --long to train all the same")
    # --sutton-barto keeps one curve's histories at a time, a command the histories of them all
    arms, kept = (10, args.runs) if args.sutton_barto else (
        max(len(m) for m in args.means), args.runs * trainings)
    check_history_size(args.steps + 1, arms, kept)


def print_table(title, columns, rows, notes):
    """Title, header of `columns` ((name, width); width < 0 aligns left), rule, rows, notes."""
    line = " ".join(f"{{:{'<' if width < 0 else '>'}{abs(width)}}}" for _, width in columns)
    header = line.format(*(name for name, _ in columns))
    lines = [title] if title else []
    lines += [header, "-" * len(header)]
    lines += [line.format(*row) for row in rows]
    lines += notes
    print("\n" + "\n".join(lines))


BEST_MOST_LIKELY = "best most likely: runs that ended with a best arm as their most likely one."


def best_most_likely(final, means):
    """How many runs (rows of `final`) ended with a best arm as their most likely one."""
    return int(np.isin(final.argmax(axis=1), best_arms(means)).sum())


def default_run(args):
    """Train every setting, print the summary; returns the figures to draw."""
    (options,) = training_options(args)
    results = train_settings(args.means, runs=args.runs, seed=args.seed, eager=args.eager,
                             **options)
    runs, rows = args.runs, []
    for means, histories, dead in results:
        final = histories[:, -1, :]
        best = best_arm_probability(final, means)
        _, low, high = band(best)
        rows.append((format_means(means), " ".join(_shorten([f"{p:.2f}" for p in final.mean(0)])),
                     f"{best.mean():.3f}" + ("" if runs == 1 else f" [{low:.2f}, {high:.2f}]"),
                     f"{best_most_likely(final, means)}/{runs}", f"{dead.sum()}/{runs}"))
    columns = [("setting", -28), ("final probability per arm", -34), ("p(best arm)", -22),
               ("best most likely", 16), ("dead", 5)]
    notes = []
    if runs > 1:  # the percentiles are shown only then
        notes.append("p(best arm): mean over runs [10th, 90th percentile], summed over tied best "
                     "arms.")
    notes.append(BEST_MOST_LIKELY)
    notes.append("dead: runs whose network started with every unit of its last hidden layer off.")
    print_table(f"Summary: final action probabilities, mean of {runs} run(s)", columns, rows,
                notes)
    return {"final_probabilities.png": (plot_final_probabilities, results),
            "learning_curves.png": (plot_learning_curves, results),
            "expected_rewards.png": (plot_expected_rewards, results)}


def compare(args):
    """Train every setting per value of the knob, print a table; returns the figure to draw."""
    knob, values = args.compare
    by_value = {value: train_settings(args.means, runs=args.runs, seed=args.seed,
                                      label=f", {knob} {value}", eager=args.eager, **options)
                for value, options in zip(values, training_options(args))}
    comparison = [(means, {value: by_value[value][index][1:] for value in values})  # per setting:
                  for index, means in enumerate(args.means)]  # {value: (histories, dead)}
    rows = []
    for means, results in comparison:
        for value, (histories, dead) in results.items():
            curve = best_arm_probability(histories, means).mean(axis=0)
            at = [curve[(len(curve) - 1) * tenths // 10] for tenths in (1, 5, 10)]
            rows.append((format_means(means), f"{value:g}" if isinstance(value, float) else value,
                         *(f"{p:.3f}" for p in [*at, curve.mean()]),
                         f"{best_most_likely(histories[:, -1], means)}/{args.runs}",
                         f"{dead.sum()}/{args.runs}"))
    columns = [("setting", -28), (knob, 14), ("10% of steps", 12), ("halfway", 8), ("final", 8),
               ("run average", 12), ("best most likely", 17), ("dead", 5)]
    print_table(f"Probability of the best arm(s) by {knob}, mean of {args.runs} run(s)", columns,
                rows, [BEST_MOST_LIKELY])
    return {f"compare_{KNOBS[knob][0]}.png": (plot_comparison, knob, comparison)}


def sutton_barto(args):
    """Figure 2.5 of Sutton & Barto with the article's update, and the article's actor beside it."""
    runs, steps = args.runs, args.steps
    curves_to_train = {key: train_kwargs for key, (_, _, train_kwargs) in SUTTON_BARTO.items()}
    print(f"Sutton & Barto's Figure 2.5: {runs:,} runs x {steps:,} steps x "
          f"{len(curves_to_train)} curves")
    progress = progress_bar(len(curves_to_train) * runs * steps)
    curves = sutton_barto_figure_2_5(runs, steps, args.seed, curves_to_train,
                                     progress=progress.add)
    at = sorted({t for t in (100, 250, 500, 1000, steps) if t <= steps})
    print_table("", [("% optimal action at step", -52)] + [(f"{t:,}", 7) for t in at],
                [(SUTTON_BARTO[key][0], *(f"{100 * curve[t - 1]:.1f}" for t in at))
                 for key, curve in curves.items()],
                ["% optimal action: mean over runs of pi_t(optimal arm)."])
    return {"sutton_barto_figure_2_5.png": (plot_sutton_barto, curves, runs)}


def policy_gradient(args):
    """The article's section 1, run: print each estimate's error per n; returns the figure."""
    result = policy_gradient_check(stddev=args.stddev, seed=args.seed)
    print_table(f"The policy gradient at means {format_means(result.means)}, policy "
                f"{format_means(result.policy, 5)}: estimates from n plays against the exact one",
                [("n", 11)] + [(name, 16) for name in ESTIMATES],
                [(f"{n:,}", *(f"{e:.4f}" for e in row)) for n, row in zip(result.plays,
                                                                          result.errors)],
                [f"Relative error |estimate - exact| / |exact|, mean of {len(result.counts[0]):,} "
                 "estimates. The article's +1e-5 is biased: its exact relative bias is "
                 f"{result.relative_bias:.4f}."])
    return {"policy_gradient.png": (plot_policy_gradient, result)}


def benchmark(args):
    """Time the eager and the compiled loop (first call; cost of a step per run) on a setting."""
    means = args.means[0]

    def seconds(steps, runs=1, **kwargs):
        return timeit.timeit(lambda: train_runs(means, runs, steps=steps, stddev=args.stddev,
                                                seed=args.seed, **kwargs), number=1)

    print(f"Benchmark on means = {format_means(means)}, one CPU process")
    eager = (seconds(400, eager=True) - seconds(100, eager=True)) / 300
    print(f"  eager        {eager * 1e6:10,.1f} us/step      (t(400) - t(100)) / 300")
    cold = seconds(10_000, 10)  # the first call: builds the population and compiles its loop
    print(f"  cold         {cold:10,.2f} s            10 runs x 10,000 steps, compile included")
    for runs, short, long, kwargs in ((1, 5_000, 25_000, {}), (10, 5_000, 25_000, {}),
                                      (2_000, 1_000, 3_000, {}),
                                      (2_000, 1_000, 3_000, gradient_bandit(0.1, "none"))):
        cost = min(seconds(long, runs, **kwargs) - seconds(short, runs, **kwargs)
                   for _ in range(3)) / (long - short) / runs  # one-time costs cancel out
        actor = "bias-only actor, SGD(0.1)" if kwargs else "the article's actor, Adam(0.001)"
        runs_text = f"{runs:5,} run" if runs == 1 else f"{runs:5,} runs"
        print(f"  {runs_text:10}  {cost * 1e6:10,.2f} us/run-step  {actor}: "
              f"(t({long:,}) - t({short:,})) / {long - short:,} steps / runs, best of 3")
    return {}


def fit_check(args):
    """The article's section 2, run: Part 1's step and Keras' `train_on_batch` side by side, on
    the first setting; prints each step and what they show, writes nothing."""
    means = args.means[0]
    result = train_both_ways(means, seed=args.seed, stddev=args.stddev,
                             learning_rate=args.learning_rate, optimizer=args.optimizer)
    # The Keras copy's reward: the tape copy's too, unless the copies parted (the last line).
    columns = zip(result.actions, result.rewards[:, 1], result.apart, result.moved)
    rows = [(step, action, f"{reward:.4f}", f"{apart:.1e}", f"{moved:.1e}")
            for step, (action, reward, apart, moved) in enumerate(columns, start=1)]
    # The scale of float32 rounding here: an ulp of the largest weight, the gap between it and
    # the next float32. Updates that agree differ by a few ulps at most; another update, by more.
    ulp, apart, moved = np.spacing(result.largest_weight), result.apart.max(), result.moved.max()
    parted = (result.rewards[:, 0] != result.rewards[:, 1]) | (result.apart > 4 * ulp)
    if parted.any():
        shows = (f"The copies parted at step {np.argmax(parted) + 1}: weights up to {apart:.1e} "
                 f"apart, {apart / ulp:.3g} ulps of the largest weight.")
    else:
        shows = (f"The same reward at every step and weights at most {apart:.1e} apart (an ulp of "
                 f"the largest weight: {ulp:.1e}), steps up to {moved:.1e}: Keras' training "
                 "makes the tape's update.")
    title = ("Two copies of the article's actor side by side, one trained by Part 1's tape, one "
             f"by Keras' train_on_batch\nmeans {format_means(means)}, "
             f"{result.optimizer}({args.learning_rate:g}), seed {args.seed}")
    columns = [("step", 4), ("arm", 3), ("reward", 8), ("weights apart", 13),
               ("largest update", 14)]
    print_table(title, columns, rows, [shows])
    return {}


def in_ipython():
    """Whether an IPython session (a notebook's kernel, IPython's `%run`) runs the script: the
    session goes on after it, with a matplotlib backend of its own."""
    # Keras imports IPython wherever it is installed, so ask IPython, not whether it is imported.
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


def check_out_folder(out):
    """Raise ValueError unless the folder `out` can be made and written in. Leaves nothing
    behind: the folders it had to make and its probe file are removed again."""
    missing = [folder for folder in [out, *out.parents] if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".discrete_bandit.{os.getpid()}.probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ValueError(f"--out {out}: cannot write figures there "
                         f"({error.strerror or error})") from None
    finally:
        for folder in missing:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()


# The README's commands, each writing figures it shows: --readme-figures reruns them all.
README_COMMANDS = (
    [],
    ["--compare", "baseline", "--means", "0", "0.5", "1", "1.5", "--means", "4", "4.5", "5", "5.5"],
    ["--compare", "learning-rate", "0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1"],
    ["--sutton-barto"],
    ["--policy-gradient"],
)


def main(argv=None):
    """The command line; returns the exit status: 0 done, 1 diverged or a figure not written,
    130 Ctrl-C, 141 the output's pipe closed (`| head`); 2 bad input (argparse exits)."""
    args = parse_args(argv)
    if args.readme_figures:
        for command in README_COMMANDS:
            status = main([*command, "--out", str(args.out)])
            if status:
                return status
        return 0
    # In IPython (a notebook's kernel, say) the session's backend shows the figures, and stays.
    # With --show, matplotlib picks a backend that opens windows, as the article's plt.show().
    session = in_ipython()
    if not (session or args.show):
        matplotlib.use("Agg")  # files only: no window, no display needed
    prog, figures, written = Path(sys.argv[0]).name, {}, []
    if args.benchmark:
        run = benchmark
    elif args.sutton_barto:
        run = sutton_barto
    elif args.policy_gradient:
        run = policy_gradient
    elif args.fit_check:
        run = fit_check
    elif args.compare:
        run = compare
    else:
        run = default_run
    try:
        figures = run(args)
        for name, (plot, *data) in figures.items():
            path = args.out / name
            try:
                args.out.mkdir(parents=True, exist_ok=True)
                plot(*data, path)
            except OSError as error:  # a full disk, a quota, a folder removed since the check
                print(f"{prog}: error: could not write {path} ({error.strerror or error}); "
                      f"{_written(written)}", file=sys.stderr)
                return 1
            written.append(path)
            print(f"Wrote {path}")
        sys.stdout.flush()  # so that a closed pipe shows here at the latest, inside the `try`
        if args.show and written and not session:
            show_figures(written)
    except TrainingDiverged as error:  # raised before any figure is written
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if sys.stdout.isatty():
            print()  # end the progress bar's line first
        # Ctrl-C while the windows of --show are open comes after every figure was written.
        print(f"interrupted: {_written(written, every=len(written) == len(figures))}",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Python's recipe (signal module docs); then exit as a program stopped by SIGPIPE does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13
    finally:
        if not session:  # in IPython the backend shows them (and the inline one closes them)
            plt.close("all")
    return 0


def show_figures(paths):
    """--show: the figures in windows named after their files, until the windows are closed; or
    one line where none can open."""
    numbers = plt.get_fignums()  # the figures still open, in the order they were drawn
    if plt.figure(numbers[0]).canvas.required_interactive_framework is None:  # Agg and the like
        backend = matplotlib.get_backend().lower()
        print(f"--show: no window could open (backend {backend}: no display, or no GUI toolkit "
              "for matplotlib); the figures are in the files above")
        return
    for number, path in zip(numbers, paths):
        plt.figure(number).canvas.manager.set_window_title(path.name)
    plt.show()


def _written(paths, every=False):
    """What an error or Ctrl-C says was written: nothing, only some figures, or all of them."""
    if not paths:
        return "nothing written"
    return f"wrote {'' if every else 'only '}{', '.join(map(str, paths))}"


if __name__ == "command_line":  # Parts 3 to 6 on their own, run by the top of the file
    parse_args()  # exits on --help or a refused value; else the whole file runs on
elif __name__ == "__main__":
    if not (sys.flags.interactive or in_ipython()):  # no session goes on after the script
        gc.freeze()  # spares the exit a garbage collection over the imports' 300,000 objects
    sys.exit(main())
