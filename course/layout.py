"""Where the course keeps its files: the one place that knows the folders.

A course folder (this repository, or a throw-away copy in the tests) holds::

    course.toml                               the course's name, repository, section order, demo class
    source/<section>/<section>.ipynb          instructor notebooks, with solutions (a section is such a folder)
    release/<section>/<section>.ipynb         student versions (nbgrader generate_assignment)
    submitted/<student>/<section>/            what students hand in
    autograded/<student>/<section>/           nbgrader's graded copies
    feedback/<student>/<section>/             feedback pages
    reports/autograde-<section>.txt, .json    the batch report of the last autograde run
    reports/graded-<section>.json             what the saved grades were made from (to skip it next time)
    reports/<section>.html, .csv, -*.png      the instructor report (course.report)
    site/                                     the website for self-learners
    gradebook.db                              nbgrader's gradebook (SQLite)
    tests/corpus/<section>/<name>.py          answers graded by the tests, some handed in by the demo class
    demo/                                     the demo class: a course folder of its own (Course.demo),
                                              made and graded by the main job, never committed

nbgrader's own ``CourseDirectory.format_path`` knows the first five for a
running nbgrader app; this module is for everything else (instructor
commands, the site, the demo class, benchmarks and tests).
"""
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "course.toml"


@dataclass(frozen=True)
class Config:
    """The course's own settings, from ``course.toml`` at its root (all optional)."""
    name: str = "Course"
    repository: str = ""       # GitHub owner/name, for Binder links; empty: none
    sections: tuple = ()       # the course order; sections not named follow, by name
    demo: bool = False         # whether the main job builds and grades the demo class

    @classmethod
    def read(cls, path):
        if not path.exists():
            return cls()
        with open(path, "rb") as file:
            data = tomllib.load(file)
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise SystemExit(f"{path}: unknown settings {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}")
        return cls(**{**data, "sections": tuple(data.get("sections", ()))})


class Course:
    """The folders and files of the course rooted at ``root``."""

    def __init__(self, root=ROOT):
        self.root = Path(root)

    def __repr__(self):
        return f"Course({str(self.root)!r})"

    # folders
    source_dir = property(lambda self: self.root / "source")
    release_dir = property(lambda self: self.root / "release")
    submitted_dir = property(lambda self: self.root / "submitted")
    autograded_dir = property(lambda self: self.root / "autograded")
    feedback_dir = property(lambda self: self.root / "feedback")
    reports_dir = property(lambda self: self.root / "reports")
    site_dir = property(lambda self: self.root / "site")
    gradebook = property(lambda self: self.root / "gradebook.db")
    tools = property(lambda self: self.root / "tools.py")
    corpus_dir = property(lambda self: self.root / "tests" / "corpus")
    # The student helpers: tools.py and the private module it imports, released together.
    helpers = property(lambda self: (self.tools, self.root / "_tools_render.py"))

    @property
    def db_url(self):
        return f"sqlite:///{self.gradebook}"

    @property
    def config(self):
        return Config.read(self.root / CONFIG)

    def demo(self):
        """The demo class's course folder: its own submitted/, autograded/, feedback/,
        reports/ and gradebook, apart from this course's class."""
        return Course(self.root / "demo")

    def sections(self):
        """The sections, ``source/<name>/<name>.ipynb``: those course.toml names, in its
        order, then the others by name."""
        found = sorted(p.parent.name for p in self.source_dir.glob("*/*.ipynb")
                       if p.stem == p.parent.name and not p.parent.name.startswith("."))
        named = [s for s in self.config.sections if s in found]
        return named + [s for s in found if s not in named]

    # notebooks: one per section, named after it
    def source(self, section):
        return self.source_dir / section / f"{section}.ipynb"

    def release(self, section):
        return self.release_dir / section / f"{section}.ipynb"

    def submission(self, student, section):
        """The folder a student's work for ``section`` is handed in to."""
        return self.submitted_dir / student / section

    def submitted(self, student, section):
        return self.submission(student, section) / f"{section}.ipynb"

    def autograded(self, student, section):
        return self.autograded_dir / student / section / f"{section}.ipynb"

    def feedback(self, student, section):
        return self.feedback_dir / student / section / f"{section}.html"

    def corpus(self, section, name):
        """A file of answers (``# %% <exercise id>`` before each) in the test corpus."""
        return self.corpus_dir / section / f"{name}.py"

    def report(self, section, suffix=".txt"):
        """The batch report of the last autograde run of ``section``."""
        return self.reports_dir / f"autograde-{section}{suffix}"

    def graded_record(self, section):
        """Which submission each saved grade of ``section`` comes from (course.classgrade.merge)."""
        return self.reports_dir / f"graded-{section}.json"

    def instructor_report(self, section, suffix=".html"):
        """The instructor report of ``section`` (course.report): .html, .csv, or -<figure>.png."""
        return self.reports_dir / f"{section}{suffix}"
