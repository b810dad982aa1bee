"""People: users, their pen names (pseuds), profiles and preferences."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from .validators import (
    PSEUD_NAME_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    pseud_name_validator,
    username_validator,
)


class User(AbstractUser):
    """An account. Everything a person makes is made under one of its pseuds."""

    username = models.CharField(
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[username_validator],
        error_messages={"unique": "That user name is already taken."},
    )
    email = models.EmailField("email address", blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:user", kwargs={"username": self.username})


class UsernameChange(models.Model):
    """A user's former name, kept so that old links to their pages still work."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="username_changes")
    old_username = models.CharField(max_length=USERNAME_MAX_LENGTH, db_index=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.old_username} → {self.user_id}"


ICON_FILE_EXTENSIONS = frozenset({"jpg", "png", "gif"})


def pseud_icon_path(instance: "Pseud", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ICON_FILE_EXTENSIONS:
        extension = "png"
    return f"icons/pseuds/{instance.user_id}/{instance.pk or 'new'}.{extension}"


class Pseud(models.Model):
    """A pen name. A user has at least one, and exactly one default."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pseuds")
    name = models.CharField(max_length=PSEUD_NAME_MAX_LENGTH, validators=[pseud_name_validator])
    description = models.TextField(blank=True, help_text="Sanitised HTML.")
    icon = models.ImageField(upload_to=pseud_icon_path, blank=True)
    icon_alt_text = models.CharField(max_length=250, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", Lower("name")]
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="pseud_name_unique_per_user"),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="one_default_pseud_per_user",
            ),
        ]

    def __str__(self) -> str:
        if self.name == self.user.username:
            return self.name
        return f"{self.name} ({self.user.username})"

    def get_absolute_url(self) -> str:
        return reverse(
            "accounts:pseud", kwargs={"username": self.user.username, "pseud": self.name}
        )


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    title = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=255, blank=True)
    about = models.TextField(blank=True, help_text="Sanitised HTML.")

    def __str__(self) -> str:
        return f"Profile of {self.user.username}"


class Theme(models.TextChoices):
    SYSTEM = "system", "Follow my device"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


class Preference(models.Model):
    """AO3's preference set. Later features read these; the page to change them is here."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="preference")
    # Reading
    view_adult = models.BooleanField(
        "Show me adult content without checking", default=False
    )
    hide_warnings = models.BooleanField(
        "Hide warnings (you can still choose to show them)", default=False
    )
    hide_freeform = models.BooleanField(
        "Hide additional tags (you can still choose to show them)", default=False
    )
    view_full_works = models.BooleanField("Show the whole work by default", default=False)
    disable_work_skins = models.BooleanField(
        "Hide work skins (you can still choose to show them)", default=False
    )
    theme = models.CharField(
        "Site theme", max_length=10, choices=Theme.choices, default=Theme.SYSTEM
    )
    time_zone = models.CharField("Time zone", max_length=64, default="UTC")
    # Privacy and consent
    allow_gifts = models.BooleanField("Allow others to give me works as gifts", default=True)
    allow_cocreator = models.BooleanField(
        "Allow others to invite me to be a co-creator", default=True
    )
    history_enabled = models.BooleanField("Keep my reading history", default=True)
    guest_replies_off = models.BooleanField(
        "Do not allow guests to reply to my comments", default=False
    )
    # Notifications
    comment_emails_off = models.BooleanField("Turn off emails about comments", default=False)
    comment_inbox_off = models.BooleanField(
        "Turn off messages to your inbox about comments", default=False
    )
    comment_copy_to_self_off = models.BooleanField(
        "Turn off copies of your own comments", default=True
    )
    kudos_emails_off = models.BooleanField("Turn off emails about kudos", default=False)
    subscription_emails_off = models.BooleanField(
        "Turn off emails from subscriptions", default=False
    )

    def __str__(self) -> str:
        return f"Preferences of {self.user.username}"


#: The most users one account may block (as AO3).
BLOCK_LIMIT = 2000


class Block(models.Model):
    """``blocker`` has blocked ``blocked``: the blocked user may not comment on
    the blocker's works, reply to her comments, give her works kudos, or give
    her gifts or co-creator invitations. Rules live in accounts/services.py and
    are checked through ``accounts.selectors.is_blocked``."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"
