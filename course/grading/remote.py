"""Handles on objects that live in the student's process.

During isolated autograding, a hidden test sees the student's function as a
:class:`RemoteObject`. Calling it sends the arguments to the student's process
as plain data and brings back a report as plain data; nothing of the
student's is ever called in the grader.
"""


class StudentCodeError(Exception):
    """The student's code raised; carries the exception's type name and message."""

    def __init__(self, type_name, message):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name = type_name
        self.message = message


class RemoteObject:
    """A callable or object in the student's process, known by a reference."""

    __slots__ = ("_session", "_ref", "__name__", "_type_name")

    def __init__(self, session, ref, name, type_name):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "__name__", name)
        object.__setattr__(self, "_type_name", type_name)

    def _grading_call(self, args, kwargs, options):
        """Run :func:`course.grading.probe.run_call` on it in the student's process."""
        return self._session.call(self._ref, args, kwargs, options)

    def __call__(self, *args, **kwargs):
        report = self._grading_call(args, kwargs, {"send_args": False})
        if report["error"] is not None:
            raise StudentCodeError(report["error"]["type"], report["error"]["message"])
        return report["value"]

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._session.get_attribute(self._ref, name)

    def __setattr__(self, name, value):
        raise AttributeError("objects of the student's process are read-only here")

    def __repr__(self):
        return f"<student's {self._type_name} {self.__name__}>"
