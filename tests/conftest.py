import sys
from pathlib import Path

# The script is a single file at the top of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os  # noqa: E402

XLA_FLAGS_BEFORE_IMPORT = os.environ.get("XLA_FLAGS")  # the script keeps a user's own

# Imported before anything imports TensorFlow, as in a user's process: the script sets
# TensorFlow's logging and oneDNN defaults, which TensorFlow reads only when it is imported.
import discrete_bandit  # noqa: E402, F401


def pytest_configure(config):
    # On Python 3.13, the gast package under TensorFlow's AutoGraph warns about its own use of
    # the ast module (hundreds of lines per run). Not ours to fix, and not our code's warnings.
    config.addinivalue_line("filterwarnings", "ignore:.*___pyct_anno:DeprecationWarning")
