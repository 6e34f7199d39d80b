"""The landing zone: one bucket, a prefix per feed, a write-only key per partner, and the ingestion's own key.

A partner's key may put objects under its feeds' prefixes and nothing else: it cannot read, list or delete, not
even its own files, and cannot reach another partner's feed. Ingestion reads a dropped file, then moves it to
`_archive/` once committed, or to `_quarantine/` beside a reason file; nothing leaves landing before either."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from minio import Minio
from minio.notificationconfig import NotificationConfig, PrefixFilterRule, QueueConfig

from pororoca_core import credentials, kafka_topics, lakehouse
from pororoca_core.errors import NotReady
from pororoca_core.object_store import ObjectStore
from pororoca_core.paths import Paths
from pororoca_feeds.contract import Feed

BUCKET = "landing"
# MinIO publishes the bucket's object events here (its `landing` Kafka target: stack/services.toml, the chart's
# MinIO); Airflow's asset watcher reads them. Events of the feeds' prefixes only: archive and quarantine are silent.
EVENTS_TOPIC = "landing.events"
EVENTS_TARGET = "arn:minio:sqs::LANDING:kafka"
EVENTS_RETENTION_MS = str(7 * 24 * 3600 * 1000)
ARCHIVE, QUARANTINE = "_archive/", "_quarantine/"
NO_LANDING = "no landing zone yet (`pororoca feeds apply` creates it): no feed is live, nothing to do"
INGEST_USER, INGEST_SECRET = "landing_ingest_access_key", "landing_ingest_secret_key"


def partner_user(partner: str) -> str:
    return f"partner-{partner.replace('_', '-')}"


def partner_secret(partner: str) -> str:
    return f"landing_partner_{partner}_secret_key"


def partner_policy(bucket: str, feeds: list[Feed]) -> dict:
    """Put objects under these feeds' prefixes; nothing else (no Get, no List, no Delete)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
             "Resource": [f"arn:aws:s3:::{bucket}/{f.prefix}*" for f in feeds]},
        ],
    }  # fmt: skip


def _endpoint(paths: Paths) -> tuple[str, bool, str]:
    """(host:port, https?, region) of the object store, locally or in a cluster."""
    ep = lakehouse.Endpoints.of(paths)
    url = urlparse(ep.s3)
    return url.netloc, url.scheme == "https", ep.region


def _client(paths: Paths, key: tuple[str, str]) -> Minio:
    netloc, secure, region = _endpoint(paths)
    return Minio(netloc, key[0], key[1], secure=secure, region=region)


def apply(paths: Paths, feeds: dict[str, Feed]) -> list[str]:
    """The bucket, the ingestion's key and one key per partner (generated once, kept in the 0600 credentials
    file); idempotent. Returns what it did, one line each."""
    partners = sorted({f.partner for f in feeds.values()})
    names = [INGEST_USER, INGEST_SECRET, *(partner_secret(p) for p in partners)]
    secrets = credentials.ensure(paths.credentials, names)
    netloc, secure, region = _endpoint(paths)
    store = ObjectStore(netloc, (secrets["minio_root_user"], secrets["minio_root_password"]), region, secure=secure)
    created = store.bucket_with_key(BUCKET, "pororoca-landing-ingest", (secrets[INGEST_USER], secrets[INGEST_SECRET]))
    done = [f"bucket {BUCKET} " + ("created" if created else "present") + "; ingestion key ready"]
    for partner in partners:
        theirs = [f for f in feeds.values() if f.partner == partner]
        store.user_with_policy((partner_user(partner), secrets[partner_secret(partner)]),
                               f"pororoca-partner-{partner}", partner_policy(BUCKET, theirs))  # fmt: skip
        done.append(f"partner {partner}: write-only key for {', '.join(f.prefix for f in theirs)}")
    topic_created = kafka_topics.create_missing(
        lakehouse.Endpoints.of(paths).kafka, [EVENTS_TOPIC], config={"retention.ms": EVENTS_RETENTION_MS}
    )
    store.client.set_bucket_notification(BUCKET, notifications(feeds))
    done.append(f"notifications of {len(feeds)} feed prefixes to Kafka topic {EVENTS_TOPIC}"
                + (" (created)" if topic_created else ""))  # fmt: skip
    return done


def notifications(feeds: dict[str, Feed]) -> NotificationConfig:
    """A created object under a feed's prefix is announced; the whole configuration is replaced each time, so
    a feed removed from `feeds/` stops being announced."""
    return NotificationConfig(
        queue_config_list=[
            QueueConfig(["s3:ObjectCreated:*"], config_id=f"feed-{f.name}",
                        prefix_filter_rule=PrefixFilterRule(f.prefix), queue=EVENTS_TARGET)
            for f in sorted(feeds.values(), key=lambda f: f.name)
        ]
    )  # fmt: skip


def partner_client(paths: Paths, partner: str) -> Minio:
    secret = credentials.load(paths.credentials).get(partner_secret(partner))
    if not secret:
        raise NotReady(f"no key for partner {partner}: run `pororoca feeds apply` first")
    return _client(paths, (partner_user(partner), secret))


@dataclass(frozen=True)
class Dropped:
    feed: str
    key: str  # object name in the bucket
    size: int
    dropped_at: datetime

    @property
    def file_name(self) -> str:
        return self.key.removeprefix(f"{self.feed}/")


@dataclass
class Landing:
    """The ingestion's view of the bucket."""

    client: Minio
    bucket: str = BUCKET

    @classmethod
    def if_ready(cls, paths: Paths) -> Landing | None:
        """None before `feeds apply` made the landing zone: then no file can be waiting and no feed is due (the
        feeds DAG runs from the stack's first minute)."""
        secrets = credentials.load(paths.credentials)
        if INGEST_USER not in secrets:
            return None
        return cls(_client(paths, (secrets[INGEST_USER], secrets[INGEST_SECRET])))

    def pending(self, feed: Feed) -> list[Dropped]:
        """Files waiting under the feed's prefix, oldest first (sub-folders are files too: partners nest)."""
        found = [
            Dropped(feed.name, o.object_name, o.size or 0, o.last_modified)
            for o in self.client.list_objects(self.bucket, prefix=feed.prefix, recursive=True)
            if o.object_name and o.last_modified and not o.is_dir
        ]
        return sorted(found, key=lambda d: (d.dropped_at, d.key))

    def fetch(self, dropped: Dropped) -> bytes:
        response = self.client.get_object(self.bucket, dropped.key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def _move(self, dropped: Dropped, to: str) -> None:
        from minio.commonconfig import CopySource

        self.client.copy_object(self.bucket, to, CopySource(self.bucket, dropped.key))
        self.client.remove_object(self.bucket, dropped.key)

    @staticmethod
    def archive_key(dropped: Dropped, checksum: str) -> str:
        return f"{ARCHIVE}{dropped.feed}/{dropped.dropped_at:%Y-%m-%d}/{checksum[:16]}-{dropped.file_name}"

    def archive(self, dropped: Dropped, checksum: str) -> str:
        """After the commit: kept for audit and replay under `_archive/<feed>/<day>/<checksum>-<name>`."""
        to = self.archive_key(dropped, checksum)
        self._move(dropped, to)
        return to

    def quarantine(self, dropped: Dropped, reason: str) -> str:
        """The file as it came, and `<name>.reason.txt` beside it, under `_quarantine/<feed>/`."""
        to = f"{QUARANTINE}{dropped.feed}/{dropped.dropped_at:%Y%m%dT%H%M%S}-{dropped.file_name}"
        body = (reason + "\n").encode()
        self.client.put_object(self.bucket, to + ".reason.txt", io.BytesIO(body), len(body), content_type="text/plain")
        self._move(dropped, to)
        return to
