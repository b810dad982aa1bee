"""Model rows read by plain SQL, turned into instances as the ORM would.

For the few reads on the hottest pages where building the ORM's query costs
more CPU time than the database spends answering it (the work page's work
row and chapters, the signed-in user with her preferences). The values pass
through the same converters the ORM applies (dates on SQLite, JSON), and
``Model.from_db`` builds the instance.
"""

from __future__ import annotations

from django.db import connection

_ROW_READERS: dict = {}


def row_reader(model, alias: str):
    """(the SELECT list of ``model``'s columns under table alias ``alias``,
    how many they are, a function turning those values into an instance as
    the ORM would). Worked out once per model, alias and database."""
    key = (model, alias, connection.vendor)
    if key not in _ROW_READERS:
        fields = list(model._meta.concrete_fields)
        columns = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
        converters = []
        for index, field in enumerate(fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            if found:
                converters.append((index, col, found))
        names = [f.attname for f in fields]

        def build(values, db="default", converters=converters, names=names, model=model):
            values = list(values)
            for index, col, each in converters:
                value = values[index]
                for convert in each:
                    value = convert(value, col, connection)
                values[index] = value
            return model.from_db(db, names, values)

        _ROW_READERS[key] = (columns, len(fields), build)
    return _ROW_READERS[key]


