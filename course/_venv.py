"""Run an instructor command with the course's Python: standard library only, imported
before anything the venv provides (``python -m course.build`` with another Python)."""
import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def in_venv():
    return Path(sys.prefix).resolve() == VENV.resolve()


def use_course_venv(module):
    """Go on in the course's venv: here if this is its Python, else re-executed with it;
    without a venv, go on only if nbgrader is importable, else say in one line what to run."""
    if in_venv():
        return
    if PYTHON.exists():
        command = [str(PYTHON), "-m", module, *sys.argv[1:]]
        env = dict(os.environ, VIRTUAL_ENV=str(VENV))
        env["PATH"] = str(PYTHON.parent) + os.pathsep + env.get("PATH", "")   # nbgrader runs alembic from PATH
        env.pop("PYTHONHOME", None)
        sys.stdout.flush()
        if os.name == "nt":   # no exec on Windows: run it and pass its status on
            import subprocess

            sys.exit(subprocess.run(command, env=env).returncode)
        os.execve(command[0], command, env)
    if importlib.util.find_spec("nbgrader") is None:
        args = " ".join(sys.argv[1:])
        sys.exit(f"{sys.executable} lacks the course's packages and {VENV} does not exist: run"
                 f" `python3 {ROOT / 'make.py'}{' ' + args if args else ''}` (it creates the venv, then runs this).")
