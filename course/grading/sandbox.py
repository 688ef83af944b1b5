"""OS-level limits for the process that runs a student's code (Linux).

Applied by the worker to itself after it has imported what it needs and
before it runs any student code:

- resource limits: address space (memory), CPU seconds, file size, no core files;
- ``no_new_privs`` and a Landlock ruleset: read-only access to the Python
  installation and system libraries, read-write access to the worker's own
  scratch folder, nothing else (so not the course's source/, gradebook or
  home folder); no TCP bind/connect (Landlock ABI >= 4); no signals to, or
  abstract sockets of, processes outside the sandbox (ABI >= 6).

The launcher (:func:`launch_prefix`) adds new PID and network namespaces when
the OS allows, so every process the student starts dies with the worker and
no network interface exists. Each layer that the OS does not offer is skipped
and reported by :func:`apply` so the instructor can see what was active.
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


def apply(*, memory_bytes, cpu_seconds, scratch, read_paths=(), file_bytes=64 * 2**20):
    """Limit the current process; return the list of protections now active."""
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
    active.append(f"memory {memory_bytes / 2**30:.1f} GiB" if memory_bytes else "no memory limit")
    active.append(f"CPU {cpu_seconds} s")
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
    """The ``unshare`` command that gives the worker its own PID and network
    namespaces, or [] where the OS does not allow it."""
    unshare = shutil.which("unshare")
    if not unshare or not sys.platform.startswith("linux"):
        return ()
    base = [unshare, "--pid", "--fork", "--kill-child", "--net"]
    candidates = [base] if os.geteuid() == 0 else []
    candidates.append(base[:1] + ["--user", "--map-root-user"] + base[1:])
    for prefix in candidates:
        try:
            done = subprocess.run(prefix + ["true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return tuple(prefix)
    return ()
