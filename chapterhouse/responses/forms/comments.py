"""The comment form's fields, under AO3's names (``comment[comment_content]``,
``comment[pseud_id]``, ``comment[name]``, ``comment[email]``).

The form only collects what was typed; every rule (length, who may comment,
spam) is checked in ``services/comments.py``.
"""

from __future__ import annotations

from django import forms


class CommentForm(forms.Form):
    comment_content = forms.CharField(required=False, strip=False)
    pseud_id = forms.IntegerField(required=False)
    name = forms.CharField(required=False)
    email = forms.CharField(required=False)
    #: The trap: hidden from people by CSS, filled in by spam robots.
    website = forms.CharField(required=False)

    def add_prefix(self, field_name: str) -> str:
        return f"comment[{field_name}]"

    def values(self) -> dict:
        """The typed values (the form never refuses anything itself)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "content": data.get("comment_content") or "",
            "pseud_id": data.get("pseud_id"),
            "name": data.get("name") or "",
            "email": data.get("email") or "",
            "honeypot": data.get("website") or "",
        }
