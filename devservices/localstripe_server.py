"""Run localstripe bound to 127.0.0.1 only (dev/test Stripe emulator).

localstripe's own entry point (`localstripe.server.start`) has no host option:
it binds a dual-stack socket on '::' (every interface) and pickles its store to
the hard-coded /tmp/localstripe.pickle on every write. This wrapper serves the
same aiohttp app on 127.0.0.1 and keeps the store in memory, or, with
LOCALSTRIPE_STORE=/path/file.pickle, persists it there instead of /tmp.

Usage: python devservices/localstripe_server.py [--host 127.0.0.1] [--port 8420]
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle

from aiohttp import web
from localstripe import resources, server


def _configure_store(path: str | None) -> None:
    store_cls = type(resources.store)

    if not path:
        # In memory only: no pickling of the whole store on every write.
        store_cls.try_load_from_disk = lambda self: None
        store_cls.dump_to_disk = lambda self: None
        return

    def try_load_from_disk(self):
        try:
            with open(path, "rb") as f:
                old = pickle.load(f)
        except FileNotFoundError:
            return
        self.clear()
        self.update(old)

    def dump_to_disk(self):
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    store_cls.try_load_from_disk = try_load_from_disk
    store_cls.dump_to_disk = dump_to_disk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("LOCALSTRIPE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCALSTRIPE_PORT", "8420")))
    parser.add_argument("--store", default=os.environ.get("LOCALSTRIPE_STORE") or None,
                        help="pickle file to persist the store (default: memory only)")
    args = parser.parse_args()

    _configure_store(args.store)
    resources.store.try_load_from_disk()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    web.run_app(server.app, host=args.host, port=args.port,
                access_log=logging.getLogger("aiohttp.access"), handle_signals=True)


if __name__ == "__main__":
    main()
