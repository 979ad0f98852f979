"""Tests for experiments/contextual.py: with one context it is the article's bandit, bit for bit;
with several, the actor that sees the context learns each context's best arm, and the one that
does not cannot; bad input is refused."""

import re

import matplotlib
import numpy as np
import pytest

import discrete_bandit as db
from conftest import assert_refused
from experiments import contextual
from test_discrete_bandit import PNG_MAGIC, SEPARATED

matplotlib.use("Agg")


def test_with_one_context_the_contextual_actor_is_the_articles_actor_bit_for_bit():
    # One context: its one-hot state is the article's 1 and its row of means the article's
    # bandit; the contexts come from generators of their own, so the steps draw the same arms
    # and rewards as train_runs' (across a chunk boundary of the compiled loop).
    histories, dead = contextual.train_contextual([SEPARATED], 10, steps=db.CHUNK + 100, seed=3)
    assert histories.shape == (10, db.CHUNK + 101, 1, 4)
    assert np.array_equal(histories[:, :, 0], db.train_runs(SEPARATED, 10, steps=db.CHUNK + 100,
                                                            seed=3))
    assert np.array_equal(dead[:, 0], db.dead_runs(3, 10))  # run 7


def test_the_command_prints_the_table_and_the_expected_rewards_and_writes_its_figure(
        tmp_path, capsys):
    # Two contexts, [0, 1] and [1, 0], 2,000 steps. Every arm's mean over the contexts is 0.5, so
    # every context-blind policy's expected reward is. Measured (seed 0): the contextual actor's
    # expected reward at the end 0.933 +- 0.024, 18 standard errors above (seeds 1, 2: 15, 15);
    # tabular's p(best arm | context) 0.996 and 0.995. Asked: 10 standard errors, and 0.9.
    argv = ["--means", "0", "1", "--means", "1", "0", "--steps", "2000", "--out", str(tmp_path)]
    assert contextual.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"Wrote {tmp_path / 'contextual.png'}"
    assert (tmp_path / "contextual.png").read_bytes().startswith(PNG_MAGIC)
    ending = re.fullmatch(r"expected reward at the end: contextual (\S+) \+- (\S+), "
                          r"context-blind (\S+) \+- (\S+), optimum (\S+)", lines[-2])
    aware, aware_error, blind, blind_error, optimum = map(float, ending.groups())
    assert (blind, blind_error, optimum) == (0.5, 0.0, 1.0)
    assert aware > blind + 10 * aware_error
    # A row per context: its means, then p(best arm | context) per actor, mean +- error.
    rows = [line.split() for line in lines if line.split()[:1] in (["0"], ["1"])]
    assert [row[1:3] for row in rows] == [["[0,", "1]"], ["[1,", "0]"]]
    tabular = [float(row[-4]) for row in rows]
    assert min(tabular) > 0.9


@pytest.mark.parametrize("argv", [
    ["--means", "1", "2", "--means", "1", "2", "3"],  # contexts with different numbers of arms
    ["--means", "1"],  # a context of one arm
    [arg for _ in range(11) for arg in ("--means", "1", "2")],  # 11 contexts
    ["--means", "1", "nan"],
    ["--stddev", "-1"],
    ["--steps", "0"],
    ["--runs", "0"],
    ["--runs", "100000", "--steps", "100000"],  # the memory guard
])
def test_bad_input_gets_one_line_exit_2_and_nothing_written(argv, tmp_path, capsys):
    out = tmp_path / "figs"
    assert_refused(contextual.main, [*argv, "--out", str(out)], capsys, out)
