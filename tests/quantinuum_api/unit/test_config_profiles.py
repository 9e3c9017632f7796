"""Profiles in the config file, URL normalisation, and the config dir's mode left alone."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from quantinuum_api import Config, ConfigError, FileCredentialStorage
from quantinuum_api._config import (
    credential_namespace,
    list_profiles,
    normalise_api_url,
    remove_profile,
    set_default_profile,
)

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


@posix
@pytest.mark.parametrize("mode", [0o755, 0o1777])
def test_an_existing_config_dir_keeps_its_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    monkeypatch.setenv("QUANTINUUM_CONFIG_DIR", str(shared))
    with pytest.warns(UserWarning, match="accessible by other users"):
        Config(api_url="http://127.0.0.1:1/", user_name="a@b.c").save()
    FileCredentialStorage(namespace="x")._store_login("a@b.c")  # warned once per process
    assert stat.S_IMODE(shared.stat().st_mode) == mode
    for name in ("config.json", "credentials.json"):
        assert stat.S_IMODE((shared / name).stat().st_mode) == 0o600


@posix
def test_a_dir_the_sdk_creates_is_private(config_dir: Path) -> None:
    Config(api_url="http://127.0.0.1:1/").save()
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700


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
