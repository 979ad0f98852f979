"""Tests for experiments/contextual.py: with one context it is the article's bandit, run for run;
falls are found as they happen; the command's table and figure; bad input refused."""

import re

import matplotlib
import numpy as np
import pytest

import discrete_bandit as db
from conftest import PNG_MAGIC, assert_refused
from experiments import contextual

matplotlib.use("Agg")


def test_with_one_context_the_contextual_actor_is_the_articles_actor_run_for_run(trainer):
    # One context: its one-hot state is the article's 1 and its row of means the article's
    # bandit; the contexts come from generators of their own, so the steps draw the same arms
    # and rewards as train_runs' (across a boundary of the compiled loop's calls). The
    # experiment sums exp(log pi) over the best arm, the script keeps pi: 1 ulp apart at most.
    result = contextual.train_contextual([[1.0, 2.0, 3.0, 4.0]], 10, steps=db.STEPS_PER_CALL + 100,
                                         seed=3)
    policies = trainer.train([1.0, 2.0, 3.0, 4.0], steps=db.STEPS_PER_CALL + 100, seed=3)
    np.testing.assert_allclose(result.p_best[:, :, 0], policies[:, :, 3], rtol=1e-6)


def test_falls_are_found_with_their_length_return_and_largest_drop():
    # One run, two contexts; context 0's p(best) rises above 0.99, falls below 0.5 in two steps,
    # comes back, falls again and stays down. Context 1 never falls.
    p_best = np.array([0.5, 0.995, 0.995, 0.9, 0.3, 0.2, 0.999, 0.4, 0.4])
    margin = np.log(p_best / (1 - p_best))  # two arms: the margin is the log-odds
    found = contextual.falls(np.stack([p_best, np.full(9, 0.999)], -1)[None],
                             np.stack([margin, np.full(9, 7.0)], -1)[None])
    assert [(f.run, f.context, f.step, f.steps, f.back) for f in found] == [
        (0, 0, 4, 2, 6), (0, 0, 7, 1, None)]
    np.testing.assert_allclose([f.drop for f in found],  # the largest fall of a step: 0.995 to 0.9
                               [margin[2] - margin[3], margin[6] - margin[7]], rtol=1e-6)


def test_the_command_prints_the_table_and_draws_its_figure(tmp_path, capsys):
    # Two contexts, [0, 1] and [1, 0], 2,000 steps: every arm's mean over the contexts is 0.5.
    # Measured (seed 0): the contextual actor's expected reward at the end 0.933 +- 0.024, 18
    # standard errors above 0.5 (seeds 1, 2: 15, 15); the textbook's run-contexts all on their
    # best arm. Asked: 10 standard errors, and all.
    argv = ["--means", "0", "1", "--means", "1", "0", "--steps", "2000", "--out", str(tmp_path)]
    assert contextual.main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"Wrote {tmp_path / 'contextual.png'}"
    assert (tmp_path / "contextual.png").read_bytes().startswith(PNG_MAGIC)
    assert "the optimum 1, the best single arm 0.5" in out
    rows = {match[0]: match[1:] for match in re.findall(
        r"^(\S+) +(\S+) \+- (\S+) +(\S+) +(\d+)/20 ", out, re.MULTILINE)}
    assert set(rows) == set(contextual.ACTORS)
    aware, aware_error = map(float, rows["contextual"][:2])
    assert aware > 0.5 + 10 * aware_error
    assert rows["textbook"][3] == "20"


@pytest.mark.parametrize("argv", [
    ["--means", "1", "2", "--means", "1", "2", "3"],  # contexts with different numbers of arms
    ["--means", "1"],  # a context of one arm
    [arg for _ in range(11) for arg in ("--means", "1", "2")],  # 11 contexts
    ["--means", "1", "nan"], ["--stddev", "-1"], ["--steps", "0"], ["--runs", "0"],
    ["--learning-rate", "0"], ["--optimizer", "rmsprop"],
    ["--runs", "1000", "--steps", "1000000"],  # the memory guard
])
def test_bad_input_gets_one_line_exit_2_and_nothing_written(argv, tmp_path, capsys):
    out = tmp_path / "figs"
    assert_refused(contextual.main, [*argv, "--out", str(out)], capsys, out)
