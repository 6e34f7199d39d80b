"""Brazilian identifiers with valid check digits: CPF, CNPJ (numeric and the alphanumeric format valid
from July 2026) and mobile phones. Sources generate them, governance validates a subject's."""

from __future__ import annotations

import random
import string

_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_ALNUM = string.digits + string.ascii_uppercase


def _mod11(total: int) -> int:
    r = total % 11
    return 0 if r < 2 else 11 - r


def cpf_check_digits(base9: str) -> str:
    d1 = _mod11(sum(int(c) * w for c, w in zip(base9, range(10, 1, -1), strict=True)))
    d2 = _mod11(sum(int(c) * w for c, w in zip(base9 + str(d1), range(11, 1, -1), strict=True)))
    return f"{d1}{d2}"


def is_valid_cpf(cpf: str) -> bool:
    if len(cpf) != 11 or not cpf.isdigit() or cpf == cpf[0] * 11:
        return False
    return cpf[9:] == cpf_check_digits(cpf[:9])


def random_cpf(rng: random.Random) -> str:
    while True:
        base = f"{rng.randrange(10**9):09d}"
        if base != base[0] * 9:
            return base + cpf_check_digits(base)


def _cnpj_value(c: str) -> int:
    # The alphanumeric CNPJ maps each character to its ASCII code minus 48 ('0' -> 0, 'A' -> 17).
    return ord(c) - 48


def cnpj_check_digits(base12: str) -> str:
    d1 = _mod11(sum(_cnpj_value(c) * w for c, w in zip(base12, _CNPJ_W1, strict=True)))
    d2 = _mod11(sum(_cnpj_value(c) * w for c, w in zip(base12 + str(d1), _CNPJ_W2, strict=True)))
    return f"{d1}{d2}"


def is_valid_cnpj(cnpj: str) -> bool:
    if len(cnpj) != 14 or not cnpj[12:].isdigit() or any(c not in _ALNUM for c in cnpj[:12]):
        return False
    if cnpj == cnpj[0] * 14:
        return False
    return cnpj[12:] == cnpj_check_digits(cnpj[:12])


def random_cnpj(rng: random.Random, alphanumeric: bool = False) -> str:
    """A root of 8 characters, a branch number (0001 for the head office) and two check digits."""
    alphabet = _ALNUM if alphanumeric else string.digits
    while True:
        root = "".join(rng.choice(alphabet) for _ in range(8))
        if alphanumeric and root.isdigit():
            continue
        base = root + "0001"
        if base != base[0] * 12:
            return base + cnpj_check_digits(base)


# Area codes (DDD) per UF; mobiles are 9 digits starting with 9.
DDD_BY_UF = {
    "SP": (11, 12, 13, 14, 15, 16, 17, 18, 19),
    "RJ": (21, 22, 24),
    "ES": (27, 28),
    "MG": (31, 32, 33, 34, 35, 37, 38),
    "PR": (41, 42, 43, 44, 45, 46),
    "SC": (47, 48, 49),
    "RS": (51, 53, 54, 55),
    "DF": (61,),
    "GO": (62, 64),
    "TO": (63,),
    "MT": (65, 66),
    "MS": (67,),
    "AC": (68,),
    "RO": (69,),
    "BA": (71, 73, 74, 75, 77),
    "SE": (79,),
    "PE": (81, 87),
    "AL": (82,),
    "PB": (83,),
    "RN": (84,),
    "CE": (85, 88),
    "PI": (86, 89),
    "PA": (91, 93, 94),
    "AM": (92, 97),
    "RR": (95,),
    "AP": (96,),
    "MA": (98, 99),
}


def random_mobile(rng: random.Random, uf: str) -> str:
    """E.164: +55, area code, then 9 digits starting with 9."""
    return f"+55{rng.choice(DDD_BY_UF[uf])}9{rng.randrange(10**8):08d}"
