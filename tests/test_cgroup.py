"""One limit for the whole sandbox (course.grading.cgroup): memory and processes of the worker
and all it starts together, System V IPC that goes with the worker, nothing left behind.
Real workers, started as grading starts them."""
import os
import subprocess
import sys
import textwrap

import pytest

from course.grading import cgroup, sandbox
from course.grading.executor import IsolatedExecute

needs_groups = pytest.mark.skipif(not cgroup.available(), reason="no control groups here (not root?)")

# Three children of 600 MiB each, alive together for a second: how many held it to the end.
THREE_CHILDREN = textwrap.dedent("""
    import os, time
    reader, writer = os.pipe()
    children = []
    for i in range(3):
        pid = os.fork()
        if pid == 0:
            block = bytearray(600 * 2**20)
            block[::4096] = b"\\x01" * len(block[::4096])
            time.sleep(1.0)
            os.write(writer, b"x")
            os._exit(0)
        children.append(pid)
        time.sleep(0.3)
    os.close(writer)
    for pid in children:
        os.waitpid(pid, 0)
    print(len(os.read(reader, 16)))
""")

FORK_ALL = textwrap.dedent("""
    import os, time
    forked = 0
    try:
        for i in range(500):
            if os.fork() == 0:
                time.sleep(0.5)
                os._exit(0)
            forked += 1
    except OSError:
        pass
    for i in range(forked):
        os.wait()
    print(forked)
""")


def _held(monkeypatch=None):
    with IsolatedExecute(memory_limit=1.0).session() as session:
        reply = session.run_cell(THREE_CHILDREN, timeout=60)
        assert reply["ok"], reply
        return int(reply["stdout"]), session


@needs_groups
@pytest.mark.slow
def test_the_memory_limit_holds_for_all_the_sandbox_processes_together():
    held, session = _held()
    assert held <= 1   # 1 GiB in all: never two children of 600 MiB at once
    assert any(p.startswith("cgroup v") and "1.0 GiB" in p for p in session.protections), session.protections


@needs_groups
@pytest.mark.slow
def test_without_a_group_each_process_has_its_own_limit(monkeypatch):
    # The control: the measurement above can see three children held together.
    monkeypatch.setattr(cgroup, "create", lambda *args: None)
    held, session = _held()
    assert held == 3 and not any(p.startswith("cgroup") for p in session.protections)


@needs_groups
def test_the_number_of_processes_is_bounded_for_the_whole_sandbox():
    with IsolatedExecute(process_limit=20).session() as session:
        reply = session.run_cell(FORK_ALL, timeout=60)
        assert reply["ok"], reply
        assert 0 < int(reply["stdout"]) < 20   # the worker and its threads count too
        # the worker itself goes on working after the fork bomb
        assert session.run_cell("print(6 * 7)")["stdout"] == "42\n"


@needs_groups
def test_the_group_exists_while_the_worker_runs_and_goes_with_it():
    with IsolatedExecute().session() as session:
        cgroups = session.run_cell("print(open('/proc/self/cgroup').read())")["stdout"]
        folders = list(session._group.folders)
        assert all(folder.is_dir() for folder in folders)
        assert all(folder.name in cgroups for folder in folders)
        assert session._worker_pid in session._group.processes()
    assert not any(folder.exists() for folder in folders)


@pytest.mark.skipif("--ipc" not in sandbox.launch_prefix(), reason="no IPC namespace here")
def test_system_v_shared_memory_stays_in_the_sandbox_and_goes_with_it():
    make = ("import ctypes\nlibc = ctypes.CDLL(None)\n"
            "print(libc.shmget(0x5EC0, 2**20, 0o1000 | 0o600) >= 0)")
    with IsolatedExecute().session() as session:
        assert session.run_cell(make)["stdout"] == "True\n"
        seen = session.run_cell("print('24256' in open('/proc/sysvipc/shm').read())")["stdout"]
        assert seen == "True\n"   # 0x5EC0: the student's process sees its segment ...
        assert "24256" not in open("/proc/sysvipc/shm").read()  # ... the machine does not
    assert "24256" not in open("/proc/sysvipc/shm").read()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_without_a_group_an_ordinary_user_is_limited_by_rlimit_nproc():
    code = ("import os\n"
            "from course.grading import sandbox   # imported as root: nobody cannot read /root's Python\n"
            "os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)\n"
            "line = sandbox.limit_processes(5)\n"
            + FORK_ALL.replace("print(forked)", "print(forked, '|', line)"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    forked, line = done.stdout.split("|")
    assert int(forked) <= 5 and "RLIMIT_NPROC" in line, done.stdout + done.stderr
