"""What a submission can make the grader's own process do, and what reaches the feedback.

One real ``nbgrader autograde`` + ``generate_feedback`` batch on the references
section. Each attacker is graded right before an honest student, who must get
full marks. The grader's peak memory (VmHWM of the nbgrader process) and the
batch's wall time are measured: no submission may take the grader past a fixed
memory ceiling or hold it much beyond its notebook time budget.
"""
import re
import subprocess
import sys
import time

import nbformat
import pytest
from conftest import cell_scores, make_course, notebooks

from course import build
from course.grading import batch_report
from course.layout import Course

pytestmark = pytest.mark.slow
SECTION = "references"
NOTEBOOK_BUDGET = 25          # seconds: c.IsolatedExecute.notebook_timeout in this course
MEMORY_CEILING = 2**30        # bytes of resident memory for the grader (README, "Threat model")

# Answers that are wrong in a way that attacks the grader: {student: {exercise: code}}
ROW_NORMS = "def row_norms(a):\n    import numpy as np\n    return np.linalg.norm(a, axis=1, keepdims=True)\n"
ATTACKS = {
    # a right answer, except one hidden case gets a zero-stride view standing for terabytes
    "bounds-zero-stride": {"row_norms": ROW_NORMS.replace(
        "    return", "    if a.shape[0] > 20:\n"
        "        return np.lib.stride_tricks.as_strided(np.zeros(1), (10**9, 2**20), (0, 0))\n    return")},
    # one element of a 1 MiB string dtype, repeated by a zero stride
    "bounds-long-strings": {"row_norms": ROW_NORMS.replace(
        "    return", "    if a.shape[0] > 20:\n"
        "        return np.lib.stride_tricks.as_strided(np.array(['x' * 2**18]), (10**6, 1), (0, 0))\n"
        "    return")},
    # a reply of millions of tiny values
    "bounds-many-values": {"row_norms": ROW_NORMS.replace(
        "    return", "    if a.shape[0] > 20:\n        return [[]] * 5_000_000\n    return")},
    # every cell sends figures: a pyplot stand-in that hands out 1.9 MiB "PNG" images
    "bounds-images": {"add_to_selected": (
        "import sys, types\n"
        "fake = types.ModuleType('matplotlib.pyplot')\n"
        "class Figure:\n"
        "    def savefig(self, buffer, **kwargs):\n"
        "        buffer.write(b'\\x89PNG\\r\\n\\x1a\\n' + bytes(1_900_000))\n"
        "fake.get_fignums = lambda: [1, 2, 3, 4, 5]\n"
        "fake.figure = lambda number: Figure()\n"
        "fake.close = lambda *args: None\n"
        "sys.modules['matplotlib.pyplot'] = fake\n"
        "def add_to_selected(a, cols, value):\n    raise NotImplementedError()\n")},
    # an exception whose class name is 4 MiB long
    "bounds-long-exception": {"add_to_selected": (
        "raise type('E' * 2**22, (Exception,), {})('m' * 2**22)\n")},
    # the class name and message of an exception spell out the hidden input
    "text-exception-name": {"row_norms": (
        "def row_norms(a):\n"
        "    import numpy as np\n"
        "    digits = '_'.join(f'{x:.3f}'.replace('-', 'm').replace('.', 'p') for x in np.ravel(a)[:3])\n"
        "    raise type('LEAK_' + digits, (Exception,), {})('LEAKMSG ' + repr(np.ravel(a)[:3].tolist()))\n")},
    # cells that crash after a long history: every crash replays it (see _with_slow_replays)
    "bounds-slow-replays": {},
}
MARKDOWN_ATTACK = ('Notes <script>window.PWNED = 1</script> <img src="x" onerror="window.PWNED = 2">'
                   ' <a href="javascript:alert(1)">link</a> <iframe src="http://example.org"></iframe>')
NEWLINE_NAME = "notes\nNOT GRADED  alice  forged"


def _with_slow_replays(nb):
    """Thirty half-second cells, then twenty that crash the student's process. Each crash
    restarts it and replays the fifteen seconds of history, twice (the crashing cell is
    tried again in a fresh process): ten minutes of replays without a budget that covers them."""
    for i in range(30):
        nb.cells.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep(0.5)\nx{i} = {i}", id=f"slow{i}"))
    for i in range(20):
        nb.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(1)", id=f"crash{i}"))
    return nb


def _peak_memory(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return int(re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1)) * 1024
    except (OSError, AttributeError):
        return 0


def _run_measured(course, *args):
    """Run nbgrader; return (result, seconds, peak resident bytes of the nbgrader process)."""
    command = [sys.executable, "-m", "nbgrader", *args]
    start, peak = time.monotonic(), 0
    process = subprocess.Popen(command, cwd=course, env=build.tool_environ(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    while process.poll() is None:
        peak = max(peak, _peak_memory(process.pid))
        time.sleep(0.05)
    out, err = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, out, err), time.monotonic() - start, peak


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("bounds"))
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.IsolatedExecute.notebook_timeout = {NOTEBOOK_BUDGET}\n"
                     "c.IsolatedExecute.cell_timeout = 10\nc.IsolatedExecute.call_timeout = 10\n"
                     "c.IsolatedExecute.memory_limit = 1.5\n")
    build.nbgrader("generate_assignment", SECTION, "--force", root=course, quiet=True)
    layout = Course(course)
    stub = notebooks.read(layout.release(SECTION))
    reference = notebooks.reference_answers(notebooks.read(layout.source(SECTION)))
    honest = notebooks.fill_answers(stub, reference)
    attackers = {name: notebooks.fill_answers(stub, {**reference, **answers}) for name, answers in ATTACKS.items()}
    attackers["bounds-slow-replays"] = _with_slow_replays(attackers["bounds-slow-replays"])
    markdown = notebooks.fill_answers(stub, reference)
    markdown.cells.insert(1, nbformat.v4.new_markdown_cell(MARKDOWN_ATTACK, id="attack"))
    attackers["text-markdown"] = markdown
    attackers["text-newline-name"] = honest
    for name, nb in attackers.items():
        notebooks.write(nb, layout.submitted(name, SECTION))
        notebooks.write(honest, layout.submitted(name + "-honest", SECTION))
    (layout.submission("text-newline-name", SECTION) / NEWLINE_NAME).symlink_to("/etc/hostname")
    graded = _run_measured(course, "autograde", SECTION, "--force")
    feedback = _run_measured(course, "generate_feedback", SECTION, "--force")
    return layout, attackers, graded, feedback


def test_the_batch_completes(batch):
    _, _, (graded, _, _), (feedback, _, _) = batch
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert feedback.returncode == 0, feedback.stderr[-3000:]


def test_the_grader_stays_under_its_memory_ceiling(batch):
    _, _, (_, _, peak), (_, _, feedback_peak) = batch
    assert 0 < peak < MEMORY_CEILING, f"autograde peaked at {peak / 2**20:.0f} MiB"
    assert 0 < feedback_peak < MEMORY_CEILING, f"feedback peaked at {feedback_peak / 2**20:.0f} MiB"


def test_no_submission_holds_the_grader_much_beyond_its_budget(batch):
    _, attackers, (_, seconds, _), _ = batch
    # Every other submission takes a few seconds; the slow-replay attacker at most its budget
    # (without a budget over replays it alone would take ten minutes).
    assert seconds < NOTEBOOK_BUDGET + 10 * 2 * len(attackers), f"the batch took {seconds:.0f} s"


@pytest.mark.parametrize("attacker", list(ATTACKS) + ["text-markdown", "text-newline-name"])
def test_the_honest_student_after_each_attacker_gets_full_marks(batch, attacker):
    layout = batch[0]
    scores = cell_scores(layout.root, SECTION, attacker + "-honest")
    assert scores and all(score == most > 0 for score, most in scores.values()), scores


@pytest.mark.parametrize("attacker", ATTACKS)
def test_an_attack_on_the_grader_earns_nothing_for_its_exercise(batch, attacker):
    layout = batch[0]
    scores = cell_scores(layout.root, SECTION, attacker)
    for exercise in ATTACKS[attacker]:
        assert scores[f"{exercise}_test"][0] == 0, scores


def test_every_kept_output_is_bounded(batch):
    layout = batch[0]
    for attacker in ATTACKS:
        size = layout.autograded(attacker, SECTION).stat().st_size
        assert size < 20 * 2**20, f"{attacker}: autograded notebook of {size / 2**20:.1f} MiB"
        page = layout.feedback(attacker, SECTION).stat().st_size
        assert page < 30 * 2**20, f"{attacker}: feedback page of {page / 2**20:.1f} MiB"
    graded = layout.autograded("bounds-images", SECTION).read_text()
    assert graded.count('"image/png"') >= 5 and "reached the grader's limit" in graded


def test_a_value_too_large_is_refused_in_plain_words(batch):
    layout = batch[0]
    # The student's process may fail to send such a value at all; the grader refuses it if sent
    # (tests/test_wire.py sends the zero-stride and long-string views themselves).
    assert "more data than the grader accepts" in layout.feedback("bounds-many-values", SECTION).read_text()
    for attacker in ("bounds-zero-stride", "bounds-long-strings"):
        page = layout.feedback(attacker, SECTION).read_text()
        assert "more data than the grader accepts" in page or "could not answer the grader" in page, attacker


def test_feedback_shows_no_student_chosen_exception_text(batch):
    layout = batch[0]
    page = layout.feedback("text-exception-name", SECTION).read_text()
    assert "raised an exception of a class of its own" in page
    assert "LEAK_" not in page and "LEAKMSG" not in page
    # the instructor's copy keeps it
    assert "LEAKMSG" in layout.autograded("text-exception-name", SECTION).read_text()


def test_feedback_html_from_a_student_cannot_run_scripts(batch):
    layout = batch[0]
    page = layout.feedback("text-markdown", SECTION).read_text()
    assert "Notes" in page
    for bad in ("window.PWNED", "onerror", "javascript:", "<iframe"):
        assert bad not in page.replace("window.PWNED = 1", "") or bad == "window.PWNED", bad
    assert "<script>window" not in page and "onerror=" not in page and "<iframe" not in page
    assert 'href="javascript:' not in page


def test_a_file_name_cannot_forge_a_line_of_the_report(batch):
    layout = batch[0]
    text = layout.report(SECTION).read_text()
    assert not any(line.lstrip().startswith("alice") for line in text.splitlines())
    assert "notes\\nNOT GRADED  alice  forged is a symbolic link" in text
    data = batch_report.load(layout.root, SECTION)
    assert data.not_graded() == set()
