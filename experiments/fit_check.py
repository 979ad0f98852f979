"""The article's section 2, run: Keras' own training makes the tape's update.

A Keras loss takes (y_true, y_pred) only, but train_on_batch also takes `sample_weight`: with the
action played as y_true and its reward as the weight, a row's sparse categorical cross-entropy is
the pseudo-loss. Two copies of the article's actor train side by side from one start on the same
random keys, one by reinforce_update, one by train_on_batch: updates apart by more than rounding
would part them (another arm, another reward).

    python -m experiments.fit_check [--means 1 0.9 0.9 1] [--seed 0] [--optimizer adam]
"""

from functools import partial
from types import SimpleNamespace

import keras
import numpy as np

import discrete_bandit as db


def compile_for_reinforce(actor, optimizer):
    """Compile the actor so that `train_on_batch(states, actions, sample_weight=rewards)` makes
    `reinforce_update`'s update: log-softmax outputs are valid logits; "sum", as reinforce_update
    sums the rows (Keras' default averages them: k rows, a step k times smaller for SGD). Eagerly,
    as the article's loop, and without XLA (Keras' "auto" is on where TensorFlow sees a GPU)."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    actor.compile(optimizer, loss, run_eagerly=True, jit_compile=False)
    return actor


def train_both_ways(means, *, steps=10, seed=0, stddev=1.0, learning_rate=1e-3, optimizer="adam"):
    """Two copies of `build_actor(arms, seed)` trained side by side, by `reinforce_update` and by
    `train_on_batch`. Per step: actions and rewards ((steps, 2): the tape copy's, the Keras
    copy's), apart (the largest |difference| of the copies' weights) and moved (the tape copy's
    largest weight change); largest_weight, the largest |weight| at the end; the optimizer."""
    means, stddev = db.check_bandit(means, stddev)

    def new_optimizer():  # a fresh one, by Keras' name for it
        return keras.optimizers.get({"class_name": optimizer,
                                     "config": {"learning_rate": learning_rate}})

    tape_actor, keras_actor = (db.build_actor(means.shape[1], seed) for _ in range(2))
    tape_optimizer = new_optimizer()
    compile_for_reinforce(keras_actor, new_optimizer())

    def all_weights(actor):  # every weight of the actor, in one flat array
        return np.concatenate([np.ravel(weights) for weights in actor.get_weights()])

    actions, rewards, apart, moved = [], [], [], []
    before = all_weights(tape_actor)
    for step in range(steps):
        key = db.step_key(seed, step)
        _, tape_action, tape_reward = db.play(tape_actor, db.STATE, means, stddev, key)
        db.reinforce_update(tape_actor, tape_optimizer, db.STATE, tape_action, tape_reward)
        _, keras_action, keras_reward = db.play(keras_actor, db.STATE, means, stddev, key)
        keras_actor.train_on_batch(db.STATE, keras_action, sample_weight=keras_reward)
        after = all_weights(tape_actor)
        db.check_finite(after)
        actions.append((int(tape_action[0]), int(keras_action[0])))
        rewards.append((float(tape_reward[0]), float(keras_reward[0])))
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
    # Rounding's scale: an ulp ("unit in the last place") of the largest weight, its float32 step.
    ulp, apart, moved = np.spacing(result.largest_weight), result.apart.max(), result.moved.max()
    parted = (result.rewards[:, 0] != result.rewards[:, 1]) | (result.apart > 4 * ulp)
    if parted.any():
        shows = (f"The copies parted at step {np.argmax(parted) + 1}: weights up to {apart:.1e} "
                 f"apart, {apart / ulp:.3g} ulps of the largest weight.")
    else:
        shows = (f"The same reward at every step and weights at most {apart:.1e} apart (an ulp of "
                 f"the largest weight: {ulp:.1e}), steps up to {moved:.1e}: Keras' training "
                 "makes the tape's update.")
    rows = [(step, action, f"{reward:.4f}", f"{apart:.1e}", f"{moved:.1e}") for step, action,
            reward, apart, moved in zip(range(1, len(result.apart) + 1), result.actions[:, 1],
                                        result.rewards[:, 1], result.apart, result.moved)]
    db.print_table("Two copies of the article's actor side by side, one trained by the tape, one "
                   f"by Keras' train_on_batch\nmeans {db.format_means(args.means)}, "
                   f"{result.optimizer}({args.learning_rate:g}), seed {args.seed}",
                   [("step", 4), ("arm", 3), ("reward", 8), ("weights apart", 13),
                    ("largest update", 14)], rows, [shows])
    return {}


def parse_args(argv=None):  # a bad value exits with status 2 before any work
    parser = db.ArgumentParser(description="The article's section 2, run: two copies of its "
                               "actor trained 10 steps side by side, with the tape and with "
                               "Keras' train_on_batch (the action as label, the reward as "
                               "sample_weight); prints how far apart they are, writes nothing.",
                               allow_abbrev=False)
    parser.add_argument("--means", metavar="M", type=partial(db.checked, "mean"), nargs="+",
                        default=list(db.DEFAULT_SETTINGS[0]),
                        help="mean payoff of each arm (default: the article's 1 0.9 0.9 1)")
    parser.add_argument("--stddev", metavar="S", type=partial(db.checked, "stddev"), default=1.0,
                        help="the payoffs' standard deviation (default: 1)")
    parser.add_argument("--seed", type=partial(db.checked, "seed"), default=0,
                        help="random seed (default: 0)")
    parser.add_argument("--learning-rate", type=partial(db.checked, "learning_rate"),
                        default=db.LEARNING_RATE, help="the optimizer's (default: 0.001)")
    parser.add_argument("--optimizer", choices=db.OPTIMIZERS, default="adam",
                        help="default: the article's, adam")
    args = parser.parse_args(argv)
    try:
        db.check_bandit(args.means, args.stddev)
    except db.BadValue as error:
        parser.error(str(error))
    return args


def main(argv=None):
    return db.run(parse_args(argv), fit_check)


if __name__ == "__main__":
    db.command(main)
