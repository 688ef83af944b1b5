"""An LMS's submission archive, opened as hostile input.

The grader may run as root, and the archive holds what students uploaded, under names that
students chose. :func:`extract` writes a zip archive's regular files into a fresh folder and
nothing else:

- no entry leaves the folder: absolute names, ``..``, ``.`` and empty parts, backslashes and
  control characters in a name are refused;
- no links, devices, FIFOs or sockets (a zip entry carries a Unix mode: only regular files and
  folders pass), no encrypted entries;
- bounded: at most ``MAX_ENTRIES`` entries in all, ``MAX_FILE_BYTES`` per file and
  ``MAX_TOTAL_BYTES`` in all, counted on the bytes actually decompressed (a zip bomb's
  declared sizes lie), the whole archive at most ``MAX_ARCHIVE_BYTES``;
- an archive inside the archive (a student who uploaded a zip) is opened into a folder of its
  own name, within the same bounds, ``MAX_NESTING`` levels deep; deeper ones stay closed.

Every entry not written is a :class:`Refused` with the reason; names are escaped when shown
(course.grading.quoting).
"""
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..grading.quoting import printable

MAX_ARCHIVE_BYTES = 2 * 2**30     # the downloaded archive itself
MAX_ENTRIES = 20_000              # entries in all, nested archives included
MAX_FILE_BYTES = 32 * 2**20       # one file, as the grader takes a notebook (submission_files)
MAX_TOTAL_BYTES = 1 * 2**30       # everything extracted
MAX_NESTING = 1                   # archives inside the archive that are opened
MAX_NAME_CHARS = 1000
CHUNK = 1 << 20


@dataclass(frozen=True)
class Refused:
    name: str       # the entry's name as stored (escaped when shown)
    reason: str

    def sentence(self):
        return f"{printable(self.name, 300)}: {self.reason}"


class _Budget:
    def __init__(self):
        self.entries = 0
        self.bytes = 0


def _safe_parts(name):
    """The parts of an entry's name, or the reason it is refused."""
    if len(name) > MAX_NAME_CHARS:
        return None, f"its name is longer than {MAX_NAME_CHARS} characters"
    if not name.isprintable() or "\\" in name:
        return None, "its name holds control characters or a backslash"
    parts = name.rstrip("/").split("/")
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return None, "its name points outside the archive's folder"
    if any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in parts):
        return None, "a part of its name is longer than 255 bytes"
    return parts, None


def _kind(info):
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:   # made on Unix: the mode is the file's
        if stat.S_ISLNK(mode):
            return "a symbolic link"
        if stat.S_ISDIR(mode) or info.is_dir():
            return "folder"
        if not stat.S_ISREG(mode) and stat.S_IFMT(mode):
            return "a device, FIFO or socket"
    return "folder" if info.is_dir() else "file"


def extract(archive, folder, budget=None, depth=0, prefix=""):
    """Extract the zip file ``archive`` into the folder ``folder`` (made here, must not exist).
    Returns the list of :class:`Refused` entries; raises ValueError when the archive as a whole
    cannot be opened (not a zip file, too large)."""
    budget = budget or _Budget()
    archive, folder = Path(archive), Path(folder)
    st = os.lstat(archive)
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{printable(archive)} is not a regular file")
    if st.st_size > MAX_ARCHIVE_BYTES:
        raise ValueError(f"{printable(archive)} is larger than {MAX_ARCHIVE_BYTES // 2**30} GiB")
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"{printable(archive.name)} is not a zip archive ({error})") from None
    os.mkdir(folder, 0o700)
    refused, nested = [], []
    with zf:
        for info in zf.infolist():
            shown = prefix + info.filename
            budget.entries += 1
            if budget.entries > MAX_ENTRIES:
                refused.append(Refused(shown, f"the archive holds more than {MAX_ENTRIES} entries;"
                                              " the rest were not opened"))
                break
            parts, problem = _safe_parts(info.filename)
            kind = _kind(info)
            if problem is None and kind not in ("file", "folder"):
                problem = f"is {kind}, not a file"
            if problem is None and info.flag_bits & 0x1:
                problem = "is encrypted"
            if problem:
                refused.append(Refused(shown, problem))
                continue
            if kind == "folder":
                continue
            target = folder.joinpath(*parts)
            problem = _write(zf, info, folder, parts, target, budget)
            if problem:
                refused.append(Refused(shown, problem))
            elif target.suffix.lower() == ".zip":
                nested.append((target, shown))
    for target, shown in nested:
        if depth >= MAX_NESTING:
            refused.append(Refused(shown, f"is an archive inside an archive {MAX_NESTING} deep; not opened"))
            continue
        try:
            refused += extract(target, target.with_suffix(""), budget, depth + 1, prefix=shown + "/")
        except (ValueError, FileExistsError) as error:
            refused.append(Refused(shown, f"could not be opened: {error}"))
    return refused


def _write(zf, info, folder, parts, target, budget):
    """Write one entry, never past the bounds and never through anything but fresh folders."""
    if info.file_size > MAX_FILE_BYTES:
        return f"would be larger than {MAX_FILE_BYTES // 2**20} MiB"
    current = folder
    for part in parts[:-1]:
        current = current / part
        try:
            os.mkdir(current, 0o700)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                return "its folder is a file of the archive"
    written = 0
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return "the archive holds this name twice; only the first was kept"
    except OSError as error:
        return f"cannot be written ({error.strerror})"
    problem = None
    try:
        with zf.open(info) as source:
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > MAX_FILE_BYTES:
                    problem = f"decompresses to more than {MAX_FILE_BYTES // 2**20} MiB"
                    break
                if budget.bytes + written > MAX_TOTAL_BYTES:
                    problem = f"would take the archive past {MAX_TOTAL_BYTES // 2**30} GiB"
                    break
                os.write(fd, chunk)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
        problem = f"cannot be decompressed ({printable(error, 200)})"
    finally:
        os.close(fd)
    if problem:
        os.remove(target)
        return problem
    budget.bytes += written
    return None
