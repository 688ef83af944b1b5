"""One memory and process limit for a student's whole sandbox: a control group (Linux).

Resource limits (``RLIMIT_AS``) hold per process, so a student's code that forks
holds a multiple of them: three children of 2 GiB each are 6 GiB in a sandbox
of 4. A control group counts every process of the sandbox together. The
grader makes one per student process, sets its memory limit (RAM and swap)
and its process limit (``pids.max``, which counts threads too), and starts
the worker inside it (:meth:`ProcessGroup.launch_prefix`): everything the
student's code starts is born inside and cannot leave (writing to
``cgroup.procs`` needs write access to the group files, which a worker without
capabilities, behind Landlock, does not have). Past the memory limit the
kernel's OOM killer ends a process of the group, never one outside it.

Both cgroup versions are handled: v1 (one hierarchy per controller, as on
this project's machines) and v2 (one unified hierarchy, where the grader's
group must be able to delegate the memory and pids controllers to a child).
Where neither can be used (no root, no cgroups), :func:`create` returns None and
the worker limits the number of its processes itself (``RLIMIT_NPROC``, see
:mod:`course.grading.sandbox`): the sandbox's memory is then bounded only by
processes x address space, which the protections line says.
"""
import itertools
import os
import shlex
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_names = itertools.count(1)


def _own_paths():
    """``{controller: path of this process's group}`` from /proc/self/cgroup ("" for v2)."""
    paths = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path.lstrip("/")
    return paths


def _v1_folders():
    """The grader's own groups in the v1 memory and pids hierarchies, or None."""
    own = _own_paths()
    folders = {}
    for controller in ("memory", "pids"):
        mount = ROOT / controller
        if controller not in own or not (mount / "cgroup.procs").exists():
            return None
        folders[controller] = mount / own[controller]
    return folders


def _v2_folder():
    """The grader's own v2 group, if it can give the memory and pids controllers to children."""
    own = _own_paths()
    if "" not in own:
        return None
    for mount in (ROOT, ROOT / "unified"):
        folder = mount / own[""]
        try:
            controllers = (folder / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if {"memory", "pids"} <= set(controllers):
            return folder
    return None


class ProcessGroup:
    """The control group of one student process and everything it starts."""

    def __init__(self, folders, version, memory_bytes, max_processes):
        self.folders, self.version = folders, version   # one folder per hierarchy (v2: one)
        self.memory_bytes, self.max_processes = memory_bytes, max_processes

    def describe(self):
        """The protection line: what the whole sandbox may hold."""
        return (f"cgroup v{self.version}: memory {self.memory_bytes / 2**30:.1f} GiB"
                f" and {self.max_processes} processes for the whole sandbox")

    def launch_prefix(self):
        """A command prefix that moves itself into the group, then runs the rest: the
        worker, and all it starts, are born inside (never a moment outside it)."""
        moves = "".join(f"echo $$ > {shlex.quote(str(folder / 'cgroup.procs'))} || exit 125; "
                        for folder in self.folders)
        return ("/bin/sh", "-c", moves + 'exec "$@"', "sh")

    def processes(self):
        """The pids in the group now."""
        pids = set()
        for folder in self.folders:
            try:
                pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return pids

    def peak_memory(self):
        """The most memory the group has held at once, in bytes (None if not known)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        for folder in self.folders:
            try:
                return int((folder / name).read_text())
            except (OSError, ValueError):
                continue
        return None

    def remove(self, timeout=5.0):
        """Kill whatever is left in the group and remove it. Returns True when it is gone."""
        deadline = time.monotonic() + timeout
        while True:
            if self.version == 2:
                _write(self.folders[0] / "cgroup.kill", "1")
            for pid in self.processes():
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            gone = True
            for folder in self.folders:
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:     # busy: a process is still exiting
                    gone = False
            if gone or time.monotonic() > deadline:
                return gone
            time.sleep(0.01)


def _write(path, text):
    try:
        path.write_text(text)
        return True
    except OSError:
        return False


def _sweep(parent):
    """Remove the empty student groups under ``parent`` whose grader is gone: a grader killed by a
    signal cannot remove its own (a group that still holds a process is not removable). A grader in
    another PID namespace sharing this parent would look gone: graders of one course share one."""
    try:
        children = list(parent.glob("course-student-*-*"))
    except OSError:
        return
    for folder in children:
        pid = folder.name.rsplit("-", 2)[-2]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            try:
                folder.rmdir()
            except OSError:
                pass


_swept = set()   # the parents swept by this process: once each is enough


def create(memory_bytes, max_processes):
    """A new :class:`ProcessGroup` with these limits, or None where the OS does not allow one."""
    name = f"course-student-{os.getpid()}-{next(_names)}"
    parents = list((_v1_folders() or {}).values()) + [p for p in [_v2_folder()] if p is not None]
    for parent in set(parents) - _swept:
        _sweep(parent)
        _swept.add(parent)
    v1 = _v1_folders()
    if v1 is not None:
        made = []
        try:
            for controller, parent in v1.items():
                folder = parent / name
                folder.mkdir()
                made.append(folder)
            memory, pids = v1["memory"] / name, v1["pids"] / name
            (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            if (memory / "memory.memsw.limit_in_bytes").exists():  # swap counts too
                (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            (pids / "pids.max").write_text(str(max_processes))
            return ProcessGroup(made, 1, memory_bytes, max_processes)
        except OSError:
            ProcessGroup(made, 1, memory_bytes, max_processes).remove(timeout=0)
    parent = _v2_folder()
    if parent is not None:
        folder = parent / name
        try:
            # A v2 group's children get a controller only if the group lists it in
            # subtree_control, which a group holding processes itself may not do:
            # where this fails, there is no v2 group for us.
            (parent / "cgroup.subtree_control").write_text("+memory +pids")
            folder.mkdir()
            (folder / "memory.max").write_text(str(memory_bytes))
            _write(folder / "memory.swap.max", "0")
            (folder / "pids.max").write_text(str(max_processes))
            return ProcessGroup([folder], 2, memory_bytes, max_processes)
        except OSError:
            ProcessGroup([folder], 2, memory_bytes, max_processes).remove(timeout=0)
    return None


def available():
    """Whether this process can make control groups for the student's sandbox."""
    group = create(2**30, 8)
    if group is not None:
        group.remove()
    return group is not None


def leftovers():
    """The student groups that exist now (of any grader): none should outlive grading."""
    return {str(p) for p in ROOT.rglob("course-student-*") if p.is_dir()} if ROOT.is_dir() else set()
