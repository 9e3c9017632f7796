"""Configuration: config file under the (overridable) user config dir, environment variables."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from quantinuum_api._config import Config, user_config_dir
from quantinuum_api._exceptions import ConfigError


def test_config_dir_override(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert user_config_dir() == config_dir
    monkeypatch.delenv("QUANTINUUM_CONFIG_DIR")
    # platformdirs honours XDG_CONFIG_HOME, which the fixture points into tmp_path
    assert str(user_config_dir()).startswith(os.environ["XDG_CONFIG_HOME"])


def test_empty_config_when_nothing_is_set() -> None:
    config = Config.load()
    assert config.api_url is None
    assert config.user_name is None
    assert config.password is None


def test_env_vars_win_over_file(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir.mkdir()
    (config_dir / "config.json").write_text(
        json.dumps({"api_url": "https://file.example/", "user_name": "file@example.com"})
    )
    config = Config.load()
    assert config.api_url == "https://file.example/"
    assert config.user_name == "file@example.com"
    monkeypatch.setenv("QUANTINUUM_API_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("QUANTINUUM_EMAIL", "alias@example.com")
    monkeypatch.setenv("QUANTINUUM_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("QUANTINUUM_REFRESH_TOKEN", "rt-value")
    config = Config.load()
    assert config.api_url == "http://127.0.0.1:9/"
    assert config.user_name == "alias@example.com"
    assert config.password == "s3cret-pw"
    assert config.refresh_token == "rt-value"
    monkeypatch.setenv("QUANTINUUM_USER_NAME", "primary@example.com")
    assert Config.load().user_name == "primary@example.com"
    assert "s3cret-pw" not in repr(config)
    assert "rt-value" not in repr(config)
    assert Config.load(use_env=False).user_name == "file@example.com"


def test_toml_config_is_read(config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "config.toml").write_text(
        'api_url = "https://toml.example/"\nusername = "t@x.y"\n'
    )
    config = Config.from_default_config_file()
    assert config.api_url == "https://toml.example/"
    assert config.username == "t@x.y"


def test_save_writes_json_without_secrets(config_dir: Path) -> None:
    config = Config(api_url="http://127.0.0.1:1/", user_name="ada@example.com", password="pw-x")
    path = config.save()
    assert path == config_dir / "config.json"
    assert json.loads(path.read_text()) == {
        "api_url": "http://127.0.0.1:1/",
        "user_name": "ada@example.com",
    }
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = Config.load()
    assert loaded.user_name == "ada@example.com"
    assert loaded.path == path


def test_save_keeps_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"theme": "dark", "username": "old@x.y"}))
    Config(user_name="new@x.y").save(path)
    assert json.loads(path.read_text()) == {"theme": "dark", "user_name": "new@x.y"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid"),
        ("[1, 2]", "object/table at the top level"),
        ('{"api_url": 5}', "'api_url' must be a string"),
    ],
)
def test_bad_config_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message) as info:
        Config.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)
