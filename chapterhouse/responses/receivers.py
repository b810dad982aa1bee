"""Signal handlers of the responses app."""

from __future__ import annotations

from django.db import transaction


def on_account_deleting(sender, *, user, **kwargs) -> None:
    """Before an account goes: remove its kudos and bookmarks, turn its
    comments that have replies into "(Previous comment deleted.)" placeholders
    (so the replies keep their thread) and delete the rest, then recount the
    works they were on, so no count still includes her."""
    from .models import Bookmark, Comment, Kudos
    from .services.bookmarks import bookmark_count_refresh
    from .services.comments import comment_count_refresh
    from .services.kudos import kudos_counts_recount

    with transaction.atomic():
        kudos_works = set(Kudos.objects.filter(user=user).values_list("work_id", flat=True))
        Kudos.objects.filter(user=user).delete()
        bookmark_works = set(
            Bookmark.objects.filter(user=user, work__isnull=False).values_list("work_id", flat=True)
        )
        Bookmark.objects.filter(user=user).delete()
        comments = Comment.objects.filter(user=user)
        comment_works = set(comments.values_list("work_id", flat=True))
        answered = comments.filter(replies__isnull=False).distinct()
        Comment.objects.filter(pk__in=list(answered.values_list("pk", flat=True))).update(
            user=None, pseud=None, guest_name="Deleted user", guest_email="", guest_ip=None,
            content="", deleted=True,
        )
        Comment.objects.filter(user=user).delete()
        kudos_counts_recount(work_ids=kudos_works)
        bookmark_count_refresh(work_ids=bookmark_works)
        for work_id in sorted(comment_works):
            comment_count_refresh(work_id=work_id)
