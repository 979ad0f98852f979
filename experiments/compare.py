"""A bit of fine-tuning: one knob's values side by side, with the same runs for every value.

Trains every setting once per value of one knob, prints the best arm's probability per setting
and value, and writes compare_<knob>.png: a panel per setting, a line per value, and for a knob of
numbers a parameter study (each setting's run average of p(best) against the value). Every option
of discrete_bandit.py applies to all values.

    python -m experiments.compare KNOB [VALUE ...] [--means M ...] [--runs N] [--steps N]
"""

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.ticker import MaxNLocator

import discrete_bandit as db
from experiments import mean_and_error
from experiments.sutton_barto import including_this_reward

# Knob: (train_settings() argument, the values compared when none are given).
KNOBS = {"learning-rate": ("learning_rate", None), "stddev": ("stddev", None),
         "hidden-layers": ("hidden_layers", None), "optimizer": ("optimizer", db.OPTIMIZERS),
         "baseline": ("baseline", ("none", "previous"))}
BASELINES = {"none": (False, "no baseline"),
             "previous": (True, "baseline: the average of earlier rewards (--baseline)"),
             "including": (including_this_reward, "baseline: the average reward, this one too")}
MAX_COMPARED = 10  # values of one knob: one colour each
MAX_BANDS = 3  # percentile bands per panel: more pile up into one wash of colour
STUDY_MARKERS = "osD^v<>pPX"  # a marker per setting in the parameter study, in black


def compare(args):
    """Train every setting per value of the knob, print a table; returns the figure to draw."""
    name = KNOBS[args.knob][0]
    options = {db_name: getattr(args, db_name) for db_name in db.TRAINING}
    trainers = {}  # values that keep the kind of actor (a learning rate) train the same Trainers
    by_value = {value: db.train_settings(args.means, label=f", {args.knob} {value}",
                                         trainers=trainers, **{
        **options, name: BASELINES[value][0] if args.knob == "baseline" else value})
        for value in args.values}
    # Per setting: (means, {value: policies}).
    comparison = [(means, {value: by_value[value][index][1] for value in args.values})
                  for index, means in enumerate(args.means)]
    rows = []
    for means, results in comparison:
        first = None  # the first value's run averages, run by run
        for value, policies in results.items():
            p_best = db.best_arm_probability(policies, means)
            curve, run_averages = p_best.mean(axis=0), p_best.mean(axis=1)
            first = run_averages if first is None else first
            ends_best = np.isin(policies[:, -1].argmax(1), db.best_arms(means)).sum()
            rows.append((db.format_means(means), f"{value:g}" if isinstance(value, float) else
                         value, *(f"{curve[(len(curve) - 1) * t // 10]:.3f}" for t in (1, 5, 10)),
                         mean_and_error(run_averages), "" if run_averages is first else
                         mean_and_error(run_averages - first, sign="+"), f"{ends_best}/{args.runs}",
                         ))
    db.print_table(f"Probability of the best arm(s) by {args.knob}, mean of {args.runs} run(s)",
                   [("setting", -28), (args.knob, 14), ("10% of steps", 12), ("halfway", 8),
                    ("final", 8), ("run average", 15), ("vs the first", 16),
                    ("best most likely", 17)], rows,
                   ["run average: p(best) averaged over the steps, mean over runs +- standard "
                    "error.", f"vs the first: the run averages minus those of the first {args.knob}"
                    " value, run by run (the same runs), mean +- standard error.",
                    db.BEST_MOST_LIKELY])
    return {f"compare_{name}.png": (plot_comparison, args.knob, comparison)}


def plot_curve(ax, values, color, label, with_band=True):
    """The mean over runs of `values` (runs, steps + 1), and its 10-90% band."""
    steps, values = db.every_few_steps(values)
    ax.plot(steps, values.mean(axis=0), color=color, label=label)
    if len(values) > 1 and with_band:
        ax.fill_between(steps, *np.percentile(values, [10, 90], axis=0), color=color, alpha=0.15,
                        linewidth=0)
    ax.set(ylim=(0, 1), xlabel="training step")


def plot_comparison(knob, comparison):
    """p(best arm) over training, a panel per setting and a line per value; the parameter study."""
    values = list(comparison[0][1])
    runs = len(comparison[0][1][values[0]])
    numeric, bands = knob not in ("optimizer", "baseline"), len(values) <= MAX_BANDS
    scale = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(values)))  # many numbers: in order
    colors = {value: scale[rank] if numeric and not bands else f"C{rank}"
              for rank, value in enumerate(sorted(values) if numeric else values)}
    note = "one run" if runs == 1 else f"{runs} runs: mean" + " and 10-90th percentile band" * bands
    fig, axes = db.panels(len(comparison) + numeric,
                          f"Probability of the best arm(s) by {knob}\n{note}")
    for ax, (means, by_value) in zip(axes, comparison):
        for value in colors:  # numbers from the smallest, as the parameter study
            plot_curve(ax, db.best_arm_probability(by_value[value], means), colors[value],
                          BASELINES[value][1] if knob == "baseline" else f"{knob} {value}",
                          with_band=bands)
        ax.axhline(len(db.best_arms(means)) / len(means), color="gray", linestyle=":",
                   label="uniform start")
        ax.set(ylabel="probability of the best arm(s)", title=f"means = {db.format_means(means)}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
               ncol=min(4, len(values) + 1))
    if numeric:
        plot_parameter_study(axes[-1], knob, comparison)
    return fig


def plot_parameter_study(ax, knob, comparison):
    """Each setting's run average of p(best), over the runs and steps, against the knob's value."""
    values = sorted(comparison[0][1])
    for index, (means, by_value) in enumerate(comparison):
        averages = [db.best_arm_probability(by_value[value], means).mean() for value in values]
        ax.plot(values, averages, color="black", linewidth=1, markersize=5,
                marker=STUDY_MARKERS[index % len(STUDY_MARKERS)], label=db.format_means(means))
    if knob == "learning-rate":
        ax.set_xscale("log")
    if knob == "hidden-layers":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=knob, ylim=(0, 1), ylabel="run average of p(best)",
           title=f"Parameter study: p(best) over the run, by {knob}")
    ax.legend(loc="best", fontsize="small")


def parse_args(argv=None):
    """discrete_bandit.py's command line, and the knob with its values."""
    parser = db.build_parser(usage="%(prog)s KNOB [VALUE ...] [options]",
                             description="Train every setting once per value of one knob, with "
                             "the same runs; print a table and write compare_<knob>.png.")
    parser.add_argument("knob", choices=KNOBS, help="what to compare")
    parser.add_argument("values", metavar="VALUE", nargs="*",
                        help=f"1 to {MAX_COMPARED} values of the knob; without any, optimizer "
                        "compares adam and sgd, baseline none and previous (--baseline's); "
                        f"baseline's values: {', '.join(BASELINES)}")
    args = db.parse_args(argv, parser)
    name, default = KNOBS[args.knob]
    try:
        if args.knob in ("optimizer", "baseline"):
            choices = db.OPTIMIZERS if args.knob == "optimizer" else BASELINES
            values = args.values or list(default)
            if not set(values) <= set(choices):
                raise db.BadValue(f"{args.knob}'s values are {', '.join(choices)}, got {values}")
        else:
            values = [db.checked(name, text) for text in args.values]
        if not 1 <= len(set(values)) == len(values) <= MAX_COMPARED:
            raise db.BadValue(f"{args.knob} takes 1 to {MAX_COMPARED} different values, got "
                              f"{args.values}")
        if getattr(args, name) != parser.get_default(name):
            raise db.BadValue(f"the {args.knob} is what this compares: drop --{args.knob}")
        if args.knob == "stddev":
            for means in args.means:
                db.check_bandit(means, max(values))
        db.check_memory(args.runs, args.steps, len(values) * sum(map(len, args.means)),
                        max(values) if args.knob == "hidden-layers" else args.hidden_layers)
    except db.BadValue as error:
        parser.error(str(error))
    args.values = values
    return args


def main(argv=None):
    return db.run(parse_args(argv), compare)


if __name__ == "__main__":
    db.command(main)
