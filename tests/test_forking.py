"""Work in a forked process: its value, its exception, or a clear word when it dies."""

import os

import pytest

from ims_core.errors import UserFacingError
from ims_core.forking import default_workers, in_child


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
