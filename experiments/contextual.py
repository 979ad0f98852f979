"""The state the article's actor never sees: a contextual bandit, where the network's input matters.

The article's actor takes "the state s, or a feature array phi(s)", then hidden layers. In its
bandit the state is always 1, so the hidden layers can learn nothing that the output bias could
not. A contextual bandit is the next step towards states: each step a context is drawn, uniformly,
the arms pay according to it, and the actor must map the context to its best arm.

Side by side, on the same runs (the same contexts, and the same reward wherever the same arm is
played), every actor trained by the script's own update, reinforce_step:
- contextual: the article's actor with the context as its state, one-hot (phi(s));
- context-blind: the article's actor as it is, state 1; the best it can do is the single arm with
  the highest mean over the contexts;
- tabular: no hidden layer: with a one-hot input the kernel is a preference per context and arm,
  and nothing is shared between contexts;
- textbook: the same tabular actor trained as Sutton & Barto's gradient bandit, another algorithm:
  SGD(0.1), and each context's average of earlier rewards as its baseline (their equation 2.12,
  per context).
The first three train as the command line says (the article's Adam(0.001) and no baseline unless
told otherwise), so they differ only in what they are.

Trained long, the contextual actor unlearns: a context it had learnt drops, within a few steps, to
a wrong arm, and without a baseline it seldom comes back. The command counts these
falls, and measures the logits' growth that makes one step large enough to cause them.

    python -m experiments.contextual [--means M ... (one context per use)] [--steps N]
        [--baseline] [--optimizer sgd] [--learning-rate LR] [--runs N] [--seed N]
"""

import functools
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import tensorflow as tf

import discrete_bandit as db
from experiments import mean_and_error, progress_adder

# The default: the article's [1, 2, 3, 4] and its rotations, each context with another best arm.
# Every arm's mean over the contexts is 2.5: a context-blind player can do no better than chance.
DEFAULT_CONTEXTS = ((1.0, 2.0, 3.0, 4.0), (4.0, 1.0, 2.0, 3.0), (3.0, 4.0, 1.0, 2.0),
                    (2.0, 3.0, 4.0, 1.0))
MAX_CONTEXTS = 10
# Actor: (label, hidden layers, sees the context, training). The first three train as the command
# line says (the article's Adam(0.001), no baseline, by default): like for like, they differ only
# in what they are. The last is another algorithm, the textbook's: SGD(0.1), each context with a
# baseline of its own.
ACTORS = {
    "contextual": ("contextual: the article's actor, state: the context", 2, True, None),
    "context-blind": ("context-blind: the article's actor, state 1", 2, False, None),
    "tabular": ("tabular: a preference per context and arm", 0, True, None),
    "textbook": ("textbook: Sutton & Barto's gradient bandit per context", 0, True,
                 dict(optimizer="sgd", learning_rate=0.1, baseline="per context")),
}


def train_contextual(contexts, runs, *, actor="contextual", stddev=1.0, steps=20_000, seed=0,
                     learning_rate=1e-3, optimizer="adam", baseline=False,
                     on_progress=lambda run_steps: None):
    """Train `runs` fresh actors of kind `actor` (a key of ACTORS) at once on the contextual
    bandit `contexts`, a row of arm means per context. Returns their log-policy in every context
    at every step, (runs, steps + 1, contexts, arms), and how many units of the last hidden layer
    are on in each context, before the first step and after the last, (2, runs, contexts); none
    on: that context is dead. Run r depends on (seed, r) alone; every actor sees the same
    contexts. `baseline`: False, True (each run's average of earlier rewards, as train_runs) or
    "per context" (each context's, in each run)."""
    table = np.array([db.check_means(row) for row in contexts], np.float32)
    num_contexts, num_arms = table.shape
    training = ACTORS[actor][3] or dict(optimizer=optimizer, learning_rate=learning_rate,
                                        baseline=baseline)
    db.check_arguments(runs=runs, stddev=stddev, steps=steps, seed=seed,
                       learning_rate=training["learning_rate"], optimizer=training["optimizer"])
    db.check_stddev_per_arm(stddev, num_arms)
    db.check_history_size(runs * (steps + 1) * table.size)
    agent = _contextual_agent(runs, num_contexts, num_arms, actor, training["optimizer"],
                              training["baseline"])
    agent.reset(seed, training["learning_rate"])
    units_on = [agent.units_on()]
    # Run r's contexts, drawn uniformly from a generator of its own: the same for every actor.
    # (Padded to whole chunks: every call of the compiled loop takes CHUNK rows.)
    contexts = np.zeros((steps + db.CHUNK, runs), np.int32)
    for run in range(runs):
        draw = np.random.default_rng([seed, run])
        contexts[:steps, run] = draw.integers(num_contexts, size=steps)
    stddev = np.broadcast_to(np.asarray(stddev, np.float32), num_arms)
    bandit = tf.constant(table), tf.constant(stddev), tf.constant(seed)
    history = np.empty((runs, steps + 1, num_contexts, num_arms), np.float32)
    for first_step in range(0, steps, db.CHUNK):
        num_steps = min(db.CHUNK, steps - first_step)
        played, after = agent.play(*bandit, tf.constant(contexts[first_step:][:db.CHUNK]),
                                   tf.constant(first_step), tf.constant(num_steps))
        history[:, first_step : first_step + num_steps] = played.numpy()[:, :num_steps]
        history[:, first_step + num_steps] = after.numpy()
        on_progress(runs * num_steps)
    db.check_finite(history.reshape(runs, -1, num_arms))
    return history, np.stack(units_on + [agent.units_on()])


@functools.cache  # each kind is built and compiled once, then reused
def _contextual_agent(runs, num_contexts, num_arms, actor, optimizer, baseline):
    """A population of the actor's kind, with its reset() and compiled loop, play()."""
    _, hidden_layers, sees_context, _ = ACTORS[actor]
    # A population of its own, not the one db.population keeps for this kind (the function it
    # caches is its __wrapped__): two actors of one kind, as with one context, train side by side.
    population = db.population.__wrapped__(runs, num_arms, db.no_baseline, hidden_layers,
                                           optimizer, num_contexts if sees_context else 1)
    # Per run and context: the rewards seen there so far, and their average.
    seen = tf.Variable(tf.zeros((runs, num_contexts)), trainable=False)
    average = tf.Variable(tf.zeros((runs, num_contexts)), trainable=False)

    def every_context(model):
        """model's output in each context, (runs, contexts, ...)."""
        if not sees_context:  # one output for all
            return tf.repeat(model(tf.ones((runs, 1)))[:, None], num_contexts, axis=1)
        return tf.stack([model(tf.one_hot(tf.fill([runs], c), num_contexts))
                         for c in range(num_contexts)], axis=1)

    def reset(seed, learning_rate):
        """Fresh runs."""
        population.reset(seed, learning_rate)
        seen.assign(tf.zeros_like(seen))
        average.assign(tf.zeros_like(average))

    model = population.actor
    last_hidden = db.keras.Model(model.inputs, model.layers[-2].output)

    def units_on():
        """How many units of the last hidden layer are on, per run and context."""
        return np.count_nonzero(every_context(last_hidden), axis=-1)

    @tf.function(jit_compile=True, autograph=False)  # a plain tf.while_loop: nothing to convert
    def play(table, stddev, seed, contexts, first_step, num_steps):
        """num_steps (<= CHUNK) steps of all runs, in contexts[t - first_step] at step t: the
        log-policies in every context at each step, and after the last."""
        def one_step(step, history, seen, average):
            # tf.gather, not [ ]: XLA takes what [ ] indexes with as a constant, and would compile
            # the loop again at every call.
            context = tf.gather(contexts, step - first_step)
            log_probs = every_context(population.actor)
            state = tf.one_hot(context, num_contexts) if sees_context else tf.ones((runs, 1))
            if baseline == "per context":  # this context's earlier rewards
                count = tf.gather(seen, context, batch_dims=1)
                earlier = tf.gather(average, context, batch_dims=1)
            else:  # all earlier rewards of the run
                count = tf.reduce_sum(seen, axis=1)
                earlier = tf.reduce_sum(seen * average, axis=1) / tf.maximum(count, 1.0)
            _, reward = db.reinforce_step(
                population.actor, population.optimizer, state, tf.gather(table, context), stddev,
                db.step_key(seed, step),
                lambda reward: db.average_of_earlier_rewards(reward, earlier, count)
                if baseline else 0.0)
            played = tf.one_hot(context, num_contexts)
            seen += played
            average += played * (reward[:, None] - average) / tf.maximum(seen, 1.0)
            history = tf.tensor_scatter_nd_update(history, [[step - first_step]],
                                                  log_probs[None])
            return step + 1, history, seen, average

        _, history, last_seen, last_average = tf.while_loop(
            lambda step, *_: step < first_step + num_steps, one_step,
            (first_step, tf.zeros((db.CHUNK, runs, num_contexts, num_arms)), seen.value(),
             average.value()))
        seen.assign(last_seen)
        average.assign(last_average)
        return tf.transpose(history, (1, 0, 2, 3)), every_context(population.actor)

    return SimpleNamespace(reset=reset, play=play, units_on=units_on)


def expected_rewards(log_policies, contexts):
    """Per run and step: the expected reward, the mean over contexts of sum_a pi(a | c) mu(c, a)."""
    means = np.asarray(contexts, np.float32)
    return np.einsum("rtca,ca->rt", np.exp(log_policies), means) / len(contexts)


def best_arm_probabilities(log_policies, contexts):
    """Per run, step and context: p(best arm | context), summed over tied best arms."""
    return np.stack([db.best_arm_probability(np.exp(log_policies[:, :, c]), means)
                     for c, means in enumerate(contexts)], axis=-1)


def falls(log_policies, p_best, high=0.99, low=0.5):
    """Every fall: p(best arm | context), `p_best` (best_arm_probabilities()'s), from above `high`
    to below `low`. Per fall, a namespace: run, context, step (the first below `low`), steps
    (since the last above `high`), arm (the most likely one then), back (the first step above
    `high` again, or None) and move (the largest change of a log-probability of that context in
    one of those steps)."""
    found = []
    for run, context in np.ndindex(p_best.shape[0], p_best.shape[2]):
        curve = p_best[run, :, context]
        marks = np.flatnonzero((curve > high) | (curve < low))  # the steps above or below
        above = curve[marks] > high
        for i in np.flatnonzero(above[:-1] & ~above[1:]):  # above, then below: a fall
            last_high, fell = marks[i], marks[i + 1]
            again = marks[i + 1:][above[i + 1:]]
            log_pi = log_policies[run, last_high : fell + 1, context]
            found.append(SimpleNamespace(
                run=run, context=context, step=fell, steps=fell - last_high,
                arm=int(np.argmax(log_pi[-1])), back=again[0] if len(again) else None,
                move=float(np.abs(np.diff(log_pi, axis=0)).max())))
    return found


def logit_spread(log_policies):
    """Per run and context: the largest log-probability minus the smallest, at the last step: how
    far the logits have grown apart (a policy's logits are its log-probabilities plus a
    constant)."""
    final = log_policies[:, -1]
    return final.max(axis=-1) - final.min(axis=-1)


def largest_step(log_policies):
    """Per run and context: the largest change of a log-probability in one step: how far one
    update moved that context's logits, at most."""
    return np.abs(np.diff(log_policies, axis=1)).max(axis=(1, 3))


def contextual(args):
    """Train the actors, print the table; returns the figure to draw."""
    contexts = args.means
    training = dict(optimizer=args.optimizer, learning_rate=args.learning_rate,
                    baseline=args.baseline)
    print(f"Contextual bandit: {len(contexts)} contexts of {len(contexts[0])} arms, "
          f"{args.runs} runs x {args.steps:,} steps per actor; {training_in_words(**training)}")
    on_progress = progress_adder(len(ACTORS) * args.runs * args.steps)

    def train(actor):
        return train_contextual(contexts, args.runs, actor=actor, stddev=args.stddev,
                                steps=args.steps, seed=args.seed, on_progress=on_progress,
                                **training)

    # XLA compiles and runs each actor's loop in C++, where Python's lock does not hold it up: on
    # two cores the actors train side by side.
    with ThreadPoolExecutor(len(ACTORS)) as pool:
        trained = dict(zip(ACTORS, pool.map(train, ACTORS)))
    results, rows, details = {}, [], []
    run_contexts = args.runs * len(contexts)
    for actor, (log_policies, units_on) in trained.items():
        rewards = expected_rewards(log_policies, contexts)
        p_best = best_arm_probabilities(log_policies, contexts)
        found = falls(log_policies, p_best)
        hidden = ACTORS[actor][1] > 0
        rows.append((actor, mean_and_error(rewards[:, -1]),
                     f"{np.median(rewards[:, -1]):.3f}",
                     f"{np.count_nonzero(p_best[:, -1] > 0.5)}/{run_contexts}", len(found),
                     sum(fall.back is not None for fall in found),
                     f"{np.median(logit_spread(log_policies)):.1f}",
                     f"{np.median(largest_step(log_policies)):.3f}",
                     " -> ".join(str(np.count_nonzero(on == 0)) for on in units_on)
                     if hidden else "-"))
        if found:
            steps, moves = [fall.steps for fall in found], [fall.move for fall in found]
            details.append(f"{actor}: each fall took {min(steps)} to {max(steps)} steps, a "
                           f"log-probability moving by up to {min(moves):.1f} to "
                           f"{max(moves):.1f} in one of them (median {np.median(moves):.1f}).")
        results[actor] = rewards, p_best, found
    optimum, single = np.mean(np.max(contexts, axis=1)), np.max(np.mean(contexts, axis=0))
    db.print_table(f"After the last step: the expected reward (the optimum {optimum:g}, the best "
                   f"single arm {single:g}) and the {run_contexts} run-contexts",
                   [("actor", -14), ("expected reward", 16), ("median", 8),
                    ("on best arm", 12), ("falls", 6), ("back", 5), ("logit spread", 12),
                    ("largest step", 12), ("dead", 8)], rows,
                   ["on best arm: run-contexts whose p(best arm | context) is above 0.5.",
                    "falls: p(best arm | context) from above 0.99 to below 0.5; back: above 0.99 "
                    "again later.", *details,
                    "logit spread: the largest log-probability minus the smallest at the end; "
                    "largest step: the largest change of a log-probability in one step; both "
                    "the median over run-contexts.",
                    "dead: run-contexts with every unit of the last hidden layer off, before the "
                    "first step -> after the last."])
    name = "contextual_baseline.png" if args.baseline else "contextual.png"
    return {name: (plot_contextual, contexts, results, training_in_words(**training))}


def training_in_words(optimizer, learning_rate, baseline):
    """The training the command line sets, in words."""
    return (f"{dict(adam='Adam', sgd='SGD')[optimizer]}, learning rate {learning_rate:g}, "
            f"{'with' if baseline else 'no'} baseline")


def plot_contextual(contexts, results, training, path):
    """Left: the expected reward per step, every run of the contextual actor and each actor's
    median. Right: how many run-contexts are on their best arm, for the actors that can be on
    every context's. Log step axes: the early learning and the late falls both show. `results`:
    per actor, (expected rewards, p(best arm | context), falls)."""
    runs = len(results["contextual"][0])
    fig, axes = db.panels(2, f"Contextual bandit: {len(contexts)} contexts drawn uniformly, "
                          f"{runs} runs per actor\ncontextual, context-blind, tabular: {training};"
                          " textbook: SGD(0.1), a baseline per context", legend_rows=4)
    optimum, single = np.mean(np.max(contexts, axis=1)), np.max(np.mean(contexts, axis=0))
    colors = dict(zip(ACTORS, ("C0", "C1", "C2", "C7")))
    left, right = axes
    for actor, (rewards, p_best, _) in results.items():
        steps = np.unique(np.geomspace(1, rewards.shape[1] - 1, db.MAX_POINTS).astype(int))
        if actor == "contextual":
            left.plot(steps, rewards[:, steps].T, color=colors[actor], linewidth=0.6, alpha=0.5)
        left.plot(steps, np.median(rewards[:, steps], axis=0), color=colors[actor],
                  linewidth=2, label=ACTORS[actor][0])
        if ACTORS[actor][2]:  # one that sees the context
            right.plot(steps, np.count_nonzero(p_best[:, steps] > 0.5, axis=(0, 2)),
                       color=colors[actor], linewidth=1.5)
    left.plot([], [], color=colors["contextual"], linewidth=0.6, label="contextual: one run")
    # Under the actors' lines (zorder 1): the context-blind actor's lies on the best single arm's.
    left.axhline(optimum, color="black", linestyle="--", zorder=1,
                 label="optimum: each context's best arm")
    left.axhline(single, color="gray", linestyle=":", zorder=1, label="the best single arm")
    lowest = min(single, results["contextual"][0].min())
    margin = 0.05 * (optimum - lowest) or 0.5  # room for the lines at the top and the bottom
    left.set(ylim=(lowest - margin, optimum + margin), ylabel="expected reward",
             title="Expected reward per step: median over runs")
    found = results["contextual"][2]
    run_contexts = runs * len(contexts)
    right.set(ylim=(0, run_contexts * 1.05), ylabel=f"run-contexts (of {run_contexts})",
              title="Run-contexts with p(best arm | context) > 0.5")
    # Falls: p(best arm | context) from above 0.99 to below 0.5; back: above 0.99 again.
    right.text(0.03, 0.55, f"contextual:\n{len(found)} falls,\n"
               f"{sum(fall.back is not None for fall in found)} back", transform=right.transAxes,
               color=colors["contextual"])
    for ax in axes:
        ax.set(xscale="log", xlabel="training step (log scale)")
    fig.legend(*left.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize="small")
    return db.save_figure(fig, path)


def parse_args(argv=None):
    """Parse and check the command line; a bad value exits with status 2 before any work."""
    parser = db.ArgumentParser(description="A contextual bandit: each step a context is drawn "
                               "and the arms pay by it. The article's actor with the context as "
                               "its state, beside the context-blind article's actor, a tabular "
                               "actor trained the same way, and Sutton & Barto's gradient bandit "
                               "per context; writes contextual.png (contextual_baseline.png with "
                               "--baseline).")
    parser.add_argument("--means", metavar="M", type=float, nargs="+", action="append",
                        help=f"one context's arm means, one context per use (1 to {MAX_CONTEXTS}"
                        " contexts, each with the same number of arms, 2 or more); default: "
                        + ", ".join(db.format_means(c) for c in DEFAULT_CONTEXTS))
    parser.add_argument("--stddev", metavar="S", type=float, default=1.0,
                        help="the payoffs' standard deviation (default: 1)")
    parser.add_argument("--steps", type=int, default=20_000, help="updates per run (default: "
                        "20000, about 5,000 per context)")
    parser.add_argument("--runs", type=int, default=10, help="runs per actor (default: 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    db.add_training_arguments(parser)  # the first three actors'; the textbook's are its own
    db.add_output_arguments(parser)
    args = parser.parse_args(argv)
    args.means = args.means or [list(context) for context in DEFAULT_CONTEXTS]
    with parser.refusing_bad_values():
        if not 1 <= len(args.means) <= MAX_CONTEXTS:
            raise ValueError(f"a contextual bandit here has 1 to {MAX_CONTEXTS} contexts, got "
                             f"{len(args.means)}")
        arms = {len(db.check_means(means)) for means in args.means}
        if len(arms) > 1:
            raise ValueError(f"every context needs the same number of arms, got {sorted(arms)}")
        db.check_arguments(runs=args.runs, stddev=args.stddev, steps=args.steps, seed=args.seed,
                           learning_rate=args.learning_rate, optimizer=args.optimizer)
        db.check_history_size(len(ACTORS) * args.runs * (args.steps + 1) * np.size(args.means))
    return args


def main(argv=None):
    return db.run(parse_args(argv), contextual)


if __name__ == "__main__":
    db.command(main)
