"""The Jinja2 environment for the site's pages."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static as django_static
from django.urls import reverse
from jinja2 import Environment, StrictUndefined, Undefined

from chapterhouse.accounts.selectors import theme_for
from chapterhouse.tags.roles import is_wrangler


def url(name: str, *args, **kwargs) -> str:
    """``{{ url('accounts:profile', username=u.username) }}``"""
    return reverse(name, args=args or None, kwargs=kwargs or None)


_STATIC_URLS: dict[str, str] = {}


def static(path: str) -> str:
    """Django's ``static()``, remembered per path for the life of the
    process: the manifest of hashed names is read once at start and only
    changes with a new deploy (a new process). Every page links a few."""
    found = _STATIC_URLS.get(path)
    if found is None:
        found = _STATIC_URLS[path] = django_static(path)
    return found


@receiver(setting_changed)
def _forget_static_urls(*, setting, **kwargs) -> None:
    if setting in ("STATIC_URL", "STATIC_ROOT", "STORAGES", "DEBUG"):
        _STATIC_URLS.clear()


def environment(**options) -> Environment:
    debug_undefined = options.pop("undefined", None)
    env = Environment(  # noqa: S701 - Django's backend turns autoescape on
        undefined=debug_undefined or Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
    env.globals.update(
        {
            "url": url,
            "static": static,
            "get_messages": get_messages,
            "theme_for": theme_for,
            "is_wrangler": is_wrangler,
        }
    )
    from chapterhouse.discovery.reader_views import JINJA_GLOBALS as READER_GLOBALS

    env.globals.update(READER_GLOBALS)
    from chapterhouse.responses.selectors.inbox import inbox_unread_count
    from chapterhouse.responses.selectors.subscriptions import JINJA_GLOBALS as SUBSCRIPTION_GLOBALS

    env.globals["inbox_unread_count"] = inbox_unread_count
    env.globals.update(SUBSCRIPTION_GLOBALS)
    from chapterhouse.responses.selectors.bookmarks import JINJA_GLOBALS as BOOKMARK_GLOBALS

    env.globals.update(BOOKMARK_GLOBALS)
    from chapterhouse.exchange.downloads.views import JINJA_GLOBALS as DOWNLOAD_GLOBALS

    env.globals.update(DOWNLOAD_GLOBALS)
    from chapterhouse.moderation.selectors.news import JINJA_GLOBALS as NEWS_GLOBALS

    env.globals.update(NEWS_GLOBALS)
    from chapterhouse.moderation.services.site import JINJA_GLOBALS as GUEST_GLOBALS

    env.globals.update(GUEST_GLOBALS)
    from chapterhouse.moderation.services.content import JINJA_GLOBALS as CONTENT_GLOBALS

    env.globals.update(CONTENT_GLOBALS)
    from chapterhouse.moderation.roles import JINJA_GLOBALS as ROLE_GLOBALS

    env.globals.update(ROLE_GLOBALS)
    env.filters["intcomma"] = intcomma
    return env


__all__ = ["environment", "StrictUndefined"]
