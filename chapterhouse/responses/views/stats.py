"""The creator statistics page, ``/users/NAME/stats`` (owner only)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.web.login import redirect_to_login

from ..charts import bar_chart_svg, period_chart_svg
from ..selectors.stats import ALL_YEARS, SORT_COLUMNS, creator_stats, stats_year


def stats_index(request, username: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    owner = user_by_name(username)
    if owner is None:
        raise Http404("No such user.")
    stats = creator_stats(
        viewer=request.user,
        owner=owner,
        year=stats_year(request.GET.get("year")),
        sort_column=request.GET.get("sort_column"),
        sort_direction=request.GET.get("sort_direction"),
        flat_view=request.GET.get("flat_view") == "true",
    )
    column = stats.chart_column
    noun = SORT_COLUMNS[column]
    top = stats.top_works()
    bars = bar_chart_svg(
        title=f"Top works by {noun.lower()}, {stats.year_label}",
        items=[(work.title, work.value(column)) for work in top],
        unit=noun.lower(),
    )
    periods = period_chart_svg(
        title=(
            f"Hits and kudos by month, {stats.year}" if stats.year
            else "Hits and kudos by year"
        ),
        labels=[p.label for p in stats.periods],
        series=[
            ("Hits", [p.hits for p in stats.periods]),
            ("Kudos", [p.kudos for p in stats.periods]),
        ],
    )
    return render(
        request,
        "responses/stats.html",
        {
            "main_class": "statistics-index dashboard",
            "stats": stats,
            "owner": owner,
            "sort_columns": SORT_COLUMNS,
            "all_years": ALL_YEARS,
            "bar_chart": bars,
            "period_chart": periods,
        },
    )
