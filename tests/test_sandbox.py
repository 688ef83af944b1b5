"""The OS limits of the student's process (course.grading.sandbox), each applied in a child
process of its own, as the worker applies them to itself. Each layer the OS does not offer
is skipped here as it is skipped in grading (and reported in the protections)."""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from course.grading import sandbox

APPLY = """
import json, os, resource, sys
from course.grading import sandbox
scratch, outside = sys.argv[1], sys.argv[2]
active = sandbox.apply(memory_bytes=2**30, cpu_seconds=7, scratch=scratch)
def reads(path):
    try:
        with open(path) as file:
            return file.read()
    except OSError as error:
        return type(error).__name__
with open(os.path.join(scratch, "mine.txt"), "w") as file:
    file.write("written")
print(json.dumps({"active": active, "outside": reads(outside), "mine": reads(os.path.join(scratch, "mine.txt")),
                  "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0], "uid": os.getuid()}))
"""


def _run(code, *args, prefix=()):
    done = subprocess.run([*prefix, sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def applied():
    # Outside pytest's private temporary folder, readable by anyone: so that only the sandbox,
    # not file modes, can keep the worker (which may have become uid 65534) out.
    base = Path(tempfile.mkdtemp(prefix="course-sandbox-test-"))
    try:
        base.chmod(0o755)
        scratch, secret = base / "scratch", base / "gradebook.db"
        scratch.mkdir()
        secret.write_text("the course's files")
        secret.chmod(0o644)
        yield json.loads(_run(APPLY, scratch, secret))
    finally:
        shutil.rmtree(base)


def test_limits_apply_to_the_process_and_are_reported(applied):
    assert applied["cpu"] == 7 and "CPU 7 s" in applied["active"]
    assert "memory 1.0 GiB per process" in applied["active"]
    assert applied["mine"] == "written"  # its scratch folder stays writable
    assert any("no capabilities" in line for line in applied["active"])


@pytest.mark.skipif(not sandbox.landlock_abi(), reason="no Landlock in this kernel")
def test_files_outside_the_scratch_folder_and_the_python_installation_are_unreadable(applied):
    assert applied["outside"] == "PermissionError"
    assert any(line.startswith(f"landlock v{sandbox.landlock_abi()}") for line in applied["active"])


def test_the_python_installation_is_readable():
    paths = sandbox.read_only_paths()
    assert sys.prefix in paths and "/usr" in paths and paths == sorted(paths)


@pytest.mark.skipif(not sandbox.launch_prefix(), reason="unshare is not allowed here")
def test_the_launcher_gives_the_worker_its_own_pid_namespace_and_no_network():
    code = "import os, socket; print(os.getpid(), sorted(name for _, name in socket.if_nameindex()))"
    pid, interfaces = _run(code, prefix=sandbox.launch_prefix()).split(" ", 1)
    assert pid == "1" and interfaces.strip() in ("['lo']", "[]")


@pytest.mark.skipif("--mount" not in sandbox.launch_prefix(), reason="no mount namespace here")
def test_the_scratch_folder_is_a_bounded_tmpfs_that_keeps_the_graders_files(tmp_path):
    (tmp_path / "tools.py").write_text("# the course's helper\n")
    code = """
import os, sys
from course.grading import sandbox
scratch = sys.argv[1]
mounted = sandbox.private_scratch(scratch, 2**20)
kept = open(os.path.join(scratch, "tools.py")).read()
try:
    with open(os.path.join(scratch, "big"), "wb") as file:
        file.write(bytes(2 * 2**20))
    full = "no"
except OSError:
    full = "yes"
print(mounted, full, kept == "# the course's helper\\n")
"""
    assert _run(code, tmp_path, prefix=sandbox.launch_prefix()).split() == ["True", "yes", "True"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tools.py"]  # nothing reached the disk
