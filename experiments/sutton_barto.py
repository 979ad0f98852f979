"""Sutton & Barto's chapter 2, redrawn with the article's update: Figures 2.5 and 2.6.

With no hidden layer and plain SGD, the article's actor *is* the gradient bandit of Sutton & Barto
(Reinforcement Learning: An Introduction, 2nd ed., section 2.8). The output kernel (input 1, no
bias) holds a preference H(a) per arm, pi = softmax(H), and one SGD step on the pseudo-loss
-(R - b) log pi(A) with learning rate alpha is their equation (2.12):

    H(a) <- H(a) + alpha (R - b) (1{a = A} - pi(a))    for every arm a

Figure 2.5 runs it on 10-armed testbeds, q*(a) ~ Normal(4, 1) per run, rewards Normal(q*(A), 1),
alpha 0.1 and 0.4, with and without the baseline b. Here each curve's runs train at once, each on
a testbed of its own, beside the article's actor and two other baselines.

Figure 2.6 is the chapter's parameter study on testbeds with q*(a) ~ Normal(0, 1): each method's
average reward over its first 1,000 steps against its parameter. The book's four methods are here:
epsilon-greedy, UCB and greedy with optimistic initial values (action-value methods, in NumPy:
below) and the gradient bandit (the article's update, as above); beside them, the article's actor
with Adam, its learning rate as the parameter.

    python -m experiments.sutton_barto [--figure 2.6] [--runs 2000] [--steps 1000] [--seed 0]
"""

import threading

import numpy as np

import discrete_bandit as db
from experiments import progress_adder


def including_this_reward(reward, average, count):
    """The baseline of the book's figures: the average reward *including* this step's, where the
    book's text and --baseline take the earlier rewards only. It shrinks each update by (1 -
    1/t), and makes the first one zero."""
    return average + (reward - average) / (count + 1.0)


def earlier_rewards_from_zero(reward, average, count):
    """The average of earlier rewards, but 0 at the first step, where the book's text takes the
    first reward: so the first arm played gets a push of alpha * R."""
    return average


def gradient_bandit(alpha, baseline):
    """train_runs() arguments for Sutton & Barto's gradient bandit: a bias-only actor, plain SGD."""
    return dict(learning_rate=alpha, baseline=baseline, hidden_layers=0, optimizer="sgd")


# ===== Figure 2.5: the gradient bandit, with and without a baseline ==============================
# The curves, key: (label, line style, train_runs() arguments); the book's four have (alpha, b?).
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
    "text": ("alpha = 0.4, baseline of earlier rewards, R1 at step 1 (the book's text; "
             "--baseline)", dict(color="tab:brown", linestyle=":"), gradient_bandit(0.4, True)),
    "from zero": ("alpha = 0.4, baseline of earlier rewards, 0 at step 1",
                  dict(color="tab:brown", linestyle="-."),
                  gradient_bandit(0.4, earlier_rewards_from_zero)),
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
    fig, ax = db.plt.subplots(figsize=(9, 7))
    for key, curve in curves.items():
        label, style, _ = CURVES[key]
        ax.plot(np.arange(1, len(curve) + 1), 100 * curve, label=label, **style)
    ax.set(xlabel="steps", ylabel="% optimal action (mean over runs of pi_t(optimal arm))",
           ylim=(0, 100), title="Sutton & Barto's Figure 2.5, redrawn: the gradient bandit on the"
           f"\n10-armed testbed, q*(a) ~ Normal(4, 1), {runs:,} runs")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1, fontsize="small")
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
    width = max(len(label) for label, *_ in CURVES.values())
    db.print_table("", [("% optimal action at step", -width)] + [(f"{t:,}", 7) for t in at],
                   [(CURVES[key][0], *(f"{100 * curve[t - 1]:.1f}" for t in at))
                    for key, curve in curves.items()],
                   ["% optimal action: mean over runs of pi_t(optimal arm)."])
    return {"sutton_barto_figure_2_5.png": (plot_figure_2_5, curves, args.runs)}


# ===== The book's action-value methods, in NumPy ================================================
# Each keeps an estimate Q(a) of every arm's mean and a count N(a) of its plays, per run, and picks
# an arm from them; the runs play at once, as rows of arrays. Their choices are deterministic
# given the estimates but for ties, broken at random, and epsilon-greedy's exploring.


def play_action_values(true_values, steps, seed, choose, initial=0.0, step_size=None,
                       stddev=1.0, progress=lambda run_steps: None):
    """Play `steps` steps of each row's bandit, true_values (runs, arms), with rewards
    Normal(true value, stddev). `choose(estimates, counts, t, rng)` picks each run's arm at step
    t = 1, 2, ...; the estimates start at `initial` (one for all, or one per run) and move by
    sample averages, or by a constant `step_size`. Returns the arms played, (runs, steps)."""
    rng = np.random.default_rng(seed)
    runs, arms = true_values.shape
    rows = np.arange(runs)
    estimates = np.repeat(np.broadcast_to(np.asarray(initial, float), runs)[:, None], arms, 1)
    counts = np.zeros((runs, arms))
    played, reported = np.empty((runs, steps), np.int64), 0
    for t in range(1, steps + 1):
        arm = choose(estimates, counts, t, rng)
        reward = rng.normal(true_values[rows, arm], stddev)
        counts[rows, arm] += 1
        estimates[rows, arm] += (reward - estimates[rows, arm]) * (
            step_size if step_size is not None else 1 / counts[rows, arm])
        played[:, t - 1] = arm
        if t % db.CHUNK == 0 or t == steps:
            progress(runs * (t - reported))
            reported = t
    return played


def greedy(values, rng):
    """Per row, the column of the largest value; ties broken at random."""
    return np.argmax((values == values.max(axis=1, keepdims=True)) * rng.random(values.shape),
                     axis=1)


def epsilon_greedy(epsilon):
    """Epsilon-greedy (2.2): an arm at random with probability epsilon (one per run, or one for
    all), else the greedy one."""
    def choose(estimates, counts, t, rng):
        explore = rng.random(len(estimates)) < epsilon
        return np.where(explore, rng.integers(estimates.shape[1], size=len(estimates)),
                        greedy(estimates, rng))
    return choose


def ucb_bonus(counts, t, c):
    """Upper-confidence-bound action selection's bonus (2.10), c sqrt(ln t / N(a)); infinite for
    an arm not yet played, which is played first."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, np.asarray(c)[..., None] * np.sqrt(np.log(t) / counts),
                        np.inf)


def ucb(c):
    """UCB (2.10): the arm with the largest estimate plus its bonus."""
    return lambda estimates, counts, t, rng: greedy(estimates + ucb_bonus(counts, t, c), rng)


# ===== Figure 2.6: a parameter study =============================================================
# Curve: (its parameter, the exponents of 2 it takes). The book's four, on its grid; the article's
# actor at every other power of 2 from 1/1024 (about the article's 0.001) to 1/4.
STUDY = {
    "epsilon-greedy": ("epsilon", range(-7, -1)),
    "gradient bandit": ("alpha, with baseline", range(-5, 2)),
    "UCB": ("c", range(-4, 3)),
    "optimistic greedy": ("Q0, alpha 0.1", range(-2, 3)),
    "article's actor": ("Adam's learning rate", range(-10, -1, 2)),
    "article's actor with baseline": ("Adam's learning rate", range(-10, -1, 2)),
}
STUDY_STYLES = {"epsilon-greedy": "tab:red", "gradient bandit": "tab:green", "UCB": "tab:blue",
                "optimistic greedy": "black", "article's actor": "tab:purple",
                "article's actor with baseline": "tab:orange"}


def power_of_two(exponent):
    """2**exponent as the book writes it: 1/16, 1, 4."""
    return f"1/{2 ** -exponent}" if exponent < 0 else f"{2 ** exponent}"


def parameter_study(runs=2000, steps=1000, seed=0, progress=lambda run_steps: None):
    """Sutton & Barto's Figure 2.6: per curve of STUDY and per value of its parameter, each run's
    average reward over its steps, (values, runs). Every curve plays the same testbeds, q*(a) ~
    Normal(0, 1). The action-value methods count the mean of the arm they play, the actors the
    expected reward of their policy, sum_a pi_t(a) q*(a): each the expected reward of the step,
    given what came before. Each actor's curve trains in a thread of its own, beside NumPy's
    loops: XLA runs outside Python's lock, and each curve is a kind of population of its own."""
    true_values = np.random.default_rng(seed).normal(0.0, 1.0, size=(runs, 10))
    study = {}

    def actor_curve(name, options):
        """`options(value)`: the train_runs() arguments for each value of the curve's parameter."""
        averages = []
        for exponent in STUDY[name][1]:
            histories = db.train_runs(true_values, runs, steps=steps, seed=seed,
                                      on_progress=progress, **options(2.0 ** exponent))
            averages.append(np.einsum("rta,ra->r", histories[:, :steps], true_values) / steps)
        study[name] = np.array(averages)

    threads = [threading.Thread(target=actor_curve, args=curve) for curve in (
        ("gradient bandit", lambda alpha: gradient_bandit(alpha, including_this_reward)),
        ("article's actor", lambda rate: dict(learning_rate=rate)),
        ("article's actor with baseline", lambda rate: dict(learning_rate=rate, baseline=True)))]
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


def plot_figure_2_6(study, runs, steps, path):
    """Sutton & Barto's Figure 2.6, redrawn: average reward against each method's parameter, on
    a log2 axis, each point with a bar of one standard error either side."""
    fig, ax = db.plt.subplots(figsize=(9, 6))
    for name, averages in study.items():
        parameter, exponents = STUDY[name]
        means = averages.mean(axis=1)
        errors = averages.std(axis=1, ddof=1) / np.sqrt(runs)
        ax.errorbar(2.0 ** np.array(exponents), means, errors, color=STUDY_STYLES[name],
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
    fig.tight_layout()
    return db.save_figure(fig, path)


def figure_2_6(args):
    """Run the parameter study, print each point and each curve's peak; returns the figure."""
    points = sum(len(exponents) for _, exponents in STUDY.values())
    print(f"Sutton & Barto's Figure 2.6: {args.runs:,} runs x {args.steps:,} steps x {points} "
          "points")
    study = parameter_study(args.runs, args.steps, args.seed,
                            progress_adder(points * args.runs * args.steps))
    exponents = range(-10, 3)
    db.print_table(f"Average reward over the first {args.steps:,} steps, mean over runs",
                   [("method", -30)] + [(power_of_two(e), 6) for e in exponents],
                   [(name, *(f"{averages[list(STUDY[name][1]).index(e)].mean():.3f}"
                             if e in STUDY[name][1] else "" for e in exponents))
                    for name, averages in study.items()],
                   [])
    print()
    for name, averages in study.items():
        best, mean, error = peak(averages)
        print(f"peak {name}: {mean:.3f} +- {error:.3f} at {power_of_two(STUDY[name][1][best])}")
    return {"sutton_barto_figure_2_6.png": (plot_figure_2_6, study, args.runs, args.steps)}


def parse_args(argv=None):
    """Parse and check the command line; a bad value exits with status 2 before any work."""
    parser = db.ArgumentParser(description="Sutton & Barto's Figure 2.5 (the gradient bandit on "
                               "10-armed testbeds) with the article's update, or their Figure "
                               "2.6 (a parameter study of the chapter's methods and the "
                               "article's actor); writes sutton_barto_figure_2_5.png or "
                               "sutton_barto_figure_2_6.png.")
    parser.add_argument("--figure", choices=("2.5", "2.6"), default="2.5",
                        help="which figure (default: 2.5)")
    parser.add_argument("--runs", type=int, default=2000,
                        help="runs per curve or point, each on a testbed of its own (default: "
                        "the book's 2000)")
    parser.add_argument("--steps", type=int, default=1000, help="steps per run (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the testbeds and the runs "
                        "(default: 0)")
    db.add_output_arguments(parser)
    args = parser.parse_args(argv)
    with parser.refusing_bad_values():
        db.check_arguments(runs=args.runs, steps=args.steps, seed=args.seed)
        if args.figure == "2.6":
            db.check_range("runs", args.runs, 2)  # a point's standard error needs two
        db.check_history_size(args.runs * (args.steps + 1) * 10)  # one curve's at a time
    return args


def main(argv=None):
    args = parse_args(argv)
    return db.run(args, figure_2_6 if args.figure == "2.6" else figure_2_5)


if __name__ == "__main__":
    db.command(main)
