"""Errors a user can fix: raised on purpose, with a message that names the file or flag and the fix.

run_sample.py prints such an error as one line (no traceback) and exits with status 2, as a
command-line tool does; any other exception is a bug and keeps its traceback. Each class is also
the built-in exception it refines (a BadInput is a ValueError), so code that catches the
built-in keeps working.
"""


class UserError(Exception):
    """A mistake in what the user gave (a flag, a file, a folder), or a stop that needs them."""

    def message(self):
        return str(self.args[0]) if self.args else self.__class__.__name__


class BadInput(UserError, ValueError):
    """A flag value or a file's content that cannot be used."""


class MissingInput(UserError, FileNotFoundError):
    """A file or folder the run needs is not there."""


class WontOverwrite(UserError, FileExistsError):
    """An output path holds something this project did not write: it stays as it is."""


class UnknownId(UserError, KeyError):
    """An image id that a list, label file or sidecar does not hold."""


class NoDevice(UserError, RuntimeError):
    """The device asked for is not there."""
