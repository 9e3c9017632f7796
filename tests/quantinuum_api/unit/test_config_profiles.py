"""Profiles in the config file and URL normalisation (the config dir's mode: tests/security)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quantinuum_api import Config, ConfigError
from quantinuum_api._config import (
    credential_namespace,
    list_profiles,
    normalise_api_url,
    remove_profile,
    set_default_profile,
)


def test_urls_are_normalised() -> None:
    assert normalise_api_url("HTTP://LocalHost:8000") == "http://localhost:8000/"
    assert normalise_api_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/"
    assert credential_namespace("http://h:1") == credential_namespace("http://h:1/")
    assert credential_namespace("http://h:1", "work") == "http://h:1/#work"
    with pytest.raises(ValueError, match="api_url"):
        normalise_api_url("ftp://h/")


def test_profiles_round_trip(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Config(api_url="http://a:1", user_name="a@x.y").save()
    Config(api_url="http://b:2/", user_name="b@x.y", profile="work").save()
    default, saved = list_profiles()
    assert default == "default"
    assert saved["work"].api_url == "http://b:2/"
    assert saved["default"].api_url == "http://a:1/"
    data = json.loads((config_dir / "config.json").read_text())
    assert data["api_url"] == "http://a:1/", "the default profile keeps the old shape"
    assert Config.load().user_name == "a@x.y"
    assert Config.load(profile="work").user_name == "b@x.y"
    monkeypatch.setenv("QUANTINUUM_PROFILE", "work")
    assert Config.load().api_url == "http://b:2/"
    monkeypatch.delenv("QUANTINUUM_PROFILE")
    set_default_profile("work")
    assert Config.load().profile == "work"
    remove_profile("work")
    assert list_profiles() == ("default", {"default": saved["default"]})
    with pytest.raises(ConfigError, match="qapi login --profile nope"):
        Config.load(profile="nope")
    with pytest.raises(ConfigError, match="profile names"):
        Config.load(profile="../etc")


def test_first_named_profile_becomes_the_default(config_dir: Path) -> None:
    Config(api_url="http://b:2/", user_name="b@x.y", profile="work").save()
    assert list_profiles()[0] == "work"
    assert Config.load().user_name == "b@x.y"
