"""Buckets and keys in MinIO, made with its root key: only the steps that create buckets and keys hold it."""

from __future__ import annotations

from dataclasses import dataclass

from minio import Minio, MinioAdmin
from minio.credentials import StaticProvider


def bucket_policy(bucket: str) -> dict:
    """Read and write objects in one bucket, nothing else (no admin, no other buckets)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
             "Resource": [f"arn:aws:s3:::{bucket}"]},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                           "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
             "Resource": [f"arn:aws:s3:::{bucket}/*"]},
        ],
    }  # fmt: skip


@dataclass(frozen=True)
class ObjectStore:
    """MinIO's address and root key: only the steps that create buckets and keys hold it."""

    endpoint: str  # host:port
    root: tuple[str, str]
    region: str
    secure: bool = False

    @property
    def client(self) -> Minio:
        return Minio(self.endpoint, access_key=self.root[0], secret_key=self.root[1], secure=self.secure,
                     region=self.region)  # fmt: skip

    def bucket_with_key(self, bucket: str, policy_name: str, key: tuple[str, str]) -> bool:
        """The bucket, if missing, and a key that may use it and nothing else (idempotent); True if created."""
        client = self.client
        created = not client.bucket_exists(bucket)
        if created:
            client.make_bucket(bucket)
        self.user_with_policy(key, policy_name, bucket_policy(bucket))
        return created

    def user_with_policy(self, key: tuple[str, str], policy_name: str, policy: dict) -> None:
        """A key (user) whose only rights are `policy` (idempotent: the policy and secret are replaced)."""
        admin = MinioAdmin(endpoint=self.endpoint, credentials=StaticProvider(*self.root), secure=self.secure,
                           region=self.region)  # fmt: skip
        admin.policy_add(policy_name, policy=policy)
        admin.user_add(*key)
        admin.policy_set(policy_name, user=key[0])
