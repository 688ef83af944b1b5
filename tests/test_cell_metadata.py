"""CheckCellMetadataOnce (course.grading.cell_metadata) judges every notebook as nbgrader's
CheckCellMetadata does: the course's notebooks pass both, each corruption fails both with
the same exception and message."""
import copy
import logging

import pytest
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata

from course import notebooks
from course.grading.cell_metadata import CheckCellMetadataOnce, MetadataValidatorCompiled
from course.layout import Course

SECTIONS = Course().sections()


def _graded_cells(nb):
    return [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]


def _set(key, value):
    def corrupt(nb):
        _graded_cells(nb)[0].metadata["nbgrader"][key] = value
    return corrupt


def _delete(key):
    def corrupt(nb):
        del _graded_cells(nb)[0].metadata["nbgrader"][key]
    return corrupt


def _duplicate_id(nb):
    first, second = _graded_cells(nb)[:2]
    second.metadata["nbgrader"]["grade_id"] = first.metadata["nbgrader"]["grade_id"]


def _markdown_grade_cell(nb):
    _graded_cells(nb)[0].cell_type = "markdown"


CORRUPTIONS = {
    "points as text": _set("points", "many"),
    "negative points": _set("points", -1),
    "grade as a string": _set("grade", "yes"),
    "grade id of the wrong type": _set("grade_id", 7),
    "an unknown key": _set("bonus", True),
    "schema version too old": _set("schema_version", 2),
    "schema version too new": _set("schema_version", 4),
    "no grade id": _delete("grade_id"),
    "no points": _delete("points"),
    "a duplicated grade id": _duplicate_id,
    "a changed cell type": _markdown_grade_cell,
}


def _verdict(preprocessor, nb):
    """None if the notebook passes, else (exception type, message)."""
    try:
        preprocessor(log=logging.getLogger("test")).preprocess(copy.deepcopy(nb), {})
    except Exception as error:  # noqa: BLE001 - the verdict is what is compared
        return type(error), str(error)
    return None


def _detail(validator, nb):
    try:
        validator().validate_nb(copy.deepcopy(nb))
    except Exception as error:  # noqa: BLE001
        return type(error), str(error)
    return None


@pytest.fixture(scope="module")
def release_notebooks():
    return {section: notebooks.read(Course().release(section)) for section in SECTIONS}


@pytest.mark.parametrize("section", SECTIONS)
def test_the_course_notebooks_pass_both(release_notebooks, section):
    nb = release_notebooks[section]
    assert _verdict(CheckCellMetadata, nb) is None
    assert _verdict(CheckCellMetadataOnce, nb) is None


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_corruption_fails_both_alike(release_notebooks, corruption):
    nb = copy.deepcopy(release_notebooks["warmup"])
    CORRUPTIONS[corruption](nb)
    stock = _verdict(CheckCellMetadata, nb)
    assert stock is not None, "the corruption must be one that nbgrader rejects"
    assert _verdict(CheckCellMetadataOnce, nb) == stock
    # and the underlying reason (what the log shows) is the same too
    assert _detail(MetadataValidatorCompiled, nb) == _detail(MetadataValidator, nb)


def test_the_compiled_check_replaces_only_the_schema_step():
    # nbgrader's checks of the current schema run, and they call the compiled schema check
    names = [cls.__name__ for cls in MetadataValidatorCompiled.__mro__[:4]]
    assert names == ["MetadataValidatorCompiled", MetadataValidator.__name__, "_ValidateWithCompiledSchema",
                     BaseMetadataValidator.__name__]
