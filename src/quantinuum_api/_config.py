"""User configuration: named profiles (API URL and e-mail) from a config file and the environment.

Lookup order (later wins): defaults, ``<config dir>/config.json`` (or ``config.toml``),
environment variables. The config dir is ``$QUANTINUUM_CONFIG_DIR`` or the platform's user
config dir (``platformdirs``). ``QUANTINUUM_PASSWORD``/``QUANTINUUM_REFRESH_TOKEN`` are read
from the environment only and are never written to disk.

A profile is a named account: ``{"default_profile": "work", "profiles": {"work":
{"api_url": ..., "user_name": ...}}}``. The profile used is the one asked for, else
``$QUANTINUUM_PROFILE``, else the file's ``default_profile``, else ``"default"``. A file
from before profiles (``api_url``/``user_name`` at the top level) is the ``default`` profile.
Each profile keeps its own tokens (:func:`credential_namespace`).
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
import warnings
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

__all__ = [
    "DEFAULT_PROFILE",
    "ENV_PROFILE",
    "Config",
    "Profile",
    "atomic_write_private",
    "check_profile_name",
    "credential_namespace",
    "ensure_private_dir",
    "list_profiles",
    "normalise_api_url",
    "remove_profile",
    "set_default_profile",
    "user_config_dir",
]

CONFIG_FILE = "config.json"
CONFIG_FILE_TOML = "config.toml"
DEFAULT_PROFILE = "default"
ENV_PROFILE = "QUANTINUUM_PROFILE"
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def user_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$QUANTINUUM_CONFIG_DIR`` if set, else the platform's user config dir for the SDK."""
    env = os.environ if env is None else env
    override = env.get(ENV_CONFIG_DIR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


_warned_dirs: set[Path] = set()


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` with mode 0700 if missing; never change a directory that exists.

    An existing directory others can reach (e.g. ``QUANTINUUM_CONFIG_DIR=/tmp``) only gets a
    warning, once per process: it may be shared on purpose, and the SDK's files in it are
    0600 anyway.
    """
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return
    if os.name != "posix" or path in _warned_dirs:
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        _warned_dirs.add(path)
        warnings.warn(
            f"config directory {path} is accessible by other users (mode {mode:04o}); the "
            "SDK keeps its files in it private (0600) but leaves the directory as it is",
            UserWarning,
            stacklevel=3,
        )


def normalise_api_url(url: str) -> str:
    """``url`` in one canonical form (lower-case scheme and host, a trailing ``/``), so that
    ``http://HOST:8000`` and ``http://host:8000/`` are one account; ValueError if not a URL."""
    from urllib.parse import urlsplit, urlunsplit

    from ._urls import derive_urls

    parts = urlsplit(derive_urls(url).api)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))


def credential_namespace(api_url: str, profile: str = DEFAULT_PROFILE) -> str:
    """Where a profile's tokens are kept: the normalised URL (``default`` profile, and the
    SDK's own default), else ``<url>#<profile>``, so two accounts on one service never mix."""
    url = normalise_api_url(api_url)
    return url if profile == DEFAULT_PROFILE else f"{url}#{profile}"


def check_profile_name(name: str) -> str:
    """`name` if it can name a profile; ConfigError (a ValueError) otherwise."""
    if not isinstance(name, str) or not _PROFILE_NAME.fullmatch(name):
        raise ConfigError(f"profile names are 1-64 letters, digits, '.', '_' or '-', got {name!r}")
    return name


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


@dataclass(frozen=True)
class Profile:
    """One saved account: its name, service URL and e-mail."""

    name: str
    api_url: str | None
    user_name: str | None


def _profiles(data: Mapping[str, Any], path: Path) -> dict[str, Profile]:
    raw = data.get("profiles", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {path}: 'profiles' must be an object/table")
    profiles: dict[str, Profile] = {}
    for name, record in raw.items():
        if not isinstance(record, dict):
            raise ConfigError(f"config file {path}: profile {name!r} must be an object/table")
        profiles[name] = Profile(
            name, _opt_str(record, "api_url", path), _opt_str(record, "user_name", path)
        )
    legacy_url, legacy_user = (
        _opt_str(data, "api_url", path),
        _opt_str(data, "user_name", path) or _opt_str(data, "username", path),
    )
    if DEFAULT_PROFILE not in profiles and (legacy_url or legacy_user):
        profiles[DEFAULT_PROFILE] = Profile(DEFAULT_PROFILE, legacy_url, legacy_user)
    return profiles


def _default_profile(data: Mapping[str, Any], path: Path) -> str:
    return _opt_str(data, "default_profile", path) or DEFAULT_PROFILE


def list_profiles(path: Path | str | None = None) -> tuple[str, dict[str, Profile]]:
    """The default profile's name and every saved profile, by name."""
    file_path = Path(path) if path is not None else Config.default_path()
    data = _read_file(file_path)
    return _default_profile(data, file_path), _profiles(data, file_path)


def _rewrite(path: Path | str | None, change: Any) -> None:
    """Read, change and atomically rewrite the config file. The ``default`` profile stays
    at the top level (the file's shape before profiles); the others go under ``profiles``."""
    target = Path(path) if path is not None else Config.default_path()
    if target.suffix == ".toml":
        target = target.with_suffix(".json")
    data = _read_file(target)
    profiles = {
        name: {k: v for k, v in (("api_url", p.api_url), ("user_name", p.user_name)) if v}
        for name, p in _profiles(data, target).items()
    }
    for key in ("api_url", "user_name", "username", "profiles"):
        data.pop(key, None)
    change(data, profiles)
    data.update(profiles.pop(DEFAULT_PROFILE, {}))
    if profiles:
        data["profiles"] = profiles
    if data.get("default_profile") == DEFAULT_PROFILE:
        del data["default_profile"]
    atomic_write_private(target, (json.dumps(data, indent=2) + "\n").encode())


def set_default_profile(name: str, path: Path | str | None = None) -> None:
    """Make the saved profile ``name`` the default; ConfigError if there is no such profile."""
    check_profile_name(name)
    if name not in list_profiles(path)[1]:
        raise ConfigError(f"no saved profile {name!r}: log in with `qapi login --profile {name}`")
    _rewrite(path, lambda data, _profiles: data.__setitem__("default_profile", name))


def remove_profile(name: str, path: Path | str | None = None) -> None:
    """Forget the saved profile ``name`` (its tokens are the caller's to delete)."""
    check_profile_name(name)
    default, saved = list_profiles(path)
    if name not in saved:
        raise ConfigError(f"no saved profile {name!r}")

    def change(data: dict[str, Any], profiles: dict[str, Any]) -> None:
        profiles.pop(name, None)
        if default == name:
            data.pop("default_profile", None)

    _rewrite(path, change)


@dataclass
class Config:
    """What the SDK needs to know before login: where the service is and who the user is."""

    api_url: str | None = None
    user_name: str | None = None
    password: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    path: Path | None = None
    profile: str = DEFAULT_PROFILE

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
        profile: str | None = None,
    ) -> Config:
        """Read profile ``profile`` (default: ``$QUANTINUUM_PROFILE``, else the file's default)
        from the config file (missing is fine), then apply environment variables.

        Asking for a profile by name that is not saved raises ConfigError.
        """
        env = os.environ if env is None else env
        file_path = cls.default_path(user_config_dir(env)) if path is None else Path(path)
        data = _read_file(file_path)
        named = profile or (env.get(ENV_PROFILE) if use_env else None) or None
        name = check_profile_name(named or _default_profile(data, file_path))
        saved = _profiles(data, file_path)
        if named and named not in saved and named != DEFAULT_PROFILE:
            raise ConfigError(
                f"no saved profile {named!r} (saved: {', '.join(sorted(saved)) or 'none'}); "
                f"log in with `qapi login --profile {named}`"
            )
        record = saved.get(name, Profile(name, None, None))
        config = cls(
            api_url=record.api_url, user_name=record.user_name, path=file_path, profile=name
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
        """Write this profile's ``api_url`` (normalised) and ``user_name`` (never secrets) as
        JSON, keeping the other profiles; the first profile saved becomes the default."""
        target = Path(path) if path is not None else (self.path or self.default_path())
        if target.suffix == ".toml":
            target = target.with_suffix(".json")
        name = check_profile_name(self.profile)
        url = normalise_api_url(self.api_url) if self.api_url else None
        record = {k: v for k, v in (("api_url", url), ("user_name", self.user_name)) if v}

        def change(data: dict[str, Any], profiles: dict[str, Any]) -> None:
            if not profiles:  # the first profile saved is the default
                data.setdefault("default_profile", name)
            profiles[name] = record

        _rewrite(target, change)
        self.path = target
        return target
