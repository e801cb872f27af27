"""The one base class for errors a user can act on; the CLI and the bot show their message as is."""


class UserFacingError(Exception):
    """An error whose message is written for the user: no traceback, exit code non-zero."""
