"""Tests for experiments/compare.py: one knob's values side by side, the table's numbers, the
figure with its parameter study, and the refusals."""

import matplotlib
import numpy as np
import pytest

import discrete_bandit as db
from conftest import assert_refused
from experiments import compare
from test_discrete_bandit import PNG_MAGIC, assert_readable, table_rows, warnings_are_errors

matplotlib.use("Agg")


def test_a_table_row_is_the_best_arms_probability_of_the_runs_train_runs_trains(tmp_path,
                                                                                capsys):
    argv = ["learning-rate", "0.001", "0.1", "0.01", "--means", "0", "1", "2", "3", "--means",
            "3", "2", "1", "0", "--steps", "300", "--runs", "3", "--out", str(tmp_path)]
    assert compare.main(argv) == 0
    assert [path.name for path in tmp_path.iterdir()] == ["compare_learning_rate.png"]
    assert (tmp_path / "compare_learning_rate.png").read_bytes().startswith(PNG_MAGIC)
    rows = table_rows(capsys.readouterr().out)
    assert [(setting, columns[0]) for setting, columns in rows] == [
        (setting, rate) for setting in ("[0, 1, 2, 3]", "[3, 2, 1, 0]")
        for rate in ("0.001", "0.1", "0.01")]
    # Setting [0, 1, 2, 3] at 0.1: the best arm's probability, the mean of the runs: at 10% of
    # the steps, halfway, at the end; the run average (mean over steps) per run, its mean and
    # standard error, and its paired difference from the first value's (0.001); then runs that
    # ended on a best arm, and dead runs.
    first = db.train_runs([0, 1, 2, 3], 3, steps=300, learning_rate=0.001)[:, :, 3]
    histories = db.train_runs([0, 1, 2, 3], 3, steps=300, learning_rate=0.1)
    p_best = histories[:, :, 3]
    curve, averages = p_best.mean(axis=0), p_best.mean(axis=1)
    difference = averages - first.mean(axis=1)
    assert rows[1][1] == [
        "0.1", *(f"{p:.3f}" for p in (curve[30], curve[150], curve[300])),
        f"{averages.mean():.3f}", "+-", f"{averages.std(ddof=1) / np.sqrt(3):.3f}",
        f"{difference.mean():+.3f}", "+-", f"{difference.std(ddof=1) / np.sqrt(3):.3f}",
        f"{np.sum(histories[:, -1].argmax(axis=1) == 3)}/3",
        f"{db.dead_runs(0, 3).sum()}/3"]
    assert len(rows[0][1]) == len(rows[1][1]) - 3  # the first value has no difference


def test_with_no_values_baseline_compares_none_with_the_baselines_own(tmp_path, capsys):
    # --baseline's is "previous": the final p(best) of each is what train_runs gives with
    # baseline False and True.
    argv = ["baseline", "--means", "4", "4.5", "5", "5.5", "--steps", "500", "--out",
            str(tmp_path)]
    assert compare.main(argv) == 0
    rows = table_rows(capsys.readouterr().out)
    assert [(setting, columns[0]) for setting, columns in rows] == [
        ("[4, 4.5, 5, 5.5]", "none"), ("[4, 4.5, 5, 5.5]", "previous")]
    for (_, columns), baseline in zip(rows, (False, True)):
        final = db.train_runs([4, 4.5, 5, 5.5], 10, steps=500, baseline=baseline)[:, -1, 3]
        assert columns[3] == f"{final.mean():.3f}"
    assert (tmp_path / "compare_baseline.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize(
    "knob, values, settings",
    [
        ("learning-rate", [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0], 1),  # the most
        ("hidden-layers", [0, 1, 2, 3, 4], 5),
        ("baseline", ["none", "previous", "including"], 3),
    ],
)
def test_comparison_figures_are_readable(knob, values, settings, tmp_path):
    rng = np.random.default_rng(len(values))
    comparison = []
    for index in range(settings):
        means = list(rng.normal(size=2 + index * 2))  # 2 to 10 arms
        histories = rng.dirichlet(np.ones(len(means)), size=(10, 101)).astype(np.float32)
        comparison.append((means, {value: (histories, np.arange(10) < 2) for value in values}))
    with warnings_are_errors():
        fig = compare.plot_comparison(knob, comparison, tmp_path / "compare.png")
    assert_readable(fig)
    # A panel per setting, and for a knob of numbers the parameter study; percentile bands for
    # up to MAX_BANDS values, more would pile up.
    numeric = knob != "baseline"
    assert sum(ax.get_visible() for ax in fig.axes) == settings + numeric
    bands = sum(len(ax.collections) for ax in fig.axes)
    assert bands == (settings * len(values) if len(values) <= compare.MAX_BANDS else 0)
    if numeric:
        # A line per setting: each value's run average of p(best), the mean over runs and steps.
        study = fig.axes[settings]
        assert len(study.lines) == settings
        for line, (means, by_value) in zip(study.lines, comparison):
            assert list(line.get_xdata()) == sorted(values)
            expected = [db.best_arm_probability(by_value[v][0], means).mean()
                        for v in sorted(values)]
            np.testing.assert_allclose(line.get_ydata(), expected)
        assert study.get_xscale() == ("log" if knob == "learning-rate" else "linear")
    # The figure's legend: one entry per value and the uniform start, below every panel.
    (legend,) = fig.legends
    assert len(legend.get_texts()) == len(values) + 1
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("argv", [
    [],
    ["speed", "1", "2"],
    ["learning-rate"],  # numbers need values
    ["stddev"],
    ["learning-rate", "0"],
    ["learning-rate", "0.01", "-0.1"],
    ["learning-rate", "fast"],
    ["learning-rate", "0.01", "0.01"],
    ["learning-rate", *[str(k / 100) for k in range(1, compare.MAX_COMPARED + 2)]],
    ["learning-rate", "0.01", "0.1", "--learning-rate", "0.5"],  # the knob, set twice
    ["stddev", "-1", "1"],
    ["stddev", "1", "2", "--stddev", "3"],
    ["hidden-layers", "2.5"],
    ["hidden-layers", "1", "11"],
    ["optimizer", "rmsprop"],
    ["baseline", "sometimes"],
    ["baseline", "--baseline"],
    ["optimizer", "--eager"],  # the article's loop trains with Adam only
    ["learning-rate", "0.01", "0.1", "--means", "1"],  # the script's own checks apply
    ["stddev", "1", "2", "--means", "1", "2", "--steps", "20000000", "--runs", "4"],  # 2.4 GiB
])
def test_bad_input_gets_one_line_exit_2_and_nothing_written(argv, tmp_path, capsys):
    out = tmp_path / "figs"
    assert_refused(compare.main, [*argv, "--out", str(out)], capsys, out)
