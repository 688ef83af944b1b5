"""The machinery behind tools.py: printing once in Jupyter, timing, drawing.

Private: import the helpers from ``tools``, which documents them. This file
only has to sit beside tools.py (it is released with every notebook).
"""

from __future__ import annotations

import dataclasses
import math
import operator
import os
import sys
import time
import timeit as _stdlib_timeit
import warnings

import numpy as np

# ---------------------------------------------------------------------------
# Printing once in IPython/Jupyter
# ---------------------------------------------------------------------------


def ipython_cell():
    """Return the running IPython shell's execution count, or None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:
        return None
    return None if shell is None else getattr(shell, "execution_count", None)


class PrintedOnce:
    """Mixin for returned values whose text was already printed.

    IPython shows the last value of a cell as ``Out[n]``; for these values it
    would repeat (for a string, with escaped newlines) what the cell already
    printed. The repetition is skipped in that cell only.
    """

    _printed_in_cell = None

    def _mark_printed(self):
        object.__setattr__(self, "_printed_in_cell", ipython_cell())
        return self

    def _text(self) -> str:
        return str(self)

    def _ipython_display_(self):
        cell = self._printed_in_cell
        if cell is not None and cell == ipython_cell():
            return
        print(self._text())


class Text(PrintedOnce, str):
    """A ``str`` that was printed by one of the helpers."""


class Report(PrintedOnce, dict):
    """A ``dict`` (name -> value) that was printed as a table."""

    def _text(self) -> str:
        width = max((len(key) for key in self), default=0) + 2
        return "\n".join(f"{key:<{width}}{value}" for key, value in self.items())


def printed(value):
    """Print a Text or Report and return it, marked as shown in this cell."""
    print(value._text())
    return value._mark_printed()


# ---------------------------------------------------------------------------
# timeit
# ---------------------------------------------------------------------------

BUDGET_VARIABLE = "COURSE_TIMEIT_BUDGET"


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
class TimeitResult(PrintedOnce):
    """Timings measured by :func:`tools.timeit`.

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


def time_budget(max_time) -> float:
    """The seconds a timing may take: `max_time`, unless the grader asks for less.

    A grader sets COURSE_TIMEIT_BUDGET so that the timing demonstrations, which
    earn no points, cost little; NBGRADER_EXECUTION (any autograding) caps at 0.1 s.
    """
    max_time = float(max_time)
    if not max_time > 0:
        raise ValueError("max_time must be positive")
    if BUDGET_VARIABLE in os.environ:
        text = os.environ[BUDGET_VARIABLE]
        try:
            budget = float(text)
        except ValueError:
            budget = math.nan
        if not (budget > 0 and math.isfinite(budget)):
            raise ValueError(f"{BUDGET_VARIABLE} must be a positive number of seconds, got {text!r}")
        max_time = budget
    if "NBGRADER_EXECUTION" in os.environ:
        max_time = min(max_time, 0.1)
    return max_time


def measure(stmt, namespace, setup, max_time, repeat, number) -> TimeitResult:
    """The body of tools.timeit, after the caller's namespace has been found."""
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
    max_time = time_budget(max_time)
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
# Plain mode, from vmin to vmax: the lowest shade is a visible dot, so that a
# value at vmin is told apart from a missing one (NaN, blank in both modes).
SHADES = "·░▒▓█"
_MISSING = " "
_UPPER, _LOWER, _FULL = "▀", "▄", "█"
_RESET = "\x1b[0m"
_DEFAULT_BG = "\x1b[49m"
# The most elements read to draw an array: everything up to this, an even
# sample of each block beyond it (so a broadcast view of 10**10 costs no more).
SAMPLE_LIMIT = 1 << 20


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


def _stdout_is_terminal() -> bool:
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def _resolve_color(color) -> str:
    """Return "truecolor", "256" or "none" for imshow's `color` argument."""
    if color is None or color is True:
        if color is None:
            if os.environ.get("NO_COLOR"):
                return "none"
            if not (_stdout_is_terminal() or ipython_cell() is not None):
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


def _as_image(Z):
    """Validate Z; return it as a 2-D array (a view when possible, any numeric
    dtype) and whether it is a masked array."""
    masked = np.ma.isMaskedArray(Z)
    A = Z if masked else np.asarray(Z)
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
    return (A.reshape(1, -1) if A.ndim == 1 else A), masked


def _block_positions(n: int, f: int, m: int):
    """Indices of m evenly spread samples in each block of f along an axis of
    length n, and which of them fall past the end (the last block may be short)."""
    blocks = -(-n // f)
    offsets = (np.arange(m) * f) // m if m < f else np.arange(f)
    at = (np.arange(blocks)[:, None] * f + offsets).ravel()
    return np.minimum(at, n - 1), at >= n


def _sample(A, masked, f: int):
    """Blocks of f x f elements: a float64 array (blocks, m, blocks, m) of
    elements picked by index (all of them when they are few), NaN where missing.

    Only the picked elements are read and converted, so a huge array or a
    broadcast view costs no more than SAMPLE_LIMIT elements.
    """
    rows, cols = A.shape
    blocks = -(-rows // f) * -(-cols // f)
    m = f if rows * cols <= SAMPLE_LIMIT else max(1, min(f, math.isqrt(SAMPLE_LIMIT // blocks)))
    r, r_out = _block_positions(rows, f, m)
    c, c_out = _block_positions(cols, f, m)
    picked = A[np.ix_(r, c)]  # a copy of the picked elements only, in Z's dtype
    values = picked.astype(np.float64, copy=False)
    if masked:
        values = np.ma.filled(values, np.nan)
    values[r_out, :] = np.nan
    values[:, c_out] = np.nan
    return values.reshape(-1, min(m, f), values.shape[1] // min(m, f), min(m, f))


def _limits(values: np.ndarray, is_bool: bool, vmin, vmax) -> tuple[float, float]:
    """Resolve vmin/vmax: explicit values win, defaults come from finite data."""
    for name, value in (("vmin", vmin), ("vmax", vmax)):
        if value is not None and not math.isfinite(float(value)):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if vmin is not None and vmax is not None and float(vmin) > float(vmax):
        raise ValueError(f"vmin ({vmin}) must not be larger than vmax ({vmax})")
    finite = values[np.isfinite(values)]
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


def _normalise(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map values to [0, 1] (clipped; NaN stays NaN) without overflow: both
    ends are divided by the larger magnitude first, so that vmax - vmin
    cannot exceed the float range (e.g. -1.7e308 and 1.7e308)."""
    scale = max(abs(lo), abs(hi)) or 1.0
    span = hi / scale - lo / scale
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if span > 0:  # in place: values is the sample's own float64 copy
            x = values
            x /= scale
            x -= lo / scale
            x /= span
        else:  # constant mapping: below -> 0, equal -> middle, above -> 1
            x = np.where(values < lo, 0.0, np.where(values > lo, 1.0, 0.5))
            x[np.isnan(values)] = np.nan
    return np.clip(x, 0.0, 1.0, out=x)


def _pool(x: np.ndarray, is_bool: bool) -> np.ndarray:
    """One value per block, ignoring NaN: the mean, or for bool the maximum,
    so that a single True in a block stays visible."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks
        if is_bool:
            return np.nanmax(x, axis=(1, 3))
        return np.nanmean(x, axis=(1, 3))


def _levels(x: np.ndarray, n: int) -> np.ndarray:
    """Map [0, 1] to integer levels 0..n-1 (equal-width bins); -1 for NaN."""
    k = np.minimum(np.floor(np.nan_to_num(x) * n), n - 1).astype(int)
    return np.where(np.isnan(x), -1, k)


def _plain_lines(K: np.ndarray) -> list[str]:
    shades = np.array(list(SHADES) + [_MISSING])  # index -1 -> missing
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


def render(Z, vmin, vmax, cmap, width, height, colorbar, color) -> Text:
    """The body of tools.imshow: the text of Z (not printed)."""
    A, masked = _as_image(Z)
    is_bool = A.dtype == bool
    width, height = operator.index(width), operator.index(height)
    if width < 1 or height < 1:
        raise ValueError("width and height must be at least 1")
    mode = _resolve_color(color)
    table = _colormap_table(cmap)
    rows_per_line = 1 if mode == "none" else 2
    # One factor for both axes keeps the aspect; it fits both width and height.
    f = max(1, -(-A.shape[1] // width), -(-A.shape[0] // (rows_per_line * height)))
    values = _sample(A, masked, f) if A.size else np.zeros((0, 1, 0, 1))
    lo, hi = _limits(values, is_bool, vmin, vmax)
    x = _pool(_normalise(values, lo, hi), is_bool)

    if mode == "none":
        lines = _plain_lines(_levels(x, len(SHADES))) if A.size else []
    else:
        fg_codes, bg_codes = _colour_codes(table, mode)
        lines = _colour_lines(_levels(x, _LEVELS), fg_codes, bg_codes) if A.size else []

    if colorbar:
        low_label, high_label = f"{lo:.3g}", f"{hi:.3g}"
        if mode == "none":
            lines.append(f"{low_label} [{SHADES}] {high_label}")
        else:
            n = max(8, min(32, width - len(low_label) - len(high_label) - 2))
            levels = [int((i + 0.5) / n * _LEVELS) for i in range(n)]
            ramp = _colour_line([(_FULL, k, None) for k in levels], fg_codes, bg_codes,
                                end=f" {high_label}")
            lines.append(f"{low_label} {ramp}")
    return Text("\n".join(lines))
