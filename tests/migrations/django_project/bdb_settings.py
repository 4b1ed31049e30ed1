"""Django settings of the migration tests: one app, the database from BRANCHDB_DJANGO_DB_URL.

The URL is the only thing that differs between a branch (`mysql://root~feat@proxy:port/db`) and
the real copy (`mysql://root@server:3306/db_copy`): Django never knows it runs on a branch.
PyMySQL stands in for mysqlclient. BRANCHDB_DJANGO_SQL_LOG=1 logs every statement to stderr,
so a failing migration shows the SQL it sent.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

import pymysql

pymysql.install_as_MySQLdb()

_url = urlsplit(os.environ["BRANCHDB_DJANGO_DB_URL"])
_log_sql = os.environ.get("BRANCHDB_DJANGO_SQL_LOG", "") not in ("", "0")

SECRET_KEY = "branchdb-migration-tests"
DEBUG = _log_sql  # Django records (and logs) every query only with DEBUG on
USE_TZ = True
INSTALLED_APPS = ["bdb_shop"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES: dict[str, Any] = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": _url.path.lstrip("/"),
        "USER": unquote(_url.username or ""),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": str(_url.port or 3306),
        "OPTIONS": {"charset": "utf8mb4", "connect_timeout": 10, "read_timeout": 30},
    }
}
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.db.backends": {
            "handlers": ["stderr"],
            "level": "DEBUG" if _log_sql else "WARNING",
            "propagate": False,
        }
    },
}
