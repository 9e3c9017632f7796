"""User configuration: API URL and user name from a config file and environment variables.

Lookup order (later wins): defaults, ``<config dir>/config.json`` (or ``config.toml``),
environment variables. The config dir is ``$QUANTINUUM_CONFIG_DIR`` or the platform's user
config dir (``platformdirs``). ``QUANTINUUM_PASSWORD``/``QUANTINUUM_REFRESH_TOKEN`` are read
from the environment only and are never written to disk.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ._constants import (
    APP_NAME,
    ENV_API_URL,
    ENV_CONFIG_DIR,
    ENV_EMAIL,
    ENV_PASSWORD,
    ENV_REFRESH_TOKEN,
    ENV_USER_NAME,
)
from ._exceptions import ConfigError

__all__ = ["Config", "atomic_write_private", "ensure_private_dir", "user_config_dir"]

CONFIG_FILE = "config.json"
CONFIG_FILE_TOML = "config.toml"


def user_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$QUANTINUUM_CONFIG_DIR`` if set, else the platform's user config dir for the SDK."""
    env = os.environ if env is None else env
    override = env.get(ENV_CONFIG_DIR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (mode 0700) if missing; tighten it to 0700 if it is ours and wider."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            os.chmod(path, 0o700)


def atomic_write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600 from the first byte.

    A temporary file is created in the same directory with ``os.open(..., 0o600)``, written,
    fsynced and moved over ``path`` with ``os.replace``; the directory is fsynced too.
    """
    ensure_private_dir(path.parent)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if os.name == "posix":
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold an object/table at the top level")
    return data


def _opt_str(data: Mapping[str, Any], key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"config file {path}: {key!r} must be a string")
    return value or None


@dataclass
class Config:
    """What the SDK needs to know before login: where the service is and who the user is."""

    api_url: str | None = None
    user_name: str | None = None
    password: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    path: Path | None = None

    @property
    def username(self) -> str | None:
        """Seed-era alias of :attr:`user_name`."""
        return self.user_name

    @staticmethod
    def default_path(config_dir: Path | str | None = None) -> Path:
        """The config file in ``config_dir`` (default :func:`user_config_dir`)."""
        folder = Path(config_dir) if config_dir is not None else user_config_dir()
        toml = folder / CONFIG_FILE_TOML
        json_path = folder / CONFIG_FILE
        return toml if toml.exists() and not json_path.exists() else json_path

    @classmethod
    def load(
        cls,
        path: Path | str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        use_env: bool = True,
    ) -> Config:
        """Read the config file (missing is fine), then apply environment variables."""
        env = os.environ if env is None else env
        file_path = cls.default_path(user_config_dir(env)) if path is None else Path(path)
        data = _read_file(file_path)
        config = cls(
            api_url=_opt_str(data, "api_url", file_path),
            user_name=_opt_str(data, "user_name", file_path)
            or _opt_str(data, "username", file_path),
            path=file_path,
        )
        if use_env:
            config.api_url = env.get(ENV_API_URL) or config.api_url
            config.user_name = env.get(ENV_USER_NAME) or env.get(ENV_EMAIL) or config.user_name
            config.password = env.get(ENV_PASSWORD) or None
            config.refresh_token = env.get(ENV_REFRESH_TOKEN) or None
        return config

    @classmethod
    def from_default_config_file(cls) -> Config:
        """Seed-era name for :meth:`load`."""
        return cls.load()

    def save(self, path: Path | str | None = None) -> Path:
        """Write ``api_url`` and ``user_name`` (never secrets) as JSON; returns the path."""
        target = Path(path) if path is not None else (self.path or self.default_path())
        if target.suffix == ".toml":
            target = target.with_suffix(".json")
        existing = _read_file(target) if target.exists() else {}
        existing.pop("username", None)
        existing.update({"api_url": self.api_url, "user_name": self.user_name})
        data = {k: v for k, v in existing.items() if v is not None}
        atomic_write_private(target, (json.dumps(data, indent=2) + "\n").encode())
        self.path = target
        return target
