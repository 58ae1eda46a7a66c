"""The errors cnnviz raises for a user's mistake: one line that names the source and the problem."""

from __future__ import annotations


class CnnvizError(ValueError):
    """Bad input that the user can fix: an unreadable image or an invalid kernel.

    The message is a single line, ``"<source>: <problem>"``, fit to print as it is.
    """

    def __init__(self, source: object, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class ImageError(CnnvizError):
    """An image file that cannot be used: unreadable, empty, corrupt or of a bad size."""


class KernelError(CnnvizError):
    """A filter stack that cannot be used: ragged, non-finite, empty or of a bad size."""
