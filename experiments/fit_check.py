"""The article's section 2, run: Keras' own training makes the tape's update.

A Keras loss takes (y_true, y_pred) only, so the article rules out compile(), fit() and
train_on_batch() for REINFORCE. But they also take `sample_weight`, a weight per row that
multiplies the row's loss. With the action played as y_true and its reward as the weight, a row's
sparse categorical cross-entropy is -reward * log pi(action): the pseudo-loss. The script keeps the
tape all the same: it shows the three steps, and it runs inside the compiled loop, where the
action, the reward and a baseline computed from it are made in the step, not handed in as data.

This experiment trains two copies of the article's actor from one start, side by side, each on
its own, with the same seed pairs: one with the tape (`reinforce_step`), one with Keras
(`train_on_batch`). So every step compares whole runs, the optimizer's state included; were the
updates apart by more than rounding, the copies would part: another arm, another reward.

    python -m experiments.fit_check [--means 1 0.9 0.9 1] [--seed 0] [--optimizer adam]
"""

from types import SimpleNamespace

import numpy as np
import tensorflow as tf

import discrete_bandit as db


def compile_for_reinforce(actor, optimizer, reduction="sum"):
    """Compile `build_actor`'s actor so that `train_on_batch_step` makes `reinforce_step`'s update.

    The loss is the cross-entropy of y_true, the action, with the actor's log-softmax output as
    logits: log-probabilities are valid logits (softmax(log p) = p). Why `reduction="sum"`:
    reinforce_step sums the rows' pseudo-losses, while Keras' default reduction,
    "sum_over_batch_size", averages them. With one row the two agree; with k rows the default
    would take a step on the mean, with gradients k times smaller (SGD's step shrinks k-fold;
    Adam divides the scale out, all but its epsilon).

    Run eagerly, as the article's loop runs: tracing Keras' step into a tf.function takes 0.8 s,
    longer than this experiment's 10 eager steps (0.5 s). No XLA either: Keras' `jit_compile=
    "auto"` is off on a CPU, but on where TensorFlow sees a GPU.
    """
    loss = db.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)
    actor.compile(optimizer, loss, run_eagerly=True, jit_compile=False)
    return actor


def train_on_batch_step(actor, means, stddev, key):
    """`reinforce_step` (without a baseline) made by Keras: play the bandit once and update the
    actor with `train_on_batch`. Returns (the probabilities played, reward, action), for an
    `actor` from `compile_for_reinforce`.

    It draws as `reinforce_step` draws, from the same split of the random key: the same weights,
    means and key play the same action and get the same reward. The actor sees the state
    twice, here to draw the action and in `train_on_batch` on Keras' own tape: the same weights,
    the same numbers.
    """
    action_key, reward_key = tf.unstack(tf.random.experimental.stateless_split(key))
    states = tf.ones((means.shape[0], 1))  # the state, once per row
    log_probs = actor(states)
    action = tf.random.stateless_categorical(log_probs, 1, action_key)[:, 0]  # one per row
    reward = db.pull(means, stddev, action, reward_key)
    # The action as the label, its reward as the row's weight: row r's loss is the pseudo-loss
    # -reward[r] * log pi(action[r]), and the rows' losses are summed (see compile_for_reinforce).
    actor.train_on_batch(states, action, sample_weight=reward)
    return tf.exp(log_probs), reward, action


def train_both_ways(means, *, steps=10, seed=0, stddev=1.0, learning_rate=1e-3, optimizer="adam"):
    """Two copies of `build_actor(arms, seed)` trained side by side on the bandit `means`, one
    with `reinforce_step`, one with `train_on_batch_step`. Returns a namespace of arrays, one
    entry per step: actions (the Keras copy's), rewards ((steps, 2): the tape copy's, the Keras
    copy's), apart (the largest |difference| between the copies' weights after the step) and
    moved (the largest change of a weight of the tape copy in the step); largest_weight, the
    largest |weight| at the end; and the optimizer's class name. Raises TrainingDiverged for
    non-finite weights.
    """
    db.check_stddev_per_arm(stddev, len(means))

    def new_optimizer():  # a fresh one, by Keras' name for it
        return db.keras.optimizers.get({"class_name": optimizer,
                                        "config": {"learning_rate": learning_rate}})

    tape_actor, keras_actor = db.build_actor(len(means), seed), db.build_actor(len(means), seed)
    tape_optimizer = new_optimizer()
    compile_for_reinforce(keras_actor, new_optimizer())
    means, stddev = tf.constant([means], tf.float32), tf.constant(stddev, tf.float32)

    def all_weights(actor):  # every weight of the actor, in one flat array
        return np.concatenate([np.ravel(weights) for weights in actor.get_weights()])

    actions, rewards, apart, moved = [], [], [], []
    before = all_weights(tape_actor)
    for step in range(steps):
        seed_pair = db.step_key(seed, step)
        _, tape_reward = db.reinforce_step(tape_actor, tape_optimizer, db.STATE, means, stddev,
                                           seed_pair)
        _, keras_reward, action = train_on_batch_step(keras_actor, means, stddev, seed_pair)
        after = all_weights(tape_actor)
        if not np.isfinite(after).all():
            raise db.TrainingDiverged(f"after {step + 1:,} updates")
        actions.append(int(action[0]))
        rewards.append((tape_reward[0], keras_reward[0]))
        apart.append(np.abs(after - all_weights(keras_actor)).max())
        moved.append(np.abs(after - before).max())
        before = after
    return SimpleNamespace(actions=np.array(actions), rewards=np.array(rewards),
                           apart=np.array(apart), moved=np.array(moved),
                           largest_weight=np.abs(before).max(),
                           optimizer=type(tape_optimizer).__name__)


def fit_check(args):
    """Train both ways, print each step and what they show; writes nothing."""
    result = train_both_ways(args.means, seed=args.seed, stddev=args.stddev,
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
    title = ("Two copies of the article's actor side by side, one trained by the tape, one "
             f"by Keras' train_on_batch\nmeans {db.format_means(args.means)}, "
             f"{result.optimizer}({args.learning_rate:g}), seed {args.seed}")
    columns = [("step", 4), ("arm", 3), ("reward", 8), ("weights apart", 13),
               ("largest update", 14)]
    db.print_table(title, columns, rows, [shows])
    return {}


def parse_args(argv=None):
    """Parse and check the command line; a bad value exits with status 2 before any work."""
    parser = db.ArgumentParser(description="The article's section 2, run: two copies of its "
                               "actor trained 10 steps side by side, with the tape and with "
                               "Keras' train_on_batch (the action as label, the reward as "
                               "sample_weight); prints how far apart they are, writes nothing.")
    parser.add_argument("--means", metavar="M", type=float, nargs="+",
                        default=list(db.DEFAULT_SETTINGS[0]),
                        help="mean payoff of each arm (default: the article's 1 0.9 0.9 1)")
    parser.add_argument("--stddev", metavar="S", type=float, default=1.0,
                        help="the payoffs' standard deviation (default: 1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--learning-rate", type=float, default=1e-3,
                        help="the optimizer's (default: 0.001)")
    parser.add_argument("--optimizer", choices=db.OPTIMIZERS, default="adam",
                        help="default: the article's, adam")
    args = parser.parse_args(argv)
    with parser.refusing_bad_values():
        args.means = db.check_means(args.means)
        db.check_arguments(stddev=args.stddev, seed=args.seed, learning_rate=args.learning_rate)
    return args


def main(argv=None):
    return db.run(parse_args(argv), fit_check)


if __name__ == "__main__":
    db.command(main)
