"""Tests for experiments/fit_check.py: train_on_batch (the action as y_true, the reward as
sample_weight) makes reinforce_update's update."""

import numpy as np
import pytest

from conftest import assert_refused
from experiments import fit_check


@pytest.mark.parametrize("optimizer, learning_rate", [("adam", 0.1), ("sgd", 0.5)])
def test_two_copies_trained_each_its_own_way_play_the_same_run(optimizer, learning_rate):
    # Large steps, so that updates apart by more than rounding would part the copies. Measured:
    # weights at most 1.2e-7 (adam) and 1.8e-7 (sgd) apart after 10 steps, within an ulp of the
    # largest weight (2.4e-7); steps of 0.04 and more; the same arm and reward at every step.
    result = fit_check.train_both_ways([1.0, 2.0, 3.0, 4.0], learning_rate=learning_rate,
                                       optimizer=optimizer)
    assert np.array_equal(result.actions[:, 0], result.actions[:, 1])
    assert np.array_equal(result.rewards[:, 0], result.rewards[:, 1])
    assert len(set(result.actions[:, 0])) > 1  # several arms played
    assert result.apart.max() <= 8 * np.spacing(result.largest_weight)
    assert result.moved.min() > 100 * result.apart.max()  # the steps are no rounding


def test_the_command_prints_each_step_and_what_they_show_and_writes_nothing(tmp_path, capsys,
                                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert fit_check.main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[-11:-1]] == [str(step) for step in range(1, 11)]
    assert out[-1].startswith("The same reward at every step") and "tape's update" in out[-1]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["--means", "1"], ["--stddev", "-1"], ["--seed", "x"],
                                  ["--optimizer", "rmsprop"], ["--out", "x"]])
def test_bad_input_gets_one_line_exit_2(argv, capsys):
    assert_refused(fit_check.main, argv, capsys)
