"""README.md's code as a reader pastes it: the update is the script's, and so is its twin's."""

import re

import keras
import numpy as np
import tensorflow as tf

import discrete_bandit as db
from conftest import ROOT


def readme_code(heading):
    """The Python blocks of README.md's section whose heading starts with `heading`."""
    section = re.search(rf"^## {heading}.*?(?=^## |\Z)", (ROOT / "README.md").read_text(),
                        re.MULTILINE | re.DOTALL)
    return re.findall(r"```python\n(.*?)```", section[0], re.DOTALL)


def actors(count):
    """Copies of the actor with a random output kernel (a zero one passes no gradient back)."""
    copies = [db.build_actor(4, seed=1) for _ in range(count)]
    kernel = 0.5 * np.random.default_rng(1).standard_normal(copies[0].layers[-1].kernel.shape)
    for actor in copies:
        actor.layers[-1].kernel.assign(kernel)
    return copies


def test_the_update_for_your_own_code_is_the_scripts_and_train_on_batch_makes_it_too():
    update, train_on_batch = readme_code("The update in your own code")
    batch = dict(states=tf.ones((5, 1)), actions=tf.constant([0, 3, 3, 1, 2]),
                 rewards=tf.constant([1.5, -0.5, 2.0, 0.3, -1.0]))
    pasted, script, keras_way = actors(3)
    namespace = {}
    exec(update, namespace)  # defines reinforce_update, as the reader's code would
    namespace["reinforce_update"](pasted, keras.optimizers.Adam(0.001), *batch.values())
    db.reinforce_update(script, keras.optimizers.Adam(0.001), *batch.values())
    exec(train_on_batch, {"actor": keras_way, "keras": keras, **batch})
    for mine, theirs, other in zip(*(a.get_weights() for a in (pasted, script, keras_way))):
        assert np.array_equal(mine, theirs)  # the very same update
        # Measured: at most 1 ulp of the largest weight apart (1.2e-7 of 1.36); the step
        # itself moves weights by 1e-3.
        np.testing.assert_allclose(other, theirs, rtol=0, atol=4 * np.spacing(np.float32(2)))
    assert not np.array_equal(script.get_weights()[0], actors(1)[0].get_weights()[0])
