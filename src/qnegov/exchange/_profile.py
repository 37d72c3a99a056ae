"""Exchange profiles: where and as whom to talk to an exchange, from a file and the environment.

The library side of ``qnegov send|inbox|fetch|ack``: an application that talks to the same
exchange reads the same profile (``--profile``, ``$QNEGOV_PROFILE`` or
``~/.config/qnegov/exchange.toml``) with :func:`load_profile`. Secrets come from the file, a
file it names, or an environment variable, never from a command line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from qnegov._i18n import tr
from qnegov.errors import InputError

if TYPE_CHECKING:
    from qnegov.exchange._core import TlsConfig

__all__ = ["DEFAULT_PROFILE", "Profile", "load_profile"]

DEFAULT_PROFILE: Final = Path("~/.config/qnegov/exchange.toml")
_ENV: Final = {
    "api": "QNEGOV_EXCHANGE_API",
    "url": "QNEGOV_EXCHANGE_URL",
    "system_id": "QNEGOV_SYSTEM_ID",
    "agency_code": "QNEGOV_AGENCY_CODE",
    "secret": "QNEGOV_SECRET",
    "consumer_key": "QNEGOV_LGSP_CONSUMER_KEY",
    "consumer_secret": "QNEGOV_LGSP_CONSUMER_SECRET",
    "agency_secret": "QNEGOV_LGSP_AGENCY_SECRET",
}
_SECRETS: Final = ("secret", "consumer_secret", "agency_secret")
_TLS_KEYS: Final = ("ca_file", "client_cert", "client_key")
_KNOWN_KEYS: Final = frozenset(
    [*_ENV, *_TLS_KEYS, *(k + "_env" for k in _SECRETS), *(k + "_file" for k in _SECRETS)]
)


@dataclass(frozen=True, slots=True)
class Profile:
    """Where and as whom to talk to an exchange."""

    api: str
    url: str
    values: dict[str, str]
    tls: TlsConfig | None
    warnings: tuple[str, ...] = ()

    def need(self, key: str) -> str:
        value = self.values.get(key, "")
        if not value:
            raise InputError(
                tr(
                    "exchange profile lacks {key} (set it in the profile or ${env})",
                    key=key,
                    env=_ENV.get(key, "?"),
                )
            )
        return value


def _secret(data: dict[str, Any], key: str, base: Path, profile: Path, warnings: list[str]) -> str:
    """A secret from ``key``, ``key_env`` (a variable name) or ``key_file`` (a path)."""
    if isinstance(data.get(key), str):
        return str(data[key])
    if isinstance(data.get(key + "_env"), str):
        variable = str(data[key + "_env"])
        if not os.environ.get(variable) and not os.environ.get(_ENV[key]):
            raise InputError(
                tr(
                    "exchange profile: {key}_env names ${variable}, which is not set",
                    key=key,
                    variable=variable,
                ),
                file=str(profile),
            )
        return os.environ.get(variable, "")
    if isinstance(data.get(key + "_file"), str):
        path = (base / str(data[key + "_file"])).expanduser()
        try:
            if path.stat().st_mode & 0o077:
                warnings.append(
                    tr(
                        "secret file {path} is readable by other users: chmod 600 it",
                        path=path,
                    )
                )
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(
                tr("cannot read file: {reason}", reason=exc.strerror or exc), file=str(path)
            ) from exc
    return ""


def load_profile(path: Path | None) -> Profile:
    """Read the profile file (if any) and apply the environment on top of it."""
    import tomllib

    from qnegov.exchange._core import TlsConfig

    chosen = path or (
        Path(os.environ["QNEGOV_PROFILE"])
        if os.environ.get("QNEGOV_PROFILE")
        else DEFAULT_PROFILE.expanduser()
    )
    data: dict[str, Any] = {}
    if chosen.exists():
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(str(exc), file=str(chosen)) from exc
    elif path is not None:
        raise InputError(tr("cannot read file: {reason}", reason="not found"), file=str(path))
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise InputError(
            tr(
                "exchange profile: unknown keys {keys} (known: {known})",
                keys=", ".join(unknown),
                known=", ".join(sorted(_KNOWN_KEYS)),
            ),
            file=str(chosen),
        )
    base = chosen.parent
    values: dict[str, str] = {}
    warnings: list[str] = []
    for key in _ENV:
        if key in _SECRETS:
            values[key] = _secret(data, key, base, chosen, warnings)
        else:
            values[key] = str(data.get(key, ""))
        if env := os.environ.get(_ENV[key]):
            values[key] = env
    tls = None
    if any(data.get(k) for k in ("ca_file", "client_cert", "client_key")):
        tls = TlsConfig(
            ca_file=data.get("ca_file"),
            client_cert=data.get("client_cert"),
            client_key=data.get("client_key"),
        )
    api = (values.pop("api") or "vdxp").lower()
    if api not in ("vdxp", "lgsp"):
        raise InputError(tr("exchange profile: api must be vdxp or lgsp, not {api}", api=api))
    url = values.pop("url")
    if not url:
        if not chosen.exists():
            raise InputError(
                tr(
                    "no exchange profile at {file} and ${env} is not set",
                    file=chosen,
                    env=_ENV["url"],
                )
            )
        raise InputError(
            tr(
                "exchange profile lacks {key} (set it in the profile or ${env})",
                key="url",
                env=_ENV["url"],
            ),
            file=str(chosen),
        )
    return Profile(api=api, url=url, values=values, tls=tls, warnings=tuple(warnings))
