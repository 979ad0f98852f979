"""The state the article's actor never sees: a contextual bandit, where the network's input matters.

The article's actor takes "the state s, or a feature array phi(s)", then hidden layers. In its
bandit the state is always 1, so the hidden layers can learn nothing that the output bias could
not. A contextual bandit is the next step towards states: each step a context is drawn, uniformly,
the arms pay according to it, and the actor must map the context to its best arm.

Side by side, on the same runs (the same contexts, and the same reward wherever the same arm is
played):
- contextual: the article's actor with the context as its state, one-hot (phi(s)), Adam(0.001);
- context-blind: the article's actor as it is, state 1, Adam(0.001); the best it can do is the
  single arm with the highest mean over the contexts;
- tabular: the gradient bandit per context. No hidden layer: with a one-hot input the kernel is a
  preference per context and arm, and an SGD step is Sutton & Barto's equation (2.12) for the
  context played, with alpha 0.1 and that context's average of earlier rewards as its baseline.
All three train with the script's own update, reinforce_step.

    python -m experiments.contextual [--means M ... (one context per use)] [--steps N] [--runs N]
"""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import tensorflow as tf

import discrete_bandit as db
from experiments import mean_and_error

# The default: the article's [1, 2, 3, 4] and its rotations, each context with another best arm.
# Every arm's mean over the contexts is 2.5: a context-blind player can do no better than chance.
DEFAULT_CONTEXTS = ((1.0, 2.0, 3.0, 4.0), (4.0, 1.0, 2.0, 3.0), (3.0, 4.0, 1.0, 2.0),
                    (2.0, 3.0, 4.0, 1.0))
MAX_CONTEXTS = 10
# Actor: (label, hidden layers, optimizer, learning rate, sees the context, a baseline).
ACTORS = {
    "contextual": ("contextual (the article's actor, state: the context)", 2, "adam", 1e-3, True,
                   False),
    "context-blind": ("context-blind (the article's actor, state 1)", 2, "adam", 1e-3, False,
                      False),
    "tabular": ("tabular (Sutton & Barto's 2.12 per context, SGD(0.1))", 0, "sgd", 0.1, True,
                True),
}


def train_contextual(contexts, runs, *, actor="contextual", stddev=1.0, steps=20_000, seed=0,
                     on_progress=lambda run_steps: None):
    """Train `runs` fresh actors of kind `actor` (a key of ACTORS) at once on the contextual
    bandit `contexts`, a row of arm means per context. Returns their policy in every context at
    every step, (runs, steps + 1, contexts, arms), and which (run, context) started dead, (runs,
    contexts): every unit of the last hidden layer off in that context. Run r depends on (seed,
    r) alone; every actor sees the same contexts."""
    table = np.array([db.check_means(row) for row in contexts], np.float32)
    num_contexts, num_arms = table.shape
    db.check_arguments(runs=runs, stddev=stddev, steps=steps, seed=seed)
    db.check_stddev_per_arm(stddev, num_arms)
    db.check_history_size(runs * (steps + 1) * table.size)
    agent = _contextual_agent(runs, num_contexts, num_arms, actor)
    dead = agent.reset(seed)
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
    return history, dead


@functools.cache  # each kind is built and compiled once, then reused
def _contextual_agent(runs, num_contexts, num_arms, actor):
    """A population of the actor's kind, with its reset() and compiled loop, play()."""
    _, hidden_layers, optimizer, learning_rate, sees_context, with_baseline = ACTORS[actor]
    # A population of its own, not the one db.population keeps for this kind (the function it
    # caches is its __wrapped__): two actors of one kind, as with one context, train side by side.
    population = db.population.__wrapped__(runs, num_arms, db.no_baseline, hidden_layers,
                                           optimizer, num_contexts if sees_context else 1)
    # Per run and context: the rewards seen there so far, and their average (tabular's baseline).
    seen = tf.Variable(tf.zeros((runs, num_contexts)), trainable=False)
    average = tf.Variable(tf.zeros((runs, num_contexts)), trainable=False)

    def every_context(model):
        """model's output in each context, (runs, contexts, ...)."""
        if not sees_context:  # one output for all
            return tf.repeat(model(tf.ones((runs, 1)))[:, None], num_contexts, axis=1)
        return tf.stack([model(tf.one_hot(tf.fill([runs], c), num_contexts))
                         for c in range(num_contexts)], axis=1)

    def reset(seed):
        """Fresh runs; returns which (run, context) start dead."""
        population.reset(seed, learning_rate)
        seen.assign(tf.zeros_like(seen))
        average.assign(tf.zeros_like(average))
        actor = population.actor
        last_hidden = db.keras.Model(actor.inputs, actor.layers[-2].output)
        return ~np.any(every_context(last_hidden), axis=-1)

    @tf.function(jit_compile=True, autograph=False)  # a plain tf.while_loop: nothing to convert
    def play(table, stddev, seed, contexts, first_step, num_steps):
        """num_steps (<= CHUNK) steps of all runs, in contexts[t - first_step] at step t: the
        policies in every context at each step, and after the last."""
        def one_step(step, history, seen, average):
            # tf.gather, not [ ]: XLA takes what [ ] indexes with as a constant, and would compile
            # the loop again at every call.
            context = tf.gather(contexts, step - first_step)
            probs = tf.exp(every_context(population.actor))
            state = tf.one_hot(context, num_contexts) if sees_context else tf.ones((runs, 1))
            baseline = tf.gather(average, context, batch_dims=1) if with_baseline else 0.0
            _, reward = db.reinforce_step(population.actor, population.optimizer, state,
                                          tf.gather(table, context), stddev,
                                          db.step_key(seed, step), baseline)
            played = tf.one_hot(context, num_contexts)
            seen += played
            average += played * (reward[:, None] - average) / tf.maximum(seen, 1.0)
            history = tf.tensor_scatter_nd_update(history, [[step - first_step]], probs[None])
            return step + 1, history, seen, average

        _, history, last_seen, last_average = tf.while_loop(
            lambda step, *_: step < first_step + num_steps, one_step,
            (first_step, tf.zeros((db.CHUNK, runs, num_contexts, num_arms)), seen.value(),
             average.value()))
        seen.assign(last_seen)
        average.assign(last_average)
        return tf.transpose(history, (1, 0, 2, 3)), tf.exp(every_context(population.actor))

    return SimpleNamespace(reset=reset, play=play)


def expected_rewards(histories, contexts):
    """Per run and step: the expected reward, the mean over contexts of sum_a pi(a | c) mu(c, a)."""
    return np.einsum("rtca,ca->rt", histories, np.asarray(contexts, np.float32)) / len(contexts)


def best_arm_probabilities(histories, contexts):
    """Per run, step and context: p(best arm | context), summed over tied best arms."""
    return np.stack([db.best_arm_probability(histories[:, :, c], means)
                     for c, means in enumerate(contexts)], axis=-1)


def contextual(args):
    """Train the three actors, print the table; returns the figure to draw."""
    contexts = args.means
    print(f"Contextual bandit: {len(contexts)} contexts of {len(contexts[0])} arms, "
          f"{args.runs} runs x {args.steps:,} steps per actor")
    progress, lock = db.progress_bar(len(ACTORS) * args.runs * args.steps), threading.Lock()

    def train(actor):
        def on_progress(run_steps):
            with lock:  # one thread at a time adds to the bar
                progress.add(run_steps)
        return train_contextual(contexts, args.runs, actor=actor, stddev=args.stddev,
                                steps=args.steps, seed=args.seed, on_progress=on_progress)

    # XLA compiles each actor's loop in C++, where Python's lock does not hold it up: on two cores
    # the actors train side by side (measured, the whole command: 1.97-2.09 times a bare import,
    # against 2.26-2.41 one after another, 3 rounds each on a 2-core AMD EPYC).
    with ThreadPoolExecutor(len(ACTORS)) as pool:
        trained = dict(zip(ACTORS, pool.map(train, ACTORS)))
    results = {actor: histories for actor, (histories, _) in trained.items()}
    dead = trained["contextual"][1]
    best = {actor: best_arm_probabilities(histories[:, -1:], contexts)[:, 0]
            for actor, histories in results.items()}
    rows = [(c, db.format_means(means), mean_and_error(best["contextual"][:, c]),
             f"{np.median(best['contextual'][:, c]):.3f}",
             *(mean_and_error(best[actor][:, c]) for actor in ACTORS if actor != "contextual"),
             f"{dead[:, c].sum()}/{args.runs}") for c, means in enumerate(contexts)]
    columns = [("context", 7), ("means", -24), ("contextual", 15), ("median", 6),
               *((actor, 15) for actor in ACTORS if actor != "contextual"), ("dead", 5)]
    final = {actor: expected_rewards(histories[:, -1:], contexts)[:, 0]
             for actor, histories in results.items()}
    optimum = np.mean(np.max(contexts, axis=1))
    db.print_table("p(best arm | context) after the last step: mean over runs +- standard error "
                   "(and the contextual actor's median)",
                   columns, rows,
                   [f"dead: runs whose contextual actor started with every unit of its last "
                    f"hidden layer off in that context ({np.any(dead, axis=1).sum()} of "
                    f"{args.runs} runs have such a context).",
                    f"The best single arm's mean over the contexts: "
                    f"{np.max(np.mean(contexts, axis=0)):g}. The tabular actor's expected reward "
                    f"at the end: {mean_and_error(final['tabular'])}.",
                    f"expected reward at the end: contextual {mean_and_error(final['contextual'])}"
                    f", context-blind {mean_and_error(final['context-blind'])}, optimum "
                    f"{optimum:g}"])
    return {"contextual.png": (plot_contextual, contexts, results)}


def plot_contextual(contexts, results, path):
    """The expected reward per step of each actor, against the optimum and the best single arm;
    then p(best arm | context), a panel per context."""
    runs = len(results["contextual"])
    note = "" if runs == 1 else f"\n{runs} runs: mean and 10th-90th percentile band"
    fig, axes = db.panels(1 + len(contexts), f"Contextual bandit: {len(contexts)} contexts, "
                          f"drawn uniformly{note}", legend_rows=1)
    optimum, single = np.mean(np.max(contexts, axis=1)), np.max(np.mean(contexts, axis=0))
    low, high = np.min(contexts), np.max(contexts)
    margin = 0.05 * (high - low) or 0.5  # room for the optimum's line at the top
    colors = dict(zip(ACTORS, ("C0", "C1", "C2")))
    for actor, histories in results.items():
        db.plot_curve(axes[0], expected_rewards(histories, contexts), colors[actor],
                      ACTORS[actor][0])
        probabilities = best_arm_probabilities(histories, contexts)
        for c, ax in enumerate(axes[1:]):
            db.plot_curve(ax, probabilities[:, :, c], colors[actor], None)
    axes[0].axhline(optimum, color="black", linestyle="--",
                    label="optimum: each context's best arm")
    axes[0].axhline(single, color="gray", linestyle=":", label="the best single arm")
    axes[0].set(ylim=(low - margin, high + margin), ylabel="expected reward",
                title="Expected reward per step, over the contexts")
    for c, (ax, means) in enumerate(zip(axes[1:], contexts)):
        ax.set(ylabel="p(best arm | context)", title=f"context {c}: means {db.format_means(means)}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3,
               fontsize="small")
    return db.save_figure(fig, path)


def parse_args(argv=None):
    """Parse and check the command line; a bad value exits with status 2 before any work."""
    parser = db.ArgumentParser(description="A contextual bandit: each step a context is drawn "
                               "and the arms pay by it. The article's actor with the context as "
                               "its state, beside the context-blind article's actor and a "
                               "tabular gradient bandit per context; writes contextual.png.")
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
        db.check_arguments(runs=args.runs, stddev=args.stddev, steps=args.steps, seed=args.seed)
        db.check_history_size(len(ACTORS) * args.runs * (args.steps + 1) * np.size(args.means))
    return args


def main(argv=None):
    return db.run(parse_args(argv), contextual)


if __name__ == "__main__":
    db.command(main)
