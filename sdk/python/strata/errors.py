"""Exceptions raised by the SDK.

Every error the server reports carries its JSON message (``{"error":{"code","message"}}``) in
``str(err)``, its HTTP status in ``err.status`` and its code in ``err.code``. The classes also
derive from the built-in exception a Python caller would naturally catch:

=====================  ==============================  ===================================
class                  also a                          when
=====================  ==============================  ===================================
AuthError              PermissionError                 401 (bad token) / 403 (not allowed)
NotFoundError          KeyError                        404 (missing key, object, namespace)
FileNotFoundError_     FileNotFoundError + KeyError    404 from the file-system routes
ConflictError          --                              409 (exists, not empty, is a dir, ...)
InvalidArgumentError   ValueError                      400, and limits checked before sending
TooLargeError          ValueError                      413
ServerError            --                              5xx after the retries are spent
TransportError         ConnectionError                 the server could not be reached
=====================  ==============================  ===================================
"""

from __future__ import annotations

from typing import Optional


class StrataError(Exception):
    """Base class of every error this SDK raises.

    Attributes:
        message: the server's message (or the SDK's, for errors found before sending).
        status: the HTTP status, or None when no response was received.
        code: the server's error code (``not_found``, ``no_such_key``, ...), or None.
    """

    def __init__(self, message: str, status: Optional[int] = None, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:  # KeyError and OSError would otherwise format args their own way
        if self.status is not None:
            return f"{self.message} (HTTP {self.status}{', ' + self.code if self.code else ''})"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r}, code={self.code!r})"


class AuthError(StrataError, PermissionError):
    """401: the token is missing, malformed, wrong or revoked; 403: it may not do this."""


class NotFoundError(StrataError, KeyError):
    """404: the key, object, bucket, namespace or queue does not exist."""


class FileNotFoundError_(NotFoundError, FileNotFoundError):  # noqa: N801 - mirrors the builtin
    """404 from the file-system routes: no such file or directory."""


class ConflictError(StrataError):
    """409: already exists, directory not empty, is a directory, not a directory."""


class InvalidArgumentError(StrataError, ValueError):
    """400, or an argument the SDK rejects before sending anything (sizes, names)."""


class TooLargeError(InvalidArgumentError):
    """413: a key, value, message or body over the server's limit."""


class ServerError(StrataError):
    """5xx: the server failed (after the retries allowed for the call were spent)."""


class TransportError(StrataError, ConnectionError):
    """No answer: connection refused, reset or timed out (after the retries allowed)."""


def error_for_status(status: int, message: str, code: Optional[str]) -> StrataError:
    """The exception for an HTTP error answer."""
    if status in (401, 403):
        return AuthError(message, status, code)
    if status == 404:
        return NotFoundError(message, status, code)
    if status == 409:
        return ConflictError(message, status, code)
    if status == 413:
        return TooLargeError(message, status, code)
    if status in (400, 416):
        return InvalidArgumentError(message, status, code)
    if status >= 500:
        return ServerError(message, status, code)
    return StrataError(message, status, code)
