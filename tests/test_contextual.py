"""Tests for experiments/contextual.py: with one context it is the article's bandit, run for run;
with several, the actor that sees the context learns each context's best arm and the one that
does not cannot; trained long without a baseline it unlearns contexts, with one it does not; the
falls are found as they happen; bad input is refused."""

import re

import matplotlib
import numpy as np
import pytest

import discrete_bandit as db
from conftest import assert_refused
from experiments import contextual
from test_discrete_bandit import PNG_MAGIC, SEPARATED

matplotlib.use("Agg")


def test_with_one_context_the_contextual_actor_is_the_articles_actor_run_for_run():
    # One context: its one-hot state is the article's 1 and its row of means the article's
    # bandit; the contexts come from generators of their own, so the steps draw the same arms
    # and rewards as train_runs' (across a chunk boundary of the compiled loop). The experiment
    # keeps log pi, the script pi: the same numbers but for the rounding of exp (2 ulp seen).
    log_policies, units_on = contextual.train_contextual([SEPARATED], 10, steps=db.CHUNK + 100,
                                                         seed=3)
    assert log_policies.shape == (10, db.CHUNK + 101, 1, 4)
    histories = db.train_runs(SEPARATED, 10, steps=db.CHUNK + 100, seed=3)
    np.testing.assert_allclose(np.exp(log_policies[:, :, 0]), histories, rtol=1e-6)
    assert np.array_equal(units_on[0, :, 0] == 0, db.dead_runs(3, 10))  # run 7


@pytest.mark.parametrize("actor, per_context", [("textbook", True), ("tabular", False)])
def test_the_baseline_is_the_first_reward_at_first_so_that_step_updates_nothing(actor,
                                                                              per_context):
    # Sutton & Barto's baseline: the average of earlier rewards, and the first reward itself at
    # the first step. Per context (the textbook's), each context's first step leaves its
    # preferences as they were; over the run (--baseline, here on the tabular actor), only the
    # run's first step does.
    log_policies, _ = contextual.train_contextual([[1.0, 2.0, 3.0], [3.0, 1.0, 2.0]], 1,
                                                  actor=actor, steps=40, seed=2, baseline=True)
    contexts = np.random.default_rng([2, 0]).integers(2, size=40)  # run 0's, as drawn there
    moved = np.any(log_policies[0, 1:] != log_policies[0, :-1], axis=-1)  # (steps, contexts)
    still = {int(np.argmax(contexts == c)) for c in (0, 1)} if per_context else {0}
    assert len(still) == (2 if per_context else 1)
    for step, context in enumerate(contexts):
        assert moved[step, context] == (step not in still), step


def test_falls_are_found_with_their_length_arm_return_and_largest_move():
    # One run, two contexts of two arms; log pi(best arm) of context 0 rises above 0.99, falls
    # below 0.5 in two steps, comes back, falls again and stays down. Context 1 never falls.
    p_best = np.array([0.5, 0.995, 0.995, 0.9, 0.3, 0.2, 0.999, 0.4, 0.4])
    policy0 = np.stack([1 - p_best, p_best], axis=-1)  # context 0: arm 1 best
    policy1 = np.tile([0.999, 0.001], (len(p_best), 1))  # context 1: arm 0 best
    log_policies = np.log(np.stack([policy0, policy1], axis=1))[None]
    p_best = contextual.best_arm_probabilities(log_policies, [[0.0, 1.0], [1.0, 0.0]])
    found = contextual.falls(log_policies, p_best)
    assert [(f.run, f.context, f.step, f.steps, f.arm, f.back) for f in found] == [
        (0, 0, 4, 2, 0, 6), (0, 0, 7, 1, 0, None)]
    # The largest change of a log-probability from the last step above 0.99 to the fall.
    np.testing.assert_allclose(found[0].move, np.log(0.1) - np.log(0.005), rtol=1e-6)
    np.testing.assert_allclose(found[1].move, np.log(0.6) - np.log(0.001), rtol=1e-6)


def test_trained_long_without_a_baseline_contexts_fall_for_good_and_with_one_they_do_not():
    # Runs 0-3 of seed 0, 80,000 steps. Measured: without a baseline 5 falls, 4 never back
    # (seeds 1, 2: 3 and 2, none back); with --baseline none (seeds 1, 2: none). Asked: at least
    # one fall for good without, none with.
    def train(baseline):
        log_policies, _ = contextual.train_contextual(contextual.DEFAULT_CONTEXTS, 4,
                                                      steps=80_000, baseline=baseline)
        p_best = contextual.best_arm_probabilities(log_policies, contextual.DEFAULT_CONTEXTS)
        return log_policies, contextual.falls(log_policies, p_best)

    log_policies, found = train(False)
    for_good = [fall for fall in found if fall.back is None]
    assert for_good
    p_best = contextual.best_arm_probabilities(log_policies[:, -1:], contextual.DEFAULT_CONTEXTS)
    for fall in for_good:  # still on a wrong arm at the end
        assert p_best[fall.run, 0, fall.context] < 0.5
        assert fall.arm != np.argmax(contextual.DEFAULT_CONTEXTS[fall.context])
    _, found = train(True)
    assert found == []


def test_the_command_prints_the_table_and_writes_its_figure(tmp_path, capsys):
    # Two contexts, [0, 1] and [1, 0], 2,000 steps. Every arm's mean over the contexts is 0.5, so
    # every context-blind policy's expected reward is. Measured (seed 0): the contextual actor's
    # expected reward at the end 0.933 +- 0.024, 18 standard errors above (seeds 1, 2: 15, 15);
    # the textbook's run-contexts all on their best arm. Asked: 10 standard errors, and all.
    argv = ["--means", "0", "1", "--means", "1", "0", "--steps", "2000", "--out", str(tmp_path)]
    assert contextual.main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"Wrote {tmp_path / 'contextual.png'}"
    assert (tmp_path / "contextual.png").read_bytes().startswith(PNG_MAGIC)
    assert "the optimum 1, the best single arm 0.5" in out
    rows = {match[0]: match[1:] for match in re.findall(
        r"^(\S+) +(\S+) \+- (\S+) +(\S+) +(\d+)/20 ", out, re.MULTILINE)}
    assert set(rows) == set(contextual.ACTORS)
    aware, aware_error, _, _ = map(float, rows["contextual"])
    blind, blind_error, _, _ = map(float, rows["context-blind"])
    assert (blind, blind_error) == (0.5, 0.0)
    assert aware > blind + 10 * aware_error
    assert rows["textbook"][3] == "20"


@pytest.mark.parametrize("argv", [
    ["--means", "1", "2", "--means", "1", "2", "3"],  # contexts with different numbers of arms
    ["--means", "1"],  # a context of one arm
    [arg for _ in range(11) for arg in ("--means", "1", "2")],  # 11 contexts
    ["--means", "1", "nan"],
    ["--stddev", "-1"],
    ["--steps", "0"],
    ["--runs", "0"],
    ["--learning-rate", "0"],
    ["--optimizer", "rmsprop"],
    ["--runs", "100000", "--steps", "100000"],  # the memory guard
])
def test_bad_input_gets_one_line_exit_2_and_nothing_written(argv, tmp_path, capsys):
    out = tmp_path / "figs"
    assert_refused(contextual.main, [*argv, "--out", str(out)], capsys, out)
