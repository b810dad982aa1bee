"""Recording in the outbox, inside the writing transaction, every change to a
work that listings or search must learn of.

Model signals catch every save of a work, its credits and its tags, whichever
service made it; the events only name the works, and the indexer reads them
afresh from the database. Connected in ``apps.DiscoveryConfig.ready``.
Counter updates made with ``QuerySet.update`` send no signal: their services
call ``work_changed`` themselves.
"""

from __future__ import annotations

from .outbox import WORK_CHANGED, WORK_POSTED, outbox_record


def work_changed(work_ids, *, hits_only: bool = False, versioned: bool = False) -> None:
    """Record that ``work_ids`` changed, and give them a new version
    (works/services/versions.py), unless ``versioned``: the write that
    changed them drew one already (``Work.save``).

    ``hits_only``: only the works' hit counts changed (``hits_flush``). The
    index re-sorts them as usual; cached HTML leaves hit counts out, so the
    version stays; the HTTP cache keeps its copies until their time is up
    rather than dropping them on every flush (web/httpcache.py)."""
    ids = sorted({int(pk) for pk in work_ids})
    if ids:
        payload = {"work_ids": ids, "hits_only": True} if hits_only else {"work_ids": ids}
        outbox_record(topic=WORK_CHANGED, payload=payload)
        if not (hits_only or versioned):
            from chapterhouse.works.services.versions import works_touched

            works_touched(ids)


def on_work_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    work_changed([instance.pk], versioned=True)  # Work.save wrote a new version
    if instance.posted and (created or not instance.loaded_value("posted", False)):
        outbox_record(topic=WORK_POSTED, payload={"work_ids": [instance.pk]})


def on_work_deleted(sender, instance, **kwargs) -> None:
    work_changed([instance.pk])


def on_work_part_changed(sender, instance, raw=False, **kwargs) -> None:
    """A credit or a direct tag of a work was saved or deleted."""
    if not raw and instance.work_id:
        work_changed([instance.work_id])


def on_pseud_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or created:
        return
    from chapterhouse.works.models import Creatorship

    work_changed(Creatorship.objects.filter(pseud=instance).values_list("work_id", flat=True))


def on_user_init(sender, instance, **kwargs) -> None:
    if "username" in instance.__dict__:
        instance._discovery_username = instance.username


def on_user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A new user name is searchable as a creator name (a log-in saves the user
    too, so only a changed name counts)."""
    before = getattr(instance, "_discovery_username", None)
    instance._discovery_username = instance.username
    if raw or created or before is None or before == instance.username:
        return
    from chapterhouse.works.models import Creatorship

    work_changed(
        Creatorship.objects.filter(pseud__user=instance).values_list("work_id", flat=True)
    )
