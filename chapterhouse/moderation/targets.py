"""What a report or an admin action can be about: each ``TargetType`` and the
model behind it, in one place (reports, the audit log and the content
actions all look targets up here)."""

from __future__ import annotations

from .models import TargetType


def _models() -> dict[str, type]:
    # Imported here: the works and responses apps import moderation's guards.
    from chapterhouse.accounts.models import User
    from chapterhouse.responses.models import Bookmark, Comment
    from chapterhouse.works.models import Chapter, Work

    from .models import NewsComment, NewsPost

    return {
        TargetType.WORK: Work,
        TargetType.CHAPTER: Chapter,
        TargetType.COMMENT: Comment,
        TargetType.BOOKMARK: Bookmark,
        TargetType.USER: User,
        TargetType.NEWS: NewsPost,
        TargetType.NEWS_COMMENT: NewsComment,
    }


def target_model(target_type: str) -> type | None:
    return _models().get(target_type)


def target_type_of(obj) -> str:
    """The ``TargetType`` of a model instance, or "" for anything else."""
    if obj is None:
        return ""
    for key, model in _models().items():
        if isinstance(obj, model):
            return str(key)
    return ""


def target_object(target_type: str, target_id):
    """The target itself, or None when it is gone or the type is unknown."""
    model = target_model(target_type)
    try:
        return model.objects.filter(pk=int(target_id)).first() if model else None
    except (TypeError, ValueError):
        return None
