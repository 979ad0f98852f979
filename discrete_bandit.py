"""Discrete policy gradients (REINFORCE) on a multi-armed bandit, in TensorFlow 2.

A runnable companion to "A Minimal Working Example for Discrete Policy Gradients in
TensorFlow 2.0" (W. J. A. van Heeswijk, Towards Data Science, 2020). Part 1, from here down to
the line that marks its end, is the article's example on its own and in the article's order: the
pseudo-loss, the three-step update, the bandit, the actor and the training loop. The parts after
it make the update fast, check the input, go beyond the article, plot the figures and parse the
command line: `python discrete_bandit.py --help`. Importing the script trains and writes nothing.
"""

import os

# Both are read while TensorFlow is imported, so they come first. The first hides TensorFlow's
# C++ start-up messages. The second keeps its oneDNN kernels off: CPUs with AVX-512 VNNI turn
# them on by default, and then TensorFlow prints a notice at every start and rounds differently
# from other CPUs. A network this small gains nothing from them. Set either one to override it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras
import tensorflow as tf
from keras import layers

# The article's four experiments: four arms each, every payoff with standard deviation 1.
DEFAULT_SETTINGS = (
    (1.0, 0.9, 0.9, 1.0),  # the one the published code trains: two equally good arms, 0 and 3
    (1.0, 2.0, 3.0, 4.0),  # clearly separated: the best arm is easy to find
    (1.0, 1.05, 1.1, 1.15),  # close together: exploration lingers
    (-1.0, -0.5, -2.0, -1.5),  # every payoff a loss: REINFORCE still finds the least bad arm
)


# ===== Part 1, section 1 of the article: a bit of mathematics ====================================
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
# Keras' `compile()` + `fit()` want a loss of two arguments, (y_true, y_pred). Our pseudo-loss
# needs the action and the reward as well, so we use `tf.GradientTape`: record the forward pass
# on the tape, then ask it for gradients. An update is three steps: (i) compute the pseudo-loss,
# (ii) take its gradient with respect to the trainable weights, (iii) let the optimizer apply it.

STATE = tf.ones((1, 1))  # the bandit has a single state: the actor always sees the value 1


def reinforce_step(actor, optimizer, means, stddev, seed, baseline=0.0):
    """Play the bandit once and update the actor. Returns (the probabilities played, reward).

    `seed` is a pair of integers, (run, step): the step's random numbers depend on it alone.
    `baseline` is subtracted from the reward: 0 in the article. (Part 4's baselines are numbers
    or, as in Sutton & Barto's figures, a function of this very reward.)
    """
    action_seed, reward_seed = tf.unstack(tf.random.experimental.stateless_split(seed))
    with tf.GradientTape() as tape:
        # The forward pass must happen on the tape: the tape can only differentiate what it saw.
        log_probs = actor(STATE)[0]  # [0]: the one state in the batch
        # Sample an arm from pi (log-probabilities are valid logits), then play it (section 3).
        action = tf.random.stateless_categorical(log_probs[None], 1, action_seed)[0, 0]
        reward = pull(means, stddev, action, reward_seed)
        if callable(baseline):
            baseline = baseline(reward)
        loss = pseudo_loss(tf.gather(log_probs, action), reward - baseline)  # (i) the pseudo-loss
    grads = tape.gradient(loss, actor.trainable_variables)  # (ii) its gradient
    optimizer.apply_gradients(zip(grads, actor.trainable_variables))  # (iii) one optimizer step
    return tf.exp(log_probs), reward


# ===== Part 1, section 3 of the article: the multi-armed bandit ==================================
# Arm i pays a reward drawn from Normal(mean_i, stddev). The player does not know the means;
# the best policy always plays the arm with the highest one.


def pull(means, stddev, action, seed):
    """Play arm `action` once: a reward drawn from Normal(means[action], stddev)."""
    return tf.gather(means, action) + stddev * tf.random.stateless_normal([], seed)


def build_actor(num_arms, seed=0, hidden_layers=2):
    """The article's actor: state 1 -> Dense(5, relu) -> Dense(5, relu) -> a probability per arm.

    As in the article's code, the hidden layers start from `he_normal` weights and zero biases;
    the same `seed` gives the same actor. The output layer starts with a zero kernel and a zero
    bias, so every logit is 0 whatever the hidden layers compute, and the softmax gives every arm
    exactly 1 / num_arms: the article's "equal probability" start, for any number of arms.

    The output is log-softmax, the logarithm of the article's softmax: the same policy
    (pi = exp(output)), but it hands the pseudo-loss log pi directly, with no log(0).
    """
    # One seeded stream for all layers: an integer seed would give every layer the same draws.
    he_normal = keras.initializers.HeNormal(seed=keras.random.SeedGenerator(seed))
    state = keras.Input(shape=(1,), name="state")
    hidden = state
    for _ in range(hidden_layers):
        hidden = layers.Dense(5, activation="relu", kernel_initializer=he_normal)(hidden)
    # hidden_layers=0 is Part 4's textbook case: the input is 1, so the kernel is the bias there.
    log_probs = layers.Dense(num_arms, activation="log_softmax", kernel_initializer="zeros",
                             bias_initializer="zeros", use_bias=hidden_layers > 0)(hidden)
    return keras.Model(state, log_probs, name="actor")


def train_step_by_step(means, *, steps=10_000, seed=0, stddev=1.0, learning_rate=1e-3):
    """The article's training loop: a fresh actor and Adam, then `steps` REINFORCE updates,
    run eagerly, one Python iteration per step (Part 2 compiles the same step).

    Returns the policy at every step, a float32 array of shape (steps + 1, len(means)): row t
    holds the action probabilities after t updates, so row 0 is the uniform start.
    """
    actor = build_actor(len(means), seed)
    optimizer = keras.optimizers.Adam(learning_rate)
    means, stddev = tf.constant(means, tf.float32), tf.constant(stddev, tf.float32)
    history = []
    for step in range(steps):
        probs, _ = reinforce_step(actor, optimizer, means, stddev, tf.constant([seed, step]))
        history.append(probs)  # the policy that played this step, after `step` updates
    history.append(tf.exp(actor(STATE)[0]))  # and the policy after the last update
    return tf.stack(history).numpy()


# ===== End of the article's example ==============================================================
# Everything below serves it: speed, many runs, checks, experiments beyond the article, figures
# and the command line. Part 1 needs none of these imports.
import argparse
import collections
import contextlib
import math
import numbers
import queue
import sys
import threading
import time
import timeit
from concurrent.futures import CancelledError, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
from matplotlib import pyplot as plt


# ===== Part 2. Faster: the same step compiled by XLA, and many runs side by side =================
# Eagerly, a step of Part 1's loop takes some 20 ms; compiled by XLA (`jit_compile=True`), a few
# microseconds, for a second of compiling once per kind of actor. The loop runs CHUNK steps a call
# with `while step < ...` (XLA compiles anew for every `tf.range` length) and Part 1's
# `tf.gather(x, action)` (`x[action]` compiles anew at every call): see the README's "Speed". XLA
# draws other random numbers than TensorFlow, so a compiled run is another sample of the process.
CHUNK = 1_000  # steps per call of the compiled loop
OPTIMIZERS = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}


def train(means, *, stddev=1.0, steps=10_000, learning_rate=1e-3, seed=0, baseline=False,
          hidden_layers=2, optimizer="adam", eager=False, on_progress=None):
    """Train a fresh actor; returns what `train_step_by_step` returns, the same array for the same
    arguments, bit for bit. `eager=True` runs `train_step_by_step` itself, else XLA runs its step.
    Beyond the article: `baseline` False, True (the average of earlier rewards, `--baseline`) or a
    name in BASELINES; `hidden_layers`; `optimizer` "adam" or "sgd"; `on_progress(n)` after every
    n steps. Raises ValueError for bad arguments, TrainingDiverged for weights no longer finite."""
    means, baseline = check_setting(means), baseline_name(baseline)
    check_arguments(stddev=stddev, steps=steps, learning_rate=learning_rate, seed=seed,
                    baseline=baseline, hidden_layers=hidden_layers, optimizer=optimizer,
                    eager=eager)
    check_history_size(steps + 1, len(means))
    if eager:
        try:
            history = train_step_by_step(means, steps=steps, seed=seed, stddev=stddev,
                                         learning_rate=learning_rate)
        except tf.errors.InvalidArgumentError:  # weights that are not numbers sample no arm
            raise TrainingDiverged("during training") from None
        check_finite(history, first_step=0)
        if on_progress is not None:
            on_progress(steps)
        return history
    # Compiled: the agent's loop, CHUNK steps a call, always given tensors of the same types so
    # that it is traced and compiled only once.
    bandit = (tf.constant(means, tf.float32), tf.constant(stddev, tf.float32),
              tf.constant(seed, tf.int32))
    history = np.empty((steps + 1, len(means)), np.float32)
    average_reward = tf.constant(0.0)
    with _agent(len(means), baseline, hidden_layers, optimizer) as agent:
        agent.reset(tf.constant(seed, tf.int64), tf.constant(learning_rate, tf.float32))
        for first_step in range(0, steps, CHUNK):
            if _cancelled.is_set():  # see `in_parallel`
                raise CancelledError
            num_steps = min(CHUNK, steps - first_step)
            probs, average_reward, final = agent.play(
                *bandit, tf.constant(first_step), tf.constant(num_steps), average_reward)
            history[first_step : first_step + num_steps] = probs.numpy()[:num_steps]
            history[first_step + num_steps] = final.numpy()
            check_finite(history[first_step : first_step + num_steps + 1], first_step)
            if on_progress is not None:
                on_progress(num_steps)
    return history


# Idle agents (an actor, its optimizer and their compiled loop) by kind of run: each kind is
# compiled once and reused by every later run; threads training side by side borrow one each.
_idle_agents = collections.defaultdict(queue.LifoQueue)  # the last returned, first


@contextlib.contextmanager
def _agent(*kind):
    """Borrow an agent of this kind (num_arms, baseline, hidden_layers, optimizer) for a `with`."""
    try:
        agent = _idle_agents[kind].get_nowait()
    except queue.Empty:
        agent = _new_agent(*kind)
    try:
        yield agent
    finally:
        _idle_agents[kind].put(agent)


def _new_agent(num_arms, baseline, hidden_layers, optimizer_name):
    actor = build_actor(num_arms, hidden_layers=hidden_layers)
    optimizer = OPTIMIZERS[optimizer_name]()
    optimizer.build(actor.trainable_variables)
    baseline = BASELINES[baseline]

    @tf.function  # not XLA: TensorFlow's own kernels draw the same weights as `build_actor`
    def reset(seed, learning_rate):
        """Put back the weights `build_actor(num_arms, seed)` gives, and a fresh optimizer."""
        if hidden_layers:  # rewind the seeded stream of he_normal (see build_actor) to `seed`
            stream = actor.layers[1].kernel_initializer.seed
            stream.state.assign(tf.cast(tf.stack([seed, 0]), stream.state.dtype))
        for layer in actor.layers[1:]:
            layer.kernel.assign(layer.kernel_initializer(layer.kernel.shape))
            if layer.use_bias:
                layer.bias.assign(layer.bias_initializer(layer.bias.shape))
        for variable in optimizer.variables:  # step count and moment estimates back to zero
            variable.assign(tf.zeros_like(variable))
        optimizer.learning_rate.assign(learning_rate)

    @tf.function(jit_compile=True)
    def play(means, stddev, seed, first_step, num_steps, average_reward):
        """num_steps (<= CHUNK) steps of a run; returns the policy played at each (later rows
        unused), the average reward so far (the next chunk's start) and the policy at the end."""
        history = tf.TensorArray(tf.float32, size=CHUNK)
        step = first_step
        while step < first_step + num_steps:
            count = tf.cast(step, tf.float32)  # rewards seen before this step
            probs, reward = reinforce_step(
                actor, optimizer, means, stddev, tf.stack([seed, step]),
                lambda reward: baseline(reward, average_reward, count))
            history = history.write(step - first_step, probs)
            average_reward += (reward - average_reward) / (count + 1.0)
            step += 1
        return history.stack(), average_reward, tf.exp(actor(STATE)[0])

    return SimpleNamespace(actor=actor, optimizer=optimizer, reset=reset, play=play)


# Set while `in_parallel` gives up (Ctrl-C, a closed pipe, an error): other runs stop at once.
_cancelled = threading.Event()


def in_parallel(function, items):
    """`[function(item) for item in items]` on a thread per CPU core: TensorFlow releases Python's
    lock while a compiled call runs, so runs train side by side, each on an actor of its own."""
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
    futures = [pool.submit(function, item) for item in items]
    try:
        return [future.result() for future in futures]
    except BaseException:
        _cancelled.set()
        raise
    finally:
        try:
            pool.shutdown(cancel_futures=True)
        finally:
            _cancelled.clear()


def progress_bar(target):
    """Keras' progress bar (in a log or a pipe, one line at the end) as thread-safe `advance(n)`."""
    progbar = keras.utils.Progbar(target, verbose=1 if sys.stdout.isatty() else 2, unit_name="step")
    lock = threading.Lock()

    def advance(steps):
        with lock:
            progbar.add(steps)

    advance.progbar = progbar
    return advance


def train_settings(settings, *, runs, seed, label="", eager=False, **train_kwargs):
    """Train each setting `runs` times (seeds seed, seed+1, ...): compiled runs side by side, eager
    ones one by one on this thread, where print() and a debugger work as usual. Returns
    [(means, histories, dead flag per run)] and each setting's steps per second."""
    steps = train_kwargs["steps"]
    dead = np.array([is_dead(alive_units(seed + run, train_kwargs["hidden_layers"]))
                     for run in range(runs)])
    results, speeds = [], []
    for means in settings:
        print(f"means = {format_means(means)}{label}", flush=True)
        advance = progress_bar(runs * steps)
        start = time.perf_counter()

        def run(index):
            return train(means, seed=seed + index, eager=eager, on_progress=advance,
                         **train_kwargs)

        histories = np.stack(list((map if eager else in_parallel)(run, range(runs))))
        results.append((means, histories, dead))
        speeds.append(runs * steps / (time.perf_counter() - start))
    return results, speeds


# ===== Part 3. Checks: bad input gets a message that says what is wrong, before any work =========
MAX_SEED = 2**31 - 1  # stateless random ops take int32 seeds
MAX_ARMS = 100
MAX_HIDDEN_LAYERS = 10
FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_HISTORY_BYTES = 2**30  # the histories one call or command may keep in memory


class TrainingDiverged(ArithmeticError):
    """The actor's weights stopped being finite numbers during training."""

    def __init__(self, when):
        super().__init__(
            f"training diverged: {when} the actor's weights were no longer finite numbers "
            "(payoffs too large for float32 arithmetic); try smaller payoffs (--means, --stddev) "
            "or a smaller --learning-rate")


def check_finite(policies, first_step):
    """Raise TrainingDiverged unless each row (the policy after first_step + row updates) is
    made of finite numbers."""
    bad = ~np.isfinite(policies).all(axis=1)
    if bad.any():
        raise TrainingDiverged(f"after {first_step + int(np.argmax(bad)):,} updates")


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
    if not all(math.isfinite(m) for m in values):
        raise ValueError(f"means must be finite numbers, got {format_means(values)}")
    if max(abs(m) for m in values) > FLOAT32_MAX:
        raise ValueError(f"means must lie within +-{FLOAT32_MAX:.2g}, float32's range")
    return values


def check_arguments(*, stddev, steps, learning_rate, seed, baseline="none", hidden_layers=2,
                    optimizer="adam", eager=False):
    """Raise ValueError with a readable message for any invalid training argument."""
    baseline = baseline_name(baseline)
    if not _is_real(stddev) or not 0 <= stddev <= FLOAT32_MAX:
        raise ValueError(f"stddev must be a number from 0 to {FLOAT32_MAX:.2g}, got {stddev!r}")
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    tiny = float(np.finfo(np.float32).tiny)
    if not _is_real(learning_rate) or not tiny <= learning_rate <= FLOAT32_MAX:
        raise ValueError(f"learning_rate must be a number from {tiny:.2g} to {FLOAT32_MAX:.2g} "
                         f"(float32's range), got {learning_rate!r}")
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    if not _is_int(hidden_layers) or not 0 <= hidden_layers <= MAX_HIDDEN_LAYERS:
        raise ValueError(f"hidden_layers must be an integer from 0 to {MAX_HIDDEN_LAYERS}, "
                         f"got {hidden_layers!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if eager and (baseline, hidden_layers, optimizer) != ("none", 2, "adam"):
        raise ValueError("eager runs the article's loop as it is (train_step_by_step): "
                         "no baseline, 2 hidden layers, adam")


def check_history_size(rows, arms, runs=1):
    """Raise ValueError if `runs` histories of `rows` x `arms` float32 exceed MAX_HISTORY_BYTES."""
    size = rows * arms * runs * 4
    if size > MAX_HISTORY_BYTES:
        raise ValueError(f"the training history would take {size / 2**30:,.1f} GiB of memory "
                         f"(limit {MAX_HISTORY_BYTES / 2**30:g} GiB); "
                         "use fewer steps, runs or settings")


def baseline_name(baseline):
    """False -> "none", True -> "previous"; a name from BASELINES passes through."""
    if isinstance(baseline, (bool, np.bool_)):
        return "previous" if baseline else "none"
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be True, False or one of {', '.join(BASELINES)}")
    return baseline


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_real(x):  # not-a-number and infinity then fail the range checks that follow
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


# ===== Part 4. Beyond the article: a baseline, dead networks, the textbook, comparisons ==========


def best_arms(means):
    """Indices of the arm(s) with the highest mean payoff."""
    means = np.asarray(means)
    return np.flatnonzero(means == means.max())


def best_arm_probability(history, means):
    """Probability mass on the best arm(s), per step: (..., steps + 1, arms) -> (..., steps + 1)."""
    return history[..., best_arms(means)].sum(axis=-1)


def band(values):
    """Mean and 10th-90th percentile band over runs (axis 0)."""
    return values.mean(axis=0), np.percentile(values, 10, axis=0), np.percentile(values, 90, axis=0)


# A baseline b replaces the reward v in the pseudo-loss by v - b. If b does not depend on the
# action played, the gradient stays unbiased and its variance drops (Sutton & Barto, 2.8). Each
# is a function of (reward, average of the rewards before this step, their number): "previous"
# is `--baseline`; "including" also counts this step's reward, as Sutton & Barto's figures do.
BASELINES = {
    "none": lambda reward, average, count: 0.0,
    "previous": lambda reward, average, count: average,
    "including": lambda reward, average, count: average + (reward - average) / (count + 1.0),
}


# Why some runs learn slower. The input is always 1, so each hidden ReLU unit is on or off from
# the start, and a unit that is off passes no gradient back. When every unit of the last hidden
# layer is off, the hidden layers and the output kernel get zero gradients for good: the actor
# is a softmax over the output layer's bias alone, a much slower learner. We call it dead.
def alive_units(seed, hidden_layers=2):
    """How many units of each hidden layer are on (output > 0) at the start of run `seed`."""
    if hidden_layers == 0:
        return []
    with _agent(2, "none", hidden_layers, "adam") as agent:  # hidden layers: any arm count
        agent.reset(tf.constant(seed, tf.int64), tf.constant(1e-3))
        outputs = [STATE]
        for layer in agent.actor.layers[1:-1]:
            outputs.append(layer(outputs[-1]))
    return [int(np.count_nonzero(output)) for output in outputs[1:]]


def is_dead(alive):
    """A network is dead when its last hidden layer has no unit on (see above)."""
    return len(alive) > 0 and alive[-1] == 0


# From the article to the textbook. With no hidden layer and plain SGD, the article's actor *is*
# the gradient bandit of Sutton & Barto (Reinforcement Learning: An Introduction, 2nd ed., 2.8):
# the input is 1, so the output kernel holds one preference H(a) per arm (a bias beside it would
# be a second copy: `build_actor` leaves it out), and one SGD step on the pseudo-loss
# -(R - b) log pi(A) is their equation 2.12, H(a) <- H(a) + alpha (R - b) (1{a = A} - pi(a)).
# Their Figure 2.5 runs it on a 10-armed testbed, true values q*(a) ~ Normal(4, 1) in every run,
# rewards Normal(q*(A), 1), alpha 0.1 and 0.4, with and without the baseline ("including").
SUTTON_BARTO_CURVES = ((0.1, True), (0.4, True), (0.1, False), (0.4, False))


def gradient_bandit(alpha, with_baseline, baseline="including"):
    """train() arguments for Sutton & Barto's gradient bandit: a bias-only actor and plain SGD."""
    return dict(learning_rate=alpha, baseline=baseline if with_baseline else "none",
                hidden_layers=0, optimizer="sgd")


# What --sutton-barto trains: the book's four curves, with the article's actor and Adam (the
# slowest, first), and where the baselines differ most: --baseline's leaves the current reward out.
SUTTON_BARTO_VARIANTS = {"article": dict(learning_rate=1e-3),
                         **{key: gradient_bandit(*key) for key in SUTTON_BARTO_CURVES},
                         "previous": gradient_bandit(0.4, True, baseline="previous")}


def sutton_barto_figure_2_5(runs=2000, steps=1000, seed=0, variants=None, progress=None):
    """Sutton & Barto's Figure 2.5 with the article's three steps: for each of the book's curves
    {(alpha, with_baseline): train() arguments}, or of `variants`, the mean over runs of
    pi_t(optimal arm), t = 1..steps: the book's "% optimal action" without the noise of sampling
    one action per run. Run r has seed seed + r; `progress(steps)` is called after every run."""
    variants = variants or {key: gradient_bandit(*key) for key in SUTTON_BARTO_CURVES}
    true_values = np.random.default_rng(seed).normal(4.0, 1.0, size=(runs, 10))  # the testbed

    def curve(train_kwargs):
        total = np.zeros(steps)
        for run, q in enumerate(true_values):
            history = train(q, stddev=1.0, steps=steps, seed=seed + run, **train_kwargs)
            total += history[:steps, np.argmax(q)]  # row t - 1: the policy used at step t
            if progress is not None:
                progress(steps)
        return total / runs

    return dict(zip(variants, in_parallel(curve, variants.values())))


# "A bit of fine-tuning", the article ends: `--compare` trains every setting per value of one knob,
# same seeds. A knob: its train() argument, its values' type, its values when none are given.
KNOBS = {
    "learning-rate": ("learning_rate", float, None),
    "stddev": ("stddev", float, None),
    "hidden-layers": ("hidden_layers", int, None),
    "optimizer": ("optimizer", str, tuple(OPTIMIZERS)),
    "baseline": ("baseline", str, ("none", "previous")),
}
MAX_COMPARED = 10  # values of one knob: one colour each


# ===== Part 5. Figures: each function makes one figure and saves it ==============================
LABELLED_ARMS = 10  # arms with a colour, tick label and legend entry each; beyond, only the best
MAX_POINTS = 2_000  # points per curve; longer histories are thinned for drawing


def arm_colors(num_arms, means):
    """One colour per arm, the same in every figure (grey for unlabelled arms)."""
    if num_arms <= LABELLED_ARMS:
        return [plt.get_cmap("tab10")(i) for i in range(num_arms)]
    best = set(best_arms(means))
    return ["tab:red" if arm in best else "0.6" for arm in range(num_arms)]


def _panels(count, title):
    """A grid of `count` panels, two per row; unused cells are hidden."""
    ncols = min(count, 2)
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.4 * ncols, 4.4 * nrows), squeeze=False)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig, axes.flat[:count]


def _curve(ax, values, color, label, **line):
    """The mean over runs of `values` (runs, steps + 1) as a line, with several runs its band."""
    stride = max(1, values.shape[1] // MAX_POINTS)
    steps = np.arange(values.shape[1])[::stride]
    mean, low, high = band(values[:, ::stride])
    ax.plot(steps, mean, color=color, label=label, **line)
    if len(values) > 1:
        ax.fill_between(steps, low, high, color=color, alpha=0.15, linewidth=0)
    ax.set(ylim=(0, 1), xlabel="training step")


def _runs_note(runs):
    return "one run" if runs == 1 else f"{runs} runs: mean and 10th-90th percentile band"


def _save(fig, path):
    """Write beside `path`, then rename: nobody sees half a PNG, a failed write leaves nothing."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        fig.savefig(partial, dpi=100, format="png")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return fig


def plot_final_probabilities(results, path):
    """Per setting: each arm's final probability, mean over runs as a bar and every run as a dot.
    Dead runs (see `alive_units`) are drawn as crosses; the best arm(s) are starred."""
    runs, rows = results[0][1].shape[:2]
    note = "" if runs == 1 else f"\n{runs} runs: bars show the mean, dots single runs"
    fig, axes = _panels(len(results), f"Action probabilities after {rows - 1:,} steps{note}")
    rng = np.random.default_rng(0)  # horizontal jitter of the dots, the same in every figure
    for ax, (means, histories, dead) in zip(axes, results):
        arms = np.arange(len(means))
        final = histories[:, -1, :]
        ax.bar(arms, final.mean(axis=0), color=arm_colors(len(means), means), edgecolor="black",
               linewidth=0.6, alpha=0.8)
        if runs > 1:
            jitter = rng.uniform(-0.25, 0.25, size=final.shape)
            for runs_shown, marker, label in ((~dead, "o", "one run"), (dead, "x", "dead network")):
                if runs_shown.any():
                    ax.scatter((arms + jitter[runs_shown]).ravel(), final[runs_shown].ravel(), s=9,
                               c="black", marker=marker, linewidths=0.8, label=label, zorder=3)
        best = best_arms(means)
        ax.plot(best, np.full(len(best), 1.05), "k*", markersize=10, label="best arm")
        ax.axhline(1 / len(means), color="gray", linestyle=":", label="uniform start")
        if len(means) <= LABELLED_ARMS:
            ax.set_xticks(arms, [f"arm {i}\nmean {m:g}" for i, m in enumerate(means)])
        else:
            ax.set_xlabel(f"arm ({len(means)} arms)")
        ax.set(ylim=(0, 1.1), ylabel="probability of playing the arm",
               title=f"means = {format_means(means)}")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _save(fig, path)


def plot_learning_curves(results, path):
    """Each arm's probability over the steps, one panel per setting: the mean over runs with
    its band, and the first run (seed --seed) as a thin line, as in the article's figures."""
    runs = results[0][1].shape[0]
    note = "" if runs == 1 else f"\n{_runs_note(runs)}; thin line: the first run"
    fig, axes = _panels(len(results), "Learning curves" + note)
    for ax, (means, histories, _) in zip(axes, results):
        best = best_arms(means)
        others = sorted(set(range(len(means))) - set(best))
        for arm, color in enumerate(arm_colors(len(means), means)):
            if len(means) <= LABELLED_ARMS or arm in best:
                label = f"arm {arm} (mean {means[arm]:g}{', best' if arm in best else ''})"
            else:
                label = f"the other {len(others)} arms" if arm == others[0] else None
            _curve(ax, histories[:, :, arm], color, label, linewidth=1.2)
            if runs > 1:
                _curve(ax, histories[:1, :, arm], color, None, linewidth=0.5, alpha=0.8)
        ax.set(ylabel="probability of playing the arm", title=f"means = {format_means(means)}")
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return _save(fig, path)


def plot_comparison(knob, comparison, path):
    """The best arm's probability over training, a panel per setting and a line per value of the
    knob. With 3+ numbers, a last panel plots each setting's run-average p(best) against the value,
    like Sutton & Barto's parameter studies (Figure 2.6). `comparison`: see `compare`."""
    values = list(comparison[0][1])
    runs = comparison[0][1][values[0]][0].shape[0]
    study = KNOBS[knob][1] is not str and len(values) >= 3
    fig, axes = _panels(len(comparison) + study,
                        f"Probability of the best arm(s) by {knob}\n{_runs_note(runs)}")
    for ax, (means, by_value) in zip(axes, comparison):
        for index, (value, (histories, _)) in enumerate(by_value.items()):
            _curve(ax, best_arm_probability(histories, means), f"C{index}", f"{knob} {value}")
        ax.axhline(len(best_arms(means)) / len(means), color="gray", linestyle=":",
                   label="uniform start")
        ax.set(ylabel="probability of the best arm(s)", title=f"means = {format_means(means)}")
    handles, labels = axes[0].get_legend_handles_labels()
    if study:
        ax = axes[-1]
        for index, (means, by_value) in enumerate(comparison):
            averages = [best_arm_probability(by_value[v][0], means).mean() for v in sorted(values)]
            ax.plot(sorted(values), averages, marker="os^Dv<>p*h"[index % 10], color="black",
                    alpha=0.7, label=f"means = {format_means(means)}")
        ax.set_xscale("log" if knob == "learning-rate" else "linear")
        ax.set(ylim=(0, 1), xlabel=knob, ylabel="p(best arm(s)), average over the run",
               title="Parameter study")
        ax.legend(loc="best", fontsize="small")
    columns = min(len(labels), 2 * min(len(axes), 2))  # two entries across each panel's width
    fig.legend(handles, labels, loc="lower center", ncol=columns)
    legend_inches = 0.15 + 0.25 * math.ceil(len(labels) / columns)
    fig.tight_layout(rect=(0, legend_inches / fig.get_figheight(), 1, 1))
    return _save(fig, path)


SUTTON_BARTO_STYLES = {  # key: (label, line style)
    (0.1, True): ("alpha = 0.1, with baseline", dict(color="tab:blue")),
    (0.4, True): ("alpha = 0.4, with baseline", dict(color="tab:brown")),
    (0.1, False): ("alpha = 0.1, without baseline", dict(color="tab:blue", linestyle="--")),
    (0.4, False): ("alpha = 0.4, without baseline", dict(color="tab:brown", linestyle="--")),
    "previous": ("alpha = 0.4, baseline of earlier rewards only",
                 dict(color="tab:brown", linestyle=":")),
    "article": ("the article's actor, Adam(1e-3)", dict(color="black", linewidth=1)),
}


def plot_sutton_barto(curves, runs, path):
    """Sutton & Barto's Figure 2.5, redrawn: % optimal action over steps, one line per curve."""
    fig, ax = plt.subplots(figsize=(8, 6))
    for key, curve in curves.items():
        label, style = SUTTON_BARTO_STYLES[key]
        ax.plot(np.arange(1, len(curve) + 1), 100 * curve, label=label, **style)
    ax.set(xlabel="steps", ylabel="% optimal action (expected)", ylim=(0, 100),
           title=f"Gradient bandit on the 10-armed testbed, q*(a) ~ Normal(4, 1), {runs:,} runs")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize="small")
    fig.tight_layout()
    return _save(fig, path)


def format_means(means):
    """[1, 2, 3] in short; beyond 6 arms the first three and the last two: [1, 2, 3, ..., 9, 10]."""
    return "[" + ", ".join(_shorten([f"{m:g}" for m in means])) + "]"


def _shorten(items):
    """A list of one entry per arm, cut to its first three and last two beyond 6 arms."""
    return items if len(items) <= 6 else items[:3] + ["..."] + items[-2:]


# ===== Part 6. The command line: check everything first, then train, print and draw ==============
MAX_COMMAND_SECONDS = 300  # a command whose training would take longer is refused
STEP_SECONDS = {False: 3e-6, True: 0.02}  # a compiled and an eager step, measured here


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's error on one line, without the usage block
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_args(argv=None):
    """Parse and check the command line; any bad value exits with status 2 before any work."""
    parser = _Parser(description="REINFORCE on a multi-armed bandit: the runnable companion to "
                     "'A Minimal Working Example for Discrete Policy Gradients in TensorFlow 2.0'.")
    add = parser.add_argument
    add("--means", metavar="M", type=float, nargs="+", action="append",
        help=f"mean payoff of each arm (2 to {MAX_ARMS} arms), one setting per use; default: "
        + ", ".join(format_means(s) for s in DEFAULT_SETTINGS))
    add("--stddev", type=float, default=1.0,
        help="standard deviation of every arm's payoff (default: %(default)s)")
    add("--steps", type=int,
        help="training steps (updates) per run (default: 10000; 1000 with --sutton-barto)")
    add("--runs", type=int, help="independent runs per setting, seeds seed, seed+1, ... "
        "(default: 10; 2000 with --sutton-barto)")
    add("--seed", type=int, default=0, help="random seed of the first run (default: %(default)s)")
    add("--learning-rate", type=float, default=1e-3,
        help="the optimizer's learning rate (default: %(default)s)")
    add("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
        help="the optimizer (default: %(default)s, the article's)")
    add("--hidden-layers", type=int, default=2, help="hidden Dense(5, relu) layers (default: "
        "%(default)s, the article's); 0 with --optimizer sgd is Sutton & Barto's gradient bandit")
    add("--baseline", action="store_true",
        help="subtract a baseline, the average of the rewards seen so far, from each reward")
    add("--eager", action="store_true", help="train with the article's loop, train_step_by_step, "
        "one Python step at a time (slow: for print() or a debugger)")
    add("--out", type=Path, default=Path("figures"),
        help="folder for the figures (default: %(default)s)")
    add("--show", action="store_true", help="also open the figures in a window")
    mode = parser.add_mutually_exclusive_group().add_argument
    mode("--compare", nargs="+", metavar=("KNOB", "VALUE"), action="append",
         help=f"train every setting once per value of one knob ({', '.join(KNOBS)}) with the "
         "same seeds, print a table and write compare_<knob>.png (e.g. compare_learning_rate.png);"
         " with no values, optimizer compares adam and sgd, baseline none and --baseline's")
    mode("--sutton-barto", action="store_true", help="redraw Sutton & Barto's Figure 2.5 "
         "(sutton_barto_figure_2_5.png): its bandits and step sizes; your --runs, --steps, --seed")
    mode("--benchmark", action="store_true",
         help="time the compiled and the eager loop on the first setting; writes nothing")
    args = parser.parse_args(argv)

    book = args.sutton_barto
    if book and args.means:
        parser.error("--sutton-barto draws its own means (the 10-armed testbed); drop --means")
    if args.eager and (args.benchmark or book):
        parser.error("--eager goes with neither --benchmark nor --sutton-barto")
    args.steps = args.steps if args.steps is not None else (1_000 if book else 10_000)
    args.runs = args.runs if args.runs is not None else (2_000 if book else 10)
    args.means = args.means or [list(s) for s in DEFAULT_SETTINGS]
    try:
        args.compare = compared_values(parser, args)
        for means in args.means:
            check_setting(means)
        for options in variants(args):
            check_arguments(seed=args.seed, eager=args.eager, **options)
        if args.runs < 1:
            raise ValueError(f"runs must be an integer >= 1, got {args.runs}")
        if args.seed + args.runs - 1 > MAX_SEED:
            raise ValueError(f"seed + runs - 1 must be at most {MAX_SEED}")
        if not args.benchmark:
            check_command_size(args)
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


def variants(args):
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
    trainings = (len(SUTTON_BARTO_VARIANTS) if args.sutton_barto
                 else len(args.means) * len(variants(args)))
    total, seconds = trainings * args.runs * args.steps, STEP_SECONDS[args.eager]
    if total * seconds > MAX_COMMAND_SECONDS:
        raise ValueError(
            f"{total:,} training steps would take about {total * seconds / 3600:,.1f} hours here "
            f"(limit {MAX_COMMAND_SECONDS / seconds:,.0f} {'eager ' * args.eager}steps a "
            "command); use fewer steps, runs or settings")
    if not args.sutton_barto:  # which keeps one curve per variant, not every history
        arms = max(len(m) for m in args.means)
        check_history_size(args.steps + 1, arms, args.runs * trainings)


def check_out_folder(out):
    """Refuse an --out folder that cannot be made or written: make it, write a file there, then
    remove both, so that a refused or failed command leaves no folder behind."""
    made = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".probe.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:  # "File exists" or "Not a directory" when a file is in the way
        raise ValueError(f"--out {out}: cannot write there ({error.strerror})") from None
    finally:
        for folder in made:  # the deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()


def print_table(title, columns, rows, notes):
    """Title, header of `columns` ((name, width); width < 0 aligns left), rule, rows, notes."""
    line = " ".join(f"{{:{'<' if width < 0 else '>'}{abs(width)}}}" for _, width in columns)
    header = line.format(*(name for name, _ in columns))
    lines = [title] if title else []
    print("\n" + "\n".join([*lines, header, "-" * len(header), *(line.format(*r) for r in rows),
                            *notes]))


BEST_MOST_LIKELY = "best most likely: runs that ended with a best arm as their most likely one."


def best_most_likely(final, means):
    """How many runs (rows of `final`) ended with a best arm as their most likely one."""
    return int(np.isin(final.argmax(axis=1), best_arms(means)).sum())


def default_run(args):
    """Train every setting, print the summary; returns the figures to draw."""
    (options,) = variants(args)
    results, speeds = train_settings(args.means, runs=args.runs, seed=args.seed, eager=args.eager,
                                     **options)
    runs, rows = args.runs, []
    for (means, histories, dead), speed in zip(results, speeds):
        final = histories[:, -1, :]
        best = best_arm_probability(final, means)
        _, low, high = band(best)
        rows.append((format_means(means), " ".join(_shorten([f"{p:.2f}" for p in final.mean(0)])),
                     f"{best.mean():.3f}" + ("" if runs == 1 else f" [{low:.2f}, {high:.2f}]"),
                     f"{best_most_likely(final, means)}/{runs}", f"{dead.sum()}/{runs}",
                     f"{speed:,.0f}"))
    columns = [("setting", -28), ("final probability per arm", -34), ("p(best arm)", -22),
               ("best most likely", 16), ("dead", 5), ("steps/s", 10)]
    notes = [BEST_MOST_LIKELY,
             "dead: runs whose network started with every unit of its last hidden layer off."]
    if runs > 1:
        notes.insert(0, "p(best arm): mean over runs [10th, 90th percentile], summed over tied "
                     "best arms.")
    print_table(f"Summary: final action probabilities, mean of {runs} run(s)", columns, rows,
                notes)
    return {"final_probabilities.png": (plot_final_probabilities, results),
            "learning_curves.png": (plot_learning_curves, results)}


def compare(args):
    """Train every setting per value of the knob, print a table; returns the figure to draw."""
    knob, values = args.compare
    by_value = {value: train_settings(args.means, runs=args.runs, seed=args.seed,
                                      label=f", {knob} {value}", eager=args.eager, **options)[0]
                for value, options in zip(values, variants(args))}
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
    runs, steps, variants = args.runs, args.steps, SUTTON_BARTO_VARIANTS
    print(f"Sutton & Barto's Figure 2.5: {runs:,} runs x {steps:,} steps x {len(variants)} curves")
    start = time.perf_counter()
    curves = sutton_barto_figure_2_5(runs, steps, args.seed, variants,
                                     progress=progress_bar(len(variants) * runs * steps))
    seconds = time.perf_counter() - start
    at = sorted({t for t in (100, 250, 500, 1000, steps) if t <= steps})
    rows = [(SUTTON_BARTO_STYLES[key][0], *(f"{100 * curve[t - 1]:.1f}" for t in at))
            for key, curve in curves.items()]
    print_table(None, [("% optimal action at step", -52)] + [(f"{t:,}", 7) for t in at], rows,
                [f"% optimal action: mean over runs of pi_t(optimal arm). {seconds:.1f} s."])
    return {"sutton_barto_figure_2_5.png": (plot_sutton_barto, curves, runs)}


def benchmark(args):
    """Time the compiled loop against the article's loop run eagerly, on the first setting."""
    means = args.means[0]
    kwargs = dict(stddev=args.stddev, learning_rate=args.learning_rate, seed=args.seed)

    def seconds(function):
        return timeit.timeit(function, number=1)

    def run(steps, **more):
        return lambda: train(means, steps=steps, **{**kwargs, **more})

    print(f"Benchmark on means = {format_means(means)}, one CPU process")
    cold = seconds(run(10_000))  # the first call: builds the actor and compiles the loop
    compiled = min(seconds(run(25_000)) - seconds(run(5_000)) for _ in range(3)) / 20_000
    per_run = seconds(lambda: [train(means, steps=1, seed=s) for s in range(1_000)]) / 1_000
    thousand = seconds(lambda: [train(means, steps=1_000, seed=s) for s in range(1_000)])
    side_by_side = seconds(
        lambda: in_parallel(lambda s: train(means, steps=1_000, seed=s), range(1_000)))
    eager = (seconds(run(400, eager=True)) - seconds(run(100, eager=True))) / 300
    print(f"  eager     {eager * 1e6:10,.1f} us/step   (t(400) - t(100)) / 300")
    print(f"  compiled  {compiled * 1e6:10,.2f} us/step   "
          "(t(25,000) - t(5,000)) / 20,000, best of 3")
    print(f"  speed-up  {eager / compiled:10,.0f}x")
    print(f"  cold      {cold:10,.2f} s for the first 10,000-step train(), XLA compile included")
    print(f"  per run   {per_run * 1e3:10,.2f} ms besides its steps (fresh weights and optimizer)")
    print(f"  1,000 runs x 1,000 steps: {thousand:.2f} s one after the other, "
          f"{side_by_side:.2f} s side by side on {os.cpu_count()} cores")


def main(argv=None):
    """The command line; returns the exit status: 0 done, 1 training diverged or a figure could
    not be written, 130 Ctrl-C, 141 the output's pipe closed (`| head`); 2 bad input (argparse)."""
    args = parse_args(argv)
    if not args.show:
        matplotlib.use("Agg")  # files only: no window, no display needed
    prog, written = Path(sys.argv[0]).name, []
    try:
        if args.benchmark:
            benchmark(args)
        else:
            run = sutton_barto if args.sutton_barto else compare if args.compare else default_run
            for name, (plot, *data) in run(args).items():
                path = args.out / name
                try:
                    args.out.mkdir(parents=True, exist_ok=True)
                    plot(*data, path)
                except OSError as error:  # a full disk, a quota, a folder gone meanwhile
                    print(f"{prog}: error: could not write {path} ({error.strerror or error}); "
                          f"{_written(written)}", file=sys.stderr)
                    return 1
                written.append(path)
                print(f"Wrote {path}")
            if args.show:
                plt.show()
        sys.stdout.flush()  # so that a closed pipe shows here at the latest, inside the `try`
    except TrainingDiverged as error:  # raised before any figure is written
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # in a terminal, end the progress bar's line first
        print("\n" * sys.stdout.isatty() + f"interrupted: {_written(written)}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Python's recipe (signal module docs); then exit as a program stopped by SIGPIPE does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13
    finally:
        plt.close("all")
    return 0


def _written(paths):
    return f"wrote only {', '.join(map(str, paths))}" if paths else "nothing written"


if __name__ == "__main__":
    sys.exit(main())
