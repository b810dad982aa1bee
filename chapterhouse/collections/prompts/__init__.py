"""Prompt memes: a collection whose members post prompts, claim them and fill
them with works (docs/prompt-memes.md)."""
