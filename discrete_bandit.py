"""REINFORCE on a multi-armed bandit, in TensorFlow 2 and Keras 3: the runnable companion to the
article "A Minimal Working Example for Discrete Policy Gradients in TensorFlow 2.0" (W. J. A. van
Heeswijk, Towards Data Science, 2020).

Part 1, down to the line of equals signs that closes it, is the article's example on its own, in
the article's order: the pseudo-loss, the three-step update, the bandit, the actor and the
training loop. The rest runs, tweaks and reruns it: Part 2 trains many runs at once in one
compiled loop, Part 3 prints the summary and draws the figures, Part 4 is the command line
(`python discrete_bandit.py --help`). Experiments beyond the article import this file; they are
in experiments/ (`python -m experiments.compare --help`, ...). Importing it trains and writes
nothing.
"""

import argparse
import contextlib
import functools
import gc
import math
import os
import sys
from pathlib import Path
from types import SimpleNamespace

# TensorFlow reads these when it is imported: hide its C++ start-up notices, and keep its oneDNN
# kernels off (CPUs with AVX-512 VNNI turn them on, and TensorFlow then prints a notice at every
# start, whatever the log level, and rounds differently). Set either yourself to override it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

# ===== Part 1. The article's example =============================================================
# Section 1 of the article, a bit of mathematics. The actor is a policy pi_theta(a | s): a
# probability for every action a in state s. After playing action a it observes a reward v, and
# REINFORCE moves the weights theta *up* the gradient of the log-probability of that action,
# scaled by the reward:
#
#     theta <- theta + alpha * grad_theta log pi_theta(a | s) * v
#
# A deep-learning library minimises a loss instead of updating weights by hand, so we give it the
# same expression with a minus sign: a "pseudo-loss" whose gradient *descent* is the update above
# (the cross-entropy of the action played, weighted by its reward):
#
#     L(a, s, v) = -log pi_theta(a | s) * v


def pseudo_loss(log_prob, reward):
    """The REINFORCE pseudo-loss, L(a, s, v) = -v * log pi(a | s).

    The action a and the state s enter through `log_prob`, log pi(a | s), which comes straight
    from the actor's log-softmax output (see `build_actor`): finite even where pi(a | s)
    underflows float32 to 0. The article's code takes the log of a softmax output plus 1e-5
    instead, to dodge log(0), which biases the gradient. `reward` is v.
    """
    return -reward * log_prob


# Section 2 of the article, the TensorFlow 2 implementation. Keras' compile() and fit() want a
# loss of two arguments, (y_true, y_pred); ours needs the action, the state and the reward. (Keras'
# sample_weight can carry the reward after all: experiments/fit_check.py.) tf.GradientTape has no
# such limit: record the forward pass on the tape, then ask it for the gradient of any loss
# computed from it. An update is three steps: (i) the pseudo-loss, (ii) its gradient for the
# trainable weights, (iii) apply it.


def reinforce_step(actor, optimizer, state, means, stddev, key, baseline=0.0):
    """Play the bandit once from `state` and update the actor. Returns (the policy played, reward).

    The article plays one bandit from one state: `state` is STATE, (1, 1), and `means` one row,
    (1, arms); then the policy comes back as (1, arms) and the reward as (1,). More rows play
    more bandits at once (Part 2). `stddev`: one for every arm, or one per arm. `key`: the
    step's random key (see `step_key`). `baseline` is subtracted from the reward: 0 in the
    article; a function is called with this step's reward first, as a baseline may use it
    (--baseline's is that reward itself at the first step).
    """
    action_key, reward_key = tf.unstack(tf.random.experimental.stateless_split(key))
    with tf.GradientTape() as tape:
        # The forward pass must happen on the tape: the tape can only differentiate what it saw.
        # (Drawing the arm and its reward needs no gradient; on the tape it does no harm.)
        # The actor's output is log pi (see build_actor).
        log_probs = actor(state)
        # Sample an arm from pi (log-probabilities are valid logits), then play it (section 3).
        action = tf.random.stateless_categorical(log_probs, 1, action_key)[:, 0]  # one per row
        reward = pull(means, stddev, action, reward_key)
        if callable(baseline):
            baseline = baseline(reward)
        log_prob = tf.gather(log_probs, action, batch_dims=1)  # row r: log_probs[r, action[r]]
        # (i) the pseudo-loss, summed over the rows: where each row has weights of its own
        # (Part 2), each row's weights get the gradient of that row's loss.
        loss = tf.reduce_sum(pseudo_loss(log_prob, reward - baseline))
    grads = tape.gradient(loss, actor.trainable_variables)  # (ii) its gradient
    optimizer.apply_gradients(zip(grads, actor.trainable_variables))  # (iii) one optimizer step
    return tf.exp(log_probs), reward


# Section 3 of the article, the multi-armed bandit: a row of slot machines, the arms. Arm i pays a
# reward drawn from Normal(mean_i, stddev_i); the article's stddevs are all equal. The player does
# not know the means; the best policy always plays the arm with the highest one.


def pull(means, stddev, action, key):
    """Play arm action[r] of row r's bandit once: a reward from Normal(means[r, action[r]],
    stddev[action[r]]) per row, drawn with the random `key`. `stddev` is one number for every
    arm, or one per arm."""
    stddev = tf.broadcast_to(stddev, means.shape)
    noise = tf.random.stateless_normal(action.shape, key)
    return tf.gather(means, action, batch_dims=1) + tf.gather(stddev, action, batch_dims=1) * noise


STATE = tf.ones((1, 1))  # the bandit has a single state, the value 1: a batch of one row of it


def build_actor(num_arms, seed=0):
    """The article's actor: state 1 -> Dense(5, relu) -> Dense(5, relu) -> log pi, per arm.

    The hidden layers start from `he_normal` kernels and zero biases, as in the article's code
    (seeded here). The output layer starts with a zero kernel and a zero bias: every logit is 0
    whatever the hidden layers compute, and the softmax gives every arm exactly 1 / num_arms, the
    article's "equal probability" start. (The article's code gets it from identical kernel
    columns, Ones: a constant added to every logit changes neither the softmax nor any gradient.)

    The output is log-softmax, the logarithm of the article's softmax: the same policy,
    pi = exp(output), but it hands the pseudo-loss log pi directly, finite where pi underflows.
    """
    # One seeded stream for both layers: an integer seed would give each layer the same draws.
    he_normal = keras.initializers.HeNormal(seed=keras.random.SeedGenerator(seed))
    state = keras.Input(shape=(1,), name="state")
    hidden = layers.Dense(5, activation="relu", kernel_initializer=he_normal)(state)
    hidden = layers.Dense(5, activation="relu", kernel_initializer=he_normal)(hidden)
    log_probs = layers.Dense(num_arms, activation="log_softmax", kernel_initializer="zeros",
                             bias_initializer="zeros")(hidden)
    return keras.Model(state, log_probs, name="actor")


def step_key(seed, step):
    """The random key of training step `step` of the run seeded `seed` (not in the article, whose
    code has no seed). TensorFlow's stateless random ops take a key, a pair of int32, and the same
    key gives the same numbers: so a seed replays a run bit for bit. (Part 2's compiled loop
    replays its own runs; XLA draws other numbers than eager TensorFlow from the same key.)
    `stateless_fold_in` hashes the step into the pair (seed, -1), a new key per step, apart from
    the keys (seed, 0) and (seed, 1) from which Keras draws the hidden layers' first weights."""
    return tf.random.experimental.stateless_fold_in(tf.stack([seed, -1]), step)


def train_step_by_step(means, *, steps=10_000, seed=0, stddev=1.0, learning_rate=1e-3,
                       on_step=lambda: None):
    """The article's training loop: a fresh actor and Adam, then `steps` REINFORCE updates, run
    eagerly, one Python iteration per step (the article's code runs 10,001; the default here is
    a round 10,000).

    Returns the policy at every step, a float32 array of shape (steps + 1, len(means)): row t
    holds the action probabilities after t updates, so row 0 is the uniform start.
    """
    actor = build_actor(len(means), seed)
    optimizer = keras.optimizers.Adam(learning_rate)
    means = tf.constant([means], tf.float32)  # one bandit: a single row, (1, arms)
    stddev = tf.constant(stddev, tf.float32)
    history = []
    for step in range(steps):
        probs, _ = reinforce_step(actor, optimizer, STATE, means, stddev, step_key(seed, step))
        history.append(probs[0])  # the policy that played this step, after `step` updates
        on_step()  # a progress bar, say
    history.append(tf.exp(actor(STATE)[0]))  # and the policy after the last update
    return tf.stack(history).numpy()


# ===== End of the article's example ==============================================================


# ===== Part 2. Many runs as one batch, in one loop compiled by XLA ===============================
# The article trains one run, eagerly, a Python iteration per step. Here the runs of a setting
# train as one population: the article's actor with a leading axis of runs on every weight (as
# JAX's vmap would make it). Part 1's step sums the rows' losses, so each run's weights get their
# own gradient, and Adam and SGD act on each number alone: every run trains as if it were alone.
# XLA compiles CHUNK steps of all runs into one call, once per kind of population.
CHUNK = 1_000  # steps per call of the compiled loop: Ctrl-C and the progress bar act between calls
OPTIMIZERS = ("adam", "sgd")  # Keras' names of the article's optimizer and of plain SGD
MAX_ARMS = 100  # as many as the figures keep legible
MAX_HIDDEN_LAYERS = 10
MAX_SEED = 2**31 - 1  # stateless random ops take int32 keys
MAX_HISTORY_BYTES = 2**30  # the policies one command keeps in memory, every step of every run
FLOAT32_MAX, FLOAT32_TINY = float(np.finfo(np.float32).max), float(np.finfo(np.float32).tiny)

if tf.__version__.startswith(("2.20.", "2.21.")):
    # XLA reads this at its first compilation. Its newer CPU code generator compiles the loop
    # below 0.45 s slower and runs it no faster, to the same numbers (TensorFlow 2.21 on a 2-core
    # AMD EPYC: 1.05 s against 1.5 s). Only the TensorFlow releases known to have the flag get
    # it: XLA aborts on a flag it does not know.
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_use_fusion_emitters=false")


def build_population(runs, num_arms, hidden_layers=2, state_size=1):
    """`runs` copies of the article's actor as one Keras model: a state in, log pi out, per run.
    The article's state is the number 1; it allows a feature vector phi(s) too, of `state_size`
    (experiments/contextual.py gives it the one-hot context)."""
    def dense(units, **kwargs):  # Dense with a leading axis of runs on its kernel and bias
        return layers.EinsumDense("ri,rio->ro", units, **kwargs)

    states = keras.Input(shape=(state_size,), batch_size=runs, name="states")
    hidden = states
    for _ in range(hidden_layers):
        hidden = dense(5, activation="relu", bias_axes="ro")(hidden)
    # With no hidden layer the kernel holds a preference per arm (per state, for a one-hot one):
    # a bias would add nothing.
    log_probs = dense(num_arms, activation="log_softmax", bias_axes="ro" if hidden_layers else None)
    return keras.Model(states, log_probs(hidden), name="population")


def he_normal_kernels(shape, seed, layer):
    """Keras' he_normal for a (runs, inputs, units) kernel, from build_actor(arms, seed)'s stream
    for hidden layer `layer`: run 0 gets its kernel, run r the numbers after."""
    # Keras divides the spread by 0.8796..., the standard deviation of a standard normal cut at
    # +-2, so that the truncated draws have he_normal's sqrt(2 / fan_in).
    return tf.random.stateless_truncated_normal(
        shape, tf.stack([seed, layer]), stddev=np.sqrt(2 / shape[1]) / 0.87962566103423978)


def no_baseline(reward, average, count):
    """The article's: b = 0."""
    return 0.0


def average_of_earlier_rewards(reward, average, count):
    """--baseline, as Sutton & Barto's text has it (2.8): b is each run's average reward before
    this step, and at the first step that step's reward itself, so the first step updates
    nothing. It does not depend on the action played, so the gradient stays unbiased; its
    variance usually drops."""
    return tf.where(count > 0, average, reward)


def train_runs(means, runs, *, stddev=1.0, steps=10_000, learning_rate=1e-3, seed=0,
               baseline=False, hidden_layers=2, optimizer="adam", eager=False,
               on_progress=lambda run_steps: None):
    """Train `runs` fresh actors at once on the bandit `means` (or on a (runs, arms) array: a
    bandit per run). Returns their policies at every step, (runs, steps + 1, arms): per run, the
    array `train_step_by_step` returns. Run r depends on (seed, r) alone, the same on one machine
    whatever `runs`; run 0 starts as build_actor(arms, seed) does.

    `baseline`: False, True (average_of_earlier_rewards) or a function (reward, average of the
    earlier rewards, their count) -> b. `eager=True` trains one run with `train_step_by_step`
    itself; XLA draws other random numbers, so it is another sample of the same process.
    `on_progress(n)` hears of every n run-steps done. Raises ValueError for bad arguments,
    TrainingDiverged for weights that stopped being finite.
    """
    check_arguments(runs=runs, stddev=stddev, steps=steps, learning_rate=learning_rate, seed=seed,
                    hidden_layers=hidden_layers, optimizer=optimizer, eager=eager,
                    baseline=baseline)
    rows = means if np.ndim(means) == 2 else [means] * runs  # a bandit per run
    if len(rows) != runs:
        raise ValueError(f"a bandit per run needs {runs} rows of means, got {len(rows)}")
    means = np.array([check_means(row) for row in rows], np.float32)
    check_stddev_per_arm(stddev, means.shape[1])
    check_history_size(runs * (steps + 1) * means.shape[1])
    history = np.empty((runs, steps + 1, means.shape[1]), np.float32)
    if eager:
        try:
            history[0] = train_step_by_step(list(means[0]), steps=steps, seed=seed, stddev=stddev,
                                            learning_rate=learning_rate,
                                            on_step=lambda: on_progress(1))
        except tf.errors.InvalidArgumentError:  # weights that are not numbers sample no arm
            raise TrainingDiverged("during training") from None
        return check_finite(history)
    baseline = {False: no_baseline, True: average_of_earlier_rewards}.get(baseline, baseline)
    agent = population(runs, means.shape[1], baseline, hidden_layers, optimizer)
    agent.reset(seed, learning_rate)
    # Always tensors of the same types and shapes: the loop is traced and compiled once per kind.
    stddev = np.broadcast_to(np.asarray(stddev, np.float32), means.shape[1:])
    bandit = tf.constant(means), tf.constant(stddev), tf.constant(seed)
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
def population(runs, num_arms, baseline, hidden_layers, optimizer_name, state_size=1):
    """A population of this kind: its actor, optimizer, reset() and compiled loop, play(), which
    plays the bandit from the state 1. `baseline`: a function (reward, average of the earlier
    rewards, their count) -> b, as train_runs passes it."""
    actor = build_population(runs, num_arms, hidden_layers, state_size)
    optimizer = keras.optimizers.get(optimizer_name)
    optimizer.build(actor.trainable_variables)
    # Each run's average reward so far, for a baseline: kept from call to call, as the weights.
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
        def one_step(step, history, average):
            count = tf.cast(step, tf.float32)  # rewards seen before this step
            probs, reward = reinforce_step(
                actor, optimizer, tf.ones((runs, 1)), means, stddev, step_key(seed, step),
                lambda reward: baseline(reward, average, count))
            average += (reward - average) / (count + 1.0)
            # A tensor, row by row: with a TensorArray, TF's XLA bridge would translate this twice.
            history = tf.tensor_scatter_nd_update(history, [[step - first_step]], probs[None])
            return step + 1, history, average

        _, history, last_average = tf.while_loop(
            lambda step, *_: step < first_step + num_steps, one_step,
            (first_step, tf.zeros((CHUNK, runs, num_arms)), average_reward.value()))
        average_reward.assign(last_average)
        return tf.transpose(history, (1, 0, 2)), tf.exp(actor(tf.ones((runs, 1))))

    return SimpleNamespace(actor=actor, optimizer=optimizer, reset=reset, play=play)


# Why some runs learn slower: the input is always 1 and the biases start at 0, so each hidden ReLU
# unit starts on or off, and one that is off passes no gradient back (training can switch a unit,
# as it moves the unit's input). With every unit of the last hidden layer off, no hidden weight
# gets a gradient again and only the output bias learns: the network is dead, for good. Some
# networks start dead; others die in training.
def dead_runs(seed, runs, hidden_layers=2):
    """Per run of train_runs(..., runs, seed=seed): whether its network starts dead."""
    hidden = tf.ones((runs, 1))
    for layer in range(hidden_layers):
        kernel = he_normal_kernels((runs, hidden.shape[1], 5), seed, layer)
        hidden = tf.nn.relu(tf.einsum("ri,rio->ro", hidden, kernel))
    return ~np.any(hidden, axis=1)


def progress_bar(target):
    """Keras' progress bar, with the time left: in a terminal a bar, in a log or a pipe one line
    at the end."""
    return keras.utils.Progbar(target, verbose=1 if sys.stdout.isatty() else 2,
                                unit_name="run-step")  # a step of one run: the bars count them


def train_settings(settings, *, runs=10, seed=0, steps=10_000, hidden_layers=2, label="",
                   **train_kwargs):
    """`train_runs` for each setting, with a progress bar: [(means, histories, dead per run)].
    The defaults are the command line's; `train_kwargs` go to `train_runs`."""
    dead = dead_runs(seed, runs, hidden_layers)
    results = []
    for means in settings:
        print(f"means = {format_means(means)}{label}", flush=True)
        progress = progress_bar(runs * steps)
        histories = train_runs(means, runs, seed=seed, steps=steps, hidden_layers=hidden_layers,
                               on_progress=progress.add, **train_kwargs)
        results.append((means, histories, dead))
    return results


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


# Bad input gets a message that says what is wrong, before any work: train_runs checks its
# arguments, and the command line checks them before it trains.
def check_means(means):
    """The means as a list of floats; ValueError unless 2 to MAX_ARMS numbers float32 can hold."""
    try:
        values = [float(mean) for mean in means]
    except (TypeError, ValueError):
        raise ValueError(f"means must be numbers, got {means!r}") from None
    if not 2 <= len(values) <= MAX_ARMS:
        raise ValueError(f"a bandit needs 2 to {MAX_ARMS} arms, got {len(values)}")
    if not all(abs(mean) <= FLOAT32_MAX for mean in values):  # not infinite, not nan
        raise ValueError(f"means must be numbers within +-{FLOAT32_MAX:.2g}, float32's range, "
                         f"got {format_means(values)}")
    return values


def check_range(name, value, low, high=math.inf, integer=True):
    """Raise ValueError unless `value` is a number (an integer, if `integer`) from `low` to `high`.
    Not nan, and not a bool: steps=True is surely a mistake."""
    kinds, form = ((int, np.integer), ",") if integer else ((int, float, np.number), ".2g")
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        limits = f">= {low:{form}}" if high == math.inf else f"from {low:{form}} to {high:{form}}"
        raise ValueError(f"{name} must be {'an integer' if integer else 'a number'} {limits}, "
                         f"got {value!r}")


def check_stddev_per_arm(stddev, arms):
    """Raise ValueError unless `stddev` is one number, or one per arm."""
    if np.size(stddev) not in (1, arms):
        raise ValueError(f"stddev takes one number for every arm or one per arm ({arms}), "
                         f"got {np.size(stddev)}")


def check_arguments(*, runs=1, stddev=1.0, steps=1, learning_rate=1e-3, seed=0, hidden_layers=2,
                    optimizer="adam", eager=False, baseline=False):
    """Raise ValueError, with a message that says what is wrong, for a bad training argument."""
    check_range("runs", runs, 1)
    for value in np.ravel(stddev):
        check_range("stddev", value, 0.0, FLOAT32_MAX, integer=False)
    check_range("steps", steps, 1)
    check_range("learning_rate", learning_rate, FLOAT32_TINY, FLOAT32_MAX, integer=False)
    check_range("seed", seed, 0, MAX_SEED)
    check_range("hidden_layers", hidden_layers, 0, MAX_HIDDEN_LAYERS)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if not (isinstance(baseline, (bool, np.bool_)) or callable(baseline)):
        raise ValueError(f"baseline must be True, False or a function, got {baseline!r}")
    if eager and (runs, baseline, hidden_layers, optimizer) != (1, False, 2, "adam"):
        raise ValueError("eager runs the article's loop as it is (train_step_by_step): one run, "
                         "no baseline, 2 hidden layers, adam")


def check_history_size(numbers):
    """Raise ValueError if `numbers` float32 of training history exceed MAX_HISTORY_BYTES."""
    if 4 * numbers > MAX_HISTORY_BYTES:
        raise ValueError(f"the training history would take {4 * numbers / 2**30:,.1f} GiB of "
                         f"memory (limit {MAX_HISTORY_BYTES / 2**30:g} GiB); use fewer steps, "
                         "runs or settings")


# ===== Part 3. The summary and the figures =======================================================
MAX_POINTS = 500  # points per curve, about a panel's width in pixels: more could not be seen
MAX_ARMS_IN_FULL = 6  # arms listed one by one in titles, tables and bar labels; beyond, in short
MAX_NAMED_ARMS = 10  # arms named in a legend; as many as matplotlib's ten colours


def best_arms(means):
    """Indices of the arm(s) with the highest mean payoff."""
    return np.flatnonzero(np.asarray(means) == max(means))


def best_arm_probability(history, means):
    """Probability mass on the best arm(s), per step: (..., steps + 1, arms) -> (..., steps + 1)."""
    return history[..., best_arms(means)].sum(axis=-1)


def best_most_likely(final, means):
    """How many runs (rows of `final`) ended with a best arm as their most likely one."""
    return int(np.isin(final.argmax(axis=1), best_arms(means)).sum())


def band(values):
    """Mean and 10th-90th percentile band over runs (axis 0)."""
    return values.mean(axis=0), np.percentile(values, 10, axis=0), np.percentile(values, 90, axis=0)


def format_means(means, digits=4):
    """[1, 2, 3], 4 digits; beyond MAX_ARMS_IN_FULL arms the first three and last two."""
    return "[" + ", ".join(shorten([f"{m:.{digits}g}" for m in means])) + "]"


def shorten(items):
    """A list of one entry per arm, cut to its first three and last two beyond MAX_ARMS_IN_FULL."""
    return items if len(items) <= MAX_ARMS_IN_FULL else items[:3] + ["..."] + items[-2:]


def print_table(title, columns, rows, notes):
    """Title, header of `columns` ((name, width); width < 0 aligns left), rule, rows, notes."""
    line = " ".join(f"{{:{'<' if width < 0 else '>'}{abs(width)}}}" for _, width in columns)
    header = line.format(*(name for name, _ in columns))
    lines = [title] if title else []
    lines += [header, "-" * len(header), *(line.format(*row) for row in rows), *notes]
    print("\n" + "\n".join(lines))


BEST_MOST_LIKELY = "best most likely: runs that ended with a best arm as their most likely one."


def print_summary(results):
    """The default run's table: per setting, the final policy, p(best arm) and how many runs
    ended on a best arm or started dead."""
    runs, rows = len(results[0][1]), []
    for means, histories, dead in results:
        final = histories[:, -1, :]
        best = best_arm_probability(final, means)
        _, low, high = band(best)
        rows.append((format_means(means), " ".join(shorten([f"{p:.2f}" for p in final.mean(0)])),
                     f"{best.mean():.3f}" + ("" if runs == 1 else f" [{low:.2f}, {high:.2f}]"),
                     f"{best_most_likely(final, means)}/{runs}", f"{dead.sum()}/{runs}"))
    columns = [("setting", -28), ("final probability per arm", -34), ("p(best arm)", -22),
               ("best most likely", 16), ("dead", 5)]
    notes = ["p(best arm): mean over runs [10th, 90th percentile], summed over tied best arms."
             ] if runs > 1 else []
    notes += [BEST_MOST_LIKELY,
              "dead: runs whose network started with every unit of its last hidden layer off."]
    print_table(f"Summary: final action probabilities, mean of {runs} run(s)", columns, rows,
                notes)


def panels(count, title, legend_rows=0):
    """`count` panels, two per row, below a two-line title and above `legend_rows` of a legend.
    Margins fixed in inches: matplotlib's constrained layout would fit them, but costs 0.23 s a
    figure (0.6 s against 0.37 s for a figure like the expected rewards, on a 2-core AMD
    EPYC)."""
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


def plot_curve(ax, values, color, label, with_band=True, **line):
    """The mean over runs of `values` (runs, steps + 1) as a line, with several runs its band."""
    stride = math.ceil(values.shape[1] / MAX_POINTS)
    steps = np.arange(values.shape[1])[::stride]
    mean, low, high = band(values[:, ::stride])
    ax.plot(steps, mean, color=color, label=label, **line)
    if len(values) > 1 and with_band:
        ax.fill_between(steps, low, high, color=color, alpha=0.15, linewidth=0)
    ax.set(ylim=(0, 1), xlabel="training step")


def save_figure(fig, path):
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


def arm_colors(means):
    """A colour per arm: matplotlib's ten, in order, for up to MAX_NAMED_ARMS arms; beyond, viridis
    by the arm's mean, from the lowest (dark) to the highest (yellow)."""
    if len(means) <= MAX_NAMED_ARMS:
        return [f"C{arm}" for arm in range(len(means))]
    rank = np.argsort(np.argsort(means, kind="stable"), kind="stable")
    return list(plt.get_cmap("viridis")(rank / (len(means) - 1)))


def plot_final_probabilities(results, path):
    """Each arm's final probability per setting: a bar for the mean, a dot per run (a cross if
    it started dead), a star on the best arm(s)."""
    runs, points = results[0][1].shape[:2]  # points: steps + 1
    note = "" if runs == 1 else f"\n{runs} runs: bars show the mean, dots single runs"
    fig, axes = panels(len(results), f"Action probabilities after {points - 1:,} steps{note}",
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
        ax.set_yticks(np.linspace(0, 1, 6))  # the stars above 1 mark arms; they are no data
        ax.set(ylim=(0, 1.1), ylabel="probability of playing the arm",
               title=f"means = {format_means(means)}")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels))
    return save_figure(fig, path)


def plot_learning_curves(results, path):
    """Per setting, a line per run: its probability of the arm it ends on (the most likely one
    after the last step), in that arm's colour. Which arm each run learns, how fast and how
    surely; the legend counts the runs that end on each arm."""
    runs = results[0][1].shape[0]
    fig, axes = panels(len(results), "Learning curves: each run's probability of the arm it "
                       f"ends on\n(its most likely arm at the end), in that arm's colour; {runs} "
                       f"run{'s' * (runs > 1)}")
    for ax, (means, histories, _) in zip(axes, results):
        best, colors = best_arms(means), arm_colors(means)
        ends_on = histories[:, -1].argmax(axis=1)
        arms, counts = np.unique(ends_on, return_counts=True)
        for rank, arm in enumerate(arms[np.argsort(-counts, kind="stable")]):
            ending_here = histories[ends_on == arm, :, arm]
            stride = math.ceil(ending_here.shape[1] / MAX_POINTS)
            lines = ax.plot(np.arange(ending_here.shape[1])[::stride],
                            ending_here[:, ::stride].T, color=colors[arm], linewidth=0.8,
                            alpha=0.8)
            if rank < MAX_NAMED_ARMS:  # the legend names the arms most runs end on
                lines[0].set_label(f"arm {arm} (mean {means[arm]:g}"
                                   f"{', best' if arm in best else ''}): {len(lines)} of {runs}")
        if len(arms) > MAX_NAMED_ARMS:
            ax.plot([], [], color="gray", label=f"{len(arms) - MAX_NAMED_ARMS} other arms")
        ax.axhline(1 / len(means), color="gray", linestyle=":", label="uniform start")
        ax.set(ylim=(0, 1), xlabel="training step", ylabel="probability of playing the arm",
               title=f"means = {format_means(means)}")
        ax.legend(loc="best", fontsize="small")
    return save_figure(fig, path)


def plot_expected_rewards(results, path):
    """The reward a bandit player watches: per setting, the expected reward of the policy at each
    step, sum_a pi_t(a) mu_a (the mean over runs with its band; no sampling noise), against the
    best arm's mean. The gap between them is the expected regret of the step; regret is its sum
    over the steps. Each panel spans its setting's means, from the worst arm's to the best's."""
    runs = results[0][1].shape[0]
    note = "" if runs == 1 else f"\n{runs} runs: mean and 10th-90th percentile band"
    columns = 2 * min(len(results), 2)  # legend entries side by side: two per panel's width
    entries = 4  # the curve and three lines: the best arm's mean, the uniform start, the worst's
    fig, axes = panels(len(results), "Expected reward per step: the sum over arms of p(arm) "
                       f"times its mean{note}", legend_rows=math.ceil(entries / columns))
    for ax, (means, histories, _) in zip(axes, results):
        plot_curve(ax, histories @ np.asarray(means, np.float32), "C0", "expected reward")
        best, uniform = max(means), float(np.mean(means))
        ax.axhline(best, color="black", linestyle="--", label="best arm's mean")
        ax.axhline(uniform, color="gray", linestyle=":", label="uniform start")
        ax.axhline(min(means), color="gray", linestyle="-.", label="worst arm's mean")
        margin = 0.1 * (best - min(means)) or 0.5  # equal means: some room all the same
        ax.set(ylim=(min(means) - margin, best + margin), ylabel="expected reward",
               title=f"means = {format_means(means)}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=columns)
    return save_figure(fig, path)


# ===== Part 4. The command line: check everything first, then train, print and draw ==============
# Four settings of four arms, as the article has four experiments (its code trains the first),
# every payoff with stddev 1.
DEFAULT_SETTINGS = (
    (1.0, 0.9, 0.9, 1.0),  # the one the published code trains: two equally good arms, 0 and 3
    (1.0, 2.0, 3.0, 4.0),  # clearly separated: the best arm is easy to find
    (1.0, 1.05, 1.1, 1.15),  # close together: exploration lingers
    (-1.0, -0.5, -2.0, -1.5),  # every payoff a loss: REINFORCE still finds the least bad arm
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, with its errors on one line (exit status 2) and no abbreviations:
    `--mean 0 1` is a mistake to report, not a way to say --means."""

    def __init__(self, **kwargs):
        super().__init__(allow_abbrev=False, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")

    @contextlib.contextmanager
    def refusing_bad_values(self):
        """A ValueError raised in the block refuses the command line: its message, as error()."""
        try:
            yield
        except ValueError as error:
            self.error(str(error))


def figures_folder(text):
    """--out's type: the folder, if it can be made and written in. Leaves nothing behind: the
    folders it made and its probe file go again; the first figure makes the folder."""
    out = Path(text)
    missing = [folder for folder in [out, *out.parents] if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".discrete_bandit.{os.getpid()}.probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot write figures in {out} "
                                         f"({error.strerror or error})") from None
    finally:
        for folder in missing:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
    return out


def add_output_arguments(parser):
    """--out and --show, for every command that draws figures. A user's runs go to results/,
    which git ignores: figures/ holds the README's."""
    parser.add_argument("--out", type=figures_folder, default="results",
                        help="the figures' folder (default: results)")
    parser.add_argument("--show", action="store_true", help="after writing the figures, show "
                        "them in windows, as the article's code does (where no window can open, "
                        "says so)")


def add_training_arguments(parser):
    """--learning-rate, --optimizer and --baseline: how the actor learns."""
    parser.add_argument("--learning-rate", type=float, default=1e-3,
                        help="the optimizer's learning rate (default: 0.001)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam",
                        help="default: the article's, adam")
    parser.add_argument("--baseline", action="store_true", help="subtract each run's average of "
                        "earlier rewards from each reward (Sutton & Barto's baseline; at the "
                        "first step, the first reward)")


def build_parser(**kwargs):
    """The command line's options, each with its default: `kwargs` go to ArgumentParser."""
    parser = ArgumentParser(**{"description": "REINFORCE on a multi-armed bandit: the runnable "
                               "companion to 'A Minimal Working Example for Discrete Policy "
                               "Gradients in TensorFlow 2.0'.", **kwargs})
    add = parser.add_argument
    add("--means", metavar="M", type=float, nargs="+", action="append",
        help=f"mean payoff of each arm (2 to {MAX_ARMS} arms), one setting per use; default: four "
        "settings, as the article's experiments: " + ", ".join(format_means(s) for s in
                                                             DEFAULT_SETTINGS))
    add("--stddev", metavar="S", type=float, nargs="+", default=1.0, help="the payoffs' "
        "standard deviation: one for every arm, or one per arm (default: 1)")
    add("--steps", type=int, default=10_000, help="updates per run (default: 10000)")
    add("--runs", type=int, help="runs per setting, trained at once (default: 10; 1 with --eager)")
    add("--seed", type=int, default=0, help="random seed of the runs (default: 0)")
    add_training_arguments(parser)
    add("--hidden-layers", type=int, default=2, help="hidden Dense(5, relu) layers (default: the "
        "article's 2); 0 with --optimizer sgd and --baseline is Sutton & Barto's gradient bandit")
    add("--eager", action="store_true", help="train one run per setting with the article's loop, "
        "train_step_by_step, a Python step at a time: slow, but print() and a debugger work in "
        "it")
    add_output_arguments(parser)
    return parser


def parse_args(argv=None, parser=None):
    """Parse and check the command line; any bad value exits with status 2 before any work.
    `parser`: build_parser()'s, or one an experiment built on it."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.eager else 10
    args.means = args.means or [list(setting) for setting in DEFAULT_SETTINGS]
    if isinstance(args.stddev, list) and len(args.stddev) == 1:  # --stddev S: S for every arm
        args.stddev = args.stddev[0]
    with parser.refusing_bad_values():
        for means in args.means:
            check_stddev_per_arm(args.stddev, len(check_means(means)))
        check_arguments(runs=args.runs, stddev=args.stddev, steps=args.steps,
                        learning_rate=args.learning_rate, seed=args.seed,
                        hidden_layers=args.hidden_layers, optimizer=args.optimizer,
                        eager=args.eager, baseline=args.baseline)
        check_history_size(args.runs * (args.steps + 1) * sum(map(len, args.means)))
    return args


def training_options(args):
    """The train_runs() arguments the command line sets."""
    return dict(stddev=args.stddev, steps=args.steps, learning_rate=args.learning_rate,
                baseline=args.baseline, hidden_layers=args.hidden_layers,
                optimizer=args.optimizer, eager=args.eager)


def default_run(args):
    """Train every setting and print the summary; returns the figures to draw."""
    results = train_settings(args.means, runs=args.runs, seed=args.seed, **training_options(args))
    print_summary(results)
    return {"final_probabilities.png": (plot_final_probabilities, results),
            "learning_curves.png": (plot_learning_curves, results),
            "expected_rewards.png": (plot_expected_rewards, results)}


def in_ipython():
    """Whether an IPython session (a notebook's kernel, IPython's `%run`) runs the script: the
    session goes on after it, with a matplotlib backend of its own."""
    # Keras imports IPython wherever it is installed, so ask IPython, not whether it is imported.
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


def run(args, work):
    """Do `work(args)`, which prints and returns the figures to draw, {file name: (plot function,
    *its data)}; write them into args.out and, with args.show, show them. Returns the exit status:
    0 done, 1 diverged or a figure not written, 130 Ctrl-C, 141 the output's pipe closed."""
    # In IPython (a notebook's kernel, say) the session's backend shows the figures, and stays.
    # With --show, matplotlib picks a backend that opens windows, as the article's plt.show().
    session, show = in_ipython(), getattr(args, "show", False)
    if not (session or show):
        matplotlib.use("Agg")  # files only: no window, no display needed
    prog, figures, written = Path(sys.argv[0]).name, {}, []
    try:
        figures = work(args)
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
        if show and written and not session:
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


def main(argv=None):
    """The command line: train, print the summary, write the figures. Returns the exit status;
    bad input exits with status 2 before any work."""
    return run(parse_args(argv), default_run)


def command(main):
    """Run `main()` as a command, and exit with the status it returns."""
    # TensorFlow's Python warnings, as its C++ ones (TF_CPP_MIN_LOG_LEVEL at the top), speak to
    # TensorFlow's developers: each kind of population traces its loop once, and TensorFlow calls
    # five such traces "retracing".
    tf.get_logger().setLevel("ERROR")
    if not (sys.flags.interactive or in_ipython()):  # no session goes on after the command
        # Spares the exit a garbage collection over the imports' 322,000 objects: a process that
        # imports the script and exits took 0.4-0.8 s less with it (3 rounds, a 2-core AMD EPYC).
        gc.freeze()
    sys.exit(main())


if __name__ == "__main__":
    command(main)
