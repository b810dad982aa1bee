"""The search index: a derived copy of every posted work, rebuilt from the
database at will. ``documents`` reads works into ``Document``s; ``columns``
holds them as NumPy arrays for filters, facets and sorting; ``text`` is the
Tantivy full-text index; ``syntax`` parses AO3's search syntax; ``index``
keeps both fresh from the outbox and swaps in rebuilt generations."""
