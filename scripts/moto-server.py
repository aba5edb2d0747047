#!/usr/bin/env python3
"""moto_server with AWS's atomic conditional writes.

moto's threaded server checks a DynamoDB condition (or S3's If-None-Match) and then writes,
with no lock between: two concurrent conditional writes on one item can both succeed, which
AWS never allows. The tests and benchmarks rely on conditional writes deciding one winner
(job claims, the shared rate schedule, write-once objects), so this runs moto_server with one
lock around each conditional operation. Arguments are moto_server's (-H HOST -p PORT ...).
"""
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.s3.responses import S3Response
from moto.server import main

LOCK = threading.RLock()


def atomic(function):
    def locked(*args, **kwargs):
        with LOCK:
            return function(*args, **kwargs)
    locked.__name__ = function.__name__
    locked.__doc__ = function.__doc__
    return locked


for name in ("put_item", "update_item", "delete_item", "get_item", "transact_write_items"):
    setattr(DynamoDBBackend, name, atomic(getattr(DynamoDBBackend, name)))
S3Response.put_object = atomic(S3Response.put_object)

if __name__ == "__main__":
    sys.exit(main())
