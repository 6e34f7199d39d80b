import random
import re

import pytest

from pororoca_core import ids


@pytest.mark.parametrize("cpf", ["52998224725", "11144477735"])
def test_known_valid_cpfs(cpf):
    assert ids.is_valid_cpf(cpf)


@pytest.mark.parametrize("cpf", ["52998224724", "11111111111", "1234567890", "5299822472a"])
def test_invalid_cpfs(cpf):
    assert not ids.is_valid_cpf(cpf)


def test_numeric_and_alphanumeric_cnpj_examples():
    assert ids.is_valid_cnpj("11222333000181")
    assert ids.is_valid_cnpj("12ABC34501DE35")  # the Receita Federal's example of the July 2026 format
    assert not ids.is_valid_cnpj("12ABC34501DE36")
    assert not ids.is_valid_cnpj("12abc34501DE35")  # letters are upper case only
    assert not ids.is_valid_cnpj("00000000000000")


def test_generated_identifiers_are_valid():
    rng = random.Random(3)
    for _ in range(2000):
        assert ids.is_valid_cpf(ids.random_cpf(rng))
        assert ids.is_valid_cnpj(ids.random_cnpj(rng))
        alnum = ids.random_cnpj(rng, alphanumeric=True)
        assert ids.is_valid_cnpj(alnum) and not alnum[:8].isdigit()
        assert re.fullmatch(r"\+55\d{2}9\d{8}", ids.random_mobile(rng, "SP"))
