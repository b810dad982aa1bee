"""Test data for collections: made through the services, as a maintainer would."""

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services


def collection(owner=None, name="salt_fest", title="Salt Fest", **settings):
    owner = owner or UserFactory()
    return services.collection_create(
        user=owner, name=name, title=title, summary="<p>A fest of the sea.</p>", **settings
    )
