"""Settings read from the environment: a switch it cannot read stops the start-up."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from cchc.lib.env import env_bool, env_int


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_it_reads_yes(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CCHC_SWITCH", value)
    assert env_bool("CCHC_SWITCH") is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off"])
def test_it_reads_no_even_when_the_default_is_yes(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CCHC_SWITCH", value)
    assert env_bool("CCHC_SWITCH", default=True) is False


def test_an_empty_or_missing_value_takes_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCHC_SWITCH", raising=False)
    assert env_bool("CCHC_SWITCH", default=True) is True
    monkeypatch.setenv("CCHC_SWITCH", "  ")
    assert env_bool("CCHC_SWITCH", default=True) is True


@pytest.mark.parametrize("value", ["ture", "enabled", "2", "có"])
def test_it_refuses_a_value_it_does_not_understand(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CCHC_SWITCH", value)
    with pytest.raises(ImproperlyConfigured, match="CCHC_SWITCH"):
        env_bool("CCHC_SWITCH")


def test_a_switch_may_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    secret = tmp_path / "switch"
    secret.write_text("on\n")
    monkeypatch.delenv("CCHC_SWITCH", raising=False)
    monkeypatch.setenv("CCHC_SWITCH_FILE", str(secret))
    assert env_bool("CCHC_SWITCH") is True


def test_a_number_that_is_not_a_number_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_NUMBER", "mười")
    with pytest.raises(ValueError):
        env_int("CCHC_NUMBER", 3)
