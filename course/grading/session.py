"""The grader's side of one student's sandboxed process.

A :class:`StudentSession` starts the worker (:mod:`course.grading.worker`),
runs cells in it, looks names up and calls functions, each with a deadline.
If the worker dies or misses a deadline it is killed with everything it
started; the next request starts a fresh worker and replays the cells that
had succeeded, so one fault costs only the cell or the call that caused it.
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import sandbox, wire
from .remote import RemoteObject
from .worker import read_frame, write_frame


class StudentProcessError(Exception):
    """The student's process did not answer: it timed out, crashed or was killed."""


class StudentTimeout(StudentProcessError):
    pass


class StudentCrash(StudentProcessError):
    pass


def _describe_exit(code, cpu_used=0.0, cpu_limit=None):
    if cpu_limit and cpu_used >= 0.95 * cpu_limit:
        return f"used up its CPU-time limit ({cpu_limit} s) and was stopped"
    if code is None:
        return "stopped answering"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else -code
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with status {code}"


class StudentSession:
    """Runs a student's code in a sandboxed worker; every answer is plain data.

    ``files`` is the assignment folder whose non-notebook files (tools.py, data)
    are copied into the worker's private scratch folder.
    """

    def __init__(self, files=None, *, memory_bytes=4 * 2**30, cpu_seconds=120,
                 output_chars=100_000, startup_timeout=60):
        self.memory_bytes, self.cpu_seconds = memory_bytes, cpu_seconds
        self.output_chars, self.startup_timeout = output_chars, startup_timeout
        self.files = Path(files) if files else None
        self.history = []  # cells that ran to the end or to an exception, replayed after a restart
        self.protections = []
        self.restarts = 0
        self.default_timeout = 30  # seconds for a lookup or a call
        self._process = None
        self._scratch = None
        self._generation = 0

    # -- process management ------------------------------------------------------
    def _start(self):
        self._scratch = tempfile.mkdtemp(prefix="student-")
        if self.files and self.files.is_dir():
            for item in self.files.iterdir():
                if item.is_file() and item.suffix != ".ipynb":
                    shutil.copy(item, self._scratch)
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        mpl = _matplotlib_cache()
        config = {"scratch": self._scratch, "read_paths": [mpl], "memory_bytes": self.memory_bytes,
                  "cpu_seconds": self.cpu_seconds, "output_chars": self.output_chars}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self._scratch,
               "TMPDIR": self._scratch, "MPLBACKEND": "Agg", "MPLCONFIGDIR": mpl,
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "NBGRADER_EXECUTION": "autograde", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        command = [*sandbox.launch_prefix(), sys.executable, "-m", "course.grading.worker",
                   str(request_read), str(reply_write), json.dumps(config)]
        self._process = subprocess.Popen(
            command, pass_fds=(request_read, reply_write), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=self._scratch,
            start_new_session=True)
        os.close(request_read)
        os.close(reply_write)
        self._requests, self._replies = request_write, reply_read
        self._generation += 1
        hello = self._ask({"op": "hello"}, self.startup_timeout, starting=True)
        self.protections = hello["protections"]
        for code in self.history:
            self._ask({"op": "run", "code": code}, self.startup_timeout, starting=True)

    def _kill(self):
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._process.wait()
        for fd in (self._requests, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._scratch, ignore_errors=True)
        self._process = None

    def close(self):
        self._kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _ensure(self):
        if self._process is None:
            if self._generation:
                self.restarts += 1
            self._start()

    def _ask(self, request, timeout, starting=False):
        if not starting:
            self._ensure()
        try:
            write_frame(self._requests, wire.dumps(request))
        except (BrokenPipeError, OSError):
            return self._crashed()
        ready, _, _ = select.select([self._replies], [], [], timeout)
        if not ready:
            self._kill()
            raise StudentTimeout(f"did not finish within {timeout:g} s")
        frame = read_frame(self._replies)
        if frame is None:
            return self._crashed()
        reply = wire.loads(frame)
        if not reply["ok"]:
            raise StudentProcessError(reply["error"])
        return reply["reply"]

    def _reap(self, timeout=5):
        """Wait for the dead worker; return (exit code, CPU seconds it used)."""
        deadline = time.monotonic() + timeout
        while self._process is not None:
            # wait4 counts the CPU time of unshare's reaped child, the worker itself
            pid, status, usage = os.wait4(self._process.pid, os.WNOHANG)
            if pid:
                self._process.returncode = os.waitstatus_to_exitcode(status)
                return self._process.returncode, usage.ru_utime + usage.ru_stime
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return None, 0.0

    def _crashed(self):
        code, cpu_used = self._reap()
        self._kill()
        raise StudentCrash(f"the student's process {_describe_exit(code, cpu_used, self.cpu_seconds)}")

    # -- requests ----------------------------------------------------------------
    def run_cell(self, code, timeout=60):
        """Run a cell; returns the reply (ok, stdout, stderr, images, error)."""
        reply = self._ask({"op": "run", "code": code}, timeout)
        self.history.append(code)  # not reached on a timeout or a crash
        return reply

    def lookup(self, names, timeout=None):
        """``{name: value or RemoteObject}`` for the names defined in the student's namespace."""
        found = self._ask({"op": "lookup", "names": list(names)}, timeout or self.default_timeout)
        return {name: self._wrap(entry, name) for name, entry in found.items()}

    def _wrap(self, entry, name):
        if entry["kind"] == "value":
            return entry["value"]
        ref = entry["ref"]
        if "id" not in ref and "name" not in ref:
            ref = {"id": ref}
        ref = dict(ref, generation=self._generation)
        return RemoteObject(self, ref, name, entry["type"])

    def _current(self, ref):
        if "name" not in ref and ref.get("generation") != self._generation:
            raise StudentProcessError("this object was lost when the student's process restarted")
        return {k: v for k, v in ref.items() if k != "generation"}

    def call(self, ref, args, kwargs, options, timeout=None):
        self._ensure()
        report = self._ask({"op": "call", "ref": self._current(ref), "args": list(args),
                            "kwargs": dict(kwargs), "options": dict(options)},
                           timeout or self.default_timeout)
        value_ref = report.pop("value_ref", None)
        if value_ref:
            report["value"] = RemoteObject(self, {"id": value_ref["id"], "generation": self._generation},
                                           "result", value_ref["type"])
        return report

    def get_attribute(self, ref, name, timeout=None):
        self._ensure()
        entry = self._ask({"op": "getattr", "ref": self._current(ref), "name": name},
                          timeout or self.default_timeout)
        if entry["kind"] == "ref":
            entry["ref"] = {"id": entry["ref"]}
        return self._wrap(entry, name)


def _matplotlib_cache():
    """A matplotlib config folder with its font cache built once, outside any sandbox."""
    folder = Path(tempfile.gettempdir()) / f"course-grading-mpl-{os.getuid()}"
    if not (folder / ".ready").exists():
        folder.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env=dict(os.environ, MPLCONFIGDIR=str(folder), MPLBACKEND="Agg"),
                       capture_output=True, timeout=300)
        (folder / ".ready").touch()
    return str(folder)
