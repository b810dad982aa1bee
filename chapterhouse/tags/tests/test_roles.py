import pytest
from django.contrib.auth.models import Group

from chapterhouse.tags.roles import WRANGLERS_GROUP, is_wrangler, wrangler_grant

pytestmark = pytest.mark.django_db


def test_the_wranglers_group_exists_after_migrating_and_grants_the_role(user, other_user):
    assert Group.objects.filter(name=WRANGLERS_GROUP).exists()
    assert not is_wrangler(user)
    wrangler_grant(user=user)
    user = type(user).objects.get(pk=user.pk)  # permissions are cached per object
    assert is_wrangler(user)
    assert not is_wrangler(other_user)
    assert not is_wrangler(None)
