"""Who the client is (clause 11): a name, an IIN, BIN or portal login for a portal user, and a way to
answer (an e-mail or a phone).

Kazakhstan's individual and business identification numbers (IIN, BIN):
Both are 12 digits whose last is a check digit: weights 1..11, sum mod 11;
if that is 10, weights 3..11,1,2; if that is 10 again the number is invalid.
The digits before it carry structure that a checksum alone does not prove:
an IIN starts with a birth date (YYMMDD) and a century-and-sex digit; a BIN
with the registration year and month (YYMM) and an entity-type digit.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from edoc_cli.i18n import _
from edoc_cli.rules.checklist import Problem

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,22}$")
_LOGIN_RE = re.compile(r"^[\w.@+\-]{2,64}$")

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


def identification_problems(v: dict[str, Any], ctype: str | None, refused: set[str]) -> list[Problem]:
    """Clause 11's unmet items (`v`: the request's cleaned values; `refused`: fields already refused)."""
    problems: list[Problem] = []
    if v["name"] is None and "name" not in refused:
        problems.append(Problem("name", 11, _("is required: the client's full name"), missing=True))
    if v["iin"] is not None and (why := iin_problem(v["iin"])):
        problems.append(Problem("iin", 11, why))
    if v["bin"] is not None and (why := bin_problem(v["bin"])):
        problems.append(Problem("bin", 11, why))
    if v["login"] is not None and not _LOGIN_RE.match(v["login"]):
        problems.append(Problem("login", 11, _("must be a portal login: 2-64 letters, digits or . _ @ + -")))
    if v["email"] is not None and not EMAIL_RE.match(v["email"]):
        problems.append(Problem("email", 11, _("is not an e-mail address")))
    if v["phone"] is not None and not (
        _PHONE_RE.match(v["phone"]) and 10 <= len(re.sub(r"\D", "", v["phone"])) <= 15
    ):
        problems.append(Problem("phone", 11, _("is not a phone number (10-15 digits, e.g. +7 701 234 5678)")))
    ids = ("iin", "bin", "login")
    if ctype == "user" and not any(v[k] for k in ids) and not refused.intersection(ids):
        problems.append(Problem(
            "iin", 11,
            _("a portal user is identified by IIN, BIN or portal login; support may refuse service without it"),
            missing=True,
        ))
    if not (v["email"] or v["phone"]) and not refused.intersection(("email", "phone")):
        problems.append(Problem("email", 11, _("an e-mail or a phone number is required to answer the client"),
                                missing=True))
    return problems


def normalize_phone(phone: str) -> str:
    """+<digits>; a Kazakh number written 8 7xx... or 7xx... becomes +7 7xx..."""
    digits = re.sub(r"\D", "", phone)
    # Without "+" a number is written the Kazakh way: 8 701 ... (trunk 8) or
    # 701 ... (national); "+81 3 ..." (Japan) already has its country code.
    if not phone.strip().startswith("+"):
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits.startswith("7"):
            digits = "7" + digits
    return "+" + digits
