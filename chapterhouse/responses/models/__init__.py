"""The responses app's tables, one module per feature."""

from .bookmarks import Bookmark, BookmarkTag, ExternalWork, ExternalWorkTag
from .comments import Comment
from .hits import HitDay, HitVisit
from .inbox import InboxItem, InboxKind, Notification, NotificationKind
from .kudos import Kudos
from .readings import Reading
from .subscriptions import Subscription
from .tasks import WorkerLease

__all__ = [
    "Bookmark", "BookmarkTag", "Comment", "ExternalWork", "ExternalWorkTag", "HitDay",
    "HitVisit", "InboxItem", "InboxKind", "Kudos", "Notification", "NotificationKind",
    "Reading", "Subscription", "WorkerLease",
]
