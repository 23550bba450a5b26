"""Celery tasks of the policies app (found by Celery's autodiscovery here).

The work lives with its feature: the background CSV import in
``policies.imports.jobs``.
"""

from .imports.jobs import run_import

__all__ = ["run_import"]
