"""The low-level entry point: an ADBC database handle for kafarr."""

from __future__ import annotations

from typing import Mapping

import adbc_driver_manager

from ._convert import OptionKey, OptionValue
from ._convert import options as _options
from ._library import ENTRYPOINT, driver_path

__all__ = ["connect"]


def connect(
    uri: str | None = None,
    db_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    **kwargs: OptionValue,
) -> adbc_driver_manager.AdbcDatabase:
    """Create a low-level ADBC database handle for kafarr.

    Args:
        uri: ``kafka://host:port[,host:port...][?opt=value&...]``. Any
            ``kafarr.*`` option may ride in the query string without its
            ``kafarr.`` prefix, percent-encoded. Optional if
            ``kafarr.bootstrap_servers`` is given instead.
        db_kwargs: database options; keys are option strings or
            :class:`~adbc_kafarr.DatabaseOptions` / :class:`~adbc_kafarr.StatementOptions` members.
            Values may be str, bool (``true``/``false``), int or a path.
        **kwargs: more options, e.g. ``**{"kafarr.schema_registry.url": url}``;
            they override ``db_kwargs``.

    Returns:
        An ``adbc_driver_manager.AdbcDatabase``; pass it to
        ``adbc_driver_manager.AdbcConnection``, or use
        :func:`adbc_kafarr.dbapi.connect` for DB-API.

    Raises:
        FileNotFoundError: the driver library is missing (see
            :func:`driver_path`).
        adbc_driver_manager.ProgrammingError: an unknown option or a bad
            value (the driver's message names the key and what it accepts).
    """
    opts = _options(db_kwargs, kwargs)
    if uri is not None:
        opts["uri"] = uri
    opts["driver"] = driver_path()
    opts["entrypoint"] = ENTRYPOINT
    return adbc_driver_manager.AdbcDatabase(**opts)
