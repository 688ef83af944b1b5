"""Grading: the checks that hidden tests call, and the isolated executor behind them.

Hidden tests import from here::

    from course.grading import check, check_vectorized, check_value
    from course.grading import construct, attribute, stand_in   # for classes and collaborators
    from course.grading import accepts, number, numbers, optional   # what a stand-in's methods accept
"""
from .checks import GradingFailure, attribute, check, check_value, check_vectorized, construct, difference
from .stand_in import accepts, number, numbers, optional, stand_in

__all__ = ["GradingFailure", "attribute", "check", "check_value", "check_vectorized", "construct",
           "difference", "stand_in", "accepts", "number", "numbers", "optional"]
