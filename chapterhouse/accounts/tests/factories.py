"""Test data for people. ``UserFactory()`` makes a confirmed account with its
default pseud, profile and preferences, as sign-up would."""

import factory
from allauth.account.models import EmailAddress

from chapterhouse.accounts import services
from chapterhouse.accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def setup(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)
        services.user_setup(user=self)
