"""TEMPORARY smoke test for scripts/test.py (delete me)."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_vendor():
    expected = "sqlite" if os.environ["DATABASE_URL"].startswith("sqlite") else "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
    assert connection.vendor == expected
    print("vendor", connection.vendor, connection.settings_dict["NAME"])
