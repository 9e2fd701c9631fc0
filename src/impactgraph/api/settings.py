"""The HTTP server's settings, from arguments or ``IMPACTGRAPH_*`` environment variables.

Every limit the server enforces is here, with its default. The store URL may hold a Neo4j
password: it is never shown, in the settings' repr or in any log line (only :attr:`Settings.
store_label`, with the password replaced by ``***``).

>>> s = Settings(store="neo4j://neo4j:secret@127.0.0.1:7687")
>>> "secret" in repr(s), s.store_label
(False, 'neo4j://neo4j:***@127.0.0.1:7687')
>>> Settings().max_body_bytes
33554432
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from impactgraph.store import _redact

MIB = 1024 * 1024


class Settings(BaseSettings):
    """What the server serves and how far it lets a client go (env ``IMPACTGRAPH_<NAME>``)."""

    model_config = SettingsConfigDict(env_prefix="IMPACTGRAPH_", extra="ignore", frozen=True)

    #: the store URL, as the CLI's ``--store`` (``$IMPACTGRAPH_STORE``); None: the CLI default
    store: str | None = Field(default=None, repr=False)
    #: the largest request body, in bytes (larger: 413)
    max_body_bytes: int = Field(default=32 * MIB, ge=1)
    #: the most components a model may hold after a write (more: 413)
    max_components: int = Field(default=1_000_000, ge=1)
    #: the largest page a list returns (``limit`` above it: 422)
    max_page: int = Field(default=1000, ge=1)
    #: the page size when ``limit`` is not given
    default_page: int = Field(default=100, ge=1)
    #: answers kept per model version (an LRU per snapshot)
    answer_cache: int = Field(default=256, ge=0)
    #: and at most this many bytes of them (an answer past a quarter of it is not kept)
    answer_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    #: seconds an API key looked up in the store is trusted before it is looked up again: a
    #: revoke made through another server process takes effect within this time
    key_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    #: how many times a server-side read-modify-write that lost a race is computed again
    write_attempts: int = Field(default=30, ge=1, le=1000)
    #: signs the web page's session cookies and login links; every worker (and every replica
    #: behind one load balancer) that should accept a session needs the same one; None: made
    #: at start, for this process only
    session_secret: SecretStr | None = Field(default=None, repr=False)
    #: how long a web page session lasts after signing in, in seconds
    session_seconds: int = Field(default=8 * 3600, ge=60, le=30 * 86400)
    #: how long the login link ``impactgraph serve`` prints may be used (once), in seconds
    login_link_seconds: int = Field(default=300, ge=10, le=86400)
    #: a directory shared by the workers of one machine, where used login links and ended
    #: sessions are marked (``serve --workers N`` makes one); None: in each process only
    session_dir: str | None = None

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode("utf-8")) < 32:
            raise ValueError("IMPACTGRAPH_SESSION_SECRET needs at least 32 bytes")
        return value

    @property
    def store_label(self) -> str | None:
        """The store URL with any password replaced by ``***``, for logs and messages."""
        return None if self.store is None else _redact(self.store)

    def __repr_args__(self) -> Any:
        yield "store", self.store_label
        yield from super().__repr_args__()
