"""Demo people: writers and readers with pseuds, profiles and preferences.

All the words here are written for Chapterhouse.
"""

from __future__ import annotations

from .models import User
from .services import (
    preferences_update,
    profile_update,
    pseud_create,
    pseud_set_default,
    user_create,
)

DEMO_LOGIN = "rowan"
DEMO_PASSWORD = "chapterhouse-demo"

PEOPLE = [
    {
        "username": "rowan",
        "email": "rowan@demo.invalid",
        "title": "Writes long, posts slowly",
        "location": "Somewhere with a lot of rain",
        "about": (
            "<p>I write slow-burn stories about people who should have talked to each other "
            "three chapters ago.</p><p>Corrections are always welcome: if you spot a canon "
            "slip, <em>please</em> tell me.</p>"
        ),
        "pseuds": [
            ("Ash and Ember", "<p>The pseud for my darker one-shots.</p>"),
        ],
        "preferences": {"view_adult": True, "theme": "dark"},
    },
    {
        "username": "mireille",
        "email": "mireille@demo.invalid",
        "title": "Reader first",
        "location": "",
        "about": "<p>Mostly here to read and leave long comments. Occasionally I draw.</p>",
        "pseuds": [("Mira Draws", "<p>Art posts and the odd comic.</p>")],
        "preferences": {"hide_warnings": True},
    },
    {
        "username": "tomasz_k",
        "email": "tomasz@demo.invalid",
        "title": "",
        "location": "Kraków",
        "about": "<p>Translator. I bring good stories across languages, with permission.</p>",
        "pseuds": [],
        "preferences": {"view_full_works": True},
    },
    {
        "username": "junebug",
        "email": "junebug@demo.invalid",
        "title": "Fluff enthusiast",
        "location": "",
        "about": "<p>Happy endings only. I keep a list of recs on my bookmarks page.</p>",
        "pseuds": [("June", ""), ("Bug", "<p>For crack fic.</p>")],
        "preferences": {"allow_gifts": True, "history_enabled": False},
    },
]


def is_loaded() -> bool:
    return User.objects.filter(username=DEMO_LOGIN).exists()


def load() -> None:
    for person in PEOPLE:
        user = user_create(
            username=person["username"], email=person["email"], password=DEMO_PASSWORD
        )
        profile_update(
            actor=user,
            user=user,
            title=person["title"],
            location=person["location"],
            about=person["about"],
        )
        preferences_update(actor=user, user=user, values=person["preferences"])
        for name, description in person["pseuds"]:
            pseud_create(actor=user, user=user, name=name, description=description)
    # junebug prefers to sign as June.
    junebug = User.objects.get(username="junebug")
    pseud_set_default(actor=junebug, pseud=junebug.pseuds.get(name="June"))
