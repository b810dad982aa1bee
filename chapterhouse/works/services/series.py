"""Series: putting a work in one, and editing a series' own texts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from chapterhouse.accounts.models import User

from ..models import SUMMARY_MAX_LENGTH, TITLE_MAX_LENGTH, Series, SeriesWork, Work
from ..text import render_user_text
from .creators import creator_required


def series_of_user(user: User):
    """The series ``user`` is credited on, for the work form's choice."""
    return Series.objects.filter(creators__user=user).distinct().order_by("title")


def series_creator_required(*, user, series: Series) -> None:
    if not getattr(user, "is_authenticated", False) or not series.creators.filter(
        user=user
    ).exists():
        raise PermissionDenied("Only the series' creators may change it.")


def _title(title: str, field: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({field: "Please give the series a title."})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            {field: f"Series titles must be at most {TITLE_MAX_LENGTH} characters long."}
        )
    return title


@transaction.atomic
def work_series_add(
    *, user: User, work: Work, series_id: int | None = None, new_title: str = ""
) -> SeriesWork | None:
    """Put ``work`` at the end of one of ``user``'s series, or of a new series
    called ``new_title``. Does nothing when neither is given or the work is
    already in that series."""
    creator_required(user=user, work=work)
    if series_id:
        series = series_of_user(user).filter(pk=series_id).first()
        if series is None:
            raise ValidationError({"series": "Please choose one of your own series."})
    elif (new_title or "").strip():
        series = Series.objects.create(title=_title(new_title, "new_series_title"))
    else:
        return None
    existing = SeriesWork.objects.filter(series=series, work=work).first()
    if existing is not None:
        return existing
    last = series.parts.aggregate(last=Max("position"))["last"] or 0
    part = SeriesWork.objects.create(series=series, work=work, position=last + 1)
    series.creators.add(*[c.pseud for c in work.creatorships.filter(accepted=True)])
    return part


@transaction.atomic
def series_update(
    *,
    user: User,
    series: Series,
    title: str,
    summary: str = "",
    summary_format: str = "html",
    notes: str = "",
    notes_format: str = "html",
    complete: bool = False,
) -> Series:
    series_creator_required(user=user, series=series)
    errors = {}
    if len(summary or "") > SUMMARY_MAX_LENGTH:
        errors["summary"] = f"Summaries must be at most {SUMMARY_MAX_LENGTH} characters long."
    try:
        series.title = _title(title, "title")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    series.summary = render_user_text(summary, text_format=summary_format)
    series.notes = render_user_text(notes, text_format=notes_format)
    series.complete = bool(complete)
    series.save()
    return series
