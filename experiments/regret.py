"""REINFORCE among the bandit algorithms: regret against UCB and Thompson sampling.

Is the article's actor a good way to play a bandit? The bandit literature (Lattimore & Szepesvari,
Bandit Algorithms, 2020) answers with regret: the expected reward a player gives up against always
playing the best arm, summed over the steps,

    regret(n) = sum over t = 1..n of (best mean - mean of the arm played at step t),

and with a lower bound no reasonable algorithm beats (Lai & Robbins, 1985): on Gaussian arms of a
known standard deviation sigma, regret grows at least like sum over worse arms a of
2 sigma^2 / gap_a, times ln n. UCB1 and Thompson sampling come close to it.

Side by side, on the same bandits:
- UCB1: each arm's sample mean plus sqrt(2 sigma^2 ln t / n_a) (Sutton & Barto's UCB with c =
  sqrt(2) sigma), the largest played;
- Thompson sampling: a draw from each arm's posterior mean, Normal(sample mean, sigma^2 / n_a)
  (sigma known, a flat prior), the largest played;
- epsilon-greedy with epsilon 0.1 and sample averages;
- then, one change at a time, from the gradient bandit to the article's actor: SGD(0.1) on a
  preference per arm with --baseline (Sutton & Barto's), the same without the baseline, then
  Adam(0.001) for SGD(0.1), then the article's network for the preferences, then Adam at 1/64,
  the best learning rate of its Figure 2.6 curve (python -m experiments.sutton_barto --figure
  2.6).
These train with the script's own update; for them, the step's regret is taken over their policy,
best mean - sum_a pi_t(a) mu_a, the same in expectation with less noise.

    python -m experiments.regret [--means M ... (one setting per use)] [--stddev S] [--steps N]
        [--runs N] [--seed N]
"""

import threading

import numpy as np

import discrete_bandit as db
from experiments import mean_and_error, progress_adder
from experiments.sutton_barto import epsilon_greedy, greedy, play_action_values, ucb

DEFAULT_SETTINGS = ((1.0, 2.0, 3.0, 4.0), (1.0, 1.05, 1.1, 1.15))  # the article's, apart and close
# The best learning rate of the article's actor in Figure 2.6: 1/64, peak 1.345 +- 0.013, against
# 1.253 at 1/256 and 1.250 at 1/16 (2,000 testbeds, seed 0).
BEST_LEARNING_RATE = 2.0 ** -6


def thompson_sampling(stddev):
    """Gaussian Thompson sampling, stddev known: per arm a draw from the posterior of its mean,
    the largest played. An arm not yet played is played first."""
    def choose(estimates, counts, t, rng):
        mean, spread = posterior(estimates, counts, stddev)
        return greedy(np.where(counts > 0, rng.normal(mean, spread), np.inf), rng)
    return choose


def posterior(estimates, counts, stddev):
    """The posterior of each arm's mean under a flat prior, after counts rewards whose average is
    estimates: Normal(estimates, stddev / sqrt(counts)) (its mean and standard deviation; an arm
    with no reward gets the spread of one, which goes unused: it is played first)."""
    return estimates, stddev / np.sqrt(np.maximum(counts, 1))


def lai_robbins(means, stddev):
    """The Lai-Robbins constant of Gaussian arms with a known stddev: regret(n) / ln n tends to
    at least sum over worse arms of 2 stddev^2 / gap (the gap over the KL divergence of the two
    arms' rewards, gap^2 / (2 stddev^2))."""
    best = max(means)
    return sum(2 * stddev**2 / (best - mean) for mean in means if mean < best)


# Algorithm: how it plays, (kind, its arguments). Action-value methods play in NumPy; the others
# are train_runs() arguments.
def algorithms(stddev):
    """The algorithms compared, in the order they are printed and drawn."""
    return {
        "UCB1": ("values", dict(choose=ucb(np.sqrt(2) * stddev))),
        "Thompson sampling": ("values", dict(choose=thompson_sampling(stddev))),
        "epsilon-greedy 0.1": ("values", dict(choose=epsilon_greedy(0.1))),
        "gradient bandit, SGD(0.1), baseline": ("policy", dict(
            hidden_layers=0, optimizer="sgd", learning_rate=0.1, baseline=True)),
        "gradient bandit, SGD(0.1), no baseline": ("policy", dict(
            hidden_layers=0, optimizer="sgd", learning_rate=0.1)),
        "tabular, Adam(0.001), no baseline": ("policy", dict(hidden_layers=0, learning_rate=1e-3)),
        "article's actor, Adam(0.001), no baseline": ("policy", dict(learning_rate=1e-3)),
        "article's actor, Adam(1/64), no baseline": ("policy", dict(
            learning_rate=BEST_LEARNING_RATE)),
    }


def regret_curves(means, *, stddev=1.0, steps=10_000, runs=200, seed=0,
                  progress=lambda run_steps: None):
    """For each algorithm, the cumulative expected regret of each run on the bandit `means`,
    (runs, steps): its regret after steps 1, 2, ..., steps. Every algorithm plays the same
    bandit. The actors train in two threads, the tabular ones and the networks, beside NumPy's
    loops: XLA runs outside Python's lock, and a thread trains one kind of population at a time
    (two of a kind would share its weights)."""
    means = np.array(db.check_means(means))
    best, curves = means.max(), {}

    def actors(hidden):
        for name, (kind, options) in algorithms(stddev).items():
            if kind == "policy" and bool(options.get("hidden_layers", 2)) == hidden:
                histories = db.train_runs(means, runs, stddev=stddev, steps=steps, seed=seed,
                                          on_progress=progress, **options)
                curves[name] = np.cumsum(best - histories[:, :steps] @ means, axis=1)

    threads = [threading.Thread(target=actors, args=(hidden,)) for hidden in (False, True)]
    for thread in threads:
        thread.start()
    for index, (name, (kind, options)) in enumerate(algorithms(stddev).items()):
        if kind == "values":
            played = play_action_values(np.tile(means, (runs, 1)), steps, [seed, index],
                                        stddev=stddev, progress=progress, **options)
            curves[name] = np.cumsum(best - means[played], axis=1)
    for thread in threads:
        thread.join()
    return {name: curves[name] for name in algorithms(stddev)}


def plot_regret(settings, results, stddev, path):
    """Per setting, each algorithm's cumulative regret over the steps, log-log (the mean over runs,
    with a band of 2 standard errors either side), and the Lai-Robbins bound as a line.
    `results`: per setting, regret_curves()'s."""
    runs = len(next(iter(results[0].values())))
    fig, axes = db.panels(len(settings), "Cumulative regret: sum over steps of (best mean - mean "
                          f"of the arm played)\n{runs} runs: mean, and 2 standard errors either "
                          "side", legend_rows=3)
    styles = dict(zip(results[0], (
        dict(color="tab:blue"), dict(color="tab:green"), dict(color="tab:gray"),
        dict(color="tab:brown"), dict(color="tab:orange", linestyle="--"),
        dict(color="tab:olive", linestyle="--"), dict(color="tab:purple"),
        dict(color="tab:purple", linestyle=":"))))
    for ax, means, curves in zip(axes, settings, results):
        for name, values in curves.items():
            steps = np.unique(np.geomspace(1, values.shape[1], db.MAX_POINTS).astype(int))
            mean = values[:, steps - 1].mean(axis=0)
            error = values[:, steps - 1].std(axis=0, ddof=1) / np.sqrt(runs)
            ax.plot(steps, mean, label=name, **styles[name])
            ax.fill_between(steps, mean - 2 * error, mean + 2 * error,
                            color=styles[name]["color"], alpha=0.2, linewidth=0)
        ax.plot(steps[1:], lai_robbins(means, stddev) * np.log(steps[1:]), color="black",
                linestyle="--", linewidth=1, zorder=1,  # under the curves that come close
                label="Lai-Robbins bound: a lower bound only as steps grow")
        ax.plot(steps, (max(means) - np.mean(means)) * steps, color="black", linestyle=":",
                label="playing the arms at random")
        lowest = min((first for first in (curve[:, 0].mean() for curve in curves.values())
                      if first > 0), default=1.0)  # the log axis starts below the first step
        ax.set(xscale="log", yscale="log", xlabel="step (log scale)",
               ylabel="cumulative regret (log scale)", ylim=(lowest / 2, None),
               title=f"means = {db.format_means(means)}, stddev {stddev:g}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3,
               fontsize="small")
    return db.save_figure(fig, path)


def regret(args):
    """Play every algorithm, print the regret after the last step; returns the figure."""
    print(f"Regret: {len(args.means)} setting(s), {args.runs} runs x {args.steps:,} steps, "
          f"{len(algorithms(args.stddev))} algorithms")
    add = progress_adder(len(args.means) * args.runs * args.steps * len(algorithms(args.stddev)))
    results = []
    for means in args.means:
        results.append(regret_curves(means, stddev=args.stddev, steps=args.steps,
                                     runs=args.runs, seed=args.seed, progress=add))
    for means, curves in zip(args.means, results):
        print(f"\nmeans = {db.format_means(means)}, stddev {args.stddev:g}")
        for name, regret in curves.items():
            print(f"regret after {args.steps} steps, {name}: {mean_and_error(regret[:, -1])}")
        print(f"Lai-Robbins bound after {args.steps} steps: "
              f"{lai_robbins(means, args.stddev) * np.log(args.steps):.1f}")
    print("\nregret: mean over runs +- standard error.")
    return {"regret.png": (plot_regret, args.means, results, args.stddev)}


def parse_args(argv=None):
    """Parse and check the command line; a bad value exits with status 2 before any work."""
    parser = db.ArgumentParser(description="Cumulative regret of UCB1, Thompson sampling, "
                               "epsilon-greedy, the gradient bandit and the article's actor, "
                               "against the Lai-Robbins lower bound; writes regret.png.")
    parser.add_argument("--means", metavar="M", type=float, nargs="+", action="append",
                        help=f"mean payoff of each arm (2 to {db.MAX_ARMS} arms), one setting "
                        "per use; default: "
                        + ", ".join(db.format_means(s) for s in DEFAULT_SETTINGS))
    parser.add_argument("--stddev", metavar="S", type=float, default=1.0,
                        help="the payoffs' standard deviation, known to UCB1 and Thompson "
                        "sampling (default: 1)")
    parser.add_argument("--steps", type=int, default=10_000, help="steps per run (default: "
                        "10000)")
    parser.add_argument("--runs", type=int, default=200, help="runs per setting (default: 200)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    db.add_output_arguments(parser)
    args = parser.parse_args(argv)
    args.means = args.means or [list(setting) for setting in DEFAULT_SETTINGS]
    with parser.refusing_bad_values():
        for means in args.means:
            if len(set(db.check_means(means))) == 1:
                raise ValueError(f"means {db.format_means(means)} leave nothing to regret: a "
                                 "setting needs arms of different means")
        db.check_arguments(runs=args.runs, stddev=args.stddev, steps=args.steps,
                           seed=args.seed)
        db.check_range("runs", args.runs, 2)  # a standard error needs two
        # Each setting's regret curves, and one actor's history at a time.
        db.check_history_size(args.runs * args.steps * (len(args.means) * 6 + 1) +
                              args.runs * (args.steps + 1) * max(map(len, args.means)))
    return args


def main(argv=None):
    return db.run(parse_args(argv), regret)


if __name__ == "__main__":
    db.command(main)
