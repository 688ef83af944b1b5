#!/usr/bin/env python3
"""Entry point of the course: ``python3 make.py`` and ``python3 make.py test``.

Standard library only, because it runs before anything is installed. It creates
``.venv`` with the pinned dependencies (again whenever requirements.txt or
pyproject.toml change), then hands over to the venv's Python:

- ``python3 make.py [all]``: generate release/, autograde the demo class in
  demo/ (never the course's own class), generate its feedback, print a summary,
  render the site (``python -m course.build all``);
- ``python3 make.py test [pytest args]``: the whole test suite;
- ``python3 make.py <command> ...``: any ``course.build`` command.
"""
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed-from"
INPUTS = ("requirements.txt", "pyproject.toml")


def _inputs_digest():
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv():
    """Create or refresh .venv so that it matches the pinned requirements."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python >= 3.11 is required, this is {sys.version.split()[0]}")
    wanted = _inputs_digest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PYTHON.exists():
        print(f"Creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the pinned dependencies (first run takes a few minutes) ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["install", "-r", str(ROOT / "requirements.txt"),
                          "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted + "\n")


def venv_environ():
    """Environment for every tool: nbgrader runs `alembic` from PATH."""
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(VENV)
    env.pop("PYTHONHOME", None)
    return env


def main(argv):
    ensure_venv()
    if argv[:1] == ["test"]:
        command = [str(PYTHON), "-m", "pytest", *argv[1:]]
    else:
        command = [str(PYTHON), "-m", "course.build", *(argv or ["all"])]
    return subprocess.run(command, cwd=ROOT, env=venv_environ()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
