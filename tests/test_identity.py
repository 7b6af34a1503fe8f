"""IIN and BIN (clause 11): the check digit, the structure before it, and what is not a digit.

Every check digit below is worked out by hand. The rule (edoc_cli/identity.py,
and the published algorithm): the 11 first digits times the weights
1 2 3 4 5 6 7 8 9 10 11, summed, mod 11; if that is 10, again with the weights
3 4 5 6 7 8 9 10 11 1 2; if that is 10 too, no check digit is valid.
"""

from __future__ import annotations

import pytest

from edoc_cli.rules.identity import bin_problem, check_digit, iin_problem, with_check_digit
from conftest import BIN, IIN


# -- the check digit, by hand ---------------------------------------------------------------

def test_check_digit_of_the_harness_iin():
    # 9 0 0 1 0 1 3 0 1 2 3 (born 1990-01-01, 3 = a man of the 1900s)
    # 9*1 + 0*2 + 0*3 + 1*4 + 0*5 + 1*6 + 3*7 + 0*8 + 1*9 + 2*10 + 3*11
    # = 9 + 4 + 6 + 21 + 9 + 20 + 33 = 102; 102 = 9*11 + 3 -> 3
    assert check_digit("90010130123") == 3
    assert IIN == "900101301233"
    assert iin_problem(IIN) is None


def test_check_digit_of_the_spec_bin():
    # 9 4 0 1 4 0 0 0 0 3 8 (registered 1994-01, 4 = a resident legal entity)
    # 9*1 + 4*2 + 0*3 + 1*4 + 4*5 + 0 + 0 + 0 + 0 + 3*10 + 8*11
    # = 9 + 8 + 4 + 20 + 30 + 88 = 159; 159 = 14*11 + 5 -> 5
    assert check_digit("94014000038") == 5
    assert BIN == "940140000385"
    assert bin_problem(BIN) is None


def test_check_digit_of_a_1985_iin():
    # 8 5 1 2 3 1 4 0 0 0 2 (born 1985-12-31, 4 = a woman of the 1900s)
    # 8*1 + 5*2 + 1*3 + 2*4 + 3*5 + 1*6 + 4*7 + 0 + 0 + 0 + 2*11
    # = 8 + 10 + 3 + 8 + 15 + 6 + 28 + 22 = 100; 100 = 9*11 + 1 -> 1
    assert check_digit("85123140002") == 1
    assert iin_problem("851231400021") is None
    assert iin_problem("851231400022") == "the check digit of this IIN is wrong"


def test_check_digit_of_a_bin_with_the_first_weights():
    # 0 5 0 5 4 0 0 0 1 2 3 (registered 2005-05, entity type 4)
    # 0 + 5*2 + 0 + 5*4 + 4*5 + 0 + 0 + 0 + 1*9 + 2*10 + 3*11
    # = 10 + 20 + 20 + 9 + 20 + 33 = 112; 112 = 10*11 + 2 -> 2
    assert check_digit("05054000123") == 2
    assert bin_problem("050540001232") is None


def test_second_weights_when_the_first_sum_gives_10():
    # 0 1 0 5 1 5 6 0 0 1 2 (born 2001-05-15, 6 = a woman of the 2000s)
    # first weights:  0 + 1*2 + 0 + 5*4 + 1*5 + 5*6 + 6*7 + 0 + 0 + 1*10 + 2*11
    #               = 2 + 20 + 5 + 30 + 42 + 10 + 22 = 131; 131 = 11*11 + 10 -> 10: try again
    # second weights: 0*3 + 1*4 + 0*5 + 5*6 + 1*7 + 5*8 + 6*9 + 0*10 + 0*11 + 1*1 + 2*2
    #               = 4 + 30 + 7 + 40 + 54 + 1 + 4 = 140; 140 = 12*11 + 8 -> 8
    assert check_digit("01051560012") == 8
    assert iin_problem("010515600128") is None
    # The digit the first weights alone would never give (10 is not a digit) is not
    # accepted, nor is 131 mod 10 = 1 or any other guess.
    for wrong in "012345679":
        if wrong != "8":
            assert iin_problem("01051560012" + wrong) == "the check digit of this IIN is wrong"


def test_second_weights_for_a_bin():
    # 0 8 0 5 4 0 0 0 0 2 0 (registered 2008-05, entity type 4)
    # first weights:  0 + 8*2 + 0 + 5*4 + 4*5 + 0 + 0 + 0 + 0 + 2*10 + 0 = 16 + 20 + 20 + 20 = 76
    #                 76 = 6*11 + 10 -> 10: try again
    # second weights: 0*3 + 8*4 + 0*5 + 5*6 + 4*7 + 0 + 0 + 0 + 0 + 2*1 + 0*2 = 32 + 30 + 28 + 2 = 92
    #                 92 = 8*11 + 4 -> 4
    assert check_digit("08054000020") == 4
    assert bin_problem("080540000204") is None
    assert bin_problem("080540000200") == "the check digit of this BIN is wrong"


def test_no_valid_check_digit_when_both_sums_give_10():
    # 9 0 0 1 0 1 3 0 0 8 0 (born 1990-01-01, a real date and century digit)
    # first weights:  9*1 + 1*4 + 1*6 + 3*7 + 8*10 = 9 + 4 + 6 + 21 + 80 = 120; 120 = 10*11 + 10
    # second weights: 9*3 + 1*6 + 1*8 + 3*9 + 8*1  = 27 + 6 + 8 + 27 + 8 = 76;  76 = 6*11 + 10
    # Both give 10: such a number is never issued, whatever its last digit.
    assert check_digit("90010130080") is None
    for last in "0123456789":
        assert iin_problem("90010130080" + last) == "the check digit of this IIN is wrong"
    with pytest.raises(ValueError, match="no check digit exists"):
        with_check_digit("90010130080")


def test_with_check_digit_completes_to_a_valid_number():
    # The same three cases: first weights (3), second weights (8), none.
    assert with_check_digit("90010130123") == IIN
    assert with_check_digit("01051560012") == "010515600128"


# -- structure: an IIN starts with a birth date and a century-and-sex digit ------------------

# The check digit of every number here is RIGHT (weighted sum shown), so only the
# structure can be what refuses it.
NOT_A_DATE = "an IIN starts with a birth date YYMMDD, and this one is not a real date"
BAD_CENTURY = "the 7th digit of an IIN (century and sex) must be 1-6"


@pytest.mark.parametrize("number, problem", [
    # month 13: 9 0 1 3 0 1 3 0 0 1 2 -> 9+0+3+12+0+6+21+0+0+10+22 = 83 = 7*11 + 6
    ("901301300126", NOT_A_DATE),
    # month 00: 9 0 0 0 0 1 3 0 0 1 2 -> 9+0+0+0+0+6+21+0+0+10+22 = 68 = 6*11 + 2
    ("900001300122", NOT_A_DATE),
    # day 32: 9 0 0 1 3 2 3 0 0 1 2 -> 9+0+0+4+15+12+21+0+0+10+22 = 93 = 8*11 + 5
    ("900132300125", NOT_A_DATE),
    # 29 February 2001 (digit 5: the 2000s; 2001 is not a leap year):
    # 0 1 0 2 2 9 5 0 0 1 2 -> 0+2+0+8+10+54+35+0+0+10+22 = 141 = 12*11 + 9
    ("010229500129", NOT_A_DATE),
    # 29 February 1900 (digit 3: the 1900s; 1900 is not a leap year, divisible by 100):
    # 0 0 0 2 2 9 3 0 0 1 2 -> 0+0+0+8+10+54+21+0+0+10+22 = 125 = 11*11 + 4
    ("000229300124", NOT_A_DATE),
    # 29 February 1800 (digit 1: the 1800s, not a leap year either):
    # 0 0 0 2 2 9 1 0 0 1 2 -> 0+0+0+8+10+54+7+0+0+10+22 = 111 = 10*11 + 1
    ("000229100121", NOT_A_DATE),
    # century digit 0: 9 0 0 1 0 1 0 0 0 1 2 -> 9+0+0+4+0+6+0+0+0+10+22 = 51 = 4*11 + 7
    ("900101000127", BAD_CENTURY),
    # century digit 7: 9 0 0 1 0 1 7 0 0 1 2 -> 9+4+6+49+10+22 = 100 = 9*11 + 1
    ("900101700121", BAD_CENTURY),
    # century digit 9: 9 0 0 1 0 1 9 0 0 1 2 -> 9+4+6+63+10+22 = 114 = 10*11 + 4
    ("900101900124", BAD_CENTURY),
])
def test_iin_structure_refused(number, problem):
    assert iin_problem(number) == problem


@pytest.mark.parametrize("number", [
    # 29 February 2000 (digit 5): 2000 IS a leap year (divisible by 400).
    # 0 0 0 2 2 9 5 0 0 1 2 -> 0+0+0+8+10+54+35+0+0+10+22 = 139 = 12*11 + 7
    "000229500127",
    # century digit 4 (a woman of the 1900s): 9+4+6+28+10+22 = 79 = 7*11 + 2
    "900101400122",
    # century digit 6 (a woman of the 2000s): 9+4+6+42+10+22 = 93 = 8*11 + 5
    "900101600125",
    # century digit 2: 9+4+6+14+10+22 = 65 = 5*11 + 10 -> second weights:
    # 9*3 + 1*6 + 1*8 + 2*9 + 1*1 + 2*2 = 27+6+8+18+1+4 = 64 = 5*11 + 9
    "900101200129",
])
def test_iin_structure_accepted(number):
    assert iin_problem(number) is None


# -- structure: a BIN starts with YYMM and an entity-type digit ------------------------------

BAD_MONTH = "a BIN starts with the registration year and month YYMM, and the month is not 01-12"
BAD_TYPE = "the 5th digit of a BIN (entity type) must be 4, 5 or 6"


@pytest.mark.parametrize("number, problem", [
    # month 00: 0 8 0 0 4 0 0 0 0 2 0 -> 0+16+0+0+20+0+0+0+0+20+0 = 56 = 5*11 + 1
    ("080040000201", BAD_MONTH),
    # month 13: 0 8 1 3 4 0 0 0 0 2 0 -> 0+16+3+12+20+20 = 71 = 6*11 + 5
    ("081340000205", BAD_MONTH),
    # type 3: 0 8 0 5 3 0 0 0 0 2 0 -> 16+20+15+20 = 71 = 6*11 + 5
    ("080530000205", BAD_TYPE),
    # type 7: 0 8 0 5 7 0 0 0 0 2 0 -> 16+20+35+20 = 91 = 8*11 + 3
    ("080570000203", BAD_TYPE),
])
def test_bin_structure_refused(number, problem):
    assert bin_problem(number) == problem


@pytest.mark.parametrize("number", [
    # month 01: 0 8 0 1 4 ... -> 16+4+20+20 = 60 = 5*11 + 5
    "080140000205",
    # month 12: 0 8 1 2 4 ... -> 16+3+8+20+20 = 67 = 6*11 + 1
    "081240000201",
    # type 5 (a non-resident): 16+20+25+20 = 81 = 7*11 + 4
    "080550000204",
    # type 6 (a joint venture of individual entrepreneurs): 16+20+30+20 = 86 = 7*11 + 9
    "080560000209",
])
def test_bin_structure_accepted(number):
    assert bin_problem(number) is None


# -- not 12 ASCII digits ---------------------------------------------------------------------

# "900101301233" written in other scripts: Python's str.isdigit() and int() accept
# these, so a careless check would take them for the valid IIN.
FULL_WIDTH = "".join(chr(0xFF10 + int(c)) for c in IIN)        # ９００１０１３０１２３３
ARABIC_INDIC = "".join(chr(0x0660 + int(c)) for c in IIN)      # ٩٠٠١٠١٣٠١٢٣٣
DEVANAGARI = "".join(chr(0x0966 + int(c)) for c in IIN)


@pytest.mark.parametrize("number", [
    "",
    IIN[:11],                  # 11 digits
    IIN + "0",                 # 13 digits
    "90010130123X",            # a letter
    "9001-0130-1233",          # separators
    " 900101301233",           # the core takes the exact value (the CLI strips first)
    "900101301233\n",
    "９００１０１３０１２３３",   # full-width, typed out
    FULL_WIDTH,
    ARABIC_INDIC,
    DEVANAGARI,
    IIN[:11] + "３",           # one full-width digit at the end
    "+90101301233",            # int() would accept a sign
    "9001013012³3",            # a superscript digit: isdigit() is True for it
])
def test_not_twelve_ascii_digits(number):
    assert iin_problem(number) == "an IIN is 12 digits"
    assert bin_problem(number) == "a BIN is 12 digits"


def test_unicode_digits_really_are_digits_to_python():
    # Why the test above matters: the naive checks pass these.
    assert FULL_WIDTH.isdigit() and ARABIC_INDIC.isdigit()
    assert int(FULL_WIDTH) == int(IIN) == int(ARABIC_INDIC)


def test_an_iin_is_not_taken_as_a_bin_and_back():
    # The harness IIN has month 01 and 5th digit 0: not a BIN type.
    assert bin_problem(IIN) == BAD_TYPE
    # The SPEC BIN has 7th digit 0: not an IIN century digit.
    assert iin_problem(BIN) == BAD_CENTURY
