"""A job running when the service stops is queued again and completes after a restart."""

from __future__ import annotations

from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import Api, new_user


def test_restart_mid_job_and_the_result_arrives() -> None:
    settings = fast_settings(chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
    with LocalServer(settings=settings) as server:
        email, _ = new_user(server)
        api = Api(server, email)
        job = api.submit(count=200).json()["job"]
        queued = api.submit(count=20).json()["job"]
        api.wait(job, lambda doc: doc["status"] == "running" and "results" in doc)
        server.stop()
        server.start()  # same database, same port; the id token stays valid
        done = api.wait(job)
        assert done["status"] == "completed"
        assert len(done["results"]["c"]) == 200
        assert set(done["results"]["c"]) <= {"00", "11"}
        assert api.wait(queued)["status"] == "completed"
