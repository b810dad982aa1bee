"""Demo answers, so the demo works look read: kudos, a conversation in the
comments, bookmarks, a subscription and a book marked for later. Everything
goes through the services, as a reader's clicks would."""

from __future__ import annotations

from chapterhouse.accounts.models import User
from chapterhouse.works.models import Work

from .services.bookmarks import bookmark_create
from .services.comments import comment_create
from .services.kudos import kudos_counts_recount, kudos_give
from .services.readings import reading_mark_for_later
from .services.subscriptions import subscription_create


def _person(username: str) -> User:
    return User.objects.get(username=username)


def load() -> None:
    rowan, mireille = _person("rowan"), _person("mireille")
    tomasz, junebug = _person("tomasz_k"), _person("junebug")
    salt = Work.objects.get(title="Salt and Signal")
    winters = Work.objects.get(title="Five Winters")

    for reader in (mireille, tomasz, junebug):
        kudos_give(work=salt, viewer=reader)
    for n in range(1, 4):
        kudos_give(work=salt, viewer=None, guest_ip=f"192.0.2.{n}")
    kudos_give(work=winters, viewer=rowan)
    kudos_give(work=winters, viewer=mireille)

    question = comment_create(
        work=salt,
        viewer=mireille,
        content="The ferry scene had me holding my breath. Did Teodor know the lamp "
        "would fail, or did he only guess?",
    )
    comment_create(
        work=salt,
        viewer=rowan,
        parent=question,
        content="He guessed! I wanted him to be wrong about everything except that.",
    )
    comment_create(
        work=salt,
        viewer=tomasz,
        content="Small thing: the tide tables in the second scene say March, the "
        "opening says April. Loved it anyway.",
    )

    bookmark_create(
        user=junebug,
        pseud=junebug.pseuds.get(is_default=True),
        work=salt,
        notes="<p>Quiet, salty and sad in the best way. Read it on a grey day.</p>",
        tag_string="comfort read, lighthouses",
        rec=True,
    )
    bookmark_create(
        user=rowan, pseud=rowan.pseuds.get(is_default=True), work=winters,
        tag_string="to reread in December",
    )
    subscription_create(user=mireille, creator=rowan)
    reading_mark_for_later(user=rowan, work=winters)
    kudos_counts_recount(work_ids=[salt.pk, winters.pk])
