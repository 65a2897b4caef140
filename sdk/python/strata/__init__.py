"""Strata's Python SDK: object storage, key-value store, queues and the shared file system.

Modules: ``strata.objectstore`` (ObjectStore), ``strata.kv`` (KV), ``strata.queue`` (Queue),
``strata.fs`` (FileSystem), ``strata.config`` (where the server and token come from) and
``strata.errors`` (the exceptions). Standard library only.
"""

from .config import Config, resolve
from .errors import (AuthError, ConflictError, InvalidArgumentError, NotFoundError, ServerError, StrataError,
                     TooLargeError, TransportError)

__version__ = "0.1.0"

__all__ = ["Config", "resolve", "StrataError", "AuthError", "NotFoundError", "ConflictError",
           "InvalidArgumentError", "TooLargeError", "ServerError", "TransportError", "__version__"]
