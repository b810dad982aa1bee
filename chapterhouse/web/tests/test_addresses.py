"""The client's address, directly and behind the site's proxy."""

from django.test import RequestFactory

from chapterhouse.web.addresses import client_address


def test_without_a_proxy_the_connection_address_counts(settings):
    settings.BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4",
                                   HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(request) == "198.51.100.4"


def test_behind_the_proxy_the_address_it_appended_counts(settings):
    settings.BEHIND_PROXY = True
    # A client may send its own X-Forwarded-For; our proxy appends the real one.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_address(request) == "203.0.113.9"
    bare = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
    assert client_address(bare) == "10.0.0.2"
