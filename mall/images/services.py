"""Validating, thumbnailing, storing and fetching images; no Flask request objects.

An image is accepted only when Pillow decodes it fully as JPEG, PNG, WebP or GIF, within
``MAX_BYTES`` and ``MAX_PIXELS`` (a small file that claims huge dimensions, a decompression
bomb, is refused before it is decoded). Originals are keyed by their SHA-256, so the same
picture uploaded for many offers is stored once.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import ipaddress
import socket
import ssl
import urllib.parse
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from mall.errors import ApiError, BadRequest, PayloadTooLarge
from mall.i18n import N_
from mall.images.models import ImageThumbnail, StoredImage

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZES = (96, 320)
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
FETCH_TIMEOUT = 10.0


class ImageRefused(ApiError):
    status, code = 422, "image_invalid"


@dataclass(frozen=True)
class CheckedImage:
    hash: str
    content_type: str
    width: int
    height: int
    data: bytes


def check_image(data: bytes) -> CheckedImage:
    """The decoded image's facts; ImageRefused (or 413) when it is not an acceptable image."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(N_("An image may be at most 5 MB."), code="image_too_large",
                              details={"limit": MAX_BYTES})
    if not data:
        raise ImageRefused(N_("The image is empty."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                width, height = probe.size
                kind = probe.format or ""
                if width * height > MAX_PIXELS:
                    raise ImageRefused(N_("The image has too many pixels (at most 40 million)."),
                                       code="image_too_many_pixels",
                                       details={"width": width, "height": height})
                probe.load()  # decode it all: a truncated or corrupt file fails here
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ImageRefused(N_("The file is not a JPEG, PNG, WebP or GIF image.")) from None
    except (OSError, ValueError, SyntaxError):
        raise ImageRefused(N_("The image is damaged and cannot be read.")) from None
    return CheckedImage(hashlib.sha256(data).hexdigest(), FORMATS[kind], width, height, data)


def thumbnail(data: bytes, size: int) -> bytes:
    """A WebP whose longest side is at most ``size`` px (never enlarged)."""
    with Image.open(io.BytesIO(data), formats=list(FORMATS)) as source:
        source.seek(0)  # an animated GIF: its first frame
        frame = source.convert("RGBA" if source.mode in ("RGBA", "LA", "P") else "RGB")
    frame.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    frame.save(out, "WEBP", quality=82, method=4)
    return out.getvalue()


def store_image(session: Session, data: bytes) -> StoredImage:
    """Check and store an image once per content hash, with its thumbnails; flushes."""
    checked = check_image(data)
    existing = session.get(StoredImage, checked.hash)
    if existing is not None:
        return existing
    image = StoredImage(hash=checked.hash, content_type=checked.content_type,
                        width=checked.width, height=checked.height,
                        byte_size=len(checked.data), original=checked.data)
    session.add(image)
    session.flush()  # no relationship orders the inserts: the image row first
    session.add_all(ImageThumbnail(image_hash=checked.hash, size=size,
                                   data=thumbnail(checked.data, size))
                    for size in THUMBNAIL_SIZES)
    session.flush()
    return image


def thumbnail_bytes(session: Session, image_hash: str, size: int) -> bytes | None:
    row = session.get(ImageThumbnail, (image_hash, size))
    return row.data if row is not None else None


# --- fetching a feed's image URL (the worker, never a request) -------------------------------


class FetchRefused(BadRequest):
    code = "image_fetch_failed"
    # True when the same fetch may work later (network trouble, 5xx, 429): worth a retry.
    transient = False


class FetchFailed(FetchRefused):
    transient = True


def _checked_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to; FetchRefused when the host resolves to a private,
    loopback or link-local address (SSRF). The fetch connects to this very address, so a
    second lookup cannot swap in a private one (DNS rebinding)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise FetchRefused(f"The host {host!r} cannot be resolved ({exc}).") from None
    if not infos:
        raise FetchRefused(f"The host {host!r} cannot be resolved.")
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not allow_private and (not address.is_global or address.is_multicast):
            raise FetchRefused(f"The host {host!r} is a private or local address; "
                               f"only public addresses are fetched.")
    return str(infos[0][4][0])


class _PinnedHTTP(http.client.HTTPConnection):
    """Talks to ``host`` (the Host header) at an address already checked."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, over TLS with the certificate checked against ``host``."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def fetch_image(url: str, allow_private: bool = False, timeout: float = FETCH_TIMEOUT,
                max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes at an http(s) URL, at most ``max_bytes``; FetchRefused with the reason.
    Redirects are refused: they could lead to a private address after the check."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused("Only http and https image URLs are fetched.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused("The image URL has an invalid port.") from None
    address = _checked_address(parts.hostname, port, allow_private)
    pinned = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = pinned(parts.hostname, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", path, headers={"User-Agent": "mall-image-fetch/1"})
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise FetchRefused("The image URL redirects; give the final address.")
        if response.status != 200:
            busy = response.status >= 500 or response.status == 429
            raise (FetchFailed if busy else FetchRefused)(
                f"The image URL answered HTTP {response.status}.")
        data: bytes = response.read(max_bytes + 1)
    except (http.client.HTTPException, OSError) as exc:
        raise FetchFailed(f"The image URL could not be fetched ({exc}).") from None
    finally:
        connection.close()
    if len(data) > max_bytes:
        raise FetchRefused("The image at the URL is larger than 5 MB.")
    return data
