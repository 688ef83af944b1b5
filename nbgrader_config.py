"""nbgrader configuration of the Advanced NumPy course (course root = this folder)."""
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

try:
    from course.grading import intake, logs, submission_files
    from course.grading.cell_metadata import CheckCellMetadataOnce
    from course.grading.executor import IsolatedExecute
    from course.grading.feedback import HideHiddenTests
    from course.grading.intake import RepairSubmission
    from course.grading.safe_to_view import SafeToView
except Exception as error:
    # nbgrader would only warn and grade with its stock settings, without any protection:
    # this banner is the loudest thing a run prints (it is here: the course failed to load).
    import sys
    rule = "!" * 78
    print(f"\n{rule}\n!! THE COURSE'S GRADING PROTECTIONS DID NOT LOAD: nbgrader_config.py failed with\n"
          f"!!   {type(error).__name__}: {str(error)[:300]!r}\n"
          "!! nbgrader goes on with its stock settings: student code would run unsandboxed and\n"
          "!! hidden tests would not be hidden. Do not use these grades. Run `python3 make.py`\n"
          f"!! (it installs the course's packages into .venv) and grade with .venv/bin/nbgrader.\n{rule}\n",
          file=sys.stderr, flush=True)
    raise

c = get_config()  # noqa: F821 - provided by nbgrader

# Every log line of the run is quoted (nbgrader's and nbformat's messages quote the notebook),
# and the warnings that every clean submission causes, whose cause is known, are lowered to
# DEBUG (course/grading/logs.py names each cause). With --log-level=WARNING a batch prints
# one line per submission (the executor's) and the batch report.
logs.install()

c.CourseDirectory.course_id = "advanced-numpy"
# Notebooks beside tools.py; nbgrader copies the canonical tools.py (source/<section>/)
# over the student's copy at autograde.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
# ClearSolutions.code_stub is nbgrader's own: "# YOUR CODE HERE\nraise NotImplementedError()" for Python
# (tests check that a release raises NotImplementedError), and its stubs for R, Java, MATLAB, ... stay.

# Grading integrity (see docs/threat-model.md): the student's code runs in a
# sandboxed process, hidden tests run here on plain data, feedback hides them.
# The limits (memory, CPU, time per cell, call and notebook) are IsolatedExecute's
# settings; set c.IsolatedExecute.<limit> here only to change a default.
# nbgrader's own preprocessors, but for the executor and for CheckCellMetadataOnce (the same check
# with its JSON schema compiled once, not once per cell: a fifth of a submission's grading CPU).
# SafeToView makes the autograded copy safe to render in formgrader (a student's Markdown with its
# HTML and unsafe links made text, outputs handed in with --no-execute sanitised); after
# SaveAutoGrades, so that grades are those of the cells as handed in.
c.Autograde.autograde_preprocessors = [IsolatedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SaveAutoGrades, AssignLatePenalties, SafeToView,
                                       CheckCellMetadataOnce]
# The feedback page reads like the site (course/feedback_page.py): its renderer, its stylesheet.
# Named, not imported: only generate_feedback loads the site's renderer, not every autograde process.
c.GenerateFeedback.exporter_class = "course.feedback_page.FeedbackExporter"
c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, "course.feedback_page.SanitizeOutputs"]
# A student's Markdown and outputs must not run scripts in the page a teaching assistant opens:
# SanitizeOutputs cleans outputs and raw cells, FeedbackExporter the rendered Markdown.
c.SanitizeOutputs.enabled = True  # nbconvert preprocessors are off unless enabled
c.SanitizeOutputs.strip = True

# Malformed submissions (see docs/running-a-class.md, "Malformed submissions"): only regular files of a
# submission are read; the hook checks the files, RepairSubmission repairs the grader's
# copy; both write reports/autograde-<assignment>.txt.
submission_files.install()
intake.install()
c.Autograde.pre_convert_hook = "course.grading.intake.inspect_submission"
c.Autograde.sanitize_preprocessors = [RepairSubmission, ClearOutput, DeduplicateIds,
                                      OverwriteKernelspec, OverwriteCells, CheckCellMetadataOnce]
