"""The one way a backup or a restore says no."""

from __future__ import annotations

from shop.errors import Refused


class BackupRefused(Refused):
    """The backup or restore was not done; the message says why and what to do.

    Raised before anything is changed (a restore verifies the whole archive and checks the
    target first), except where the message itself says what was left changed.
    """
