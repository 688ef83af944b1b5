"""What a submission can make the grader's own process do, and what reaches the feedback.

One real ``nbgrader autograde`` + ``generate_feedback`` batch per section that
has attackers (tests/corpus/integrity/grader_attacks.py). Each attacker is graded right before an honest student, who must get
full marks. The grader's peak memory (VmHWM of the nbgrader process) and the
batch's wall time are measured: no submission may take the grader past a fixed
memory ceiling or hold it much beyond its notebook time budget.
"""
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from helpers import cell_scores, make_course, marks_lost

from course import build, notebooks
from course.grading import batch_report
from course.layout import Course

pytestmark = pytest.mark.slow
SECTION = "references"        # where the attacks on feedback and on the batch report are
# seconds: c.IsolatedExecute.notebook_timeout for each section's batch (the advanced notebook's
# honest run takes a good part of its budget)
NOTEBOOK_BUDGET = {"references": 25, "advanced": 60}
MEMORY_CEILING = 2**30        # bytes of resident memory for the grader (docs/threat-model.md)

ATTACKS_FILE = Path(__file__).parent / "corpus" / "integrity" / "grader_attacks.py"
_spec = importlib.util.spec_from_file_location("grader_attacks", ATTACKS_FILE)
attacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attacks)
ATTACKS = attacks.ATTACKS


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
    # Files, not pipes: nobody reads a pipe while we poll, and a full one would stall nbgrader.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, cwd=course, env=build.tool_environ(), stdout=out, stderr=err,
                                   text=True)
        while process.poll() is None:
            peak = max(peak, _peak_memory(process.pid))
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(command, process.returncode, out.read(), err.read())
    return result, time.monotonic() - start, peak


ATTACKERS = [(section, attacker) for section in ATTACKS for attacker in ATTACKS[section]]


@pytest.fixture(scope="module")
def graded_sections(tmp_path_factory):
    """Each section's batch, graded once when a test first asks for it: a parametrized
    module-scoped fixture would be set up again whenever pytest's order of the tests
    (interleaved by their other parameters) switches between sections."""
    graded = {}

    def get(section):
        if section not in graded:
            graded[section] = (section, *_grade_section(section, tmp_path_factory))
        return graded[section]
    return get


@pytest.fixture(params=list(ATTACKS))
def batch(request, graded_sections):
    """One batch of a section: (section, layout, attackers, autograde run, feedback run), each
    run as (result, seconds, peak bytes); a test of one section takes it by ``indirect``
    parametrization."""
    return graded_sections(request.param)


def _grade_section(section, tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp(f"bounds-{section}"))
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.IsolatedExecute.notebook_timeout = {NOTEBOOK_BUDGET[section]}\n"
                     "c.IsolatedExecute.cell_timeout = 10\nc.IsolatedExecute.call_timeout = 10\n"
                     "c.IsolatedExecute.memory_limit = 1.5\n")
    build.nbgrader("generate_assignment", section, "--force", root=course, quiet=True)
    layout = Course(course)
    stub = notebooks.read(layout.release(section))
    reference = notebooks.reference_answers(notebooks.read(layout.source(section)))
    honest = notebooks.fill_answers(stub, reference)
    attackers = {name: notebooks.fill_answers(stub, {**reference, **answers})
                 for name, answers in ATTACKS[section].items()}
    if section == SECTION:
        attackers.update(_references_extras(attackers, stub, reference, honest))
    for name, nb in attackers.items():
        notebooks.write(nb, layout.submitted(name, section))
        notebooks.write(honest, layout.submitted(name + "-honest", section))
    if section == SECTION:
        (layout.submission("text-newline-name", SECTION) / attacks.NEWLINE_NAME).symlink_to("/etc/hostname")
    graded = _run_measured(course, "autograde", section, "--force")
    feedback = _run_measured(course, "generate_feedback", section, "--force")
    return layout, attackers, graded, feedback


def _references_extras(attackers, stub, reference, honest):
    """The attackers of the references section that are whole notebooks, not answers."""
    markdown = notebooks.fill_answers(stub, reference)
    markdown.cells.insert(1, nbformat.v4.new_markdown_cell(attacks.MARKDOWN_ATTACK, id="attack"))
    return {"bounds-slow-replays": attacks.with_slow_replays(attackers["bounds-slow-replays"]),
            "text-markdown": markdown,
            "bounds-many-cells": attacks.with_many_bad_cells(notebooks.fill_answers(stub, reference)),
            "text-newline-name": honest}


references = pytest.mark.parametrize("batch", [SECTION], indirect=True)


def test_the_batch_completes(batch):
    _, _, _, (graded, _, _), (feedback, _, _) = batch
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert feedback.returncode == 0, feedback.stderr[-3000:]


def test_the_grader_stays_under_its_memory_ceiling(batch):
    section, _, _, (_, _, peak), (_, _, feedback_peak) = batch
    assert 0 < peak < MEMORY_CEILING, f"autograde of {section} peaked at {peak / 2**20:.0f} MiB"
    assert 0 < feedback_peak < MEMORY_CEILING, f"feedback peaked at {feedback_peak / 2**20:.0f} MiB"


def test_no_submission_holds_the_grader_much_beyond_its_budget(batch):
    section, _, attackers, (_, seconds, _), _ = batch
    # Every other submission takes a few seconds (an advanced one a good part of its budget);
    # the slow-replay attacker at most its budget (without a budget over replays it alone would
    # take ten minutes), and so would a stand-in's call that NumPy spent minutes on in C.
    per_notebook = 10 if section == SECTION else 30
    allowed = NOTEBOOK_BUDGET[section] + per_notebook * 2 * len(attackers)
    assert seconds < allowed, f"the {section} batch took {seconds:.0f} s"


@pytest.mark.parametrize("batch, attacker", [
    *ATTACKERS, *((SECTION, a) for a in ("text-markdown", "text-newline-name", "bounds-many-cells"))],
    indirect=["batch"])
def test_the_honest_student_after_each_attacker_gets_full_marks(batch, attacker):
    section, layout = batch[0], batch[1]
    scores = cell_scores(layout.root, section, attacker + "-honest")
    assert scores and all(most > 0 for _, most in scores.values()), scores
    assert not marks_lost(layout.root, section, attacker + "-honest")


@pytest.mark.parametrize("batch, attacker", ATTACKERS, indirect=["batch"])
def test_an_attack_on_the_grader_earns_nothing_for_its_exercise(batch, attacker):
    section, layout = batch[0], batch[1]
    scores = cell_scores(layout.root, section, attacker)
    for exercise in ATTACKS[section][attacker]:
        assert scores[f"{exercise}_test"][0] == 0, scores


@references
def test_every_kept_output_is_bounded(batch):
    layout = batch[1]
    for attacker in ATTACKS[SECTION]:
        size = layout.autograded(attacker, SECTION).stat().st_size
        assert size < 20 * 2**20, f"{attacker}: autograded notebook of {size / 2**20:.1f} MiB"
        page = layout.feedback(attacker, SECTION).stat().st_size
        assert page < 30 * 2**20, f"{attacker}: feedback page of {page / 2**20:.1f} MiB"
    graded = layout.autograded("bounds-images", SECTION).read_text()
    assert graded.count('"image/png"') >= 5 and "reached the grader's limit" in graded


@references
def test_a_value_too_large_is_refused_in_plain_words(batch):
    layout = batch[1]
    # The student's process may fail to send such a value at all; the grader refuses it if sent
    # (tests/test_wire.py sends the zero-stride and long-string views themselves).
    assert "more data than the grader accepts" in layout.feedback("bounds-many-values", SECTION).read_text()
    for attacker in ("bounds-zero-stride", "bounds-long-strings"):
        page = layout.feedback(attacker, SECTION).read_text()
        assert "more data than the grader accepts" in page or "could not answer the grader" in page, attacker


@references
def test_feedback_shows_no_student_chosen_exception_text(batch):
    layout = batch[1]
    page = layout.feedback("text-exception-name", SECTION).read_text()
    assert "raised Exception" in page  # the first well-known class among its bases
    # the student's code spells "LEAK_" and "LEAKMSG "; what it made of the hidden inputs must not show
    leaked = re.compile(r"LEAK_m?\d|LEAKMSG \[")
    assert not leaked.search(page)
    # the instructor's copy keeps it
    assert leaked.search(layout.autograded("text-exception-name", SECTION).read_text())


@references
def test_feedback_html_from_a_student_cannot_run_scripts(batch):
    from bs4 import BeautifulSoup

    layout = batch[1]
    page = BeautifulSoup(layout.feedback("text-markdown", SECTION).read_text(), "html.parser")
    cell = next(p for p in page.find_all("p") if "Notes" in p.get_text())
    assert not any("PWNED" in (script.string or "") for script in page.find_all("script"))
    assert not page.find_all("iframe")
    assert not [tag for tag in page.find_all(True) if any(name.startswith("on") for name in tag.attrs)]
    assert not [a for a in page.find_all("a") if a.get("href", "").strip().lower().startswith("javascript")]
    assert "link" in cell.get_text()  # the harmless text stays


@references
def test_thousands_of_bad_cells_are_summed_up_and_graded(batch):
    layout = batch[1]
    lines = [line for line in layout.report(SECTION).read_text().splitlines()
             if line.strip().startswith("bounds-many-cells ")]
    assert len(lines) == batch_report.MAX_PROBLEMS + 1 and "15,950 more problems" in lines[-1]
    scores = cell_scores(layout.root, SECTION, "bounds-many-cells")
    assert all(score == most for score, most in scores.values())


@references
def test_a_file_name_cannot_forge_a_line_of_the_report(batch):
    layout = batch[1]
    text = layout.report(SECTION).read_text()
    assert not any(line.lstrip().startswith("alice") for line in text.splitlines())
    assert "notes\\nNOT GRADED  alice  forged is a symbolic link" in text
    data = batch_report.load(layout.root, SECTION)
    assert data.not_graded() == set()
