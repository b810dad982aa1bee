"""The reading pages: a work, its chapters, the chapter index, series and listings.

Thin views: the selectors (``selectors/reading.py``, ``selectors/listing.py``)
decide what the viewer may see; these only choose which page to draw.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from chapterhouse.accounts.selectors import preference_for, pseud_by_name, user_by_name
from chapterhouse.collections import selectors as collection_selectors
from chapterhouse.discovery.query import WorkQuery
from chapterhouse.discovery.views import filtered_listing
from chapterhouse.responses.page import feedback_for, visit_record
from chapterhouse.web.csp import allow_inline_style
from chapterhouse.web.login import redirect_restricted, redirect_to_login

from ..selectors import listing, reading
from ..selectors.fragments import meta_tags_html, work_body
from ..selectors.visibility import work_needs_login

#: Query parameters a redirect between work and chapter pages carries along.
_KEPT_PARAMS = ("view_adult", "style")


def _carry(request, path: str) -> str:
    kept = {key: request.GET[key] for key in _KEPT_PARAMS if key in request.GET}
    return f"{path}?{urlencode(kept)}" if kept else path


def _adult_ok(request, page, preference) -> bool:
    if not page.is_adult or page.is_creator:
        return True
    if request.GET.get("view_adult") == "true" or request.COOKIES.get("view_adult") == "true":
        return True
    return bool(preference and preference.view_adult)


def _remember_adult(request, response):
    """``?view_adult=true`` is remembered for the rest of the browser session."""
    if request.GET.get("view_adult") == "true":
        response.set_cookie("view_adult", "true", samesite="Lax")
    return response


def _hidden(request, work_id: int):
    """A work the viewer may not see: guests are asked to log in for a restricted
    work; a work in an unrevealed collection is a "Mystery Work"; anything else
    is simply not there."""
    collection = collection_selectors.mystery_of(viewer=request.user, work_id=work_id)
    if collection is not None:
        return render(request, "collections/mystery_work.html",
                      {"main_class": "works-show", "collection": collection})
    if work_needs_login(request.user, work_id):
        return redirect_restricted(request)
    raise Http404("No such work.")


def _work_page(request, work_id: int):
    page = reading.work_page(viewer=request.user, work_id=work_id)
    if page is None:
        return None, _hidden(request, work_id)
    return page, None


def _skin_css(request, page, preference) -> str:
    skin = page.work.skin
    if skin is None or not skin.clean_css:
        return ""
    style = request.GET.get("style")
    if style == "disable":
        return ""
    if style != "creator" and preference is not None and preference.disable_work_skins:
        return ""
    # The CSS is sanitised on save; this only keeps it from closing the tag,
    # and writes line ends as the HTML parser will read them, so the
    # Content-Security-Policy's hash of it matches what the browser hashes.
    css = skin.clean_css.replace("\r\n", "\n").replace("\r", "\n")
    return css.replace("</", "<\\/")


def _draw(request, page, *, mode: str, chapter=None):
    """``mode``: "oneshot" (one chapter at /works/ID), "entire" or "chapter"."""
    preference = preference_for(request.user)
    if not _adult_ok(request, page, preference):
        blurb = listing.blurbs(
            listing.blurb_queryset(type(page.work).objects.filter(pk=page.work.pk))
        )[0]
        query = request.GET.copy()
        query["view_adult"] = "true"
        return render(
            request,
            "works/adult.html",
            {
                "main_class": "works-show",
                "page": page,
                "blurb": blurb,
                "continue_url": f"{request.path}?{query.urlencode()}",
            },
        )
    chapters = page.chapters
    previous = following = None
    if mode == "chapter":
        previous, following = page.neighbours(chapter)
    elif chapters:
        chapter = chapters[0]
    viewer = request.user
    signed_in = getattr(viewer, "is_authenticated", False)
    hide = signed_in and not page.is_creator and preference is not None
    work = page.work
    published = work.published_on or (chapters[0].published_on if chapters else None)
    context = {
        "main_class": "works-show",
        "page": page,
        "work": work,
        "mode": mode,
        "chapter": chapter,
        "previous_chapter": previous,
        "next_chapter": following,
        "first": mode != "chapter" or (chapters and chapter.pk == chapters[0].pk),
        "last": mode != "chapter" or (chapters and chapter.pk == chapters[-1].pk),
        "published": published or timezone.localdate(work.created_at),
        "updated": timezone.localdate(work.revised_at) if work.revised_at else None,
        "skin_css": _skin_css(request, page, preference),
        "style": request.GET.get("style", ""),
        "hide_warnings": bool(hide and preference.hide_warnings),
        "hide_freeform": bool(hide and preference.hide_freeform),
        "meta_tags": meta_tags_html(page, hide_warnings=bool(hide and preference.hide_warnings),
                                    hide_freeform=bool(hide and preference.hide_freeform)),
        # An anonymous work's creators, in brackets: for its creators and admins.
        "reveal_creators": bool(page.is_creator or getattr(viewer, "is_staff", False)),
        "corrections_hook": bool(signed_in and not page.is_creator and work.corrections_enabled),
        "change_note": _change_note(work.change_note),
        "feedback": feedback_for(request, page, chapter=chapter, mode=mode),
        "work_collections": collection_selectors.work_collections(viewer=viewer, work=work)
        if work.has_collections else [],
        "unrevealed_in": collection_selectors.unrevealed_notice_of(work),
    }
    kudos = context["feedback"].get("kudos")
    context["work_body"] = work_body(
        page, context, kudos=kudos["summary"].total if kudos else work.kudos_count
    )
    visit_record(request, page, chapter=chapter)
    response = render(request, "works/work.html", context)
    if context["skin_css"]:
        allow_inline_style(response, context["skin_css"])
    return _remember_adult(request, response)


def _change_note(note: str) -> str:
    note = (note or "").strip()
    if note.lower().startswith("updated:"):
        note = note[len("updated:") :].strip()
    return note


def _wants_full_work(request) -> bool:
    asked = request.GET.get("view_full_work")
    if asked in ("true", "false"):
        return asked == "true"
    preference = preference_for(request.user)
    return bool(preference and preference.view_full_works)


def work(request, work_id: int):
    page, response = _work_page(request, work_id)
    if response is not None:
        return response
    if len(page.chapters) > 1:
        if not _wants_full_work(request):
            first = page.chapters[0]
            target = _carry(request, f"/works/{work_id}/chapters/{first.pk}")
            return _remember_adult(request, HttpResponseRedirect(target))
        return _draw(request, page, mode="entire")
    return _draw(request, page, mode="oneshot")


def chapter(request, work_id: int, chapter_id: int):
    page, response = _work_page(request, work_id)
    if response is not None:
        return response
    shown = page.chapter(chapter_id)
    if shown is None:
        raise Http404("No such chapter.")
    return _draw(request, page, mode="chapter", chapter=shown)


def chapter_short(request, chapter_id: int):
    """/chapters/ID, AO3's short chapter link, leads to the chapter in its work."""
    found = reading.chapter_location(viewer=request.user, chapter_id=chapter_id)
    if found is None:
        raise Http404("No such chapter.")
    work_id, chapter_id = found
    query = request.META.get("QUERY_STRING", "")
    path = f"/works/{work_id}/chapters/{chapter_id}"
    return HttpResponseRedirect(f"{path}?{query}" if query else path)


def navigate(request, work_id: int):
    page, response = _work_page(request, work_id)
    if response is not None:
        return response
    return render(
        request,
        "works/navigate.html",
        {"main_class": "works-navigate", "page": page, "work": page.work},
    )


# Listings -------------------------------------------------------------------


def _hidden_tags(request) -> dict:
    """Blurbs fold warnings / additional tags away for readers who asked for that."""
    preference = preference_for(request.user)
    return {
        "hide_warnings": bool(preference and preference.hide_warnings),
        "hide_freeform": bool(preference and preference.hide_freeform),
    }


def _person(username: str):
    user = user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    return user


def user_works(request, username: str, pseud: str | None = None):
    user = _person(username)
    chosen = None
    if pseud is not None:
        chosen = pseud_by_name(user, pseud)
        if chosen is None:
            raise Http404("No such pseud.")
    # The works, the filter sidebar and its facets come from the discovery app.
    place = [("user_id", user.username)]
    if chosen is not None:
        place.append(("pseud_id", chosen.name))
    found = filtered_listing(
        request,
        base=WorkQuery(user_id=user.pk, pseud_id=chosen.pk if chosen else None),
        saved_place=place,
    )
    by = f"{chosen.name} ({user.username})" if chosen else user.username
    return render(
        request,
        "works/user_works.html",
        {
            "main_class": "works-index dashboard filtered",
            "owner": user,
            "pseud": chosen,
            "heading": found["works"].heading(f"Works by {by}"),
            **found,
            **_hidden_tags(request),
        },
    )


def drafts(request, username: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = _person(username)
    if user.pk != request.user.pk:
        raise PermissionDenied("Only the creator may see their drafts.")
    works = listing.user_drafts(user=user, page=request.GET.get("page"))
    return render(
        request,
        "works/drafts.html",
        {
            "main_class": "works-drafts dashboard",
            "owner": user,
            "works": works,
            "heading": works.heading(f"Drafts by {user.username}"),
            **_hidden_tags(request),
        },
    )


def series(request, series_id: int):
    found = listing.series_page(
        viewer=request.user, series_id=series_id, page=request.GET.get("page")
    )
    if found is None:
        raise Http404("No such series.")
    return render(
        request,
        "works/series.html",
        {"main_class": "series-show", "page": found, **_hidden_tags(request)},
    )


def user_series(request, username: str):
    user = _person(username)
    found = listing.user_series(viewer=request.user, user=user, page=request.GET.get("page"))
    return render(
        request,
        "works/user_series.html",
        {
            "main_class": "series-index dashboard",
            "owner": user,
            "series_page": found,
            "heading": found.heading(f"Series by {user.username}"),
        },
    )
