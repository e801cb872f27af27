"""Work in a forked process: its value, its exception, or a clear word when it dies."""

import os
import sys

import pytest

from ims_core.errors import UserFacingError
from ims_core.forking import default_workers, in_child, workers_to_use


def _square(n: int) -> int:
    return n * n


def _refuse() -> None:
    raise ValueError("no, thank you")


def _vanish() -> None:
    os._exit(9)  # as if the kernel had killed it: no answer at all


def test_the_value_comes_back():
    assert in_child(_square, 12)() == 144


def test_an_exception_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="no, thank you"):
        in_child(_refuse)()


def test_a_worker_that_dies_is_reported_with_a_way_out():
    with pytest.raises(UserFacingError, match=r"exit code 9.*--workers 1"):
        in_child(_vanish)()


def test_default_workers_is_between_one_and_four():
    assert 1 <= default_workers() <= 4


def test_the_command_lines_workers_here_on_linux():
    assert sys.platform.startswith("linux")  # the machine this suite runs on
    assert workers_to_use(None) == default_workers()
    assert workers_to_use(1) == 1 and workers_to_use(3) == 3


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_where_workers_cannot_be_forked_one_is_the_default_and_more_are_refused(monkeypatch, platform):
    monkeypatch.setattr(sys, "platform", platform)
    assert default_workers() == 1 and workers_to_use(None) == 1 and workers_to_use(1) == 1
    with pytest.raises(UserFacingError, match=r"--workers 2: .*cannot fork.*--workers 1"):
        workers_to_use(2)
