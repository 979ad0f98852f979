"""Tests for experiments/policy_gradient.py: averaged over plays, the pseudo-loss's gradient is
minus the policy gradient; the article's log(p + 1e-5) is biased at arms near p = 1e-5.
Statistical tests use fixed seeds; each states the value it measured and the margin it keeps."""

import matplotlib
import numpy as np
import pytest

import discrete_bandit as db
from conftest import PNG_MAGIC, assert_refused
from experiments import policy_gradient as pg

matplotlib.use("Agg")

# A point mid-training on the article's second setting: every layer gets a gradient.
MIDWAY = dict(means=(1.0, 2.0, 3.0, 4.0), policy=(0.4, 0.1, 0.2, 0.3))
PSEUDO, BASELINE, ARTICLE = range(3)  # rows of result.estimates


def z_scores(estimates, target):
    """(mean over repeats - target) / standard error, per weight. Weights that never vary (those
    of ReLU units that are off) have no standard error: they must equal the target exactly."""
    difference = estimates.mean(axis=0) - target
    error = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    assert np.all(difference[error == 0] == 0)
    return np.divide(difference, error, out=np.zeros_like(difference), where=error > 0)


def test_pseudo_loss_is_unbiased_in_every_layer():
    """2,000 estimates of 10,000 plays each: their mean matches the exact gradient, weight by
    weight, hidden layers included, within a few standard errors."""
    result = pg.policy_gradient_check(**MIDWAY, plays=[10_000], repeats=2_000, seed=1)
    sizes = [w.numpy().size for w in pg.actor_at(MIDWAY["policy"]).trainable_variables]
    layers = np.split(result.exact, np.cumsum(sizes)[:-1])
    assert all(np.any(layer) for layer in layers)  # kernel and bias of all 3 Dense layers
    for estimator in (PSEUDO, BASELINE):
        z = z_scores(result.estimates[estimator, 0], result.exact)
        assert np.abs(z).max() < 4  # measured: 1.78 (pseudo-loss), 1.31 (baseline)
    mean = result.estimates[PSEUDO, 0].mean(axis=0)
    # The test has power: the standard error is 0.062% of the gradient's norm; measured 0.044%.
    assert np.linalg.norm(mean - result.exact) < 0.002 * np.linalg.norm(result.exact)


def test_article_estimate_is_biased_at_a_rare_arm():
    """At the checked policy (three arms at p = 1e-5) and n = 10^8, the mean of the log(p + 1e-5)
    estimates misses the exact gradient by hundreds of standard errors, and lands on exact +
    the bias computed as a sum over arms; the log-softmax estimate does not miss."""
    result = pg.policy_gradient_check(plays=[10**8], repeats=500, seed=2)
    ours, article = result.estimates[PSEUDO, 0], result.estimates[ARTICLE, 0]
    assert np.abs(z_scores(ours, result.exact)).max() < 4  # measured: 0.70
    biased = np.abs(z_scores(article, result.exact))[result.bias != 0]
    assert biased.min() > 100  # measured: 407 (median 693, max 1218, over the 30 that vary)
    assert np.abs(z_scores(article, result.exact + result.bias)).max() < 4  # measured: 0.70


def test_baseline_shrinks_the_spread_on_shifted_payoffs():
    """Payoffs 10 above the article's: subtracting b = J(theta) cuts the estimates' spread."""
    shifted = dict(MIDWAY, means=tuple(m + 10 for m in MIDWAY["means"]))
    result = pg.policy_gradient_check(**shifted, plays=[100], repeats=1_000, seed=4)
    spread = [np.sqrt(np.sum(e.var(axis=0))) for e in result.estimates[:, 0]]
    assert spread[BASELINE] < spread[PSEUDO] / 5  # measured: 10.1 times smaller (2.2 unshifted)


def test_same_seed_same_numbers_and_dead_actors_refused():
    first, second = (pg.policy_gradient_check(plays=[10, 10**6], repeats=50) for _ in range(2))
    assert np.array_equal(first.estimates, second.estimates)
    # An actor whose network is dead passes no gradient to its hidden layers: refused, for every
    # dead one among seeds 0-19 (measured: 3 of them).
    dead = [seed for seed in range(20) if db.dead_runs(seed, 1)[0]]
    assert dead
    for seed in dead:
        with pytest.raises(ValueError, match="dead network"):
            pg.policy_gradient_check(plays=[10], repeats=2, actor_seed=seed)


def test_the_command_prints_each_estimates_error_and_writes_its_figure(tmp_path, capsys):
    assert pg.main(["--seed", "3", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.split()[:1] == ["n"])
    assert header.split() == ["n", "pseudo-loss", "with", "baseline", "article's", "+1e-5"]
    rows = [line.split() for line in lines if line.split()[:1] and line.split()[0][0].isdigit()]
    assert [row[0] for row in rows[::4]] == ["1", "100", "10,000", "1,000,000", "100,000,000"]
    expected = pg.policy_gradient_check(seed=3).errors
    assert [row[1:] for row in rows] == [[f"{e:.4f}" for e in row] for row in expected]
    errors = np.array([[float(e) for e in row[1:]] for row in rows])
    # From 10^6 plays on, the pseudo-loss's error falls 10 times, the article's stays put.
    assert errors[-1, 0] < errors[-5, 0] / 8 and errors[-1, 2] > errors[-5, 2] * 0.9
    assert (tmp_path / "policy_gradient.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize("argv", [["--stddev", "1", "2", "3"], ["--stddev", "-1"],
                                  ["--seed", "-1"], ["--means", "1", "2"]])
def test_bad_input_gets_one_line_exit_2(argv, tmp_path, capsys):
    out = tmp_path / "figs"
    assert_refused(pg.main, [*argv, "--out", str(out)], capsys, out)
