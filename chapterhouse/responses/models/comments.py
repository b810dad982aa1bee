from django.conf import settings
from django.db import models
from django.db.models import Q


class Comment(models.Model):
    """A comment on a work (``chapter`` empty) or on one of its chapters, or a
    reply to another comment (``parent``). ``thread`` is the top comment of the
    thread (a top comment's ``thread`` is itself, set on creation); ``depth``
    is 0 for a top comment.

    From a user (``user`` and the ``pseud`` she chose) or a guest
    (``guest_name``, ``guest_email``). Deleting keeps the row when it has
    replies (``deleted``: shown as "(Previous comment deleted.)")."""

    work = models.ForeignKey("works.Work", on_delete=models.CASCADE, related_name="comments")
    chapter = models.ForeignKey(
        "works.Chapter", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="comments",
    )
    pseud = models.ForeignKey(
        "accounts.Pseud", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guest_name = models.CharField(max_length=100, blank=True)
    guest_email = models.EmailField(blank=True)
    guest_ip = models.GenericIPAddressField(null=True, blank=True)

    content = models.TextField(help_text="Sanitised HTML.")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    deleted = models.BooleanField(default=False)
    hidden_by_creator = models.BooleanField(default=False)
    hidden_by_admin = models.BooleanField(default=False)
    frozen = models.BooleanField(default=False, help_text="No more replies in this thread.")
    approved = models.BooleanField(
        default=True, help_text="False while it waits in a moderated work's queue."
    )
    spam = models.BooleanField(default=False)

    class Meta:
        ordering = ["thread_id", "created_at", "pk"]
        indexes = [
            models.Index(fields=["work", "thread", "created_at"], name="comment_work_thread"),
            models.Index(fields=["chapter", "thread"], name="comment_chapter_thread"),
            models.Index(fields=["user", "created_at"], name="comment_user_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(guest_name=""), name="comment_has_author"
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.work_id}"

    @property
    def is_guest(self) -> bool:
        return self.user_id is None
