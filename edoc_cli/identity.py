"""Kazakhstan's individual and business identification numbers (IIN, BIN).

Both are 12 digits whose last is a check digit: weights 1..11, sum mod 11;
if that is 10, weights 3..11,1,2; if that is 10 again the number is invalid.
The digits before it carry structure that a checksum alone does not prove:
an IIN starts with a birth date (YYMMDD) and a century-and-sex digit; a BIN
with the registration year and month (YYMM) and an entity-type digit.
"""

from __future__ import annotations

from datetime import date

from edoc_cli.i18n import _

_W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first11: str) -> int | None:
    """The check digit for 11 digits, or None where no digit can be valid."""
    digits = [int(c) for c in first11]
    for weights in (_W1, _W2):
        rest = sum(d * w for d, w in zip(digits, weights)) % 11
        if rest != 10:
            return rest
    return None


def _checksum_ok(number: str) -> bool:
    return check_digit(number[:11]) == int(number[11])


def _twelve_digits(number: str) -> bool:
    return len(number) == 12 and number.isascii() and number.isdigit()


def iin_problem(number: str) -> str | None:
    """Why `number` is not a valid IIN, or None if it is."""
    if not _twelve_digits(number):
        return _("an IIN is 12 digits")
    century_sex = int(number[6])
    if century_sex not in range(1, 7):
        return _("the 7th digit of an IIN (century and sex) must be 1-6")
    century = 1800 + 100 * ((century_sex - 1) // 2)
    try:
        date(century + int(number[0:2]), int(number[2:4]), int(number[4:6]))
    except ValueError:
        return _("an IIN starts with a birth date YYMMDD, and this one is not a real date")
    if not _checksum_ok(number):
        return _("the check digit of this IIN is wrong")
    return None


def bin_problem(number: str) -> str | None:
    """Why `number` is not a valid BIN, or None if it is."""
    if not _twelve_digits(number):
        return _("a BIN is 12 digits")
    if not 1 <= int(number[2:4]) <= 12:
        return _("a BIN starts with the registration year and month YYMM, and the month is not 01-12")
    if number[4] not in "456":
        return _("the 5th digit of a BIN (entity type) must be 4, 5 or 6")
    if not _checksum_ok(number):
        return _("the check digit of this BIN is wrong")
    return None


def with_check_digit(first11: str) -> str:
    """Complete 11 digits into a valid 12-digit number (for tests and examples)."""
    digit = check_digit(first11)
    if digit is None:
        raise ValueError(f"no check digit exists for {first11}")
    return first11 + str(digit)
