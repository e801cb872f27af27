"""GSTIN rules: the mod-36 check character catches every single-character change; state codes read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_core.gst.gstin import ALPHABET, STATES, check_character, pan_of, problem, state_code

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
pans = st.builds(
    lambda a, b, c: a + b + c,
    st.text(LETTERS, min_size=5, max_size=5),
    st.text(DIGITS, min_size=4, max_size=4),
    st.sampled_from(LETTERS),
)
states = st.sampled_from(sorted(STATES))
entities = st.sampled_from("123456789" + LETTERS)


def build(state: str, pan: str, entity: str) -> str:
    first14 = f"{state}{pan}{entity}Z"
    return first14 + check_character(first14)


@given(states, pans, entities)
def test_a_built_gstin_is_valid(state: str, pan: str, entity: str) -> None:
    gstin = build(state, pan, entity)
    assert problem(gstin) is None
    assert pan_of(gstin) == pan


def test_weight_two_positions_permute_the_alphabet() -> None:
    """Why one changed character always changes the check: each position's contribution to the sum is a
    different residue mod 36 for each of the 36 characters (weight 1 trivially; weight 2 folds 2v into
    v*2 // 36 + v*2 % 36, which is 2v for v < 18 and 2v - 35 for v >= 18: all evens, then all odds)."""
    folded = {(v * 2) // 36 + (v * 2) % 36 for v in range(36)}
    assert folded == set(range(36))


@given(states, pans, entities, st.integers(0, 14), st.integers(1, 35))
def test_changing_any_one_character_invalidates(
    state: str, pan: str, entity: str, position: int, shift: int
) -> None:
    gstin = build(state, pan, entity)
    replacement = ALPHABET[(ALPHABET.index(gstin[position]) + shift) % 36]
    changed = gstin[:position] + replacement + gstin[position + 1 :]
    assert problem(changed) is not None


def test_every_single_change_of_a_known_gstin_is_caught() -> None:
    gstin = "27AHQPA7588L1ZJ"
    for position in range(15):
        for c in ALPHABET:
            if c != gstin[position]:
                assert problem(gstin[:position] + c + gstin[position + 1 :]) is not None


@pytest.mark.parametrize(
    "gstin", ["27AHQPA7588L1ZJ", "29AAFCC9980M1ZR", "06AAMCS8709B1ZA", "24AAQCA8719H1ZC"]
)
def test_published_valid_examples(gstin: str) -> None:
    assert problem(gstin) is None


def test_problem_words() -> None:
    assert problem("01AABCE2207R1Z5") == "the check character should be 'V', not '5'"  # GSTN's own sample
    assert problem("27AHQPA7588L1Z") == "a GSTIN has 15 characters, this has 14"
    assert problem("00AHQPA7588L1ZJ") == "'00' is not a state code"


@given(states)
def test_state_code_reads_code_name_and_code_name(code: str) -> None:
    name = STATES[code]
    assert state_code(code) == code
    assert state_code(name) == code
    assert state_code(name.upper()) == code
    assert state_code(f"{code}-{name}") == code
    assert state_code(f"{code} - {name}") == code
    assert state_code(str(int(code))) == code  # "7" for Delhi


def test_state_code_refuses_what_it_cannot_read() -> None:
    assert state_code("") == ""
    with pytest.raises(ValueError, match="not a state code or state name"):
        state_code("Atlantis")
    with pytest.raises(ValueError, match="not a state code"):
        state_code("55")
