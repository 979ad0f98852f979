"""The state the article's actor never sees: a contextual bandit, where the network's input matters.

Each step draws a context, uniformly, and the arms pay according to it. Side by side, on the same
contexts and rewards: the article's actor with the context one-hot as its state (contextual);
the article's actor once per context, nothing shared (separate); a preference per context and arm
(tabular), all three trained as the command line says; and Sutton & Barto's gradient bandit per
context (textbook: SGD(0.1), a baseline per context). A *fall*: p(best arm | context) from above
0.99 to below 0.5; *back*: above 0.99 again. experiments/README.md writes the study up.

    python -m experiments.contextual [--means M ... (one context per use)] [--steps N]
        [--baseline] [--optimizer sgd] [--learning-rate LR] [--runs N] [--seed N]
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import SimpleNamespace

import keras
import numpy as np
import tensorflow as tf

import discrete_bandit as db
from experiments import add_run_arguments, mean_and_error, progress_adder

# The article's [1, 2, 3, 4] and its rotations: no player blind to the context beats 2.5.
DEFAULT_CONTEXTS = ((1.0, 2.0, 3.0, 4.0), (4.0, 1.0, 2.0, 3.0), (3.0, 4.0, 1.0, 2.0),
                    (2.0, 3.0, 4.0, 1.0))
MAX_CONTEXTS = 10
# Actor: (label, hidden layers, its state: the "one-hot" context, or a network "per context" with
# the state 1; the textbook's own training, or None for the command line's).
ACTORS = {"contextual": ("contextual: the article's actor, state: the context", 2, "one-hot", None),
          "separate": ("separate: the article's actor, one per context", 2, "per context", None),
          "tabular": ("tabular: a preference per context and arm", 0, "one-hot", None),
          "textbook": ("textbook: Sutton & Barto's gradient bandit per context", 0, "one-hot",
                       dict(optimizer="sgd", learning_rate=0.1, baseline="per context"))}


class ContextualTrainer:
    """`runs` actors of one kind (a key of ACTORS), trained at once by a loop XLA compiles once.
    `baseline`: False, True (each run's average of earlier rewards) or "per context"."""

    def __init__(self, runs, num_contexts, num_arms, actor="contextual", optimizer="adam",
                 baseline=False):
        _, hidden_layers, self.state, _ = ACTORS[actor]
        self.runs, self.contexts, self.arms, self.baseline = runs, num_contexts, num_arms, baseline
        networks = runs * num_contexts if self.state == "per context" else runs
        self.actor = db.build_population(networks, num_arms, hidden_layers,
                                         1 if self.state == "per context" else num_contexts)
        self.optimizer = keras.optimizers.get(optimizer)
        self.optimizer.build(self.actor.trainable_variables)
        self.lock = threading.Lock()

    def every_context(self, model):  # model's output in each context, (runs, contexts, ...)
        if self.state == "per context":
            output = model(tf.ones((self.runs * self.contexts, 1)))
            return tf.reshape(output, (self.runs, self.contexts, -1))
        return tf.stack([model(tf.one_hot(tf.fill([self.runs], c), self.contexts))
                         for c in range(self.contexts)], axis=1)

    def train(self, table, *, steps=20_000, seed=0, learning_rate=db.LEARNING_RATE, stddev=1.0,
              on_progress=lambda run_steps: None):
        """Fresh runs on `table`, a row of arm means per context. Returns, per run, step and
        context: p_best, p(best arm | context), and margin, log p(best arm) minus the next
        likeliest arm's; per run and step, reward, the expected reward over the contexts."""
        table = np.array(table, np.float32)
        best = table == table.max(axis=1, keepdims=True)  # (contexts, arms)
        # Run r's contexts, drawn uniformly from a generator of its own: the same for every actor.
        contexts = np.stack([np.random.default_rng([seed, run]).integers(self.contexts, size=steps)
                             for run in range(self.runs)], axis=1).astype(np.int32)
        chunk = min(steps, db.STEPS_PER_CALL)
        contexts = np.concatenate([contexts, np.zeros((chunk, self.runs), np.int32)])  # padding
        shape = (self.runs, steps + 1, self.contexts)
        result = SimpleNamespace(p_best=np.empty(shape, np.float32),
                                 margin=np.empty(shape, np.float32),
                                 reward=np.empty(shape[:2], np.float32))

        def keep(at, log_policies):  # log_policies: (steps, runs, contexts, arms)
            log_policies = np.swapaxes(log_policies, 0, 1)
            result.p_best[:, at] = np.where(best, np.exp(log_policies), 0).sum(axis=-1)
            best_log = np.where(best, log_policies, -np.inf).max(axis=-1)
            others = np.where(best, -np.inf, log_policies).max(axis=-1)
            result.margin[:, at] = best_log - others
            result.reward[:, at] = np.einsum("rtca,ca->rt", np.exp(log_policies), table) / len(
                table)

        with self.lock:
            db.reset_population(self.actor, self.optimizer, seed, learning_rate)
            seen = average = tf.zeros((self.runs, self.contexts))
            bandit = tf.constant(table), tf.constant(stddev, tf.float32), tf.constant(seed)
            for first in range(0, steps, chunk):
                count = min(chunk, steps - first)
                played, seen, average = self._steps(
                    *bandit, tf.constant(contexts[first : first + chunk]), tf.constant(first),
                    tf.constant(count), seen, average, chunk)
                keep(slice(first, first + count), played.numpy()[:count])
                on_progress(self.runs * count)
            keep(slice(steps, steps + 1), self.every_context(self.actor).numpy()[None])
        db.check_finite(result.reward)
        return result

    @tf.function(jit_compile=True, autograph=False)  # a plain tf.while_loop: nothing to convert
    def _steps(self, table, stddev, seed, contexts, first_step, num_steps, seen, average, chunk):
        """num_steps steps, in contexts[t - first_step] at step t: the log-policies in every context
        at each step; the rewards seen per run and context, and their averages."""
        def one_step(step, played, seen, average):
            context = tf.gather(contexts, step - first_step)  # not [ ]: XLA would see a constant
            log_policies = self.every_context(self.actor)
            log_probs = tf.gather(log_policies, context, batch_dims=1)
            action_key, reward_key = tf.unstack(tf.random.split(db.step_key(seed, step)))
            action = tf.random.stateless_categorical(log_probs, 1, action_key)[:, 0]
            reward = db.pull(tf.gather(table, context), stddev, action, reward_key)
            here = tf.one_hot(context, self.contexts)
            if self.baseline == "per context":  # this context's earlier rewards
                count = tf.reduce_sum(seen * here, axis=1)
                earlier = tf.reduce_sum(average * here, axis=1)
            else:  # all earlier rewards of the run
                count = tf.reduce_sum(seen, axis=1)
                earlier = tf.reduce_sum(seen * average, axis=1) / tf.maximum(count, 1.0)
            advantage = reward - db.average_of_earlier_rewards(reward, earlier, count) \
                if self.baseline else reward
            if self.state == "per context":  # run r's network for its context, the others idle
                rows = (tf.range(self.runs) * self.contexts + context)[:, None]
                size = [self.runs * self.contexts]
                db.reinforce_update(self.actor, self.optimizer, tf.ones((size[0], 1)),
                                    tf.scatter_nd(rows, action, size),
                                    tf.scatter_nd(rows, advantage, size))
            else:
                db.reinforce_update(self.actor, self.optimizer, here, action, advantage)
            seen += here
            average += here * (reward[:, None] - average) / tf.maximum(seen, 1.0)
            played = tf.tensor_scatter_nd_update(played, [[step - first_step]],
                                                 log_policies[None])
            return step + 1, played, seen, average

        _, played, seen, average = tf.while_loop(
            lambda step, *_: step < first_step + num_steps, one_step,
            (first_step, tf.zeros((chunk, self.runs, self.contexts, self.arms)), seen, average))
        return played, seen, average


def train_contextual(contexts, runs, *, actor="contextual", steps=20_000, seed=0,
                     learning_rate=db.LEARNING_RATE, optimizer="adam", baseline=False, **options):
    """A new ContextualTrainer's `train` for `actor`."""
    training = ACTORS[actor][3] or dict(optimizer=optimizer, learning_rate=learning_rate,
                                        baseline=baseline)
    table = np.array([db.check_bandit(row, 1.0)[0][0] for row in contexts])
    trainer = ContextualTrainer(runs, *table.shape, actor, training["optimizer"],
                                training["baseline"])
    return trainer.train(table, steps=steps, seed=seed, learning_rate=training["learning_rate"],
                         **options)


def falls(p_best, margin, high=0.99, low=0.5):
    """Every fall in p_best (runs, steps + 1, contexts), from above `high` to below `low`: run,
    context, step (the first below), steps (since the last above), back (the first step above
    again, or None) and drop (the margin's largest one-step fall in between)."""
    found = []
    for run, context in np.ndindex(p_best.shape[0], p_best.shape[2]):
        curve = p_best[run, :, context]
        marks = np.flatnonzero((curve > high) | (curve < low))  # the steps above or below
        above = curve[marks] > high
        for i in np.flatnonzero(above[:-1] & ~above[1:]):  # above, then below: a fall
            last_high, fell = marks[i], marks[i + 1]
            again = marks[i + 1:][above[i + 1:]]
            found.append(SimpleNamespace(
                run=run, context=context, step=fell, steps=fell - last_high,
                back=again[0] if len(again) else None,
                drop=float(-np.diff(margin[run, last_high : fell + 1, context]).min())))
    return found


def contextual(args):
    """Train the actors, print the table; returns the figure to draw."""
    contexts = args.means
    training = dict(optimizer=args.optimizer, learning_rate=args.learning_rate,
                    baseline=args.baseline)
    in_words = (f"{dict(adam='Adam', sgd='SGD')[args.optimizer]}, learning rate "
                f"{args.learning_rate:g}, {'with' if args.baseline else 'no'} baseline")
    print(f"Contextual bandit: {len(contexts)} contexts of {len(contexts[0])} arms, "
          f"{args.runs} runs x {args.steps:,} steps per actor; {in_words}")
    on_progress = progress_adder(len(ACTORS) * args.runs * args.steps)

    def train(actor):
        return train_contextual(contexts, args.runs, actor=actor, stddev=args.stddev,
                                steps=args.steps, seed=args.seed, on_progress=on_progress,
                                **training)

    # XLA compiles and runs each actor's loop in C++, where Python's lock does not hold it up.
    with ThreadPoolExecutor(len(ACTORS)) as pool:
        trained = dict(zip(ACTORS, pool.map(train, ACTORS)))
    rows, details, run_contexts = [], [], args.runs * len(contexts)
    for actor, result in trained.items():
        result.falls = falls(result.p_best, result.margin)
        rows.append((actor, mean_and_error(result.reward[:, -1]),
                     f"{np.median(result.reward[:, -1]):.3f}",
                     f"{np.count_nonzero(result.p_best[:, -1] > 0.5)}/{run_contexts}",
                     len(result.falls), sum(fall.back is not None for fall in result.falls),
                     f"{np.median(result.margin[:, -1]):.1f}"))
        if result.falls:
            steps, drops = [fall.steps for fall in result.falls], [f.drop for f in result.falls]
            details.append(f"{actor}: a fall took {min(steps)} to {max(steps)} steps (median "
                           f"{np.median(steps):g}); the margin fell by up to {min(drops):.1f} to "
                           f"{max(drops):.1f} in one of them (median {np.median(drops):.1f}).")
    optimum, single = np.mean(np.max(contexts, axis=1)), np.max(np.mean(contexts, axis=0))
    db.print_table(f"After the last step: the expected reward (the optimum {optimum:g}, the best "
                   f"single arm {single:g}) and the {run_contexts} run-contexts",
                   [("actor", -14), ("expected reward", 16), ("median", 8),
                    ("on best arm", 12), ("falls", 6), ("back", 5), ("margin", 7)], rows,
                   ["on best arm: run-contexts whose p(best arm | context) is above 0.5.",
                    "falls: p(best arm | context) from above 0.99 to below 0.5; back: above 0.99 "
                    "again later.", *details,
                    "margin: log p(best arm | context) minus the next likeliest arm's, at the "
                    "end, median over run-contexts (below 0: on a wrong arm)."])
    name = "contextual_baseline.png" if args.baseline else "contextual.png"
    return {name: (plot_contextual, contexts, trained, in_words)}


def plot_contextual(contexts, trained, training):
    """Left: the expected reward per step, the contextual actor's runs and each actor's median.
    Right: run-contexts on their best arm, per actor, and the contextual actor's falls."""
    runs, steps = trained["contextual"].reward.shape
    fig, (left, right) = db.panels(2, f"Contextual bandit: {len(contexts)} contexts drawn "
                                   f"uniformly, {runs} runs per actor\nthe article's actors and "
                                   f"the tabular one: {training}; textbook: SGD(0.1), a "
                                   "baseline per context")
    optimum, single = np.mean(np.max(contexts, axis=1)), np.max(np.mean(contexts, axis=0))
    colors = dict(zip(ACTORS, ("C0", "C3", "C2", "C7")))
    at = np.unique(np.linspace(0, steps - 1, db.MAX_POINTS).astype(int))
    for actor, result in trained.items():
        if actor == "contextual":
            left.plot(at, result.reward[:, at].T, color=colors[actor], linewidth=0.6, alpha=0.4)
        left.plot(at, np.median(result.reward[:, at], axis=0), color=colors[actor], linewidth=2,
                  label=ACTORS[actor][0])
        right.plot(at, np.count_nonzero(result.p_best[:, at] > 0.5, axis=(0, 2)),
                   color=colors[actor], linewidth=1.5)
    left.plot([], [], color=colors["contextual"], linewidth=0.6, label="contextual: one run")
    left.axhline(optimum, color="black", linestyle="--", zorder=1, label="optimum: best arms")
    left.axhline(single, color="gray", linestyle=":", zorder=1,
                 label="the best single arm: the most a player blind to the context earns")
    lowest = min(single, trained["contextual"].reward.min())
    margin = 0.05 * (optimum - lowest) or 0.5  # room for the lines at the top and the bottom
    left.set(ylim=(lowest - margin, optimum + margin), ylabel="expected reward",
             title="Expected reward per step: median over runs")
    run_contexts = runs * len(contexts)
    found = trained["contextual"].falls
    right.plot([fall.step for fall in found], [run_contexts * 1.02] * len(found), "v",
               color=colors["contextual"], markersize=5, linestyle="none",
               label="a fall of the contextual actor (p(best) from above 0.99 to below 0.5)")
    right.set(ylim=(0, run_contexts * 1.06), ylabel=f"run-contexts (of {run_contexts})",
              title="Run-contexts with p(best arm | context) > 0.5")
    right.legend(loc="lower right", fontsize="small")
    left.set(xlabel="training step"), right.set(xlabel="training step")
    fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncol=2,
               fontsize="small")
    return fig


def parse_args(argv=None):  # a bad value exits with status 2 before any work
    parser = db.ArgumentParser(description="A contextual bandit, its actors side by side; writes "
                               "contextual.png (contextual_baseline.png with --baseline).",
                               allow_abbrev=False)
    parser.add_argument("--means", metavar="M", type=partial(db.checked, "mean"), nargs="+",
                        action="append", help=f"one context's arm means, one context per use (1 "
                        f"to {MAX_CONTEXTS} contexts, each with the same number of arms); "
                        "default: " + ", ".join(db.format_means(c) for c in DEFAULT_CONTEXTS))
    parser.add_argument("--stddev", metavar="S", type=partial(db.checked, "stddev"), default=1.0,
                        help="the payoffs' standard deviation (default: 1)")
    add_run_arguments(parser, steps=20_000, runs=10, per="actor")
    db.add_training_arguments(parser)  # the first three actors'; the textbook's are its own
    db.add_output_arguments(parser)
    args = parser.parse_args(argv)
    args.means = args.means or [list(context) for context in DEFAULT_CONTEXTS]
    try:
        if not 1 <= len(args.means) <= MAX_CONTEXTS:
            raise db.BadValue(f"a contextual bandit here has 1 to {MAX_CONTEXTS} contexts, got "
                              f"{len(args.means)}")
        db.check_bandit(args.means, args.stddev)  # every context the same number of arms
        db.check_memory(len(ACTORS) * args.runs, args.steps, 2 * len(args.means) + 1)
    except db.BadValue as error:
        parser.error(str(error))
    return args


def main(argv=None):
    return db.run(parse_args(argv), contextual)


if __name__ == "__main__":
    db.command(main)
