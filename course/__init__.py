"""Advanced NumPy course: instructor tooling (``course.build``) and grading (``course.grading``)."""
