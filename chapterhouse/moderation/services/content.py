"""Admins' actions on content: hide, un-hide, delete, mark as spam.

Targets are works, chapters, comments, bookmarks and news comments. Every
action here:

- is refused (``PermissionDenied``) unless the actor may handle reports;
- changes the flags in one transaction, together with an audit entry (the
  flags before and after, and the reason) and the target's open reports,
  which become "action taken";
- recounts what depends on it (the work's comment or bookmark count) and
  tells the search index which works changed. Pages and listings read the
  flags through the privacy door, so nothing else needs clearing.

Hiding a chapter hides its whole work (readers cannot be shown a work with a
hole in it). Marking as spam hides the item and keeps a ``SpamSample`` of its
text, so guests' new comments that repeat it are refused (``spam_matches``).
See docs/moderation-content.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chapterhouse.discovery.receivers import work_changed
from chapterhouse.responses.models import Bookmark, Comment
from chapterhouse.responses.services.bookmarks import bookmark_count_refresh
from chapterhouse.responses.services.comments import comment_count_refresh, comment_delete
from chapterhouse.web.caches import local_cache as cache
from chapterhouse.works.models import Chapter, Work
from chapterhouse.works.services.stats import work_refresh_stats
from chapterhouse.works.text import strip_html

from ..audit import audit_record
from ..models import AuditEntry, NewsComment, ReportStatus, SpamSample, TargetType
from ..roles import HANDLE_REPORTS, can
from ..targets import target_object, target_type_of
from .reports import reports_resolve

#: The target type of a comment on a news post.
NEWS_COMMENT = TargetType.NEWS_COMMENT
#: What admins act on here (users are sanctioned on their own page).
ACTABLE = (TargetType.WORK, TargetType.CHAPTER, TargetType.COMMENT, TargetType.BOOKMARK,
           TargetType.NEWS_COMMENT)

#: Audit action prefixes, by model.
_NAMES = {
    Work: "work",
    Chapter: "chapter",
    Comment: "comment",
    Bookmark: "bookmark",
    NewsComment: "news_comment",
}

#: Actions whose audit entry carries the reason shown on a hidden work.
HIDING_ACTIONS = ("work.hide", "work.spam")

REASON_NEEDED = "Please give a reason; the creator is shown it."
#: A domain linked from at least this many spam samples is refused in guests' text.
SPAM_DOMAIN_SAMPLES = 2
_DOMAINS_CACHE_KEY = "moderation:spam-domains"
_URL_RE = re.compile(r"(?:https?://|(?<![\w.])www\.)([\w@:.\-]+)", re.IGNORECASE)


# Targets -------------------------------------------------------------------------


def target_type_for(target) -> str:
    """The report target type of a model instance ("work", "comment", …)."""
    found = target_type_of(target)
    if found not in ACTABLE:
        raise ValidationError("Admins cannot act on that kind of thing here.")
    return found


def target_get(target_type: str, target_id: int):
    """The work, chapter, comment, bookmark or news comment a report or an
    admin form names, or None when it is gone. Unknown types are refused."""
    if target_type not in ACTABLE:
        raise ValidationError(f"Admins cannot act on a {target_type!r} here.")
    return target_object(target_type, target_id)


def _permission_check(actor) -> None:
    if not can(actor, HANDLE_REPORTS):
        raise PermissionDenied("Only admins who handle reports can do that.")


def _reason_check(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(REASON_NEEDED)
    return reason


def _reload(target):
    """The target again from the database, locked for this transaction."""
    found = type(target).objects.select_for_update().filter(pk=target.pk).first()
    if found is None:
        raise ValidationError("That has already been deleted.")
    return found


def _reports_close(*, actor, targets: list[tuple[str, int]], resolution: str) -> None:
    """Open reports of these targets become "action taken" (this action's own
    audit entry covers them)."""
    for target_type, target_id in targets:
        reports_resolve(actor=actor, target_type=target_type, target_id=target_id,
                        status=ReportStatus.ACTIONED, resolution=resolution[:200])


def _reports_of(target) -> list[tuple[str, int]]:
    """A target's own reports; a work's include its chapters' reports."""
    found = [(target_type_for(target), target.pk)]
    if isinstance(target, Work):
        found += [(TargetType.CHAPTER, pk)
                  for pk in Chapter.objects.filter(work=target).values_list("pk", flat=True)]
    return found


# Flags ---------------------------------------------------------------------------


def _flags(target) -> dict:
    flags = {"hidden_by_admin": target.hidden_by_admin}
    if isinstance(target, Comment):
        flags["spam"] = target.spam
    return flags


def _counts_refresh(target) -> None:
    """Recount what the target's flags feed, and tell the search index."""
    if isinstance(target, Work):
        work_changed([target.pk])
    elif isinstance(target, Comment):
        comment_count_refresh(work_id=target.work_id)
    elif isinstance(target, Bookmark) and target.work_id:
        bookmark_count_refresh(work_ids=[target.work_id])


def _set_flags(target, **flags) -> None:
    type(target).objects.filter(pk=target.pk).update(**flags)
    for name, value in flags.items():
        setattr(target, name, value)
    _counts_refresh(target)


def _hide(*, actor, target, reason: str, action: str, spam: bool = False):
    """Hide ``target`` (a chapter: its work) and record it. Returns what was hidden."""
    target = _reload(target)
    reported = _reports_of(target)
    if isinstance(target, Chapter):
        target = _reload(target.work)
        reported += _reports_of(target)
    before = _flags(target)
    flags = {"hidden_by_admin": True}
    if spam and isinstance(target, Comment):
        flags["spam"] = True
    _set_flags(target, **flags)
    audit_record(actor=actor, action=f"{_NAMES[type(target)]}.{action}", target=target,
                 before=before, after=_flags(target), reason=reason)
    _reports_close(actor=actor, targets=list(dict.fromkeys(reported)),
                   resolution="Marked as spam" if spam else f"Hidden: {reason}")
    return target


@transaction.atomic
def content_hide(*, actor, target, reason: str):
    """Hide a work, chapter (its whole work), comment, bookmark or news comment
    from everyone but its creators and admins. Returns the hidden object."""
    _permission_check(actor)
    return _hide(actor=actor, target=target, reason=_reason_check(reason), action="hide")


@transaction.atomic
def content_unhide(*, actor, target, reason: str = ""):
    """Show a hidden (or spam-marked) item again. A comment un-marked as spam
    no longer counts as a spam sample. Returns the object."""
    _permission_check(actor)
    target = _reload(target)
    if isinstance(target, Chapter):
        target = _reload(target.work)
    before = _flags(target)
    flags = {"hidden_by_admin": False}
    if isinstance(target, Comment):
        flags["spam"] = False
    _set_flags(target, **flags)
    removed = SpamSample.objects.filter(
        source_type=target_type_for(target), source_id=target.pk
    ).delete()[0]
    if removed:
        _domains_forget()
    audit_record(actor=actor, action=f"{_NAMES[type(target)]}.unhide", target=target,
                 before=before, after=_flags(target), reason=" ".join((reason or "").split()))
    return target


def _work_snapshot(work: Work) -> dict:
    return {
        "title": work.title,
        "creators": sorted(work.creatorships.values_list("pseud__name", flat=True)),
        "posted": work.posted,
        "hidden_by_admin": work.hidden_by_admin,
    }


def _delete(actor, target) -> dict:
    """Delete ``target`` by the rules its kind has; returns its "before" state."""
    if isinstance(target, Work):
        before = _work_snapshot(target)
        target.delete()  # the discovery receiver tells the index
        return before
    if isinstance(target, Chapter):
        work = _reload(target.work)
        if work.chapters.count() <= 1:
            raise ValidationError(
                "This is the work's only chapter; delete or hide the whole work instead."
            )
        before = {"work_id": work.pk, "position": target.position, "title": target.title,
                  "posted": target.posted}
        target.delete()
        for position, chapter in enumerate(work.chapters.order_by("position", "pk"), start=1):
            if chapter.position != position:
                Chapter.objects.filter(pk=chapter.pk).update(position=position)
        work_refresh_stats(work=work)
        comment_count_refresh(work_id=work.pk)
        return before
    if isinstance(target, Comment):
        before = {**_flags(target), "work_id": target.work_id, "content": target.content}
        comment_delete(comment=target, viewer=actor)
        return before
    if isinstance(target, Bookmark):
        before = {"hidden_by_admin": target.hidden_by_admin, "user_id": target.user_id,
                  "work_id": target.work_id, "notes": target.notes}
        target.delete()
        if target.work_id:
            bookmark_count_refresh(work_ids=[target.work_id])
        return before
    before = {"hidden_by_admin": target.hidden_by_admin, "post_id": target.post_id,
              "content": target.content}
    target.delete()
    return before


@transaction.atomic
def content_delete(*, actor, target, reason: str) -> None:
    """Delete a work, chapter (not a work's only one), comment (with replies it
    stays as "(Previous comment deleted.)"), bookmark or news comment."""
    _permission_check(actor)
    reason = _reason_check(reason)
    target = _reload(target)
    reported = _reports_of(target)
    name = _NAMES[type(target)]
    label_target = target
    before = _delete(actor, target)
    label_target.pk = reported[0][1]  # deleting clears the pk; the log keeps it
    audit_record(actor=actor, action=f"{name}.delete", target=label_target, before=before,
                 after={"deleted": True}, reason=reason)
    _reports_close(actor=actor, targets=reported, resolution=f"Deleted: {reason}")


# Spam ------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return " ".join(strip_html(text or "").split()).lower()


def spam_fingerprint(text: str) -> str:
    """The fingerprint of a text's normalised plain words (HTML or plain)."""
    return hashlib.sha256(_plain(text).encode()).hexdigest()


def _own_host() -> str:
    return (urlsplit(getattr(settings, "SITE_URL", "")).hostname or "").removeprefix("www.")


def link_domains(text: str) -> list[str]:
    """The sites ``text`` links to, lower-cased, without "www." (this site left out)."""
    found: list[str] = []
    own = _own_host()
    for match in _URL_RE.finditer(text or ""):
        host = match.group(1).rsplit("@", 1)[-1].split(":", 1)[0].strip(".").lower()
        host = host.removeprefix("www.")
        if "." in host and host != own and host not in found:
            found.append(host)
    return found


def _text_of(target) -> str:
    if isinstance(target, Work):
        parts = [target.title, target.summary, target.notes, target.endnotes]
        parts += list(target.chapters.values_list("content", flat=True))
        return "\n".join(parts)
    if isinstance(target, Chapter):
        return "\n".join([target.title, target.summary, target.notes, target.content])
    if isinstance(target, Bookmark):
        return target.notes
    return target.content


def _domains_forget() -> None:
    cache.delete(_DOMAINS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(_DOMAINS_CACHE_KEY))


def _domain_counts() -> dict[str, int]:
    """How many spam samples link to each domain (cached until samples change)."""
    counts = cache.get(_DOMAINS_CACHE_KEY)
    if counts is None:
        counts = {}
        for domains in SpamSample.objects.values_list("domains", flat=True).iterator():
            for domain in set(domains or []):
                counts[domain] = counts.get(domain, 0) + 1
        cache.set(_DOMAINS_CACHE_KEY, counts, 3600)
    return counts


@transaction.atomic
def content_mark_spam(*, actor, target, reason: str = ""):
    """Hide the item as spam (a comment is also flagged ``spam``) and keep a
    sample of its text and link domains for ``spam_matches``. Returns the
    hidden object (a chapter's work)."""
    _permission_check(actor)
    source = _reload(target)
    text = _text_of(source)
    hidden = _hide(actor=actor, target=source, reason=" ".join((reason or "").split()),
                   action="spam", spam=True)
    if _plain(text):
        SpamSample.objects.create(
            fingerprint=spam_fingerprint(text), domains=link_domains(text),
            source_type=target_type_for(source), source_id=source.pk,
        )
        _domains_forget()
    return hidden


def spam_matches(*, text: str) -> bool:
    """Does ``text`` (plain or HTML) repeat what admins marked as spam? True
    when its words are those of a sample, or it links to a site that at least
    two samples link to."""
    if not _plain(text):
        return False
    if SpamSample.objects.filter(fingerprint=spam_fingerprint(text)).exists():
        return True
    domains = link_domains(text)
    if not domains:
        return False
    counts = _domain_counts()
    return any(counts.get(domain, 0) >= SPAM_DOMAIN_SAMPLES for domain in domains)


# What the work page shows its creators ------------------------------------------------


@dataclass(frozen=True)
class HiddenNotice:
    hidden_at: datetime | None
    reason: str


def hidden_notice(work) -> HiddenNotice | None:
    """When and why an admin hid ``work`` (None when it is not hidden)."""
    if work is None or not getattr(work, "hidden_by_admin", False):
        return None
    entry = (
        AuditEntry.objects.filter(target_type=TargetType.WORK, target_id=work.pk,
                                  action__in=HIDING_ACTIONS)
        .order_by("-created_at", "-pk")
        .only("created_at", "reason")
        .first()
    )
    if entry is None:
        return HiddenNotice(hidden_at=None, reason="")
    return HiddenNotice(hidden_at=timezone.localtime(entry.created_at), reason=entry.reason)


def support_address() -> str:
    """Where creators write about a hidden work (``CHAPTERHOUSE_SUPPORT_EMAIL``; may be empty)."""
    return getattr(settings, "CHAPTERHOUSE_SUPPORT_EMAIL", "") or ""


def hidden_reason(work) -> str | None:
    """Why an admin hid ``work``: the reason given, "" when none was recorded,
    None when the work is not hidden."""
    notice = hidden_notice(work)
    return None if notice is None else notice.reason


JINJA_GLOBALS = {
    "hidden_notice": hidden_notice,
    "hidden_reason": hidden_reason,
    "support_address": support_address,
}

__all__ = [
    "JINJA_GLOBALS", "NEWS_COMMENT", "content_delete", "content_hide", "content_mark_spam",
    "content_unhide", "hidden_notice", "hidden_reason", "link_domains", "spam_fingerprint",
    "spam_matches", "target_get", "target_type_for",
]
