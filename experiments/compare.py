"""A bit of fine-tuning: one knob's values side by side, with the same runs for every value.

"A bit of fine-tuning and you surely will do a lot better", the article ends. This trains every
setting once per value of one knob, prints the best arm's probability over training per setting
and value, and writes compare_<knob>.png: a panel per setting, a line per value. For a knob of
numbers, one panel more is the parameter study of Sutton & Barto's Figure 2.6: each setting's run
average of p(best) (over the runs and the steps) against the knob's value.

    python -m experiments.compare KNOB [VALUE ...] [--means M ...] [--runs N] [--steps N]

Every option of discrete_bandit.py applies to all values (`--help` lists them).
"""

import math

import numpy as np

import discrete_bandit as db
from experiments import mean_and_error
from experiments.sutton_barto import including_this_reward

# Knob: (train_runs() argument, type of its values, the values compared when none are given).
KNOBS = {
    "learning-rate": ("learning_rate", float, None),
    "stddev": ("stddev", float, None),
    "hidden-layers": ("hidden_layers", int, None),
    "optimizer": ("optimizer", str, db.OPTIMIZERS),
    "baseline": ("baseline", str, ("none", "previous")),
}
BASELINES = {"none": False, "previous": True, "including": including_this_reward}
BASELINE_LABELS = {"none": "no baseline", "previous": "baseline: the average of earlier rewards "
                   "(--baseline)", "including": "baseline: the average reward, this one included"}
MAX_COMPARED = 10  # values of one knob: one colour each
MAX_BANDS = 3  # percentile bands per panel: more pile up into one wash of colour
STUDY_MARKERS = "osD^v<>pPX"  # a marker per setting in the parameter study, in black


def compare(args):
    """Train every setting per value of the knob, print a table; returns the figure to draw."""
    knob = args.knob
    by_value = {value: db.train_settings(args.means, runs=args.runs, seed=args.seed,
                                         label=f", {knob} {value}", **options)
                for value, options in zip(args.values, training_options(args))}
    # Per setting: (means, {value: (histories, dead per run)}).
    comparison = [(means, {value: by_value[value][index][1:] for value in args.values})
                  for index, means in enumerate(args.means)]
    rows = []
    for means, results in comparison:
        first = None  # the first value's run averages, run by run
        for value, (histories, dead) in results.items():
            p_best = db.best_arm_probability(histories, means)
            curve, run_averages = p_best.mean(axis=0), p_best.mean(axis=1)
            first = run_averages if first is None else first
            at = [curve[(len(curve) - 1) * tenths // 10] for tenths in (1, 5, 10)]
            rows.append((db.format_means(means),
                         f"{value:g}" if isinstance(value, float) else value,
                         *(f"{p:.3f}" for p in at), mean_and_error(run_averages),
                         "" if run_averages is first else
                         mean_and_error(run_averages - first, sign="+"),
                         f"{db.best_most_likely(histories[:, -1], means)}/{args.runs}",
                         f"{dead.sum()}/{args.runs}"))
    columns = [("setting", -28), (knob, 14), ("10% of steps", 12), ("halfway", 8), ("final", 8),
               ("run average", 15), ("vs the first", 16), ("best most likely", 17), ("dead", 5)]
    db.print_table(f"Probability of the best arm(s) by {knob}, mean of {args.runs} run(s)",
                   columns, rows,
                   ["run average: p(best) averaged over the steps, mean over runs +- standard "
                    "error.", f"vs the first: the run averages minus those of the first {knob} "
                    "value, run by run (the same runs), mean +- standard error.",
                    db.BEST_MOST_LIKELY])
    return {f"compare_{KNOBS[knob][0]}.png": (plot_comparison, knob, comparison)}


def training_options(args):
    """The train_runs() arguments for each value of the knob."""
    name = KNOBS[args.knob][0]
    return [{**db.training_options(args),
             name: BASELINES[value] if args.knob == "baseline" else value}
            for value in args.values]


def plot_comparison(knob, comparison, path):
    """p(best arm) over training, a panel per setting and a line per value of the knob. For a
    knob with numbers for values, one panel more: the parameter study of Sutton & Barto's Figure
    2.6, each setting's run average of p(best) against the value. `comparison`: see `compare`."""
    values = list(comparison[0][1])
    runs = comparison[0][1][values[0]][0].shape[0]
    numeric, bands = KNOBS[knob][1] is not str, len(values) <= MAX_BANDS
    scale = db.plt.get_cmap("viridis")(np.linspace(0, 0.9, len(values)))  # many numbers: in order
    colors = {value: scale[rank] if numeric and not bands else f"C{rank}"
              for rank, value in enumerate(sorted(values) if numeric else values)}
    panels, entries = len(comparison) + numeric, len(values) + 1  # the values, the uniform start
    columns = min(entries, 2 * min(panels, 2))  # two legend entries across each panel's width
    note = ("one run" if runs == 1 else f"{runs} runs: mean"
            + " and 10th-90th percentile band" * bands)
    fig, axes = db.panels(panels, f"Probability of the best arm(s) by {knob}\n{note}",
                          legend_rows=math.ceil(entries / columns))
    for ax, (means, by_value) in zip(axes, comparison):
        for value in colors:  # numbers from the smallest, as the parameter study
            db.plot_curve(ax, db.best_arm_probability(by_value[value][0], means), colors[value],
                          BASELINE_LABELS[value] if knob == "baseline" else f"{knob} {value}",
                          with_band=bands)
        ax.axhline(len(db.best_arms(means)) / len(means), color="gray", linestyle=":",
                   label="uniform start")
        ax.set(ylabel="probability of the best arm(s)",
               title=f"means = {db.format_means(means)}")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=columns)
    if numeric:
        plot_parameter_study(axes[-1], knob, comparison)
    return db.save_figure(fig, path)


def plot_parameter_study(ax, knob, comparison):
    """Sutton & Barto's Figure 2.6 for one knob: the run average of p(best), the mean over the
    runs and the steps, against the knob's value, a line per setting."""
    values = sorted(comparison[0][1])
    for index, (means, by_value) in enumerate(comparison):
        averages = [db.best_arm_probability(by_value[value][0], means).mean() for value in values]
        ax.plot(values, averages, color="black", linewidth=1,
                marker=STUDY_MARKERS[index % len(STUDY_MARKERS)], markersize=5,
                label=db.format_means(means))
    if knob == "learning-rate":
        ax.set_xscale("log")
    if KNOBS[knob][1] is int:
        ax.xaxis.set_major_locator(db.MaxNLocator(integer=True))
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
    name, kind, default = KNOBS[args.knob]
    wanted = f"{args.knob} takes 1 to {MAX_COMPARED} different {kind.__name__} values"
    try:
        values = [kind(text) for text in args.values] or list(default)  # TypeError: no default
    except (ValueError, TypeError):
        parser.error(f"{wanted}, got {args.values}")
    if len(set(values)) != len(values) or len(values) > MAX_COMPARED:
        parser.error(f"{wanted}, got {args.values}")
    if args.knob == "baseline" and not set(values) <= set(BASELINES):
        parser.error(f"baseline's values are {', '.join(BASELINES)}, got {args.values}")
    if getattr(args, name) != parser.get_default(name):
        parser.error(f"the {args.knob} is what this compares: drop --{args.knob}")
    args.values = values
    with parser.refusing_bad_values():
        for options in training_options(args):
            db.check_arguments(runs=args.runs, seed=args.seed, **options)
        db.check_history_size(len(values) * args.runs * (args.steps + 1) *
                              sum(map(len, args.means)))
    return args


def main(argv=None):
    return db.run(parse_args(argv), compare)


if __name__ == "__main__":
    db.command(main)
