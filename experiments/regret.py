"""REINFORCE among the bandit algorithms: regret against UCB and Thompson sampling.

regret(n) = sum over t = 1..n of (best mean - mean of the arm played at step t). Side by side on
the same bandits: Gaussian UCB and Thompson sampling (sigma known), epsilon-greedy, and, one change
at a time, from Sutton & Barto's gradient bandit to the article's actor. The action-value methods
are scored by the arm they play, the actors by their policy (best mean - sum_a pi_t(a) mu_a: the
same expectation, less noise). experiments/README.md writes the study up.

    python -m experiments.regret [--means M ... (one setting per use)] [--stddev S] [--steps N]
        [--runs N] [--seed N]
"""

import math
import threading
from functools import partial

import numpy as np

import discrete_bandit as db
from experiments import add_run_arguments, mean_and_error, progress_adder
from experiments.sutton_barto import epsilon_greedy, greedy, play_action_values, ucb

DEFAULT_SETTINGS = ((1.0, 2.0, 3.0, 4.0), (1.0, 1.05, 1.1, 1.15))  # the article's, apart and close
# The best learning rate of the article's actor in Figure 2.6 (experiments/README.md).
BEST_LEARNING_RATE = 2.0 ** -6
UCB, THOMPSON = "Gaussian UCB, sigma known", "Gaussian Thompson sampling, flat prior"


def thompson_sampling(stddev):
    """Per arm a draw from the posterior of its mean, the largest played; unplayed arms first."""

    def choose(estimates, counts, t, rng):
        mean, spread = posterior(estimates, counts, stddev)
        return greedy(np.where(counts > 0, rng.normal(mean, spread), np.inf), rng)
    return choose


def posterior(estimates, counts, stddev):
    """Each arm's posterior mean and spread, Normal(estimates, stddev / sqrt(counts)), under a flat
    prior (an unplayed arm gets the spread of one play: unused, it is played first)."""
    return estimates, stddev / np.sqrt(np.maximum(counts, 1))


def lai_robbins(means, stddev):
    """Lai & Robbins' c for Gaussian arms of known stddev: a consistent player's regret(n) / ln n
    tends to c or more as n grows. c = sum over worse arms of gap / KL = 2 stddev^2 / gap."""
    best = max(means)
    return sum(2 * stddev**2 / (best - mean) for mean in means if mean < best)


def algorithms(stddev):
    """Name: (kind, its arguments): "values" for NumPy's action-value methods, "policy" for
    train_runs(). In the order they are printed and drawn."""
    return {
        UCB: ("values", dict(choose=ucb(np.sqrt(2) * stddev))),
        THOMPSON: ("values", dict(choose=thompson_sampling(stddev))),
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


def regret_curves(means, *, stddev=1.0, steps=10_000, runs=200, seed=0, trainers=None,
                  progress=lambda run_steps: None):
    """Per algorithm: each run's cumulative regret, (runs, steps), and whether it ends on a wrong
    arm (an actor's most likely arm at the end, another's most played over the last tenth). The
    actors train in two threads beside NumPy's loops (XLA runs outside Python's lock), on
    Trainers kept in `trainers` by kind, for a caller who trains again."""
    means = np.array(db.check_bandit(means, stddev)[0][0], np.float64)
    best, results, trainers = means.max(), {}, {} if trainers is None else trainers

    def actors(hidden):
        for name, (kind, options) in algorithms(stddev).items():
            if kind == "policy" and bool(options.get("hidden_layers", 2)) == hidden:
                kind = {key: value for key, value in options.items() if key != "learning_rate"}
                key = (len(means), *sorted(kind.items()))  # the two article's actors: one kind
                trainer = trainers[key] = trainers.get(key) or db.Trainer(runs, len(means), **kind)
                policies = trainer.train(means, stddev=stddev, steps=steps, seed=seed,
                                         learning_rate=options["learning_rate"],
                                         on_progress=progress)
                results[name] = (np.cumsum(best - policies[:, :steps] @ means, axis=1),
                                 means[policies[:, -1].argmax(axis=1)] < best)

    threads = [threading.Thread(target=actors, args=(hidden,)) for hidden in (False, True)]
    for thread in threads:
        thread.start()
    for index, (name, (kind, options)) in enumerate(algorithms(stddev).items()):
        if kind == "values":
            played = play_action_values(np.tile(means, (runs, 1)), steps, [seed, index],
                                        stddev=stddev, progress=progress, **options)
            last = played[:, -max(1, steps // 10):]
            most = np.array([np.bincount(row, minlength=len(means)).argmax() for row in last])
            results[name] = np.cumsum(best - means[played], axis=1), means[most] < best
    for thread in threads:
        thread.join()
    return {name: results[name] for name in algorithms(stddev)}


def median_interval(values, level=0.95):
    """The median and a distribution-free interval for it, from order statistics."""
    values, n = np.sort(values), len(values)
    low = max(int(np.searchsorted(np.cumsum([math.comb(n, i) / 2**n for i in range(n + 1)]),
                                  (1 - level) / 2)) - 1, 0)
    return np.median(values), values[low], values[min(n - 1 - low, n - 1)]


def wilson_interval(count, n, z=1.96):
    """The Wilson score interval of a proportion count / n (95%)."""
    center = (count + z**2 / 2) / (n + z**2)
    spread = z * math.sqrt(count * (n - count) / n + z**2 / 4) / (n + z**2)
    return center - spread, center + spread


def plot_regret(settings, results, stddev):
    """Per setting, each algorithm's regret(n) / n, mean and 2 standard errors, on log axes."""
    runs = len(next(iter(results[0].values()))[0])
    fig, axes = db.panels(len(settings), "Regret per step so far: regret after n steps, divided "
                          f"by n\n{runs} runs: mean, and 2 standard errors either side")
    styles = dict(zip(results[0], [dict(color=f"tab:{color}", linestyle=line) for color, line in (
        ("blue", "-"), ("green", "-"), ("gray", "-"), ("brown", "-"), ("orange", "--"),
        ("olive", "--"), ("purple", "-"), ("purple", ":"))]))
    for ax, means, curves in zip(axes, settings, results):
        random = max(means) - np.mean(means)
        for name, (values, _) in curves.items():
            steps = np.unique(np.geomspace(1, values.shape[1], db.MAX_POINTS).astype(int))
            per_step = values[:, steps - 1] / steps
            mean, error = per_step.mean(axis=0), per_step.std(axis=0, ddof=1) / np.sqrt(runs)
            ax.plot(steps, mean, label=name, **styles[name])
            ax.fill_between(steps, mean - 2 * error, mean + 2 * error,
                            color=styles[name]["color"], alpha=0.2, linewidth=0)
        ax.axhline(random, color="black", linestyle=":", label="playing the arms at random")
        rate = lai_robbins(means, stddev) * np.log(steps) / steps
        shown = (steps > np.e) & (rate < random)  # past its peak at n = e, below random play
        ax.plot(steps[shown], rate[shown], color="black", linestyle="--",
                linewidth=1, label="Lai-Robbins c ln(n) / n, drawn below random play: where "
                "consistent players' regret heads as n grows, no floor at finite n")
        ax.set(xscale="log", yscale="log", xlabel="step n", ylabel="regret after n steps / n",
               ylim=(min(line.get_ydata()[-1] for line in ax.lines) / 2, 2 * random),
               title=f"means = {db.format_means(means)}, stddev {stddev:g}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2,
               fontsize="small")
    return fig


def regret(args):
    """Play every algorithm, print the regret after the last step; returns the figure."""
    print(f"Regret: {len(args.means)} setting(s), {args.runs} runs x {args.steps:,} steps")
    add = progress_adder(len(args.means) * args.runs * args.steps * len(algorithms(args.stddev)))
    results, trainers = [], {}  # settings of as many arms train the same Trainers
    for means in args.means:
        results.append(regret_curves(means, stddev=args.stddev, steps=args.steps, runs=args.runs,
                                     seed=args.seed, trainers=trainers, progress=add))
    for means, curves in zip(args.means, results):
        print(f"\nmeans = {db.format_means(means)}, stddev {args.stddev:g}")
        for name, (regrets, wrong) in curves.items():
            median, low, high = median_interval(regrets[:, -1])
            wrong_low, wrong_high = wilson_interval(wrong.sum(), args.runs)
            print(f"regret after {args.steps} steps, {name}: {mean_and_error(regrets[:, -1])}\n"
                  f"    median {median:.1f} [{low:.1f}, {high:.1f}]; ends on a wrong arm: "
                  f"{wrong.sum()} of {args.runs} [{wrong_low:.0%}, {wrong_high:.0%}]")
        constant = lai_robbins(means, args.stddev)
        print(f"Lai-Robbins bound after {args.steps} steps: {constant * np.log(args.steps):.1f}\n"
              f"    c ln n with c = {constant:.2f}: consistent players' regret / ln n tends to c "
              "or more as n grows; at a finite n it is no floor")
    print("\nregret: mean over runs +- standard error; median [95% interval]; a wrong arm: the "
          "actors' most likely arm at the end, the others' most played over the last tenth of "
          "the steps [95% Wilson interval]. The actors' regret is taken over their policy.")
    return {"regret.png": (plot_regret, args.means, results, args.stddev)}


def parse_args(argv=None):  # a bad value exits with status 2 before any work
    parser = db.ArgumentParser(description="The regret of bandit algorithms and the article's "
                               "actor; writes regret.png.", allow_abbrev=False)
    parser.add_argument("--means", metavar="M", type=partial(db.checked, "mean"), nargs="+",
                        action="append", help=f"mean payoff of each arm (2 to {db.MAX_ARMS}), one "
                        "setting per use; default: "
                        + ", ".join(db.format_means(s) for s in DEFAULT_SETTINGS))
    parser.add_argument("--stddev", metavar="S", type=partial(db.checked, "stddev"), default=1.0,
                        help="the payoffs' standard deviation, known to UCB and Thompson (1)")
    add_run_arguments(parser, steps=10_000, runs=200)
    db.add_output_arguments(parser)
    args = parser.parse_args(argv)
    args.means = args.means or [list(setting) for setting in DEFAULT_SETTINGS]
    try:
        for means in args.means:
            if len(set(db.check_bandit(means, args.stddev)[0][0])) == 1:
                raise db.BadValue(f"means {db.format_means(means)} leave nothing to regret: a "
                                  "setting needs arms of different means")
        if args.runs < 2:
            raise db.BadValue("runs must be 2 or more, for a standard error")
        arms = 2 * (8 * len(args.means) + max(map(len, args.means)))  # float64 curves, 2 actors
        db.check_memory(args.runs, args.steps, arms)
    except db.BadValue as error:
        parser.error(str(error))
    return args


def main(argv=None):
    return db.run(parse_args(argv), regret)


if __name__ == "__main__":
    db.command(main)
