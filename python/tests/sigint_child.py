"""Child process of test_cancel.py's Ctrl-C tests: runs one read that
blocks in the driver until the parent interrupts it.

    python sigint_child.py MODE URI TOPIC

The read is a follow read (``kafarr.read.follow=true``) of TOPIC with a
LIMIT beyond its rows, so that it waits for new messages until
``kafarr.read.timeout_ms`` (60 s) in every MODE: fetch_arrow_table,
fetch_df, read_sql (pandas), fetchone, fetch_record_batch (iterating the
reader) or polars (fetch_polars). The child prints "ready" just before the
read and "finished" if the read returns; an interrupted read ends the child
with the interrupt's traceback.
"""

from __future__ import annotations

import sys

import adbc_kafarr.dbapi


def main() -> None:
    mode, uri, topic = sys.argv[1:4]
    follow = {"kafarr.read.follow": "true", "kafarr.read.timeout_ms": "60000"}
    sql = f'SELECT * FROM "{topic}" LIMIT 1000000'
    with adbc_kafarr.dbapi.connect(uri, conn_kwargs=follow) as conn, conn.cursor() as cur:
        if mode == "read_sql":
            import pandas as pd

            print("ready", flush=True)
            pd.read_sql(sql, conn)
        else:
            print("ready", flush=True)
            cur.execute(sql)
            if mode == "fetch_arrow_table":
                cur.fetch_arrow_table()
            elif mode == "fetch_df":
                cur.fetch_df()
            elif mode == "polars":
                cur.fetch_polars()
            elif mode == "fetchone":
                while cur.fetchone() is not None:
                    pass
            elif mode == "fetch_record_batch":
                for _ in cur.fetch_record_batch():
                    pass
            else:
                raise SystemExit(f"unknown mode {mode}")
    print("finished", flush=True)


if __name__ == "__main__":
    main()
