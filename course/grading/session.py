"""The grader's side of one student's sandboxed process.

A :class:`StudentSession` starts the worker (:mod:`course.grading.worker`),
runs cells in it, looks names up and calls functions, each with a deadline.
If the worker dies or misses a deadline it is killed with everything it
started; the next request starts a fresh worker and replays the cells that
had succeeded, so one fault costs only the cell or the call that caused it.
"""
import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

from . import cgroup, displays, sandbox, template, wire
from .call_report import MAX_NAME_CHARS, CallReport, ReportError, bounded_text, identifier
from .remote import RemoteObject
from .stand_in import stand_ins_in
from .wire import write_frame

# Files the notebook writes, brought back to autograded/ as nbgrader does (as for a submission's files)
MAX_RETURNED_FILES, MAX_RETURNED_DEPTH = 100, 8
MAX_RETURNED_FILE_BYTES, MAX_RETURNED_BYTES = 16 * 2**20, 32 * 2**20
# The assignment's own files given to the student's process (copied again at every restart)
MAX_GIVEN_FILES, MAX_GIVEN_BYTES = 1000, 128 * 2**20


class RemoteError(Exception):
    """What the student's process said when it could not answer (for the instructor only)."""


class StudentProcessError(Exception):
    """The student's process did not answer: it timed out, crashed or was killed."""


class StudentTimeout(StudentProcessError):
    pass


class StudentCrash(StudentProcessError):
    pass


class GradingTimeLimit(StudentTimeout):
    """The notebook's grading time is used up: nothing more is run for it."""


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

    ``files`` is a folder of the course's own (the assignment's folder in
    source/, never a student's) whose non-notebook files (tools.py, data) are
    copied into the worker's private scratch folder.
    """

    def __init__(self, files=None, *, memory_bytes, cpu_seconds, output_chars, display_limits, startup_timeout,
                 call_timeout, scratch_bytes, max_processes, timeit_budget=None, deadline=None, ignore=(),
                 recursive=False, warm=True):
        # The limits come from IsolatedExecute (course.grading.executor), their one home.
        self.memory_bytes, self.cpu_seconds, self.scratch_bytes = memory_bytes, cpu_seconds, scratch_bytes
        self.max_processes = max_processes  # processes and threads of the whole sandbox
        self.output_chars, self.startup_timeout = output_chars, startup_timeout
        self.display_limits = display_limits  # displays and images per cell (course.grading.displays.Limits)
        self.call_timeout = call_timeout   # seconds for a lookup or a call
        self.timeit_budget = timeit_budget  # seconds for each tools.timeit, or None: its own default
        self.deadline = deadline           # time.monotonic() after which nothing more runs, or None
        self.files = Path(files) if files else None
        self.ignore = tuple(ignore)  # nbgrader's CourseDirectory.ignore: patterns of files not given
        self.recursive = recursive   # sub-folders of ``files`` too (an assignment's data/)
        self.warm = warm             # fork workers from this process's template (course.grading.template)
        self.given = {}  # path in the scratch -> content of each assignment file given to the student
        self.history = []  # cells that ran to the end or to an exception, replayed after a restart
        self.protections = []
        self.restarts = 0
        self.dropped = []        # history cells left out because replaying them crashed the process
        self.culprit_search = 20  # how many recent cells may be tried as the cause of such a crash
        self._process = None
        self._worker_pid = None  # the worker itself: the first process of its PID namespace
        self._scratch = None
        self._group = None       # the control group of the worker and all it starts, if the OS allows
        self._generation = 0
        self._stand_ins = {}

    # -- process management ------------------------------------------------------
    def _start(self):
        self._check_deadline()
        self._scratch = tempfile.mkdtemp(prefix="student-")
        self.given = copy_assignment_files(self.files, self._scratch, self.ignore, self.recursive)
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        mpl = _matplotlib_cache()
        # One limit for the whole sandbox where the OS has control groups; else the worker
        # limits its own number of processes (and memory is per process only).
        self._group = cgroup.create(self.memory_bytes, self.max_processes) if self.memory_bytes else None
        config = {"scratch": self._scratch, "read_paths": [mpl], "memory_bytes": self.memory_bytes,
                  "cpu_seconds": self.cpu_seconds, "output_chars": self.output_chars,
                  "display_limits": asdict(self.display_limits),
                  "scratch_bytes": self.scratch_bytes,
                  "max_processes": None if self._group else self.max_processes}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self._scratch,
               "TMPDIR": self._scratch, "MPLBACKEND": "Agg", "MPLCONFIGDIR": mpl,
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "NBGRADER_EXECUTION": "autograde", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        if self.timeit_budget is not None:
            env["COURSE_TIMEIT_BUDGET"] = repr(float(self.timeit_budget))  # read by tools.timeit
        arguments = [str(request_read), str(reply_write), json.dumps(config)]
        self._process = self._fork_warm(env, arguments, (request_read, reply_write))
        if self._process is None:   # cold: a new interpreter imports everything again
            group_prefix = self._group.launch_prefix() if self._group else ()
            command = [*group_prefix, *sandbox.launch_prefix(), sys.executable, "-m", "course.grading.worker",
                       *arguments]
            self._process = subprocess.Popen(
                command, pass_fds=(request_read, reply_write), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=self._scratch,
                start_new_session=True)
        os.close(request_read)
        os.close(reply_write)
        self._requests, self._replies = request_write, reply_read
        self._generation += 1
        self._worker_pid = _first_child(self._process.pid, self.startup_timeout)
        hello = self._ask({"op": "hello"}, self.startup_timeout, starting=True)
        self.protections = hello["protections"] if isinstance(hello, dict) else []
        if self._group is not None:
            self.protections = [self._group.describe(), *self.protections]
        for code in self.history:
            self._ask({"op": "run", "code": code}, self.startup_timeout, starting=True)
        # A cell can leave something behind (an audit hook, a timer thread) that
        # brings the process down later: check that the replayed process lives.
        self._ask({"op": "run", "code": "pass"}, self.startup_timeout, starting=True)

    def _fork_warm(self, env, arguments, fds):
        """The worker forked from the template, or None when there is none (then it starts cold)."""
        if not self.warm:
            return None
        # The template's environment is the worker's without what differs per worker (set in the fork).
        shared_env = {k: v for k, v in env.items() if k not in ("HOME", "TMPDIR", "COURSE_TIMEIT_BUDGET")}
        warm = template.shared(shared_env, self.startup_timeout)
        if warm is None:
            return None
        try:
            return warm.fork(argv=arguments, env=env, cwd=self._scratch, fds=fds,
                             cgroups=[str(f) for f in self._group.folders] if self._group else ())
        except template.TemplateError:
            return None

    def _kill(self):
        """Kill the worker and everything it started. Killing the first process of a PID
        namespace kills every process in it, and nothing inside can prevent that (a
        process that left its group or cancelled its parent-death signal included)."""
        if self._process is None:
            self._remove_group()
            return
        for kill, pid in ((os.kill, self._worker_pid), (os.killpg, self._process.pid)):
            try:
                if pid:
                    kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._process.wait()
        self._remove_group()
        for fd in (self._requests, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._scratch, ignore_errors=True)
        self._process = None

    def _remove_group(self):
        if self._group is not None:  # whatever still runs in it (nothing should) dies with it
            self._group.remove()
            self._group = None

    @property
    def alive(self):
        """Whether the student's process runs (it is started again only when asked to run something)."""
        return self._process is not None

    def start_afresh(self):
        """End the student's process and start a new one, replaying the cells that had run:
        handles on names the hidden tests looked up keep working, and nothing a call left
        in the old process (a memo, a changed global) is there any more. Not a restart
        after a fault: it is not counted as one."""
        self._kill()
        self._start()

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
                self._restart()
            else:
                self._start()

    def _restart(self):
        """Start afresh and replay the history; if replaying brings the process
        down, drop the cell that causes it (newest first) and replay without it."""
        try:
            return self._start()
        except GradingTimeLimit:
            raise
        except StudentProcessError:
            self._kill()
        history = list(self.history)
        self.history = []
        try:
            self._start()  # a process that cannot even start empty is not the history's fault
        finally:
            self._kill()
            self.history = history
        for index in reversed(range(max(0, len(history) - self.culprit_search), len(history))):
            self.history = history[:index] + history[index + 1:]
            try:
                self._start()
            except GradingTimeLimit:
                self.history = history
                raise
            except StudentProcessError:
                self._kill()
                continue
            self.dropped.append(history[index])
            return
        self.history = history
        raise StudentCrash("the student's process cannot be restarted: replaying the cells that had run"
                           " brings it down")

    def _check_deadline(self):
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise GradingTimeLimit("the grading time limit of this notebook was reached")

    def _ask(self, request, timeout, starting=False):
        if not starting:
            self._ensure()
        self._check_deadline()
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
        try:
            write_frame(self._requests, wire.dumps(request))
        except (BrokenPipeError, OSError):
            return self._crashed()
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = self._read_frame(deadline)
            except StudentTimeout:
                self._kill()
                raise StudentTimeout(f"did not finish within {timeout:g} s") from None
            if frame is None:
                return self._crashed()
            try:
                reply = wire.loads(frame)
                if "callback" in reply:  # the student's code uses a grader's stand-in
                    write_frame(self._requests, wire.dumps(self._serve_callback(reply["callback"])))
                    continue
                ok, answer = bool(reply["ok"]), reply["reply"] if reply["ok"] else str(reply["error"])
            except wire.WireLimit as error:
                # A well-formed reply holding too much: the value, not the process, is at fault.
                raise StudentProcessError("the student's code sent back more data than the grader accepts"
                                          f" (at most {wire.MAX_MESSAGE_BYTES // 2**20} MiB in all, arrays"
                                          f" of at most {wire.MAX_ARRAY_BYTES // 2**20} MiB)") from error
            except (BrokenPipeError, OSError):
                return self._crashed()
            except Exception:  # noqa: BLE001 - whatever the student's process sent, it is not a reply
                self._kill()
                raise StudentCrash("the student's process sent a reply the grader cannot read") from None
            break
        if not ok:
            # Its text is the student's process's to choose: keep it out of the verdict.
            raise StudentProcessError("the student's process could not answer the grader's request") \
                from RemoteError(bounded_text(answer))
        return answer

    def _read_frame(self, deadline):
        """One frame from the worker (None at end of file), whole before ``deadline``."""
        try:
            return wire.read_frame(self._replies, deadline=deadline, max_bytes=wire.MAX_MESSAGE_BYTES)
        except wire.FrameTimeout:
            raise StudentTimeout() from None
        except wire.FrameTooLarge:
            # Not read at all: the rest of the pipe is unusable, so the process goes.
            self._kill()
            raise StudentCrash("the student's process sent a reply larger than the grader accepts"
                               f" ({wire.MAX_MESSAGE_BYTES // 2**20} MiB)") from None

    def _reap(self, timeout=5):
        """Wait for the dead worker; return (exit code, CPU seconds it used)."""
        deadline = time.monotonic() + timeout
        while self._process is not None:
            ended = _exit_of(self._process)
            if ended is not None:
                return ended
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return None, 0.0

    def _crashed(self):
        code, cpu_used = self._reap()
        self._kill()
        raise StudentCrash(f"the student's process {_describe_exit(code, cpu_used, self.cpu_seconds)}")

    # -- requests ----------------------------------------------------------------
    def run_cell(self, code, timeout=60, count=None):
        """Run a cell; returns the reply (ok, stdout, stderr, images, error: its ename, evalue
        and the traceback IPython formatted, as text). ``count``: the cell's execution count,
        which its traceback shows.

        After a crash the cell runs once more in a restarted process: the crash
        may have come from something an earlier cell left behind. A second
        crash is the cell's own.
        """
        request = {"op": "run", "code": code, "count": count}
        try:
            reply = self._ask(request, timeout)
        except StudentCrash:
            reply = self._ask(request, timeout)
        self.history.append(code)  # not reached on a timeout or a crash
        return _clean_run_reply(reply, self.output_chars, self.display_limits)

    def lookup(self, names, timeout=None):
        """``{name: value or RemoteObject}`` for the names defined in the student's namespace."""
        names = list(names)
        found = self._ask({"op": "lookup", "names": names}, timeout or self.call_timeout)
        if not isinstance(found, dict):
            raise StudentCrash("the student's process sent a reply the grader cannot read")
        # Only what was asked for: the reply must not add names to the hidden tests' namespace.
        return {name: self._wrap(found[name], name) for name in names if name in found and self._usable(found[name])}

    @staticmethod
    def _usable(entry):
        """A module the student's process names is given to hidden tests as the grader's own
        import of it (never the student's, which its code may have patched), and only when the
        grader has imported it already: a name sent by the student imports nothing here."""
        if isinstance(entry, dict) and entry.get("kind") == "module":
            return type(entry.get("module")) is str and entry["module"] in sys.modules
        return isinstance(entry, dict) and entry.get("kind") in ("value", "ref")

    def _wrap(self, entry, name):
        if entry["kind"] == "module":
            return sys.modules[entry["module"]]
        if entry["kind"] == "value":
            return entry["value"]
        ref = entry["ref"]
        if "id" not in ref and "name" not in ref:
            ref = {"id": ref}
        ref = dict(ref, generation=self._generation)
        return RemoteObject(self, ref, name, bounded_text(entry.get("type"), MAX_NAME_CHARS))

    def _current(self, ref):
        if "name" not in ref and ref.get("generation") != self._generation:
            raise StudentProcessError("this object was lost when the student's process restarted")
        return {k: v for k, v in ref.items() if k != "generation"}

    def call(self, ref, args, kwargs, options, timeout=None):
        self._ensure()
        # The grader's stand-ins among the arguments answer the student's code during this call only.
        self._stand_ins = stand_ins_in((args, kwargs))
        try:
            report = self._ask({"op": "call", "ref": self._current(ref), "args": list(args),
                                "kwargs": dict(kwargs), "options": dict(options)},
                               timeout or self.call_timeout)
        finally:
            self._stand_ins = {}
        try:
            report = CallReport.from_plain(report)
        except ReportError:
            raise StudentCrash("the student's process sent a reply the grader cannot read") from None
        if report.value_ref is not None:
            report = replace(report, value=RemoteObject(
                self, {"id": report.value_ref["id"], "generation": self._generation}, "result",
                report.value_ref["type"]))
        return report

    def _serve_callback(self, request):
        """Answer the student's code about a stand-in passed to the running call, as plain data."""
        try:
            stand_in = self._stand_ins.get(request["id"]) if isinstance(request, dict) else None
            if stand_in is None:
                raise LookupError("this object of the grader is not available here")
            value = stand_in.answer(request["op"], request["name"], request.get("args", ()),
                                    request.get("kwargs", {}), from_wire=True)
            return {"ok": True, "value": value}
        except Exception as error:  # noqa: BLE001 - the student's request failed: tell the student
            return {"ok": False, "error": {"type": type(error).__name__, "message": str(error)[:500]}}

    def written_files(self, timeout=None):
        """The files the student's code left in its scratch folder that are not the assignment's
        own as given: ``(files, refused)``, ``files`` a list of (relative path, bytes), ``refused``
        of (path, reason). The reply is judged here, as hostile: paths relative, without ``..``,
        hidden parts or NUL, bytes only, within MAX_RETURNED_* (the worker's own limits are
        the same, but it may have been changed by the student's code)."""
        reply = self._ask({"op": "files", "max_files": MAX_RETURNED_FILES, "max_file_bytes": MAX_RETURNED_FILE_BYTES,
                           "max_total_bytes": MAX_RETURNED_BYTES}, timeout or self.call_timeout)
        if not isinstance(reply, dict) or not isinstance(reply.get("files"), list) \
                or not isinstance(reply.get("refused"), list):
            raise StudentCrash("the student's process sent a reply the grader cannot read")
        files, refused, total = [], [], 0
        for entry in reply["refused"][:MAX_RETURNED_FILES]:
            if isinstance(entry, list) and len(entry) == 2 and _safe_relative(entry[0]) and type(entry[1]) is str:
                refused.append((entry[0], bounded_text(entry[1], 200)))
        for entry in reply["files"]:
            if not (isinstance(entry, list) and len(entry) == 2 and _safe_relative(entry[0])
                    and type(entry[1]) is bytes):
                continue  # not what the worker sends: nothing to name
            path, data = entry
            if self.given.get(path) == data:
                continue  # an assignment file, unchanged
            if len(files) >= MAX_RETURNED_FILES or len(data) > MAX_RETURNED_FILE_BYTES \
                    or total + len(data) > MAX_RETURNED_BYTES:
                refused.append((path, "is over the size or number limits"))
                continue
            total += len(data)
            files.append((path, data))
        return files, refused

    def get_attribute(self, ref, name, timeout=None):
        self._ensure()
        entry = self._ask({"op": "getattr", "ref": self._current(ref), "name": name},
                          timeout or self.call_timeout)
        if entry["kind"] == "ref":
            entry["ref"] = {"id": entry["ref"]}
        return self._wrap(entry, name)


def _exit_of(process):
    """(exit code, CPU seconds) of the worker's first process once it has ended, else None."""
    if isinstance(process, template.WarmProcess):
        return process.poll_exit()   # the template reaps its forks
    # wait4 counts the CPU time of unshare's reaped child, the worker itself
    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
    if not pid:
        return None
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def _clean_run_reply(reply, output_chars, display_limits):
    """The fields of a run reply the executor uses, with the types it expects and every
    field bounded here, in the grader: the student's process may have sent anything."""
    if not isinstance(reply, dict):
        raise StudentCrash("the student's process sent a reply the grader cannot read")
    error = reply.get("error")
    if error is not None:
        error = error if isinstance(error, dict) else {}
        error = {"ename": identifier(error.get("ename")), "evalue": bounded_text(error.get("evalue")),
                 "traceback": bounded_text(error.get("traceback"), output_chars)}
    shown = displays.bounded(reply.get("displays"), reply.get("value_data"), reply.get("more_displays"),
                             display_limits)
    # matplotlib's figures, as PNG, in the image slots the displays left
    png = displays.IMAGE_SIGNATURES["image/png"]
    images = reply.get("images") if isinstance(reply.get("images"), list) else []
    images = [i for i in images if type(i) is bytes and i.startswith(png) and len(i) <= display_limits.image_bytes]
    result = reply.get("result")
    return {"ok": bool(reply.get("ok")), "stdout": bounded_text(reply.get("stdout"), output_chars),
            "result": bounded_text(result, output_chars) if type(result) is str else None,
            "stderr": bounded_text(reply.get("stderr"), output_chars), "error": error,
            "images": images[:max(display_limits.images - shown.images, 0)], "displays": shown.displays,
            "value_data": shown.value, "displays_dropped": shown.dropped}


def _safe_relative(path):
    """A path the student's process named, safe to join to a folder: relative, no ``..``,
    no hidden or empty part, printable, bounded."""
    if type(path) is not str or not path or len(path) > 255 or path.startswith("/") or "\\" in path:
        return False
    parts = path.split("/")
    return (len(parts) <= MAX_RETURNED_DEPTH and path.isprintable()
            and all(p and not p.startswith(".") and p != "__pycache__" for p in parts))


def copy_assignment_files(folder, scratch, ignore=(), recursive=True):
    """Copy the assignment's files (tools.py, data, with ``recursive`` its sub-folders) from
    ``folder`` (the course's source/<assignment>/, never a student's) into the scratch, leaving
    out notebooks, links to folders, hidden entries, what matches nbgrader's ``ignore`` patterns and what
    is past MAX_GIVEN_*; returns ``{relative path: content}``."""
    given, count, total = {}, 0, 0
    if not folder or not Path(folder).is_dir():
        return given
    folder = Path(folder)
    for parent, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if recursive and not d.startswith(".") and not _ignored(d, ignore)
                   and not os.path.islink(os.path.join(parent, d))]
        for name in sorted(files):
            source = Path(parent) / name
            # a link to a file is the instructor's (source/<section>/tools.py links to the course's): followed
            if name.endswith(".ipynb") or name.startswith(".") or _ignored(name, ignore) or not source.is_file():
                continue
            count, total = count + 1, total + source.stat().st_size
            if count > MAX_GIVEN_FILES or total > MAX_GIVEN_BYTES:
                continue
            relative = source.relative_to(folder)
            target = Path(scratch) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            if source.stat().st_size <= MAX_RETURNED_FILE_BYTES:
                given[relative.as_posix()] = source.read_bytes()
    return given


def _ignored(name, patterns):
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _first_child(pid, timeout):
    """The pid of the process ``unshare --fork`` (``pid``) started: the worker. Without
    unshare the worker is ``pid`` itself."""
    if not sandbox.launch_prefix():
        return pid
    deadline = time.monotonic() + min(timeout, 10)
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as file:
                children = file.read().split()
        except OSError:
            return None
        if children:
            return int(children[0])
        time.sleep(0.002)
    return None


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
