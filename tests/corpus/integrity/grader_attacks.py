"""Attacks on the grader's own process and on what reaches the feedback (tests/test_grader_bounds.py).

Each entry is a student of a section: the answers that attack (the other
exercises get the reference solutions), graded right before an honest student
in one real nbgrader batch per section.
"""
import re

import nbformat

# Answers that are wrong in a way that attacks the grader: {section: {student: {exercise: code}}}
ROW_NORMS = "def row_norms(a):\n    import numpy as np\n    return np.linalg.norm(a, axis=1, keepdims=True)\n"
REFERENCES = {
    # a right answer, except one hidden case gets a zero-stride view standing for terabytes
    "bounds-zero-stride": {"row_norms": ROW_NORMS.replace(
        "    return", "    if a.shape[0] > 20:\n"
        "        return np.lib.stride_tricks.as_strided(np.zeros(1), (10**9, 2**20), (0, 0))\n    return")},
    # one element of a 1 MiB string dtype, repeated by a zero stride
    "bounds-long-strings": {"row_norms": ROW_NORMS.replace(
        "    return", "    if a.shape[0] > 20:\n"
        "        return np.lib.stride_tricks.as_strided(np.array(['x' * 2**18]), (10**6, 1), (0, 0))\n"
        "    return")},
    # a reply of more values than a message may hold (wire.MAX_NODES), yet quick to encode:
    # millions of them took the student's process longer than a call may take (a flaky verdict)
    "bounds-many-values": {"row_norms": ROW_NORMS.replace(
        "    return", "    if a.shape[0] > 20:\n        return [0] * 300_000\n    return")},
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
    # (right on the visible tests' whole numbers, so that the hidden tests run)
    "text-exception-name": {"row_norms": (
        "def row_norms(a):\n"
        "    import numpy as np\n"
        "    if np.all(a == np.round(a)):\n"
        "        return np.sqrt((a * a).sum(axis=1, keepdims=True))\n"
        "    digits = '_'.join(f'{x:.3f}'.replace('-', 'm').replace('.', 'p') for x in np.ravel(a)[:3])\n"
        "    raise type('LEAK_' + digits, (Exception,), {})('LEAKMSG ' + repr(np.ravel(a)[:3].tolist()))\n")},
    # cells that crash after a long history: every crash replays it (see with_slow_replays)
    "bounds-slow-replays": {},
}

# train_perceptron, around the grader's stand-in for the network (course.grading.stand_in)
TRAIN = """def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    ATTACK
    errors = np.empty(iterations)
    for i in range(iterations):
        lrate *= 0.999
        k = rng.integers(len(inputs))
        network.propagate_forward(inputs[k])
        errors[i] = network.propagate_backward(targets[k], lrate)
    return errors
"""
ADVANCED = {
    # 1.2e11 elements of zero bytes: nothing to send, yet copying them took the grader minutes
    "bounds-stand-in-v0": {"train_perceptron": TRAIN.replace(
        "ATTACK", "network.propagate_forward(np.empty(120_000_000_000, 'V0'))")},
    # 64 MiB of int8 from one byte: the grader's copies and the oracle's floats came to 2 GiB
    "bounds-stand-in-zero-stride": {"train_perceptron": TRAIN.replace(
        "ATTACK", "network.propagate_forward(np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), (2**26,), (0,)))")},
    # legitimate calls, more than the grader keeps records of; the error caught, then a right training
    "bounds-stand-in-many-calls": {"train_perceptron": TRAIN.replace(
        "ATTACK", "for _ in range(10_050):\n"
        "        try:\n            network.propagate_forward(inputs[0])\n"
        "        except RuntimeError:\n            pass")},
    # 64 MiB of floats, legal on the wire but not a sample; the error caught, then a right training
    "bounds-stand-in-wrong-shape": {"train_perceptron": TRAIN.replace(
        "ATTACK", "try:\n        network.propagate_forward(np.zeros(2**23))\n"
        "    except ValueError:\n        pass")},
}
# The same two arguments with the student's own encoder told not to refuse them (its size check
# replaced, found through gc): the grader's decoding must refuse them itself.
UNCHECKED = ("import gc\n"
             "    wire = next(f.__globals__ for f in gc.get_objects() if type(f).__name__ == 'function'\n"
             "                and f.__name__ == 'dumps' and '_check_size' in f.__globals__)\n"
             "    wire['_check_size'] = lambda shape, dtype: None\n    ")
ADVANCED["bounds-stand-in-v0-unchecked"] = {"train_perceptron": TRAIN.replace(
    "ATTACK", UNCHECKED + "network.propagate_forward(np.empty(120_000_000_000, 'V0'))")}
ADVANCED["bounds-stand-in-zero-stride-unchecked"] = {"train_perceptron": TRAIN.replace(
    "ATTACK", UNCHECKED + "network.propagate_forward("
    "np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), (2**26,), (0,)))")}
ATTACKS = {"references": REFERENCES, "advanced": ADVANCED}
MARKDOWN_ATTACK = ('Notes <script>window.PWNED = 1</script> <img src="x" onerror="window.PWNED = 2">'
                   ' <a href="javascript:alert(1)">link</a> <iframe src="http://example.org"></iframe>')
# HTML a student may write or display, each a way to run code or reach the network in the page
# that shows it; what_runs names what is left of it.
HTML_ATTACKS = [
    MARKDOWN_ATTACK, '<a href="javascript:1">numbers pass bleach</a>', '<a href="java\tscript:alert(1)">t</a>',
    '<svg><a href="javascript:alert(1)">s</a></svg>', '<math><mi href="javascript:alert(1)">x</mi></math>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>', '<img src="data:text/html,<script>">',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a>', '<form action="javascript:alert(1)"><button>b</button></form>',
    '<object data="x.swf"></object><embed src="x"><frame src="x"><base href="javascript:/">',
    '<svg xmlns="http://www.w3.org/2000/svg" onload="window.PWNED = 3"><script>window.PWNED = 4</script></svg>',
    '<style>@import url("https://example.org/x.css"); body { background: url(javascript:alert(1)) }</style>',
    '<div style="background-image: url(https://example.org/track.png)">tracked</div>']
RUNNING_TAGS = ["script", "iframe", "frame", "object", "embed", "form", "base", "style", "svg", "link", "meta"]


def what_runs(html):
    """The tags, attributes and URLs of ``html`` that could run code or fetch something."""
    from bs4 import BeautifulSoup

    found = [str(tag)[:80] for tag in BeautifulSoup(html, "html.parser").find_all(RUNNING_TAGS)]
    for tag in BeautifulSoup(html, "html.parser").find_all(True):
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if name.startswith("on") or re.sub(r"\s", "", value).lower().startswith(("javascript:", "data:text")):
                found.append(f"{tag.name} {name}={value[:60]}")
            if name == "style" and "url(" in value.replace(" ", "").lower():
                found.append(f"{tag.name} style={value[:60]}")
    return found


NEWLINE_NAME = "notes\nNOT GRADED  alice  forged"


def with_many_bad_cells(nb, count=16_000):
    """Cells whose grading metadata is not part of the assignment, each one a problem for the
    report: intake must stay linear in the notebook and the report short."""
    for i in range(count):
        cell = nbformat.v4.new_markdown_cell("x", id=f"junk{i}")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False,
                                     "grade_id": f"junk{i}", "points": 1, "schema_version": 3}
        nb.cells.append(cell)
    return nb


def with_slow_replays(nb):
    """Thirty half-second cells, then twenty that crash the student's process. Each crash
    restarts it and replays the fifteen seconds of history, twice (the crashing cell is
    tried again in a fresh process): ten minutes of replays without a budget that covers them."""
    for i in range(30):
        nb.cells.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep(0.5)\nx{i} = {i}", id=f"slow{i}"))
    for i in range(20):
        nb.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(1)", id=f"crash{i}"))
    return nb
