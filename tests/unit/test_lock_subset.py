from pororoca_stack.lock_subset import subset

LOCK = """\
certifi==2026.10.18 \\
    --hash=sha256:aaa
    # via requests
requests==2.34.2 \\
    --hash=sha256:bbb
    # via
    #   apache-superset
    #   trino
selenium==4.0 \\
    --hash=sha256:ccc
    # via apache-superset
trino==0.340.0 \\
    --hash=sha256:ddd
    --hash=sha256:eee
    # via -r stack/venvs/superset.in
tzlocal==5.4.5 \\
    --hash=sha256:fff
    # via
    #   celery
    #   trino
"""


def test_a_package_comes_with_everything_it_needs_and_nothing_else_with_every_hash():
    out = subset(LOCK, ["trino"])
    assert [line.split("==")[0] for line in out.splitlines() if "==" in line] == [
        "certifi",
        "requests",
        "trino",
        "tzlocal",
    ]
    assert "sha256:ddd" in out and "sha256:eee" in out and "selenium" not in out


def test_a_package_missing_from_the_lock_is_named():
    try:
        subset(LOCK, ["psycopg2-binary"])
    except KeyError as e:
        assert "psycopg2-binary" in str(e)
    else:
        raise AssertionError("a missing package must fail")
