"""REINFORCE on a multi-armed bandit in TensorFlow 2 and Keras 3, the runnable companion to "A
Minimal Working Example for Discrete Policy Gradients in TensorFlow 2.0" (W. J. A. van Heeswijk,
2020). Part 1 is the article's example alone, in its order. Part 2 trains many runs at once in a
compiled loop, Part 3 prints the summary and draws the figures, Part 4 is the command line
(--help). Importing the file trains and writes nothing."""

import argparse
import contextlib
import gc
import math
import os
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path

# TensorFlow reads these when it is imported: no C++ start-up notices, and no oneDNN kernels (with
# AVX-512 VNNI they are on, print a notice whatever the log level and round otherwise).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# Keras 3 runs on the backend KERAS_BACKEND or ~/.keras/keras.json names; all below is TensorFlow.
if os.environ.setdefault("KERAS_BACKEND", "tensorflow") != "tensorflow":
    sys.exit(f"discrete_bandit.py needs Keras' TensorFlow backend, but KERAS_BACKEND is "
             f"{os.environ['KERAS_BACKEND']!r}: unset it or set it to tensorflow")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

# ===== Part 1. The article's example =============================================================
# Section 1 of the article, a bit of mathematics. The actor is a policy pi_theta(a | s): a
# probability for every action a in state s. After playing action a it observes a reward v, and
# REINFORCE moves the weights theta *up* the gradient of that action's log-probability, times v:
#
#     theta <- theta + alpha * grad_theta log pi_theta(a | s) * v
#
# A deep-learning library minimises a loss instead, so we give it the same expression with a minus
# sign: a "pseudo-loss" (the cross-entropy of the action played, weighted by its reward) whose
# gradient *descent* is the update above:
#
#     L(a, s, v) = -log pi_theta(a | s) * v


def pseudo_loss(log_prob, reward):
    """L(a, s, v) = -v * log pi(a | s), log pi straight from the actor's log-softmax: finite where
    pi underflows to 0. (The article's code takes log(softmax + 1e-5), a biased gradient.)"""
    return -reward * log_prob


# Section 2 of the article, the TensorFlow 2 implementation. Keras' compile() and fit() want a
# loss of two arguments, (y_true, y_pred); ours needs the action, the state and the reward. (Keras'
# sample_weight can carry the reward after all: experiments/fit_check.py.) tf.GradientTape records
# the forward pass, then gives the gradient of any loss computed from it. An update is three
# steps: (i) the pseudo-loss, (ii) its gradient for the trainable weights, (iii) apply it.


def reinforce_update(actor, optimizer, states, actions, rewards):
    """One REINFORCE update from a batch: row r is a state, the action taken in it and the reward
    that followed. The rows' losses are summed: with weights per row (Part 2), each its own."""
    with tf.GradientTape() as tape:
        # The forward pass must happen on the tape: the tape can only differentiate what it saw.
        log_probs = actor(states)  # log pi(. | s), per row (see build_actor)
        log_prob = tf.gather(log_probs, actions, batch_dims=1)  # row r: log pi(actions[r] | s_r)
        loss = tf.reduce_sum(pseudo_loss(log_prob, rewards))  # (i) the pseudo-loss
    grads = tape.gradient(loss, actor.trainable_variables)  # (ii) its gradient
    optimizer.apply_gradients(zip(grads, actor.trainable_variables))  # (iii) one optimizer step


# Section 3 of the article, the multi-armed bandit: arm i pays a reward from Normal(mean_i, sd_i).


def pull(means, stddev, action, key):
    """Row r's reward from Normal(means[r, action[r]], stddev[action[r]]), drawn with `key`."""
    stddev = tf.broadcast_to(stddev, means.shape)
    noise = tf.random.stateless_normal(action.shape, key)
    return tf.gather(means, action, batch_dims=1) + tf.gather(stddev, action, batch_dims=1) * noise


STATE = tf.ones((1, 1))  # the bandit has a single state, the value 1: a batch of one row of it
STEPS, LEARNING_RATE = 10_000, 0.001  # a run's updates (the article's code: 10,001); Adam's rate


def build_actor(num_arms, seed=0):
    """The article's actor: state 1 -> Dense(5, relu) -> Dense(5, relu) -> log pi, per arm. The
    hidden layers start as in the article's code (he_normal kernels, here seeded; zero biases);
    the output layer at zero, so every arm has exactly 1 / num_arms (the article's code uses Ones:
    a constant added to every logit changes neither the softmax nor any gradient). Log-softmax
    is the log of the article's softmax: the same policy, pi = exp(output), a finite log pi."""
    # One seeded stream for both layers: an integer seed would give each layer the same draws.
    he_normal = keras.initializers.HeNormal(seed=keras.random.SeedGenerator(seed))
    state = keras.Input(shape=(1,), name="state")
    hidden = layers.Dense(5, activation="relu", kernel_initializer=he_normal)(state)
    hidden = layers.Dense(5, activation="relu", kernel_initializer=he_normal)(hidden)
    log_probs = layers.Dense(num_arms, activation="log_softmax", kernel_initializer="zeros",
                             bias_initializer="zeros")(hidden)
    return keras.Model(state, log_probs, name="actor")


def step_key(seed, step):
    """The random key (an int32 pair) of step `step` of the run seeded `seed`: the same key draws
    the same numbers, so a seed replays a run. The step is hashed into (seed, -1), away from the
    keys (seed, layer) from which Keras draws the first weights."""
    return tf.random.fold_in(tf.stack([seed, -1]), step)


def play(actor, state, means, stddev, key):
    """The actor plays once from `state`: its log-policy there, the arm drawn, that arm's reward."""
    action_key, reward_key = tf.unstack(tf.random.split(key))
    log_probs = actor(state)
    action = tf.random.stateless_categorical(log_probs, 1, action_key)[:, 0]  # one per row
    return log_probs, action, pull(means, stddev, action, reward_key)


def train_step_by_step(means, *, steps=STEPS, seed=0, stddev=1.0, learning_rate=LEARNING_RATE,
                       on_step=lambda: None):
    """The article's loop: a fresh actor and Adam, then `steps` updates, one Python iteration each.
    Returns the policy at every step, (steps + 1, arms): row t after t updates, row 0 uniform."""
    actor = build_actor(len(means), seed)
    optimizer = keras.optimizers.Adam(learning_rate)
    means = tf.constant([means], tf.float32)  # one bandit: a single row, (1, arms)
    stddev = tf.constant(stddev, tf.float32)
    policies = []
    for step in range(steps):
        log_probs, action, reward = play(actor, STATE, means, stddev, step_key(seed, step))
        reinforce_update(actor, optimizer, STATE, action, reward)
        policies.append(tf.exp(log_probs[0]))  # the policy that played this step
        on_step()  # a progress bar, say
    policies.append(tf.exp(actor(STATE)[0]))  # and the policy after the last update
    return tf.stack(policies).numpy()


# ===== End of the article's example ==============================================================

# ===== Part 2. Many runs at once, in one loop compiled by XLA ====================================
# The runs of a setting train as one population: the article's actor with an axis of runs on every
# weight (as JAX's vmap makes it); reinforce_update's sum gives each run its own gradient.
STEPS_PER_CALL = 1_000  # steps of all runs per call of the compiled loop: Ctrl-C acts between
OPTIMIZERS, MAX_ARMS = ("adam", "sgd"), 100  # Keras' names of Adam and SGD; arms the figures show
MEMORY_LIMIT = 2**30  # bytes of numbers a command may keep: see check_memory
TINY, HUGE = float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max)
# What each number may be, on the command line and in Python alike: (kind, lowest, highest).
LIMITS = {"runs": (int, 1, 10_000), "steps": (int, 1, math.inf), "seed": (int, 0, 2**31 - 1),
          "hidden_layers": (int, 0, 10), "learning_rate": (float, TINY, HUGE),  # float32's range
          "stddev": (float, 0.0, HUGE), "mean": (float, -HUGE, HUGE)}  # the seed: int32


class BadValue(ValueError, argparse.ArgumentTypeError):
    """A bad argument: a ValueError in Python, a one-line error on the command line."""


def checked(name, value):
    """`value`, or the number its text says, if it lies within LIMITS[name]; else BadValue."""
    kind, low, high = LIMITS[name]
    number = None
    with contextlib.suppress(ValueError):  # a text that says no number
        number = kind(value) if isinstance(value, str) else value
    kinds = (int, np.integer) if kind is int else (int, float, np.integer, np.floating)
    if isinstance(number, bool) or not isinstance(number, kinds) or not low <= number <= high:
        what = "an integer" if kind is int else "a number"
        low, high = (f"{limit}" if kind is int else f"{limit:g}" for limit in (low, high))
        limits = f">= {low}" if high == "inf" else f"from {low} to {high}"
        raise BadValue(f"{name.replace('_', ' ')} must be {what} {limits}, got {value}")
    return number


def check_bandit(means, stddev):
    """The bandit as float32 means (rows, arms) and stddev (arms,), or BadValue."""
    rows = means if len(means) and np.ndim(means[0]) else [means]  # a row, or a row per run
    rows = [[checked("mean", mean) for mean in row] for row in rows]
    arms = {len(row) for row in rows}
    if len(arms) > 1 or not 2 <= min(arms) <= MAX_ARMS:
        raise BadValue(f"a bandit needs 2 to {MAX_ARMS} arms, got {'/'.join(map(str, arms))}")
    stddevs = [checked("stddev", value) for value in np.ravel(stddev)]
    if len(stddevs) not in (1, min(arms)):
        raise BadValue(f"stddev takes one number, or one per arm ({min(arms)}), got {len(stddevs)}")
    return np.array(rows, np.float32), np.broadcast_to(np.float32(stddevs), min(arms))


def check_memory(runs, steps, arms, hidden_layers=2):
    """BadValue beyond MEMORY_LIMIT: policies, the loop's buffer (twice), weights (four times)."""
    weights = 30 * hidden_layers + 6 * arms  # at most
    size = 4 * runs * ((steps + 1 + 2 * min(steps, STEPS_PER_CALL)) * arms + 4 * weights)
    if size > MEMORY_LIMIT:
        raise BadValue(f"training would keep {size / 2**30:,.1f} GiB of numbers in memory "
                       f"(limit {MEMORY_LIMIT / 2**30:g} GiB); use fewer steps, runs or settings")


def build_population(runs, num_arms, hidden_layers=2, state_size=1):
    """`runs` copies of the article's actor as one model: state (1, or phi(s)) in, log pi out."""
    def dense(units, **kwargs):  # Dense with a leading axis of runs on its kernel and bias
        return layers.EinsumDense("ri,rio->ro", units, **kwargs)

    hidden = states = keras.Input(shape=(state_size,), batch_size=runs, name="states")
    for _ in range(hidden_layers):
        hidden = dense(5, activation="relu", bias_axes="ro")(hidden)
    # With no hidden layer the kernel holds a preference per arm (and per one-hot state): no bias.
    log_probs = dense(num_arms, activation="log_softmax", bias_axes="ro" if hidden_layers else None)
    return keras.Model(states, log_probs(hidden), name="population")


def he_normal_kernels(shape, seed, layer):
    """build_actor(arms, seed)'s he_normal draws of hidden layer `layer`, and after them run r's
    (0.8796... is the standard deviation of a normal cut at +-2: Keras divides by it)."""
    return tf.random.stateless_truncated_normal(
        shape, tf.stack([seed, layer]), stddev=np.sqrt(2 / shape[1]) / 0.87962566103423978)


def reset_population(actor, optimizer, seed, learning_rate):
    """Fresh runs: every run's weights as build_actor draws them, and a fresh optimizer."""
    *hidden, output = actor.layers[1:]
    for layer_index, layer in enumerate(hidden):
        layer.kernel.assign(he_normal_kernels(layer.kernel.shape, seed, layer_index))
    for variable in [*(layer.bias for layer in hidden), *output.trainable_variables,
                     *optimizer.variables]:  # Adam's step count and moments, too
        variable.assign(tf.zeros_like(variable))
    optimizer.learning_rate.assign(learning_rate)


def average_of_earlier_rewards(reward, average, count):
    """--baseline (Sutton & Barto, 2.8): the average of earlier rewards; at step 1 that reward."""
    return tf.where(count > 0, average, reward)


class Trainer:
    """`runs` copies of the article's actor, trained at once by a loop XLA compiles once: hold one
    to train many times; threads take turns. baseline: bool, or f(reward, average, count) -> b."""

    def __init__(self, runs, num_arms, *, hidden_layers=2, optimizer="adam", baseline=False):
        if optimizer not in OPTIMIZERS or not (isinstance(baseline, bool) or callable(baseline)):
            raise BadValue(f"optimizer must be in {OPTIMIZERS}, baseline a bool or a function")
        self.runs, self.num_arms = checked("runs", runs), num_arms
        self.hidden_layers = checked("hidden_layers", hidden_layers)
        self.baseline = {False: lambda *_: 0.0, True: average_of_earlier_rewards}.get(baseline,
                                                                                     baseline)
        self.actor = build_population(runs, num_arms, hidden_layers)
        self.optimizer = keras.optimizers.get(optimizer)
        self.optimizer.build(self.actor.trainable_variables)
        self.lock = threading.Lock()

    def train(self, means, *, steps=STEPS, seed=0, learning_rate=LEARNING_RATE, stddev=1.0,
              on_progress=lambda run_steps: None):
        """Fresh runs on `means` (or a row per run): policies (runs, steps + 1, arms). Run r depends
        on (seed, r) alone and starts as build_actor(arms, seed) does."""
        means, stddev = check_bandit(means, stddev)
        steps, seed = checked("steps", steps), checked("seed", seed)
        learning_rate = checked("learning_rate", learning_rate)
        check_memory(self.runs, steps, self.num_arms, self.hidden_layers)
        policies = np.empty((self.runs, steps + 1, self.num_arms), np.float32)
        bandit = [tf.constant(np.broadcast_to(means, policies[:, 0].shape)), tf.constant(stddev),
                  tf.constant(seed)]
        chunk = min(steps, STEPS_PER_CALL)  # the compiled loop's buffer, in steps
        with self.lock:
            reset_population(self.actor, self.optimizer, seed, learning_rate)
            average = tf.zeros(self.runs)  # each run's average reward so far, for a baseline
            for first in range(0, steps, chunk):
                count = min(chunk, steps - first)
                played, after, average = self._steps(*bandit, tf.constant(first),
                                                     tf.constant(count), average, chunk)
                policies[:, first : first + count] = played.numpy()[:count].swapaxes(0, 1)
                policies[:, first + count] = after.numpy()
                on_progress(self.runs * count)
        return check_finite(policies)

    @tf.function(jit_compile=True, autograph=False)  # a plain tf.while_loop: nothing to convert
    def _steps(self, means, stddev, seed, first_step, num_steps, average, chunk):
        """num_steps (<= chunk) steps: the policies played, the policies after, average rewards."""
        states = tf.ones((self.runs, 1))

        def one_step(step, played, average):
            count = tf.cast(step, tf.float32)  # rewards seen before this step
            log_probs, action, reward = play(self.actor, states, means, stddev,
                                             step_key(seed, step))
            baseline = self.baseline(reward, average, count)
            reinforce_update(self.actor, self.optimizer, states, action, reward - baseline)
            # A tensor, row by row: with a TensorArray, TF's XLA bridge would translate this twice.
            played = tf.tensor_scatter_nd_update(played, [[step - first_step]],
                                                 tf.exp(log_probs)[None])
            return step + 1, played, average + (reward - average) / (count + 1.0)

        _, played, average = tf.while_loop(
            lambda step, *_: step < first_step + num_steps, one_step,
            (first_step, tf.zeros((chunk, self.runs, self.num_arms)), average))
        return played, tf.exp(self.actor(states)), average


def train_runs(means, runs, *, hidden_layers=2, optimizer="adam", baseline=False, **options):
    """A new Trainer's `train`: to train many times, hold a Trainer, which compiles once."""
    return Trainer(runs, check_bandit(means, 1.0)[0].shape[1], hidden_layers=hidden_layers,
                   optimizer=optimizer, baseline=baseline).train(means, **options)


def dead_runs(seed, runs, hidden_layers=2):
    """Per run of train(..., seed=seed): whether its network starts dead, its last hidden layer all
    off. No gradient then reaches a hidden weight: only the output layer learns."""
    hidden = tf.ones((runs, 1))
    for layer in range(hidden_layers):
        kernel = he_normal_kernels((runs, hidden.shape[1], 5), seed, layer)
        hidden = tf.nn.relu(tf.einsum("ri,rio->ro", hidden, kernel))
    return ~np.any(hidden, axis=1)


def check_finite(policies):
    """`policies` if all are finite numbers, else FloatingPointError: training diverged."""
    if not np.isfinite(policies).all():
        raise FloatingPointError("training diverged: the actor's weights stopped being finite "
                                 "numbers; try smaller --means or --stddev, or --learning-rate")
    return policies


def train_settings(settings, *, runs, seed, steps, hidden_layers=2, optimizer="adam",
                   baseline=False, eager=False, label="", trainers=None, **train_options):
    """Each setting's runs, with a progress bar: [(means, policies, dead per run)]. `trainers`: a
    dict of Trainers by kind, which a caller who trains again keeps."""
    dead, results = dead_runs(seed, runs, hidden_layers), []
    trainers = {} if trainers is None else trainers
    for means in settings:
        print(f"means = {format_means(means)}{label}", flush=True)
        progress = keras.utils.Progbar(runs * steps, verbose=1 if sys.stdout.isatty() else 2,
                                       unit_name="run-step")
        if eager:
            policies = np.full((1, steps + 1, len(means)), np.nan, np.float32)
            with contextlib.suppress(tf.errors.InvalidArgumentError):  # NaN weights draw no arm
                policies[0] = train_step_by_step(means, steps=steps, seed=seed,
                                                 on_step=lambda: progress.add(1), **train_options)
            check_finite(policies)  # as Trainer.train checks its own
        else:
            kind = (runs, len(means), hidden_layers, optimizer, baseline)
            if kind not in trainers:
                trainers[kind] = Trainer(*kind[:2], hidden_layers=hidden_layers,
                                         optimizer=optimizer, baseline=baseline)
            policies = trainers[kind].train(means, steps=steps, seed=seed,
                                            on_progress=progress.add, **train_options)
        results.append((means, policies, dead))
    return results


# ===== Part 3. The summary and the figures =======================================================
MAX_ARMS_IN_FULL = 6  # arms listed one by one in titles, tables and bar labels; beyond, in short
MAX_POINTS = 500  # points per curve, about a panel's width in pixels: more could not be seen
MAX_NAMED_ARMS = 10  # arms with a colour of their own and a legend entry: matplotlib's ten colours
BEST_MOST_LIKELY = "best most likely: runs that ended with a best arm as their most likely one."


def best_arms(means):
    """Indices of the arm(s) with the highest mean payoff."""
    return np.flatnonzero(np.asarray(means) == max(means))


def best_arm_probability(policies, means):
    """Probability of the best arm(s), tied ones summed: (..., arms) -> (...)."""
    return policies[..., best_arms(means)].sum(axis=-1)


def shorten(items):
    """A list of one entry per arm, cut to its first three and last two beyond MAX_ARMS_IN_FULL."""
    return items if len(items) <= MAX_ARMS_IN_FULL else items[:3] + ["..."] + items[-2:]


def format_means(means, digits=4):
    return "[" + ", ".join(shorten([f"{m:.{digits}g}" for m in means])) + "]"


def print_table(title, columns, rows, notes):
    """Title, header of `columns` ((name, width); width < 0 aligns left), rule, rows, notes."""
    line = " ".join(f"{{:{'<' if width < 0 else '>'}{abs(width)}}}" for _, width in columns)
    header = line.format(*(name for name, _ in columns))
    print("\n" + "\n".join([title] * bool(title) + [header, "-" * len(header)] +
                            [line.format(*row) for row in rows] + notes))


def print_summary(results):
    """Per setting: the final policy, p(best arm), runs that ended on a best arm or began dead."""
    runs, rows = len(results[0][1]), []
    for means, policies, dead in results:
        final = policies[:, -1, :]
        best = best_arm_probability(final, means)
        low, high = np.percentile(best, [10, 90])
        rows.append((format_means(means), " ".join(shorten([f"{p:.2f}" for p in final.mean(0)])),
                     f"{best.mean():.3f}" + ("" if runs == 1 else f" [{low:.2f}, {high:.2f}]"),
                     f"{np.isin(final.argmax(1), best_arms(means)).sum()}/{runs}",
                     f"{dead.sum()}/{runs}"))
    notes = ["p(best arm): mean over runs [10th, 90th percentile], summed over tied best arms."] * (
        runs > 1) + [BEST_MOST_LIKELY, "dead: runs whose network started with every unit of its "
                     "last hidden layer off."]
    print_table(f"Summary: final action probabilities, mean of {runs} run(s)", [("setting", -28),
                ("final probability per arm", -34), ("p(best arm)", -22), ("best most likely", 16),
                ("dead", 5)], rows, notes)


def panels(count, title):
    """`count` panels, two per row, under `title`; matplotlib lays them out."""
    ncols, nrows = min(count, 2), math.ceil(count / 2)
    fig = plt.figure(figsize=(6.4 * ncols, 4.4 * nrows), layout="constrained")
    fig.suptitle(title)
    return fig, [fig.add_subplot(nrows, ncols, index + 1) for index in range(count)]


def every_few_steps(values):
    """(steps, values there) of curves (..., steps + 1): at most MAX_POINTS steps of each."""
    stride = math.ceil(values.shape[-1] / MAX_POINTS)
    return np.arange(values.shape[-1])[::stride], values[..., ::stride]


def save_figure(fig, path):
    """Write beside `path`, then rename: nobody sees half a PNG, a failed write leaves nothing."""
    part = path.with_name(f".{path.name}.partial")
    try:
        fig.savefig(part, dpi=100, format="png")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def arm_colors(means):
    """Matplotlib's ten colours, in order; beyond, viridis by mean (lowest dark, highest yellow)."""
    if len(means) <= MAX_NAMED_ARMS:
        return [f"C{arm}" for arm in range(len(means))]
    return list(plt.get_cmap("viridis")(np.argsort(np.argsort(means)) / (len(means) - 1)))


def plot_final_probabilities(results):
    """Per setting, each arm's final probability: bar the mean, a dot per run, a star if best."""
    runs, points = results[0][1].shape[:2]  # points: steps + 1
    note = "" if runs == 1 else f"\n{runs} runs: bars show the mean, dots single runs"
    fig, axes = panels(len(results), f"Action probabilities after {points - 1:,} steps{note}")
    rng = np.random.default_rng(0)  # horizontal jitter of the dots, the same in every figure
    for ax, (means, policies, _) in zip(axes, results):
        arms, final = np.arange(len(means)), policies[:, -1, :]
        ax.bar(arms, final.mean(axis=0), color=arm_colors(means), edgecolor="black",
               linewidth=0.6 if len(means) <= MAX_NAMED_ARMS else 0, alpha=0.8)
        if runs > 1:
            ax.scatter(arms + rng.uniform(-0.25, 0.25, size=final.shape), final, s=9, c="black",
                       label="one run", zorder=3)
        best = best_arms(means)
        ax.plot(best, np.full(len(best), 1.05), "k*", markersize=10, label="best arm")
        ax.axhline(1 / len(means), color="gray", linestyle=":", label="uniform start")
        if len(means) <= MAX_ARMS_IN_FULL:  # room under each bar for its number and mean
            ax.set_xticks(arms, [f"arm {i}\nmean {m:g}" for i, m in enumerate(means)])
        else:  # matplotlib's ticks: the arms' numbers, as many as fit
            ax.set(xlabel="arm")
        ax.set(ylim=(0, 1.1), yticks=np.linspace(0, 1, 6),  # above 1 the stars: no data
               ylabel="probability of playing the arm", title=f"means = {format_means(means)}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
               ncol=2 * len(axes[:2]))
    return fig


def plot_learning_curves(results):
    """Per setting, a line per run: p(best arm), in the colour of the arm it ends on, counted."""
    runs = results[0][1].shape[0]
    fig, axes = panels(len(results), f"Learning curves of {runs} run(s): each one's probability "
                       "of a best arm,\nin the colour of the arm it ends on (most likely at last)")
    for ax, (means, policies, _) in zip(axes, results):
        best, colors = best_arms(means), arm_colors(means)
        ends_on = policies[:, -1].argmax(axis=1)
        arms, counts = np.unique(ends_on, return_counts=True)
        for rank, arm in enumerate(arms[np.argsort(-counts, kind="stable")]):
            steps, p_best = every_few_steps(best_arm_probability(policies[ends_on == arm], means))
            lines = ax.plot(steps, p_best.T, color=colors[arm], linewidth=0.8, alpha=0.8)
            if rank < MAX_NAMED_ARMS:  # the legend names the arms most runs end on
                lines[0].set_label(f"ends on arm {arm} (mean {means[arm]:g}"
                                   f"{', best' if arm in best else ''}): {len(lines)} of {runs}")
        ax.axhline(len(best) / len(means), color="gray", linestyle=":", label="uniform start")
        ax.set(ylim=(0, 1), xlabel="training step", ylabel="probability of a best arm\n"
               "(tied best arms added)", title=f"means = {format_means(means)}")
        ax.legend(loc="best", fontsize="small")
    return fig


def plot_expected_rewards(results):
    """Per setting, the expected reward sum_a pi_t(a) mu_a: its gap to the best mean is regret."""
    runs = results[0][1].shape[0]
    note = "" if runs == 1 else f"\n{runs} runs: mean and 10th-90th percentile band"
    fig, axes = panels(len(results), "Expected reward per step: the sum over arms of p(arm) "
                       f"times its mean{note}")
    for ax, (means, policies, _) in zip(axes, results):
        steps, rewards = every_few_steps(policies @ np.asarray(means, np.float32))
        ax.plot(steps, rewards.mean(axis=0), color="C0", label="expected reward")
        if runs > 1:
            ax.fill_between(steps, *np.percentile(rewards, [10, 90], axis=0), color="C0",
                            alpha=0.15, linewidth=0)
        ax.axhline(max(means), color="black", linestyle="--", label="best arm's mean")
        ax.axhline(np.mean(means), color="gray", linestyle=":", label="uniform start")
        ax.axhline(min(means), color="gray", linestyle="-.", label="worst arm's mean")
        margin = 0.1 * (max(means) - min(means)) or 0.5  # equal means: some room all the same
        ax.set(ylim=(min(means) - margin, max(means) + margin), ylabel="expected reward",
               title=f"means = {format_means(means)}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
               ncol=2 * len(axes[:2]))
    return fig


# ===== Part 4. The command line: check everything first, then train, print and draw ==============
# Four settings of four arms, as the article's four experiments (its code trains the first).
DEFAULT_SETTINGS = (
    (1.0, 0.9, 0.9, 1.0),  # the one the published code trains: two equally good arms, 0 and 3
    (1.0, 2.0, 3.0, 4.0),  # clearly separated: the best arm is easy to find
    (1.0, 1.05, 1.1, 1.15),  # close together: exploration lingers
    (-1.0, -0.5, -2.0, -1.5),  # every payoff a loss: REINFORCE still finds the least bad arm
)


class ArgumentParser(argparse.ArgumentParser):
    """Errors on one line, exit status 2. (Pass allow_abbrev=False: `--mean 0 1` is a mistake.)"""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def figures_folder(text):
    """--out's type: a folder there or to be made (by the first figure), if one can write there."""
    out = Path(text)
    there = next(folder for folder in [out, *out.parents] if folder.exists())
    try:
        tempfile.TemporaryDirectory(dir=there).cleanup()  # made, and gone again
    except OSError as error:
        raise BadValue(f"cannot write figures in {out} ({error.strerror})") from None
    return out


def add_output_arguments(parser):
    """--out and --show. A user's runs go to results/ (git ignores it), the README's to figures/."""
    parser.add_argument("--out", type=figures_folder, default="results",
                        help="the figures' folder; its figures are overwritten (default: results)")
    parser.add_argument("--show", action="store_true", help="then show the figures in windows, "
                        "as the article's code does")


def add_training_arguments(parser):
    """--learning-rate, --optimizer and --baseline: how the actor learns."""
    parser.add_argument("--learning-rate", type=partial(checked, "learning_rate"),
                        default=LEARNING_RATE, help="the optimizer's (default: %(default)s)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="default: adam")
    parser.add_argument("--baseline", action="store_true", help="subtract each run's average of "
                        "earlier rewards (at the first step, the first reward) from each reward")


def build_parser(**kwargs):
    """The command line's options, each with its default: `kwargs` go to ArgumentParser."""
    parser = ArgumentParser(**{"description": "REINFORCE on a multi-armed bandit, as in 'A Minimal"
                               " Working Example for Discrete Policy Gradients in TensorFlow 2.0'",
                               "allow_abbrev": False, **kwargs})
    add = parser.add_argument
    add("--means", metavar="M", type=partial(checked, "mean"), nargs="+", action="append",
        help=f"mean payoff of each arm (2 to {MAX_ARMS}), one setting per use; default: "
        + ", ".join(map(format_means, DEFAULT_SETTINGS)))
    add("--stddev", metavar="S", type=partial(checked, "stddev"), nargs="+", default=[1.0],
        help="the payoffs' standard deviation: one for every arm, or one per arm (default: 1)")
    add("--steps", type=partial(checked, "steps"), default=STEPS, help="updates per run (10000)")
    add("--runs", type=partial(checked, "runs"), help="runs per setting, trained at once (10)")
    add("--seed", type=partial(checked, "seed"), default=0, help="random seed of the runs (0)")
    add_training_arguments(parser)
    add("--hidden-layers", type=partial(checked, "hidden_layers"), default=2,
        help="hidden Dense(5, relu) layers (the article's 2)")
    add("--eager", action="store_true", help="train one run per setting with the article's loop, "
        "a Python step at a time: slow, but print() and a debugger work in it")
    add_output_arguments(parser)
    return parser


def parse_args(argv=None, parser=None):
    """The command line, checked: bad input exits with status 2 before any work."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.eager else 10)
    args.means = args.means or [list(setting) for setting in DEFAULT_SETTINGS]
    try:
        for means in args.means:
            check_bandit(means, args.stddev)
        kind = (args.runs, args.baseline, args.hidden_layers, args.optimizer)
        if args.eager and kind != (1, False, 2, "adam"):
            raise BadValue("--eager is the article's loop: one run, adam, no baseline, 2 layers")
        check_memory(args.runs, args.steps, sum(map(len, args.means)), args.hidden_layers)
    except BadValue as error:
        parser.error(str(error))
    return args


TRAINING = ("runs", "seed", "steps", "stddev", "learning_rate", "baseline", "hidden_layers",
            "optimizer", "eager")  # the train_settings() arguments the command line sets


def default_run(args):
    """Train every setting and print the summary; returns the figures to draw."""
    results = train_settings(args.means, **{name: getattr(args, name) for name in TRAINING})
    print_summary(results)
    return {"final_probabilities.png": (plot_final_probabilities, results),
            "learning_curves.png": (plot_learning_curves, results),
            "expected_rewards.png": (plot_expected_rewards, results)}


def in_ipython():
    """Whether IPython (a notebook's `%run`) runs us, not just imported (as Keras imports it)."""
    return "IPython" in sys.modules and sys.modules["IPython"].get_ipython() is not None


def run(args, work):
    """Do `work(args)`, which returns the figures to draw, {file name: (plot, *data)}; write them
    into args.out, show them with args.show; return the exit status."""
    session, show = in_ipython(), getattr(args, "show", False)  # fit_check shows nothing
    if not (session or show):
        matplotlib.use("Agg")  # files only: no window, no display needed
    try:
        for name, (plot, *data) in work(args).items():
            args.out.mkdir(parents=True, exist_ok=True)
            save_figure(plot(*data), args.out / name)
            print(f"Wrote {args.out / name}", flush=True)  # a closed pipe shows here at the latest
        if show and not session:
            if plt.gcf().canvas.required_interactive_framework:
                plt.show()
            else:  # Agg, where matplotlib found no display or no GUI toolkit
                print("--show: no window can open here; the figures are in the files above")
    except BrokenPipeError:  # Python's recipe (signal module docs); exit as SIGPIPE would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13
    except (FloatingPointError, OSError) as error:  # check_finite's; a full disk, a quota, ...
        print(f"{Path(sys.argv[0]).name}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # after the progress bar's line, in a terminal
        print("\ninterrupted" if sys.stdout.isatty() else "interrupted", file=sys.stderr)
        return 130
    finally:
        if not session:  # in IPython the session's backend shows them (and inline closes them)
            plt.close("all")
    return 0


def main(argv=None):
    """The command line: train, print the summary, write the figures; returns the exit status."""
    return run(parse_args(argv), default_run)


def command(main):
    """Run `main()` as a command, and exit with the status it returns."""
    tf.get_logger().setLevel("ERROR")  # TensorFlow's Python warnings speak to its developers
    # Speed: XLA's newer CPU code generator compiles slower, to the same numbers (2.20 and 2.21
    # know the flag); frozen, the imports' objects are spared every garbage collection's scan.
    if tf.__version__.startswith(("2.20.", "2.21.")):
        os.environ.setdefault("XLA_FLAGS", "--xla_cpu_use_fusion_emitters=false")
    if not (sys.flags.interactive or in_ipython()):  # unless a session goes on after it
        gc.freeze()
    sys.exit(main())


if __name__ == "__main__":
    command(main)
