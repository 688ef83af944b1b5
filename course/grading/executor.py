"""nbgrader preprocessor that grades a notebook without trusting it.

Configured in nbgrader_config.py in place of nbgrader's ``Execute``:

- every code cell a student can influence (answers, scratch cells, read-only
  demos, and the *visible* part of each test cell) runs in a sandboxed worker
  process (:class:`course.grading.session.StudentSession`);
- the *hidden* part of each test cell runs here, in the grader's process, where
  the student's functions are :class:`~course.grading.remote.RemoteObject`
  handles and the answers come back as plain data;
- a timeout or crash costs the cell or test that caused it: the worker is
  restarted and the cells that had run are replayed;
- the whole notebook has a wall-time budget.

A test cell fails (nbgrader gives it 0 points) when its visible part fails or
its hidden part fails; the hidden failure is an ``error`` output whose first
traceback line is a message safe to show the student and whose other lines
are for the instructor (:mod:`course.grading.feedback` removes them).
"""
import base64
import builtins
import contextlib
import signal
import sys
import threading
import time
import traceback
import types

from nbformat import from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Integer

from .. import notebooks
from . import logs
from .checks import GradingFailure
from .call_report import bounded_text
from .feedback import (COURSE_METADATA, DETAIL_CHARS, HIDDEN_FAILURE, HIDDEN_STATUS, INSTRUCTOR_ONLY,
                       VERDICT_CHARS, with_failed_check_messages)
from .remote import StudentCodeError
from .session import GradingTimeLimit, StudentProcessError, StudentSession, StudentTimeout
from .wording import public_exception_name


def exercise_names(nb):
    names = set(notebooks.exercises(nb))
    for cell in nb.cells:
        exercise = notebooks.exercise_of(notebooks.nbgrader_meta(cell).get("grade_id", ""))
        if notebooks.is_test(cell) and exercise:
            names.add(exercise)
    return sorted(n for n in names if n.isidentifier())


def _code_names(code):
    names = set(code.co_names) | set(code.co_varnames)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


@contextlib.contextmanager
def _alarm(deadline):
    """Raise GradingTimeLimit in this (the grader's) process when ``deadline`` passes
    while hidden tests run here: grader-side work is charged to the notebook's budget
    too. Only in the main thread, where signals arrive."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise GradingTimeLimit("the grading time limit of this notebook was reached")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Visible failures after which the hidden tests are not run.
_NOT_DIAGNOSED = ("CellTimeoutError", "KernelCrash", "GradingTimeLimit")


def _error(ename, message, detail=()):
    return {"output_type": "error", "ename": ename, "evalue": message,
            "traceback": [f"{ename}: {message}", *detail]}


def _verdict(message, detail=()):
    """A failed hidden test: the student's line and the instructor's, each capped."""
    detail = bounded_text("\n".join(detail), DETAIL_CHARS).splitlines() if detail else []
    return _error(HIDDEN_FAILURE, bounded_text(message, VERDICT_CHARS).replace("\n", " "), detail)


def _output_size(output):
    """Characters an output adds to the notebook."""
    return (len(output.get("text", "")) + len(output.get("data", {}).get("image/png", ""))
            + len(output.get("evalue", "")) + sum(map(len, output.get("traceback", ()))))


def _stream(name, text):
    return {"output_type": "stream", "name": name, "text": text}


class IsolatedExecute(NbGraderPreprocessor):
    """Execute a submission in a sandbox and run hidden tests outside it."""

    # The grading limits: each one's default and meaning is here, and nowhere else.
    cell_timeout = Integer(60, help="Seconds a cell may run in the student's process.").tag(config=True)
    call_timeout = Integer(30, help="Seconds one call of a student's function may take.").tag(config=True)
    notebook_timeout = Integer(600, help="Seconds for grading a whole notebook: its cells, hidden tests,"
                                         " restarts and replays.").tag(config=True)
    startup_timeout = Integer(60, help="Seconds for starting the student's process and replaying"
                                       " its cells after a restart.").tag(config=True)
    memory_limit = Float(4.0, help="GiB of memory for the student's sandbox: for all its processes together"
                                   " where the OS has control groups (and each one's address space).").tag(config=True)
    process_limit = Integer(64, help="Processes and threads the student's sandbox may have at once.").tag(config=True)
    cpu_limit = Integer(300, help="CPU seconds for one student process.").tag(config=True)
    output_limit = Integer(100_000, help="Characters of output kept per cell and stream.").tag(config=True)
    notebook_output_limit = Integer(16, help="MiB of outputs (text and figures) kept for a whole notebook;"
                                             " later outputs are replaced by a note.").tag(config=True)
    scratch_limit = Integer(256, help="MiB the student's process may write, in all, to its scratch folder"
                                      " (a tmpfs of its own where the OS allows).").tag(config=True)
    timeit_budget = Float(0.05, help="Seconds each tools.timeit demonstration may take while grading (it"
                                     " earns no points; students and the site keep the full budget).",
                          allow_none=True).tag(config=True)

    def session(self, files=None, deadline=None):
        """A :class:`StudentSession` with these limits, ending at ``deadline`` (``time.monotonic()``)."""
        return StudentSession(files, memory_bytes=int(self.memory_limit * 2**30), cpu_seconds=self.cpu_limit,
                              output_chars=self.output_limit, startup_timeout=self.startup_timeout,
                              call_timeout=self.call_timeout, scratch_bytes=self.scratch_limit * 2**20,
                              max_processes=self.process_limit,
                              timeit_budget=self.timeit_budget, deadline=deadline)

    def preprocess(self, nb, resources):
        folder = self._assignment_files(resources)
        started = time.monotonic()
        self._deadline = started + self.notebook_timeout
        self._output_room = self.notebook_output_limit * 2**20
        self._exercises = exercise_names(nb)
        session = self.session(folder, deadline=self._deadline)
        try:
            count = 0
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                count += 1
                cell.execution_count = count
                if notebooks.is_test(cell):
                    outputs, status = self._grade_test_cell(session, cell.source)
                    if status is not None:  # what the feedback's verdict line says of the hidden tests
                        cell.metadata.setdefault(COURSE_METADATA, {})[HIDDEN_STATUS] = status
                else:
                    outputs = self._run(session, cell.source)
                cell.outputs = [from_dict(output) for output in self._within_output_budget(outputs)]
            grading = (resources.get("nbgrader") or {})
            # One line per submission, whatever the log level: who, and which protections were active.
            print(logs.submission_line(grading.get("assignment", "?"), grading.get("student", "?"),
                                       time.monotonic() - started, session.protections, session.restarts),
                  file=sys.stderr, flush=True)
        finally:
            session.close()
        return nb, resources

    def _assignment_files(self, resources):
        """The folder whose files (tools.py, data) the worker gets: the assignment's own
        in the course's source/, never the files a student handed in."""
        assignment = (resources.get("nbgrader") or {}).get("assignment")
        coursedir = getattr(getattr(self.parent, "parent", None), "coursedir", None)
        if assignment and coursedir is not None:
            return coursedir.format_path(coursedir.source_directory, ".", assignment)
        return resources.get("metadata", {}).get("path") or "."

    def _remaining(self, wanted):
        return max(0.0, min(wanted, self._deadline - time.monotonic()))

    def _run(self, session, source):
        """Run code in the student's process; return notebook outputs."""
        if not source.strip():
            return []
        timeout = self._remaining(self.cell_timeout)
        if timeout <= 0:
            return [_error("GradingTimeLimit", "not run: the grading time limit of this notebook was reached")]
        try:
            reply = session.run_cell(source, timeout=timeout)
        except GradingTimeLimit:
            return [_error("GradingTimeLimit", "not run: the grading time limit of this notebook was reached")]
        except StudentTimeout:
            return [_error("CellTimeoutError", f"this cell did not finish within {timeout:g} s")]
        except StudentProcessError as error:
            return [_error("KernelCrash", str(error))]
        outputs = []
        if reply["stdout"]:
            outputs.append(_stream("stdout", reply["stdout"]))
        if reply["stderr"]:
            outputs.append(_stream("stderr", reply["stderr"]))
        for image in reply["images"]:
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"image/png": base64.b64encode(image).decode()}})
        if reply["error"]:
            outputs.append(_error(reply["error"]["ename"], reply["error"]["evalue"]))
        return outputs

    def _within_output_budget(self, outputs):
        """The outputs the notebook's output budget still has room for, then a note. Errors
        count too (a cell's own, a hidden test's verdict), but are never left out: an error
        is what fails the cell, so past the budget it keeps its name, with a note."""
        kept, full = [], False
        note = ("[output not kept: this notebook's outputs reached the grader's limit of"
                f" {self.notebook_output_limit} MiB]")
        for output in outputs:
            size = _output_size(output)
            if not full and size <= self._output_room:
                self._output_room -= size
                kept.append(output)
                continue
            if not full:
                self._output_room, full = 0, True
                if output["output_type"] != "error":
                    kept.append(_stream("stdout", note + "\n"))
            if output["output_type"] == "error":
                kept.append(_error(output["ename"], note))
        return kept

    def _grade_test_cell(self, session, source):
        """The cell's outputs, and whether its hidden tests "passed", "failed" or were
        "not run" (None: it has none)."""
        visible, hidden = notebooks.split_hidden_tests(source)
        # A bare `assert` fails with no message: give it its own text, so the student sees which check failed.
        outputs = self._run(session, with_failed_check_messages(visible))
        # stderr would also cost the points in nbgrader; keep it as plain text
        outputs = [dict(o, name="stdout") if o.get("name") == "stderr" else o for o in outputs]
        if not hidden.strip():
            return outputs, None
        # A failed visible part already costs the cell its points. The hidden checks run all the
        # same, for their message: it names the mistake where a bare assert cannot. Not after a
        # timeout, a crash or the notebook's time limit: they would only cost their time again.
        if any(o["output_type"] == "error" and o["ename"] in _NOT_DIAGNOSED for o in outputs):
            return outputs, "not run"
        failure = self._run_hidden(session, hidden)
        return outputs + ([failure] if failure else []), "failed" if failure else "passed"

    def _run_hidden(self, session, hidden):
        """Run hidden tests here; return an error output or None if they pass."""
        if self._remaining(1) <= 0:
            return _verdict("not run: the grading time limit of this notebook was reached")
        try:
            code = compile(hidden, "<hidden tests>", "exec")
        except SyntaxError as error:
            return _verdict("the hidden tests could not be compiled", [repr(error)])
        namespace = {"__name__": "__hidden_tests__", "__builtins__": builtins}
        wanted = [n for n in self._exercises if n in _code_names(code)]
        try:
            with _alarm(self._deadline):
                namespace.update(session.lookup(wanted))
                exec(code, namespace)
        except GradingFailure as error:
            return _verdict(str(error), self._detail())
        except NameError as error:
            return _verdict(f"{error.name} is not defined (did its cell run without errors?)", self._detail())
        except StudentCodeError as error:
            return _verdict(f"your code raised {public_exception_name(error.type_name, error.classes)}",
                            self._detail())
        except GradingTimeLimit:
            return _verdict("not run: the grading time limit of this notebook was reached")
        except StudentTimeout as error:
            return _verdict(f"a call of your function {error}", self._detail())
        except StudentProcessError as error:
            return _verdict(str(error), self._detail())
        except Exception as error:  # noqa: BLE001 - a wrong answer may break a test in any way
            return _verdict(f"a hidden test failed ({type(error).__name__})", self._detail())
        return None

    @staticmethod
    def _detail():
        return ["", INSTRUCTOR_ONLY, *traceback.format_exc().splitlines()]
