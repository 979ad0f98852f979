"""Sutton & Barto's Figure 2.5, redrawn with the article's update.

With no hidden layer and plain SGD, the article's actor *is* the gradient bandit of Sutton & Barto
(Reinforcement Learning: An Introduction, 2nd ed., section 2.8). The output kernel (input 1, no
bias) holds a preference H(a) per arm, pi = softmax(H), and one SGD step on the pseudo-loss
-(R - b) log pi(A) with learning rate alpha is their equation (2.12):

    H(a) <- H(a) + alpha (R - b) (1{a = A} - pi(a))    for every arm a

Figure 2.5 runs it on 10-armed testbeds, q*(a) ~ Normal(4, 1) per run, rewards Normal(q*(A), 1),
alpha 0.1 and 0.4, with and without the baseline b. Here each curve's runs train at once, each on
a testbed of its own, beside the article's actor and a baseline of earlier rewards only.

    python -m experiments.sutton_barto [--runs 2000] [--steps 1000] [--seed 0] [--out results]
"""

import numpy as np

import discrete_bandit as db


def including_this_reward(reward, average, count):
    """The baseline of the book's figures: the average reward *including* this step's (its
    footnote), where the book's text and --baseline take the earlier rewards only. It shrinks
    each update by (1 - 1/t), and makes the first one zero."""
    return average + (reward - average) / (count + 1.0)


def gradient_bandit(alpha, baseline):
    """train_runs() arguments for Sutton & Barto's gradient bandit: a bias-only actor, plain SGD."""
    return dict(learning_rate=alpha, baseline=baseline, hidden_layers=0, optimizer="sgd")


# The curves, key: (label, line style, train_runs() arguments); the book's four have (alpha, b?).
CURVES = {
    "article": ("the article's actor, Adam(1e-3)", dict(color="black", linewidth=1),
                dict(learning_rate=1e-3)),
    (0.1, True): ("alpha = 0.1, with baseline", dict(color="tab:blue"),
                  gradient_bandit(0.1, including_this_reward)),
    (0.4, True): ("alpha = 0.4, with baseline", dict(color="tab:brown"),
                  gradient_bandit(0.4, including_this_reward)),
    (0.1, False): ("alpha = 0.1, without baseline", dict(color="tab:blue", linestyle="--"),
                   gradient_bandit(0.1, False)),
    (0.4, False): ("alpha = 0.4, without baseline", dict(color="tab:brown", linestyle="--"),
                   gradient_bandit(0.4, False)),
    "previous": ("alpha = 0.4, baseline of earlier rewards only",
                 dict(color="tab:brown", linestyle=":"), gradient_bandit(0.4, True)),
}
BOOK_CURVES = tuple(key for key in CURVES if isinstance(key, tuple))


def sutton_barto_figure_2_5(runs=2000, steps=1000, seed=0, variants=None,
                            progress=lambda run_steps: None):
    """Sutton & Barto's Figure 2.5 with the article's three steps: for each of the book's curves
    (or {key: train_runs() arguments} in `variants`), the mean over runs (each on a testbed of its
    own) of pi_t(optimal arm), t = 1..steps: "% optimal action" without sampling noise."""
    variants = variants or {key: CURVES[key][2] for key in BOOK_CURVES}
    true_values = np.random.default_rng(seed).normal(4.0, 1.0, size=(runs, 10))  # the testbeds
    optimal = np.argmax(true_values, axis=1)
    curves = {}
    for key, train_kwargs in variants.items():
        histories = db.train_runs(true_values, runs, stddev=1.0, steps=steps, seed=seed,
                                  on_progress=progress, **train_kwargs)
        optimal_arm = histories[np.arange(runs), :steps, optimal]  # row t - 1: step t
        curves[key] = optimal_arm.mean(axis=0, dtype=np.float64)
    return curves


def plot_figure_2_5(curves, runs, path):
    """Sutton & Barto's Figure 2.5, redrawn: % optimal action over steps, one line per curve."""
    fig, ax = db.plt.subplots(figsize=(8, 6))
    for key, curve in curves.items():
        label, style, _ = CURVES[key]
        ax.plot(np.arange(1, len(curve) + 1), 100 * curve, label=label, **style)
    ax.set(xlabel="steps", ylabel="% optimal action (expected)", ylim=(0, 100),
           title=f"Gradient bandit on the 10-armed testbed, q*(a) ~ Normal(4, 1), {runs:,} runs")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize="small")
    fig.tight_layout()
    return db.save_figure(fig, path)


def figure_2_5(args):
    """Train every curve, print the table; returns the figure to draw."""
    print(f"Sutton & Barto's Figure 2.5: {args.runs:,} runs x {args.steps:,} steps x "
          f"{len(CURVES)} curves")
    progress = db.progress_bar(len(CURVES) * args.runs * args.steps)
    curves = sutton_barto_figure_2_5(args.runs, args.steps, args.seed,
                                     {key: train_kwargs for key, (*_, train_kwargs) in
                                      CURVES.items()}, progress=progress.add)
    at = sorted({t for t in (100, 250, 500, 1000, args.steps) if t <= args.steps})
    db.print_table("", [("% optimal action at step", -52)] + [(f"{t:,}", 7) for t in at],
                   [(CURVES[key][0], *(f"{100 * curve[t - 1]:.1f}" for t in at))
                    for key, curve in curves.items()],
                   ["% optimal action: mean over runs of pi_t(optimal arm)."])
    return {"sutton_barto_figure_2_5.png": (plot_figure_2_5, curves, args.runs)}


def parse_args(argv=None):
    """Parse and check the command line; a bad value exits with status 2 before any work."""
    parser = db.ArgumentParser(description="Sutton & Barto's Figure 2.5 (the gradient bandit on "
                               "10-armed testbeds) with the article's update; writes "
                               "sutton_barto_figure_2_5.png.")
    parser.add_argument("--runs", type=int, default=2000,
                        help="runs per curve, each on a testbed of its own (default: the book's "
                        "2000)")
    parser.add_argument("--steps", type=int, default=1000, help="steps per run (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the testbeds and the runs "
                        "(default: 0)")
    db.add_output_arguments(parser)
    args = parser.parse_args(argv)
    with parser.refusing_bad_values():
        db.check_arguments(runs=args.runs, steps=args.steps, seed=args.seed)
        db.check_history_size(args.runs * (args.steps + 1) * 10)  # one curve's at a time
    return args


def main(argv=None):
    return db.run(parse_args(argv), figure_2_5)


if __name__ == "__main__":
    db.command(main)
