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
import ast
import base64
import builtins
import contextlib
import os
import signal
import stat
import sys
import threading
import time
import traceback
import types
from pathlib import Path

import nbformat
import numpy as np
from nbformat import from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer

from .. import notebooks
from . import batch_report, displays, logs
from .checks import GradingFailure
from .call_report import bounded_text
from .feedback import (COURSE_METADATA, DETAIL_CHARS, HIDDEN_FAILURE, HIDDEN_STATUS, INSTRUCTOR_ONLY,
                       VERDICT_CHARS, with_failed_check_messages)
from .per_text import once_per_text
from .quoting import printable
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


def names_read(tree):
    """The names code reads that it does not bind itself and that are not built-ins: what a
    hidden test expects the notebook's earlier cells to have defined."""
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return {n for n in loaded - bound if not hasattr(builtins, n) and not n.startswith("_")}


ANY_NAME = "*"  # what names_bound holds when a cell may define any name (a star import, unreadable code)


def names_bound(sources):
    """The names that cells with these sources define (assign, import, def, class) at top level
    or anywhere inside, outside their hidden tests: a hidden test may read them from the
    student's process. Magics are read as IPython reads them."""
    names = set()
    for source in sources:
        names |= _names_bound_by(source)
    return names


@once_per_text(maxsize=1024)   # the same instructor cells in every submission
def _names_bound_by(source):
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(notebooks.split_hidden_tests(source)[0]))
    except (SyntaxError, ValueError):
        return frozenset({ANY_NAME})
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.alias) and node.name == "*":
            names.add(ANY_NAME)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return frozenset(names)


@once_per_text(maxsize=256)
def _compiled_hidden(hidden):
    """(statements, last expression or None, names read, names in the code) of hidden tests: the
    same text in every submission, compiled once per grading process (code objects are immutable;
    each run gets a fresh namespace). Raises SyntaxError or ValueError as compile does."""
    tree = ast.parse(hidden, "<hidden tests>")
    body, last = _split_last_expression(tree)
    code = compile(body, "<hidden tests>", "exec")
    last = compile(last, "<hidden tests>", "eval") if last is not None else None
    return code, last, frozenset(names_read(tree)), frozenset(_code_names(code))


def _split_last_expression(tree):
    """(statements, last expression or None): a cell's value is its last expression's."""
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body[-1].value)
        tree = ast.Module(tree.body[:-1], type_ignores=[])
        return tree, last
    return tree, None


def _result(text, count=None, data=None):
    return {"output_type": "execute_result", "execution_count": count, "metadata": {},
            "data": {**(data or {}), "text/plain": text}}


# nbgrader's Execute settings (and those of the nbconvert/nbclient classes it extends) with a
# counterpart here; any other one set in the configuration stops grading with a message.
_EXECUTE_SECTIONS = ("Execute", "ExecutePreprocessor", "NotebookClient")
# iopub_timeout, raise_on_iopub_timeout and shutdown_kernel govern nothing that exists here (a cell's
# outputs come with its reply; the student's process always ends with the notebook).
_EXECUTE_HONOURED = {"enabled", "timeout", "startup_timeout", "interrupt_on_timeout", "skip_cells_with_tag",
                     "raise_on_iopub_timeout", "iopub_timeout", "shutdown_kernel"}
_IGNORED_EXTRA_ARGUMENTS = ([], ["--HistoryManager.hist_file=:memory:"])


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


def _error(ename, message, detail=(), shown=""):
    """An error output; ``shown``: the traceback IPython formatted in the student's process,
    which is then the whole traceback (it ends with the exception's line), as in Jupyter."""
    return {"output_type": "error", "ename": ename, "evalue": message,
            "traceback": shown.split("\n") if shown else [f"{ename}: {message}", *detail]}


def _verdict(message, detail=()):
    """A failed hidden test: the student's line and the instructor's, each capped."""
    detail = bounded_text("\n".join(detail), DETAIL_CHARS).splitlines() if detail else []
    return _error(HIDDEN_FAILURE, bounded_text(message, VERDICT_CHARS).replace("\n", " "), detail)


def _output_size(output):
    """Characters an output adds to the notebook."""
    return (len(output.get("text", "")) + sum(map(len, output.get("data", {}).values()))
            + len(output.get("evalue", "")) + sum(map(len, output.get("traceback", ()))))


def _stream(name, text):
    return {"output_type": "stream", "name": name, "text": text}


def _write_plain_file(folder, path, data):
    """Write ``data`` at ``folder/path`` without following a link at any step; False if a
    part of the way is not a plain folder or the file is not a plain file."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        *parents, name = path.split("/")
        for part in parents:
            try:
                os.mkdir(part, dir_fd=fd)
            except FileExistsError:
                pass
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = child
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
                return False
        except FileNotFoundError:
            pass
        out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=fd)
        with os.fdopen(out, "wb") as file:
            file.write(data)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


class ExecuteSettingRefused(Exception):
    """A setting or notebook the course's grader cannot honour: grading stops, with the reason."""


class IsolatedExecute(NbGraderPreprocessor):
    """Execute a submission in a sandbox and run hidden tests outside it."""

    _count = None   # the execution count of the cell being run (its traceback names it), while preprocessing

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
    output_limit = Integer(100_000, help="Characters of output kept per cell: of stdout, of stderr, of its"
                                         " value, and of its displays' text (HTML, Markdown, LaTeX, text) in"
                                         " all.").tag(config=True)
    notebook_output_limit = Integer(16, help="MiB of outputs (text, HTML and images) kept for a whole notebook;"
                                             " later outputs are replaced by a note.").tag(config=True)
    display_limit = Integer(50, help="Displays (display() calls) kept per cell; later ones are replaced"
                                     " by a note.").tag(config=True)
    image_limit = Integer(5, help="Images kept per cell: displayed PNG and JPEG images, then matplotlib's"
                                  " figures (as PNG).").tag(config=True)
    image_size_limit = Float(2.0, help="MiB per image kept.").tag(config=True)
    scratch_limit = Integer(256, help="MiB the student's process may write, in all, to its scratch folder"
                                      " (a tmpfs of its own where the OS allows).").tag(config=True)
    timeit_budget = Float(0.05, help="Seconds each tools.timeit demonstration may take while grading (it"
                                     " earns no points; students and the site keep the full budget).",
                          allow_none=True).tag(config=True)
    warm_start = Bool(True, help="Fork each student process from a template that has imported NumPy,"
                                 " matplotlib and IPython once (course/grading/template.py), sandboxed as a"
                                 " cold one; False starts a new interpreter for each.").tag(config=True)

    def session(self, files=None, deadline=None, ignore=(), recursive=False):
        """A :class:`StudentSession` with these limits, ending at ``deadline`` (``time.monotonic()``)."""
        return StudentSession(files, ignore=ignore, recursive=recursive, memory_bytes=int(self.memory_limit * 2**30),
                              cpu_seconds=self.cpu_limit,
                              output_chars=self.output_limit, startup_timeout=self.startup_timeout,
                              display_limits=self.display_limits(),
                              call_timeout=self.call_timeout, scratch_bytes=self.scratch_limit * 2**20,
                              max_processes=self.process_limit,
                              timeit_budget=self.timeit_budget, deadline=deadline, warm=self.warm_start)

    def display_limits(self):
        """What a cell's outputs may keep (:class:`course.grading.displays.Limits`), from these settings."""
        return displays.Limits(self.output_limit, self.display_limit, self.image_limit,
                               int(self.image_size_limit * 2**20))

    def executes(self):
        """Whether this run executes the notebooks: False for ``nbgrader autograde --no-execute``
        (``Execute.enabled = False``, as the grader reads nbgrader's settings)."""
        return self._execute_settings().get("enabled", True) is not False

    def _execute_settings(self):
        """nbgrader's ``Execute`` settings that apply here: ``{name: value}``, each one set in the
        configuration; one without a counterpart here stops the run with its name."""
        from nbgrader.preprocessors import Execute
        from traitlets.config.loader import DeferredConfig

        settings, traits = {}, Execute.class_traits()
        for section in _EXECUTE_SECTIONS:
            if section in self.config:
                settings.update(self.config[section])
        for name, value in settings.items():
            if isinstance(value, DeferredConfig) and name in traits:  # from the command line, as text
                settings[name] = value.get_value(traits[name])
        refused = []
        for name, value in settings.items():
            if name == "extra_arguments" and value in _IGNORED_EXTRA_ARGUMENTS:
                continue
            if name == "interrupt_on_timeout" and value:
                continue  # what happens here: the cell fails, the notebook goes on
            if name == "kernel_name" and value in ("", "python", "python3"):
                continue
            if name not in _EXECUTE_HONOURED or name == "interrupt_on_timeout":
                refused.append(f"{name}={value!r}")
        if refused:
            raise ExecuteSettingRefused(
                "the course's grader (IsolatedExecute, docs/nbgrader-differences.md) has no counterpart for"
                f" nbgrader's Execute setting(s) {', '.join(refused)}: remove them, or set the"
                " IsolatedExecute limits (cell_timeout, startup_timeout, notebook_timeout, ...) instead")
        return settings

    def _apply_execute_settings(self, settings):
        own = self.config.get("IsolatedExecute", {}) if "IsolatedExecute" in self.config else {}
        if "timeout" in settings and "cell_timeout" not in own:
            timeout = settings["timeout"]
            # nbclient: None or a negative timeout means no limit; here the notebook's budget is the limit
            self._cell_timeout = self.notebook_timeout if timeout is None or timeout <= 0 else timeout
        if "startup_timeout" in settings and "startup_timeout" not in own:
            self.startup_timeout = int(settings["startup_timeout"])
        self._skip_tag = settings.get("skip_cells_with_tag", "skip-execution")

    @staticmethod
    def check_kernel(nb):
        """The notebook's kernel, as the grader will run it (after OverwriteKernelspec): a
        Python kernel, or none named (nbclient's default, python3). Anything else fails the
        notebook as nbgrader's Execute does, instead of being run as Python."""
        spec = nb.metadata.get("kernelspec") or {}
        name = spec.get("name") if isinstance(spec, dict) else None
        if not name:
            return
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        if name == "python":  # as jupyter_client's KernelManager reads it
            from jupyter_client.kernelspec import NATIVE_KERNEL_NAME as name
        try:
            language = KernelSpecManager().get_kernel_spec(name).language
        except NoSuchKernel:
            raise NoSuchKernel(name) from None
        if str(language).lower() != "python":
            raise ExecuteSettingRefused(f"the notebook's kernel {name!r} runs {language}; the course's"
                                        " grader runs Python notebooks only")

    def preprocess(self, nb, resources):
        settings = self._execute_settings()
        self._cell_timeout = self.cell_timeout
        self._apply_execute_settings(settings)
        if settings.get("enabled", True) is False:  # nbgrader autograde --no-execute
            return nb, resources
        self.check_kernel(nb)
        folder = self._assignment_files(resources)
        started = time.monotonic()
        self._deadline = started + self.notebook_timeout
        self._output_room = self.notebook_output_limit * 2**20
        self._exercises = exercise_names(nb)
        grading = resources.get("nbgrader") or {}
        self._notebook = f"{grading.get('notebook', '?')}.ipynb"
        source = self._source_notebook(folder, grading.get("notebook"))
        self._defined = set(self._exercises) | names_bound(
            c.source for c in (source or nb).cells if c.cell_type == "code")
        self._report = self._batch_report(grading)
        self._cell_id = "?"
        coursedir = self._coursedir()
        # nbgrader's source/<assignment>/ with its sub-folders; outside nbgrader, the notebook's folder alone
        session = self.session(folder, deadline=self._deadline, ignore=coursedir.ignore if coursedir else (),
                               recursive=coursedir is not None and bool(grading.get("assignment")))
        try:
            count = 0
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                if self._skip_tag in (cell.metadata.get("tags") or ()):
                    continue  # as nbclient does
                count += 1
                cell.execution_count = self._count = count
                if notebooks.is_test(cell):
                    self._cell_id = notebooks.nbgrader_meta(cell).get("grade_id", "?")
                    outputs, status = self._grade_test_cell(session, cell.source)
                    if status is not None:  # what the feedback's verdict line says of the hidden tests
                        cell.metadata.setdefault(COURSE_METADATA, {})[HIDDEN_STATUS] = status
                else:
                    outputs = self._run(session, cell.source)
                if any(o["output_type"] == "error" for o in outputs):  # Jupyter never shows both
                    outputs = [o for o in outputs if o["output_type"] != "execute_result"]
                for output in outputs:
                    if output["output_type"] == "execute_result":
                        output["execution_count"] = count
                cell.outputs = [from_dict(output) for output in self._within_output_budget(outputs)]
            self._bring_back_files(session, coursedir, grading)
            # One line per submission, whatever the log level: who, and which protections were active.
            print(logs.submission_line(grading.get("assignment", "?"), grading.get("student", "?"),
                                       time.monotonic() - started, session.protections, session.restarts),
                  file=sys.stderr, flush=True)
        finally:
            session.close()
        return nb, resources

    @staticmethod
    def _source_notebook(folder, name):
        """The instructor's notebook in source/, or None (outside nbgrader's autograde)."""
        try:
            return nbformat.read(str(Path(folder) / f"{name}.ipynb"), as_version=4) if name else None
        except (OSError, ValueError):
            return None

    def _coursedir(self):
        """nbgrader's course directory of the converter running this, or None (no nbgrader app)."""
        return getattr(getattr(self.parent, "parent", None), "coursedir", None)

    def _batch_report(self, grading, kind=batch_report.ASSIGNMENT_ERROR):
        """A function that records a problem of ``kind`` in the batch report, or None."""
        coursedir = self._coursedir()
        if coursedir is None or not grading.get("assignment"):
            return None
        report = batch_report.current(coursedir.root, coursedir.student_id or "*")
        return lambda message: report.record(grading["assignment"], grading.get("student", "?"), kind, message)

    def _bring_back_files(self, session, coursedir, grading):
        """Files the notebook wrote go to its autograded/ folder, as nbgrader's Execute leaves
        them there: plain files only, within the limits, never over a notebook, the timestamp,
        an assignment file or a link; the batch report names each file left out."""
        if coursedir is None or not grading.get("assignment") or not grading.get("student") or not session.alive:
            return  # a process stopped at the last cell took its scratch folder with it; not started again for it
        report = self._batch_report(grading, batch_report.AS_HANDED_IN)
        notebook = self._notebook

        def refuse(path, reason):
            report(f"{notebook} wrote {printable(path)}, which was not copied to autograded/: it {reason}.")

        try:
            files, refused = session.written_files()
        except StudentProcessError as error:
            report(f"the files {notebook} wrote were not copied to autograded/: {error}.")
            return
        for path, reason in refused:
            refuse(path, reason)
        destination = Path(coursedir.format_path(coursedir.autograded_directory, grading["student"],
                                                 grading["assignment"]))
        source = Path(coursedir.format_path(coursedir.source_directory, ".", grading["assignment"]))
        for path, data in files:
            if path.endswith(".ipynb") or path == "timestamp.txt":
                refuse(path, "would replace a notebook or the submission's timestamp")
            elif os.path.lexists(source / path):
                refuse(path, "would replace a file of the assignment")
            elif not _write_plain_file(destination, path, data):
                refuse(path, "would replace something that is not a plain file")

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
        timeout = self._remaining(self._cell_timeout)
        if timeout <= 0:
            return [_error("GradingTimeLimit", "not run: the grading time limit of this notebook was reached")]
        try:
            reply = session.run_cell(source, timeout=timeout, count=self._count)
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
        try:
            shown, value = self._viewable(reply)
        except GradingTimeLimit:
            return outputs + [_error("GradingTimeLimit", "the grading time limit of this notebook was reached")]
        outputs += [{"output_type": "display_data", "metadata": {}, "data": data} for data in shown]
        if reply["displays_dropped"]:
            outputs.append(_stream("stdout", f"[{reply['displays_dropped']:,} displays not kept: this cell's"
                                             " displays reached the grader's limits]\n"))
        for image in reply["images"]:
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"image/png": base64.b64encode(image).decode()}})
        if reply.get("result") is not None and not reply["error"]:
            outputs.append(_result(reply["result"], data=value))
        if reply["error"]:
            outputs.append(_error(reply["error"]["ename"], reply["error"]["evalue"],
                                  shown=reply["error"]["traceback"]))
        return outputs

    def _viewable(self, reply):
        """nbformat's data of the cell's displays and of its value's rich types, safe to view."""
        if not reply["displays"] and not reply["value_data"]:
            return [], {}
        with _alarm(self._deadline):  # sanitising is the grader's work: the notebook's budget pays for it
            return ([displays.viewable(bundle, self.output_limit) for bundle in reply["displays"]],
                    displays.viewable(reply["value_data"], self.output_limit))

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
        # The cell's value is the hidden part's last expression (computed here), not the visible part's.
        outputs = [o for o in outputs if o["output_type"] != "execute_result"]
        # A failed visible part already costs the cell its points. The hidden checks run all the
        # same, for their message: it names the mistake where a bare assert cannot. Not after a
        # timeout, a crash or the notebook's time limit: they would only cost their time again.
        if any(o["output_type"] == "error" and o["ename"] in _NOT_DIAGNOSED for o in outputs):
            return outputs, "not run"
        failure, value = self._run_hidden(session, hidden)
        if failure:
            return outputs + [failure], "failed"
        return outputs + ([_result(value)] if value is not None else []), "passed"

    def _run_hidden(self, session, hidden):
        """Run hidden tests here; return (an error output or None if they pass, the text of
        their last expression's value or None)."""
        failure = self._hidden_failure(session, hidden)
        value, self._value = self._value, None
        return failure, value

    def _hidden_failure(self, session, hidden):
        self._value = None
        if self._remaining(1) <= 0:
            return _verdict("not run: the grading time limit of this notebook was reached")
        try:
            code, last, reads, code_names = _compiled_hidden(hidden)
        except (SyntaxError, ValueError) as error:
            return _verdict("the hidden tests could not be compiled", [repr(error)])
        namespace = {"__name__": "__hidden_tests__", "__builtins__": builtins}
        # The names a hidden test reads: the exercises it names (the course's convention) and every
        # other name its code reads without defining it (a setup cell's variable, a module).
        wanted = sorted({n for n in self._exercises if n in code_names} | reads)
        try:
            with _alarm(self._deadline):
                namespace.update(session.lookup(wanted))
                missing = [] if ANY_NAME in self._defined else sorted(
                    n for n in reads if n not in namespace and n not in self._defined)
                if missing:
                    return self._assignment_error(missing)
                exec(code, namespace)
                if last is not None:
                    value = eval(last, namespace)
                    # Only a number: it is what nbgrader scores (partial credit); any other value
                    # (a check's result object) would show the hidden tests' insides, and nbgrader
                    # gives full credit for it as for no value at all.
                    if type(value) in (int, float) or isinstance(value, (np.integer, np.floating)):
                        self._value = bounded_text(repr(value), self.output_limit)
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

    def _assignment_error(self, missing):
        """A hidden test reads names that no cell of the assignment's notebook defines: the
        assignment's error, not the student's. The cell fails (nbgrader has no "not graded" for
        one cell), the student is told the instructor was, and the batch report names it."""
        names = ", ".join(missing)
        message = (f"the hidden tests of cell {self._cell_id} read {names}, which no cell of the"
                   f" notebook {self._notebook} defines outside hidden tests (each cell's hidden tests run"
                   f" on their own); the cell scored 0. Define {names} in a read-only cell, or in these"
                   " hidden tests, then autograde again.")
        if self._report is not None:
            self._report(message)
        return _verdict("the hidden tests could not run: they need something the assignment does not"
                        " define (the instructor is told; this is not your mistake)",
                        ["", INSTRUCTOR_ONLY, message])

    @staticmethod
    def _detail():
        return ["", INSTRUCTOR_ONLY, *traceback.format_exc().splitlines()]
