"""nbgrader configuration of the Advanced NumPy course (course root = this folder)."""
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "advanced-numpy"
# Notebooks beside tools.py; nbgrader copies the canonical tools.py (source/<section>/)
# over the student's copy at autograde.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}


# Grading integrity (see README, "Threat model"): the student's code runs in a
# sandboxed process, hidden tests run here on plain data, feedback hides them.
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades,  # noqa: E402
                                    IgnorePattern, LimitOutput, SaveAutoGrades)

from course.grading.executor import IsolatedExecute  # noqa: E402
from course.grading.feedback import HideHiddenTests  # noqa: E402

c.Autograde.autograde_preprocessors = [IsolatedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                       CheckCellMetadata]
c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
c.IsolatedExecute.memory_limit = 4.0      # GiB for the student's process
c.IsolatedExecute.cpu_limit = 300         # CPU seconds per student process
c.IsolatedExecute.cell_timeout = 60       # seconds per cell
c.IsolatedExecute.call_timeout = 30       # seconds per call of a student's function
c.IsolatedExecute.notebook_timeout = 600  # seconds for a whole submission

# Malformed submissions (see README, "Malformed submissions"): the hook checks the files,
# RepairSubmission repairs the grader's copy; both write reports/autograde-<assignment>.txt.
from nbgrader.preprocessors import (ClearOutput, DeduplicateIds, OverwriteCells,  # noqa: E402
                                    OverwriteKernelspec)

from course.grading import submission_files  # noqa: E402
from course.grading.intake import RepairSubmission  # noqa: E402

# Only regular files inside a submission folder are read or copied (no links, FIFOs, devices).
submission_files.install()

c.Autograde.pre_convert_hook = "course.grading.intake.inspect_submission"
c.Autograde.sanitize_preprocessors = [RepairSubmission, ClearOutput, DeduplicateIds,
                                      OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
