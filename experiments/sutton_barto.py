"""Sutton & Barto's chapter 2, redrawn with the article's update: Figures 2.5 and 2.6.

With no hidden layer and plain SGD, the article's actor is their gradient bandit (2nd ed., 2.8):
the output kernel holds a preference H(a) per arm, and one SGD step on -(R - b) log pi(A) is their
equation (2.12), H(a) <- H(a) + alpha (R - b) (1{a = A} - pi(a)). Figure 2.5 runs it on 10-armed
testbeds, q*(a) ~ Normal(4, 1); Figure 2.6 is the chapter's parameter study, q*(a) ~ Normal(0,
1), with the article's actor beside the book's four methods. experiments/README.md writes it up.

    python -m experiments.sutton_barto [--figure 2.6] [--runs 2000] [--steps 1000] [--seed 0]
"""

import threading

import numpy as np
from matplotlib import pyplot as plt

import discrete_bandit as db
from experiments import add_run_arguments, mean_and_error, progress_adder


def including_this_reward(reward, average, count):
    """The baseline of the book's figures, by its footnote to (2.12): the average reward including
    this step's. R_t - b_t = (1 - 1/t)(R_t - earlier average): each update (1 - 1/t) smaller."""
    return average + (reward - average) / (count + 1.0)


def earlier_rewards_from_zero(reward, average, count):
    """The average of earlier rewards, 0 at the first step (the text: R1): a first push alpha R."""
    return average


def gradient_bandit(alpha, baseline):
    """train_runs() arguments for Sutton & Barto's gradient bandit: no hidden layer, plain SGD."""
    return dict(learning_rate=alpha, baseline=baseline, hidden_layers=0, optimizer="sgd")


# ===== Figure 2.5: the gradient bandit, with and without a baseline ==============================
# The curves, key: (label, line style, train_runs() arguments); the book's four have (alpha, b?)
# and its colours and styles (blue 0.1, brown 0.4; solid with a baseline, dashed without).
CURVES = {
    "article": ("the article's actor: 2 hidden layers, Adam(0.001), no baseline",
                dict(color="black", linewidth=1), dict(learning_rate=1e-3)),
    (0.1, True): ("alpha = 0.1, with baseline (the book's figure: this step's reward included)",
                  dict(color="tab:blue"), gradient_bandit(0.1, including_this_reward)),
    (0.4, True): ("alpha = 0.4, with baseline (the book's figure: this step's reward included)",
                  dict(color="tab:brown"), gradient_bandit(0.4, including_this_reward)),
    (0.1, False): ("alpha = 0.1, without baseline", dict(color="tab:blue", linestyle="--"),
                   gradient_bandit(0.1, False)),
    (0.4, False): ("alpha = 0.4, without baseline", dict(color="tab:brown", linestyle="--"),
                   gradient_bandit(0.4, False)),
    "text": ("alpha = 0.4, baseline of earlier rewards only, R1 at step 1 (the book's text, "
             "--baseline)", dict(color="tab:orange", linestyle=":", linewidth=2),
             gradient_bandit(0.4, True)),
    "from zero": ("alpha = 0.4, baseline of earlier rewards only, 0 at step 1",
                  dict(color="tab:red", linestyle="-."),
                  gradient_bandit(0.4, earlier_rewards_from_zero)),
}
BOOK_CURVES = tuple(key for key in CURVES if isinstance(key, tuple))


def sutton_barto_figure_2_5(runs=2000, steps=1000, seed=0, variants=None,
                            progress=lambda run_steps: None):
    """Per curve of the book's (or {key: train_runs() arguments}), each run's pi_t(optimal arm),
    (runs, steps), each run on a testbed of its own, the same for every curve: its mean over the
    runs is "% optimal action" without the noise of the arm sampled."""
    variants = variants or {key: CURVES[key][2] for key in BOOK_CURVES}
    true_values = np.random.default_rng(seed).normal(4.0, 1.0, size=(runs, 10))  # the testbeds
    optimal = np.argmax(true_values, axis=1)
    curves = {}
    for key, train_kwargs in variants.items():
        histories = db.train_runs(true_values, runs, steps=steps, seed=seed, on_progress=progress,
                                  **train_kwargs)
        curves[key] = histories[np.arange(runs), :steps, optimal]  # column t - 1: step t
    return curves


def plot_figure_2_5(curves, runs):
    """Sutton & Barto's Figure 2.5, redrawn: % optimal action over steps, one line per curve."""
    fig, ax = plt.subplots(figsize=(9, 7), layout="constrained")
    for key, curve in curves.items():
        label, style, _ = CURVES[key]
        ax.plot(np.arange(1, curve.shape[1] + 1), 100 * curve.mean(axis=0), label=label, **style)
    ax.set(xlabel="steps", ylabel="% optimal action (mean over runs of pi_t(optimal arm))",
           ylim=(0, 100), title="Sutton & Barto's Figure 2.5, redrawn: the gradient bandit on the"
           f"\n10-armed testbed, q*(a) ~ Normal(4, 1), {runs:,} runs")
    fig.legend(loc="outside lower center", ncol=1, fontsize="small")
    return fig


def figure_2_5(args):
    """Train every curve, print the table; returns the figure to draw."""
    print(f"Sutton & Barto's Figure 2.5: {args.runs:,} runs x {args.steps:,} steps x "
          f"{len(CURVES)} curves")
    curves = sutton_barto_figure_2_5(args.runs, args.steps, args.seed,
                                     {key: train_kwargs for key, (*_, train_kwargs) in
                                      CURVES.items()},
                                     progress=progress_adder(len(CURVES) * args.runs * args.steps))
    at = sorted({t for t in (100, 250, 500, 1000, args.steps) if t <= args.steps})
    width = max(len(label) for label, *_ in CURVES.values())
    last = {key: 100 * curve[:, -1].astype(np.float64) for key, curve in curves.items()}
    db.print_table("", [("% optimal action at step", -width)] + [(f"{t:,}", 7) for t in at],
                   [(CURVES[key][0], *(f"{100 * curve[:, t - 1].mean():.1f}" for t in at))
                    for key, curve in curves.items()],
                   ["% optimal action: mean over runs of pi_t(optimal arm).",
                    f"At step {args.steps:,}, paired over the runs (same testbeds, same keys), in "
                    "points: alpha 0.4, the book's figure's baseline (this step's reward too) "
                    f"minus the text's: {mean_and_error(last[0.4, True] - last['text'])}; the "
                    "text's (R1 at step 1) minus 0 at step 1: "
                    f"{mean_and_error(last['text'] - last['from zero'])}."])
    return {"sutton_barto_figure_2_5.png": (plot_figure_2_5, curves, args.runs)}


# ===== The book's action-value methods, in NumPy, the runs as rows of arrays ====================


def play_action_values(true_values, steps, seed, choose, initial=0.0, step_size=None,
                       stddev=1.0, progress=lambda run_steps: None):
    """The arms played, (runs, steps), on each row's bandit of true_values (runs, arms), rewards
    Normal(true value, stddev). `choose(estimates, counts, t, rng)` picks each run's arm; the
    estimates start at `initial` and move by sample averages, or by a constant `step_size`."""
    rng, (runs, arms) = np.random.default_rng(seed), true_values.shape
    rows, counts = np.arange(runs), np.zeros((runs, arms))
    estimates = np.repeat(np.broadcast_to(np.asarray(initial, float), runs)[:, None], arms, 1)
    played, reported = np.empty((runs, steps), np.int64), 0
    for t in range(1, steps + 1):
        arm = choose(estimates, counts, t, rng)
        reward = rng.normal(true_values[rows, arm], stddev)
        counts[rows, arm] += 1
        estimates[rows, arm] += (reward - estimates[rows, arm]) * (
            step_size if step_size is not None else 1 / counts[rows, arm])
        played[:, t - 1] = arm
        if t % db.STEPS_PER_CALL == 0 or t == steps:
            progress(runs * (t - reported))
            reported = t
    return played


def greedy(values, rng):
    """Per row, the column of the largest value; ties broken at random."""
    return np.argmax((values == values.max(axis=1, keepdims=True)) * rng.random(values.shape),
                     axis=1)


def epsilon_greedy(epsilon):
    """Epsilon-greedy (2.2): an arm at random with probability epsilon, else the greedy one."""
    def choose(estimates, counts, t, rng):
        explore = rng.random(len(estimates)) < epsilon
        return np.where(explore, rng.integers(estimates.shape[1], size=len(estimates)),
                        greedy(estimates, rng))
    return choose


def ucb_bonus(counts, t, c):
    """UCB's bonus (2.10), c sqrt(ln t / N(a)); infinite for an unplayed arm: it goes first."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, np.asarray(c)[..., None] * np.sqrt(np.log(t) / counts),
                        np.inf)


def ucb(c):
    """UCB (2.10): the arm with the largest estimate plus its bonus."""
    return lambda estimates, counts, t, rng: greedy(estimates + ucb_bonus(counts, t, c), rng)


# ===== Figure 2.6: a parameter study =============================================================
# Curve: (its parameter, the exponents of 2 it takes). The book's four, on its grid; the article's
# actor at every other power of 2 from 1/1024 (about the article's 0.001) to 1/4.
STUDY = {"epsilon-greedy": ("epsilon", range(-7, -1)),
         "gradient bandit": ("alpha, with baseline", range(-5, 2)), "UCB": ("c", range(-4, 3)),
         "optimistic greedy": ("Q0, alpha 0.1", range(-2, 3)),
         "article's actor": ("Adam's learning rate", range(-10, -1, 2)),
         "article's actor with baseline": ("Adam's learning rate", range(-10, -1, 2))}
STUDY_COLORS = ("tab:red", "tab:green", "tab:blue", "black", "tab:purple", "tab:orange")


def power_of_two(exponent):
    """2**exponent as the book writes it: 1/16, 1, 4."""
    return f"1/{2 ** -exponent}" if exponent < 0 else f"{2 ** exponent}"


def parameter_study(runs=2000, steps=1000, seed=0, progress=lambda run_steps: None):
    """Per curve of STUDY and value of its parameter, each run's average reward, (values, runs),
    on the same testbeds: the action-value methods' arm's mean, the actors' sum_a pi_t(a) q*(a).
    The actors train in threads beside NumPy's loops: XLA runs outside Python's lock."""
    true_values = np.random.default_rng(seed).normal(0.0, 1.0, size=(runs, 10))
    study = {}

    def actor_curve(name, kind):
        """A Trainer of `kind` for the curve, trained once per learning rate."""
        trainer, averages = db.Trainer(runs, 10, **kind), []
        for exponent in STUDY[name][1]:
            histories = trainer.train(true_values, steps=steps, seed=seed, on_progress=progress,
                                      learning_rate=2.0 ** exponent)
            averages.append(np.einsum("rta,ra->r", histories[:, :steps], true_values) / steps)
        study[name] = np.array(averages)

    threads = [threading.Thread(target=actor_curve, args=curve) for curve in (
        ("gradient bandit", dict(hidden_layers=0, optimizer="sgd", baseline=including_this_reward)),
        ("article's actor", {}), ("article's actor with baseline", dict(baseline=True)))]
    for thread in threads:
        thread.start()
    # The action-value methods: all values of a parameter at once, a copy of the testbeds each.
    methods = {"epsilon-greedy": lambda value: dict(choose=epsilon_greedy(value)),
               "UCB": lambda value: dict(choose=ucb(value)),
               # Greedy is epsilon-greedy with epsilon 0; optimism is its first estimates.
               "optimistic greedy": lambda value: dict(choose=epsilon_greedy(0.0), initial=value,
                                                       step_size=0.1)}
    for index, (name, options) in enumerate(methods.items()):
        exponents = STUDY[name][1]
        testbeds = np.tile(true_values, (len(exponents), 1))
        played = play_action_values(testbeds, steps, [seed, index],
                                    progress=progress,
                                    **options(2.0 ** np.repeat(np.array(exponents), runs)))
        averages = testbeds[np.arange(len(testbeds))[:, None], played].mean(axis=1)
        study[name] = averages.reshape(len(exponents), runs)
    for thread in threads:
        thread.join()
    return {name: study[name] for name in STUDY}


def peak(averages):
    """The index of the best value, its mean over runs and standard error."""
    means = averages.mean(axis=1)
    best = int(np.argmax(means))
    return best, means[best], averages[best].std(ddof=1) / np.sqrt(averages.shape[1])


def plot_figure_2_6(study, runs, steps):
    """Average reward against each method's parameter, log2 axis, bars of a standard error."""
    fig, ax = plt.subplots(figsize=(9, 6), layout="constrained")
    for (name, averages), color in zip(study.items(), STUDY_COLORS):
        parameter, exponents = STUDY[name]
        means = averages.mean(axis=1)
        errors = averages.std(axis=1, ddof=1) / np.sqrt(runs)
        ax.errorbar(2.0 ** np.array(exponents), means, errors, color=color,
                    marker="o", markersize=3, capsize=2,
                    linestyle="--" if name == "article's actor with baseline" else "-",
                    label=f"{name} ({parameter})")
    exponents = range(-10, 3)
    ax.set_xscale("log", base=2)
    ax.set_xticks(2.0 ** np.array(exponents), [power_of_two(e) for e in exponents])
    ax.set(xlabel="epsilon, alpha, c, Q0, or Adam's learning rate (log scale)",
           ylabel=f"average reward over the first {steps:,} steps",
           title="Sutton & Barto's Figure 2.6, redrawn: a parameter study on the 10-armed "
           f"testbed,\nq*(a) ~ Normal(0, 1), {runs:,} runs; bars: one standard error either side")
    ax.legend(loc="lower center", fontsize="small")
    ax.grid(True, alpha=0.3)
    return fig


def figure_2_6(args):
    """Run the parameter study, print each point and each curve's peak; returns the figure."""
    points = sum(len(exponents) for _, exponents in STUDY.values())
    print(f"Sutton & Barto's Figure 2.6: {args.runs:,} runs x {args.steps:,} steps x {points}")
    study = parameter_study(args.runs, args.steps, args.seed,
                            progress_adder(points * args.runs * args.steps))
    exponents = range(-10, 3)
    db.print_table(f"Average reward over the first {args.steps:,} steps, mean over runs",
                   [("method", -30)] + [(power_of_two(e), 6) for e in exponents],
                   [(name, *(f"{averages[list(STUDY[name][1]).index(e)].mean():.3f}"
                             if e in STUDY[name][1] else "" for e in exponents))
                    for name, averages in study.items()], [""])
    for name, averages in study.items():
        best, mean, error = peak(averages)
        print(f"peak {name}: {mean:.3f} +- {error:.3f} at {power_of_two(STUDY[name][1][best])}")
    return {"sutton_barto_figure_2_6.png": (plot_figure_2_6, study, args.runs, args.steps)}


def parse_args(argv=None):  # a bad value exits with status 2 before any work
    parser = db.ArgumentParser(description="Sutton & Barto's Figure 2.5 or 2.6, redrawn with the "
                               "article's update; writes sutton_barto_figure_2_X.png.",
                               allow_abbrev=False)
    parser.add_argument("--figure", choices=("2.5", "2.6"), default="2.5",
                        help="which figure (default: 2.5)")
    add_run_arguments(parser, steps=1000, runs=2000, per="curve or point, a testbed each")
    db.add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.figure == "2.6" and args.runs < 2:
        parser.error("Figure 2.6 needs 2 runs or more, for its standard errors")
    try:  # Figure 2.6 trains three actors' curves at once
        db.check_memory(args.runs, args.steps, 30 if args.figure == "2.6" else 10)
    except db.BadValue as error:
        parser.error(str(error))
    return args


def main(argv=None):
    args = parse_args(argv)
    return db.run(args, figure_2_6 if args.figure == "2.6" else figure_2_5)


if __name__ == "__main__":
    db.command(main)
