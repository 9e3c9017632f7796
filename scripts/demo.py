"""`make demo`: the whole SDK against the local reference service, end to end.

Starts the service in-process on a free port with a temporary database, creates a demo
user with MFA, logs in through the SDK (answering the MFA prompt with the TOTP code),
lists machines, prices a GHZ program on the syntax checker, runs it on H1-1E with noise
while the job's states arrive over the websocket, prints the histogram and the cost with
the `qapi` CLI, and shuts everything down. Only public SDK and CLI entry points are used.

Usage: python scripts/demo.py [--shots N] [--qubits N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pyotp

from quantinuum_api import Client, Job, default_credential_storage
from quantinuum_api_server.testing import LocalServer

EMAIL = "demo@example.com"
PASSWORD = "demo-password-not-secret"  # noqa: S105 - a throwaway user of a throwaway server


def ghz(n: int) -> str:
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n}];", f"creg c[{n}];", "h q[0];"]
    lines += [f"cx q[{i}],q[{i + 1}];" for i in range(n - 1)]
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def qapi(env: dict[str, str], *argv: str) -> None:
    """Run the real `qapi` console script, as a user would."""
    exe = shutil.which("qapi", path=str(Path(sys.executable).parent)) or "qapi"
    print(f"$ qapi {' '.join(argv)}", flush=True)
    subprocess.run([exe, *argv], env=env, check=True)  # noqa: S603 - our own console script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--qubits", type=int, default=4)
    args = parser.parse_args()
    program = ghz(args.qubits)

    with tempfile.TemporaryDirectory(prefix="qapi-demo-") as tmp:
        # The demo's tokens and config live in the temporary folder, shared by the SDK and
        # the CLI below; a headless machine has no keyring, so the 0600 file store is used.
        os.environ["QUANTINUUM_CONFIG_DIR"] = str(Path(tmp) / "config")
        os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        step("Starting the local reference service (temporary database)")
        with LocalServer(db_path=Path(tmp) / "demo.db") as server:
            print(f"service at {server.base_url} (websocket {server.ws_url})")
            secret = server.add_user(EMAIL, PASSWORD, mfa=True)
            assert secret is not None
            totp = pyotp.TOTP(secret)
            print(f"demo user {EMAIL} created with MFA (TOTP)")

            step("Logging in through the SDK: password, then the MFA code when asked")

            def mfa_code() -> str:
                code = totp.now()
                print(f"  the service asked for an MFA code; answering {code}")
                return code

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                store = default_credential_storage(namespace=server.base_url)
            for warning in caught:  # e.g. no keyring on a headless machine
                print(f"  note: {warning.message}")
            with Client(
                server.base_url,
                email=EMAIL,
                password=PASSWORD,
                mfa_code=mfa_code,
                token_store=store,
            ) as c:
                c.login()
                print(f"  logged in; tokens kept by {type(store).__name__}")

                step("Machines")
                for m in c.machines.list():
                    print(f"  {m.name:8} {m.system_type!s:15} {m.n_qubits!s:>3} qubits")

                step(f"Pricing a {args.qubits}-qubit GHZ program, {args.shots} shots")
                cost = c.cost(program, "H1-1", args.shots)
                print(f"  H1-1SC (syntax checker) says: {cost:g} HQC")

                step("Running it on H1-1E with the H1-1 noise model; states over the websocket")
                job = c.jobs.submit(
                    program, "H1-1E", args.shots, name="ghz-demo", options={"error-model": True}
                )
                start = time.perf_counter()
                seen: set[tuple[str, object]] = set()

                def progress(update: Job) -> None:
                    shots = update.shots_done  # from the job's `last-shot`
                    if (update.status, shots) in seen:
                        return
                    seen.add((update.status, shots))
                    elapsed = time.perf_counter() - start
                    print(f"  {elapsed:6.3f}s  {update.status}, {shots}/{args.shots} shots")

                final = c.jobs.wait(job.id, on_update=progress, use_websocket=True, timeout=120)
                print(f"  {final.id}: {final.status}")

            step("The results, with the qapi CLI (it finds the SDK's stored tokens)")
            env = {**os.environ, "QUANTINUUM_API_URL": server.base_url}
            qapi(env, "machines")
            qapi(env, "result", final.id)
            step("Shutting down")
        print("service stopped; temporary database removed")
    return 0 if final.succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
