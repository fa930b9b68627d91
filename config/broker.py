"""make run's broker: Kombu's filesystem transport, each message written whole
before a consumer can see it.

Kombu's filesystem channel (5.7) creates a message file, then locks and writes
it; a consumer does not take that lock, so one that lists the folder in between
moves and reads an empty file, and the worker stops with "Unrecoverable error:
JSONDecodeError" (seen under bench/embedded.py, issue 14). The message is then
lost until the outbox relay sends it again, and the worker is down until run.sh
restarts it. Here a message is written under a name that consumers skip (they
take only ``<stamp>_<uuid>.<queue>.msg``) and renamed into place: a rename
within one folder is atomic, so a consumer sees a whole message or none.
``config.celery_app`` selects this transport wherever the broker URL is
``filesystem://``.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The name kombu gives a message (its consumers sort by it: FIFO).
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"
        try:
            with open(partial, "wb", buffering=0) as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
