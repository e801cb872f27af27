"""Files a command writes where the user said: the path checked before any work is done for it, and
a write that fails (a folder that is not there, no permission, a full disk) told as a
``UserFacingError`` naming the file, never as a traceback."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ims_core.errors import UserFacingError


def output_path(path: Path | str, what: str, suffixes: Sequence[str] = ()) -> Path:
    """``path`` once it ends in one of ``suffixes`` (any, without them) and its folder exists."""
    path = Path(path)
    if suffixes and path.suffix.lower() not in suffixes:
        raise UserFacingError(f"{path}: {what} must end in {' or '.join(suffixes)}")
    if not path.parent.is_dir():
        raise UserFacingError(f"{path.parent}: no such folder")
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Around the code that writes ``path``: an ``OSError`` becomes a ``UserFacingError``."""
    try:
        yield
    except OSError as exc:
        raise UserFacingError(f"{path}: cannot be written ({exc.strerror or exc})") from exc
