"""A reader who deletes her account: her answers go, and the counts follow."""

from chapterhouse.accounts.services import account_delete
from chapterhouse.accounts.tests.factories import PASSWORD
from chapterhouse.responses.models import Comment
from chapterhouse.responses.services.bookmarks import bookmark_create
from chapterhouse.responses.services.comments import comment_create
from chapterhouse.responses.services.kudos import kudos_give


def test_deleting_an_account_with_comments_kudos_and_bookmarks_keeps_counts_right(
    work, reader, creator
):
    question = comment_create(work=work, viewer=reader, content="Will there be more?")
    answer = comment_create(work=work, viewer=creator, parent=question, content="Yes!")
    kudos_give(work=work, viewer=reader)
    bookmark_create(user=reader, pseud=reader.pseuds.get(is_default=True), work=work)

    account_delete(user=reader, password=PASSWORD, works_choice="orphan")

    work.refresh_from_db()
    assert work.kudos_count == 0
    assert work.bookmark_count == 0
    # Her comment leaves a placeholder, so the writer's reply keeps its thread.
    assert Comment.objects.get(pk=answer.pk).parent_id == question.pk
    gone = Comment.objects.get(pk=question.pk)
    assert gone.deleted and gone.user_id is None
    assert work.comment_count == 1
