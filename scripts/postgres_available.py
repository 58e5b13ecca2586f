"""Exit 0 when the PostgreSQL server in DATABASE_URL answers, else explain and exit 1."""

import os
import sys

import dj_database_url
import psycopg

url = os.environ.get("DATABASE_URL", "")
config = dj_database_url.parse(url)
params = {
    "host": config.get("HOST") or "127.0.0.1",
    "port": config.get("PORT") or 5432,
    "user": config.get("USER") or None,
    "password": config.get("PASSWORD") or None,
    "dbname": "postgres",
    "connect_timeout": 3,
}
try:
    psycopg.connect(**{k: v for k, v in params.items() if v is not None}).close()
except psycopg.OperationalError as exc:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    print(
        f"PostgreSQL is not answering at {params['host']}:{params['port']} ({first_line}).",
        file=sys.stderr,
    )
    sys.exit(1)
