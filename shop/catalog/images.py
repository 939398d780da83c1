"""Product and kit images: check an upload with Pillow, store it under its content hash, make
square WebP thumbnails (400 and 800 px) once, at upload, never per request."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from PIL import Image, ImageOps, UnidentifiedImageError

from config.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 8000 x 5000; a bigger canvas is refused before it is decoded
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
WIDTHS = (400, 800)
BACKGROUND = (247, 243, 238)  # the page's warm white, behind transparent or letterboxed parts


class InvalidImage(DomainError):
    code = "invalid_image"
    status = 400
    title = "Invalid image"


@dataclass(frozen=True)
class Picture:
    """What a template needs for one `<img>`: the 400 px thumbnail, its 800 px twin, the size."""

    src: str
    srcset: str
    original: str
    width: int = WIDTHS[0]
    height: int = WIDTHS[0]


def _refuse(message: str) -> InvalidImage:
    return InvalidImage(message, errors={"image": [message]})


def read_checked(upload: IO[bytes] | None) -> tuple[bytes, str]:
    """The upload's bytes and file extension, or InvalidImage: PNG, JPEG or WebP as Pillow reads
    it (the name and the declared type do not count), at most MAX_BYTES and MAX_PIXELS."""
    if upload is None:
        raise _refuse("Send a PNG, JPEG or WebP file in the multipart field 'image'.")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(f"The image is over {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=list(FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _refuse("The image has too many pixels (40 megapixels at most).")
                extension = FORMATS[str(image.format)]
                image.verify()
            with Image.open(BytesIO(data), formats=list(FORMATS)) as image:
                image.load()  # verify() does not decode: a truncated file fails here
    except InvalidImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("This is not a PNG, JPEG or WebP image.") from None
    except (OSError, SyntaxError, ValueError, EOFError, KeyError):
        raise _refuse("The image file is damaged.") from None
    return data, extension


def thumbnail_name(name: str, width: int) -> str:
    stem = name.rsplit(".", 1)[0]
    return f"{stem}-{width}.webp"


def _thumbnail(data: bytes, width: int) -> bytes:
    with Image.open(BytesIO(data)) as source:
        image = ImageOps.exif_transpose(source).convert("RGBA")
    flat = Image.new("RGBA", image.size, (*BACKGROUND, 255))
    flat.alpha_composite(image)
    square = ImageOps.pad(flat.convert("RGB"), (width, width), color=BACKGROUND)
    out = BytesIO()
    square.save(out, "WEBP", quality=82, method=4)
    return out.getvalue()


def store(data: bytes, extension: str, *, folder: str) -> str:
    """Save the original under its content hash, with its thumbnails; returns its storage name.
    The same bytes always get the same names, so the files can be cached as immutable."""
    digest = hashlib.sha256(data).hexdigest()[:24]
    name = f"{folder}/{digest}.{extension}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    for width in WIDTHS:
        thumb = thumbnail_name(name, width)
        if not default_storage.exists(thumb):
            default_storage.save(thumb, ContentFile(_thumbnail(data, width)))
    return name


def attach(owner: models.Model, upload: IO[bytes] | None, *, folder: str) -> None:
    """Check an upload (InvalidImage if it is not an image), store it with its thumbnails and
    make it `owner`'s `image` (a product's or a kit's)."""
    data, extension = read_checked(upload)
    owner.image.name = store(data, extension, folder=folder)  # type: ignore[attr-defined]
    owner.save(update_fields=["image", "updated_at"])


def picture(name: str | None) -> Picture | None:
    """The picture of a stored image name (a product's or kit's `image.name`), or None."""
    if not name:
        return None
    small, large = (default_storage.url(thumbnail_name(name, w)) for w in WIDTHS)
    return Picture(
        src=small,
        srcset=f"{small} {WIDTHS[0]}w, {large} {WIDTHS[1]}w",
        original=default_storage.url(name),
    )
