"""The fraud API (FastAPI): a transfer's score and reasons, the open alerts, analysts' dispositions.

Every request authenticates as a Trino user (HTTP Basic, the caller's own password) and reads the lake
through Trino as that user: Trino's access rules and masks decide what each caller sees, and its audit listener
records the query. The API adds its own access audit: one record per request (who, which route, which
transfer, the status, how many transfers it disclosed) on `fraud.api.audit`, landed in `audit.fraud_api`. An
answer whose audit record Kafka did not acknowledge is not sent (503). A disposition is a record on
`fraud.dispositions` (landed in `gold.fraud_dispositions`): a label for retraining.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from pororoca_fraud import access
from pororoca_fraud.access import (
    AUDIT,
    DECISIONS,
    DISPOSITIONS,
    ApiConfig,
    LoginThrottle,
    access_record,
    load_config,
    sql,
)

log = logging.getLogger("pororoca_fraud.api")


class Denied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TrinoLake:
    """Queries as the caller: a connection per request, trusting exactly the stack's certificate."""

    host: str
    port: int
    ca: str

    def rows(self, user: str, password: str, query: str) -> list[dict[str, Any]]:
        import requests
        import trino.auth
        import trino.dbapi
        import trino.exceptions

        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca
        conn = trino.dbapi.connect(
            host=self.host, port=self.port, user=user, http_scheme="https", http_session=session,
            auth=trino.auth.BasicAuthentication(user, password), catalog="lakehouse",
        )  # fmt: skip
        try:
            cur = conn.cursor()
            cur.execute(query)
            data = cur.fetchall()
            names = [d[0] for d in cur.description or []]
        except trino.exceptions.HttpError as e:
            if "401" in str(e):
                raise Denied(401, "wrong user or password") from e
            raise
        except trino.exceptions.TrinoUserError as e:
            if e.error_name == "PERMISSION_DENIED":
                raise Denied(403, f"Trino denies {user!r}: {e.message}") from e
            if e.error_name == "TABLE_NOT_FOUND":
                raise Denied(503, "the fraud tables are not in the lake yet (is `pororoca cdc apply` done?)") from e
            raise
        finally:
            conn.close()
            session.close()  # one per request: its pooled socket must not outlive it
        return [dict(zip(names, row, strict=True)) for row in data]


class KafkaRecorder:
    """Appends records and waits for Kafka's acknowledgement (idempotent producer, acks=all)."""

    def __init__(self, config: dict[str, str | int | float | bool]) -> None:
        from confluent_kafka import Producer

        self._config = config
        self._producer = Producer({**config, "enable.idempotence": True, "acks": "all", "linger.ms": 0})

    def ensure_topics(self) -> None:
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient(self._config)
        existing = set(admin.list_topics(timeout=15).topics)
        wanted = [
            NewTopic(t, num_partitions=3, replication_factor=1) for t in (DISPOSITIONS, AUDIT) if t not in existing
        ]
        for topic, future in admin.create_topics(wanted).items() if wanted else []:
            try:
                future.result(15)
            except Exception as e:  # created meanwhile by another replica: fine; anything else is fatal
                if "TOPIC_ALREADY_EXISTS" not in str(e):
                    raise RuntimeError(f"cannot create {topic}: {e}") from e

    def append(self, topic: str, key: str, value: dict[str, Any], timeout: float = 10.0) -> None:
        errors: list[str] = []

        def delivered(err, _msg) -> None:
            if err is not None:
                errors.append(str(err))

        self._producer.produce(topic, key=key.encode(), value=json.dumps(value).encode(), on_delivery=delivered)
        if self._producer.flush(timeout) > 0 or errors:
            raise RuntimeError(f"Kafka did not acknowledge the record on {topic}: {errors or 'timeout'}")


# Module level: the routes' annotations are strings (postponed evaluation) that FastAPI resolves here.
Caller = Annotated[HTTPBasicCredentials, Depends(HTTPBasic(realm="pororoca-fraud-api"))]


class Disposition(BaseModel):
    label: str = Field(description="confirmed_fraud | legitimate")
    note: str = Field(default="", max_length=2000)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for k in ("reasons", "features"):
        if isinstance(out.get(k), str):
            out[k] = json.loads(out[k])
    return jsonable_encoder(out)


def create_app(config: ApiConfig, lake: TrinoLake, recorder: KafkaRecorder) -> FastAPI:
    app = FastAPI(title="Pororoca fraud API", version="1", docs_url="/docs", redoc_url=None)

    throttle = LoginThrottle(config.login)

    @contextmanager
    def as_caller(request: Request, user: str) -> Iterator[None]:
        client = request.client.host if request.client else ""
        wait = throttle.retry_after(user, client, time.monotonic())
        if wait is not None:
            raise HTTPException(429, "too many wrong passwords: try again later",
                                headers={"Retry-After": str(int(wait) + 1)})  # fmt: skip
        try:
            yield
        except Denied as e:
            if e.status == 401:
                throttle.failed(user, client, time.monotonic())
            headers = {"WWW-Authenticate": 'Basic realm="pororoca-fraud-api"'} if e.status == 401 else None
            raise HTTPException(e.status, str(e), headers=headers) from e
        throttle.succeeded(user, client)

    @app.middleware("http")
    async def audit(request: Request, call_next):
        if request.url.path == "/live":
            return await call_next(request)
        request.state.disclosed = 0
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", request.url.path)
        transfer = request.scope.get("path_params", {}).get("transfer_id")
        record = access_record(
            _claimed_user(request), request.method, route, int(transfer) if str(transfer or "").isdigit() else None,
            response.status_code, request.state.disclosed, request.client.host if request.client else "",
        )  # fmt: skip
        try:
            await run_in_threadpool(recorder.append, AUDIT, record["user"] or "-", record)
        except Exception as e:
            log.error("pororoca-fraud-api: audit not recorded, answer withheld: %s", e)
            return JSONResponse({"detail": "the access audit is unavailable: try again"}, status_code=503)
        return response

    @app.get("/live", include_in_schema=False)
    def live() -> Response:  # for probes, which hold no password: says nothing but "up"
        return Response(status_code=200)

    @app.get("/v1/transfers/{transfer_id}/score")
    def score(transfer_id: int, caller: Caller, request: Request) -> dict[str, Any]:
        """The score, decision, reasons and features of one transfer (and its alert and disposition, if any)."""
        with as_caller(request, caller.username):
            rows = lake.rows(caller.username, caller.password, sql("score", transfer_id=transfer_id))
        if not rows:
            raise HTTPException(404, f"no score for transfer {transfer_id} in gold.fraud_scores (yet)")
        request.state.disclosed = 1
        return _decode(rows[0])

    @app.get("/v1/alerts")
    def open_alerts(
        caller: Caller,
        request: Request,
        decision: Annotated[list[Literal["alert", "hold", "block"]] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1)] = 100,
    ) -> dict[str, Any]:
        """Alerts without a disposition, newest first."""
        wanted: list[str] = list(decision or DECISIONS)
        query = sql("open_alerts", decisions=", ".join(f"'{d}'" for d in wanted), limit=min(limit, config.max_alerts))
        with as_caller(request, caller.username):
            rows = lake.rows(caller.username, caller.password, query)
        request.state.disclosed = len(rows)
        return {"alerts": [_decode(r) for r in rows], "count": len(rows)}

    @app.post("/v1/alerts/{transfer_id}/disposition", status_code=201)
    def dispose(transfer_id: int, body: Disposition, caller: Caller, request: Request) -> dict[str, Any]:
        """Record an analyst's verdict on an alert: `confirmed_fraud` or `legitimate`."""
        if body.label not in config.labels:
            raise HTTPException(422, f"label must be one of {list(config.labels)}, not {body.label!r}")
        with as_caller(request, caller.username):
            (row,) = lake.rows(caller.username, caller.password, sql("alert", transfer_id=transfer_id))
        if not set(row["groups"]) & set(config.dispose_groups):
            raise HTTPException(403, f"{caller.username!r} may read alerts but not dispose of them "
                                     f"(groups allowed: {list(config.dispose_groups)})")  # fmt: skip
        if not row["found"]:
            raise HTTPException(404, f"transfer {transfer_id} has no alert in gold.fraud_alerts (yet)")
        record = {
            "transfer_id": transfer_id,
            "label": body.label,
            "note": body.note,
            "analyst": caller.username,
            "decided_at_ms": int(time.time() * 1000),
            "alert_decision": row["decision"],
        }
        try:
            recorder.append(DISPOSITIONS, str(transfer_id), record)
        except RuntimeError as e:
            raise HTTPException(503, f"disposition not recorded: {e}") from e
        request.state.disclosed = 1
        return record

    return app


def _claimed_user(request: Request) -> str:
    return access.claimed_user(request.headers.get("authorization"))


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"pororoca-fraud-api: {name} is not set")
    return value


def main() -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    recorder = KafkaRecorder({
        "bootstrap.servers": _env("POROROCA_KAFKA_BOOTSTRAP"),
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "fraud-api",  # the principal `fraud_api` of stack/kafka_principals.toml
        "sasl.password": _env("POROROCA_KAFKA_FRAUD_API_PASSWORD"),
    })  # fmt: skip
    recorder.ensure_topics()
    lake = TrinoLake(_env("POROROCA_TRINO_HOST"), int(_env("POROROCA_TRINO_PORT")), _env("POROROCA_TRINO_CA"))
    app = create_app(load_config(), lake, recorder)
    host, port = _env("POROROCA_FRAUD_API_HOST"), int(_env("POROROCA_FRAUD_API_PORT"))
    log.info("pororoca-fraud-api: serving on %s:%d", host, port)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, proxy_headers=False)


if __name__ == "__main__":
    main()
