"""Recognisers of personal data in sampled values and column names (pure: no I/O).

Each kind pairs a value test with name hints (pt-BR and en) and the classification tags it suggests. Value
tests check what a pattern alone cannot: CPF and CNPJ check digits (alphanumeric CNPJ included), the Luhn
digit of card numbers, Brazilian area codes, real dates and IP addresses."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

from pororoca_core.ids import DDD_BY_UF, is_valid_cnpj, is_valid_cpf

DDD = frozenset(code for codes in DDD_BY_UF.values() for code in codes)  # area codes in use

_CPF = re.compile(r"^\d{3}\.?\d{3}\.?\d{3}-?\d{2}$")
_CNPJ = re.compile(r"^[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?\d{2}$", re.I)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(?:\+?55)?\s*\(?(\d{2})\)?\s*(9?\d{4})[-\s]?(\d{4})$")
_CEP = re.compile(r"^\d{5}-?\d{3}$")
_UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I)
_PAN = re.compile(r"^\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_NAME_WORD = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'\u2019]+$")
_PARTICLES = frozenset({"da", "de", "do", "das", "dos", "e", "del", "van", "von"})


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def is_cpf(value: str) -> bool:
    return bool(_CPF.match(value)) and is_valid_cpf(digits(value))


def is_cnpj(value: str) -> bool:
    return bool(_CNPJ.match(value)) and is_valid_cnpj(re.sub(r"[./-]", "", value).upper())


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def is_phone(value: str) -> bool:
    """A Brazilian number with a real area code: mobiles (9 + 8 digits) and landlines (8 digits)."""
    m = _PHONE.match(value.strip())
    if not m or int(m.group(1)) not in DDD:
        return False
    subscriber = m.group(2) + m.group(3)
    return (len(subscriber) == 8 and subscriber[0] in "2345") or (len(subscriber) == 9 and subscriber[0] == "9")


def is_cep(value: str) -> bool:
    return bool(_CEP.match(value)) and digits(value) != "00000000"


def is_pix_random_key(value: str) -> bool:
    return bool(_UUID4.match(value))


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_card_pan(value: str) -> bool:
    number = digits(value)
    return bool(_PAN.match(value.strip())) and 13 <= len(number) <= 19 and luhn_ok(number)


def is_birth_date(value: str, today: date | None = None) -> bool:
    """A real date at which a living customer could have been born (between 120 and 14 years ago)."""
    m = _DATE.match(value)
    if not m:
        return False
    try:
        born = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    today = today or date.today()
    return today.year - 120 <= born.year <= today.year - 14


@cache
def first_names() -> frozenset[str]:
    """Given names from Faker's pt_BR and en_US person providers (a maintained list), accents folded."""
    from faker.providers.person.en_US import Provider as English
    from faker.providers.person.pt_BR import Provider as Brazilian

    names = {*Brazilian.first_names, *English.first_names}
    return frozenset(fold(n.split()[0]) for n in names)


@cache
def surnames() -> frozenset[str]:
    from faker.providers.person.en_US import Provider as English
    from faker.providers.person.pt_BR import Provider as Brazilian

    return frozenset(fold(n) for n in {*Brazilian.last_names, *English.last_names})


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def is_person_name(value: str) -> bool:
    """Two to six capitalised words (particles allowed), the first a known given name."""
    words = value.strip().split()
    if not 2 <= len(words) <= 6:
        return False
    if not all(_NAME_WORD.match(w) or w.lower() in _PARTICLES for w in words):
        return False
    return fold(words[0]) in first_names()


@cache
def known_names() -> frozenset[str]:
    return surnames() | first_names()


def is_business_name_of_a_person(value: str) -> bool:
    """A business named after its owner ("Souza LTDA", "Cirino - EI"): a sole proprietor's name is personal."""
    words = value.strip().split()
    return bool(words) and fold(words[0]) in known_names()


_OPAQUE_ID = re.compile(r"^[0-9a-f-]{16,64}$", re.I)


def is_device_fingerprint(value: str) -> bool:
    """An opaque identifier (hex or UUID) of 16 to 64 characters: what device fingerprints look like."""
    return bool(_OPAQUE_ID.match(value))


def is_pix_key(value: str) -> bool:
    """Any of the four kinds of Pix key: CPF or CNPJ, e-mail, phone, random key."""
    return is_cpf(value) or is_cnpj(value) or is_email(value) or is_phone(value) or is_pix_random_key(value)


@dataclass(frozen=True)
class Kind:
    name: str
    tags: tuple[str, ...]  # what the classification should say of a column holding it
    test: Callable[[str], bool]
    hints: re.Pattern[str]  # column names that suggest it, in pt-BR and en
    needs_hint: bool = False  # values alone are not enough (any date is not a birth date)


def _hint(*words: str) -> re.Pattern[str]:
    return re.compile(r"(^|_)(" + "|".join(words) + r")(_|$)", re.I)


KINDS: tuple[Kind, ...] = (
    Kind("cpf", ("PersonalData", "CPF"), is_cpf, _hint("cpf", "tax_id", "documento")),
    Kind("cnpj", ("PersonalData", "CNPJ"), is_cnpj, _hint("cnpj")),
    Kind("email", ("PersonalData", "Email"), is_email, _hint("e?mail", "correio")),
    Kind("phone", ("PersonalData", "Phone"), is_phone, _hint("phone", "telefone", "celular", "fone", "mobile")),
    # Eight digits and UUIDs are many things: a CEP and a Pix key only where the column's name says so.
    Kind("cep", ("PersonalData", "Address"), is_cep, _hint("cep", "postal_code", "zip", "zipcode"), needs_hint=True),
    Kind("pix_key", ("PersonalData", "FinancialData", "PixKey"), is_pix_key,
         _hint("chave", "chave_pix", "pix_key", "key_value", "payee_key"), needs_hint=True),
    Kind("ip", ("PersonalData", "OnlineIdentifier"), is_ip, _hint("ip", "ip_address", "endereco_ip")),
    Kind("device_fingerprint", ("PersonalData", "OnlineIdentifier"), is_device_fingerprint,
         _hint("fingerprint", "device_fingerprint", "imei", "advertising_id", "cookie_id"), needs_hint=True),
    Kind("card_pan", ("PersonalData", "FinancialData"), is_card_pan, _hint("pan", "card_number", "numero_cartao")),
    Kind("birth_date", ("PersonalData", "BirthDate"), is_birth_date,
         _hint("birth", "birth_date", "dob", "nascimento", "data_nascimento", "dt_nasc"), needs_hint=True),
    Kind("name", ("PersonalData", "Name"), is_person_name,
         _hint("name", "nome", "full_name", "nome_completo")),
    Kind("business_name", ("PersonalData", "Name"), is_business_name_of_a_person,
         _hint("legal_name", "trade_name", "razao_social", "nome_fantasia"), needs_hint=True),
)  # fmt: skip
