import stat

from pororoca_core import credentials


def test_generated_once_private_and_stable(tmp_path):
    path = tmp_path / "credentials.json"
    first = credentials.ensure(path, ["a_password", "lakehouse_access_key"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first["a_password"]) == 32 and len(first["lakehouse_access_key"]) == 20
    again = credentials.ensure(path, ["a_password", "lakehouse_access_key", "b_password"])
    assert again["a_password"] == first["a_password"]
    assert set(again) == {"a_password", "lakehouse_access_key", "b_password"}


def test_a_loosened_file_mode_is_tightened(tmp_path):
    path = tmp_path / "credentials.json"
    credentials.ensure(path, ["x_password"])
    path.chmod(0o644)
    credentials.ensure(path, ["x_password"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_two_secrets_are_equal(tmp_path):
    values = credentials.ensure(tmp_path / "c.json", [f"s{i}_password" for i in range(50)]).values()
    assert len(set(values)) == 50
