"""The stored words are a contract (DESIGN.md, "Status vocabulary"; the IMS action codes): the enums
must keep spelling them exactly, and give the words people read."""

from __future__ import annotations

import pytest

from ims_core.models.vocabulary import Action, FollowUpState, Status, status_label


def test_the_stored_spellings_do_not_change():
    assert list(Status) == ["matched", "probable", "mismatch", "missing_in_portal", "missing_in_books",
                            "duplicate", "manual"]
    assert list(Action) == ["A", "R", "P", "N"]
    assert list(FollowUpState) == ["drafted", "sending", "sent", "marked_sent", "failed", "closed"]
    assert f"{Status.MISSING_IN_BOOKS}|{Action.REJECT}" == "missing_in_books|R"  # as rows and JSON store them


def test_actions_in_the_words_people_use():
    assert [(a.verb, a.word) for a in Action] == [
        ("accept", "accepted"), ("reject", "rejected"), ("pending", "pending"), ("reset", "no action")]
    assert Action.from_verb("reset") is Action.NO_ACTION and Action.from_verb("approve") is None
    assert Action.of("") is Action.NO_ACTION and Action.of(None) is Action.NO_ACTION
    assert Action.of("P") is Action.PENDING
    with pytest.raises(ValueError):
        Action.of("X")


def test_status_labels():
    assert status_label("missing_in_books") == "Not in books"
    assert status_label("something_new") == "Something new"
