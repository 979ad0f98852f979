"""Discrete policy gradients (REINFORCE) on a multi-armed bandit, in TensorFlow 2.

A runnable companion to "A Minimal Working Example for Discrete Policy Gradients in
TensorFlow 2.0" (W. J. A. van Heeswijk, Towards Data Science, 2020). The script follows the
article's sections in order, so the two can be read side by side:

1. A bit of mathematics: the REINFORCE update and the pseudo-loss that implements it.
2. TensorFlow 2 implementation: one update as the article's three GradientTape steps.
3. Multi-armed bandit: the bandit, the actor network and the training loop.

Then come the machinery (compiling, checks), the experiments (many seeds, dead networks,
Sutton & Barto's Figure 2.5), the figures and the command line. Run it:

    python discrete_bandit.py                        # the four default settings, 10 seeds each
    python discrete_bandit.py --means 0 0 5          # one setting of your own
    python discrete_bandit.py --means 1 2 --means 3 1 0 --steps 5000 --seed 1 --runs 1
    python discrete_bandit.py --sutton-barto         # the textbook's Figure 2.5
    python discrete_bandit.py --help                 # every option

or import it (importing trains nothing and writes nothing):

    from discrete_bandit import train
    history = train([1.0, 0.9, 0.9, 1.0], steps=2_000, seed=0)   # shape (2001, 4)
"""

import argparse
import contextlib
import math
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

# Both are read while TensorFlow is imported, so they have to come first. The first hides
# TensorFlow's C++ start-up messages. The second keeps TensorFlow's oneDNN kernels off: CPUs with
# AVX-512 VNNI turn them on by default, and then TensorFlow prints a notice at every start and
# rounds differently from other CPUs. A network this small gains nothing from them. Set either
# variable yourself to override it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

# The article's four experiments, one per setting: four arms, one shared standard deviation.
DEFAULT_SETTINGS = (
    (1.0, 0.9, 0.9, 1.0),  # the published code's setting: two equally good arms, 0 and 3
    (1.0, 2.0, 3.0, 4.0),  # clearly separated: the best arm is easy to find
    (1.0, 1.05, 1.1, 1.15),  # close together: exploration lingers
    (-1.0, -0.5, -2.0, -1.5),  # every payoff a loss: REINFORCE still finds the least bad arm
)


# =============================================================================
# 1. A bit of mathematics
# =============================================================================
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
    finite even when pi(action) is far below float32's smallest number. Taking `log` of a
    softmax output instead returns -inf there and NaN gradients, which the article's code
    dodges with `log(p + 1e-5)`, a fudge that biases the gradient.
    """
    return -reward * log_prob


# =============================================================================
# 2. TensorFlow 2 implementation
# =============================================================================
# Keras' `compile()` + `fit()` want a loss of two arguments, (y_true, y_pred). Our pseudo-loss
# needs the action and the reward as well, so we use `tf.GradientTape`: record the forward pass
# on the tape, then ask it for gradients. An update is three steps: (i) compute the pseudo-loss,
# (ii) take its gradient with respect to the trainable weights, (iii) let the optimizer apply it.

STATE = tf.ones((1, 1))  # the bandit has a single state; the actor always sees the value 1


def reinforce_step(actor, optimizer, means, stddev, step_seed, baseline):
    """Play the bandit once and update the actor. Returns (probabilities used, reward).

    `baseline(reward)` is the value subtracted from the reward: 0 for the article's REINFORCE.
    """
    # One seed per step, split in two: the run is a pure function of (seed, step).
    action_seed, reward_seed = tf.unstack(tf.random.experimental.stateless_split(step_seed))
    with tf.GradientTape() as tape:
        # The forward pass must happen on the tape: the tape can only differentiate what it saw.
        log_probs = actor(STATE)[0]
        action = tf.random.stateless_categorical(log_probs[None], 1, action_seed)[0, 0]
        reward = pull(means, stddev, action, reward_seed)
        # (i) the pseudo-loss. tf.gather, not log_probs[action]: see "Why XLA" below.
        loss = pseudo_loss(tf.gather(log_probs, action), reward - baseline(reward))
    grads = tape.gradient(loss, actor.trainable_variables)  # (ii) its gradient
    optimizer.apply_gradients(zip(grads, actor.trainable_variables))  # (iii) one optimizer step
    return tf.exp(log_probs), reward


# =============================================================================
# 3. Multi-armed bandit
# =============================================================================
# Arm i pays a reward drawn from Normal(mean_i, stddev). The player does not know the means;
# the best policy always plays the arm with the highest one.


def pull(means, stddev, action, seed):
    """Play arm `action` once: a reward drawn from Normal(means[action], stddev)."""
    return tf.gather(means, action) + stddev * tf.random.stateless_normal([], seed)


def build_actor(num_arms, seed=0, hidden_layers=2):
    """The article's actor: state 1 -> Dense(5, relu) -> Dense(5, relu) -> softmax over arms.

    As in the article's code, the hidden layers start from `he_normal` weights (drawn from
    `seed`: the same seed, the same actor) and zero biases.

    The output layer starts with a zero kernel and a zero bias, so every logit is 0 whatever
    the hidden layers compute, and the softmax gives every arm exactly 1 / num_arms: the
    article's "equal probability" start, for any number of arms.

    The output is log-softmax, the logarithm of the article's softmax: the same policy
    (pi = exp(output)), but it hands the pseudo-loss log pi directly, with no log(0).

    With `hidden_layers=0` the input 1 feeds the output layer directly, and the layer has a
    kernel but no bias: its kernel row is one preference H(a) per arm, softmax(H) is the
    policy, and the actor is Sutton & Barto's gradient bandit (see `sutton_barto_figure_2_5`).
    """
    # One seeded stream for every layer, so each layer gets its own values. `train` rewinds it.
    seed_generator = keras.random.SeedGenerator(seed)
    he_normal = keras.initializers.HeNormal(seed=seed_generator)
    state = keras.Input(shape=(1,), name="state")
    hidden = state
    for _ in range(hidden_layers):
        hidden = layers.Dense(5, activation="relu", kernel_initializer=he_normal)(hidden)
    log_probs = layers.Dense(
        num_arms,
        activation="log_softmax",
        use_bias=hidden_layers > 0,
        kernel_initializer="zeros",
        bias_initializer="zeros",
    )(hidden)
    actor = keras.Model(state, log_probs, name="actor")
    actor.seed_generator = seed_generator
    return actor


# The baseline subtracted from each reward, as a function of (reward, average of the rewards
# before this step, number of those rewards). "previous" is `--baseline`: it does not depend
# on this step's action, so the gradient stays unbiased. "including" also counts this step's
# reward, as in the empirical results of Sutton & Barto's chapter 2 (see the README).
BASELINES = {
    "none": lambda reward, average, count: 0.0,
    "previous": lambda reward, average, count: average,
    "including": lambda reward, average, count: average + (reward - average) / (count + 1.0),
}

CHUNK = 1_000  # steps per call of the compiled loop: the history buffer has this fixed length


def training_loop(actor, optimizer, baseline):
    """The loop that plays `num_steps` (<= CHUNK) rounds of the bandit, as a plain function.

    `train` runs it compiled by XLA or, with `eager=True`, line by line as ordinary Python.
    Returns the policy used at each step (rows past `num_steps` are unused), the running
    average reward (the next call's starting point) and the policy after the last update.
    """
    baseline = BASELINES[baseline]

    def play(means, stddev, seed, first_step, num_steps, average_reward):
        history = tf.TensorArray(tf.float32, size=CHUNK)
        step = first_step
        while step < first_step + num_steps:  # not `for ... in tf.range`: see "Why XLA"
            probs, reward = reinforce_step(
                actor,
                optimizer,
                means,
                stddev,
                tf.stack([seed, step]),
                lambda reward: baseline(reward, average_reward, tf.cast(step, tf.float32)),
            )
            history = history.write(step - first_step, probs)
            average_reward += (reward - average_reward) / tf.cast(step + 1, tf.float32)
            step += 1
        return history.stack(), average_reward, tf.exp(actor(STATE)[0])

    return play


def train(
    means,
    *,
    stddev=1.0,
    steps=10_000,
    learning_rate=1e-3,
    seed=0,
    baseline=False,
    hidden_layers=2,
    optimizer="adam",
    eager=False,
    on_progress=None,
):
    """Train a fresh actor with REINFORCE on the bandit with these mean payoffs.

    Returns a float32 array of shape (steps + 1, len(means)): row 0 is the initial, uniform
    policy and row t the action probabilities after t updates. The same arguments give the
    same array, bit for bit.

    `baseline`: False (the article's REINFORCE), True (subtract the average of the rewards
    seen before each step, see `--baseline`) or one of the names in BASELINES.
    `hidden_layers` (0 or more) and `optimizer` ("adam" or "sgd") change the actor and its
    optimizer; the defaults are the article's. `on_progress`, if given, is called as
    `on_progress(n)` after every chunk of n (at most CHUNK) steps.

    Raises ValueError for invalid arguments and TrainingDiverged if the weights stop being
    finite numbers.
    """
    means = check_setting(means)
    baseline = baseline_name(baseline)
    check_arguments(
        stddev=stddev,
        steps=steps,
        learning_rate=learning_rate,
        seed=seed,
        hidden_layers=hidden_layers,
        optimizer=optimizer,
    )
    check_history_size(steps + 1, len(means))
    with _agent(len(means), baseline, hidden_layers, optimizer, bool(eager)) as agent:
        agent.reset(tf.constant(seed, tf.int64), tf.constant(learning_rate, tf.float32))
        return _play_in_chunks(agent, means, stddev, seed, steps, on_progress)


# =============================================================================
# Machinery: the compiled loop, fresh runs, checks
# =============================================================================
# Why XLA. Compiled by XLA (`jit_compile=True`), the whole loop becomes one fused program of
# a few microseconds a step, against tens of milliseconds eagerly. It costs a compilation of
# about a second, once per kind of actor, and two things in the loop are written the way XLA
# needs them:
# - `while step < ...`, not `for i in tf.range(num_steps)`: AutoGraph passes the range's
#   length as `maximum_iterations`, which XLA must know when it compiles, so every new chunk
#   length would compile anew. The history buffer has one fixed length, CHUNK, for the same
#   reason.
# - `tf.gather(x, action)`, not `x[action]`: Python indexing with a computed index makes XLA
#   treat everything the index depends on (the seed, the actor's weights) as a compile-time
#   constant, and so compile again at every call.
# One difference remains: XLA draws other random numbers than TensorFlow's kernels from the
# same seed, so a run with `--eager` is another sample of the same process, not the compiled
# run step by step.

OPTIMIZERS = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}
MAX_SEED = 2**31 - 1  # stateless random ops take int32 seeds
MAX_ARMS = 100
MAX_HIDDEN_LAYERS = 10
FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_HISTORY_BYTES = 2**30  # the histories one call or command may keep in memory


class TrainingDiverged(ArithmeticError):
    """The actor's weights stopped being finite numbers during training."""


# One actor, optimizer and compiled loop per kind of run, reused by every later run of that
# kind, so that each is traced and compiled only once. Threads that train side by side (see
# `in_parallel`) each borrow their own, so there are as many of a kind as ran at once.
_idle_agents = {}
_idle_agents_lock = threading.Lock()


@contextlib.contextmanager
def _agent(num_arms, baseline, hidden_layers, optimizer_name, eager):
    """Borrow an agent of this kind (made if none is idle) for the duration of a `with`."""
    key = (num_arms, baseline, hidden_layers, optimizer_name, eager)
    with _idle_agents_lock:
        idle = _idle_agents.setdefault(key, [])
        agent = idle.pop() if idle else None
    if agent is None:
        agent = _new_agent(*key)
    try:
        yield agent
    finally:
        with _idle_agents_lock:
            _idle_agents[key].append(agent)


def _new_agent(num_arms, baseline, hidden_layers, optimizer_name, eager):
    actor = build_actor(num_arms, hidden_layers=hidden_layers)
    optimizer = OPTIMIZERS[optimizer_name]()
    optimizer.build(actor.trainable_variables)

    def reset(seed, learning_rate):
        """Put back the weights `build_actor(num_arms, seed)` gives and a fresh optimizer."""
        state = actor.seed_generator.state
        state.assign(tf.cast(tf.stack([seed, 0]), state.dtype))
        for layer in actor.layers[1:]:
            layer.kernel.assign(layer.kernel_initializer(layer.kernel.shape))
            if layer.use_bias:
                layer.bias.assign(layer.bias_initializer(layer.bias.shape))
        for variable in optimizer.variables:  # step count and moment estimates back to zero
            variable.assign(tf.zeros_like(variable))
        optimizer.learning_rate.assign(learning_rate)

    play = training_loop(actor, optimizer, baseline)
    if not eager:
        scalar = tf.TensorSpec([], tf.int32)
        play = tf.function(
            play,
            jit_compile=True,
            input_signature=[
                tf.TensorSpec([num_arms], tf.float32),  # means
                tf.TensorSpec([], tf.float32),  # stddev
                scalar,  # seed
                scalar,  # first_step
                scalar,  # num_steps
                tf.TensorSpec([], tf.float32),  # average_reward
            ],
        )
        # Not XLA: TensorFlow's own kernels draw the same initial weights as build_actor.
        reset = tf.function(
            reset, input_signature=[tf.TensorSpec([], tf.int64), tf.TensorSpec([], tf.float32)]
        )
    return SimpleNamespace(actor=actor, optimizer=optimizer, reset=reset, play=play)


def _play_in_chunks(agent, means, stddev, seed, steps, on_progress):
    """Run the agent's loop for `steps` steps, CHUNK at a time; returns the history array."""
    bandit = dict(
        means=tf.constant(means, tf.float32),
        stddev=tf.constant(stddev, tf.float32),
        seed=tf.constant(seed, tf.int32),
    )
    history = np.empty((steps + 1, len(means)), np.float32)
    average_reward = tf.constant(0.0)
    for first_step in range(0, steps, CHUNK):
        num_steps = min(CHUNK, steps - first_step)
        try:
            probs, average_reward, final = agent.play(
                **bandit,
                first_step=tf.constant(first_step, tf.int32),
                num_steps=tf.constant(num_steps, tf.int32),
                average_reward=average_reward,
            )
        except tf.errors.InvalidArgumentError:
            # Eagerly, NaN weights make the sampled arm out of range before the check below.
            if all(np.isfinite(w).all() for w in agent.actor.get_weights()):
                raise
            raise _diverged(
                f"during steps {first_step + 1:,} to {first_step + num_steps:,}"
            ) from None
        history[first_step : first_step + num_steps] = probs.numpy()[:num_steps]
        history[first_step + num_steps] = final.numpy()
        _check_finite(history[first_step : first_step + num_steps + 1], first_step)
        if on_progress is not None:
            on_progress(num_steps)
    return history


def _check_finite(policies, first_step):
    """Raise TrainingDiverged if a policy in these rows (row i: after first_step + i updates)
    is not made of finite numbers."""
    bad = ~np.isfinite(policies).all(axis=1)
    if bad.any():
        raise _diverged(f"after {first_step + int(np.argmax(bad)):,} updates")


def _diverged(when):
    return TrainingDiverged(
        f"training diverged: {when} the actor's weights were no longer finite numbers "
        "(payoffs too large for float32 arithmetic); "
        "try smaller payoffs (--means, --stddev) or a smaller --learning-rate"
    )


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
        raise ValueError(f"means must be finite numbers, got {_format_means(values)}")
    if max(abs(m) for m in values) > FLOAT32_MAX:
        raise ValueError(f"means must lie within +-{FLOAT32_MAX:.2g}, float32's range")
    return values


def check_arguments(*, stddev, steps, learning_rate, seed, hidden_layers=2, optimizer="adam"):
    """Raise ValueError with a readable message for any invalid training argument."""
    if not _is_real(stddev) or not 0 <= stddev <= FLOAT32_MAX:
        raise ValueError(f"stddev must be a number from 0 to {FLOAT32_MAX:.2g}, got {stddev!r}")
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    tiny = float(np.finfo(np.float32).tiny)
    if not _is_real(learning_rate) or not tiny <= learning_rate <= FLOAT32_MAX:
        raise ValueError(
            f"learning_rate must be a number from {tiny:.2g} to {FLOAT32_MAX:.2g} "
            f"(float32's range), got {learning_rate!r}"
        )
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    if not _is_int(hidden_layers) or not 0 <= hidden_layers <= MAX_HIDDEN_LAYERS:
        raise ValueError(
            f"hidden_layers must be an integer from 0 to {MAX_HIDDEN_LAYERS}, got {hidden_layers!r}"
        )
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")


def check_history_size(rows, arms, runs=1):
    """Raise ValueError if `runs` histories of `rows` x `arms` float32 exceed MAX_HISTORY_BYTES."""
    size = rows * arms * runs * 4
    if size > MAX_HISTORY_BYTES:
        raise ValueError(
            f"the training history would take {size / 2**30:,.1f} GiB of memory "
            f"(limit {MAX_HISTORY_BYTES / 2**30:g} GiB); use fewer steps, runs or settings"
        )


def baseline_name(baseline):
    """False -> "none", True -> "previous"; a name from BASELINES passes through."""
    if isinstance(baseline, (bool, np.bool_)):
        return "previous" if baseline else "none"
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be True, False or one of {', '.join(BASELINES)}")
    return baseline


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_real(x):
    return (
        isinstance(x, (int, float, np.integer, np.floating))
        and not isinstance(x, bool)
        and (math.isfinite(x))
    )


# =============================================================================
# Experiments: many seeds, dead networks
# =============================================================================


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


# Why some runs learn slower. The input is always 1, so each hidden ReLU unit is on or off from
# the start, and a unit that is off passes no gradient back. When every unit of the last hidden
# layer is off, the hidden layers and the output kernel get zero gradients for good: the actor
# is a softmax over the output layer's bias alone, a much slower learner. We call it dead.


def alive_units(seed, hidden_layers=2):
    """How many units of each hidden layer are on (output > 0) at the start of run `seed`."""
    if hidden_layers == 0:
        return []
    # The hidden layers do not depend on the number of arms.
    with _agent(2, "none", hidden_layers, "adam", False) as agent:
        agent.reset(tf.constant(seed, tf.int64), tf.constant(1e-3))
        if not hasattr(agent, "hidden"):
            actor = agent.actor
            agent.hidden = keras.Model(actor.inputs, [layer.output for layer in actor.layers[1:-1]])
        return [int(np.count_nonzero(output)) for output in agent.hidden(STATE)]


def is_dead(alive):
    """A network is dead when its last hidden layer has no unit on (see above)."""
    return len(alive) > 0 and alive[-1] == 0


def progress_bar(target):
    """Keras' progress bar in a terminal; in a log or a pipe, one plain line when it is done.

    Returns a function `advance(steps)` that threads may call together.
    """
    progbar = keras.utils.Progbar(target, verbose=1 if sys.stdout.isatty() else 2, unit_name="step")
    lock = threading.Lock()

    def advance(steps):
        with lock:
            progbar.add(steps)

    advance.progbar = progbar
    return advance


def in_parallel(function, items):
    """`map(function, items)` on one thread per CPU core, results in order.

    TensorFlow releases Python's lock while a compiled call runs, so independent runs train side
    by side; each borrows its own actor (see `_agent`), and a run does not depend on which
    actor trained it or what ran on it before.
    """
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(function, items))


def train_setting(means, *, runs, seed, steps, title, **train_kwargs):
    """Train one setting `runs` times (seeds seed, seed+1, ...) behind one progress bar.

    Returns (histories of shape (runs, steps + 1, arms), dead flag per run, steps per second).
    """
    print(title)
    advance = progress_bar(runs * steps)
    start = time.perf_counter()
    histories = np.stack(
        in_parallel(
            lambda run: train(
                means, seed=seed + run, steps=steps, on_progress=advance, **train_kwargs
            ),
            range(runs),
        )
    )
    seconds = time.perf_counter() - start
    hidden_layers = train_kwargs.get("hidden_layers", 2)
    dead = np.array([is_dead(alive_units(seed + run, hidden_layers)) for run in range(runs)])
    return histories, dead, runs * steps / seconds


# =============================================================================
# From the article to the textbook: Sutton & Barto's gradient bandit (Figure 2.5)
# =============================================================================
# With no hidden layer and plain SGD, the article's actor *is* the gradient bandit algorithm of
# Sutton & Barto (Reinforcement Learning: An Introduction, 2nd ed., section 2.8). The output
# layer's kernel holds one preference H(a) per arm, pi = softmax(H), and one SGD step on the
# pseudo-loss -(R - b) log pi(A) with learning rate alpha is their equation (2.12):
#
#     H(a) <- H(a) + alpha (R - b) (1{a = A} - pi(a))    for every arm a
#
# Their Figure 2.5 runs it on a 10-armed testbed whose true values q*(a) are drawn from
# Normal(4, 1) for every run, rewards Normal(q*(A), 1), with alpha 0.1 and 0.4, with and
# without the baseline b. Its footnote says the baseline of their figures also counts the
# current reward: that is BASELINES["including"].

SUTTON_BARTO_CURVES = ((0.1, True), (0.4, True), (0.1, False), (0.4, False))


def sutton_barto_testbed(runs, arms=10, seed=0):
    """The true values q*(a) of every run, shape (runs, arms): Normal(4, 1), as in Figure 2.5."""
    return np.random.default_rng(seed).normal(4.0, 1.0, size=(runs, arms))


def gradient_bandit(alpha, with_baseline, baseline="including"):
    """train() arguments for Sutton & Barto's gradient bandit: a bias-only actor and plain SGD."""
    return dict(
        learning_rate=alpha,
        baseline=baseline if with_baseline else "none",
        hidden_layers=0,
        optimizer="sgd",
    )


def optimal_action_curves(variants, *, runs, steps, seed, progress=None):
    """For each variant {key: train() arguments}: the mean over runs of pi_t(optimal arm), the
    probability of playing the optimal arm at step t = 1..steps, as an array of shape (steps,).

    That is the expectation of the book's "% optimal action" (the fraction of runs that chose
    the optimal arm at step t), without the noise of sampling one action per run. Run r uses
    seed + r and row r of `sutton_barto_testbed(runs, seed=seed)` in every variant. The
    variants are trained side by side (see `in_parallel`); `progress(steps)` is called after
    every run.
    """
    true_values = sutton_barto_testbed(runs, seed=seed)

    def curve(train_kwargs):
        total = np.zeros(steps)
        for run, q in enumerate(true_values):
            history = train(q, stddev=1.0, steps=steps, seed=seed + run, **train_kwargs)
            total += history[:steps, np.argmax(q)]  # row t - 1: the policy used at step t
            if progress is not None:
                progress(steps)
        return total / runs

    return dict(zip(variants, in_parallel(curve, variants.values())))


def sutton_barto_figure_2_5(runs=2000, steps=1000, seed=0):
    """Sutton & Barto's Figure 2.5, made with the article's three steps.

    Returns {(alpha, with_baseline): curve} for alpha 0.1 and 0.4, with and without the
    baseline, each curve of shape (steps,): at step t, the mean over runs of pi_t(optimal arm)
    (see `optimal_action_curves`).
    """
    variants = {key: gradient_bandit(*key) for key in SUTTON_BARTO_CURVES}
    return optimal_action_curves(variants, runs=runs, steps=steps, seed=seed)


# =============================================================================
# Figures: each function makes one figure and saves it
# =============================================================================
# Up to LABELLED_ARMS arms, every arm gets its own colour, tick label and legend entry. Beyond
# that, the best arm(s) keep their colour and label and the others are drawn in grey, so that
# a figure stays readable for any number of arms.
LABELLED_ARMS = 10
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


def _curve(ax, steps, values, color, label, **line):
    """Mean over runs (axis 0) as a line; with several runs, the 10th-90th percentile band."""
    mean, low, high = band(values)
    ax.plot(steps, mean, color=color, label=label, **line)
    if len(values) > 1:
        ax.fill_between(steps, low, high, color=color, alpha=0.15, linewidth=0)


def _runs_note(runs):
    return "one run" if runs == 1 else f"{runs} runs: mean and 10th-90th percentile band"


def _save(fig, path):
    fig.savefig(path, dpi=100)
    return fig


def plot_final_probabilities(results, path):
    """Per setting: each arm's final probability, mean over runs as a bar and every run as a dot.

    Dead runs (see `alive_units`) are drawn as crosses; the best arm(s) are starred.
    """
    runs, rows = results[0][1].shape[:2]
    note = "" if runs == 1 else f"\n{runs} runs: bars show the mean, dots single runs"
    fig, axes = _panels(len(results), f"Action probabilities after {rows - 1:,} steps{note}")
    rng = np.random.default_rng(0)  # horizontal jitter of the dots, the same in every figure
    for ax, (means, histories, dead) in zip(axes, results):
        num_arms = len(means)
        arms = np.arange(num_arms)
        final = histories[:, -1, :]
        colors = arm_colors(num_arms, means)
        ax.bar(arms, final.mean(axis=0), color=colors, edgecolor="black", linewidth=0.6, alpha=0.8)
        if runs > 1:
            jitter = rng.uniform(-0.25, 0.25, size=final.shape)
            for runs_shown, marker, label in ((~dead, "o", "one run"), (dead, "x", "dead network")):
                if runs_shown.any():
                    x = (arms + jitter[runs_shown]).ravel()
                    ax.scatter(
                        x,
                        final[runs_shown].ravel(),
                        s=9,
                        c="black",
                        marker=marker,
                        linewidths=0.8,
                        label=label,
                        zorder=3,
                    )
        best = best_arms(means)
        ax.plot(best, np.full(len(best), 1.05), "k*", markersize=10, label="best arm")
        ax.axhline(1 / num_arms, color="gray", linestyle=":", label="uniform start")
        if num_arms <= LABELLED_ARMS:
            ax.set_xticks(arms, [f"arm {i}\nmean {m:g}" for i, m in enumerate(means)])
        else:
            ax.set_xlabel(f"arm ({num_arms} arms)")
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("probability of playing the arm")
        ax.set_title(f"means = {_format_means(means)}")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _save(fig, path)


def plot_learning_curves(results, path):
    """Each arm's probability over the steps, one panel per setting: the mean over runs with
    its band, and the first run (seed --seed) as a thin line, as in the article's figures."""
    runs = results[0][1].shape[0]
    title = "Learning curves" + (
        "" if runs == 1 else f"\n{_runs_note(runs)}; thin line: the first run"
    )
    fig, axes = _panels(len(results), title)
    for ax, (means, histories, _) in zip(axes, results):
        stride = max(1, histories.shape[1] // MAX_POINTS)
        thinned = histories[:, ::stride]
        steps = np.arange(histories.shape[1])[::stride]
        best = best_arms(means)
        for arm, color in enumerate(arm_colors(len(means), means)):
            if len(means) <= LABELLED_ARMS or arm in best:
                label = f"arm {arm} (mean {means[arm]:g}{', best' if arm in best else ''})"
            else:
                label = (
                    f"the other {len(means) - len(best)} arms"
                    if arm == min(set(range(len(means))) - set(best))
                    else None
                )
            _curve(ax, steps, thinned[:, :, arm], color, label, linewidth=1.2)
            if runs > 1:
                ax.plot(steps, thinned[0, :, arm], color=color, linewidth=0.5, alpha=0.8)
        ax.set_ylim(0, 1)
        ax.set_xlabel("training step")
        ax.set_ylabel("probability of playing the arm")
        ax.set_title(f"means = {_format_means(means)}")
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return _save(fig, path)


def plot_baseline_comparison(comparisons, path):
    """Best arm's probability over training, with and without the baseline, per setting."""
    runs = comparisons[0][1].shape[0]
    fig, axes = _panels(
        len(comparisons), f"REINFORCE with and without a baseline\n{_runs_note(runs)}"
    )
    for ax, (means, plain, with_baseline) in zip(axes, comparisons):
        stride = max(1, plain.shape[1] // MAX_POINTS)
        steps = np.arange(plain.shape[1])[::stride]
        for histories, label, color in (
            (plain, "plain REINFORCE", "tab:red"),
            (with_baseline, "with baseline (average reward)", "tab:blue"),
        ):
            _curve(ax, steps, best_arm_probability(histories[:, ::stride], means), color, label)
        ax.axhline(
            len(best_arms(means)) / len(means), color="gray", linestyle=":", label="uniform start"
        )
        ax.set_ylim(0, 1)
        ax.set_xlabel("training step")
        ax.set_ylabel("probability of the best arm(s)")
        ax.set_title(f"means = {_format_means(means)}")
        ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return _save(fig, path)


SUTTON_BARTO_LABELS = {
    "previous": "alpha = 0.4, baseline of earlier rewards only",
    "article": "the article's actor, Adam(1e-3)",
}


def _curve_label(alpha, with_baseline):
    return f"alpha = {alpha}, {'with' if with_baseline else 'without'} baseline"


def plot_sutton_barto(curves, runs, path):
    """Sutton & Barto's Figure 2.5, redrawn: % optimal action over steps, one line per curve."""
    fig, ax = plt.subplots(figsize=(8, 6))
    colors = {0.1: "tab:blue", 0.4: "tab:brown"}
    for key, curve in curves.items():
        steps = np.arange(1, len(curve) + 1)
        if key in SUTTON_BARTO_LABELS:
            style = (
                dict(color="tab:brown", linestyle=":")
                if key == "previous"
                else dict(color="black", linewidth=1)
            )
            ax.plot(steps, 100 * curve, label=SUTTON_BARTO_LABELS[key], **style)
        else:
            alpha, with_baseline = key
            ax.plot(
                steps,
                100 * curve,
                "-" if with_baseline else "--",
                color=colors[alpha],
                label=_curve_label(alpha, with_baseline),
            )
    ax.set_xlabel("steps")
    ax.set_ylabel("% optimal action (expected)")
    ax.set_ylim(0, 100)
    ax.set_title(f"Gradient bandit on the 10-armed testbed, q*(a) ~ Normal(4, 1), {runs:,} runs")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize="small")
    fig.tight_layout()
    return _save(fig, path)


def _format_means(means):
    """[1, 2, 3] in short; beyond 6 arms the first three and the last two: [1, 2, 3, ..., 9, 10]."""
    return "[" + ", ".join(_shorten([f"{m:g}" for m in means])) + "]"


def _shorten(items):
    """A list of one entry per arm, cut to its first three and last two beyond 6 arms."""
    return items if len(items) <= 6 else items[:3] + ["..."] + items[-2:]


# =============================================================================
# Command line
# =============================================================================
MAX_STEPS_PER_COMMAND = 10**8  # about 5 minutes at 3 us a step on a 2-core CPU
STEP_SECONDS = 3e-6  # the compiled step measured here, for the estimate in that refusal


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """Argparse's error, on one line: no usage block, exit status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_args(argv=None):
    """Parse and check the command line; any bad value exits with status 2 before any work."""
    parser = _Parser(
        description="REINFORCE on a multi-armed bandit: the runnable companion to "
        "'A Minimal Working Example for Discrete Policy Gradients in TensorFlow 2.0'.",
    )
    parser.add_argument(
        "--means",
        metavar="M",
        type=float,
        nargs="+",
        action="append",
        help=f"mean payoff of each arm (2 to {MAX_ARMS} arms), one setting per use (repeat it to "
        "compare settings); default: the four settings "
        + ", ".join(_format_means(s) for s in DEFAULT_SETTINGS),
    )
    parser.add_argument(
        "--stddev",
        type=float,
        default=1.0,
        help="standard deviation of every arm's payoff (default: %(default)s)",
    )
    parser.add_argument(
        "--steps",
        type=int,
        help="training steps (updates) per run (default: 10000; 1000 with --sutton-barto)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        help="independent runs per setting, seeds seed, seed+1, ... "
        "(default: 10; 2000 with --sutton-barto)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed of the first run (default: %(default)s)"
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=1e-3,
        help="the optimizer's learning rate (default: %(default)s)",
    )
    parser.add_argument(
        "--optimizer",
        choices=sorted(OPTIMIZERS),
        default="adam",
        help="the optimizer (default: %(default)s, the article's)",
    )
    parser.add_argument(
        "--hidden-layers",
        type=int,
        default=2,
        help="hidden Dense(5, relu) layers (default: %(default)s, the article's); 0 with "
        "--optimizer sgd is Sutton & Barto's gradient bandit",
    )
    parser.add_argument(
        "--eager",
        action="store_true",
        help="run the training loop eagerly, step by step (slow; for print() or a debugger)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("figures"),
        help="folder for the figures (default: %(default)s)",
    )
    parser.add_argument("--show", action="store_true", help="also open the figures in a window")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--baseline",
        action="store_true",
        help="subtract a baseline, the average of the rewards seen so far, from each reward",
    )
    mode.add_argument(
        "--compare-baseline",
        action="store_true",
        help="train every setting with and without the baseline and write baseline_comparison.png",
    )
    mode.add_argument(
        "--sutton-barto",
        action="store_true",
        help="reproduce Sutton & Barto's Figure 2.5 (gradient bandit, 10-armed testbed) and "
        "write sutton_barto_figure_2_5.png; its own bandits and learning rates, your --runs, "
        "--steps and --seed",
    )
    mode.add_argument(
        "--benchmark",
        action="store_true",
        help="time the compiled and the eager loop on the first setting; writes nothing",
    )
    args = parser.parse_args(argv)

    book = args.sutton_barto
    if book and args.means:
        parser.error("--sutton-barto draws its own means (the 10-armed testbed); drop --means")
    args.steps = args.steps if args.steps is not None else (1_000 if book else 10_000)
    args.runs = args.runs if args.runs is not None else (2_000 if book else 10)
    args.means = args.means or [list(s) for s in DEFAULT_SETTINGS]
    try:
        for means in args.means:
            check_setting(means)
        check_arguments(seed=args.seed, **training_options(args))
        if args.runs < 1:
            raise ValueError(f"runs must be an integer >= 1, got {args.runs}")
        if args.seed + args.runs - 1 > MAX_SEED:
            raise ValueError(f"seed + runs - 1 must be at most {MAX_SEED}")
        check_command_size(args)
    except ValueError as error:
        parser.error(str(error))
    if args.eager and (args.benchmark or book):
        parser.error("--eager goes with neither --benchmark nor --sutton-barto")
    for folder in (args.out, *args.out.parents):
        if folder.exists():
            if not folder.is_dir():
                parser.error(f"--out {args.out}: {folder} exists and is not a folder")
            break
    return args


def training_options(args):
    """The command line's train() arguments that every run of a command shares."""
    return dict(
        stddev=args.stddev,
        steps=args.steps,
        learning_rate=args.learning_rate,
        hidden_layers=args.hidden_layers,
        optimizer=args.optimizer,
    )


def check_command_size(args):
    """Refuse a command whose steps would take hours or whose histories would not fit in memory."""
    if args.benchmark:
        return
    if args.sutton_barto:
        trainings = 4 + 2  # the book's four curves, the other baseline, the article's actor
    else:
        trainings = len(args.means) * (2 if args.compare_baseline else 1)
    total = trainings * args.runs * args.steps
    if total > MAX_STEPS_PER_COMMAND:
        raise ValueError(
            f"{total:,} training steps would take about {total * STEP_SECONDS / 3600:,.1f} hours "
            f"here (limit {MAX_STEPS_PER_COMMAND:,} a command); use fewer steps, runs or settings"
        )
    if not args.sutton_barto:  # which keeps one curve per variant, not every history
        arms = max(len(m) for m in args.means)
        check_history_size(args.steps + 1, arms, args.runs * trainings)


def print_summary(results, steps_per_second):
    """One row per setting: mean final probabilities, p(best) over runs, dead networks, speed."""
    runs = results[0][1].shape[0]
    print()
    print(f"Summary: final action probabilities, mean of {runs} run(s)")
    header = (
        f"{'setting':<28} {'final probability per arm':<34} {'p(best arm)':<22} "
        f"{'best most likely':>16} {'dead':>5} {'steps/s':>10}"
    )
    print(header)
    print("-" * len(header))
    for (means, histories, dead), speed in zip(results, steps_per_second):
        final = histories[:, -1, :]
        probs = _format_probabilities(final.mean(axis=0))
        best = best_arm_probability(final, means)
        _, low, high = band(best)
        best_text = f"{best.mean():.3f}" + ("" if runs == 1 else f" [{low:.2f}, {high:.2f}]")
        most_likely = np.isin(final.argmax(axis=1), best_arms(means)).sum()
        print(
            f"{_format_means(means):<28} {probs:<34} {best_text:<22} "
            f"{f'{most_likely}/{runs}':>16} {f'{dead.sum()}/{runs}':>5} {speed:>10,.0f}"
        )
    if runs > 1:
        print("p(best arm): mean over runs [10th, 90th percentile], summed over tied best arms.")
    print("best most likely: runs that ended with a best arm as their most likely one.")
    print("dead: runs whose network started with every unit of its last hidden layer off.")


def _format_probabilities(probs):
    return " ".join(_shorten([f"{p:.2f}" for p in probs]))


def run_experiments(args, baseline):
    """Train every setting `args.runs` times; returns [(means, histories, dead)] and steps/s."""
    results, speeds = [], []
    for means in args.means:
        histories, dead, steps_per_second = train_setting(
            means,
            runs=args.runs,
            seed=args.seed,
            title=f"means = {_format_means(means)}" + (" with baseline" if baseline else ""),
            eager=args.eager,
            baseline=baseline,
            **training_options(args),
        )
        results.append((means, histories, dead))
        speeds.append(steps_per_second)
    return results, speeds


def compare_baseline(args):
    """Train each setting with and without the baseline; plot and summarise the difference."""
    plain, _ = run_experiments(args, baseline=False)
    with_baseline, _ = run_experiments(args, baseline=True)
    comparisons = [(means, a, b) for (means, a, _), (_, b, _) in zip(plain, with_baseline)]
    print()
    print(f"Probability of the best arm(s), mean of {args.runs} run(s)")
    row = "{:<28} {:<16} {:>12} {:>8} {:>8} {:>12}"
    header = row.format("setting", "", "10% of steps", "halfway", "final", "run average")
    print(header)
    print("-" * len(header))
    for means, a, b in comparisons:
        for label, histories in (("plain", a), ("with baseline", b)):
            curve = best_arm_probability(histories, means).mean(axis=0)
            values = [curve[(len(curve) - 1) * k // 10] for k in (1, 5, 10)] + [curve.mean()]
            print(row.format(_format_means(means), label, *(f"{v:.3f}" for v in values)))
    return {"baseline_comparison.png": (plot_baseline_comparison, comparisons)}


def sutton_barto(args):
    """Figure 2.5 of Sutton & Barto with the article's update, and the article's actor beside it."""
    variants = {
        "article": dict(learning_rate=1e-3),  # the article's actor and Adam; the slowest, first
        **{key: gradient_bandit(*key) for key in SUTTON_BARTO_CURVES},
        # Where the two baselines differ most: this script's --baseline leaves out the current
        # reward, the book's figures count it.
        "previous": gradient_bandit(0.4, True, baseline="previous"),
    }
    runs, steps = args.runs, args.steps
    print(f"Sutton & Barto's Figure 2.5: {runs:,} runs x {steps:,} steps x {len(variants)} curves")
    start = time.perf_counter()
    curves = optimal_action_curves(
        variants,
        runs=runs,
        steps=steps,
        seed=args.seed,
        progress=progress_bar(len(variants) * runs * steps),
    )
    seconds = time.perf_counter() - start
    print()
    checkpoints = sorted({t for t in (100, 250, 500, 1000, steps) if t <= steps})
    header = f"{'% optimal action at step':<52}" + "".join(f"{t:>8,}" for t in checkpoints)
    print(header)
    print("-" * len(header))
    for key, curve in curves.items():
        print(
            f"{SUTTON_BARTO_LABELS.get(key) or _curve_label(*key):<52}"
            + "".join(f"{100 * curve[t - 1]:>8.1f}" for t in checkpoints)
        )
    print(f"% optimal action: mean over runs of pi_t(optimal arm). {seconds:.1f} s.")
    return {"sutton_barto_figure_2_5.png": (plot_sutton_barto, curves, runs)}


def benchmark(args):
    """Time the compiled loop against the very same loop run eagerly, on the first setting."""
    means = args.means[0]
    kwargs = dict(stddev=args.stddev, learning_rate=args.learning_rate, seed=args.seed)

    def seconds(function):
        start = time.perf_counter()
        function()
        return time.perf_counter() - start

    def run(steps, **more):
        return lambda: train(means, steps=steps, **{**kwargs, **more})

    print(f"Benchmark on means = {_format_means(means)}, one CPU process")
    cold = seconds(run(10_000))  # the first call: builds the actor and compiles the loop
    compiled = min(seconds(run(25_000)) - seconds(run(5_000)) for _ in range(3)) / 20_000
    per_run = seconds(lambda: [train(means, steps=1, seed=s) for s in range(1_000)]) / 1_000
    thousand = seconds(lambda: [train(means, steps=1_000, seed=s) for s in range(1_000)])
    side_by_side = seconds(
        lambda: in_parallel(lambda s: train(means, steps=1_000, seed=s), range(1_000))
    )
    eager = (seconds(run(400, eager=True)) - seconds(run(100, eager=True))) / 300
    print(f"  eager     {eager * 1e6:10,.1f} us/step   (t(400) - t(100)) / 300")
    print(
        f"  compiled  {compiled * 1e6:10,.2f} us/step   (t(25,000) - t(5,000)) / 20,000, best of 3"
    )
    print(f"  speed-up  {eager / compiled:10,.0f}x")
    print(f"  cold      {cold:10,.2f} s for the first 10,000-step train(), XLA compile included")
    print(f"  per run   {per_run * 1e3:10,.2f} ms besides its steps (fresh weights and optimizer)")
    print(
        f"  1,000 runs x 1,000 steps: {thousand:.2f} s one after the other, "
        f"{side_by_side:.2f} s side by side on {os.cpu_count()} cores"
    )


def main(argv=None):
    args = parse_args(argv)
    if not args.show:
        matplotlib.use("Agg")  # files only: no window, no display needed
    if args.benchmark:
        benchmark(args)
        return 0
    try:
        if args.sutton_barto:
            figures = sutton_barto(args)
        elif args.compare_baseline:
            figures = compare_baseline(args)
        else:
            results, speeds = run_experiments(args, baseline=args.baseline)
            print_summary(results, speeds)
            figures = {
                "final_probabilities.png": (plot_final_probabilities, results),
                "learning_curves.png": (plot_learning_curves, results),
            }
    except TrainingDiverged as error:  # nothing has been written yet
        print(f"{Path(sys.argv[0]).name}: error: {error}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (plot, *data) in figures.items():
        plot(*data, args.out / name)
        print(f"Wrote {args.out / name}")
    if args.show:
        plt.show()
    plt.close("all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
