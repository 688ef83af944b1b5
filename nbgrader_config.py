"""nbgrader configuration of the Advanced NumPy course (course root = this folder)."""
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "advanced-numpy"
# Notebooks beside tools.py; nbgrader copies the canonical tools.py (source/<section>/)
# over the student's copy at autograde.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.Execute.timeout = 60
