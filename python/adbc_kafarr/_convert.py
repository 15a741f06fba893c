"""Conversions shared by the package: option values and input data."""

from __future__ import annotations

import enum
import os
import sys
from typing import Any, Mapping, Union

OptionKey = Union[str, enum.Enum]
OptionValue = Union[str, bool, int, float, os.PathLike, enum.Enum]


def option_key(key: OptionKey) -> str:
    """Return the option key string for a key or an options enum member."""
    if isinstance(key, enum.Enum):
        key = key.value
    if not isinstance(key, str) or not key:
        raise TypeError(f"adbc_kafarr: option key must be a non-empty str or an options enum member, got {key!r}")
    return key


def option_value(key: str, value: OptionValue) -> str:
    """Return an option value as the string the driver takes: booleans as
    ``true``/``false``, numbers in decimal, paths as str, enums by value.

    Every kafarr option is a string; converting here keeps the driver
    manager from routing ints and floats to the typed setters."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"adbc_kafarr: option {key!r} takes a str, bool, int, float or path, got {type(value).__name__}")


def options(*mappings: Mapping[OptionKey, OptionValue] | None) -> dict[str, str]:
    """Merge option mappings left to right into a dict of strings; a value
    of None leaves the key out."""
    out: dict[str, str] = {}
    for mapping in mappings:
        for key, value in (mapping or {}).items():
            k = option_key(key)
            if value is None:
                continue
            out[k] = option_value(k, value)
    return out


def arrow_data(data: Any) -> Any:
    """Return data in a form ``Cursor.adbc_ingest`` binds: a pandas
    DataFrame becomes a pyarrow Table (its index dropped: rows are
    messages, the index is not a field); pyarrow objects and anything with
    ``__arrow_c_stream__``/``__arrow_c_array__`` (Polars, DuckDB results)
    pass through unchanged."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(data, pandas.DataFrame):
        import pyarrow as pa

        return pa.Table.from_pandas(data, preserve_index=False)
    return data
