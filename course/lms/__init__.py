"""Hand-in through a learning platform (Canvas, Moodle): collect its submission archive, export grades.

- :mod:`course.lms.roster`: who is who (nbgrader id <-> the LMS's user or participant id);
- :mod:`course.lms.archive`: the archive opened as hostile input (bounded, no links, no escapes);
- :mod:`course.lms.collect`: ``python -m course.build collect``: nbgrader's ``zip_collect`` with
  this course's extractor and file-name collectors, then a merge into ``submitted/`` that never
  deletes or silently replaces a submission;
- :mod:`course.lms.export`: ``python -m course.build lms-export``: the grades as each LMS's import file.

docs/lms.md describes the formats, their sources and the rules.
"""
LMS = ("canvas", "moodle")
