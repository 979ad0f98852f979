"""The article's section 1, run: REINFORCE's estimates against the exact policy gradient.

Averaged over the actions the policy samples and their rewards, the pseudo-loss's gradient is
minus the gradient of the expected payoff J = sum_a pi(a) mu_a (Williams 1992; Sutton & Barto,
13.2). On a bandit that average is a sum over the arms, so the exact gradient is one tape away, and
so is the bias of the article's log(p + 1e-5), large only for arms of probability near 1e-5 or
below. The check is made on [1, 2, 3, 4] shifted by +5, three arms at p = 1e-5.

    python -m experiments.policy_gradient [--stddev 1] [--seed 0] [--out results]
"""

from functools import partial
from types import SimpleNamespace

import keras
import numpy as np
import tensorflow as tf
from matplotlib import pyplot as plt

import discrete_bandit as db

CHECKED_MEANS, CHECKED_POLICY = (6.0, 7.0, 8.0, 9.0), (1e-5, 1e-5, 1e-5, 1 - 3e-5)
CHECKED_PLAYS, CHECKED_REPEATS = tuple(round(10 ** (k / 2)) for k in range(17)), 1_000  # n; per n
ESTIMATES = ("pseudo-loss", "with baseline", "article's +1e-5")


def actor_at(policy, seed=0):
    """`build_actor(arms, seed)` in float64 (float32 leaves the exact gradient 0.1% off), with an
    output kernel that passes gradients back and a bias that makes log pi = log(policy)."""
    weights = db.build_actor(len(policy), seed).get_weights()  # the float32 draws, copied
    dtype_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        actor = db.build_actor(len(policy), seed)
    finally:
        keras.config.set_dtype_policy(dtype_policy)
    actor.set_weights(weights)
    output = actor.layers[-1]
    output.kernel.assign(0.5 * np.random.default_rng(seed).standard_normal(output.kernel.shape))
    output.bias.assign(np.log(policy) - actor(tf.cast(db.STATE, tf.float64))[0])
    return actor


def policy_gradient_check(means=CHECKED_MEANS, policy=CHECKED_POLICY, *, stddev=1.0,
                          plays=CHECKED_PLAYS, repeats=CHECKED_REPEATS, seed=0, actor_seed=0):
    """The exact policy gradient against `repeats` estimates from each number of plays n: the
    mean of n single-play pseudo-loss gradients, the same with a baseline b = J, and the
    article's, log(p + 1e-5) for log pi. The pseudo-loss is linear in the reward, so that mean is
    sum_a (R_a / n) grad pseudo_loss(log pi(a), 1), with each arm's count c_a ~ Multinomial(n,
    pi) and reward sum R_a ~ Normal(c_a mu_a, sqrt(c_a) stddev) drawn as n plays would draw them.

    Returns a namespace: estimates, (3, len(plays), repeats, weights), negated to estimate
    grad J; exact; errors, (len(plays), 3), the mean of |estimate - exact| / |exact|; bias, the
    article's expected estimate minus exact, and relative_bias; the plays: counts and sums."""
    actor, means = actor_at(policy, actor_seed), np.asarray(means, np.float64)
    with tf.GradientTape(persistent=True) as tape:
        log_probs = actor(tf.cast(db.STATE, tf.float64))[0]
        payoff = tf.reduce_sum(tf.exp(log_probs) * means)  # J(theta)
        # One play of each arm with reward 1: with log pi, and with the article's log(p + 1e-5).
        losses = db.pseudo_loss(tf.stack([log_probs, tf.math.log(tf.exp(log_probs) + 1e-5)]), 1.0)
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


def plot_policy_gradient(result):
    """Each estimate's relative error against n, log-log, a 1/sqrt(n) guide, the article's bias."""
    fig, ax = plt.subplots(figsize=(8, 5.2), layout="constrained")
    n, errors, rare = result.plays, result.errors, min(result.policy)
    for column, (label, color) in enumerate(zip(ESTIMATES, ("C0", "C2", "C3"))):
        ax.loglog(n, errors[:, column], "o-", color=color, markersize=4, label=label)
    tail = n >= np.sqrt(n[0] * n[-1])  # the guide on the right half, through the last point
    ax.loglog(n[tail], errors[-1, 0] * np.sqrt(n[-1] / n[tail]), color="0.75", linewidth=6,
              zorder=1, label="1 / sqrt(n): unbiased")
    ax.axhline(result.relative_bias, color="C3", linestyle=":",
               label=f"exact bias of log(p + 1e-5), at this policy: {result.relative_bias:.2f}")
    ax.axvspan(n[0], 1 / rare, color="0.92", zorder=0, label=f"n < 1/p: arms at p = {rare:g} "
               "mostly unplayed")
    ax.set(xlabel="plays n averaged per estimate", xlim=(n[0] / 1.5, n[-1] * 1.5),
           ylabel="mean relative error |estimate - exact| / |exact|",
           title="REINFORCE's estimates against the exact policy gradient, the article's actor\n"
           f"means {db.format_means(result.means)}, policy {db.format_means(result.policy, 5)}")
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(True, alpha=0.3)
    return fig


def policy_gradient(args):
    """Print each estimate's error per n; returns the figure to draw."""
    result = policy_gradient_check(stddev=args.stddev, seed=args.seed)
    db.print_table(f"The policy gradient at means {db.format_means(result.means)}, policy "
                   f"{db.format_means(result.policy, 5)}: estimates of n plays against the exact",
                   [("n", 11)] + [(name, 16) for name in ESTIMATES],
                   [(f"{n:,}", *(f"{e:.4f}" for e in row))
                    for n, row in zip(result.plays, result.errors)],
                   [f"Relative error |estimate - exact| / |exact|, mean of "
                    f"{len(result.counts[0]):,} estimates. The article's +1e-5 is biased: at "
                    f"this actor's weights and policy, by {result.relative_bias:.4f} of the "
                    "exact gradient's size."])
    return {"policy_gradient.png": (plot_policy_gradient, result)}


def parse_args(argv=None):  # a bad value exits with status 2 before any work
    parser = db.ArgumentParser(description="The article's section 1, run: REINFORCE's estimates "
                               f"of the policy gradient at means {list(CHECKED_MEANS)} and "
                               f"policy {list(CHECKED_POLICY)}, against the exact gradient; "
                               "writes policy_gradient.png.", allow_abbrev=False)
    parser.add_argument("--stddev", metavar="S", type=partial(db.checked, "stddev"), nargs="+",
                        default=[1.0], help="the payoffs' standard deviation: one for every "
                        "arm, or one per arm (default: 1)")
    parser.add_argument("--seed", type=partial(db.checked, "seed"), default=0,
                        help="seed of the plays (default: 0)")
    db.add_output_arguments(parser)
    args = parser.parse_args(argv)
    try:
        args.stddev = db.check_bandit(CHECKED_MEANS, args.stddev)[1]
    except db.BadValue as error:
        parser.error(str(error))
    return args


def main(argv=None):
    return db.run(parse_args(argv), policy_gradient)


if __name__ == "__main__":
    db.command(main)
