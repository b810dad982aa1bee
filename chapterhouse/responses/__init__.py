"""Readers' answers: kudos, comments, bookmarks, subscriptions, reading
history and progress, hits, the inbox, notification mail and creator statistics."""
