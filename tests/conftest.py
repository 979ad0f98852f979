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
# TensorFlow: the processes start when the session starts and run one after another, on the core
# the other tests leave; each test checks, at the end, what its process saw.
CHECKED_BY = {}  # the name of a test: the `run_...` whose result it checks


def checks(run):
    """Decorator: the test checks what `run` saw."""

    def register(test):
        CHECKED_BY[test.__name__] = run
        return test

    return register


def pytest_collection_modifyitems(items):
    # The tests that check a process's result last: the others run while the processes do.
    items.sort(key=lambda item: item.originalname in CHECKED_BY)


@pytest.fixture(scope="session", autouse=True)
def processes(request, tmp_path_factory):
    """{run: its future}, for the runs of the selected tests, one after another in a thread."""
    runs = {CHECKED_BY[item.originalname] for item in request.session.items
            if item.originalname in CHECKED_BY}
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield {run: pool.submit(run, tmp_path_factory.mktemp(run.__name__)) for run in runs}


def assert_refused(main, argv, capsys, out=None):
    """`main(argv)` refuses its command line as a user sees it: exit status 2 and one line on
    stderr, "PROG: error: ...", before any work: nothing printed, and `out`, the folder for its
    figures, not made."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    assert exit_info.value.code == 2, captured.err
    assert captured.err.count("\n") == 1 and ": error: " in captured.err
    assert captured.out == ""
    assert out is None or not out.exists()
