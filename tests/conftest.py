"""Hooks for the project-wide tests."""


def pytest_terminal_summary(terminalreporter):
    """The fuzz test's count of requests and 5xx answers, when it ran."""
    import sys

    fuzz = sys.modules.get("tests.test_fuzz")
    if fuzz is not None and fuzz.STATS["requests"]:
        terminalreporter.write_line(fuzz.summary())
