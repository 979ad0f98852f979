"""Tests for discrete_bandit.py: the actor, the pseudo-loss, training, the experiments, the figures
and the command line.

Statistical tests use fixed seeds; each states the value it measured and the margin it keeps.
"""

import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import matplotlib
import numpy as np
import pytest
import tensorflow as tf

import discrete_bandit as db

matplotlib.use("Agg")

SCRIPT = Path(db.__file__)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --- The actor ---------------------------------------------------------------------------


@pytest.mark.parametrize("num_arms", [2, 3, 4, 7, 10])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("hidden_layers", [0, 2])
def test_initial_policy_is_exactly_uniform(num_arms, seed, hidden_layers):
    log_probs = db.build_actor(num_arms, seed, hidden_layers)(db.STATE).numpy()[0]
    assert np.all(log_probs == log_probs[0])  # every arm exactly the same, whatever the seed
    np.testing.assert_allclose(np.exp(log_probs), 1 / num_arms, rtol=1e-6)


def test_hidden_layers_are_he_normal_and_seeded():
    actor = db.build_actor(4, seed=3)
    hidden = actor.layers[1:-1]
    assert len(hidden) == 2
    for layer in hidden:
        assert isinstance(layer.kernel_initializer, keras.initializers.HeNormal)
        assert layer.units == 5 and layer.activation is keras.activations.relu
    again, other = db.build_actor(4, seed=3), db.build_actor(4, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(actor.get_weights(), again.get_weights()))
    assert not np.array_equal(actor.get_weights()[0], other.get_weights()[0])


def test_bias_only_actor_has_one_preference_per_arm():
    actor = db.build_actor(10, hidden_layers=0)
    assert [tuple(w.shape) for w in actor.trainable_weights] == [(1, 10)]


def test_first_row_of_history_is_uniform():
    history = db.train([1.0, 2.0, 3.0], steps=5, seed=3)
    assert np.all(history[0] == history[0, 0])
    np.testing.assert_allclose(history[0], 1 / 3, rtol=1e-6)


# --- The pseudo-loss and the textbook ------------------------------------------------------


def _actor_with_output_bias(bias):
    actor = db.build_actor(len(bias), seed=0)
    actor.layers[-1].bias.assign(bias)
    return actor


@pytest.mark.parametrize("action", [0, 2, 3])
@pytest.mark.parametrize("reward", [1.7, -0.6, 4.0])
def test_pseudo_loss_gradient_is_the_textbook_one(action, reward):
    # A non-uniform policy, so that onehot(action) - pi has no symmetry to hide a mistake.
    actor = _actor_with_output_bias([0.3, -1.2, 0.8, 0.1])
    output_bias = actor.layers[-1].bias
    with tf.GradientTape() as tape:
        log_probs = actor(db.STATE)[0]
        loss = db.pseudo_loss(log_probs[action], reward)
    grad = tape.gradient(loss, output_bias).numpy()
    pi = np.exp(log_probs.numpy())
    expected = -reward * (np.eye(4)[action] - pi)
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(loss.numpy(), -reward * np.log(pi[action]), rtol=1e-5)


def test_pseudo_loss_stays_finite_when_an_arm_is_all_but_impossible():
    actor = _actor_with_output_bias([0.0, 0.0, 0.0, -200.0])  # pi(3) = e^-200: 0 in float32
    with tf.GradientTape() as tape:
        log_probs = actor(db.STATE)[0]
        loss = db.pseudo_loss(log_probs[3], 2.5)
    grads = tape.gradient(loss, actor.trainable_variables)
    assert np.exp(log_probs.numpy()[3]) == 0.0  # log(softmax) would give -inf here
    assert np.isfinite(loss.numpy())
    assert all(np.all(np.isfinite(g.numpy())) for g in grads)


@pytest.mark.parametrize("baseline", [0.0, 0.7])
def test_one_sgd_step_of_the_bias_only_actor_is_sutton_bartos_equation_2_12(baseline):
    # Rewards of both signs: with stddev 0 the reward is the mean of the arm played, all distinct.
    means = [1.5, -2.0, 0.25, -0.5]
    alpha = 0.4
    actor = db.build_actor(4, hidden_layers=0)
    optimizer = keras.optimizers.SGD(learning_rate=alpha)
    preferences = actor.trainable_variables[0]
    actions = set()
    for seed in range(12):
        preferences.assign([[0.3, -1.2, 0.8, 0.1 * seed]])  # a different policy each time
        h = preferences.numpy()[0].astype(np.float64)
        pi = np.exp(h) / np.exp(h).sum()
        _, reward = db.reinforce_step(
            actor,
            optimizer,
            tf.constant(means),
            tf.constant(0.0),
            tf.constant([seed, 0]),
            lambda r: baseline,
        )
        action = means.index(float(reward))
        actions.add(action)
        # H(a) <- H(a) + alpha (R - b) (1{a = A} - pi(a))
        expected = h + alpha * (means[action] - baseline) * (np.eye(4)[action] - pi)
        np.testing.assert_allclose(preferences.numpy()[0], expected, rtol=1e-5, atol=1e-6)
    assert len(actions) >= 3  # several actions, so rewards of both signs were checked


def test_testbed_orders_the_curves_as_the_book_does():
    # Measured with 200 runs x 300 steps, mean % optimal over the last 50 steps: alpha 0.1 with
    # baseline 0.767, alpha 0.4 with 0.686, alpha 0.1 without 0.405, alpha 0.4 without 0.193.
    # The book's Figure 2.5 has the same order at the end. Margins kept: 0.1 and more.
    curves = db.sutton_barto_figure_2_5(runs=200, steps=300, seed=0)
    assert set(curves) == set(db.SUTTON_BARTO_CURVES)
    assert all(curve.shape == (300,) for curve in curves.values())
    late = {key: curve[-50:].mean() for key, curve in curves.items()}
    assert late[0.1, True] > late[0.1, False] + 0.2
    assert late[0.4, True] > late[0.4, False] + 0.2
    assert late[0.4, False] < min(v for k, v in late.items() if k != (0.4, False)) - 0.1
    np.testing.assert_allclose(curves[0.1, True][0], 0.1, rtol=1e-6)  # uniform over 10 arms


# --- Training ------------------------------------------------------------------------------


def test_learns_a_clearly_separated_bandit():
    # Measured: after 1,000 steps, p(best) for seeds 0-4 is 0.921, 0.953, 0.327, 0.927, 0.812
    # (mean 0.79; seed 2 starts with a dead network). Uniform is 0.25. The threshold 0.6
    # keeps a margin of 0.19.
    means = [1.0, 2.0, 3.0, 4.0]
    final = [db.train(means, steps=1_000, seed=seed)[-1, 3] for seed in range(5)]
    assert np.mean(final) > 0.6


def test_history_shape_and_rows_are_probabilities():
    history = db.train([0.0, 1.0], steps=37, seed=0)
    assert history.shape == (38, 2)
    assert history.dtype == np.float32
    np.testing.assert_allclose(history.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("baseline", [False, True])
def test_same_seed_same_run_whatever_ran_before(baseline):
    means = [1.0, 0.9, 0.9, 1.0]
    first = db.train(means, steps=200, seed=11, baseline=baseline)
    # Other runs of the same kind reuse the same actor and optimizer: they must leave no trace.
    db.train([5.0, 1.0, 2.0, 0.0], steps=50, seed=3, baseline=baseline, learning_rate=0.1)
    again = db.train(means, steps=200, seed=11, baseline=baseline)
    other = db.train(means, steps=200, seed=12, baseline=baseline)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def history_from_another_process(train_call, **env):
    """The bytes of `db.train(...)` (`train_call` is its argument list) run in a new process."""
    code = (
        f"import sys; sys.path.insert(0, {str(SCRIPT.parent)!r}); import discrete_bandit as db; "
        f"sys.stdout.write(db.train({train_call}).tobytes().hex())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**newcomer_env(), **env},
    )
    assert result.returncode == 0, result.stderr
    return bytes.fromhex(result.stdout)


def test_same_seed_same_run_in_another_process():
    there = history_from_another_process("[1.0, 2.0, 0.5], steps=1500, seed=4, baseline=True")
    here = db.train([1.0, 2.0, 0.5], steps=1500, seed=4, baseline=True)
    assert there == here.tobytes()


def test_a_run_is_the_same_whatever_its_length():
    # The loop runs in chunks of CHUNK steps: a longer run starts with the shorter one.
    long = db.train([1.0, 2.0], steps=db.CHUNK + 500, seed=2, baseline=True)
    short = db.train([1.0, 2.0], steps=db.CHUNK + 200, seed=2, baseline=True)
    assert np.array_equal(long[: len(short)], short)


def test_a_fresh_run_starts_from_the_weights_build_actor_gives():
    db.train([1.0, 2.0, 3.0, 4.0], steps=30, seed=6)  # leaves trained weights behind
    with db._agent(4, "none", 2, "adam", False) as agent:
        agent.reset(tf.constant(9, tf.int64), tf.constant(1e-3))
        weights = agent.actor.get_weights()
        moments = [v.numpy() for v in agent.optimizer.variables[2:]]  # Adam's
    fresh = db.build_actor(4, seed=9).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(weights, fresh))
    assert not any(np.any(m) for m in moments)


def test_eager_runs_have_the_statistics_of_compiled_runs():
    # XLA draws other random numbers than TensorFlow's kernels, so an eager run is another
    # sample of the same process. Measured on the gradient bandit (fast eagerly), final p(best)
    # over seeds 0-19 after 60 steps: see the assertion's comment. Uniform is 1/3.
    kwargs = dict(steps=60, hidden_layers=0, optimizer="sgd", learning_rate=0.2)
    means = [0.0, 0.5, 1.0]
    eager = np.mean([db.train(means, seed=s, eager=True, **kwargs)[-1, 2] for s in range(20)])
    compiled = np.mean([db.train(means, seed=s, **kwargs)[-1, 2] for s in range(20)])
    # Measured: eager 0.6908, compiled 0.6985 (standard error of each mean about 0.035).
    assert abs(eager - compiled) < 0.1
    assert min(eager, compiled) > 0.55
    # The article's network eagerly: a valid, seeded history.
    history = db.train([1.0, 2.0], steps=3, seed=1, eager=True)
    assert history.shape == (4, 2) and np.all(history[0] == 0.5)
    assert np.array_equal(history, db.train([1.0, 2.0], steps=3, seed=1, eager=True))


def test_many_settings_and_lengths_trigger_no_retracing(caplog):
    # Six arm counts, several run lengths: a fresh trace per call would make TensorFlow warn
    # that "N out of the last M calls triggered tf.function retracing".
    with caplog.at_level(logging.WARNING):
        for num_arms in range(2, 8):
            for steps in (3, 17, db.CHUNK + 1):
                db.train(list(range(num_arms)), steps=steps, seed=steps)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
    with db._agent(7, "none", 2, "adam", False) as agent:
        assert agent.play.experimental_get_tracing_count() == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(means=[1.0]),
        dict(means=[]),
        dict(means=[0.0] * (db.MAX_ARMS + 1)),
        dict(means=[1.0, float("nan")]),
        dict(means=[1.0, float("inf")]),
        dict(means=[1e39, 0.0]),
        dict(means=["a", 1.0]),
        dict(stddev=-1.0),
        dict(stddev=float("nan")),
        dict(stddev=1e39),
        dict(steps=0),
        dict(steps=2.5),
        dict(steps=True),
        dict(steps=10**12),
        dict(learning_rate=0.0),
        dict(learning_rate=-1e-3),
        dict(learning_rate=1e-40),
        dict(seed=1.5),
        dict(seed=-1),
        dict(seed=2**31),
        dict(hidden_layers=-1),
        dict(hidden_layers=1.0),
        dict(optimizer="rmsprop"),
        dict(baseline="sometimes"),
    ],
)
def test_train_rejects_bad_arguments(kwargs):
    kwargs = {"means": [1.0, 2.0], "steps": 5, **kwargs}
    with pytest.raises(ValueError):
        db.train(kwargs.pop("means"), **kwargs)


@pytest.mark.parametrize("eager", [False, True])
@pytest.mark.parametrize(
    "means, stddev", [([1e30, 0.0], 1.0), ([1.0, 2.0], 1e20), ([3e38, -3e38], 0.0)]
)
def test_payoffs_that_overflow_float32_stop_training_with_a_clear_error(means, stddev, eager):
    with pytest.raises(db.TrainingDiverged, match="no longer finite.*smaller"):
        db.train(means, stddev=stddev, steps=50, seed=0, eager=eager)


# --- The baseline --------------------------------------------------------------------------


def test_baseline_learns_a_shifted_bandit_clearly_faster():
    # Every payoff of [0, 0.5, 1, 1.5] shifted by +4: plain REINFORCE pushes up whichever arm
    # it pulled. Measured over seeds 0-9 and 2,000 steps, the best arm's probability averaged
    # over the run is 0.405 plain and 0.729 with the baseline. The test asks for a gap of 0.2,
    # keeping 0.12 of the measured 0.32 as margin.
    means = [4.0, 4.5, 5.0, 5.5]
    plain = np.stack([db.train(means, steps=2_000, seed=s) for s in range(10)])
    with_baseline = np.stack(
        [db.train(means, steps=2_000, seed=s, baseline=True) for s in range(10)]
    )
    plain_auc = db.best_arm_probability(plain, means).mean()
    baseline_auc = db.best_arm_probability(with_baseline, means).mean()
    assert baseline_auc > plain_auc + 0.2


@pytest.mark.parametrize("name, expected", [("none", 0.0), ("previous", 2.0), ("including", 2.5)])
def test_the_three_baselines(name, expected):
    # Rewards 1 and 3 seen before, 4.5 now: average before 2, including this one 8.5 / 3.
    value = db.BASELINES[name](tf.constant(4.5), tf.constant(2.0), tf.constant(2.0))
    np.testing.assert_allclose(float(value), expected if name != "including" else 8.5 / 3)


# --- Dead networks ---------------------------------------------------------------------------


def _alive_by_hand(seed):
    """Units on at the start, computed from build_actor's weights with NumPy."""
    w1, b1, w2, b2, *_ = db.build_actor(4, seed).get_weights()
    first = np.maximum(0.0, w1[0] + b1)
    second = np.maximum(0.0, first @ w2 + b2)
    return [int(np.count_nonzero(first)), int(np.count_nonzero(second))]


def test_alive_units_match_the_activations_computed_by_hand():
    reports = {seed: db.alive_units(seed) for seed in range(25)}
    assert all(reports[seed] == _alive_by_hand(seed) for seed in reports)
    dead = [seed for seed, alive in reports.items() if db.is_dead(alive)]
    assert dead == [2, 7, 13, 22]  # measured here; about 1 network in 10 starts dead
    assert db.alive_units(0, hidden_layers=0) == [] and not db.is_dead([])


def test_a_dead_network_learns_with_its_output_bias_only():
    seed = 2  # dead: no unit of the second hidden layer is on (see the test above)
    start = db.build_actor(4, seed).get_weights()
    history = db.train([1.0, 2.0, 3.0, 4.0], steps=300, seed=seed)
    with db._agent(4, "none", 2, "adam", False) as agent:  # the one train() just returned
        end = agent.actor.get_weights()
    for before, after in zip(start[:-1], end[:-1]):  # hidden kernels and biases, output kernel
        assert np.array_equal(before, after)
    assert not np.array_equal(start[-1], end[-1])  # the output bias moved
    assert history[-1, 3] > history[0, 3]


# --- Figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("num_arms", [2, 4, 11, 60, db.MAX_ARMS])
@pytest.mark.parametrize("runs", [1, 5])
def test_figures_for_any_number_of_arms_raise_no_warning(num_arms, runs, tmp_path):
    rng = np.random.default_rng(num_arms)
    means = list(np.arange(num_arms, dtype=float))
    histories = rng.dirichlet(np.ones(num_arms), size=(runs, 301)).astype(np.float32)
    dead = np.arange(runs) == 1
    results = [(means, histories, dead), (means[::-1], histories, dead), (means, histories, dead)]
    results = results[: 1 + num_arms % 3]  # one, two or three panels
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Tight layout not applied": labels do not fit
        figures = [
            db.plot_final_probabilities(results, tmp_path / "final.png"),
            db.plot_learning_curves(results, tmp_path / "curves.png"),
        ]
    for fig in figures:
        # Everything drawn (panels with their titles, labels and legends, the figure's own
        # title and legend) lies on the page: nothing is cut off.
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        drawn = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
        drawn += [artist.get_window_extent(renderer) for artist in [*fig.texts, *fig.legends]]
        for box in drawn:
            assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1
            assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is not None:
                assert len(legend.get_texts()) <= db.LABELLED_ARMS + 1
        matplotlib.pyplot.close(fig)
    assert (tmp_path / "curves.png").read_bytes().startswith(PNG_MAGIC)


# --- Command line --------------------------------------------------------------------------


def newcomer_env():
    """This environment without TF_ENABLE_ONEDNN_OPTS: what a newcomer has, so the script's
    own default applies (CI also runs the suite with the variable set to 1)."""
    env = dict(os.environ)
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    return env


def run_cli(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env=env or newcomer_env(),
    )


def test_cli_trains_two_settings_and_writes_both_figures(tmp_path):
    out = tmp_path / "figs"
    result = run_cli(
        "--means",
        "1",
        "2",
        "--means",
        "3",
        "1",
        "0",
        "--steps",
        "40",
        "--runs",
        "2",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    for name in ("final_probabilities.png", "learning_curves.png"):
        assert (out / name).read_bytes().startswith(PNG_MAGIC)
    assert "Summary" in result.stdout and "[3, 1, 0]" in result.stdout
    assert result.stderr == ""  # no TensorFlow chatter, oneDNN notice or warnings
    # Not a terminal: plain progress lines, no escape codes, no endless line.
    assert "\x1b[" not in result.stdout and "\r" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 200


def test_compiled_runs_are_the_same_with_onednn_on_and_off():
    call = "[1.0, 0.9, 0.9, 1.0], steps=2000, seed=1"
    off = history_from_another_process(call, TF_ENABLE_ONEDNN_OPTS="0")
    on = history_from_another_process(call, TF_ENABLE_ONEDNN_OPTS="1")
    assert on == off


def test_progress_is_a_bar_in_a_terminal_and_plain_lines_in_a_log(monkeypatch):
    class Terminal:
        def isatty(self):
            return True

        def write(self, text):
            pass

        def flush(self):
            pass

    assert db.progress_bar(10).progbar.verbose == 2  # pytest captures stdout: not a terminal
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert db.progress_bar(10).progbar.verbose == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--means", "1"],
        ["--means", "1", "x"],
        ["--means", "1", "nan"],
        ["--means", "inf", "1"],
        ["--means", "1e39", "0"],
        ["--means", *["1"] * (db.MAX_ARMS + 1)],
        ["--stddev", "-1"],
        ["--stddev", "nan"],
        ["--steps", "0"],
        ["--steps", "2.5"],
        ["--steps", "1000000000"],
        ["--runs", "100000", "--steps", "100000"],
        ["--learning-rate", "0"],
        ["--learning-rate", "-0.1"],
        ["--seed", "1.5"],
        ["--seed", "-3"],
        ["--runs", "0"],
        ["--runs", "two"],
        ["--hidden-layers", "-1"],
        ["--optimizer", "rmsprop"],
        ["--no-such-option"],
        ["--baseline", "--compare-baseline"],
        ["--sutton-barto", "--eager"],
        ["--sutton-barto", "--means", "1", "2"],
        ["--sutton-barto", "--runs", "200000"],
    ],
)
def test_cli_refuses_bad_input_with_one_line_and_exit_2(argv, tmp_path, capsys):
    out = tmp_path / "figs"
    with pytest.raises(SystemExit) as exit_info:
        db.main([*argv, "--out", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err
    assert not out.exists()


def test_cli_refuses_absurd_sizes_with_an_estimate(capsys):
    with pytest.raises(SystemExit):
        db.main(["--steps", "1000000000", "--means", "1", "2", "--runs", "1"])
    assert "hours" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        db.main(["--steps", "50000000", "--means", *["1"] * 100, "--runs", "1"])
    assert "GiB of memory" in capsys.readouterr().err


def test_cli_overflow_is_one_line_exit_1_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "figs"
    result = run_cli("--means", "1e30", "0", "--steps", "100", "--runs", "2", "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("discrete_bandit.py: error: training diverged")
    # The same in-process, for huge noise instead of huge means.
    argv = ["--stddev", "1e20", "--means", "1", "2", "--steps", "100", "--out", str(out)]
    assert db.main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: training diverged" in err
    assert not out.exists()


def test_cli_refuses_an_out_path_that_is_a_file(tmp_path, capsys):
    existing = tmp_path / "a_file"
    existing.write_text("keep me")
    for out in (existing, existing / "below"):
        with pytest.raises(SystemExit) as exit_info:
            db.main(["--steps", "5", "--out", str(out)])
        assert exit_info.value.code == 2
        assert "is not a folder" in capsys.readouterr().err
    assert existing.read_text() == "keep me"


def test_cli_error_is_a_single_line_without_traceback(tmp_path):
    result = run_cli("--steps", "0", "--out", str(tmp_path / "figs"))
    assert result.returncode == 2
    # One line, argparse's "prog: error: message" form, no usage block and no traceback.
    assert result.stderr == (
        "discrete_bandit.py: error: steps must be an integer >= 1, got 0 (see --help)\n"
    )
    assert result.stdout == ""  # refused before any training started
    assert not (tmp_path / "figs").exists()


def test_cli_default_runs_many_seeds_and_marks_dead_networks(tmp_path, capsys):
    assert db.parse_args([]).runs == 10
    assert db.main(["--steps", "20", "--means", "1", "2", "--out", str(tmp_path)]) == 0
    for name in ("final_probabilities.png", "learning_curves.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    out = capsys.readouterr().out
    assert "mean of 10 run(s)" in out
    row = next(line for line in out.splitlines() if line.startswith("[1, 2]"))
    assert row.split()[-2] == "2/10"  # seeds 2 and 7 start dead (see the dead-network tests)


def test_cli_runs_1_gives_the_single_run_view(tmp_path, capsys):
    db.main(["--runs", "1", "--steps", "20", "--means", "1", "2", "--out", str(tmp_path)])
    assert "mean of 1 run(s)" in capsys.readouterr().out
    assert (tmp_path / "learning_curves.png").read_bytes().startswith(PNG_MAGIC)


def test_cli_compare_baseline_writes_its_figure(tmp_path):
    db.main(
        [
            "--compare-baseline",
            "--runs",
            "2",
            "--steps",
            "20",
            "--means",
            "5",
            "6",
            "--out",
            str(tmp_path),
        ]
    )
    assert (tmp_path / "baseline_comparison.png").read_bytes().startswith(PNG_MAGIC)
    assert not (tmp_path / "learning_curves.png").exists()


def test_cli_sutton_barto_prints_the_table_and_writes_its_figure(tmp_path, capsys):
    db.main(["--sutton-barto", "--runs", "6", "--steps", "120", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "alpha = 0.4, without baseline" in out and "the article's actor" in out
    header = next(line for line in out.splitlines() if line.startswith("% optimal action at"))
    assert header.split()[-2:] == ["100", "120"]
    assert (tmp_path / "sutton_barto_figure_2_5.png").read_bytes().startswith(PNG_MAGIC)


def test_importing_the_script_trains_and_writes_nothing(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(SCRIPT.parent)!r}); import discrete_bandit",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=newcomer_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == "" and list(tmp_path.iterdir()) == []
