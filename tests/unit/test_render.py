import pytest

from pororoca_core.render import RenderError, render


def test_our_placeholders_are_replaced_and_component_syntax_is_kept():
    text = "a=${host}:${kafka_port}\nb=${ENV:SECRET}\nc=${POROROCA_X}\nd=${env:Y}\ne=${home.trino}/bin"
    out = render(text, {"host": "127.0.0.1", "kafka_port": "19092", "home.trino": "/opt/t"})
    assert out == "a=127.0.0.1:19092\nb=${ENV:SECRET}\nc=${POROROCA_X}\nd=${env:Y}\ne=/opt/t/bin"


def test_an_unknown_placeholder_names_itself_and_the_file():
    with pytest.raises(RenderError, match=r"x.conf: unknown placeholder\(s\) nope_port"):
        render("p=${nope_port}", {}, "x.conf")
