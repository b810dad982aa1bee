"""Shows a signed-in user what moderation says to her (a warning to read, a
suspension or ban with its reason and end) on her next page."""

from __future__ import annotations


class SanctionNoticeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
