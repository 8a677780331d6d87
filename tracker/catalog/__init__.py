"""The framework catalogue: load, validate and look up scaling frameworks.

``model`` holds the framework itself (and how it is pinned), ``validation``
checks a file's text and reports every problem with its line, ``files`` reads
files from disk, ``loading`` finds them in the built-in and user folders.
Everything is importable from here.
"""

from tracker.catalog.files import builtin_dir, validate_file
from tracker.catalog.loading import Catalog, catalog_dirs
from tracker.catalog.model import (ID_RE, KINDS, SCIE_FACTORS_ID, VERSION_RE, Checkpoint,
                                   Framework, Stage)
from tracker.catalog.validation import validate_text

__all__ = ["Catalog", "Checkpoint", "Framework", "ID_RE", "KINDS", "SCIE_FACTORS_ID", "Stage",
           "VERSION_RE", "builtin_dir", "catalog_dirs", "validate_file", "validate_text"]
