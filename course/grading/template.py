"""A warm template of the student's process: imported once, forked for each worker.

Starting a worker (:mod:`course.grading.worker`) costs about 0.2 CPU s of
Python and NumPy imports, 0.5 s once the notebook imports matplotlib, and a
warm-up notebook starts three (``check(..., fresh_process=True)`` starts two
more). The template is a process of the grader's that imports what every
notebook imports (NumPy, matplotlib with its Agg backend, IPython's shell, the
grading modules the worker uses), then waits for the grader's requests on a
socket of its own. For each worker it forks a child that does what
``unshare --pid --fork --kill-child --net --ipc --mount`` and the cgroup
prefix do for a cold start (:func:`course.grading.sandbox.launch_prefix`,
:meth:`course.grading.cgroup.ProcessGroup.launch_prefix`), whose own child
then runs :func:`course.grading.worker.main` as a cold worker would: it limits
itself (:mod:`course.grading.sandbox`) before any student code runs.

The template never runs student code and receives nothing a student wrote:
only the grader's settings for each worker (its scratch folder, limits,
environment) and the two pipe ends, which it closes once forked. Forks are
taken only while it has one thread (NumPy's BLAS pool is pinned to one thread
by the environment, IPython's shell, which starts a thread, is made in the
fork), so the probe's record of the threads before any student code
(``probe._THREADS_BEFORE``) holds the main thread only, as in a cold worker.
NumPy's legacy random state is seeded afresh in each fork (Python's
``random`` reseeds itself at fork); the hash seed is the template's.
"""
import atexit
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import sandbox

_CLONE_FLAGS = {"--pid": 0x20000000, "--net": 0x40000000, "--ipc": 0x08000000, "--mount": 0x00020000,
                "--user": 0x10000000}
_CLONE_NEWPID, _CLONE_NEWNS, _CLONE_NEWUSER = 0x20000000, 0x00020000, 0x10000000
_MS_REC, _MS_PRIVATE = 0x4000, 1 << 18
_PR_SET_PDEATHSIG = 1
_MAX_REQUEST = 1 << 20


class TemplateError(Exception):
    """The template could not fork a worker: the grader starts one cold instead."""


def namespace_flags():
    """The ``unshare(2)`` flags of :func:`sandbox.launch_prefix`, and whether root is mapped."""
    prefix = sandbox.launch_prefix()
    flags = 0
    for option in prefix:
        flags |= _CLONE_FLAGS.get(option, 0)
    return flags, "--map-root-user" in prefix


# -- the grader's side ----------------------------------------------------------------
class WarmProcess:
    """What the grader holds of a forked worker's first process (the one that plays
    ``unshare``'s part, as a cold start's Popen): its pid, its end, its CPU time."""

    def __init__(self, template, pid):
        self.template, self.pid, self.returncode = template, pid, None

    def poll_exit(self):
        """(exit code, CPU seconds of it and the worker) once it has ended, else None."""
        ended = self.template.wait(self.pid, 0)
        if ended is not None:
            self.returncode = ended[0]
        return ended

    def wait(self, timeout=10):
        ended = self.template.wait(self.pid, timeout)
        if ended is not None:
            self.returncode = ended[0]
        return self.returncode


class Template:
    """A running template and the socket to it; one grader thread asks at a time."""

    def __init__(self, env, startup_timeout):
        self._lock = threading.Lock()
        self.folder = tempfile.mkdtemp(prefix="student-template-")   # its cwd; nothing is written there
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.owner = os.getpid()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "course.grading.template", str(theirs.fileno())], pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=dict(env, HOME=self.folder, TMPDIR=self.folder), cwd=self.folder, start_new_session=True)
        finally:
            theirs.close()
        self.socket = ours
        self.socket.settimeout(startup_timeout)
        try:
            ready = self._receive()
        except (OSError, ValueError):
            ready = None
        if not (isinstance(ready, dict) and ready.get("ready")):
            self.close()
            raise TemplateError("the template did not start")

    def _receive(self):
        data = self.socket.recv(_MAX_REQUEST)
        if not data:
            raise OSError("the template is gone")
        return json.loads(data)

    def _ask(self, request, fds=(), timeout=30):
        with self._lock:
            if self.socket is None:
                raise TemplateError("the template is closed")
            try:
                self.socket.settimeout(timeout)
                socket.send_fds(self.socket, [json.dumps(request).encode()], list(fds))
                return self._receive()
            except (OSError, ValueError) as error:
                self._close()
                raise TemplateError(f"the template stopped answering: {error}") from None

    def fork(self, *, argv, env, cwd, fds, cgroups):
        """Start a worker from the template; its ``argv`` are the cold worker's arguments."""
        flags, map_root = namespace_flags()
        reply = self._ask({"op": "fork", "argv": list(argv), "env": env, "cwd": cwd, "cgroups": list(cgroups),
                           "flags": flags, "map_root": map_root, "uid": os.getuid(), "gid": os.getgid()}, fds)
        if not isinstance(reply, dict) or not isinstance(reply.get("pid"), int):
            raise TemplateError(f"the template could not fork: {reply}")
        return WarmProcess(self, reply["pid"])

    def wait(self, pid, timeout):
        """(exit code, CPU seconds) of the forked process ``pid`` once it ended within ``timeout`` s, or
        None. A process whose template is gone is the kernel's to reap: ended means gone from /proc."""
        try:
            reply = self._ask({"op": "wait", "pid": pid, "timeout": timeout}, timeout=timeout + 30)
        except TemplateError:
            deadline = time.monotonic() + timeout
            while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
                time.sleep(0.01)
            return None if os.path.exists(f"/proc/{pid}") else (-signal.SIGKILL, 0.0)
        return None if reply.get("status") is None else (reply["status"], reply["cpu"])

    @property
    def alive(self):
        return self.socket is not None and self.process.poll() is None

    def _close(self):
        if self.socket is not None:
            self.socket.close()   # the template exits at the end of its socket; its forks go with it
            self.socket = None
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)

    def close(self):
        with self._lock:
            self._close()


_shared = {}   # env key -> the Template of this process


def shared(env, startup_timeout):
    """This process's template for workers with environment ``env``, started when first needed
    (and again if it died); None where it cannot start (the grader then starts workers cold)."""
    key = json.dumps(env, sort_keys=True)
    found = _shared.get(key)
    if found is not None and found.owner == os.getpid() and found.alive:
        return found
    if found is not None and found.owner == os.getpid():
        found.close()
    _shared.pop(key, None)   # a forked grader's copy is its parent's: never used here
    try:
        _shared[key] = Template(env, startup_timeout)
    except (OSError, TemplateError):
        return None
    return _shared[key]


def close_shared():
    """End this process's templates (and whatever worker they still have)."""
    for key, found in list(_shared.items()):
        if found.owner == os.getpid():
            found.close()
        _shared.pop(key, None)


atexit.register(close_shared)


# -- the template's side --------------------------------------------------------------
def _warm_imports():
    """What every worker imports; the template has no thread afterwards (checked before each fork)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401 - made in the fork: it starts a thread

    from . import call_report, probe, wire, worker  # noqa: F401


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _one_thread():
    try:
        return len(os.listdir("/proc/self/task")) == 1 and threading.active_count() == 1
    except OSError:
        return threading.active_count() == 1


def _close_other_fds(keep):
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _worker(request, fds):
    """In the fork that becomes the worker: the cold worker's environment, then its main."""
    from . import worker

    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None   # tempfile caches the folder it found first
    os.chdir(request["cwd"])
    sys.path[0] = request["cwd"]   # as `python -m` run in the scratch folder sets it
    argv = [worker.__file__, *request["argv"]]
    argv[1:3] = [str(fd) for fd in fds]
    sys.argv = argv
    import numpy

    numpy.random.mtrand._rand.seed()   # NumPy's legacy state was the template's: fresh entropy, as at import
    return worker.main(argv)


def _first(request, fds):
    """In the template's fork: what the cold start's cgroup prefix and ``unshare`` do, then the worker.
    Never returns."""
    code = 1
    try:
        libc = _libc()
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)   # the template gone, so is the sandbox
        os.setsid()
        for folder in request["cgroups"]:
            try:
                Path(folder, "cgroup.procs").write_text(str(os.getpid()))
            except OSError:
                os._exit(125)   # as the cold start's prefix: never a moment outside the group
        _close_other_fds(set(fds))
        flags = request["flags"]
        if flags and libc.unshare(flags) != 0:
            os._exit(126)
        if request["map_root"]:
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"0 {request['uid']} 1")
            Path("/proc/self/gid_map").write_text(f"0 {request['gid']} 1")
        if flags & _CLONE_NEWNS and libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
            os._exit(126)   # unshare's default: mounts here never reach the grader's namespace
        if not flags & _CLONE_NEWPID:
            code = _worker(request, fds)
            return
        child = os.fork()
        if child == 0:
            code = 1
            try:
                libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)   # unshare --kill-child
                code = _worker(request, fds)
            finally:
                os._exit(code if isinstance(code, int) else 1)
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(child, 0)
        if os.WIFSIGNALED(status):   # as unshare: end the same way, so the grader sees the signal
            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
            os.kill(os.getpid(), os.WTERMSIG(status))
        code = os.waitstatus_to_exitcode(status)
    finally:
        os._exit(code if isinstance(code, int) else 1)


def _reap(finished):
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        finished[pid] = (os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime)


def main(argv):
    channel = socket.socket(fileno=int(argv[1]))
    _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _warm_imports()
    channel.send(json.dumps({"ready": _one_thread(), "pid": os.getpid()}).encode())
    finished = {}   # pid -> (exit code, CPU seconds) of forks that ended before the grader asked
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(channel, _MAX_REQUEST, 2)
        except OSError:
            return 0
        if not data:
            return 0   # the grader is gone
        request = json.loads(data)
        _reap(finished)
        if request["op"] == "fork":
            if len(fds) != 2 or not _one_thread():
                for fd in fds:
                    os.close(fd)
                channel.send(json.dumps({"error": "not forked"}).encode())
                continue
            pid = os.fork()
            if pid == 0:
                channel.close()
                _first(request, fds)
            for fd in fds:
                os.close(fd)
            del request, fds
            channel.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "wait":
            pid, deadline = request["pid"], time.monotonic() + request["timeout"]
            while pid not in finished:
                try:
                    done, status, usage = os.wait4(pid, os.WNOHANG)
                except ChildProcessError:
                    finished[pid] = (None, 0.0)
                    break
                if done:
                    finished[pid] = (os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime)
                elif time.monotonic() >= deadline:
                    break
                else:
                    time.sleep(0.005)
            status, cpu = finished.pop(pid, (None, 0.0))
            channel.send(json.dumps({"status": status, "cpu": cpu}).encode())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
