"""A work skin cannot paint over the site around the work, whatever its fonts do."""

import pytest

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.services import skins as skin_services
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every value here is within the sanitiser's bounds, yet the title's letters are
# taller than the page and, with no line height, hang far above the work: over
# the work's tags, its navigation and the site's header.
GIANT_TITLE = "#workskin h2.title { font-size: 40em; line-height: 0; margin: 0; padding: 0; }"

WHAT_IS_THERE = """([x, y]) => {
  const e = document.elementFromPoint(x, y);
  return e.closest('#workskin') ? 'the work' : e.closest('#header') ? 'the header'
    : e.closest('a') ? e.closest('a').textContent.trim() : e.tagName;
}"""


def test_a_skins_overhanging_letters_do_not_cover_the_site(page):
    user = UserFactory(username="wren")
    skin, dropped = skin_services.skin_create(user=user, title="Giant", css=GIANT_TITLE)
    assert dropped == []
    work = WorkFactory(creator=user, skin=skin, title="W")
    page.goto(f"/works/{work.pk}")

    def what_is_at_the_middle_of(locator):
        box = locator.bounding_box()
        return page.evaluate(WHAT_IS_THERE, [box["x"] + box["width"] / 2,
                                             box["y"] + box["height"] / 2])

    assert what_is_at_the_middle_of(page.locator("#header")) == "the header"
    hide = page.get_by_role("link", name="Hide Creator's Style")
    assert what_is_at_the_middle_of(hide) == "Hide Creator's Style"
    # The work itself still wears the skin.
    assert page.locator("#workskin h2.title").evaluate(
        "e => getComputedStyle(e).fontSize") == "640px"
