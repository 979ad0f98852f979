import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

# The script is a file at the top of the repository, not an installed package.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# First, as in a user's process: the script sets what TensorFlow and Keras read at their import.
import discrete_bandit as db  # noqa: E402

# The flag the script's commands set (see db.command), as the suite compiles many loops.
if db.tf.__version__.startswith(("2.20.", "2.21.")):
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_use_fusion_emitters=false")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def trainer():  # the kind most tests train, compiled once: 10 runs of the article's actor
    return db.Trainer(10, 4)


def pytest_configure(config):
    # On Python 3.13, gast (under TensorFlow's AutoGraph) warns of its own use of ast: not ours.
    config.addinivalue_line("filterwarnings", "ignore:.*___pyct_anno:DeprecationWarning")


# Processes (the script as a command, a Jupyter kernel) spend seconds importing TensorFlow: they
# start with the session, one after another beside the other tests; their tests check them last.
CHECKED_BY = {}  # the name of a test: the `run_...` whose result it checks


def checks(run):  # decorator: the test checks what `run` saw
    def register(test):
        CHECKED_BY[test.__name__] = run
        return test

    return register


def pytest_collection_modifyitems(items):
    # The tests that check a process's result last: the others run while the processes do.
    items.sort(key=lambda item: item.originalname in CHECKED_BY)


@pytest.fixture(scope="session", autouse=True)
def processes(request, tmp_path_factory):  # {run: its future}, for the selected tests' runs
    runs = {CHECKED_BY[item.originalname] for item in request.session.items
            if item.originalname in CHECKED_BY}
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield {run: pool.submit(run, tmp_path_factory.mktemp(run.__name__)) for run in runs}


def assert_refused(main, argv, capsys, out=None):
    """`main(argv)` refuses: exit status 2, one line "PROG: error: ...", nothing else, no `out`."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    assert exit_info.value.code == 2, captured.err
    assert captured.err.count("\n") == 1 and ": error: " in captured.err, captured.err
    assert captured.out == ""
    assert out is None or not out.exists()


def table_rows(out, first_column_width=28):  # a printed table's rows: (setting, [columns])
    return [(line[:first_column_width].strip(), line[first_column_width:].split())
            for line in out.splitlines() if line.startswith("[")]


def assert_readable(fig):
    """Everything drawn lies on the page; no two panels, and no two tick labels, overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page, axes = fig.bbox, [ax for ax in fig.axes if ax.get_visible()]
    panels = [ax.get_tightbbox(renderer) for ax in axes]
    for box in panels + [artist.get_window_extent(renderer) for artist in
                         [*fig.texts, *fig.legends]]:
        assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1
        assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1
    assert not any(a.overlaps(b) for i, a in enumerate(panels) for b in panels[i + 1:])
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [label.get_window_extent(renderer) for label in axis.get_ticklabels()
                     if label.get_visible() and label.get_text()]
            assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
