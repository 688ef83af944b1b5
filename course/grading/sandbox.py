"""OS-level limits for the process that runs a student's code (Linux).

Applied by the worker to itself after it has imported what it needs and
before it runs any student code:

- resource limits: address space (memory, per process), CPU seconds, file size, no
  core files; the number of processes where the grader could not make a control
  group (:mod:`course.grading.cgroup`), which otherwise bounds the memory and
  processes of the whole sandbox;
- ``no_new_privs`` and a Landlock ruleset: read-only access to the Python
  installation and system libraries, read-write access to the worker's own
  scratch folder, nothing else (so not the course's source/, gradebook or
  home folder); no TCP bind/connect (Landlock ABI >= 4); no signals to, or
  abstract sockets of, processes outside the sandbox (ABI >= 6).

The launcher (:func:`launch_prefix`) adds new PID, network, IPC and mount
namespaces when the OS allows, so every process the student starts dies with
the worker (the grader kills the PID namespace's first process, which no
process inside can prevent), no network interface exists, System V IPC
objects go with the worker, and the scratch
folder can be a size-limited tmpfs of the worker's own (:func:`private_scratch`)
that disappears with it. :func:`drop_privileges` takes away every
capability and, where the Python installation is readable to an ordinary
user, root itself. Each layer that the OS does not offer is skipped and
reported so the instructor can see what was active.
"""
import ctypes
import os
import resource
import shutil
import site
import subprocess
import sys
from functools import lru_cache

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_PR_SET_NO_NEW_PRIVS = 38
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
# Landlock filesystem rights, by the ABI version that introduced them.
_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1, 2, 4, 8
_READ_ONLY = _EXECUTE | _READ_FILE | _READ_DIR
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1, 2
_MS_NOSUID, _MS_NODEV = 2, 4
_PR_CAPBSET_DROP, _PR_SET_SECUREBITS = 24, 28
_SECBIT_NOROOT, _SECBIT_NOROOT_LOCKED, _SECBIT_NO_SETUID_FIXUP_LOCKED = 1, 2, 8
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
NOBODY = 65534  # the unprivileged uid and gid a worker started by root runs as


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi():
    """The Landlock ABI version of this kernel, or 0 where there is none."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def read_only_paths():
    """What a Python process needs to read: its installation and the system's libraries."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths.update(site.getsitepackages())
    paths.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
    paths.update(["/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/sys/devices/system/cpu",
                  "/dev/urandom", "/dev/random"])
    return sorted(p for p in paths if os.path.exists(p))


def _landlock(abi, read_paths, write_paths):
    libc = _libc()
    handled_fs = _FS_RIGHTS[max(v for v in _FS_RIGHTS if v <= abi)]
    fields = [handled_fs]
    if abi >= 4:
        fields.append(_NET_BIND_TCP | _NET_CONNECT_TCP)
    if abi >= 6:
        fields.append(_SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL)
    attr = (ctypes.c_uint64 * len(fields))(*fields)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path, rights in [(p, _READ_ONLY) for p in read_paths] + \
                            [(p, handled_fs) for p in write_paths] + [("/dev/null", _READ_FILE | _WRITE_FILE)]:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):  # directory-only rights are refused on files
                    rights &= _EXECUTE | _WRITE_FILE | _READ_FILE | (1 << 14) | (1 << 15)
                rule = _PathBeneath(rights & handled_fs, fd)
                if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule),
                                ctypes.c_uint32(0)) != 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def private_scratch(scratch, size_bytes):
    """Mount a tmpfs of ``size_bytes`` over ``scratch`` (in the worker's own mount
    namespace), keeping the files the grader put there. Nothing the student
    writes reaches the disk, the total is bounded, and it all disappears with
    the namespace, immutable files included. Returns False where mounting is
    not allowed (no mount namespace of the worker's own)."""
    files = {}  # relative path -> content, sub-folders included (an assignment's data/)
    for folder, dirs, names in os.walk(scratch, followlinks=False):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and os.path.isfile(path):
                with open(path, "rb") as file:
                    files[os.path.relpath(path, scratch)] = file.read()
    options = f"size={size_bytes},mode=0700".encode()
    if _libc().mount(b"tmpfs", os.fsencode(scratch), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
        return False
    for name, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(scratch, name)), exist_ok=True)
        with open(os.path.join(scratch, name), "wb") as file:
            file.write(data)
    os.chdir(scratch)  # the folder under the cwd is now hidden by the mount
    return True


def _readable_by_anyone(path):
    """Whether an ordinary user could reach ``path``: every folder above it searchable by others."""
    path = os.path.realpath(path)
    while True:
        try:
            if not os.stat(path).st_mode & 0o001 and os.path.isdir(path):
                return False
        except OSError:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def drop_privileges(scratch, python_paths):
    """Give up every capability for good; a worker started as root also stops being
    root when its Python installation is readable to an ordinary user (else it
    stays uid 0 without capabilities: Landlock then decides what it may read).
    Returns what was done, as a protection line."""
    libc = _libc()
    steps = []
    if os.geteuid() == 0 and all(_readable_by_anyone(p) for p in python_paths) and _is_host_root():
        os.chown(scratch, NOBODY, NOBODY)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
        steps.append(f"uid {NOBODY}")
    elif os.geteuid() == 0:
        # Root that must keep uid 0: never regain capabilities through exec or setuid.
        libc.prctl(_PR_SET_SECUREBITS, _SECBIT_NOROOT | _SECBIT_NOROOT_LOCKED | _SECBIT_NO_SETUID_FIXUP_LOCKED,
                   0, 0, 0)
        for cap in range(64):
            libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
        steps.append("uid 0")
    header, data = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    return ", ".join(steps + ["no capabilities"])


def _is_host_root():
    """Root of the machine, not of a user namespace (where other uids are not mapped)."""
    try:
        with open("/proc/self/uid_map") as file:
            return file.read().split()[:3] == ["0", "0", "4294967295"]
    except OSError:
        return False


def _processes_of(uid):
    """How many processes and threads the user ``uid`` has now (what RLIMIT_NPROC counts)."""
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as status:   # the real uid: what the kernel counts
                real = next(line for line in status if line.startswith("Uid:")).split()[1]
            if int(real) == uid:
                count += len(os.listdir(f"/proc/{pid}/task"))
        except (OSError, StopIteration, ValueError):
            pass
    return count


def limit_processes(max_processes):
    """``RLIMIT_NPROC``, where no control group limits the sandbox's processes: it counts
    every process of the same user, so the limit is what the user has now plus
    ``max_processes``. Root is exempt from it, even without capabilities."""
    if os.getuid() == 0:
        return "no process limit (uid 0 is exempt from RLIMIT_NPROC; no control group)"
    # Kernels since 5.14 refuse a fork only once the count is past the limit, older ones at it.
    limit = _processes_of(os.getuid()) + max_processes - 1
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
    except (ValueError, OSError):
        return "no process limit (RLIMIT_NPROC refused; no control group)"
    return f"{max_processes} more processes (RLIMIT_NPROC; memory per process only: no control group)"


def apply(*, memory_bytes, cpu_seconds, scratch, read_paths=(), file_bytes=64 * 2**20, max_processes=None):
    """Limit the current process; return the list of protections now active.

    ``max_processes`` asks for ``RLIMIT_NPROC`` (None: a control group made by the
    grader limits the processes, see :mod:`course.grading.cgroup`)."""
    active = []
    limits = [(resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_FSIZE, file_bytes),
              (resource.RLIMIT_CORE, 0)]
    if memory_bytes:
        limits.append((resource.RLIMIT_AS, memory_bytes))
    for which, value in limits:
        if value is None:
            continue
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            continue
    active.append(f"memory {memory_bytes / 2**30:.1f} GiB per process" if memory_bytes else "no memory limit")
    active.append(f"CPU {cpu_seconds} s")
    active.append(drop_privileges(scratch, [sys.prefix, sys.base_prefix, os.path.realpath(sys.executable)]))
    if max_processes is not None:  # as the user it now is: that is whom the kernel counts
        active.append(limit_processes(max_processes))
    abi = landlock_abi()
    if abi:
        _landlock(abi, read_only_paths() + list(read_paths), [scratch])
        active.append(f"landlock v{abi}: files" + (", tcp" if abi >= 4 else "")
                      + (", signals" if abi >= 6 else ""))
    else:
        active.append("no file-system sandbox (Landlock unavailable)")
    return active


@lru_cache(maxsize=None)
def launch_prefix():
    """The ``unshare`` command that gives the worker its own PID, network and (where
    allowed) IPC and mount namespaces, or [] where the OS does not allow it."""
    unshare = shutil.which("unshare")
    if not unshare or not sys.platform.startswith("linux"):
        return ()
    users = [[]] if os.geteuid() == 0 else []
    users.append(["--user", "--map-root-user"])
    for user in users:
        # --ipc: System V shared memory, semaphores and queues live in a namespace that
        # ends with the worker (Landlock does not cover them; they would outlive grading).
        for mount, ipc in (["--mount"], ["--ipc"]), ([], ["--ipc"]), (["--mount"], []), ([], []):
            prefix = [unshare, *user, "--pid", "--fork", "--kill-child", "--net", *ipc, *mount]
            try:
                done = subprocess.run(prefix + ["true"], capture_output=True, timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if done.returncode == 0:
                return tuple(prefix)
    return ()
