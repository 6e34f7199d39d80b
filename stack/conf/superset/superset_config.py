# Superset's configuration, shared by the local runtime (rendered by `pororoca up`) and the Helm chart.
# Secrets come from the environment, never from this file. Metadata in the stack's PostgreSQL; the UI speaks
# pt-BR and formats numbers the Brazilian way (1.234,56; R$).
import os
from urllib.parse import quote

SQLALCHEMY_DATABASE_URI = (
    "postgresql+psycopg2://superset:"
    + quote(os.environ["SUPERSET_DB_PASSWORD"], safe="")
    + "@${postgres_host}:${postgres_port}/superset"
)
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
DATA_DIR = os.environ["SUPERSET_HOME"]

BABEL_DEFAULT_LOCALE = "pt_BR"
LANGUAGES = {"pt_BR": {"flag": "br", "name": "Português"}, "en": {"flag": "us", "name": "English"}}
D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["R$ ", ""]}
D3_TIME_FORMAT = {
    "dateTime": "%A, %e de %B de %Y, %X",
    "date": "%d/%m/%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"],
    "shortDays": ["dom", "seg", "ter", "qua", "qui", "sex", "sáb"],
    "months": [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    "shortMonths": ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"],
}
DEFAULT_TIME_FILTER = "No filter"

# Charts draw at once, without ECharts' entry animation or the UI's motion: on a dashboard of ten charts the
# animations keep the analyst's browser busy while the other answers arrive (one A/B of 39 in-app steps on the
# 2-core machine: p95 2.31 s with them, 1.65 s without; Chromium 12 % less CPU). Upstream's themes otherwise.
from superset.config import THEME_DARK as _UPSTREAM_DARK  # noqa: E402  (Superset loads this file from its config)
from superset.config import THEME_DEFAULT as _UPSTREAM_DEFAULT  # noqa: E402

_STILL = {"motion": False, "transitionTiming": 0}
THEME_DEFAULT = {**_UPSTREAM_DEFAULT, "token": {**_UPSTREAM_DEFAULT["token"], **_STILL},
                 "echartsOptionsOverrides": {"animation": False}}  # fmt: skip
THEME_DARK = _UPSTREAM_DARK and {**_UPSTREAM_DARK, "token": {**_UPSTREAM_DARK["token"], **_STILL},
                                 "echartsOptionsOverrides": {"animation": False}}  # fmt: skip

# Dashboards are shown to the roles named on them (the Analyst role sees the KPI dashboards only). Every
# chart renders at once (no virtualisation): the dashboards are small and analysts print and screenshot them.
FEATURE_FLAGS = {"DASHBOARD_RBAC": True, "DASHBOARD_VIRTUALIZATION": False}

# Gold changes every 15 minutes: chart results are cached for 5, shared by all web workers. Each cache has a
# directory of its own: FileSystemCache keeps its entry count in a file of its directory and prunes (drops
# entries) past its threshold, so caches sharing one counted and pruned each other's entries, and a day of
# filter states could evict chart results. Chart results: a few kB each, ten thousand of them at most.
_CACHE_DIR = os.path.join(DATA_DIR, "cache")


def _file_cache(name: str, timeout: int, threshold: int = 500) -> dict[str, object]:
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": os.path.join(_CACHE_DIR, name),
            "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_THRESHOLD": threshold}  # fmt: skip


DATA_CACHE_CONFIG = _file_cache("data", 300, threshold=10_000)
CACHE_CONFIG = _file_cache("metadata", 300)
FILTER_STATE_CACHE_CONFIG = _file_cache("filter_state", 86400, threshold=5_000)
EXPLORE_FORM_DATA_CACHE_CONFIG = _file_cache("explore_form_data", 86400, threshold=5_000)
RATELIMIT_STORAGE_URI = "memory://"
# The front end's bundles are content-hashed: browsers may keep them for a year instead of asking again on
# every dashboard load (dozens of requests that otherwise queue with the chart queries).
SEND_FILE_MAX_AGE_DEFAULT = 31_536_000

# Plain HTTP on loopback locally; behind TLS (a cluster's ingress) set SUPERSET_COOKIE_SECURE=true.
SESSION_COOKIE_SECURE = os.environ.get("SUPERSET_COOKIE_SECURE", "false") == "true"
SESSION_COOKIE_SAMESITE = "Lax"
# Analysts never upload files or run DML through Superset.
UPLOAD_FOLDER = os.path.join(DATA_DIR, "uploads")
PREVENT_UNSAFE_DB_CONNECTIONS = True
