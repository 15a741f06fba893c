"""DB-API 2.0 interface to Kafka: :mod:`adbc_kafarr.dbapi` under the name
Polars imports for ``kafka://`` URIs."""

from __future__ import annotations

from adbc_kafarr.dbapi import *  # noqa: F401,F403
from adbc_kafarr.dbapi import __all__, connect  # noqa: F401
