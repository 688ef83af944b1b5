"""One limit for the whole sandbox (course.grading.cgroup): memory and processes of the worker
and all it starts together, System V IPC that goes with the worker, nothing left behind.
Real workers, started as grading starts them."""
import os
import re
import subprocess
import sys

import pytest

from course import notebooks
from course.grading import cgroup, sandbox
from course.grading.executor import IsolatedExecute
from course.layout import ROOT

needs_groups = pytest.mark.skipif(not cgroup.available(), reason="no control groups here (not root?)")

# The integrity corpus's fault (graded through real nbgrader in test_integrity.py): 8 System V segments of
# 64 MiB, three children of 600 MiB alive together, then as many processes as it can fork; it prints
# what it managed.
TOTALS = notebooks.read_answer_file(ROOT / "tests" / "corpus" / "integrity" / "references"
                                    / "fault_sandbox_totals.py")["tint"]


def _totals(**limits):
    with IsolatedExecute(**limits).session() as session:
        reply = session.run_cell(TOTALS, timeout=60)
        assert reply["ok"], reply
        found = re.search(r"segments (\d+), children that held 600 MiB (\d+), processes forked (\d+)",
                          reply["stdout"])
        assert found, reply["stdout"]
        assert session.run_cell("print(6 * 7)")["stdout"] == "42\n"   # the worker goes on afterwards
        return tuple(map(int, found.groups())), session


@needs_groups
def test_the_memory_and_process_limits_hold_for_all_the_sandbox_processes_together():
    (segments, held, forked), session = _totals(memory_limit=1.0, process_limit=20)
    assert segments * 64 + held * 600 < 1024       # 1 GiB in all, segments included
    assert 0 < forked < 20                          # the worker and its threads count too
    assert any(p.startswith("cgroup v") and "1.0 GiB" in p for p in session.protections), session.protections


@needs_groups
@pytest.mark.slow
def test_without_a_group_each_process_has_its_own_limit(monkeypatch):
    # The control: the measurement above can see the children hold more than the limit together.
    monkeypatch.setattr(cgroup, "create", lambda *args: None)
    (segments, held, forked), session = _totals(memory_limit=1.0, process_limit=20)
    assert segments * 64 + held * 600 > 1024 and not any(p.startswith("cgroup") for p in session.protections)


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


FORK_ALL = TOTALS[TOTALS.index("forked = 0"):TOTALS.index("print(")] + "print(forked)\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_without_a_group_an_ordinary_user_is_limited_by_rlimit_nproc():
    code = ("import os, time\n"
            "from course.grading import sandbox   # imported as root: nobody cannot read /root's Python\n"
            "os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)\n"
            "line = sandbox.limit_processes(5)\n"
            + FORK_ALL.replace("print(forked)", "print(forked, '|', line)"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    forked, line = done.stdout.split("|")
    assert int(forked) <= 5 and "RLIMIT_NPROC" in line, done.stdout + done.stderr


@needs_groups
def test_a_group_left_by_a_grader_that_is_gone_is_removed(monkeypatch):
    parent = next(iter(cgroup._v1_folders().values())) if cgroup._v1_folders() else cgroup._v2_folder()
    left = parent / "course-student-999999999-1"    # no such process
    left.mkdir()
    monkeypatch.setattr(cgroup, "_swept", set())
    try:
        group = cgroup.create(2**30, 8)
        group.remove()
        assert not left.exists()
    finally:
        if left.exists():
            left.rmdir()
