"""A notebook runs the sync client inside Jupyter's event loop and shows a job as HTML."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from quantinuum_api_server.testing import LocalServer
from tests.paths import ROOT
from tests.programs import BELL

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

EMAIL, PASSWORD = "nb@example.com", "notebook-password"


def test_notebook_runs_a_job_and_renders_it_as_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalServer() as server:
        server.add_user(EMAIL, PASSWORD)
        monkeypatch.setenv("QAPI_NOTEBOOK_URL", server.base_url)
        path = os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated"), str(ROOT)])
        monkeypatch.setenv("PYTHONPATH", path)
        cells = [
            "import os\n"
            "from quantinuum_api import Client\n"
            f"BELL = {BELL!r}\n"
            f"client = Client(os.environ['QAPI_NOTEBOOK_URL'], email={EMAIL!r}, "
            f"password={PASSWORD!r})",
            "job = client.jobs.run(BELL, 'H1-1E', 50, timeout=60)\njob",
            "print(job.status, sum(job.counts().values()))\nclient.close()",
        ]
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(source) for source in cells]
        )
        client = nbclient.NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(tmp_path)}},
        )
        client.execute()
    shown = notebook.cells[1].outputs
    (result,) = [o for o in shown if o.output_type == "execute_result"]
    html = result.data["text/html"]
    assert 'class="quantinuum-job"' in html
    assert "completed" in html
    assert "register c" in html
    assert "<code>00</code>" in html or "<code>11</code>" in html
    printed = "".join(o.get("text", "") for o in notebook.cells[2].outputs)
    assert printed.strip() == "completed 50"
