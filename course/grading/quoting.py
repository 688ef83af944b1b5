"""Text that came from a submission, made safe to show a person: the one place.

A student chooses much of what a grading run prints: names of students and
files, and through nbgrader's and nbformat's error messages, parts of the
notebook itself (a ``cell_type``, a kernel name, a cell's text). Printed raw,
terminal escape codes in such text can clear a line, move the cursor or hide
what follows, and a newline can forge a line of its own ("zz-victim:
FAILED", a NOT GRADED entry of the batch report).

- :func:`printable`: one line; newlines and every other control or
  non-printable character escaped (``\\n``, ``\\x1b``), length bounded.
- :func:`quoted`: several lines (a log), each shown behind a quote mark, so
  that none can pass for a line of the course's own output; control
  characters escaped within each line; bounded.

Every text from a submission that reaches a terminal, a log or a report goes
through one of these: the batch report (:mod:`course.grading.batch_report`),
the class grading's progress and failures (:mod:`course.classgrade`), and
nbgrader's own log lines (:mod:`course.grading.logs`, installed by
``nbgrader_config.py``).
"""
MAX_LINE_CHARS = 2_000    # one printable line
MAX_QUOTED_CHARS = 20_000  # one quoted block, all lines
QUOTE = "    | "


def _cut(text, limit):
    return text if len(text) <= limit else text[:limit] + f" [... {len(text) - limit:,} more characters]"


def printable(text, limit=MAX_LINE_CHARS):
    """``text`` as one line: control characters and newlines escaped, cut to ``limit``."""
    text = str(text)
    if not text.isprintable():
        text = repr(text)[1:-1]
    return _cut(text, limit)


def quoted(text, limit=MAX_QUOTED_CHARS, prefix=QUOTE):
    """``text`` as lines behind ``prefix``, each line's control characters escaped."""
    lines, size, consumed = [], 0, 0
    text = str(text).rstrip("\n")
    for line in text.split("\n"):
        if size > limit:  # counted with the quote marks: many short lines are long too
            lines.append(prefix + f"[... {len(text) - consumed:,} more characters]")
            break
        lines.append(prefix + printable(line, limit))
        size += len(lines[-1]) + 1
        consumed += len(line) + 1
    return "\n".join(lines)

