"""The one error type for a mistake the user can fix."""


class UsageError(ValueError):
    """Bad settings, a path that cannot be used, missing or damaged data: the message says what to change.

    The command line prints it as one line and exits with status 2. Any other exception is a bug and
    keeps its traceback. It is a ValueError, so code that calls convlab as a library can catch either.
    """


def shown(text: str, limit: int = 40) -> str:
    """Return what the user wrote, quoted, cut to ``limit`` characters when longer (an error line stays one line).

    >>> shown("5x7"), shown("9" * 5000)
    ("'5x7'", "'99999999999999999999…' (5000 characters)")
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[: limit // 2] + '…'!r} ({len(text)} characters)"


def cut(text: str, limit: int = 160) -> str:
    """Return ``text``, ended with an ellipsis after ``limit`` characters when it is longer.

    >>> cut("abcdef", 3)
    'abc…'
    """
    return text if len(text) <= limit else text[:limit] + "…"
