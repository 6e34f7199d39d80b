"""Run by the Airflow virtual environment's interpreter: parse dags/ with every network connection refused
(a DAG file must do no I/O at import: the DAG processor re-parses it every few seconds) and print what the
test checks, as JSON."""

import json
import socket
import sys


def refuse(*_args, **_kwargs):
    raise OSError("DAG files must not open connections at import time")


socket.socket.connect = refuse  # type: ignore[method-assign]
socket.create_connection = refuse  # type: ignore[assignment]

from airflow.models.dagbag import DagBag  # noqa: E402


def _codes(value) -> list[int]:
    return [value] if isinstance(value, int) else sorted(value or [])


def _assets(timetable) -> list[str]:
    condition = getattr(timetable, "asset_condition", None)
    return sorted(getattr(a, "uri", str(a)) for a in getattr(condition, "objects", [condition] if condition else []))


def _watchers(timetable) -> list[dict]:
    condition = getattr(timetable, "asset_condition", None)
    found = []
    for asset in getattr(condition, "objects", [condition] if condition else []):
        for w in getattr(asset, "watchers", []) or []:
            _, kwargs = w.trigger.serialize()
            found.append(
                {
                    "asset": asset.uri,
                    "name": w.name,
                    "trigger": type(w.trigger).__name__,
                    "kwargs": {k: v for k, v in kwargs.items() if isinstance(v, (str, int, float, list))},
                }
            )
    return found


class _Message:
    """Enough of confluent_kafka's Message for the watcher's filter."""

    def __init__(self, value: bytes):
        self._value = value

    def value(self) -> bytes:
        return self._value

    def offset(self) -> int:
        return 7


def _landing_drops() -> list:
    from pororoca_common import landing_drop

    created = {"EventName": "s3:ObjectCreated:Put", "Key": "landing/campaign_events/a.jsonl",
               "Records": [{"eventTime": "2026-12-04T01:00:00.000Z"}]}  # fmt: skip
    removed = {**created, "EventName": "s3:ObjectRemoved:Delete"}
    return [landing_drop(_Message(json.dumps(e).encode())) for e in (created, removed)] + [
        landing_drop(_Message(b"not json")),
        landing_drop(_Message(b'{"no": "event"}')),
    ]


bag = DagBag(dag_folder=sys.argv[1])
print(
    json.dumps(
        {
            "landing_drops": _landing_drops(),
            "errors": {k: str(v)[-500:] for k, v in bag.import_errors.items()},
            "dags": {
                d.dag_id: {
                    "schedule": str(d.timetable.description if hasattr(d.timetable, "description") else d.timetable),
                    "asset_triggered": type(d.timetable).__name__ == "AssetTriggeredTimetable",
                    "timetable": type(d.timetable).__name__,
                    "assets": _assets(d.timetable),
                    "watchers": _watchers(d.timetable),
                    "max_active_runs": d.max_active_runs,
                    "catchup": d.catchup,
                    "paused_upon_creation": d.is_paused_upon_creation,
                    "tasks": {
                        t.task_id: {
                            "retries": t.retries,
                            "on_failure": bool(t.on_failure_callback),
                            "timeout": t.execution_timeout.total_seconds() if t.execution_timeout else None,
                            "outlets": [getattr(o, "uri", str(o)) for o in t.outlets],
                            "command": getattr(t, "bash_command", ""),
                            "operator": type(t).__name__,
                            "skip_on_exit_code": _codes(getattr(t, "skip_on_exit_code", None)),
                            "pod": {
                                "cmds": getattr(t, "cmds", None),
                                "arguments": getattr(t, "arguments", None),
                                "template": getattr(t, "pod_template_file", None),
                                "requests": getattr(getattr(t, "container_resources", None), "requests", None),
                            },
                            "upstream": sorted(t.upstream_task_ids),
                        }
                        for t in d.tasks
                    },
                }
                for d in bag.dags.values()
            },
        }
    )
)
