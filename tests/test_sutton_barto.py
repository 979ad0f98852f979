"""Tests for experiments/sutton_barto.py: the article's update on the bias-only actor is Sutton
& Barto's equation 2.12; their Figure 2.5 comes out in the book's order; the chapter's
action-value methods do by hand what the book says; Figure 2.6 prints each curve's peak."""

import re

import keras
import matplotlib
import numpy as np
import pytest
import tensorflow as tf

import discrete_bandit as db
from conftest import assert_refused
from experiments import sutton_barto
from test_discrete_bandit import PNG_MAGIC

matplotlib.use("Agg")


@pytest.mark.parametrize("baseline", [0.0, 0.7])
def test_one_sgd_step_of_the_bias_only_actor_is_sutton_bartos_equation_2_12(baseline):
    # Rewards of both signs: with stddev 0 the reward is the mean of the arm played, all distinct.
    means = [1.5, -2.0, 0.25, -0.5]
    alpha = 0.4
    actor = db.build_population(1, 4, hidden_layers=0)
    optimizer = keras.optimizers.SGD(learning_rate=alpha)
    preferences = actor.trainable_variables[0]
    actions = set()
    for seed in range(12):
        preferences.assign([[[0.3, -1.2, 0.8, 0.1 * seed]]])  # a different policy each time
        h = preferences.numpy()[0, 0].astype(np.float64)
        pi = np.exp(h) / np.exp(h).sum()
        _, reward = db.reinforce_step(actor, optimizer, tf.ones((1, 1)), tf.constant([means]),
                                      tf.constant(0.0), tf.constant([seed, 0]),
                                      lambda r: baseline)
        action = means.index(float(reward[0]))
        actions.add(action)
        # H(a) <- H(a) + alpha (R - b) (1{a = A} - pi(a))
        expected = h + alpha * (means[action] - baseline) * (np.eye(4)[action] - pi)
        np.testing.assert_allclose(preferences.numpy()[0, 0], expected, rtol=1e-5, atol=1e-6)
    assert len(actions) >= 3  # several actions, so rewards of both signs were checked


@pytest.mark.parametrize("baseline, first, later", [
    (db.no_baseline, 0.0, 0.0),
    (db.average_of_earlier_rewards, 4.5, 2.0),  # --baseline: the book's text
    (sutton_barto.including_this_reward, 4.5, 8.5 / 3),  # the book's figures
    (sutton_barto.earlier_rewards_from_zero, 0.0, 2.0),
])
def test_the_baselines_at_the_first_step_and_later(baseline, first, later):
    # The first step: reward 4.5, nothing seen before. Later: rewards 1 and 3 seen, 4.5 now.
    np.testing.assert_allclose(float(baseline(tf.constant(4.5), tf.constant(0.0),
                                              tf.constant(0.0))), first)
    np.testing.assert_allclose(float(baseline(tf.constant(4.5), tf.constant(2.0),
                                              tf.constant(2.0))), later)


def test_the_testbed_orders_the_curves_as_the_book_does(tmp_path, capsys):
    # 200 runs x 300 steps. Measured, % optimal at step 300: alpha 0.1 with baseline 79.1,
    # alpha 0.4 with 74.6, alpha 0.1 without 47.7, alpha 0.4 without 26.4 (seed 1: 80.6, 67.5,
    # 47.9, 24.4). The book's Figure 2.5 has the same order at the end. Margins kept: 11 and more.
    assert sutton_barto.main(["--runs", "200", "--steps", "300", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("% optimal action at"))
    assert header.split()[-3:] == ["100", "250", "300"]
    at_300 = {key: float(next(line for line in lines if line.startswith(label)).split()[-1])
              for key, (label, *_) in sutton_barto.CURVES.items()}
    book = {key: at_300[key] for key in sutton_barto.BOOK_CURVES}
    assert book[0.1, True] > book[0.1, False] + 20
    assert book[0.4, True] > book[0.4, False] + 20
    assert book[0.4, False] < min(v for k, v in book.items() if k != (0.4, False)) - 10
    assert (tmp_path / "sutton_barto_figure_2_5.png").read_bytes().startswith(PNG_MAGIC)
    # From Python: the book's four curves, pi_t(optimal arm) from t = 1, uniform at first; the
    # same runs as the table's, which shows them at step 100 in percent.
    curves = sutton_barto.sutton_barto_figure_2_5(runs=200, steps=100, seed=0)
    assert set(curves) == set(sutton_barto.BOOK_CURVES)
    assert all(curve.shape == (100,) for curve in curves.values())
    np.testing.assert_allclose(curves[0.1, True][0], 0.1, rtol=1e-6)  # 1 of 10 arms
    for key, curve in curves.items():
        row = next(line for line in lines if line.startswith(sutton_barto.CURVES[key][0]))
        assert row.split()[-3] == f"{100 * curve[99]:.1f}"


@pytest.mark.parametrize("argv", [["--runs", "0"], ["--steps", "-1"], ["--seed", "x"],
                                  ["--runs", "200000", "--steps", "1000"], ["--means", "1", "2"],
                                  ["--figure", "2.7"], ["--figure", "2.6", "--runs", "1"]])
def test_bad_input_gets_one_line_exit_2(argv, tmp_path, capsys):
    out = tmp_path / "figs"
    assert_refused(sutton_barto.main, [*argv, "--out", str(out)], capsys, out)


def test_ucbs_bonus_by_hand():
    # c sqrt(ln t / N(a)), an arm never played first: at t = 5 with c = 2, counts 0, 1 and 4.
    bonus = sutton_barto.ucb_bonus(np.array([[0.0, 1.0, 4.0]]), 5, 2.0)
    np.testing.assert_allclose(bonus, [[np.inf, 2 * np.sqrt(np.log(5)), np.sqrt(np.log(5))]])
    # One c per run (a parameter study's rows).
    bonus = sutton_barto.ucb_bonus(np.array([[1.0], [1.0]]), np.e, np.array([0.5, 3.0]))
    np.testing.assert_allclose(bonus, [[0.5], [3.0]])


def test_optimistic_greedy_by_hand():
    # Q0 = 5 on means [1, 2], rewards without noise, a constant step 0.1: both arms look best at
    # first and are played once each, to Q = [4.6, 4.7]; then greedy: arm 1 (Q1 to 4.43), arm 0
    # (4.6 > 4.43; to 4.24), arm 1 (4.43 > 4.24; to 4.187), arm 0 (4.24; to 3.916), arm 1
    # (4.187; to 3.968), arm 1 (3.968 > 3.916).
    played = sutton_barto.play_action_values(
        np.array([[1.0, 2.0]] * 4), 8, 0, sutton_barto.epsilon_greedy(0.0), initial=5.0,
        step_size=0.1, stddev=0.0)
    assert all(sorted(row[:2]) == [0, 1] for row in played)
    assert played[:, 2:].tolist() == [[1, 0, 1, 0, 1, 1]] * 4


def test_epsilon_greedy_with_sample_averages_by_hand():
    # Epsilon 0, estimates from 0, sample averages on means [-1, -2, 0.5], no noise: the first
    # step's three-way tie is broken at random; a negative arm played once then looks worse than
    # the untried ones (0), and arm 2 (0.5), once played, is played from then on: at the third
    # step at the latest.
    played = sutton_barto.play_action_values(np.array([[-1.0, -2.0, 0.5]] * 200), 3, 1,
                                             sutton_barto.epsilon_greedy(0.0), stddev=0.0)
    first, second = played[:, 0], played[:, 1]
    assert set(first) == {0, 1, 2}  # over 200 runs
    assert np.all(np.where(first == 2, second == 2, second != first))
    assert np.all(played[:, 2] == 2)
    # Epsilon 1: every arm at random, about a third each (200 runs x 3 steps: 600 draws, a
    # standard error of 0.019 on each share).
    played = sutton_barto.play_action_values(np.array([[0.0, 0.0, 9.0]] * 200), 3, 2,
                                             sutton_barto.epsilon_greedy(1.0), stddev=0.0)
    assert np.all(np.abs(np.bincount(played.ravel(), minlength=3) / 600 - 1 / 3) < 0.07)


def test_figure_2_6_prints_each_points_average_and_each_curves_peak(tmp_path, capsys):
    # 200 runs of 100 steps: a point's average over runs, printed in the table; each peak line
    # "peak NAME: X +- S at P" the best of its row, at its parameter.
    assert sutton_barto.main(["--figure", "2.6", "--runs", "200", "--steps", "100", "--out",
                              str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "sutton_barto_figure_2_6.png").read_bytes().startswith(PNG_MAGIC)
    header = next(line for line in out.splitlines() if line.startswith("method"))
    parameters = header.split()[1:]
    assert parameters[0] == "1/1024" and parameters[-1] == "4"
    for name, (_, exponents) in sutton_barto.STUDY.items():
        row = next(line for line in out.splitlines() if line.startswith(name + "  "))
        values = [float(v) for v in row[len(name):].split()]
        assert len(values) == len(exponents)
        match = re.search(rf"^peak {re.escape(name)}: (\S+) \+- (\S+) at (\S+)$", out, re.MULTILINE)
        mean, error, at = float(match[1]), float(match[2]), match[3]
        assert mean == max(values) and 0 < error < 0.1
        assert at == sutton_barto.power_of_two(exponents[int(np.argmax(values))])
