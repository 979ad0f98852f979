import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

# The script is a single file at the top of the repository, not an installed package; the
# experiments are a folder beside it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Imported before anything imports TensorFlow, as in a user's process: the script sets
# TensorFlow's logging, which TensorFlow reads only when it is imported.
import discrete_bandit  # noqa: E402, F401


def pytest_configure(config):
    # On Python 3.13, the gast package under TensorFlow's AutoGraph warns about its own use of
    # the ast module (hundreds of lines per run). Not ours to fix, and not our code's warnings.
    config.addinivalue_line("filterwarnings", "ignore:.*___pyct_anno:DeprecationWarning")


# Tests whose processes (the script run as a command, a Jupyter kernel) spend seconds importing
# TensorFlow: the processes all start together when the session starts and run beside the other
# tests; each test at the end checks what its process saw.
CHECKED_BY = {}  # the name of a test: the `run_...` whose result it checks


def checks(run):
    """Decorator: the test checks what `run` saw."""

    def register(test):
        CHECKED_BY[test.__name__] = run
        return test

    return register


@pytest.fixture(scope="session", autouse=True)
def processes(request, tmp_path_factory):
    """{run: its future}, for the runs of the selected tests, all started in threads at once."""
    runs = {CHECKED_BY[item.originalname] for item in request.session.items
            if item.originalname in CHECKED_BY}
    with ThreadPoolExecutor(max_workers=len(runs) or 1) as pool:
        yield {run: pool.submit(run, tmp_path_factory.mktemp(run.__name__)) for run in runs}
