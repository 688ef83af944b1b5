"""Helpers for the Advanced NumPy notebooks.

Use them in a notebook with::

    from tools import sysinfo, info, timeit, imshow

Only the standard library and NumPy are imported here; Matplotlib and
IPython are optional and looked up only when a function needs them.

Every function prints its result and also returns it, so the value can be
checked in code (for instance by the autograder). In IPython/Jupyter, the
returned value is not displayed a second time as ``Out[n]`` in the cell that
printed it; evaluating it again in a later cell shows it.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import math
import operator
import os
import platform
import sys
import time
import timeit as _stdlib_timeit
import warnings

import numpy as np

__all__ = ["sysinfo", "info", "timeit", "imshow", "TimeitResult"]


# ---------------------------------------------------------------------------
# Printing once in IPython/Jupyter
# ---------------------------------------------------------------------------

def _ipython_cell():
    """Return the running IPython shell's execution count, or None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:
        return None
    return None if shell is None else getattr(shell, "execution_count", None)


class _PrintedOnce:
    """Mixin for returned values whose text was already printed.

    IPython shows the last value of a cell as ``Out[n]``; for these values it
    would repeat (for a string, with escaped newlines) what the cell already
    printed. The repetition is skipped in that cell only.
    """

    _printed_in_cell = None

    def _mark_printed(self):
        object.__setattr__(self, "_printed_in_cell", _ipython_cell())
        return self

    def _text(self) -> str:
        return str(self)

    def _ipython_display_(self):
        cell = self._printed_in_cell
        if cell is not None and cell == _ipython_cell():
            return
        print(self._text())


class _Text(_PrintedOnce, str):
    """A ``str`` that was printed by one of the helpers."""


class _Report(_PrintedOnce, dict):
    """A ``dict`` (name -> value) that was printed as a table."""

    def _text(self) -> str:
        return _format_table(self)


def _format_table(mapping) -> str:
    width = max((len(key) for key in mapping), default=0) + 2
    return "\n".join(f"{key:<{width}}{value}" for key, value in mapping.items())


# ---------------------------------------------------------------------------
# sysinfo
# ---------------------------------------------------------------------------

_DISTRIBUTIONS = {
    "Matplotlib": "matplotlib",
    "SciPy": "scipy",
    "IPython": "ipython",
    "nbgrader": "nbgrader",
}


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
    except Exception:  # broken metadata must not break a notebook
        return "unknown"


def sysinfo() -> dict[str, str]:
    """Print and return the versions of the software used by the course.

    Optional libraries are not imported; their installed version is read
    from the package metadata, and a missing one is reported as
    ``"not installed"``.

    Returns
    -------
    dict of str to str
        In this order: ``date`` (today, ISO 8601), ``Python``, ``NumPy``,
        ``Matplotlib``, ``SciPy``, ``IPython``, ``nbgrader``, ``platform``,
        ``machine`` and ``CPU count``.
    """
    report = _Report()
    report["date"] = datetime.date.today().isoformat()
    report["Python"] = platform.python_version()
    report["NumPy"] = np.__version__
    for label, distribution in _DISTRIBUTIONS.items():
        report[label] = _distribution_version(distribution)
    report["platform"] = platform.platform()
    report["machine"] = platform.machine() or "unknown"
    report["CPU count"] = str(os.cpu_count() or "unknown")
    print(report._text())
    return report._mark_printed()


# ---------------------------------------------------------------------------
# info
# ---------------------------------------------------------------------------

def _check(flag: bool) -> str:
    return "☑" if flag else "☐"


def _yes_no(flag: bool) -> str:
    return f"{_check(flag)} yes" if flag else f"{_check(flag)} no"


def _format_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value, unit = float(n), "B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024:
            break
    return f"{n:,} B ({value:.1f} {unit})"


def _memory_owner(Z: np.ndarray):
    """Follow ``.base`` links from Z to the object that owns the memory."""
    base = Z.base
    for _ in range(1000):  # guard against pathological cycles
        parent = getattr(base, "base", None)
        if base is None or parent is None:
            break
        base = parent
    return base


def _describe_base(Z: np.ndarray) -> str:
    owner = _memory_owner(Z)
    if owner is None:
        return "–"
    if isinstance(owner, np.ndarray):
        return f"{owner.dtype} array of shape {owner.shape}"
    return f"{type(owner).__name__} object"


def info(Z: np.ndarray) -> str:
    """Print and return a description of an array's interface and memory.

    Parameters
    ----------
    Z : numpy.ndarray
        Any array, including 0-d, empty, structured, read-only arrays and
        views. Other objects (lists, scalars) are rejected on purpose: the
        description is about an existing array's memory.

    Returns
    -------
    str
        Three sections: ``Interface`` (shape, ndim, dtype, size, order),
        ``Memory`` (item size, array size, strides) and ``Properties``
        (owns data, view of, writeable, aligned). ``order`` shows whether the
        data is C (row-major) and/or F (column-major) contiguous; an array
        can be both (0-d, empty or 1-element arrays) or neither (strided
        views). ``array size`` is ``Z.nbytes`` (size x item size), which can
        exceed the memory actually used by a view with zero strides.
        ``view of`` names the dtype and shape of the array that owns the
        memory, or ``–`` when Z owns its data.

    Raises
    ------
    TypeError
        If Z is not a NumPy array.
    """
    if not isinstance(Z, np.ndarray):
        raise TypeError(
            f"info() expects a NumPy array, got {type(Z).__name__}; "
            "convert it first, e.g. info(np.asarray(Z))"
        )
    flags = Z.flags
    sections = {
        "Interface": [
            ("shape", str(Z.shape)),
            ("ndim", str(Z.ndim)),
            ("dtype", str(Z.dtype)),
            ("size", str(Z.size)),
            ("order", f"{_check(flags.c_contiguous)} C  {_check(flags.f_contiguous)} F"),
        ],
        "Memory": [
            ("item size", _format_bytes(Z.itemsize)),
            ("array size", _format_bytes(Z.nbytes)),
            ("strides", str(Z.strides)),
        ],
        "Properties": [
            ("owns data", _yes_no(flags.owndata)),
            ("view of", _describe_base(Z)),
            ("writeable", _yes_no(flags.writeable)),
            ("aligned", _yes_no(flags.aligned)),
        ],
    }
    lines = []
    for title, rows in sections.items():
        lines.append(title)
        lines.extend(f"  {label + ':':<13}{value}" for label, value in rows)
    text = _Text("\n".join(lines))
    print(text)
    return text._mark_printed()


# ---------------------------------------------------------------------------
# timeit
# ---------------------------------------------------------------------------

def _format_seconds(seconds: float) -> str:
    """Format a duration with 3 significant digits in s, ms, µs or ns."""
    if not math.isfinite(seconds):
        return f"{seconds} s"
    if seconds == 0:
        return "0 ns"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        value = float(f"{seconds / scale:.3g}")  # round first: 999.96 µs -> 1 ms
        if abs(value) >= 1:
            break
    decimals = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f} {unit}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


@dataclasses.dataclass(frozen=True)
class TimeitResult(_PrintedOnce):
    """Timings measured by :func:`timeit`.

    Attributes
    ----------
    loops : int
        Number of executions of the statement in each repeat.
    repeats : int
        Number of repeats, equal to ``len(timings)``.
    timings : tuple of float
        Seconds per execution, one value per repeat.
    """

    loops: int
    repeats: int
    timings: tuple[float, ...]

    def __post_init__(self):
        timings = tuple(float(t) for t in self.timings)
        object.__setattr__(self, "timings", timings)
        if operator.index(self.loops) < 1:
            raise ValueError("loops must be at least 1")
        if len(timings) == 0 or len(timings) != self.repeats:
            raise ValueError(
                f"repeats ({self.repeats}) must equal len(timings) ({len(timings)}) "
                "and be at least 1"
            )

    @property
    def best(self) -> float:
        """Fastest time per execution, in seconds."""
        return min(self.timings)

    @property
    def mean(self) -> float:
        """Mean time per execution over the repeats, in seconds."""
        return sum(self.timings) / len(self.timings)

    @property
    def std(self) -> float:
        """Standard deviation (ddof=0) of the time per execution, in seconds."""
        mean = self.mean
        return math.sqrt(sum((t - mean) ** 2 for t in self.timings) / len(self.timings))

    def speedup_over(self, other: TimeitResult) -> float:
        """Return how many times faster this result is than `other`.

        Computed from the best times, ``other.best / self.best``: a value of
        10.0 means this statement runs 10x faster than the other one.
        """
        if self.best == 0:
            return math.inf if other.best > 0 else math.nan
        return other.best / self.best

    def __str__(self) -> str:
        return (
            f"{_format_seconds(self.mean)} ± {_format_seconds(self.std)} per loop "
            f"(mean ± std. dev. of {_plural(self.repeats, 'run')}, "
            f"{_plural(self.loops, 'loop')} each); best {_format_seconds(self.best)}"
        )


def _loop_counts():
    """Yield 1, 2, 5, 10, 20, 50, 100, ..."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            yield step * scale
        scale *= 10


def timeit(stmt, globals=None, *, setup=None, max_time=2.0, repeat=7, number=None):
    """Time a statement, print the result and return it.

    Parameters
    ----------
    stmt : str or callable
        Code to time: a string executed with ``exec`` or a callable taking
        no argument.
    globals : dict, optional
        Namespace for string code. By default the caller's namespace (its
        globals updated with its locals), so local variables of a function
        and names defined in a notebook are visible.
    setup : str or callable, optional
        Run, untimed, before each batch of `number` executions (each repeat,
        and each calibration batch). Names assigned by a string setup are
        visible to a string stmt.
    max_time : float, default 2.0
        Approximate bound on the total time in seconds (calibration and all
        repeats). When the environment variable ``NBGRADER_EXECUTION`` is set
        (autograding) it is capped at 0.1 s.
    repeat : int, default 7
        Wanted number of repeats. Fewer are made (at least one) when they
        would not fit in `max_time`.
    number : int, optional
        Executions per repeat. By default it is chosen like IPython's
        ``%timeit`` (1, 2, 5, 10, 20, 50, ...) until one batch takes at
        least ``min(0.2, max_time / (2.5 * (repeat + 1)))`` seconds (0.1 s
        with the defaults); that last calibration batch counts as the first
        repeat. A statement slower than `max_time` runs only once.

    Returns
    -------
    TimeitResult
        Times per execution in seconds, measured with ``time.perf_counter``
        while the garbage collector is disabled.

    Notes
    -----
    Exceptions raised by `stmt` or `setup` propagate unchanged. As in the
    standard library's ``timeit``, string code runs inside a function over
    a copy of the caller's namespace: names it assigns are not kept.
    """
    if not (isinstance(stmt, str) or callable(stmt)):
        raise TypeError(f"stmt must be a string or a callable, got {type(stmt).__name__}")
    if setup is None:
        setup = "pass"
    elif not (isinstance(setup, str) or callable(setup)):
        raise TypeError(f"setup must be a string or a callable, got {type(setup).__name__}")
    repeat = operator.index(repeat)
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    if number is not None:
        number = operator.index(number)
        if number < 1:
            raise ValueError("number must be at least 1")
    max_time = float(max_time)
    if not max_time > 0:
        raise ValueError("max_time must be positive")
    if "NBGRADER_EXECUTION" in os.environ:
        max_time = min(max_time, 0.1)

    if globals is None:
        caller = sys._getframe(1)
        namespace = {**caller.f_globals, **caller.f_locals}
        del caller
    else:
        namespace = globals
    # The stdlib Timer compiles string code into a loop (low overhead),
    # uses time.perf_counter and disables the garbage collector while timing.
    timer = _stdlib_timeit.Timer(stmt, setup, timer=time.perf_counter, globals=namespace)

    start = time.perf_counter()

    def run(loops):
        """Return (timed seconds, wall seconds including setup) of one batch."""
        begin = time.perf_counter()
        timed = timer.timeit(loops)
        return timed, time.perf_counter() - begin

    if number is None:
        # Batches between `target` and 2.5 * `target` keep calibration plus
        # `repeat` batches within max_time.
        target = min(0.2, max_time / (2.5 * (repeat + 1)))
        counts = _loop_counts()
        loops = next(counts)
        timed, wall = run(loops)
        while timed < target:
            following = next(counts)
            predicted = (wall - timed) + timed * following / loops
            if time.perf_counter() - start + predicted > max_time:
                break
            loops = following
            timed, wall = run(loops)
    else:
        loops = number
        timed, wall = run(loops)

    timings = [timed / loops]  # the last calibration batch counts as a repeat
    while len(timings) < repeat:
        if time.perf_counter() - start + wall > max_time:
            break
        timed, wall = run(loops)
        timings.append(timed / loops)

    result = TimeitResult(loops=loops, repeats=len(timings), timings=tuple(timings))
    print(result)
    return result._mark_printed()


# ---------------------------------------------------------------------------
# imshow
# ---------------------------------------------------------------------------

# viridis sampled at 17 evenly spaced points, interpolated linearly.
_VIRIDIS = (
    (68, 1, 84), (72, 24, 106), (71, 45, 123), (66, 64, 134), (59, 82, 139),
    (51, 99, 141), (44, 114, 142), (38, 130, 142), (33, 145, 140), (31, 160, 136),
    (40, 174, 128), (63, 188, 115), (94, 201, 98), (132, 212, 75), (173, 220, 48),
    (216, 226, 25), (253, 231, 37),
)
_BUILTIN_CMAPS = {
    "viridis": _VIRIDIS,
    "gray": ((0, 0, 0), (255, 255, 255)),
    "grey": ((0, 0, 0), (255, 255, 255)),
}
_LEVELS = 256                  # colours in a colormap table
_SHADES = " ░▒▓█"              # plain mode, from vmin to vmax
_MISSING = "·"                 # plain mode, NaN
_UPPER, _LOWER, _FULL = "▀", "▄", "█"
_RESET = "\x1b[0m"
_DEFAULT_BG = "\x1b[49m"


def _interpolate(anchors) -> np.ndarray:
    """(n, 3) RGB anchors in 0-255 -> (_LEVELS, 3) uint8 table."""
    anchors = np.asarray(anchors, dtype=float)
    at = np.linspace(0, 1, len(anchors))
    x = np.linspace(0, 1, _LEVELS)
    table = np.stack([np.interp(x, at, anchors[:, i]) for i in range(3)], axis=1)
    return np.rint(table).astype(np.uint8)


def _colormap_table(cmap) -> np.ndarray:
    """Return the (_LEVELS, 3) uint8 RGB table of a colormap name or object."""
    if not isinstance(cmap, str):
        if callable(cmap):  # e.g. a matplotlib Colormap instance
            rgba = np.asarray(cmap(np.linspace(0, 1, _LEVELS)), dtype=float)
            return _interpolate(rgba[:, :3] * 255)
        raise TypeError(f"cmap must be a colormap name, got {type(cmap).__name__}")
    name, reverse = cmap, False
    if name.endswith("_r") and name[:-2] in _BUILTIN_CMAPS:
        name, reverse = name[:-2], True
    if name in _BUILTIN_CMAPS:
        table = _interpolate(_BUILTIN_CMAPS[name])
        return table[::-1].copy() if reverse else table
    try:
        import matplotlib
        colormap = matplotlib.colormaps[cmap]
    except ImportError:
        hint = "Matplotlib is not installed, so no other colormap is available"
    except KeyError:
        hint = "nor a Matplotlib colormap"
    else:
        return _colormap_table(colormap)
    names = ", ".join(sorted(_BUILTIN_CMAPS) + [f"{n}_r" for n in sorted(_BUILTIN_CMAPS)])
    raise ValueError(f"unknown colormap {cmap!r}: not one of {names}; {hint}")


def _xterm_palette() -> np.ndarray:
    """RGB of xterm-256 colours 16-255 (6x6x6 cube, then 24 grays)."""
    levels = np.array([0, 95, 135, 175, 215, 255])
    cube = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)
    grays = np.repeat(np.arange(8, 248, 10)[:, None], 3, axis=1)
    return np.concatenate([cube, grays])


def _nearest_xterm(rgb: np.ndarray) -> np.ndarray:
    """Index (16-255) of the nearest xterm-256 colour of each (n, 3) RGB row.

    Colours 0-15 are skipped: terminals let users redefine them.
    """
    palette = _xterm_palette()
    distance = ((rgb[:, None, :].astype(float) - palette[None, :, :]) ** 2).sum(-1)
    return 16 + distance.argmin(axis=1)


def _resolve_color(color) -> str:
    """Return "truecolor", "256" or "none" for imshow's `color` argument."""
    if color is None or color is True:
        if color is None:
            if os.environ.get("NO_COLOR"):
                return "none"
            if not (_stdout_is_terminal() or _ipython_cell() is not None):
                return "none"
        if os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
            return "truecolor"
        return "256"
    if color is False:
        return "none"
    key = str(color).lower()
    if key in ("none", "plain", "no"):
        return "none"
    if key in ("truecolor", "24bit", "24-bit"):
        return "truecolor"
    if key == "256":
        return "256"
    raise ValueError(f"color must be None, 'truecolor', '256' or 'none', got {color!r}")


def _stdout_is_terminal() -> bool:
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def _as_image(Z) -> tuple[np.ndarray, bool]:
    """Validate Z; return it as a 2-D float64 array (NaN = missing) and
    whether it was a bool array."""
    A = np.asarray(Z)
    is_bool = A.dtype == bool
    if np.ma.isMaskedArray(Z) and A.dtype.kind in "biuf":
        A = np.ma.filled(np.ma.asarray(Z, dtype=float), np.nan)
    if A.dtype.kind == "c":
        raise TypeError("imshow cannot show complex values; show Z.real, Z.imag or np.abs(Z)")
    if A.dtype.kind not in "biuf":
        raise TypeError(f"imshow needs a numeric or bool array, got dtype {A.dtype}")
    if A.ndim == 0:
        raise ValueError("imshow needs a 1-D or 2-D array, got shape () (a scalar); "
                         "use np.atleast_1d(Z)")
    if A.ndim > 2:
        index = ", ".join(["0"] * (A.ndim - 2))
        raise ValueError(f"imshow needs a 1-D or 2-D array, got shape {A.shape}; "
                         f"show a 2-D slice such as Z[{index}]")
    return np.atleast_2d(A.astype(np.float64)), is_bool


def _limits(A: np.ndarray, is_bool: bool, vmin, vmax) -> tuple[float, float]:
    """Resolve vmin/vmax: explicit values win, defaults come from finite data."""
    for name, value in (("vmin", vmin), ("vmax", vmax)):
        if value is not None and not math.isfinite(float(value)):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if vmin is not None and vmax is not None and float(vmin) > float(vmax):
        raise ValueError(f"vmin ({vmin}) must not be larger than vmax ({vmax})")
    finite = A[np.isfinite(A)]
    if is_bool:
        low, high = 0.0, 1.0
    elif finite.size:
        low, high = float(finite.min()), float(finite.max())
    else:
        low = high = None
    if vmin is not None:
        lo = float(vmin)
        if vmax is None:
            hi = high if high is not None and high >= lo else lo
        else:
            hi = float(vmax)
    elif vmax is not None:
        hi = float(vmax)
        lo = low if low is not None and low <= hi else hi
    elif low is not None:
        lo, hi = low, high
    else:
        lo, hi = 0.0, 1.0
    return lo, hi


def _downsample(A: np.ndarray, width: int) -> np.ndarray:
    """Block-average f x f blocks, f = ceil(columns / width), ignoring NaN."""
    rows, cols = A.shape
    f = -(-cols // width)
    if f <= 1:
        return A
    r, c = -(-rows // f), -(-cols // f)
    padded = np.full((r * f, c * f), np.nan)
    padded[:rows, :cols] = A
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks
        return np.nanmean(padded.reshape(r, f, c, f), axis=(1, 3))


def _levels(A: np.ndarray, lo: float, hi: float, n: int) -> np.ndarray:
    """Map values to integer levels 0..n-1 (equal-width bins); -1 for NaN."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if hi > lo:
            x = (A - lo) / (hi - lo)
        else:  # constant mapping: below -> 0, equal -> middle, above -> 1
            x = np.where(A < lo, 0.0, np.where(A > lo, 1.0, 0.5))
        x = np.clip(x, 0.0, 1.0)
        k = np.minimum(np.floor(x * n), n - 1)
    return np.where(np.isnan(A), -1, k).astype(int)


def _plain_lines(K: np.ndarray) -> list[str]:
    shades = np.array(list(_SHADES) + [_MISSING])  # index -1 -> missing
    return ["".join(shades[row]) for row in K]


def _colour_codes(table: np.ndarray, mode: str) -> tuple[list[str], list[str]]:
    """Foreground and background SGR escape for each colour of the table."""
    if mode == "256":
        index = _nearest_xterm(table)
        return ([f"\x1b[38;5;{i}m" for i in index], [f"\x1b[48;5;{i}m" for i in index])
    return ([f"\x1b[38;2;{r};{g};{b}m" for r, g, b in table],
            [f"\x1b[48;2;{r};{g};{b}m" for r, g, b in table])


def _colour_line(cells, fg_codes, bg_codes, end="") -> str:
    """Render (glyph, fg level or None, bg level or None) cells as one line
    followed by `end`, then reset the colours."""
    parts, fg, bg = [], None, _DEFAULT_BG
    for glyph, want_fg, want_bg in cells:
        code = None if want_fg is None else fg_codes[want_fg]
        if code is not None and code != fg:  # escapes only when colours change
            parts.append(code)
            fg = code
        code = _DEFAULT_BG if want_bg is None else bg_codes[want_bg]
        if code != bg:
            parts.append(code)
            bg = code
        parts.append(glyph)
    if end:
        parts.extend([_RESET, end])
    parts.append(_RESET)
    return "".join(parts)


def _colour_lines(K: np.ndarray, fg_codes, bg_codes) -> list[str]:
    lines = []
    for top in range(0, K.shape[0], 2):
        upper = K[top]
        lower = K[top + 1] if top + 1 < K.shape[0] else np.full_like(upper, -1)
        cells = []
        for u, l in zip(upper.tolist(), lower.tolist()):
            if u >= 0:
                cells.append((_UPPER, u, l if l >= 0 else None))
            elif l >= 0:
                cells.append((_LOWER, l, None))
            else:
                cells.append((" ", None, None))
        lines.append(_colour_line(cells, fg_codes, bg_codes))
    return lines


def imshow(Z, vmin=None, vmax=None, *, cmap="viridis", width=80, colorbar=False,
           color=None) -> str:
    """Print a 1-D or 2-D array as an image made of text, and return the text.

    Parameters
    ----------
    Z : array_like, shape (N,) or (M, N)
        Numeric or bool values (False -> 0, True -> 1). Row 0 is drawn at the
        top, as in Matplotlib. NaN is drawn as a missing cell (blank in
        colour, ``·`` in plain text); +inf and -inf take the top and bottom
        colour. A 1-D array is drawn as one row.
    vmin, vmax : float, optional
        Values mapped to the bottom and top of the colormap; values outside
        are clipped. Explicit values (including 0) are always used; missing
        ones come from the finite values of Z (0 and 1 for a bool array). If
        ``vmin == vmax`` (e.g. a constant array), values equal to it get the
        middle colour, smaller ones the bottom and larger ones the top colour.
    cmap : str, default "viridis"
        ``"viridis"`` and ``"gray"`` (and ``"viridis_r"``, ``"gray_r"``) are
        built in; other names, or a Colormap object, need Matplotlib.
    width : int, default 80
        Maximum number of columns. A wider Z is reduced by averaging blocks
        of f x f elements (f = ceil(columns / width), the same factor for
        rows to keep the aspect), ignoring NaN: a block is missing only if
        all its elements are NaN.
    colorbar : bool, default False
        Add a last line with the colour ramp between the labels of vmin and
        vmax (3 significant digits).
    color : {None, "truecolor", "256", "none"} or bool, default None
        None chooses automatically: no colour if ``NO_COLOR`` is set or if
        standard output is neither a terminal nor IPython/Jupyter; otherwise
        24-bit colour when ``COLORTERM`` is "truecolor" or "24bit", else
        256 colours. False means "none", True means colour.

    Returns
    -------
    str
        The printed text. In colour, each line shows two rows of Z with the
        upper half block "▀" (foreground = upper row, background = lower
        row) and ends with the reset escape ``ESC[0m``; only SGR colour
        escapes are used. In plain text, each line shows one row with the
        shades " ░▒▓█" from vmin to vmax (equal-width bins).

    Raises
    ------
    TypeError
        For complex, object, string or other non-numeric arrays.
    ValueError
        For 0-d or more than 2-D arrays, vmin > vmax, or an unknown cmap.
    """
    A, is_bool = _as_image(Z)
    width = operator.index(width)
    if width < 1:
        raise ValueError("width must be at least 1")
    mode = _resolve_color(color)
    table = _colormap_table(cmap)
    lo, hi = _limits(A, is_bool, vmin, vmax)
    A = _downsample(A, width) if A.size else A

    if mode == "none":
        lines = _plain_lines(_levels(A, lo, hi, len(_SHADES))) if A.size else []
    else:
        fg_codes, bg_codes = _colour_codes(table, mode)
        lines = _colour_lines(_levels(A, lo, hi, _LEVELS), fg_codes, bg_codes) if A.size else []

    if colorbar:
        low_label, high_label = f"{lo:.3g}", f"{hi:.3g}"
        if mode == "none":
            lines.append(f"{low_label} [{_SHADES}] {high_label}")
        else:
            n = max(8, min(32, width - len(low_label) - len(high_label) - 2))
            levels = [int((i + 0.5) / n * _LEVELS) for i in range(n)]
            ramp = _colour_line([(_FULL, k, None) for k in levels], fg_codes, bg_codes,
                                end=f" {high_label}")
            lines.append(f"{low_label} {ramp}")

    text = _Text("\n".join(lines))
    if text:
        print(text)
    return text._mark_printed()
