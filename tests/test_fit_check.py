"""Tests for experiments/fit_check.py, the article's section 2 run: Keras' own `train_on_batch`,
with the sampled action as y_true and the reward as sample_weight, makes the update of
`reinforce_step`.

Weights are compared to float32 rounding: each test states the differences it measured and the
tolerance it keeps.
"""

from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf

import discrete_bandit as db
from conftest import assert_refused
from experiments import fit_check

# Distinct means: the reward is means[action] plus noise drawn from the seed alone, so equal
# rewards mean equal arms.
MEANS = (1.0, 2.0, 3.0, 4.0)
ACTOR_SEED = 1  # alive units [2, 3]: every layer of the actor gets a gradient
SEVERAL_ROWS = 5


def twin_actors():
    """Two identical copies of the article's actor, with a random output kernel: `build_actor`'s
    zero kernel would pass no gradient back, and a first step would leave the hidden layers as
    they are (and untested)."""
    actors = [db.build_actor(len(MEANS), ACTOR_SEED) for _ in range(2)]
    shape = actors[0].layers[-1].kernel.shape
    kernel = 0.5 * np.random.default_rng(ACTOR_SEED).standard_normal(shape)
    for actor in actors:
        actor.layers[-1].kernel.assign(kernel)
    return actors


def new_optimizer(name, learning_rate):
    return keras.optimizers.get({"class_name": name, "config": {"learning_rate": learning_rate}})


def one_step_each_way(optimizer, rows, reduction="sum", learning_rate=0.01, seed=(3, 7)):
    """One `reinforce_step` and one `train_on_batch_step` from the same weights, with a fresh
    optimizer each, the same seed pair and `rows` rows of the bandit MEANS."""
    tape_actor, keras_actor = twin_actors()
    means = tf.constant([MEANS] * rows)  # every row the same bandit, for the one actor
    stddev, seed = tf.constant(1.0), tf.constant(seed)
    start = tape_actor.get_weights()
    # The arms reinforce_step is about to play: its draw, from the numbers it will compute.
    log_probs = tape_actor(tf.ones((rows, 1)))
    action_seed, _ = tf.unstack(tf.random.experimental.stateless_split(seed))
    tape_action = tf.random.stateless_categorical(log_probs, 1, action_seed)[:, 0]
    tape_probs, tape_reward = db.reinforce_step(
        tape_actor, new_optimizer(optimizer, learning_rate), tf.ones((rows, 1)), means, stddev,
        seed)
    assert np.array_equal(tape_probs, tf.exp(log_probs))  # the very numbers drawn from above
    fit_check.compile_for_reinforce(keras_actor, new_optimizer(optimizer, learning_rate),
                                    reduction)
    keras_probs, keras_reward, keras_action = fit_check.train_on_batch_step(
        keras_actor, means, stddev, seed)
    return SimpleNamespace(start=start, tape=tape_actor.get_weights(),
                           keras=keras_actor.get_weights(), tape_action=tape_action,
                           keras_action=keras_action, tape_reward=tape_reward,
                           keras_reward=keras_reward, tape_probs=tape_probs,
                           keras_probs=keras_probs)


def tolerance(weights):
    """A few float32 ulps of the weights' size: 4 times the gap between the largest |weight|
    and the next float32 (the weights here reach 1.46, whose ulp is 1.2e-7: 4.8e-7)."""
    return 4 * np.spacing(max(np.abs(layer).max() for layer in weights))


def assert_same_play(step):
    assert np.array_equal(step.keras_action, step.tape_action)
    assert np.array_equal(step.keras_reward, step.tape_reward)
    assert np.array_equal(step.keras_probs, step.tape_probs)


@pytest.mark.parametrize("rows", [1, SEVERAL_ROWS])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_one_train_on_batch_step_is_one_reinforce_step(optimizer, rows):
    # The largest |difference| between the two updates' weights, measured with oneDNN off and
    # on alike: SGD 1.2e-10 (one row) and 1.5e-8 (5 rows), Adam 9.3e-10 (both); the tolerance,
    # 4.8e-7, is 32 times the largest.
    step = one_step_each_way(optimizer, rows)
    assert_same_play(step)
    if rows > 1:
        assert len(set(step.tape_action.numpy())) > 1  # the rows play different arms
    atol = tolerance(step.start)
    for start, tape, keras in zip(step.start, step.tape, step.keras):
        assert np.abs(keras - tape).max() <= atol
        # Every layer moves by far more than the tolerance, so a wrong update fails: the
        # smallest layer's largest change measured 8.2e-4 (SGD, one row), 1,700 tolerances.
        assert np.abs(tape - start).max() > 100 * atol


def test_with_keras_default_reduction_several_rows_take_a_k_times_smaller_step():
    # "sum_over_batch_size" divides the rows' summed losses by their number, k: SGD's step is
    # then k times smaller (measured: 4.8e-8 from the tape's step / k, 0.037 from the tape's
    # own, 78,000 tolerances). Adam all but divides the scale out (1.4e-6 apart, 3 tolerances),
    # so SGD is the one that shows it.
    k = SEVERAL_ROWS
    step = one_step_each_way("sgd", k, reduction="sum_over_batch_size")
    assert_same_play(step)
    atol = tolerance(step.start)
    for start, tape, keras in zip(step.start, step.tape, step.keras):
        assert np.abs((keras - start) - (tape - start) / k).max() <= atol
    largest_difference = max(np.abs(keras - tape).max()
                             for keras, tape in zip(step.keras, step.tape))
    assert largest_difference > 100 * atol
    # With one row the mean is the sum: the default agrees.
    step = one_step_each_way("sgd", 1, reduction="sum_over_batch_size")
    for tape, keras in zip(step.tape, step.keras):
        assert np.abs(keras - tape).max() <= tolerance(step.start)


def test_keras_trains_eagerly_and_without_xla():
    actor = fit_check.compile_for_reinforce(db.build_actor(2), new_optimizer("adam", 1e-3))
    assert actor.run_eagerly and actor.jit_compile is False
    assert actor.loss.reduction == "sum" and actor.loss.from_logits


@pytest.mark.parametrize("optimizer, learning_rate", [("adam", 1e-3), ("sgd", 0.1)])
def test_two_copies_trained_each_its_own_way_play_the_same_run(optimizer, learning_rate):
    # What the command prints: 10 steps of each copy on its own, on the article's first bandit.
    # Measured: the copies at most 9.3e-10 (Adam) and 1.5e-8 (SGD(0.1)) apart, against an ulp
    # of the largest weight (2.7) of 2.4e-7, while a step moves a weight up to 1e-3 and 0.19.
    result = fit_check.train_both_ways(list(db.DEFAULT_SETTINGS[0]), seed=0, optimizer=optimizer,
                                       learning_rate=learning_rate)
    assert result.rewards.shape == (10, 2)
    assert np.array_equal(result.rewards[:, 0], result.rewards[:, 1])
    assert len(set(result.actions)) > 1
    ulp = np.spacing(result.largest_weight)
    assert result.apart.max() <= 4 * ulp
    assert result.moved.max() > 100 * 4 * ulp


# --- The command line ------------------------------------------------------------------------


def test_the_command_prints_each_step_and_what_they_show_and_writes_nothing(tmp_path, capsys,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["--means", "1", "2", "--optimizer", "sgd", "--learning-rate", "0.1", "--seed", "2"]
    assert fit_check.main(argv) == 0
    *table, shows = capsys.readouterr().out.strip().splitlines()
    assert table[1] == "means [1, 2], SGD(0.1), seed 2"
    rows = [line.split() for line in table[4:]]
    assert [int(row[0]) for row in rows] == list(range(1, 11))
    expected = fit_check.train_both_ways([1.0, 2.0], seed=2, optimizer="sgd", learning_rate=0.1)
    assert [int(row[1]) for row in rows] == list(expected.actions)
    assert [row[2] for row in rows] == [f"{reward:.4f}" for reward in expected.rewards[:, 1]]
    assert shows.startswith("The same reward at every step and weights at most ")
    assert list(tmp_path.iterdir()) == []  # no figure, not even a folder


def test_the_command_says_so_when_the_copies_part(capsys, monkeypatch):
    parted = fit_check.train_both_ways([1.0, 2.0], steps=4)
    parted.rewards[2, 0] += 1.0  # as if the tape's copy had played another arm at step 3
    monkeypatch.setattr(fit_check, "train_both_ways", lambda *args, **kwargs: parted)
    assert fit_check.main([]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith(
        "The copies parted at step 3: ")


@pytest.mark.parametrize("argv", [["--means", "1"], ["--stddev", "-1"], ["--eager"],
                                  ["--optimizer", "rmsprop"], ["--learning-rate", "0"]])
def test_bad_input_gets_one_line_exit_2(argv, capsys):
    assert_refused(fit_check.main, argv, capsys)
