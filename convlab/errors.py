"""The one error type for a mistake the user can fix."""


class UsageError(ValueError):
    """Bad settings, a path that cannot be used, missing or damaged data: the message says what to change.

    The command line prints it as one line and exits with status 2. Any other exception is a bug and
    keeps its traceback. It is a ValueError, so code that calls convlab as a library can catch either.
    """
