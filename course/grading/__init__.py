"""Grading: the checks that hidden tests call, and the isolated executor behind them.

Hidden tests import from here::

    from course.grading import check, check_vectorized, check_value
"""
from .checks import GradingFailure, check, check_value, check_vectorized, difference

__all__ = ["GradingFailure", "check", "check_value", "check_vectorized", "difference"]
