"""Writes about tags: wrangling (``wrangling.py``), effective filter tags
(``filters.py``) and their background recomputation (``jobs.py``)."""
