"""Creating, editing, posting, deleting and orphaning works.

A new work is a draft, seen by its creators alone, until ``work_post``.
Every rule lives here, whatever the caller (form, API, importer): limits,
required tags, co-creator and gift consent, related works, backdating.
"""

from __future__ import annotations

import datetime
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chapterhouse.accounts import selectors as people
from chapterhouse.accounts.models import Pseud, User
from chapterhouse.discovery.outbox import outbox_batch
from chapterhouse.moderation.guards import may_write
from chapterhouse.responses.services import subscriptions
from chapterhouse.responses.services.mail import gifts_mail_record

from ..languages import LANGUAGES
from ..models import (
    CHANGE_NOTE_MAX_LENGTH,
    CHAPTER_TITLE_MAX_LENGTH,
    CONTENT_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Chapter,
    CommentPermission,
    Creatorship,
    Gift,
    RelatedWork,
    Work,
    WorkSkin,
)
from ..selectors.visibility import can_view_work
from ..text import TextFormat, texts_ahead, word_count
from . import creators, limits, sources, tagging, versions
from . import series as series_services
from .revisions import chapter_revision_record, work_revision_record
from .stats import work_refresh_stats

GIFT_NAME_MAX = 100


@dataclass
class WorkFields:
    """Everything the work form collects. Texts are as typed, with their format."""

    title: str = ""
    summary: str = ""
    summary_format: str = TextFormat.HTML
    notes: str = ""
    notes_format: str = TextFormat.HTML
    endnotes: str = ""
    endnotes_format: str = TextFormat.HTML
    language: str = "en"
    tags: tagging.TagChoice = field(default_factory=tagging.TagChoice)
    series_id: int | None = None
    new_series_title: str = ""
    cocreators: str = ""
    gifts: str = ""
    parent_url: str = ""
    parent_title: str = ""
    parent_author: str = ""
    parent_translation: bool = False
    comment_permission: str = CommentPermission.EVERYONE
    moderated_comments: bool = False
    restricted: bool = False
    anonymous: bool = False
    #: Collections to add the work to (comma-separated names; AO3's
    #: work[collection_names]); ``Work.collections_added`` tells what happened.
    collection_names: str = ""
    #: The prompt this new work answers (a prompt meme's; AO3's prompt_id):
    #: the work joins the prompt's collection and fills the creator's claim.
    prompt_id: int | None = None
    published_on: datetime.date | None = None
    corrections_enabled: bool = True
    skin_id: int | None = None
    change_note: str = ""
    expected_chapters: int | None = None
    pseud_id: int | None = None
    # The first chapter, on the same form as AO3 has it.
    chapter_title: str = ""
    content: str = ""
    content_format: str = TextFormat.HTML


def _check_texts(fields: WorkFields, errors: dict[str, list[str]]) -> None:
    title = " ".join((fields.title or "").split())
    if not title:
        errors.setdefault("title", []).append("Please give your work a title.")
    limits.lengths_check(fields, [
        ("title", TITLE_MAX_LENGTH, "Titles"),
        ("summary", SUMMARY_MAX_LENGTH, "Summaries"),
        ("notes", NOTES_MAX_LENGTH, "Notes"),
        ("endnotes", NOTES_MAX_LENGTH, "End notes"),
        ("change_note", CHANGE_NOTE_MAX_LENGTH, "Change notes"),
        ("chapter_title", CHAPTER_TITLE_MAX_LENGTH, "Chapter titles"),
        ("content", CONTENT_MAX_LENGTH, "Chapter text"),
    ], errors)
    limits.formats_check(fields, ("summary", "notes", "endnotes", "content"), errors)
    if fields.language not in LANGUAGES:
        errors.setdefault("language", []).append("Please choose a language.")
    if fields.comment_permission not in CommentPermission.values:
        errors.setdefault("comment_permission", []).append("Please choose who may comment.")
    if fields.published_on and fields.published_on > timezone.localdate():
        errors.setdefault("published_on", []).append(
            "The publication date cannot be in the future."
        )
    if fields.expected_chapters is not None and fields.expected_chapters < 1:
        errors.setdefault("expected_chapters", []).append(
            "The expected number of chapters must be a positive number, or ? when unknown."
        )
    limits.expected_chapters_check(fields.expected_chapters, errors)


def _related_parent(
    *, user: User, fields: WorkFields, site_host: str, errors: dict
) -> tuple[Work | None, str] | None:
    """The work this one is inspired by or translates: (local work, "") or
    (None, external URL); None when no URL was given."""
    url = (fields.parent_url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    local = re.fullmatch(r"/works/(\d+)(?:/.*)?", parts.path or "")
    if local and (not parts.netloc or parts.netloc == site_host):
        parent = Work.objects.filter(pk=int(local.group(1))).first()
        if parent is None or not can_view_work(user, parent):
            errors.setdefault("parent_url", []).append(
                "We couldn't find a work at that address that you can see."
            )
            return None
        return parent, ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors.setdefault("parent_url", []).append(
            "Please give a web address starting with http:// or https://, or a /works/ID "
            "address of a work here."
        )
        return None
    if not fields.parent_title.strip():
        errors.setdefault("parent_title", []).append(
            "Please give the title of the work this one is related to."
        )
    if not fields.parent_author.strip():
        errors.setdefault("parent_author", []).append(
            "Please give the creator of the work this one is related to."
        )
    return None, url


def _gift_recipients(
    *, user: User, work: Work, names: str, errors: dict
) -> list[tuple[User | None, str]]:
    if work.pk is None:  # a new work: no other creators or gifts yet
        givers, already = [user.pk], set()
    else:
        givers = [user.pk, *creators.creator_user_ids(work)]
        already = set(work.gifts.filter(recipient__isnull=False)
                      .values_list("recipient_id", flat=True))
    recipients: list[tuple[User | None, str]] = []
    seen: set[str] = set()
    for raw in (names or "").split(","):
        name = " ".join(raw.split())
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        if len(name) > GIFT_NAME_MAX:
            errors.setdefault("gifts", []).append(
                f"Gift recipient names must be at most {GIFT_NAME_MAX} characters long."
            )
            continue
        recipient = people.user_by_name(name)
        if recipient is None:
            pseud = creators.pseud_find(name)
            recipient = pseud.user if pseud else None
        if recipient is None:
            recipients.append((None, name))
            continue
        if recipient.pk == user.pk:
            errors.setdefault("gifts", []).append("You can't give a gift to yourself.")
            continue
        preference = people.preference_for(recipient)
        refuses_gifts = preference is not None and not preference.allow_gifts
        # A recipient who has blocked a giver reads, to the giver, exactly like one
        # who takes no gifts: a block is never named. Gifts given before the
        # block stay.
        if refuses_gifts or (recipient.pk not in already and people.has_blocked_any(
            blocker=recipient, users=givers
        )):
            errors.setdefault("gifts", []).append(f"You can't give a gift to {name}.")
            continue
        recipients.append((recipient, ""))
    return recipients


def _gifts_set(work: Work, recipients: list[tuple[User | None, str]], *,
               new_work: bool = False) -> None:
    if new_work:  # nothing to keep or remove
        Gift.objects.bulk_create([
            Gift(work=work, recipient=recipient) if recipient is not None
            else Gift(work=work, recipient_name=name)
            for recipient, name in recipients
        ])
        return
    wanted_users = {r.pk for r, _ in recipients if r is not None}
    wanted_names = {n.casefold() for r, n in recipients if r is None}
    for gift in work.gifts.all():
        keep = (
            gift.recipient_id in wanted_users
            if gift.recipient_id
            else gift.recipient_name.casefold() in wanted_names
        )
        if not keep and not gift.refused:
            gift.delete()
    have_users = set(work.gifts.filter(recipient__isnull=False).values_list("recipient_id",
                                                                             flat=True))
    have_names = {n.casefold() for n in work.gifts.filter(recipient__isnull=True)
                  .values_list("recipient_name", flat=True)}
    for recipient, name in recipients:
        if recipient is not None and recipient.pk not in have_users:
            Gift.objects.create(work=work, recipient=recipient)
        elif recipient is None and name.casefold() not in have_names:
            Gift.objects.create(work=work, recipient_name=name)


def _check_choices(*, user: User, work: Work | None, fields: WorkFields, errors: dict) -> None:
    if fields.skin_id and not WorkSkin.objects.filter(pk=fields.skin_id, owner=user).exists():
        errors.setdefault("skin", []).append("Please choose one of your own work skins.")
    if fields.series_id and not series_services.series_of_user(user).filter(
        pk=fields.series_id
    ).exists():
        errors.setdefault("series", []).append("Please choose one of your own series.")
    if len(fields.new_series_title or "") > TITLE_MAX_LENGTH:
        errors.setdefault("new_series_title", []).append(
            f"Series titles must be at most {TITLE_MAX_LENGTH} characters long."
        )
    if work is not None and fields.expected_chapters is not None:
        count = work.chapters.count()
        if fields.expected_chapters < count:
            errors.setdefault("expected_chapters", []).append(
                f"This work already has {count} chapters; the expected number cannot be "
                "smaller."
            )
    if work is None and fields.pseud_id and not Pseud.objects.filter(
        pk=fields.pseud_id, user=user
    ).exists():
        errors.setdefault("pseud", []).append("Please choose one of your own pseuds.")


def _invite_all(*, user: User, work: Work, names: str, errors: dict) -> None:
    for name in [n.strip() for n in (names or "").split(",") if n.strip()]:
        try:
            creators.creatorship_invite(actor=user, work=work, name=name)
        except ValidationError as error:
            for message in error.message_dict.get("cocreators", error.messages):
                errors.setdefault("cocreators", []).append(message)




def _apply(
    *, user: User, work: Work, fields: WorkFields, site_host: str, posting: bool,
    creating: bool, rendered: limits.RenderedTexts,
) -> Work:
    """Check everything, then write the work, its first chapter and links.
    Runs inside the caller's transaction; any problem rolls all of it back.
    ``rendered`` is the texts, sanitised before the transaction opened.
    When ``creating``, ``work`` is not saved yet, so nothing of it is read."""
    html = rendered.html
    errors: dict[str, list[str]] = {k: list(v) for k, v in rendered.errors.items()}
    _check_texts(fields, errors)
    found_tags, fixed_tags = tagging.chosen_tags_found(fields.tags)
    errors.update({
        k: errors.get(k, []) + v
        for k, v in tagging.tag_choice_check(fields.tags, found=found_tags).items()
    })
    _check_choices(user=user, work=None if creating else work, fields=fields, errors=errors)
    related = _related_parent(user=user, fields=fields, site_host=site_host, errors=errors)
    recipients = _gift_recipients(user=user, work=work, names=fields.gifts, errors=errors)
    content_html = html["content"]
    if (posting or work.posted) and "content" not in errors:
        limits.content_check_for_posting(content_html, errors)
    if errors:
        raise ValidationError(errors)

    was_posted = work.posted
    texts = {
        "title": " ".join(fields.title.split()),
        "summary": html["summary"],
        "notes": html["notes"],
        "endnotes": html["endnotes"],
    }
    if was_posted and any(getattr(work, k) != v for k, v in texts.items()):
        work_revision_record(work=work, editor=user, reason="edit")
    work.title = texts["title"]
    for name in ("summary", "notes", "endnotes"):
        sources.text_store(work, name, getattr(fields, name), getattr(fields, f"{name}_format"),
                           html=html[name])
    work.language = fields.language
    work.restricted = bool(fields.restricted)
    # What readers see also hides the creators of a work in an anonymous
    # collection until it is revealed (collections/services.py keeps that flag).
    work.anonymous_by_creator = bool(fields.anonymous)
    work.anonymous = work.anonymous_by_creator or work.in_anonymous_collection
    work.comment_permission = fields.comment_permission
    work.moderated_comments = bool(fields.moderated_comments)
    work.corrections_enabled = bool(fields.corrections_enabled)
    work.skin_id = fields.skin_id or None
    work.change_note = (fields.change_note or "").strip()
    work.expected_chapters = fields.expected_chapters
    if fields.published_on:
        work.published_on = fields.published_on

    chapter = None if creating else work.chapters.order_by("position", "pk").first()
    if chapter is None:
        chapter = Chapter(work=work, position=1)
    chapter_title = " ".join((fields.chapter_title or "").split())
    if chapter.pk and chapter.posted and (
        chapter.content != content_html or chapter.title != chapter_title
    ):
        chapter_revision_record(chapter=chapter, editor=user, reason="edit")
    chapter.title = chapter_title
    sources.text_store(chapter, "content", fields.content, fields.content_format,
                       html=content_html)
    chapter.word_count = word_count(chapter.content)
    if fields.published_on and chapter.published_on != fields.published_on and (
        chapter.position == 1
    ):
        chapter.published_on = fields.published_on
    posted_at_once = creating and posting
    if posted_at_once:
        _post_new(work, chapter, backdated=bool(fields.published_on))
    work.save()
    if creating:
        pseud = (
            Pseud.objects.get(pk=fields.pseud_id) if fields.pseud_id
            else people.default_pseud(user)
        )
        Creatorship.objects.create(work=work, pseud=pseud, accepted=True)
    chapter.save()

    _invite_all(user=user, work=work, names=fields.cocreators, errors=errors)
    if errors:
        raise ValidationError(errors)
    # Gifts before collections: a gift exchange's collection names the
    # recipient of the poster's assignment as one more gift.
    _gifts_set(work, recipients, new_work=creating)
    prompt = _prompt_answered(fields) if creating else None
    collection_names = fields.collection_names or ""
    if prompt is not None:
        collection_names = f"{collection_names},{prompt.collection.name}"
    if collection_names.strip(" ,"):
        # Before anyone is told of the work: an unrevealed or anonymous
        # collection decides what they may be told.
        from chapterhouse.collections.services import collection_items_add_new

        work.collections_added = collection_items_add_new(
            user=user, work=work, names=collection_names
        )
        if prompt is not None:
            from chapterhouse.collections.prompts.services import prompt_fill_record

            prompt_fill_record(user=user, work=work, prompt=prompt)
        work.refresh_from_db(fields=["anonymous", "anonymous_by_creator",
                                     "in_anonymous_collection", "in_unrevealed_collection"])
    in_series = bool(fields.series_id or (fields.new_series_title or "").strip())
    if in_series:
        # A new work was a draft until now, as far as its series know.
        series_before = None if creating else subscriptions.subscriptions_series_of(work)
        series_services.work_series_add(
            user=user, work=work, series_id=fields.series_id, new_title=fields.new_series_title
        )
        subscriptions.subscriptions_notify_series_added(work=work, before=series_before)
    if not creating:
        RelatedWork.objects.filter(work=work).delete()
    if related is not None:
        parent, url = related
        RelatedWork.objects.create(
            work=work, parent=parent, url=url,
            external_title="" if parent else fields.parent_title.strip(),
            external_author="" if parent else fields.parent_author.strip(),
            translation=bool(fields.parent_translation),
        )
    if posted_at_once:
        # A new work's one accepted credit is the poster's pseud (co-creators
        # are only invited so far), and its only series are the one just set.
        subscriptions.subscriptions_notify_posted(work=work, creator_ids=[pseud.user_id],
                                                  in_series=in_series)
    elif posting and not was_posted:
        _post(work, backdated=bool(fields.published_on))
    else:
        work_refresh_stats(work=work)
    if not creating or any(recipient is not None for recipient, _ in recipients):
        gifts_mail_record(work=work)
    # The tags come last: counting their uses locks their rows until the
    # transaction ends, and other works being posted with them wait on that.
    tagging.work_tags_set(work=work, choice=fields.tags, found=found_tags, fixed=fixed_tags,
                          new_work=creating)
    return work


def _post_new(work: Work, chapter: Chapter, *, backdated: bool) -> None:
    """Set on a new work and its first chapter, before their first save, what
    ``_post`` and ``work_refresh_stats`` would write over them just after (the
    subscribers are told once they are saved)."""
    work.posted = True
    if not work.published_on:
        work.published_on = timezone.localdate()
    chapter.posted = True
    chapter.published_on = work.published_on
    work.word_count = chapter.word_count
    work.posted_chapter_count = 1
    work.complete = work.expected_chapters is not None and work.expected_chapters <= 1
    if backdated:
        # A backdated one-shot was also last updated on that day.
        work.revised_at = timezone.make_aware(
            datetime.datetime.combine(work.published_on, datetime.time(12))
        )
    else:
        work.revised_at = timezone.now()


def _post(work: Work, *, backdated: bool) -> None:
    today = timezone.localdate()
    work.posted = True
    if not work.published_on:
        work.published_on = today
    work.save(update_fields=["posted", "published_on", "updated_at"])
    for chapter in work.chapters.filter(posted=False, scheduled_for__isnull=True):
        chapter.posted = True
        chapter.published_on = work.published_on if chapter.position == 1 else today
        chapter.save(update_fields=["posted", "published_on", "updated_at"])
    work_refresh_stats(work=work, new_chapter_posted=True)
    subscriptions.subscriptions_notify_posted(work=work)
    if backdated and work.posted_chapter_count <= 1:
        # A backdated one-shot was also last updated on that day.
        work.revised_at = timezone.make_aware(
            datetime.datetime.combine(work.published_on, datetime.time(12))
        )
        work.save(update_fields=["revised_at"])


@contextmanager
def _one_write_each():
    """Around the writes of one form's save, inside its transaction: the
    outbox events in one INSERT at the end, each once, and one new version
    per work (discovery/outbox.py, services/versions.py)."""
    with outbox_batch(), versions.versions_batch():
        yield


def _prompt_answered(fields: WorkFields):
    """The prompt ``fields`` answer, or None; ValidationError for one that
    does not exist."""
    if not fields.prompt_id:
        return None
    from chapterhouse.collections.prompts.services import prompt_for_fill

    prompt = prompt_for_fill(fields.prompt_id)
    if prompt is None:
        raise ValidationError({"prompt_id": ["We couldn't find the prompt you're responding to."]})
    return prompt


def work_create(
    *, user: User, fields: WorkFields, post: bool = False, site_host: str = ""
) -> Work:
    """A new work by ``user``: a draft, or posted at once when ``post``.
    The texts are sanitised before the transaction opens."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Please log in to post a work.")
    may_write(user=user, action="post")
    rendered = limits.texts_render(fields)
    with texts_ahead(rendered.memo), transaction.atomic(), _one_write_each():
        # Saved by _apply once everything is checked.
        work = Work(title="Untitled")
        return _apply(user=user, work=work, fields=fields, site_host=site_host,
                      posting=post, creating=True, rendered=rendered)


def work_update(
    *, user: User, work: Work, fields: WorkFields, post: bool = False, site_host: str = ""
) -> Work:
    """Save the form over ``work``; ``post`` also posts a draft. Edits to the
    text of a posted work keep the old version as a revision. The texts are
    sanitised before the transaction opens."""
    creators.creator_required(user=user, work=work)
    may_write(user=user, action="post")
    rendered = limits.texts_render(fields)
    with texts_ahead(rendered.memo), transaction.atomic(), _one_write_each():
        work = Work.objects.select_for_update().get(pk=work.pk)
        return _apply(user=user, work=work, fields=fields, site_host=site_host,
                      posting=post, creating=False, rendered=rendered)


@transaction.atomic
def work_post(*, user: User, work: Work) -> Work:
    """Post a draft: it becomes visible, with today's date unless backdated."""
    creators.creator_required(user=user, work=work)
    may_write(user=user, action="post")
    work = Work.objects.select_for_update().get(pk=work.pk)
    if work.posted:
        return work
    errors: dict[str, list[str]] = {}
    first = work.chapters.order_by("position", "pk").first()
    limits.content_check_for_posting(first.content if first else "", errors)
    choice = tagging.tag_choice_of(work)
    errors.update(tagging.tag_choice_check(choice))
    if errors:
        raise ValidationError(errors)
    _post(work, backdated=work.published_on is not None
          and work.published_on < timezone.localdate())
    gifts_mail_record(work=work)
    return work


@transaction.atomic
def work_delete(*, user: User, work: Work) -> None:
    """Delete a work and everything on it. Creators only."""
    creators.creator_required(user=user, work=work)
    work.delete()


def work_fields_of(work: Work) -> WorkFields:
    """The saved work as the form shows it: what the writer typed, in the format
    they typed it, where that still matches the stored HTML (services/sources.py)."""
    chapter = work.chapters.order_by("position", "pk").first()
    related = work.parent_links.select_related("parent").first()
    in_series = work.series_parts.order_by("pk").first()
    gifts = [g.recipient.username if g.recipient else g.recipient_name
             for g in work.gifts.filter(refused=False).select_related("recipient")]
    texts = {name: sources.text_source(work, name) for name in ("summary", "notes", "endnotes")}
    content, content_format = (
        sources.text_source(chapter, "content") if chapter else ("", TextFormat.HTML)
    )
    return WorkFields(
        title=work.title,
        summary=texts["summary"][0],
        summary_format=texts["summary"][1],
        notes=texts["notes"][0],
        notes_format=texts["notes"][1],
        endnotes=texts["endnotes"][0],
        endnotes_format=texts["endnotes"][1],
        language=work.language,
        tags=tagging.tag_choice_of(work),
        series_id=in_series.series_id if in_series else None,
        gifts=", ".join(gifts),
        parent_url=(f"/works/{related.parent_id}" if related and related.parent_id
                    else related.url if related else ""),
        parent_title=related.external_title if related else "",
        parent_author=related.external_author if related else "",
        parent_translation=related.translation if related else False,
        comment_permission=work.comment_permission,
        moderated_comments=work.moderated_comments,
        restricted=work.restricted,
        # The creator's own choice, not an anonymous collection's.
        anonymous=work.anonymous_by_creator
        or (work.anonymous and not work.in_anonymous_collection),
        published_on=None,
        corrections_enabled=work.corrections_enabled,
        skin_id=work.skin_id,
        change_note=work.change_note,
        expected_chapters=work.expected_chapters,
        chapter_title=chapter.title if chapter else "",
        content=content,
        content_format=content_format,
    )


def work_for_editing(*, user, work_id: int) -> Work:
    """The work ``user`` may edit, or PermissionDenied (Http404 when there is none)."""
    from django.http import Http404

    work = Work.objects.filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work.")
    creators.creator_required(user=user, work=work)
    return work


@transaction.atomic
def gift_refuse(*, user: User, gift: Gift) -> Gift:
    """The recipient turns a gift down; the work stays, without their name."""
    if gift.recipient_id != getattr(user, "pk", None):
        raise PermissionDenied("Only the recipient may refuse a gift.")
    gift.refused = True
    gift.save(update_fields=["refused"])
    return gift
