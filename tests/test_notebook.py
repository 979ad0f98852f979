"""`%run discrete_bandit.py` in a real Jupyter kernel: the figures show inline, as do later cells'
plots, and the kernel's matplotlib backend stays. Skipped where nbclient, nbformat or ipykernel
(test-only dependencies) is missing."""

import importlib.util
import json
import shlex
import sys
from pathlib import Path

import pytest

for _name in ("nbformat", "nbclient", "ipykernel"):
    pytest.importorskip(_name, reason=f"{_name} is not installed: the notebook test needs "
                        "nbclient, nbformat and ipykernel (pip install nbclient ipykernel)")

import nbformat  # noqa: E402
from conftest import checks  # noqa: E402
from ipykernel.kernelspec import write_kernel_spec  # noqa: E402
from jupyter_client import KernelManager  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

SCRIPT = Path(importlib.util.find_spec("discrete_bandit").origin)
ARGV = ["--means", "1", "2", "--steps", "3", "--eager"]  # eager: no compilation to wait for


def run_notebook(sources, folder):
    """Run a notebook of these cells in a kernel of this very Python, in `folder`, without an
    MPLBACKEND of the environment's (it would replace the inline backend); returns its cells."""
    spec = folder / "kernels" / "python3"
    write_kernel_spec(spec)
    kernel_json = json.loads((spec / "kernel.json").read_text())
    (spec / "kernel.json").write_text(json.dumps({**kernel_json, "env": {"MPLBACKEND": ""}}))
    kernel = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(
        kernel_dirs=[str(folder / "kernels")]))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    # A cell that raises raises CellExecutionError here; the kernel is shut down either way.
    NotebookClient(notebook, km=kernel, timeout=300,
                   resources={"metadata": {"path": str(folder)}}).execute(cleanup_kc=True)
    return notebook.cells


def run_the_script_in_a_notebook(tmp_path):
    out = tmp_path / "figs"
    run = f"%run {shlex.join([str(SCRIPT), *ARGV, '--out', str(out)])}"
    return tmp_path, run_notebook([
        f"import sys; assert sys.prefix == {sys.prefix!r}, sys.prefix",  # this environment
        "import gc, matplotlib; backend, frozen = matplotlib.get_backend(), gc.get_freeze_count()",
        run,
        "import matplotlib.pyplot as plt; plt.plot([1, 2]); plt.show()",
        "assert matplotlib.get_backend() == backend, (backend, matplotlib.get_backend())",
        # The session goes on: %run froze none of its objects (the command line freezes them).
        "assert gc.get_freeze_count() == frozen, (frozen, gc.get_freeze_count())",
        # A kernel whose user chose another backend keeps it too (and Agg shows nothing); main()
        # is the one %run left in the notebook's namespace.
        "matplotlib.use('Agg'); backend = matplotlib.get_backend()",  # 'Agg' or 'agg'
        f"status = main({[*ARGV, '--out', str(tmp_path / 'again')]!r})",
        "assert (status, matplotlib.get_backend()) == (0, backend), matplotlib.get_backend()",
    ], tmp_path)


def outputs(cell, output_type, name=None):
    return [o for o in cell.outputs
            if o.output_type == output_type and (name is None or o.get("name") == name)]


def images(cell):
    return [o for o in outputs(cell, "display_data") if "image/png" in o.data]


@checks(run_the_script_in_a_notebook)
def test_run_in_a_notebook_shows_the_figures_inline_and_leaves_the_backend(processes):
    tmp_path, cells = processes[run_the_script_in_a_notebook].result()
    out = tmp_path / "figs"
    # %run: final_probabilities.png, learning_curves.png and expected_rewards.png; then the plot
    # of the next cell.
    assert [len(images(cell)) for cell in cells] == [0, 0, 3, 1, 0, 0, 0, 0, 0]
    assert f"Wrote {out / 'learning_curves.png'}" in "".join(
        o.text for o in outputs(cells[2], "stream", "stdout"))
    for folder in (out, tmp_path / "again"):
        assert sorted(path.name for path in folder.iterdir()) == [
            "expected_rewards.png", "final_probabilities.png", "learning_curves.png"]
    # sys.exit(0) at the script's end ends %run quietly: no error output (%run catches
    # SystemExit and shows one for a non-zero status only), and nothing on stderr.
    for cell in cells:
        assert outputs(cell, "error") == [], cell.source
        assert outputs(cell, "stream", "stderr") == [], cell.source
