"""Tests for tools.py (the student helpers sysinfo, info, timeit, imshow)."""

import dataclasses
import datetime
import gc
import importlib.metadata
import re
import sys
import time
import tracemalloc
import types
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:  # tools.py lives at the repository root
    sys.path.insert(0, ROOT)

import _tools_render  # noqa: E402
from tools import TimeitResult, imshow, info, sysinfo, timeit  # noqa: E402

ESC = "\x1b"
SGR = re.compile(r"\x1b\[[0-9;]*m")
RESET = "\x1b[0m"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """Make colour detection and the autograder cap independent of the shell."""
    for name in ("NO_COLOR", "COLORTERM", "NBGRADER_EXECUTION", "COURSE_TIMEIT_BUDGET"):
        monkeypatch.delenv(name, raising=False)


def fake_ipython(monkeypatch, execution_count=1):
    """Pretend to run inside IPython; return the fake shell."""
    shell = types.SimpleNamespace(execution_count=execution_count)
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", module)
    return shell


# ---------------------------------------------------------------------------
# imshow: plain text
# ---------------------------------------------------------------------------

def test_imshow_plain_2x3_exact_text():
    Z = np.array([[0, 1, 2], [2, 3, 4]])
    assert imshow(Z, color="none") == "·░▒\n▒▓█"


def test_imshow_prints_the_returned_text(capsys):
    text = imshow(np.array([[0, 1, 2], [2, 3, 4]]), color="none")
    assert capsys.readouterr().out == text + "\n"


def test_imshow_1d_array_is_one_row():
    assert imshow(np.arange(3), color="none") == "·▒█"


def test_imshow_row_zero_is_at_the_top():
    assert imshow(np.array([[0, 0], [1, 1]]), color="none") == "··\n██"


def test_imshow_explicit_vmin_zero_is_respected():
    Z = np.array([[5, 10]])
    assert imshow(Z, color="none") == "·█"
    assert imshow(Z, vmin=0, color="none") == "▒█"


def test_imshow_explicit_vmax_zero_is_respected():
    Z = np.array([[-10, -5]])
    assert imshow(Z, color="none") == "·█"
    assert imshow(Z, vmax=0, color="none") == "·▒"


def test_imshow_values_outside_vmin_vmax_are_clipped():
    assert imshow(np.array([[-5, 0, 1, 7]]), vmin=0, vmax=1, color="none") == "··██"


def test_imshow_constant_array_uses_the_middle_shade():
    assert imshow(np.full((2, 3), 7.0), color="none") == "▒▒▒\n▒▒▒"


def test_imshow_constant_array_in_colour_does_not_crash():
    text = imshow(np.full((2, 2), 7.0), color="256")
    assert text.count("▀") == 2 and text.endswith(RESET)


def test_imshow_nan_is_blank_and_vmin_a_dot_in_plain_mode():
    assert imshow(np.array([[0.0, np.nan, 1.0]]), color="none") == "· █"


def test_imshow_infinities_clip_to_bottom_and_top():
    Z = np.array([[-np.inf, 0.0, 1.0, np.inf]])
    assert imshow(Z, color="none") == "··██"


def test_imshow_all_nan_array_does_not_crash():
    assert imshow(np.full((1, 2), np.nan), color="none") == "  "


def test_imshow_bool_maps_false_low_and_true_high():
    assert imshow(np.array([[False, True]]), color="none") == "·█"
    assert imshow(np.ones((1, 2), dtype=bool), color="none") == "██"


def test_imshow_empty_array_gives_empty_text(capsys):
    assert imshow(np.zeros((0, 3)), color="none") == ""
    assert capsys.readouterr().out == ""


def test_imshow_accepts_nested_lists():
    assert imshow([[0, 1]], color="none") == "·█"


# ---------------------------------------------------------------------------
# imshow: colour
# ---------------------------------------------------------------------------

def test_imshow_256_colour_exact_escapes_for_0_and_1():
    text = imshow(np.array([[0, 1]]), vmin=0, vmax=1, color="256")
    assert text == "\x1b[38;5;53m▀\x1b[38;5;220m▀\x1b[0m"


def test_imshow_truecolor_exact_escapes_for_0_and_1():
    text = imshow(np.array([[0, 1]]), vmin=0, vmax=1, color="truecolor")
    assert text == "\x1b[38;2;68;1;84m▀\x1b[38;2;253;231;37m▀\x1b[0m"


def test_imshow_other_colormap_names_come_from_matplotlib():
    matplotlib = pytest.importorskip("matplotlib")
    r, g, b = np.rint(np.array(matplotlib.colormaps["magma"](0.0)[:3]) * 255).astype(int)
    text = imshow(np.array([[0, 1]]), cmap="magma", color="truecolor")
    assert text.startswith(f"\x1b[38;2;{r};{g};{b}m▀")


def test_imshow_gray_colormap_goes_from_black_to_white():
    text = imshow(np.array([[0, 1]]), cmap="gray", color="truecolor")
    assert text == "\x1b[38;2;0;0;0m▀\x1b[38;2;255;255;255m▀\x1b[0m"


def test_imshow_colour_top_row_is_foreground_and_next_row_background():
    text = imshow(np.array([[0], [1]]), color="256")
    assert text == "\x1b[38;5;53m\x1b[48;5;220m▀\x1b[0m"


def test_imshow_colour_odd_last_row_has_default_background():
    lines = imshow(np.array([[0], [1], [0]]), color="256").split("\n")
    assert lines == ["\x1b[38;5;53m\x1b[48;5;220m▀\x1b[0m", "\x1b[38;5;53m▀\x1b[0m"]


def test_imshow_colour_nan_is_blank_with_default_colours():
    assert imshow(np.array([[np.nan, 0.0]]), vmin=0, vmax=1, color="256") == " \x1b[38;5;53m▀\x1b[0m"


def test_imshow_colour_nan_above_a_value_uses_lower_half_block():
    assert imshow(np.array([[np.nan], [0.0]]), vmin=0, vmax=1, color="256") == "\x1b[38;5;53m▄\x1b[0m"


def test_imshow_every_colour_line_ends_with_reset():
    Z = np.random.default_rng(0).random((5, 7))
    for mode in ("256", "truecolor"):
        for line in imshow(Z, color=mode, colorbar=True).split("\n"):
            assert line.endswith(RESET)


def test_imshow_uses_only_sgr_escapes_never_palette_osc():
    Z = np.array([[0.0, np.nan, np.inf], [-np.inf, 2.0, 1.0], [3.0, 4.0, 5.0]])
    for mode in ("256", "truecolor", "none"):
        text = imshow(Z, color=mode, colorbar=True)
        assert ESC + "]" not in text
        assert ESC not in SGR.sub("", text)


def test_imshow_colorbar_in_colour_has_labels_at_both_ends():
    last = imshow(np.array([[0.5, 2.0]]), color="256", colorbar=True).split("\n")[-1]
    plain = SGR.sub("", last)
    assert plain.startswith("0.5 █") and plain.endswith("█ 2")


# ---------------------------------------------------------------------------
# imshow: colour choice
# ---------------------------------------------------------------------------

def test_imshow_auto_colour_is_plain_when_stdout_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr(_tools_render, "_stdout_is_terminal", lambda: False)
    assert ESC not in imshow(np.array([[0, 1]]))


def test_imshow_auto_colour_in_terminal_is_256_colours(monkeypatch):
    monkeypatch.setattr(_tools_render, "_stdout_is_terminal", lambda: True)
    assert "\x1b[38;5;" in imshow(np.array([[0, 1]]))


def test_imshow_auto_colour_uses_24_bit_when_colorterm_says_so(monkeypatch):
    monkeypatch.setattr(_tools_render, "_stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLORTERM", "truecolor")
    assert "\x1b[38;2;" in imshow(np.array([[0, 1]]))


def test_imshow_auto_colour_inside_jupyter(monkeypatch):
    monkeypatch.setattr(_tools_render, "_stdout_is_terminal", lambda: False)
    fake_ipython(monkeypatch)
    assert "\x1b[38;5;" in imshow(np.array([[0, 1]]))


def test_imshow_no_color_environment_variable_disables_colour(monkeypatch):
    monkeypatch.setattr(_tools_render, "_stdout_is_terminal", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert imshow(np.array([[0, 1]])) == "·█"


def test_imshow_color_false_means_plain():
    assert imshow(np.array([[0, 1]]), color=False) == "·█"


def test_imshow_rejects_unknown_color_mode():
    with pytest.raises(ValueError, match="color"):
        imshow(np.array([[0, 1]]), color="rainbow")


# ---------------------------------------------------------------------------
# imshow: size, colorbar, errors
# ---------------------------------------------------------------------------

def test_imshow_downsamples_wide_arrays_to_width_keeping_aspect():
    lines = imshow(np.zeros((10, 100)), color="none", width=20).split("\n")
    assert len(lines) == 2 and all(len(line) == 20 for line in lines)


def test_imshow_downsampling_averages_blocks_ignoring_nan():
    Z = np.array([[np.nan, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    assert imshow(Z, color="none", width=2) == "·█"


def test_imshow_colorbar_plain_shows_ramp_and_3_significant_digits():
    text = imshow(np.array([[0, 1]]), vmin=1 / 3, vmax=12345.6, color="none", colorbar=True)
    assert text.split("\n")[-1] == "0.333 [·░▒▓█] 1.23e+04"


def test_imshow_colorbar_labels_default_to_data_range():
    text = imshow(np.array([[0.5, 2.0]]), color="none", colorbar=True)
    assert text == "·█\n0.5 [·░▒▓█] 2"


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 1, 1, 1)])
def test_imshow_rejects_more_than_2d_naming_the_shape(shape):
    with pytest.raises(ValueError, match=re.escape(str(shape))) as error:
        imshow(np.zeros(shape), color="none")
    assert "2-D slice" in str(error.value)


def test_imshow_rejects_0d_arrays():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        imshow(np.array(1.0), color="none")


def test_imshow_rejects_complex_arrays():
    with pytest.raises(TypeError, match="complex"):
        imshow(np.ones((2, 2), dtype=complex), color="none")


def test_imshow_rejects_object_arrays():
    with pytest.raises(TypeError, match="object"):
        imshow(np.array([[1, None]], dtype=object), color="none")


def test_imshow_rejects_vmin_larger_than_vmax():
    with pytest.raises(ValueError, match="vmin"):
        imshow(np.array([[0, 1]]), vmin=2, vmax=1, color="none")


def test_imshow_unknown_colormap_lists_available_names():
    with pytest.raises(ValueError, match="viridis") as error:
        imshow(np.array([[0, 1]]), cmap="no-such-colormap", color="none")
    assert "gray" in str(error.value)


# ---------------------------------------------------------------------------
# imshow: extreme values, large arrays, sparse bools (the expert review, issue 12)
# ---------------------------------------------------------------------------

def test_imshow_value_at_vmin_is_visible_in_plain_mode():
    assert imshow(np.zeros((1, 3)), vmin=0, vmax=1, color="none") == "···"


def test_imshow_whole_float_range_does_not_overflow():
    # vmax - vmin is larger than the largest double: it used to give NaN, then a cast error.
    Z = np.array([-1.7e308, 0.0, 1.7e308])
    assert imshow(Z, color="none") == "·▒█"
    assert imshow(Z, color="256").count("▀") == 3


def test_imshow_block_holding_both_infinities_is_drawn_not_missing():
    # Values are clipped to vmin..vmax before a block is averaged: -inf and +inf give the middle.
    Z = np.array([[-np.inf, np.inf, 0.0, 0.0, 1.0, 1.0]])
    assert imshow(Z, color="none", width=3) == "▒·█"


def test_imshow_tall_arrays_are_reduced_to_height_lines():
    assert len(imshow(np.zeros((2000, 2)), color="none").split("\n")) <= 40
    assert len(imshow(np.zeros((2000, 2)), color="256").split("\n")) <= 40
    assert len(imshow(np.arange(100.0).reshape(100, 1), color="none", height=5).split("\n")) == 5


def test_imshow_rejects_a_height_below_one():
    with pytest.raises(ValueError, match="height"):
        imshow(np.zeros((2, 2)), color="none", height=0)


def test_imshow_single_true_in_a_wide_bool_array_stays_visible():
    Z = np.zeros((10, 1000), dtype=bool)
    Z[3, 500] = True
    assert "█" in imshow(Z, color="none")


def test_imshow_large_array_is_downsampled_before_it_is_converted():
    Z = np.ones((4000, 4000), dtype=np.float32)   # 64 MiB; as float64 it was 128 MiB more
    tracemalloc.start()
    try:
        imshow(Z, color="none")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20


def test_imshow_huge_broadcast_view_is_never_materialised():
    # 10**10 elements that take 800 kB: converting them first raised MemoryError (74.5 GiB).
    Z = np.broadcast_to(np.arange(100_000.0), (100_000, 100_000))
    lines = imshow(Z, color="none").split("\n")
    assert len(lines) == 40 and lines[0][0] == "·" and lines[0][-1] == "█"


# ---------------------------------------------------------------------------
# info
# ---------------------------------------------------------------------------

def test_info_1d_array_exact_text(capsys):
    expected = "\n".join([
        "Interface",
        "  shape:       (10,)",
        "  ndim:        1",
        "  dtype:       int64",
        "  size:        10",
        "  order:       ☑ C  ☑ F",
        "Memory",
        "  item size:   8 B",
        "  array size:  80 B",
        "  strides:     (8,)",
        "  byte order:  little-endian (native)",
        "Properties",
        "  owns data:   ☑ yes",
        "  view of:     –",
        "  writeable:   ☑ yes",
        "  aligned:     ☑ yes",
    ])
    assert info(np.arange(10, dtype=np.int64)) == expected
    assert capsys.readouterr().out == expected + "\n"


def test_info_0d_array():
    lines = info(np.array(3.0)).split("\n")
    assert "  shape:       ()" in lines
    assert "  ndim:        0" in lines
    assert "  size:        1" in lines
    assert "  strides:     ()" in lines
    assert "  order:       ☑ C  ☑ F" in lines


def test_info_empty_array_is_both_c_and_f_contiguous():
    assert "  order:       ☑ C  ☑ F" in info(np.empty((0, 3))).split("\n")


def test_info_fortran_array():
    lines = info(np.asfortranarray(np.zeros((2, 3), dtype=np.float64))).split("\n")
    assert "  order:       ☐ C  ☑ F" in lines
    assert "  strides:     (8, 16)" in lines
    assert "  owns data:   ☑ yes" in lines


def test_info_strided_view_shows_strides_and_base():
    Z = np.arange(24, dtype=np.int64)
    lines = info(Z[::2]).split("\n")
    assert "  strides:     (16,)" in lines
    assert "  order:       ☐ C  ☐ F" in lines
    assert "  owns data:   ☐ no" in lines
    assert "  view of:     int64 array of shape (24,)" in lines


def test_info_transpose_is_an_f_ordered_view():
    lines = info(np.zeros((3, 4), dtype=np.int32).T).split("\n")
    assert "  order:       ☐ C  ☑ F" in lines
    assert "  view of:     int32 array of shape (3, 4)" in lines


def test_info_broadcast_view_has_zero_stride_and_is_read_only():
    lines = info(np.broadcast_to(np.arange(4, dtype=np.int64), (3, 4))).split("\n")
    assert "  strides:     (0, 8)" in lines
    assert "  writeable:   ☐ no" in lines
    assert "  view of:     int64 array of shape (4,)" in lines


def test_info_as_strided_of_a_view_names_the_memory_owner():
    Z = np.arange(24, dtype=np.int64)
    V = as_strided(Z[::2], shape=(3, 3), strides=(16, 0))
    lines = info(V).split("\n")
    assert "  strides:     (16, 0)" in lines
    assert "  view of:     int64 array of shape (24,)" in lines


def test_info_structured_dtype():
    Z = np.zeros(3, dtype=[("x", "<f8"), ("y", "<i4")])
    lines = info(Z).split("\n")
    assert "  dtype:       [('x', '<f8'), ('y', '<i4')]" in lines
    assert "  item size:   12 B" in lines


def test_info_read_only_array():
    Z = np.arange(3)
    Z.flags.writeable = False
    assert "  writeable:   ☐ no" in info(Z).split("\n")


def test_info_large_array_size_in_bytes_and_mib():
    assert "  array size:  8,000,000 B (7.6 MiB)" in info(np.zeros(10**6)).split("\n")


def test_info_sizes_beyond_tebibytes_use_larger_units():
    Z = np.broadcast_to(np.zeros(1, dtype=np.int8), (2**62,))
    assert "  array size:  4,611,686,018,427,387,904 B (4.0 EiB)" in info(Z).split("\n")


def test_info_shows_the_byte_order():
    native = f"{sys.byteorder}-endian (native)"
    assert f"  byte order:  {native}" in info(np.zeros(2, dtype=np.float64)).split("\n")
    swapped = np.zeros(2, dtype=np.dtype(np.int32).newbyteorder())
    other = "big" if sys.byteorder == "little" else "little"
    assert f"  byte order:  {other}-endian" in info(swapped).split("\n")
    assert "  byte order:  –" in info(np.zeros(2, dtype=np.int8)).split("\n")
    mixed = np.zeros(2, dtype=[("a", "<i4"), ("b", ">i4")])
    assert "  byte order:  mixed" in info(mixed).split("\n")


def test_info_accepts_numpy_scalars_as_0d_arrays():
    lines = info(np.float32(1.5)).split("\n")
    assert lines[0] == "a NumPy scalar (float32), shown as a 0-d array"
    assert "  shape:       ()" in lines and "  dtype:       float32" in lines
    with pytest.raises(TypeError):
        info(1.5)   # a Python float has no array memory to describe


def test_info_rejects_a_list_suggesting_asarray():
    with pytest.raises(TypeError, match=r"np\.asarray"):
        info([1, 2, 3])


# ---------------------------------------------------------------------------
# timeit
# ---------------------------------------------------------------------------

def test_timeit_callable_returns_consistent_result(capsys):
    result = timeit(lambda: sum(range(10)), max_time=0.05)
    assert isinstance(result, TimeitResult)
    assert result.loops >= 1 and result.repeats == len(result.timings) >= 1
    assert all(t > 0 for t in result.timings)
    assert result.best <= result.mean
    assert capsys.readouterr().out == str(result) + "\n"


def test_timeit_string_sees_callers_local_variables():
    local_array = np.arange(100)
    result = timeit("local_array.sum()", max_time=0.05)
    assert result.repeats >= 1


def test_timeit_string_with_explicit_globals():
    result = timeit("x * 2", {"x": 21}, max_time=0.05)
    assert result.repeats >= 1


def test_timeit_string_setup_defines_names_for_stmt():
    result = timeit("y + 1", {}, setup="y = 41", max_time=0.05)
    assert result.repeats >= 1


def test_timeit_callable_setup_runs_once_per_repeat():
    calls = []
    result = timeit(lambda: None, setup=lambda: calls.append(1), number=5, repeat=3, max_time=1.0)
    assert result.loops == 5
    assert len(calls) == result.repeats == 3


def test_timeit_exceptions_propagate_unchanged():
    error = KeyError("boom")

    def fail():
        raise error

    with pytest.raises(KeyError) as caught:
        timeit(fail, max_time=0.05)
    assert caught.value is error
    with pytest.raises(ZeroDivisionError):
        timeit("1 / 0", max_time=0.05)
    assert gc.isenabled()


def test_timeit_disables_gc_while_timing_and_restores_it():
    states = []
    timeit(lambda: states.append(gc.isenabled()), number=1, repeat=1, max_time=0.05)
    assert states == [False]
    assert gc.isenabled()


def test_timeit_total_time_is_bounded_by_max_time():
    start = time.perf_counter()
    result = timeit(lambda: time.sleep(0.001), max_time=0.3)
    assert time.perf_counter() - start < 1.5
    assert result.repeats >= 1


def test_timeit_single_slow_call_runs_exactly_once():
    start = time.perf_counter()
    result = timeit(lambda: time.sleep(0.15), max_time=0.1)
    assert (result.loops, result.repeats) == (1, 1)
    assert time.perf_counter() - start < 0.5


def test_timeit_reduces_repeats_rather_than_overrunning():
    result = timeit(lambda: time.sleep(0.05), max_time=0.2, repeat=7)
    assert result.loops == 1
    assert 1 <= result.repeats < 7


def test_timeit_autograder_caps_max_time(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    start = time.perf_counter()
    timeit(lambda: time.sleep(0.001), max_time=10.0)
    assert time.perf_counter() - start < 0.6


def test_timeit_budget_variable_replaces_max_time(monkeypatch):
    monkeypatch.setenv("COURSE_TIMEIT_BUDGET", "0.05")
    start = time.perf_counter()
    timeit(lambda: time.sleep(0.001), max_time=5.0)
    assert time.perf_counter() - start < 0.6   # 5 s of budget took about 1.5 s before


def test_timeit_budget_variable_unset_changes_nothing():
    assert _tools_render.time_budget(2.0) == 2.0


def test_timeit_budget_variable_is_still_capped_when_autograding(monkeypatch):
    monkeypatch.setenv("COURSE_TIMEIT_BUDGET", "0.02")
    assert _tools_render.time_budget(2.0) == 0.02
    monkeypatch.setenv("COURSE_TIMEIT_BUDGET", "0.5")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert _tools_render.time_budget(2.0) == 0.1


@pytest.mark.parametrize("value", ["", "soon", "0", "-1", "nan", "inf"])
def test_timeit_budget_variable_must_be_a_positive_number(monkeypatch, value):
    monkeypatch.setenv("COURSE_TIMEIT_BUDGET", value)
    with pytest.raises(ValueError, match="COURSE_TIMEIT_BUDGET"):
        timeit(lambda: None)


def test_timeit_rejects_a_statement_that_is_neither_string_nor_callable():
    with pytest.raises(TypeError, match="stmt"):
        timeit(42)


def test_timeit_result_string_like_ipython_with_best():
    result = TimeitResult(loops=100, repeats=3, timings=(0.0112, 0.0114, 0.0116))
    assert str(result) == (
        "11.4 ms ± 163 µs per loop (mean ± std. dev. of 3 runs, 100 loops each); best 11.2 ms"
    )


def test_timeit_result_string_singular_forms_and_thousands_separator():
    assert str(TimeitResult(loops=1, repeats=1, timings=(1.5,))) == (
        "1.50 s ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each); best 1.50 s"
    )
    assert "1,000,000 loops each" in str(TimeitResult(1_000_000, 1, (2.5e-8,)))


@pytest.mark.parametrize("seconds, text", [
    (1.5, "1.50 s"),
    (12.345, "12.3 s"),
    (0.0009996, "1.00 ms"),
    (123.456e-6, "123 µs"),
    (2.5e-8, "25.0 ns"),
    (0.0, "0 ns"),
])
def test_time_units_have_3_significant_digits(seconds, text):
    assert _tools_render._format_seconds(seconds) == text


def test_timeit_result_statistics():
    result = TimeitResult(loops=10, repeats=2, timings=(1.0, 3.0))
    assert (result.best, result.mean, result.std) == (1.0, 2.0, 1.0)


def test_timeit_result_speedup_over_uses_best_times():
    fast = TimeitResult(loops=1, repeats=2, timings=(0.5, 0.75))
    slow = TimeitResult(loops=1, repeats=1, timings=(5.0,))
    assert fast.speedup_over(slow) == 10.0
    assert slow.speedup_over(fast) == 0.1


def test_timeit_result_is_frozen():
    result = TimeitResult(loops=1, repeats=1, timings=(1.0,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.loops = 2


def test_timeit_result_rejects_repeats_not_matching_timings():
    with pytest.raises(ValueError, match="repeats"):
        TimeitResult(loops=1, repeats=3, timings=(1.0,))


# ---------------------------------------------------------------------------
# sysinfo
# ---------------------------------------------------------------------------

SYSINFO_KEYS = ["date", "Python", "NumPy", "Matplotlib", "SciPy", "IPython", "nbgrader",
                "platform", "machine", "CPU count"]


def test_sysinfo_returns_keys_in_order_with_string_values(capsys):
    report = sysinfo()
    assert list(report) == SYSINFO_KEYS
    assert all(isinstance(value, str) for value in report.values())
    assert report["NumPy"] == np.__version__
    assert report["date"] == datetime.date.today().isoformat()
    out = capsys.readouterr().out
    assert all(key in out for key in SYSINFO_KEYS)


def test_sysinfo_reports_missing_package_as_not_installed(monkeypatch):
    real_version = importlib.metadata.version

    def version(name):
        if name == "scipy":
            raise importlib.metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    assert sysinfo()["SciPy"] == "not installed"


def test_sysinfo_survives_broken_package_metadata(monkeypatch):
    def version(name):
        raise RuntimeError("broken metadata")

    monkeypatch.setattr(importlib.metadata, "version", version)
    report = sysinfo()
    assert report["Matplotlib"] == "unknown"


# ---------------------------------------------------------------------------
# IPython: a printed value is not shown again as Out[n] in the same cell
# ---------------------------------------------------------------------------

def test_printed_value_is_not_redisplayed_in_the_same_ipython_cell(monkeypatch, capsys):
    shell = fake_ipython(monkeypatch, execution_count=5)
    text = info(np.arange(3))
    capsys.readouterr()
    text._ipython_display_()
    assert capsys.readouterr().out == ""
    shell.execution_count = 6
    text._ipython_display_()
    assert capsys.readouterr().out == text + "\n"


# ---------------------------------------------------------------------------
# What a student opens beside the notebook
# ---------------------------------------------------------------------------

def test_tools_py_is_a_short_facade_with_the_machinery_beside_it():
    # Students read tools.py next to the notebook: the four helpers, not the colour escapes.
    lines = (Path(ROOT) / "tools.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 260
    assert not any("\\x1b" in line for line in lines)
