"""Discrete policy gradients (REINFORCE) on a multi-armed bandit, in TensorFlow 2.

A runnable companion to "A Minimal Working Example for Discrete Policy Gradients in
TensorFlow 2.0" (W. J. A. van Heeswijk, Towards Data Science, 2020). The script follows the
article's sections in order, so the two can be read side by side:

1. A bit of mathematics: the REINFORCE update and the pseudo-loss that implements it.
2. TensorFlow 2 implementation: one update as the article's three GradientTape steps.
3. Multi-armed bandit: the bandit, the actor network, the training loop and the experiments.

Then come the figures and the command line. Run it:

    python discrete_bandit.py                        # the four default settings
    python discrete_bandit.py --means 0 0 5          # one setting of your own
    python discrete_bandit.py --means 1 2 --means 3 1 0 --steps 5000 --seed 1
    python discrete_bandit.py --help                 # every option

or import it (importing trains nothing and writes nothing):

    from discrete_bandit import train
    history = train([1.0, 0.9, 0.9, 1.0], steps=2_000, seed=0)   # shape (2001, 4)
"""

import argparse
import math
import os
import time
from pathlib import Path

# TensorFlow's C++ start-up messages are printed while it is imported, so this has to come first.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

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
MAX_SEED = 2**31 - 1  # stateless random ops take int32 seeds


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
    """Play the bandit once and update the actor. Returns (probabilities used, reward)."""
    # One seed per step, split in two: the run is a pure function of (seed, step).
    action_seed, reward_seed = tf.unstack(tf.random.experimental.stateless_split(step_seed))
    with tf.GradientTape() as tape:
        # The forward pass must happen on the tape: the tape can only differentiate what it saw.
        log_probs = actor(STATE)[0]
        action = tf.random.stateless_categorical(log_probs[None], 1, seed=action_seed)[0, 0]
        reward = pull(means, stddev, action, reward_seed)
        loss = pseudo_loss(log_probs[action], reward - baseline)  # (i) the pseudo-loss
    grads = tape.gradient(loss, actor.trainable_variables)  # (ii) its gradient
    optimizer.apply_gradients(zip(grads, actor.trainable_variables))  # (iii) one Adam step
    return tf.exp(log_probs), reward


# =============================================================================
# 3. Multi-armed bandit
# =============================================================================
# Arm i pays a reward drawn from Normal(mean_i, stddev). The player does not know the means;
# the best policy always plays the arm with the highest one.


def pull(means, stddev, action, seed):
    """Play arm `action` once: a reward drawn from Normal(means[action], stddev)."""
    return means[action] + stddev * tf.random.stateless_normal([], seed=seed)


def build_actor(num_arms, seed=0):
    """The article's actor: state 1 -> Dense(5, relu) -> Dense(5, relu) -> softmax over arms.

    The hidden layers' initial weights are drawn from `seed`: the same seed, the same actor.

    The output layer starts with a zero kernel and a zero bias, so every logit is 0 whatever
    the hidden layers compute, and the softmax gives every arm exactly 1 / num_arms: the
    article's "equal probability" start, for any number of arms.

    The output is log-softmax, the logarithm of the article's softmax: the same policy
    (pi = exp(output)), but it hands the pseudo-loss log pi directly, with no log(0).
    """
    # Keras' default initializer, drawing from one seeded stream: each layer gets its own values.
    glorot = keras.initializers.GlorotUniform(seed=keras.random.SeedGenerator(seed))
    state = keras.Input(shape=(1,), name="state")
    hidden = layers.Dense(5, activation="relu", kernel_initializer=glorot)(state)
    hidden = layers.Dense(5, activation="relu", kernel_initializer=glorot)(hidden)
    log_probs = layers.Dense(
        num_arms,
        activation="log_softmax",
        kernel_initializer="zeros",
        bias_initializer="zeros",
    )(hidden)
    return keras.Model(state, log_probs, name="actor")


def training_loop(actor, optimizer, baseline):
    """The loop that plays `num_steps` rounds of the bandit, as a plain Python function.

    `train` runs it compiled by `tf.function` (the loop becomes a `tf.while_loop`, every step
    stays in TensorFlow's runtime) or, with `eager=True`, line by line as ordinary Python.
    """

    def play(means, stddev, seed, first_step, num_steps, average_reward):
        history = tf.TensorArray(tf.float32, size=num_steps)
        for i in tf.range(num_steps):
            step = first_step + i
            probs, reward = reinforce_step(
                actor,
                optimizer,
                means,
                stddev,
                tf.stack([seed, step]),
                average_reward if baseline else 0.0,
            )
            history = history.write(i, probs)
            # The average of the rewards seen so far: next step's baseline.
            average_reward += (reward - average_reward) / tf.cast(step + 1, tf.float32)
        return history.stack(), average_reward

    return play


# One actor, one optimizer and one compiled loop per (number of arms, baseline, eager): every
# run and every setting with that many arms reuses them, so the loop is traced only once.
_agents = {}


def _agent(num_arms, baseline, eager):
    key = (num_arms, baseline, eager)
    if key not in _agents:
        actor = build_actor(num_arms)
        optimizer = keras.optimizers.Adam(learning_rate=1e-3)
        optimizer.build(actor.trainable_variables)
        play = training_loop(actor, optimizer, baseline)
        if not eager:
            play = tf.function(play).get_concrete_function(
                means=tf.TensorSpec([num_arms], tf.float32),
                stddev=tf.TensorSpec([], tf.float32),
                seed=tf.TensorSpec([], tf.int32),
                first_step=tf.TensorSpec([], tf.int32),
                num_steps=tf.TensorSpec([], tf.int32),
                average_reward=tf.TensorSpec([], tf.float32),
            )
        _agents[key] = actor, optimizer, play
    return _agents[key]


def check_setting(means):
    """Raise ValueError unless `means` is a sequence of two or more finite numbers."""
    if isinstance(means, (str, bytes)):
        raise ValueError(f"means must be a sequence of numbers, got the string {means!r}")
    try:
        values = [float(m) for m in means]
    except (TypeError, ValueError):
        raise ValueError(f"means must be numbers, got {means!r}") from None
    if len(values) < 2:
        raise ValueError(f"a bandit needs at least two arms, got {len(values)}")
    if not all(math.isfinite(m) for m in values):
        raise ValueError(f"means must be finite numbers, got {values}")
    return values


def check_arguments(*, stddev, steps, learning_rate, seed):
    """Raise ValueError with a readable message for any invalid training argument."""
    if not _is_real(stddev) or not math.isfinite(stddev) or stddev < 0:
        raise ValueError(f"stddev must be a finite number >= 0, got {stddev!r}")
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    if not _is_real(learning_rate) or not math.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_real(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def train(
    means,
    *,
    stddev=1.0,
    steps=10_000,
    learning_rate=1e-3,
    seed=0,
    eager=False,
    baseline=False,
    on_progress=None,
):
    """Train a fresh actor with REINFORCE on the bandit with these mean payoffs.

    Returns a float32 array of shape (steps + 1, len(means)): row 0 is the initial, uniform
    policy and row t the action probabilities after t updates. The same arguments give the
    same array, bit for bit, compiled or with `eager=True`.

    `baseline=True` subtracts the average of the rewards seen before each step from its
    reward (see `--baseline`). `on_progress`, if given, is called as `on_progress(steps_done)`
    about 20 times during training.
    """
    means = check_setting(means)
    check_arguments(stddev=stddev, steps=steps, learning_rate=learning_rate, seed=seed)

    # Each step is a few hundred tiny ops. TensorFlow's single-threaded executor runs them
    # without thread-pool hand-offs, about 25% faster here than the default one. It has to be
    # in force when the loop is traced too, so that the tf.while_loop is built for it.
    with tf.experimental.function_executor_type("SINGLE_THREADED_EXECUTOR"):
        actor, optimizer, play = _agent(len(means), bool(baseline), bool(eager))
        # A fresh run: the weights a newly built actor gets from this seed, and Adam's state
        # (step count, moment estimates) back to zero, as for a new optimizer. (Seeds are passed
        # explicitly: keras.utils.set_random_seed would also clear TensorFlow's caches, and
        # re-instantiating the compiled loop costs ~0.1 s a run.)
        actor.set_weights(build_actor(len(means), seed).get_weights())
        for variable in optimizer.variables:
            variable.assign(tf.zeros_like(variable))
        optimizer.learning_rate = learning_rate

        # The loop runs in about 20 chunks, so a progress bar can move without slowing it.
        chunk = max(1, math.ceil(steps / 20))
        bandit = dict(
            means=tf.constant(means, tf.float32),
            stddev=tf.constant(stddev, tf.float32),
            seed=tf.constant(seed, tf.int32),
        )
        history = []
        average_reward = tf.constant(0.0)
        for first_step in range(0, steps, chunk):
            num_steps = min(chunk, steps - first_step)
            probs, average_reward = play(
                **bandit,
                first_step=tf.constant(first_step, tf.int32),
                num_steps=tf.constant(num_steps, tf.int32),
                average_reward=average_reward,
            )
            history.append(probs.numpy())
            if on_progress is not None:
                on_progress(first_step + num_steps)
        history.append(tf.exp(actor(STATE)).numpy())  # the policy after the last update
    return np.concatenate(history)


def best_arms(means):
    """Indices of the arm(s) with the highest mean payoff."""
    means = np.asarray(means)
    return np.flatnonzero(means == means.max())


def train_setting(means, *, runs, seed, steps, title, **train_kwargs):
    """Train one setting `runs` times (seeds seed, seed+1, ...) behind one progress bar.

    Returns (histories of shape (runs, steps + 1, arms), steps per second).
    """
    print(title)
    progbar = keras.utils.Progbar(runs * steps, unit_name="step")
    histories = []
    start = time.perf_counter()
    for run in range(runs):
        histories.append(
            train(
                means,
                seed=seed + run,
                steps=steps,
                on_progress=lambda done, run=run: progbar.update(run * steps + done),
                **train_kwargs,
            )
        )
    seconds = time.perf_counter() - start
    return np.stack(histories), runs * steps / seconds


def best_arm_probability(history, means):
    """Probability mass on the best arm(s), per step: (..., steps + 1, arms) -> (..., steps + 1)."""
    return history[..., best_arms(means)].sum(axis=-1)


def band(values):
    """Mean and 10th-90th percentile band over runs (axis 0): what every figure shows."""
    return values.mean(axis=0), np.percentile(values, 10, axis=0), np.percentile(values, 90, axis=0)


# =============================================================================
# Figures: each function makes one figure and saves it
# =============================================================================


def arm_colors(num_arms):
    """One colour per arm, the same in every figure."""
    cmap = plt.get_cmap("tab10" if num_arms <= 10 else "turbo")
    return [cmap(i if num_arms <= 10 else i / (num_arms - 1)) for i in range(num_arms)]


def _panels(count, title):
    """A grid of `count` panels, two per row; unused cells are hidden."""
    ncols = min(count, 2)
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.4 * ncols, 4.2 * nrows), squeeze=False)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig, axes.flat[:count]


def _curve(ax, steps, values, color, label):
    """Mean over runs (axis 0) as a line; with several runs, the 10th-90th percentile band."""
    mean, low, high = band(values)
    ax.plot(steps, mean, color=color, label=label)
    if len(values) > 1:
        ax.fill_between(steps, low, high, color=color, alpha=0.2, linewidth=0)


def _runs_note(runs):
    return "one run" if runs == 1 else f"mean of {runs} runs, band: 10th-90th percentile"


def plot_final_probabilities(results, path):
    """Bar chart per setting: each arm's probability after training, best arm(s) starred."""
    runs, steps = results[0][1].shape[:2]
    fig, axes = _panels(
        len(results), f"Action probabilities after {steps - 1:,} steps ({_runs_note(runs)})"
    )
    for ax, (means, histories) in zip(axes, results):
        num_arms = len(means)
        mean, low, high = band(histories[:, -1, :])
        arms = np.arange(num_arms)
        ax.bar(arms, mean, color=arm_colors(num_arms), edgecolor="black", linewidth=0.6)
        if runs > 1:
            ax.errorbar(
                arms, mean, yerr=[mean - low, high - mean], fmt="none", ecolor="black", capsize=4
            )
        best = best_arms(means)
        top = high if runs > 1 else mean
        ax.plot(best, top[best] + 0.05, "k*", markersize=12, label="best arm (highest mean)")
        ax.axhline(1 / num_arms, color="gray", linestyle=":", label="uniform start (1 / arms)")
        ax.set_xticks(arms, [f"arm {i}\nmean {m:g}" for i, m in enumerate(means)])
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("probability of playing the arm")
        ax.set_title(f"means = {_format_means(means)}")
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=2)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=100)
    return fig


def plot_learning_curves(results, path):
    """Each arm's probability over the training steps, one panel per setting."""
    runs = results[0][1].shape[0]
    fig, axes = _panels(len(results), f"Learning curves ({_runs_note(runs)})")
    for ax, (means, histories) in zip(axes, results):
        steps = np.arange(histories.shape[1])
        best = best_arms(means)
        for arm, color in enumerate(arm_colors(len(means))):
            label = f"arm {arm} (mean {means[arm]:g}{', best' if arm in best else ''})"
            _curve(ax, steps, histories[:, :, arm], color, label)
        ax.set_ylim(0, 1)
        ax.set_xlabel("training step")
        ax.set_ylabel("probability of playing the arm")
        ax.set_title(f"means = {_format_means(means)}")
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


def plot_baseline_comparison(comparisons, path):
    """Best arm's probability over training, with and without the baseline, per setting."""
    runs = comparisons[0][1].shape[0]
    fig, axes = _panels(
        len(comparisons), f"REINFORCE with and without a baseline ({_runs_note(runs)})"
    )
    for ax, (means, plain, with_baseline) in zip(axes, comparisons):
        steps = np.arange(plain.shape[1])
        for histories, label, color in (
            (plain, "plain REINFORCE", "tab:red"),
            (with_baseline, "with baseline (average reward)", "tab:blue"),
        ):
            _curve(ax, steps, best_arm_probability(histories, means), color, label)
        ax.axhline(
            len(best_arms(means)) / len(means), color="gray", linestyle=":", label="uniform start"
        )
        ax.set_ylim(0, 1)
        ax.set_xlabel("training step")
        ax.set_ylabel("probability of the best arm(s)")
        ax.set_title(f"means = {_format_means(means)}")
        ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


def _format_means(means):
    return "[" + ", ".join(f"{m:g}" for m in means) + "]"


# =============================================================================
# Command line
# =============================================================================


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
        help="mean payoff of each arm, one setting per use (repeat it to compare settings); "
        "default: the four settings " + ", ".join(_format_means(s) for s in DEFAULT_SETTINGS),
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
        default=10_000,
        help="training steps (updates) per run (default: %(default)s)",
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=1e-3,
        help="Adam's learning rate (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed; run r uses seed + r (default: %(default)s)",
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="independent runs per setting (default: %(default)s)"
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
        "--benchmark",
        action="store_true",
        help="time the compiled and the eager loop on the first setting; writes nothing",
    )
    args = parser.parse_args(argv)

    args.means = args.means or [list(s) for s in DEFAULT_SETTINGS]
    try:
        for means in args.means:
            check_setting(means)
        check_arguments(
            stddev=args.stddev, steps=args.steps, learning_rate=args.learning_rate, seed=args.seed
        )
        if args.runs < 1:
            raise ValueError(f"runs must be an integer >= 1, got {args.runs}")
        if args.seed + args.runs - 1 > MAX_SEED:
            raise ValueError(f"seed + runs - 1 must be at most {MAX_SEED}")
    except ValueError as error:
        parser.error(str(error))
    if args.benchmark and args.eager:
        parser.error("--benchmark times the eager loop already; drop --eager")
    for folder in (args.out, *args.out.parents):
        if folder.exists():
            if not folder.is_dir():
                parser.error(f"--out {args.out}: {folder} exists and is not a folder")
            break
    return args


def print_summary(results, steps_per_second):
    """One row per setting: final probabilities, the best arm's probability, throughput."""
    runs = results[0][1].shape[0]
    print()
    note = "" if runs == 1 else f", mean of {runs} runs"
    print(f"Summary (final action probabilities{note})")
    header = f"{'setting':<28} {'final probability per arm':<32} {'p(best arm)':<22} {'steps/s':>8}"
    print(header)
    print("-" * len(header))
    for (means, histories), speed in zip(results, steps_per_second):
        final = histories[:, -1, :]
        probs = " ".join(f"{p:.2f}" for p in final.mean(axis=0))
        best = best_arm_probability(final, means)
        if runs == 1:
            best_text = f"{best[0]:.3f}"
        else:
            _, low, high = band(best)
            best_text = f"{best.mean():.3f} [{low:.2f}, {high:.2f}]"
        print(f"{_format_means(means):<28} {probs:<32} {best_text:<22} {speed:>8,.0f}")
    if runs > 1:
        print("p(best arm): mean over runs [10th, 90th percentile]")
    print("p(best arm) sums over tied best arms.")


def run_experiments(args, baseline):
    """Train every setting `args.runs` times; returns [(means, histories)] and steps/s."""
    results, speeds = [], []
    for means in args.means:
        histories, steps_per_second = train_setting(
            means,
            runs=args.runs,
            seed=args.seed,
            title=f"means = {_format_means(means)}" + (" with baseline" if baseline else ""),
            stddev=args.stddev,
            steps=args.steps,
            learning_rate=args.learning_rate,
            eager=args.eager,
            baseline=baseline,
        )
        results.append((means, histories))
        speeds.append(steps_per_second)
    return results, speeds


def compare_baseline(args):
    """Train each setting with and without the baseline; plot and summarise the difference."""
    plain, _ = run_experiments(args, baseline=False)
    with_baseline, _ = run_experiments(args, baseline=True)
    comparisons = [(means, a, b) for (means, a), (_, b) in zip(plain, with_baseline)]
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
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "baseline_comparison.png"
    plot_baseline_comparison(comparisons, path)
    print(f"\nWrote {path}")


def benchmark(args):
    """Time the compiled loop against the very same loop run eagerly, on the first setting."""
    means = args.means[0]
    kwargs = dict(stddev=args.stddev, learning_rate=args.learning_rate, seed=args.seed)

    def seconds(steps, eager=False):
        start = time.perf_counter()
        train(means, steps=steps, eager=eager, **kwargs)
        return time.perf_counter() - start

    print(f"Benchmark on means = {_format_means(means)}, one CPU process")
    cold = seconds(10_000)  # first call: builds the actor and traces the loop
    compiled = (seconds(25_000) - seconds(5_000)) / 20_000
    eager = (seconds(400, eager=True) - seconds(100, eager=True)) / 300
    print(f"  eager     {eager * 1e6:10,.1f} us/step   (t(400) - t(100)) / 300")
    print(f"  compiled  {compiled * 1e6:10,.1f} us/step   (t(25,000) - t(5,000)) / 20,000")
    print(f"  speed-up  {eager / compiled:10,.0f}x")
    print(
        f"  cold      {cold:10,.2f} s for a fresh 10,000-step train() "
        f"({cold / 10_000 * 1e6:,.0f} us/step with tracing, {eager / (cold / 10_000):,.0f}x eager)"
    )


def main(argv=None):
    args = parse_args(argv)
    if not args.show:
        matplotlib.use("Agg")  # files only: no window, no display needed
    if args.benchmark:
        benchmark(args)
        return
    if args.compare_baseline:
        compare_baseline(args)
    else:
        results, speeds = run_experiments(args, baseline=args.baseline)
        print_summary(results, speeds)
        args.out.mkdir(parents=True, exist_ok=True)
        for plot, name in (
            (plot_final_probabilities, "final_probabilities.png"),
            (plot_learning_curves, "learning_curves.png"),
        ):
            plot(results, args.out / name)
            print(f"Wrote {args.out / name}")
    if args.show:
        plt.show()
    plt.close("all")


if __name__ == "__main__":
    main()
