"""Alembic's side of bench/compare.sh (runs in the throwaway venv bench/out/venv).

prepare URL PICKLE  reflect the target database (changed.sql) into a MetaData and pickle
                    it: the stand-in for a project's models (untimed; `alembic check`
                    imports them from Python instead).
compare URL PICKLE  load that MetaData, then time what `alembic check` does with it:
                    connect to the live database, reflect it and compare
                    (alembic.autogenerate.compare_metadata on MigrationContext.configure).
                    Prints {"seconds": …, "diffs": …} as JSON.
count URL PICKLE    the same comparison, untimed, counting the SQL statements it sends
                    (a SQLAlchemy before_cursor_execute listener). Prints {"statements": …}.
"""
import json
import pickle
import sys
import time
import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, event


def main():
    what, url, path = sys.argv[1:4]
    warnings.simplefilter("ignore")  # "Skipped unsupported reflection of expression-based index"
    if what == "prepare":
        md = MetaData()
        md.reflect(bind=create_engine(url))
        with open(path, "wb") as f:
            pickle.dump(md, f)
        print(json.dumps({"tables": len(md.tables)}))
        return
    with open(path, "rb") as f:
        md = pickle.load(f)
    engine = create_engine(url)
    if what == "count":
        sent = []
        event.listen(engine, "before_cursor_execute", lambda *a: sent.append(1))
        with engine.connect() as conn:
            compare_metadata(MigrationContext.configure(conn), md)
        print(json.dumps({"statements": len(sent)}))
        return
    t0 = time.perf_counter()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), md)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "diffs": len(diffs)}))


if __name__ == "__main__":
    main()
