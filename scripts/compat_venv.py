"""Make the second venv of `make test`: pytket-quantinuum 0.55 beside the main venv's 0.59+.

0.55 (the last release that submits, through its `api_handler`) and today's release
cannot share a venv. This venv installs only what differs: pytket and pytket-qir at the
main venv's versions (pytket-quantinuum lives inside the `pytket` package, so the package
must be its own here), pytket-quantinuum 0.55.8 and nest_asyncio, all without
dependencies. Everything else (this project, the service, qiskit, pytest...) comes from
the main venv, whose site-packages a `.pth` file adds after this venv's own.

Usage: `.venv/bin/python scripts/compat_venv.py .venv-compat` (run by the Makefile).
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import sysconfig
from pathlib import Path

#: The 0.55 line's last release (the benchmarks' reference client too).
LEGACY_PYTKET_QUANTINUUM = "0.55.8"
PTH_NAME = "_quantinuum_api_main_venv.pth"


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True)  # noqa: S603 - our own interpreter and pip


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: compat_venv.py VENV_DIR", file=sys.stderr)
        return 2
    venv = Path(argv[0]).resolve()
    main_site = Path(sysconfig.get_paths()["purelib"])
    _run(sys.executable, "-m", "venv", "--clear", str(venv))
    python = venv / "bin" / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (venv / "lib" / version / "site-packages" / PTH_NAME).write_text(
        f"import site; site.addsitedir({str(main_site)!r})\n"
    )
    pins = [
        f"pytket=={importlib.metadata.version('pytket')}",
        f"pytket-qir=={importlib.metadata.version('pytket-qir')}",
        f"pytket-quantinuum=={LEGACY_PYTKET_QUANTINUUM}",
        "nest_asyncio>=1.2",
    ]
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run(*pip, "--no-deps", "--ignore-installed", *pins)
    check = (
        "import importlib.metadata as m, pytket.extensions.quantinuum, quantinuum_api_server;"
        "print(m.version('pytket-quantinuum'))"
    )
    found = subprocess.run(  # noqa: S603
        [str(python), "-c", check], capture_output=True, text=True, check=True
    ).stdout.strip()
    if found != LEGACY_PYTKET_QUANTINUUM:
        print(f"compat venv: found pytket-quantinuum {found}, not 0.55", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
