"""Tests for discrete_bandit.py: Part 1, many runs at once, the figures, the command line and its
edges. Statistical tests use fixed seeds; each states the value it measured and the margin kept."""

import errno
import importlib.util
import json
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import keras
import matplotlib
import numpy as np
import pytest
import tensorflow as tf

import discrete_bandit as db
from conftest import PNG_MAGIC, ROOT, assert_readable, assert_refused, checks, table_rows

matplotlib.use("Agg")

SCRIPT = ROOT / "discrete_bandit.py"
SEPARATED = [1.0, 2.0, 3.0, 4.0]
FIGURES = ["expected_rewards.png", "final_probabilities.png", "learning_curves.png"]
STEPS = db.STEPS_PER_CALL  # one call of the compiled loop: the fixtures compile one loop each


# --- Part 1: the article's example ----------------------------------------------------------


@pytest.mark.parametrize("action, reward", [(0, 1.7), (2, -0.6)])
def test_the_pseudo_loss_gradient_is_the_reinforce_update_with_a_minus_sign(action, reward):
    # d(-v log pi(a)) / d logits = -v (onehot(a) - pi): descending it is REINFORCE's ascent. A
    # policy that is not uniform, so that onehot(a) - pi has no symmetry to hide a mistake.
    actor = db.build_actor(4)
    actor.layers[-1].bias.assign([0.3, -1.2, 0.8, 0.1])
    with tf.GradientTape() as tape:
        log_probs = actor(db.STATE)[0]
        loss = db.pseudo_loss(log_probs[action], reward)
    pi = np.exp(log_probs.numpy())
    np.testing.assert_allclose(tape.gradient(loss, actor.layers[-1].bias),
                               -reward * (np.eye(4)[action] - pi), rtol=1e-5, atol=1e-7)


def test_the_pseudo_loss_stays_finite_where_an_arm_is_all_but_impossible():
    actor = db.build_actor(4)
    actor.layers[-1].bias.assign([0.0, 0.0, 0.0, -200.0])  # pi(3) = e^-200: 0 in float32
    with tf.GradientTape() as tape:
        log_probs = actor(db.STATE)[0]
        loss = db.pseudo_loss(log_probs[3], 2.5)
    assert np.exp(log_probs[3].numpy()) == 0.0 and np.isfinite(loss.numpy())
    assert all(np.isfinite(g).all() for g in tape.gradient(loss, actor.trainable_variables))


def test_part_1_runs_on_its_own_and_is_the_eager_loop(tmp_path):  # the file cut after Part 1
    text = SCRIPT.read_text()
    (tmp_path / "article.py").write_text(text[:text.index("# ===== End of the article's")])
    spec = importlib.util.spec_from_file_location("article", tmp_path / "article.py")
    article = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(article)
    alone = article.train_step_by_step([1.0, 2.0], steps=10)
    assert alone.shape == (11, 2) and np.all(alone[0] == 0.5) and np.any(alone[-1] != 0.5)
    assert np.array_equal(alone, db.train_step_by_step([1.0, 2.0], steps=10))


@pytest.mark.parametrize("arms", [2, 7])
def test_every_arm_starts_equally_likely(arms, trainer):
    # The policy that plays the first step, eagerly and in the compiled loop, whatever the seed.
    for seed in (0, 1):
        assert np.all(db.train_step_by_step([0.0] * arms, steps=1, seed=seed)[0] == 1 / arms)
    assert np.all(trainer.train(SEPARATED, steps=STEPS, seed=3)[:, 0] == 0.25)


# --- Many runs at once ----------------------------------------------------------------------
def test_learns_a_clearly_separated_bandit(trainer):
    # Measured: after 1,000 steps, p(best) of runs 0-9 of seed 0 averages 0.887 (seeds 1, 2:
    # 0.803, 0.815); uniform is 0.25. Asked: 0.6.
    assert trainer.train(SEPARATED, steps=1_000)[:, -1, 3].mean() > 0.6


def test_runs_differ_and_a_longer_run_starts_as_the_shorter_one(trainer):
    # Across a boundary of the compiled loop's calls. (Run r is the same whatever the number of
    # runs: see test_compare.py.)
    longer = trainer.train([1.0, 0.9, 0.9, 1.0], steps=db.STEPS_PER_CALL + 300, seed=5)
    assert len({run.tobytes() for run in longer}) == 10
    shorter = trainer.train([1.0, 0.9, 0.9, 1.0], steps=db.STEPS_PER_CALL + 10, seed=5)
    assert np.array_equal(shorter, longer[:, : db.STEPS_PER_CALL + 11])


def test_same_seed_same_runs_whatever_ran_before_and_from_threads_at_once(trainer):
    first = trainer.train(SEPARATED, steps=STEPS, seed=11)
    trainer.train([5.0, 1.0, 2.0, 0.0], steps=STEPS, seed=3, learning_rate=0.1)  # leaves no trace
    assert np.array_equal(trainer.train(SEPARATED, steps=STEPS, seed=11), first)
    assert not np.array_equal(trainer.train(SEPARATED, steps=STEPS, seed=12), first)
    # Two threads sharing the Trainer take turns: each gets what it would get alone.
    seeds, results = (11, 12), {}
    threads = [threading.Thread(target=lambda s=s: results.update({s: trainer.train(
        SEPARATED, steps=STEPS, seed=s)})) for s in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert np.array_equal(results[11], first)
    assert np.array_equal(results[12], trainer.train(SEPARATED, steps=STEPS, seed=12))


def test_each_run_plays_its_own_bandit_and_policies_are_probabilities(trainer):
    # Even runs play [0, 1, 2, 3], odd runs its mirror: each learns its own best arm. Measured
    # after 1,000 steps, p(own best arm) averages 0.953 over runs 0-9 of seed 0 (seeds 1, 2: 0.839,
    # 0.856); uniform is 0.25. Asked: 0.6.
    policies = trainer.train([[0.0, 1.0, 2.0, 3.0], [3.0, 2.0, 1.0, 0.0]] * 5, steps=1_000)
    np.testing.assert_allclose(policies.sum(axis=-1), 1.0, rtol=1e-6)
    assert np.mean([policies[0::2, -1, 3], policies[1::2, -1, 0]]) > 0.6


def test_a_stddev_per_arm(trainer):
    # Arm 0 pays its mean exactly, arm 1 with stddev 3. Standard errors over 2,000 rewards: 0.067
    # for the mean, 0.047 for the stddev; margins of 3 of them.
    action = tf.constant([0, 1] * 2_000, tf.int64)
    reward = db.pull(tf.constant([[1.0, -2.0]] * 4_000), tf.constant([0.0, 3.0]), action,
                     tf.constant([1, 2])).numpy()
    assert np.all(reward[::2] == 1.0)
    assert abs(reward[1::2].mean() + 2.0) < 0.2 and abs(reward[1::2].std() - 3.0) < 0.15
    # One number for every arm is that number per arm, bit for bit.
    assert np.array_equal(trainer.train(SEPARATED, steps=STEPS, stddev=2.0),
                          trainer.train(SEPARATED, steps=STEPS, stddev=[2.0] * 4))


def test_a_dead_network_learns_its_output_bias_alone(trainer):
    # For every run that dead_runs calls dead among runs 0-9 of seeds 0-9: the last hidden layer
    # is all off at the start (computed here from the weights), and training moves no hidden
    # weight, only the output layer.
    dead_seen = 0
    for seed in range(10):
        dead = db.dead_runs(seed, 10)
        db.reset_population(trainer.actor, trainer.optimizer, seed, db.LEARNING_RATE)
        w1, b1, w2, b2, *_ = start = trainer.actor.get_weights()
        hidden = np.maximum(0, np.einsum("ri,rio->ro", np.maximum(0, w1[:, 0] + b1), w2) + b2)
        assert np.array_equal(dead, ~hidden.any(axis=1))
        if dead.any():
            trainer.train(SEPARATED, steps=STEPS, seed=seed)
            end = trainer.actor.get_weights()
            for before, after in zip(start[:4], end[:4]):
                assert np.array_equal(before[dead], after[dead])
            assert not np.array_equal(start[-1][dead], end[-1][dead])
            dead_seen += dead.sum()
    assert dead_seen > 0  # measured: 9 of these 100 runs start dead


@pytest.mark.parametrize("means, runs, options", [
    ([1.0], 2, {}), ([1.0, float("nan")], 2, {}), ([1.0, 2.0], 2, dict(stddev=[1.0, 2.0, 3.0])),
    ([1.0, 2.0], 0, {}), ([1.0, 2.0], 2, dict(optimizer="rmsprop")),
    ([1.0, 2.0], 2, dict(baseline="sometimes")), ([1.0, 2.0], 2, dict(steps=True)),
    ([1.0, 2.0], 2, dict(seed=-1)),
])
def test_the_python_api_refuses_bad_arguments_with_a_value_error(means, runs, options):
    with pytest.raises(ValueError, match="must be|needs|takes"):
        db.train_runs(means, runs, **options)


def test_payoffs_that_overflow_float32_stop_training_with_a_clear_error(trainer):
    for train in (lambda: trainer.train([1e30, 0.0, 0.0, 0.0], steps=STEPS),
                  lambda: db.train_settings([[1e30, 0.0]], runs=1, seed=0, steps=50, eager=True)):
        with pytest.raises(FloatingPointError, match="diverged.*smaller"):
            train()


# --- Figures ---------------------------------------------------------------------------------
def random_results(num_arms, panels, runs):  # train_settings' results, random; long labels
    rng = np.random.default_rng(num_arms)
    means = [round(1.05 * arm - 2, 2) for arm in range(num_arms)]
    policies = rng.dirichlet(np.ones(num_arms), size=(runs, 101)).astype(np.float32)
    return [(means[::(-1) ** panel], policies, np.arange(runs) == 1) for panel in range(panels)]


# Few arms, the article's number, and the most: one, three and two panels.
@pytest.mark.parametrize("num_arms, panels, runs", [(2, 1, 1), (4, 3, 5), (db.MAX_ARMS, 2, 5)])
def test_figures_for_2_to_100_arms_are_readable(num_arms, panels, runs):
    results = random_results(num_arms, panels, runs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a layout that could not make everything fit
        figures = [plot(results) for plot in (db.plot_final_probabilities,
                                              db.plot_learning_curves, db.plot_expected_rewards)]
    for fig in figures:
        assert_readable(fig)
    bars = figures[0].axes[0].patches
    assert len(bars) == num_arms  # a bar per arm; beyond ten arms, coloured by mean with viridis
    means, policies, _ = results[0]  # the expected reward: the mean over runs of pi . mu
    np.testing.assert_allclose(figures[2].axes[0].lines[0].get_ydata()[-1],
                               (policies[:, -1] @ np.float32(means)).mean(), rtol=1e-6)
    if num_arms > 10:
        viridis = matplotlib.pyplot.get_cmap("viridis")
        assert bars[int(np.argmin(means))].get_facecolor()[:3] == viridis(0.0)[:3]
        assert bars[int(np.argmax(means))].get_facecolor()[:3] == viridis(1.0)[:3]
    matplotlib.pyplot.close("all")


def test_learning_curves_show_each_runs_probability_of_a_best_arm_in_its_end_arms_colour():
    # [1, 0.9, 0.9, 1]: arms 0 and 3 tie. A run at 0.4 on each ends at 0.8 on the best arms.
    policies = np.full((3, 11, 4), 0.25, np.float32)
    policies[:, -1] = [[0.1, 0.1, 0.1, 0.7], [0.4, 0.1, 0.1, 0.4], [0.2, 0.1, 0.5, 0.2]]
    fig = db.plot_learning_curves([([1.0, 0.9, 0.9, 1.0], policies, np.zeros(3, bool))])
    ax = fig.axes[0]
    runs = sorted((line.get_color(), round(float(line.get_ydata()[-1]), 6))
                  for line in ax.lines[:3])
    assert runs == [("C0", 0.8), ("C2", 0.4), ("C3", 0.8)]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "ends on arm 0 (mean 1, best): 1 of 3", "ends on arm 2 (mean 0.9): 1 of 3",
        "ends on arm 3 (mean 1, best): 1 of 3", "uniform start"]
    matplotlib.pyplot.close(fig)


# --- The command line --------------------------------------------------------------------------
BAD_INPUT = [
    ["--means", "1"], ["--means", "1", "x"], ["--means", "1", "nan"], ["--means", "inf", "1"],
    ["--means", "1e39", "0"], ["--means", *["1"] * (db.MAX_ARMS + 1)],
    ["--stddev", "-1"], ["--stddev", "1", "2", "--means", "1", "2", "3"],
    ["--steps", "0"], ["--steps", "2.5"], ["--runs", "two"], ["--runs", "10001"],
    ["--learning-rate", "0"], ["--seed", "-3"], ["--seed", str(2**31)],
    ["--hidden-layers", "11"], ["--optimizer", "rmsprop"], ["--no-such-option"],
    ["--mean", "0", "5"],  # not taken for --means: no abbreviations
    ["--eager", "--baseline"], ["--eager", "--runs", "2"],
    ["--steps", "100000000"],  # tens of GiB of policies: the memory guard
    ["--out", "/proc/figures"], ["--out", str(SCRIPT / "figures")],  # under a file
]


@pytest.mark.parametrize("argv", BAD_INPUT)
def test_bad_input_gets_one_line_exit_2_and_nothing_written(argv, tmp_path, capsys):
    out = tmp_path / "figs"
    assert_refused(db.main, [*argv, "--out", str(out)] if "--out" not in argv else argv, capsys,
                   out)


def test_eager_trains_one_run_with_the_articles_loop(tmp_path, capsys):
    argv = ["--eager", "--means", "1", "2", "--steps", "5", "--seed", "3", "--out", str(tmp_path)]
    assert db.main(argv) == 0
    assert table_rows(capsys.readouterr().out)[0][1][:2] == [
        f"{p:.2f}" for p in db.train_step_by_step([1.0, 2.0], steps=5, seed=3)[-1]]


def test_divergence_is_one_line_exit_1_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "figs"
    assert db.main(["--eager", "--means", "1e30", "0", "--steps", "50", "--out", str(out)]) == 1
    assert capsys.readouterr().err.count("\n") == 1 and not out.exists()


def test_a_full_disk_leaves_no_partial_figure(tmp_path, monkeypatch, capsys):
    savefig = matplotlib.figure.Figure.savefig

    def savefig_on_a_full_disk(fig, fname, **kwargs):
        if "learning_curves" not in str(fname):
            return savefig(fig, fname, **kwargs)
        Path(fname).write_bytes(PNG_MAGIC)  # half a figure, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(fname))

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig_on_a_full_disk)
    assert db.main(["--eager", "--means", "1", "2", "--steps", "2", "--out", str(tmp_path)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert [path.name for path in tmp_path.iterdir()] == ["final_probabilities.png"]


def test_ctrl_c_ends_without_a_traceback_and_nothing_written(tmp_path, monkeypatch, capsys):
    def ctrl_c(*args):
        raise KeyboardInterrupt  # as Python raises it where the user presses Ctrl-C

    monkeypatch.setattr(keras.utils.Progbar, "add", ctrl_c)
    out = tmp_path / "figs"
    assert db.main(["--eager", "--means", "1", "2", "--steps", "2", "--out", str(out)]) == 130
    assert capsys.readouterr().err == "interrupted\n" and not out.exists()


def test_show_without_a_display_says_so_and_writes_the_figures(tmp_path, capsys):
    # This process draws with Agg (see the top of this file), which opens no window.
    argv = ["--show", "--eager", "--means", "1", "2", "--steps", "2", "--out", str(tmp_path)]
    assert db.main(argv) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("--show: no window can open")
    assert sorted(path.name for path in tmp_path.iterdir()) == FIGURES


# --- The script in processes of its own, as a user runs it (see `processes` in conftest.py) ---


def newcomer(**changes):
    """This environment without the settings the script makes (as a newcomer's), with changes."""
    names = ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "XLA_FLAGS", "KERAS_BACKEND")
    return {**{k: v for k, v in os.environ.items() if k not in names}, **changes}


def run_the_command_line(tmp_path):
    # As `python discrete_bandit.py ...` runs, with a keras.json that names another backend: the
    # script runs on TensorFlow all the same.
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "jax"}))
    env = newcomer(KERAS_HOME=str(tmp_path))
    command = subprocess.run([sys.executable, str(SCRIPT), "--means", "0", "1", "2", "3", "--means",
                              "3", "1", "--steps", str(STEPS), "--seed", "3", "--out",
                              str(tmp_path / "figs")],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300, env=env)
    # An explicit other backend gets one line, before TensorFlow is imported.
    other = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                           timeout=300, env=newcomer(KERAS_BACKEND="jax"))
    return tmp_path / "figs", command, other


def run_into_a_pipe_closed_after_one_line(tmp_path):
    out = tmp_path / "figs"
    child = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--eager", "--means", "1", "2", "--steps", "1", "--out",
         str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=newcomer())
    first_line = child.stdout.readline()
    child.stdout.close()  # as `| head -1` does
    with child.stderr:
        stderr = child.stderr.read()
    return first_line, child.wait(timeout=300), stderr, out.exists()


@checks(run_the_command_line)
def test_the_command_line_prints_the_summary_writes_the_figures_and_nothing_else(processes,
                                                                                trainer):
    out, command, other = processes[run_the_command_line].result()
    assert command.returncode == 0, command.stderr
    assert command.stderr == ""  # no TensorFlow chatter, no warnings
    assert sorted(path.name for path in out.iterdir()) == FIGURES
    assert all(path.read_bytes().startswith(PNG_MAGIC) for path in out.iterdir())
    rows = table_rows(command.stdout)
    assert [setting for setting, _ in rows] == ["[0, 1, 2, 3]", "[3, 1]"]
    # Not a terminal: a plain progress line per setting, no escape codes; it counts run-steps.
    assert "\x1b[" not in command.stdout and "\r" not in command.stdout
    assert sum(line.startswith(f"{10 * STEPS}/{10 * STEPS} - ") and line.endswith("/run-step")
               for line in command.stdout.splitlines()) == 2
    # The summary's numbers are the policies' of the same runs in this process. Seed 3: run 7 of
    # 10 starts dead.
    final = trainer.train([0, 1, 2, 3], steps=STEPS, seed=3)[:, -1]
    low, high = np.percentile(final[:, 3], [10, 90])
    assert rows[0][1] == [
        *(f"{p:.2f}" for p in final.mean(axis=0)), f"{final[:, 3].mean():.3f}", f"[{low:.2f},",
        f"{high:.2f}]", f"{np.sum(final.argmax(axis=1) == 3)}/10", "1/10"]
    assert other.returncode != 0 and other.stdout == ""
    assert other.stderr.count("\n") == 1 and "TensorFlow backend" in other.stderr


@checks(run_into_a_pipe_closed_after_one_line)
def test_a_pipe_closed_after_one_line_stops_the_script_quietly(processes):
    run = processes[run_into_a_pipe_closed_after_one_line]
    first_line, returncode, stderr, wrote = run.result()
    assert first_line == b"means = [1, 2]\n"
    assert returncode == 141  # 128 + SIGPIPE, as for `yes | head -1`
    assert stderr == b"" and not wrote
