import pytest

from pororoca_core import manifest, services
from pororoca_core.services import Port, Service, start_order


def _svc(name, *deps):
    return Service(name=name, component=name, command=[], health={}, ports=(), depends_on=deps)


def test_dependencies_start_first_and_file_order_breaks_ties():
    svcs = {s.name: s for s in [_svc("superset", "trino"), _svc("postgres"), _svc("trino", "postgres", "minio"),
                                _svc("minio")]}  # fmt: skip
    assert start_order(svcs) == ["postgres", "minio", "trino", "superset"]


def test_waves_start_independent_services_together():
    svcs = {s.name: s for s in [_svc("postgres"), _svc("minio"), _svc("kafka"), _svc("connect", "kafka"),
                                _svc("trino", "postgres", "minio"), _svc("superset", "trino")]}  # fmt: skip
    assert services.start_waves(svcs) == [["postgres", "minio", "kafka"], ["connect", "trino"], ["superset"]]


def test_cycles_are_rejected_with_the_path():
    with pytest.raises(ValueError, match="a -> b -> a"):
        start_order({"a": _svc("a", "b"), "b": _svc("b", "a")})


def test_the_real_stack_orders_dependents_after_their_dependencies():
    order = start_order(services.load().services)
    assert order.index("postgres") < order.index("airflow")
    assert order.index("trino") < order.index("superset")
    assert order.index("kafka") < order.index("connect")


def test_port_settings_override_defaults_and_bad_values_name_the_setting():
    port = Port("main", "POROROCA_X_PORT", 100)
    assert port.value({}) == 100
    assert port.value({"POROROCA_X_PORT": "200"}) == 200
    with pytest.raises(ValueError, match="POROROCA_X_PORT='http'"):
        port.value({"POROROCA_X_PORT": "http"})


def test_two_services_on_one_port_is_an_error_naming_both_settings():
    config = services.load()
    with pytest.raises(ValueError, match=r"POROROCA_(TRINO|POSTGRES)_PORT and POROROCA_(TRINO|POSTGRES)_PORT"):
        services.port_values(config, {"POROROCA_TRINO_PORT": "15432"})


def test_every_service_binds_loopback_only():
    """No template or command may listen on a wildcard address."""
    for tpl in services.CONF_TEMPLATES.rglob("*"):
        if tpl.is_file():
            assert "0.0.0.0" not in tpl.read_text(), tpl
    for svc in services.load().services.values():
        assert "0.0.0.0" not in " ".join(svc.command)


def test_every_heap_is_declared_and_the_jvm_total_fits_the_budget():
    config = services.load()
    units = {"g": 1024, "G": 1024, "m": 1, "M": 1, "MB": 1, "MiB": 1}
    total = 0
    python_services = {n for n, c in manifest.load().components.items() if c.source == "venv"}
    for svc in config.services.values():
        if svc.component in python_services:
            continue  # a Python server has no heap setting; `make bench-stack` measures its RSS
        assert svc.heap, f"{svc.name} has no heap/memory budget"
        num = int("".join(ch for ch in svc.heap if ch.isdigit()))
        unit = svc.heap[len(str(num)) :]
        total += num * units[unit]
    assert total <= 6 * 1024, f"declared memory {total} MB leaves too little headroom under 8 GB RSS"
