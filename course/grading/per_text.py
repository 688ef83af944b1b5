"""Work on a cell's text done once per grading process.

A warm grading process (a class-grading job, or nbgrader grading a whole class)
grades many submissions whose instructor cells, hidden tests and lesson text are
the same: what is worked out from a text alone (its compiled code, the names it
binds, its Markdown made safe) is kept for the next submission. Only pure
functions of their arguments are kept this way, so nothing of one submission
reaches another but the same answer for the same text; a text longer than
:data:`LONGEST_KEPT` characters (a student's, most likely) is worked out each time,
so that the cache's memory stays bounded.
"""
import functools

LONGEST_KEPT = 20_000


def once_per_text(maxsize):
    """Decorator: ``function(text, *args)`` computed once per ``(text, *args)`` (hashable
    arguments) for texts of at most :data:`LONGEST_KEPT` characters, the ``maxsize`` most
    recent kept. Exceptions are not kept (they are raised again each time)."""
    def decorate(function):
        kept = functools.lru_cache(maxsize=maxsize)(function)

        @functools.wraps(function)
        def once(text, *args):
            return (kept if len(text) <= LONGEST_KEPT else function)(text, *args)

        once.cache_info, once.cache_clear = kept.cache_info, kept.cache_clear
        return once
    return decorate
