"""Ralph's LRS app (``ralph.api:app``) on its filesystem backend, appending: run by
scripts/ralph_lrs.py inside Ralph's own virtual environment, never imported by the platform.

Why: the platform's statements carry ``extensions`` (the cmi5 and video profiles require
them), whose keys are IRIs with dots, which Ralph's MongoDB backend cannot store on FerretDB
(MongoDB before 5.0 refuses them too). Ralph's filesystem backend stores them, but as
shipped it writes its one statements file with the ``create`` operation, so only the first
POST succeeds; ``append`` is the operation its own data backend offers for adding lines.
"""
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402,F401  (after the switch: the router builds its backend at import)
