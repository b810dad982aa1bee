"""What the works app does when another app deletes an account or a pseud.

Connected in ``apps.WorksConfig.ready``; the signals are sent inside the
deleting transaction, before the rows go.
"""

from __future__ import annotations

from .services import creators


def on_account_deleting(sender, *, user, works_choice, **kwargs) -> None:
    """``orphan``: every work is credited to orphan_account instead. ``delete``:
    works the user made alone are deleted; co-created ones stay with the others."""
    if works_choice == "orphan":
        creators.account_works_orphan(user=user)
    elif works_choice == "delete":
        creators.account_works_delete(user=user)


def on_pseud_deleting(sender, *, pseud, replacement, **kwargs) -> None:
    """Works and series credited to a deleted pseud move to its replacement."""
    creators.pseud_credits_move(pseud=pseud, replacement=replacement)
