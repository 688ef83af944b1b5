"""The process that runs one student's notebook code, sandboxed.

Started by :class:`course.grading.session.StudentSession` as
``python -m course.grading.worker REQUEST_FD REPLY_FD CONFIG_JSON``. It imports
what it needs, limits itself (:mod:`course.grading.sandbox`), then serves
requests: run a cell, look names up, call a function through the probe.
Requests and replies are :mod:`course.grading.wire` messages (plain data only).
"""
import dataclasses
import io
import json
import os
import stat
import sys
import types


class BoundedText(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit):
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def clear(self):
        self.parts, self.size, self.dropped = [], 0, 0

    def getvalue(self):
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped:,} more characters of output not shown]\n"
        return text


def written_files(max_files, max_file_bytes, max_total_bytes):
    """The plain files under the current folder (the scratch), for the grader to judge:
    ``{"files": [[path, bytes], ...], "refused": [[path, reason], ...]}``. Hidden entries and
    __pycache__ are left out; links, FIFOs and the like are named, never followed or read."""
    found, refused, total = [], [], 0
    for folder, dirs, files in os.walk(".", followlinks=False):
        for name in list(dirs):
            if name.startswith(".") or name == "__pycache__":
                dirs.remove(name)
            elif os.path.islink(os.path.join(folder, name)):
                dirs.remove(name)
                refused.append([os.path.join(folder, name)[2:], "is a link"])
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)[2:]
            if name.startswith("."):
                continue
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                refused.append([path, "is a link" if stat.S_ISLNK(info.st_mode) else "is not a plain file"])
                continue
            if len(found) >= max_files or info.st_size > max_file_bytes or total + info.st_size > max_total_bytes:
                refused.append([path, "is over the size or number limits"])
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as file:
                data = file.read(max_file_bytes + 1)
            total += len(data)
            found.append([path, data])
    return {"files": found, "refused": refused}


_BUILTIN_ERRORS = {cls.__name__: cls for cls in (
    ValueError, TypeError, IndexError, KeyError, AttributeError, ArithmeticError, ZeroDivisionError,
    LookupError, RuntimeError)}


def grader_proxy_class(ask_grader):
    """The class of what a grader's stand-in becomes here: every use is a request to the grader."""

    class GraderProxy:
        __slots__ = ("_grader_id", "_type_label", "_methods")

        def __init__(self, grader_id, type_label, methods):
            object.__setattr__(self, "_grader_id", grader_id)
            object.__setattr__(self, "_type_label", type_label)
            object.__setattr__(self, "_methods", tuple(methods))

        def __getattr__(self, name):
            if name.startswith("_"):
                raise AttributeError(name)
            grader_id = object.__getattribute__(self, "_grader_id")
            if name in object.__getattribute__(self, "_methods"):
                def method(*args, **kwargs):
                    return ask_grader({"id": grader_id, "op": "call", "name": name,
                                       "args": list(args), "kwargs": kwargs})
                method.__name__ = name
                return method
            return ask_grader({"id": grader_id, "op": "getattr", "name": name})

        def __setattr__(self, name, value):
            raise AttributeError(f"the {self._type_label} given to your function is read-only; "
                                 "use its methods")

        def __copy__(self, *args):
            # The grader refuses it, and says so in the verdict even if the student's code catches it.
            return ask_grader({"id": object.__getattribute__(self, "_grader_id"), "op": "copy", "name": ""})

        __deepcopy__ = __reduce_ex__ = __copy__

        def __repr__(self):
            return f"<{self._type_label} given by the grader>"

    return GraderProxy


def main(argv):
    request_fd, reply_fd, config = int(argv[1]), int(argv[2]), json.loads(argv[3])
    os.chdir(config["scratch"])
    sys.path.insert(0, config["scratch"])
    from course.grading import sandbox

    scratch = (f"scratch tmpfs {config['scratch_bytes'] // 2**20} MiB"
               if config.get("scratch_bytes") and sandbox.private_scratch(config["scratch"], config["scratch_bytes"])
               else "scratch on disk (no mount namespace)")

    import numpy as np
    from IPython.core.interactiveshell import InteractiveShell

    from course.grading import call_report, displays, probe, wire

    probe.watch_legacy_random()   # before any student code: calls into the legacy random state are counted
    shell = InteractiveShell.instance(history_length=0)
    shell.history_manager.enabled = False
    shell.displayhook.write_output_prompt = lambda: None
    limits = displays.Limits(**config["display_limits"])
    # A cell's value is its execute_result, as in Jupyter (nbgrader scores a test cell whose
    # last expression is a number as that number): kept apart from stdout, its text/plain
    # and its rich types (a DataFrame's HTML) as a display's.
    results = []
    shell.displayhook.write_format_data = lambda format_dict, md_dict=None: results.append(format_dict)
    # display() publishes here, in order, instead of printing its text/plain.
    shown, streams = {"bundles": [], "more": 0}, []

    def publish(data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        if update:
            return  # a display_id's update: the display keeps what it first showed
        if len(shown["bundles"]) < limits.displays:
            shown["bundles"].append(displays.for_wire(data, limits.image_bytes))
        else:
            shown["more"] += 1

    def clear_output(wait=False):  # as Jupyter's: the cell's output so far goes
        shown["bundles"].clear()
        shown["more"] = 0
        for stream in streams:
            stream.clear()

    shell.display_pub.publish, shell.display_pub.clear_output = publish, clear_output
    # A cell's exception goes in its error output with IPython's traceback, as a Jupyter kernel
    # puts it (ipykernel does the same): IPython alone prints the traceback to stdout, where the
    # notebook would show it a second time, above the error.
    tracebacks = []
    shell._showtraceback = lambda etype, evalue, stb: tracebacks.append(stb)
    run_cell, run_call, dumps, loads = InteractiveShell.run_cell, probe.run_call, wire.dumps, wire.loads
    read_frame, write_frame, message_of = wire.read_frame, wire.write_frame, call_report.message_of
    with_value = dataclasses.replace
    active = [scratch, *sandbox.apply(memory_bytes=config["memory_bytes"], cpu_seconds=config["cpu_seconds"],
                                      scratch=config["scratch"], read_paths=config["read_paths"],
                                      max_processes=config.get("max_processes"))]
    refs, plain = {}, (type(None), bool, int, float, complex, str, bytes, list, tuple, dict,
                       slice, np.ndarray, np.generic, np.random.Generator, np.dtype)
    real_stdout, real_stderr, real_stdin = sys.stdout, sys.stderr, sys.stdin
    output_limit = config["output_chars"]
    # The grading modules stay reachable only through the names bound above: a
    # student's `import course` would load them anew, from files it cannot read.
    for name in [m for m in sys.modules if m == "course" or m.startswith("course.")]:
        del sys.modules[name]

    def share(value):
        """Plain data goes by value; anything else stays here, known by a reference."""
        # by type alone: isinstance would run a __class__ property of the student's
        if issubclass(type(value), plain) and not callable(value):
            return {"kind": "value", "value": value}
        refs[len(refs) + 1] = value
        return {"kind": "ref", "ref": len(refs), "type": wire.type_name(value)}

    def figures():
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return []
        images = []
        for number in pyplot.get_fignums()[:limits.images]:
            buffer = io.BytesIO()
            pyplot.figure(number).savefig(buffer, format="png", dpi=60)
            images.append(buffer.getvalue())
        pyplot.close("all")
        return images

    def run(code, count=None):
        out, err = BoundedText(output_limit), BoundedText(output_limit)
        results.clear()
        tracebacks.clear()
        clear_output()
        if type(count) is int:
            shell.execution_count = count   # a traceback names the cell "In[count]", as its prompt
        streams[:] = out, err
        sys.stdout, sys.stderr = out, err
        try:
            result = run_cell(shell, code, store_history=False)
            error = result.error_in_exec or result.error_before_exec
            try:
                images = figures()
            except Exception:  # noqa: BLE001 - a broken figure is not worth a failed cell
                images = []
        finally:
            sys.stdout, sys.stderr, sys.stdin = real_stdout, real_stderr, real_stdin
        value = results[-1] if results else {}
        text = value.get(displays.PLAIN) if isinstance(value.get(displays.PLAIN), str) else ""
        # bounded here too, as in the grader: an honest cell's reply fits in one message
        rich = displays.bounded(shown["bundles"], displays.for_wire(value, limits.image_bytes), shown["more"], limits)
        reply = {"ok": error is None, "stdout": out.getvalue(), "stderr": err.getvalue(),
                 "images": images, "error": None, "result": text[:output_limit] if results else None,
                 "displays": rich.displays, "value_data": rich.value, "more_displays": rich.dropped}
        if error is not None:
            lines = tracebacks[-1] if tracebacks and isinstance(tracebacks[-1], list) else []
            formatted = "\n".join(line for line in lines if isinstance(line, str))
            reply["error"] = {"ename": type(error).__name__, "evalue": message_of(error),
                              "traceback": formatted[:output_limit]}
        return reply

    def ask_grader(request):
        """Send a stand-in's request to the grader and wait for its answer (plain data)."""
        write_frame(reply_fd, dumps({"callback": request}))
        frame = read_frame(request_fd)
        if frame is None:
            raise SystemExit(0)  # the grader is gone
        answer = loads(frame)
        if answer["ok"]:
            return answer["value"]
        error = answer["error"]
        raise _BUILTIN_ERRORS.get(error["type"], RuntimeError)(error["message"])

    proxy = grader_proxy_class(ask_grader)

    def resolve(ref):
        if "name" in ref:
            return shell.user_ns[ref["name"]]
        return refs[ref["id"]]

    def serve(request):
        op = request["op"]
        if op == "run":
            return run(request["code"], request.get("count"))
        if op == "lookup":
            found = {}
            for name in request["names"]:
                if name in shell.user_ns and not name.startswith("_"):
                    if type(shell.user_ns[name]) is types.ModuleType:  # the grader imports its own
                        found[name] = {"kind": "module", "module": shell.user_ns[name].__dict__.get("__name__")}
                        continue
                    found[name] = share(shell.user_ns[name])
                    if found[name]["kind"] == "ref":
                        found[name]["ref"] = {"name": name}
            return found
        if op == "call":
            options = request["options"]
            report = run_call(resolve(request["ref"]), request["args"], request["kwargs"], **options)
            if report.error is None and options.get("send_value", True):
                shared = share(report.value)
                report = with_value(report, value=shared.get("value"),
                                    value_ref=shared.get("ref") and {"id": shared["ref"], "type": shared["type"]})
            return report.to_plain()
        if op == "getattr":
            return share(getattr(resolve(request["ref"]), request["name"]))
        if op == "files":
            return written_files(request["max_files"], request["max_file_bytes"], request["max_total_bytes"])
        if op == "hello":
            return {"protections": active, "pid": os.getpid()}
        raise ValueError(f"unknown request {op!r}")

    while True:
        frame = read_frame(request_fd)
        if frame is None:
            return 0
        try:
            request = loads(frame, grader_objects=proxy, student_objects=resolve)
            reply = {"ok": True, "reply": serve(request)}
        except BaseException as error:  # noqa: BLE001 - report, never die on a request
            reply = {"ok": False, "error": f"{type(error).__name__}: {message_of(error)}"}
        try:
            payload = dumps(reply)
        except BaseException as error:  # noqa: BLE001
            payload = dumps({"ok": False, "error": f"reply could not be encoded: {error}"})
        write_frame(reply_fd, payload)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
