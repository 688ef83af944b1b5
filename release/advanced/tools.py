"""Helpers for the Advanced NumPy notebooks.

Use them in a notebook with::

    from tools import sysinfo, info, timeit, imshow

Each function prints its result and also returns it, so the value can be
checked in code. In Jupyter, the returned value is not displayed a second
time as ``Out[n]`` in the cell that printed it.

This file says what the helpers do; ``_tools_render.py`` beside it does the
timing and the drawing (keep both files next to the notebook). Only the
standard library and NumPy are imported; Matplotlib is looked up only for a
colormap that is not built in.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import sys

import numpy as np

try:
    import _tools_render as _render
    from _tools_render import TimeitResult
except ImportError as error:  # tools.py was copied without its other half
    raise ImportError("tools.py needs _tools_render.py in the same folder: "
                      "download both files next to the notebook") from error

__all__ = ["sysinfo", "info", "timeit", "imshow", "TimeitResult"]


def sysinfo() -> dict[str, str]:
    """Print and return the versions of the software used by the course.

    Returns a dict of str to str, in this order: ``date`` (today, ISO 8601),
    ``Python``, ``NumPy``, ``Matplotlib``, ``SciPy``, ``IPython``,
    ``nbgrader``, ``platform``, ``machine`` and ``CPU count``. Optional
    libraries are not imported: their version is read from the installed
    package's metadata ("not installed" when it is missing).
    """
    report = _render.Report(date=datetime.date.today().isoformat(),
                            Python=platform.python_version(), NumPy=np.__version__)
    for label, name in [("Matplotlib", "matplotlib"), ("SciPy", "scipy"),
                        ("IPython", "ipython"), ("nbgrader", "nbgrader")]:
        try:
            report[label] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            report[label] = "not installed"
        except Exception:  # broken metadata must not break a notebook
            report[label] = "unknown"
    report["platform"] = platform.platform()
    report["machine"] = platform.machine() or "unknown"
    report["CPU count"] = str(os.cpu_count() or "unknown")
    return _render.printed(report)


def info(Z) -> str:
    """Print and return a description of an array's interface and memory.

    `Z` is a NumPy array (any: 0-d, empty, structured, read-only, a view) or
    a NumPy scalar such as ``np.float64(1)``, described as the 0-d array it
    converts to. Lists and Python numbers are rejected: the description is
    about an existing array's memory.

    Three sections: ``Interface`` (shape, ndim, dtype, size, order),
    ``Memory`` (item size, array size, strides, byte order) and
    ``Properties`` (owns data, view of, writeable, aligned).

    - ``order`` shows whether the elements are laid out in C order (row by
      row, the last index varying fastest) and/or F order (column by column);
      an array can be both (0-d, empty or 1-element) or neither (a strided view).
    - ``array size`` is ``Z.nbytes`` (size times item size). A view with a
      zero stride reads the same bytes many times, so it can be far larger
      than the memory actually used.
    - ``strides`` are the bytes to step in memory to move by one along each axis.
    - ``view of`` names the array that owns the memory ("–" when Z owns it).
    """
    note = None
    if isinstance(Z, np.generic):
        note = f"a NumPy scalar ({type(Z).__name__}), shown as a 0-d array"
        Z = np.asarray(Z)
    if not isinstance(Z, np.ndarray):
        raise TypeError(f"info() expects a NumPy array, got {type(Z).__name__}; "
                        "convert it first, e.g. info(np.asarray(Z))")
    flags = Z.flags
    sections = {
        "Interface": [
            ("shape", Z.shape), ("ndim", Z.ndim), ("dtype", Z.dtype), ("size", Z.size),
            ("order", f"{_box(flags.c_contiguous)} C  {_box(flags.f_contiguous)} F"),
        ],
        "Memory": [
            ("item size", _bytes(Z.itemsize)), ("array size", _bytes(Z.nbytes)),
            ("strides", Z.strides), ("byte order", _byte_order(Z.dtype)),
        ],
        "Properties": [
            ("owns data", _yes_no(flags.owndata)), ("view of", _owner(Z)),
            ("writeable", _yes_no(flags.writeable)), ("aligned", _yes_no(flags.aligned)),
        ],
    }
    lines = [note] if note else []
    for title, rows in sections.items():
        lines.append(title)
        lines.extend(f"  {label + ':':<13}{value}" for label, value in rows)
    return _render.printed(_render.Text("\n".join(lines)))


def _box(flag):
    return "☑" if flag else "☐"


def _yes_no(flag):
    return f"{_box(flag)} yes" if flag else f"{_box(flag)} no"


def _bytes(n):
    """``80 B``, or ``8,000,000 B (7.6 MiB)`` with a binary unit up to EiB."""
    if n < 1024:
        return f"{n} B"
    value, unit = float(n), "B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        value /= 1024
        if value < 1024:
            break
    return f"{n:,} B ({value:.1f} {unit})"


def _byte_order(dtype):
    """How a multi-byte item is stored: least significant byte first (little-endian)
    or last (big-endian); the order the CPU uses is called native."""
    if dtype.fields:
        orders = {_byte_order(dtype.fields[name][0]) for name in dtype.names} - {"–"}
        return orders.pop() if len(orders) == 1 else ("mixed" if orders else "–")
    if dtype.subdtype:
        return _byte_order(dtype.subdtype[0])
    if dtype.byteorder == "|":
        return "–"  # one-byte items, or no numbers: there is no order
    little = dtype.byteorder == "<" or (dtype.byteorder == "=" and sys.byteorder == "little")
    native = (sys.byteorder == "little") == little
    return ("little" if little else "big") + "-endian" + (" (native)" if native else "")


def _owner(Z):
    """The object whose memory Z reads, found by following ``.base`` links."""
    base = Z.base
    for _ in range(1000):  # guard against pathological cycles
        parent = getattr(base, "base", None)
        if base is None or parent is None:
            break
        base = parent
    if base is None:
        return "–"
    if isinstance(base, np.ndarray):
        return f"{base.dtype} array of shape {base.shape}"
    return f"{type(base).__name__} object"


def timeit(stmt, globals=None, *, setup=None, max_time=2.0, repeat=7, number=None):
    """Time a statement, print the result and return it (a TimeitResult).

    stmt : str or callable
        Code to time: a string run with ``exec`` or a callable without arguments.
    globals : dict, optional
        Namespace for string code; by default the caller's (its globals
        updated with its locals), so the notebook's names are visible.
    setup : str or callable, optional
        Run, untimed, before each batch of `number` executions. Names it
        assigns are visible to a string stmt.
    max_time : float, default 2.0
        About the most seconds the whole measurement takes. When the
        environment variable ``COURSE_TIMEIT_BUDGET`` (seconds) is set, a
        grader's setting, it replaces `max_time`; during autograding
        (``NBGRADER_EXECUTION`` set) it is at most 0.1 s.
    repeat : int, default 7
        Wanted number of repeats; fewer (at least one) when they would not
        fit in `max_time`.
    number : int, optional
        Executions per repeat. By default chosen as IPython's ``%timeit``
        does (1, 2, 5, 10, 20, ...) until a batch takes a good share of the
        time; a statement slower than `max_time` runs once.

    The result has ``.best``, ``.mean`` and ``.std`` (seconds per execution,
    measured with ``time.perf_counter`` while the garbage collector is off)
    and ``a.speedup_over(b)``, which is ``b.best / a.best``. Exceptions from
    `stmt` or `setup` propagate unchanged.
    """
    if globals is None:
        caller = sys._getframe(1)
        globals = {**caller.f_globals, **caller.f_locals}
        del caller
    return _render.measure(stmt, globals, setup, max_time, repeat, number)


def imshow(Z, vmin=None, vmax=None, *, cmap="viridis", width=80, height=40,
           colorbar=False, color=None) -> str:
    """Print a 1-D or 2-D array as an image made of text, and return the text.

    Z : array_like of numbers or bools, shape (N,) or (M, N)
        Row 0 is drawn at the top, as in Matplotlib; a 1-D array is one row.
        NaN (and masked values) are left blank; values beyond vmin and vmax,
        infinities included, take the bottom and top colour.
    vmin, vmax : float, optional
        The values at the bottom and top of the colormap. Missing ones come
        from the finite values (0 and 1 for bools). If they are equal, values
        equal to them get the middle colour.
    cmap : str, default "viridis"
        "viridis" and "gray" (and "viridis_r", "gray_r") are built in; other
        names, or a Colormap object, need Matplotlib.
    width, height : int, default 80 and 40
        The most characters per line and lines. A larger Z is shown in blocks
        of f x f elements (the same f for rows and columns, to keep the shape):
        each block shows the mean of its values (clipped to vmin..vmax), or for
        bools whether any is True. Arrays of more than a million elements are
        not read whole: each block is judged on an even sample of its
        elements, so a sparse feature can be missed.
    colorbar : bool, default False
        Add a line with the colour ramp between the values of vmin and vmax.
    color : {None, "truecolor", "256", "none"} or bool, default None
        None: no colour if ``NO_COLOR`` is set or if standard output is
        neither a terminal nor Jupyter; else 24-bit colour when ``COLORTERM``
        is "truecolor" or "24bit", otherwise 256 colours.

    In colour each line shows two rows of Z with the half block "▀"
    (foreground: upper row, background: lower row) and ends with the reset
    escape ``ESC[0m``. In plain text each line shows one row with the shades
    "·░▒▓█" from vmin to vmax. Raises TypeError for complex or non-numeric
    arrays, ValueError for 0-d or more than 2-D arrays, vmin > vmax or an
    unknown cmap.
    """
    text = _render.render(Z, vmin, vmax, cmap, width, height, colorbar, color)
    if text:
        print(text)
    return text._mark_printed()
