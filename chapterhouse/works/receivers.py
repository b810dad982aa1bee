"""What the works app does when another app deletes an account or a pseud.

Connected in ``apps.WorksConfig.ready``; the signals are sent inside the
deleting transaction, before the rows go.
"""

from __future__ import annotations

from .models import SeriesWork
from .services import creators, versions


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


# Versions (services/versions.py) --------------------------------------------


def on_series_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A series' title is on its works' blurbs."""
    if not raw and not created:
        versions.works_of_series_touched([instance.pk])


def on_work_row_changed(sender, instance, raw=False, **kwargs) -> None:
    """A place in a series or a gift was saved or deleted. A work joining or
    leaving a series can also change which places its siblings' blurbs show
    (an anonymous work beside named ones shows none)."""
    if raw or not instance.work_id:
        return
    versions.works_touched([instance.work_id])
    series_id = getattr(instance, "series_id", None)
    if series_id:
        versions.works_of_series_touched([series_id])


def on_tag_init(sender, instance, **kwargs) -> None:
    if "name" in instance.__dict__ and "type" in instance.__dict__:
        instance._blurb_shown = (instance.name, instance.type)


def on_tag_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """Blurbs show a tag's name, grouped by its type."""
    before = getattr(instance, "_blurb_shown", None)
    now = (instance.name, instance.type)
    instance._blurb_shown = now
    if raw or created or before == now:
        return
    versions.works_of_tag_touched(instance.pk)


def on_work_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A work turning anonymous (or back) changes which places in its series its
    siblings' blurbs show. (Its own version changed with the save.)"""
    before = instance.loaded_value("anonymous")
    now = instance.__dict__.get("anonymous")
    if raw or created or before is None or before == now:
        return
    versions.works_of_series_touched(
        SeriesWork.objects.filter(work_id=instance.pk).values_list("series_id", flat=True),
        saved_work_id=instance.pk,
    )
