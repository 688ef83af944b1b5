"""nbgrader's check of the cells' grading metadata, with its JSON schema compiled once.

nbgrader's ``CheckCellMetadata`` validates every cell with ``jsonschema.validate``,
which checks the schema itself again before each cell: about 0.6 s of CPU per
notebook of this course, twice per submission (after the sanitizing and after the
autograding preprocessors), a fifth of what grading a warmup submission costs.
:class:`CheckCellMetadataOnce` accepts and rejects the same notebooks with the same
errors (``jsonschema.validate`` raises the best match too), from one validator per
process.
"""
import traceback

import jsonschema
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator, SchemaTooNewError, SchemaTooOldError
from nbgrader.preprocessors import CheckCellMetadata


_COMPILED = {}   # schema version -> the validator of nbgrader's schema of that version


class _ValidateWithCompiledSchema(BaseMetadataValidator):
    """``BaseMetadataValidator.validate_cell`` with the schema compiled once."""

    def __init__(self):
        super().__init__()
        if self.schema_version not in _COMPILED:
            validator_class = jsonschema.validators.validator_for(self.schema)
            validator_class.check_schema(self.schema)   # what jsonschema.validate repeats for every cell
            _COMPILED[self.schema_version] = validator_class(self.schema)

    def validate_cell(self, cell):
        if "nbgrader" not in cell.metadata:
            return
        version = cell.metadata["nbgrader"].get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError(f"Outdated schema version: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        if version > self.schema_version:
            raise SchemaTooNewError(f"Schema version is too new: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        validator = _COMPILED[self.schema_version]
        error = jsonschema.exceptions.best_match(validator.iter_errors(cell.metadata["nbgrader"]))
        if error is not None:
            raise error


class MetadataValidatorCompiled(MetadataValidator, _ValidateWithCompiledSchema):
    """nbgrader's current validator; its own checks call the compiled one above (method order:
    MetadataValidatorV3, then _ValidateWithCompiledSchema, then BaseMetadataValidator)."""


class CheckCellMetadataOnce(CheckCellMetadata):
    """``CheckCellMetadata`` with the schema checked once per process, not once per cell."""

    def preprocess(self, nb, resources):
        try:
            MetadataValidatorCompiled().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            message = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(message)
            raise ValidationError(message)
        return nb, resources
