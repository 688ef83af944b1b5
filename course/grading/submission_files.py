"""Which files of a submission the grader reads: regular files inside its folder, nothing else.

A submission folder is hostile input. nbgrader copies every file it finds in
it with ``shutil.copy`` and reads its notebooks with ``open``, which follow
symbolic links (``notes.txt -> ../../../gradebook.db`` would be copied into
``autograded/`` and ``feedback/``; a notebook linked to the source notebook
would be graded as the student's), block for ever on a FIFO and read a link
to ``/dev/zero`` until memory runs out. This module is the one gate:

- :func:`scan` looks at a submission folder without following anything
  (``lstat``) and sorts its entries into accepted regular files and rejected
  entries, each with a reason a person can read;
- :func:`read_file` opens a file with ``O_NOFOLLOW | O_NONBLOCK`` and checks,
  on the open descriptor, that it is still a regular file of bounded size;
- :func:`install` makes nbgrader's ``autograde`` and ``generate_feedback``
  copy only the accepted files, and drop a notebook that is not one.

The submission itself is never written.
"""
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .quoting import printable

MAX_NOTEBOOK_BYTES = 32 * 2**20   # a notebook with all its outputs is a few MiB at most
MAX_FILE_BYTES = 16 * 2**20       # any other file a student hands in
MAX_TOTAL_BYTES = 64 * 2**20      # everything copied from one submission
MAX_ENTRIES = 1000                # entries looked at in one submission folder
MAX_DEPTH = 8                     # nested folders followed
TIMESTAMP = "timestamp.txt"       # nbgrader reads it from the submission folder
MAX_TIMESTAMP_BYTES = 4096


class UnsafeFile(OSError):
    """A file the grader will not read; ``str()`` is the reason, in plain words."""


def _kind(mode):
    """What a non-regular file is, as a few words."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _limit(name):
    if name.endswith(".ipynb"):
        return MAX_NOTEBOOK_BYTES
    if name == TIMESTAMP:
        return MAX_TIMESTAMP_BYTES
    return MAX_FILE_BYTES


def _size(limit):
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit} bytes"


def problem_with(st, name, limit=None):
    """Why a file with ``lstat``/``fstat`` result ``st`` may not be read, or None."""
    if not stat.S_ISREG(st.st_mode):
        return f"is {_kind(st.st_mode)}, not a file"
    if st.st_nlink > 1:
        return "is a hard link shared with another file"
    limit = _limit(name) if limit is None else limit
    if st.st_size > limit:
        return f"is larger than {_size(limit)}"
    return None


@dataclass(frozen=True)
class Rejected:
    path: str       # relative to the submission folder, as stored (not escaped)
    reason: str     # "is a symbolic link, not a file"

    def sentence(self):
        return f"{printable(self.path)} {self.reason}"


@dataclass
class Scan:
    """What :func:`scan` found in one submission folder."""
    folder: Path
    accepted: list = field(default_factory=list)   # relative paths of regular files, sorted
    rejected: list = field(default_factory=list)   # Rejected entries, sorted by path
    unusable: str = ""                              # why nothing in the folder can be read

    def accepts(self, path):
        return not self.unusable and self.relative(path) in self.accepted

    def relative(self, path):
        return os.path.relpath(os.path.join(self.folder, path), self.folder)

    def reason_for(self, path):
        """Why ``path`` (absolute or relative) was not accepted, or None."""
        if self.unusable:
            return self.unusable
        relative = self.relative(path)
        return next((r.reason for r in self.rejected if r.path == relative), None)


def _folder_problem(folder):
    """The submission folder and its student folder must be real folders, not links to elsewhere."""
    for path, what in ((folder.parent, "the student's folder"), (folder, "the submission folder")):
        try:
            st = os.lstat(path)
        except OSError:
            return f"{what} cannot be read"
        if stat.S_ISLNK(st.st_mode):
            return f"{what} is a symbolic link; nothing in it was read"
        if not stat.S_ISDIR(st.st_mode):
            return f"{what} is not a folder"
    return ""


def scan(folder):
    """Sort the entries of a submission folder without following any link."""
    folder = Path(folder)
    found = Scan(folder, unusable=_folder_problem(folder))
    if found.unusable:
        return found
    seen, total = 0, 0
    pending = [(folder, 0)]
    while pending and seen <= MAX_ENTRIES:
        current, depth = pending.pop()
        try:
            with os.scandir(current) as listing:  # lazily: a folder may hold millions of entries
                entries = []
                for entry in listing:
                    seen += 1
                    if seen > MAX_ENTRIES:
                        found.rejected.append(Rejected(".", f"holds more than {MAX_ENTRIES} entries;"
                                                            " the rest were not looked at"))
                        break
                    entries.append((entry.name, entry.path, entry.stat(follow_symlinks=False)))
        except OSError:
            found.rejected.append(Rejected(os.path.relpath(current, folder), "is a folder that cannot be read"))
            continue
        for name, path, st in sorted(entries):
            relative = os.path.relpath(path, folder)
            if stat.S_ISDIR(st.st_mode):
                if depth + 1 > MAX_DEPTH:
                    found.rejected.append(Rejected(relative, f"is nested more than {MAX_DEPTH} folders deep"))
                else:
                    pending.append((Path(path), depth + 1))
                continue
            problem = problem_with(st, name)
            if problem is None and total + st.st_size > MAX_TOTAL_BYTES:
                problem = f"would take the submission past {MAX_TOTAL_BYTES // 2**20} MiB"
            if problem:
                found.rejected.append(Rejected(relative, problem))
            else:
                total += st.st_size
                found.accepted.append(relative)
    found.accepted.sort()
    found.rejected.sort(key=lambda r: r.path)
    return found


def read_file(path, limit=None):
    """The bytes of a regular file, never following a link and never blocking.

    Raises :class:`UnsafeFile` with the reason when the file is not a regular
    file (checked on the open descriptor, so it cannot be swapped in between)
    or is larger than ``limit`` (by default the limit for its kind).
    """
    path = str(path)
    name = os.path.basename(path)
    limit = _limit(name) if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeFile("is a symbolic link, not a file") from None
        raise
    try:
        problem = problem_with(os.fstat(fd), name, limit)
        if problem:
            raise UnsafeFile(problem)
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:  # it grew after fstat
            raise UnsafeFile(f"is larger than {_size(limit)}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def copy_file(source, destination):
    """Copy one accepted file by the same rules as :func:`read_file`."""
    data = read_file(source)
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(destination):
        os.remove(destination)
    with open(destination, "xb") as out:
        out.write(data)


# -- nbgrader ------------------------------------------------------------------------------
def _safe_init_assignment(converter, assignment_id, student_id):
    """nbgrader's ``BaseConverter.init_assignment`` with the gate: copy the accepted
    non-notebook files, keep only accepted notebooks, refuse a submission whose
    notebooks or timestamp nbgrader could not read safely."""
    from nbgrader.utils import is_ignored

    from . import batch_report
    from .batch_report import AS_HANDED_IN, NOT_GRADED

    source = Path(converter._format_source(assignment_id, student_id))
    dest = Path(converter._format_dest(assignment_id, student_id))
    found = scan(source)
    report = batch_report.current(converter.coursedir.root, converter.coursedir.student_id or "*")
    grading = type(converter).__name__ == "Autograde"

    def note(kind, message):
        if grading:
            report.record(assignment_id, student_id, kind, message)

    if found.unusable:
        note(NOT_GRADED, found.unusable + ".")
        raise UnsafeFile(f"{source}: {found.unusable}")
    kept = [nb for nb in converter.notebooks if found.accepts(nb)]
    for notebook in converter.notebooks:
        if notebook not in kept:
            note(NOT_GRADED, f"{printable(os.path.basename(notebook))} {found.reason_for(notebook)};"
                             " it was not read.")
    converter.notebooks = kept
    timestamp_problem = found.reason_for(TIMESTAMP)
    if timestamp_problem:
        note(NOT_GRADED, f"{TIMESTAMP} {timestamp_problem}; the submission time cannot be read.")
        raise UnsafeFile(f"{source / TIMESTAMP} {timestamp_problem}")
    if not kept:
        raise UnsafeFile(f"{source}: no notebook in the submission can be read safely")
    for rejected in found.rejected:
        if not rejected.path.endswith(".ipynb"):
            note(AS_HANDED_IN, f"{rejected.sentence()}; it was not copied.")
    ignore = converter.coursedir.ignore + ["*.ipynb"]
    for relative in found.accepted:
        path = source / relative
        if relative.endswith(".ipynb") or any(is_ignored(str(p), ignore)
                                              for p in [path, *path.parents][:relative.count(os.sep) + 1]):
            continue
        copy_file(path, dest / relative)


def collect_problems(src, check_owner=True):
    """Why ``nbgrader collect`` must not take the exchange submission folder ``src``
    (``<student>+<assignment>+<timestamp>[+<random>]`` in the course's inbound), as sentences;
    [] when it may. Anyone can write into the inbound folder, so a folder there is hostile input:
    it must be a real folder whose entries are all plain files (a link to another student's
    submission, or to any file root can read, would be copied as the student's work), and,
    where the student id names a Unix user (a hub with real users), that user must own it.
    nbgrader itself follows links and only warns about a wrong owner."""
    return _collect_problems(Path(src), scan(src), check_owner)


def _collect_problems(src, found, check_owner):
    """:func:`collect_problems` of ``src`` as :func:`scan` found it."""
    import pwd

    if found.unusable:
        return [found.unusable]
    problems = [rejected.sentence() for rejected in found.rejected]
    student = src.name.rsplit("+", 3)[0]
    if check_owner:
        try:
            expected = pwd.getpwnam(student).pw_uid
        except KeyError:
            expected = None   # no Unix user of that name: one account for everyone, nbgrader's warning stands
        owner = os.lstat(src).st_uid
        if expected is not None and owner != expected:
            try:
                name = pwd.getpwuid(owner).pw_name
            except KeyError:
                name = f"uid {owner}"
            problems.insert(0, f"the folder claims to be {printable(student)}'s but belongs to {printable(name)}")
    return problems


def _safe_collect_copy(exchange, src, dest):
    """nbgrader's ``Exchange.do_copy`` for collect: refuse a folder with :func:`collect_problems`,
    else copy its accepted files through :func:`copy_file` (never following a link)."""
    from nbgrader.utils import is_ignored

    found = scan(src)   # once: what is judged is what is copied
    problems = _collect_problems(Path(src), found, getattr(exchange, "check_owner", True))
    if problems:
        exchange.log.error("NOT COLLECTED: %s: %s. Nothing of it was copied; the student can submit again.",
                           printable(os.path.basename(src)), "; ".join(problems))
        return False
    ignore = exchange.coursedir.ignore
    for relative in found.accepted:
        path = Path(src) / relative
        if any(is_ignored(str(p), ignore) for p in [path, *path.parents][:relative.count(os.sep) + 1]):
            continue
        copy_file(path, Path(dest) / relative)
    Path(dest).mkdir(parents=True, exist_ok=True)
    return True


def install():
    """Make nbgrader's autograde and generate_feedback read submissions through the gate, and
    its collect (the exchange's inbound folder to submitted/) copy through it too.

    nbgrader has no setting for how it copies a submission's files, so this
    replaces the one method that does it (``BaseConverter.init_assignment``,
    nbgrader 0.9) for those two converters; generate_assignment, which copies
    the instructor's own files, keeps nbgrader's behaviour. For collect it
    replaces ``ExchangeCollect.do_copy`` (nbgrader's copies with ``shutil.copytree``,
    which follows links).
    """
    from nbgrader.converters.base import BaseConverter
    from nbgrader.exchange.default.collect import ExchangeCollect

    if not getattr(ExchangeCollect.do_copy, "_course_gate", False):
        def do_copy(self, src, dest, log=None):
            return _safe_collect_copy(self, src, dest)

        do_copy._course_gate = True
        ExchangeCollect.do_copy = do_copy
    if getattr(BaseConverter.init_assignment, "_course_gate", False):
        return
    original = BaseConverter.init_assignment

    def init_assignment(self, assignment_id, student_id):
        if type(self).__name__ in ("Autograde", "GenerateFeedback"):
            return _safe_init_assignment(self, assignment_id, student_id)
        return original(self, assignment_id, student_id)

    init_assignment._course_gate = True
    BaseConverter.init_assignment = init_assignment
