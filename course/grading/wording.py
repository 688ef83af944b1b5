"""How a verdict names what the student's code made: in the grader's words.

Every name a call report carries (a result's type, an exception's class, a
dtype, the fields of a structured dtype) comes from the student's process,
where the student chooses it: a class named after a hidden input, field
names that spell out the inputs. A verdict names only Python's and NumPy's
own public classes, and dtypes by their kind; anything else is described
("an object of a type of your own", "a structured dtype").
"""
import builtins
import re
import sys

import numpy as np

OWN_EXCEPTION = "an exception of a class of its own"
OWN_TYPE = "an object of a type of your own"

# The labels the student's-process encoder gives what it cannot send (wire.py); a
# reply may carry any text there, so only these words are taken as they are.
_ENCODER_LABELS = {"object array": "an array of Python objects", "nested too deeply": "data nested too deeply"}

# Dtypes of these kinds are named (float64, int32...): the kind and item size decide the name.
_NAMED_KINDS = "biufc"
_KIND_PHRASES = {"U": "a string dtype", "S": "a bytes dtype", "M": "a datetime dtype", "m": "a timedelta dtype",
                 "O": "an object dtype", "V": "a structured or raw-bytes dtype"}
# A dtype as ``dtype.str`` spells it ("<f8", "|b1"): the only text parsed back into a dtype.
_TYPESTR = re.compile(r"[<>|=][biufc][0-9]{1,2}")


def public_class(type_name, base=object):
    """The class ``type_name`` (dotted, as :func:`course.grading.wire.type_name` makes it) names,
    if it is one of Python's or NumPy's own public classes and a subclass of ``base``; else None.
    Only modules already loaded here are looked in: naming a class imports nothing."""
    module, _, name = str(type_name).rpartition(".")
    parts = module.split(".")
    public = parts[0] == "numpy" and not any(part.startswith("_") for part in parts)
    owner = builtins if not module else sys.modules.get(module) if public else None
    found = getattr(owner, name, None) if owner is not None and name.isidentifier() else None
    if isinstance(found, type) and issubclass(found, base) and found.__name__ == name and not name.startswith("_"):
        return found
    return None


def public_exception_name(type_name, classes=()):
    """The first of ``type_name`` and its base ``classes`` (names, as the probe reports
    them) that is one of Python's or NumPy's own public exception classes, or a
    description: a student's class name is the student's text, and could spell
    out a hidden input."""
    for candidate in (type_name, *classes):
        if public_class(candidate, BaseException) is not None:
            return candidate
    return OWN_EXCEPTION


def _article(name):
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def type_phrase(type_name):
    """A type as a verdict names it, with its article: "a list", "a numpy.float64", or a description."""
    if public_class(type_name) is not None:
        return _article(str(type_name))
    return OWN_TYPE


def opaque_phrase(type_name):
    """What the student's process could not send (a :class:`course.grading.wire.Opaque` of this label)."""
    return _ENCODER_LABELS.get(type_name) or type_phrase(type_name)


def dtype_phrase(dtype, kind=None):
    """A dtype as a verdict names it: "dtype float64", or its kind in words ("a structured dtype").

    ``dtype`` is a NumPy dtype (decoded from the student's process: its field names are
    the student's) or the report's text for one (``dtype.str``), with ``kind`` its kind character.
    """
    if isinstance(dtype, str):
        try:
            dtype = np.dtype(dtype) if _TYPESTR.fullmatch(dtype) else None
        except TypeError:  # "<f3": the right letters, no such dtype
            dtype = None
        if dtype is None:
            return _KIND_PHRASES.get(kind, "a dtype of its own")
    if getattr(dtype, "names", None) is not None:
        return "a structured dtype"
    if dtype.kind in _NAMED_KINDS:
        return f"dtype {dtype.name}"
    return _KIND_PHRASES.get(dtype.kind, "a dtype of its own")
