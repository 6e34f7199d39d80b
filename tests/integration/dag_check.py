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


bag = DagBag(dag_folder=sys.argv[1])
print(
    json.dumps(
        {
            "errors": {k: str(v)[-500:] for k, v in bag.import_errors.items()},
            "dags": {
                d.dag_id: {
                    "schedule": str(d.timetable.description if hasattr(d.timetable, "description") else d.timetable),
                    "asset_triggered": type(d.timetable).__name__ == "AssetTriggeredTimetable",
                    "timetable": type(d.timetable).__name__,
                    "assets": _assets(d.timetable),
                    "max_active_runs": d.max_active_runs,
                    "catchup": d.catchup,
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
