"""One exception tree for everything Deskhand refuses or cannot do that a person can fix (a setting,
a file, a request). The command line shows any of them as one line with exit 1 (app/cli/main.py);
the web app answers them with their `status` and message (app/web/factory.py). Anything else is a
bug: logged with its traceback, answered 500 without detail."""
from __future__ import annotations


class DeskhandError(Exception):
    """A refusal with a message meant for the person who can act on it."""

    status = 500  # met inside a request it is the server's setup that is wrong, unless a subclass says otherwise

    def __init__(self, message: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
