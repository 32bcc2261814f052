"""Decoding a person's own image files with Pillow, whatever they hold.

Everything becomes RGB uint8: CMYK, grayscale, 16-bit and palette images are converted, alpha is
laid over white, EXIF orientation is applied, an animation gives its first frame. Files that
cannot be used raise ``ImageProblem`` (a BadFile) with a reason a person can act on, so a folder
scan can list what it skipped and why; files over the budget of bytes or pixels are refused
before they are decoded.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from engine.failures import BadFile, OverBudget

SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MAX_FILE_BYTES = 200_000_000  # an uncompressed 64-megapixel TIFF holds 192 MB
MAX_PIXELS = 64_000_000  # decoded (after a JPEG's reduced scale); below Pillow's own guard


class ImageProblem(BadFile):
    """A file that cannot be used as an image; the message names it and says why."""


class ImageTooLarge(ImageProblem, OverBudget):
    """An image file over the app's budget of bytes or pixels; the message names the limit."""


def printable(path: str | Path) -> str:
    """``path`` as text that can be printed anywhere: bytes of a name that is not UTF-8 (kept
    as surrogates by Python on Linux) appear as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def decode(path: str | Path, max_side: int | None = None) -> np.ndarray:
    """The image at ``path`` as RGB uint8 (H, W, 3), upright; the first frame of an animation.

    ``max_side`` lets large JPEGs decode at a reduced scale (Pillow's draft mode), which is much
    faster for photos that are only shown as thumbnails or shrunk for a network anyway. A file
    over ``MAX_FILE_BYTES`` or an image over ``MAX_PIXELS`` raises ImageTooLarge before it is
    decoded; anything else that goes wrong raises ImageProblem, never Pillow's own error.
    """
    path = Path(path)
    name = printable(path.name)
    try:
        size = path.stat().st_size
        if size == 0:
            raise ImageProblem(f"{name}: the file is empty (0 bytes)")
        if size > MAX_FILE_BYTES:
            raise ImageTooLarge(
                f"{name}: the file holds {size / 1e6:,.0f} MB, more than the "
                f"{MAX_FILE_BYTES / 1e6:,.0f} MB an image may have here; save it smaller"
            )
        with Image.open(path) as image:
            if max_side and image.format == "JPEG":
                image.draft("RGB", (max_side, max_side))
            _check_pixels(name, *image.size)
            image.load()
            return _to_rgb(ImageOps.exif_transpose(image))
    except ImageProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLarge(
            f"{name}: too large to open safely ({error}); shrink it below "
            f"{MAX_PIXELS / 1e6:.0f} megapixels"
        ) from error
    except UnidentifiedImageError as error:
        raise ImageProblem(
            f"{name}: not an image file Pillow can read (wrong extension, or another kind of file)"
        ) from error
    except MemoryError:
        raise
    except OSError as error:
        if error.errno is not None:  # the system refused it (permission, a folder...)
            raise ImageProblem(f"{name}: could not be read ({error.strerror})") from error
        raise ImageProblem(f"{name}: damaged or incomplete image ({error})") from error
    except Exception as error:  # damaged data makes Pillow raise nearly anything
        raise ImageProblem(
            f"{name}: damaged or incomplete image ({type(error).__name__}: {error})"
        ) from error


def _check_pixels(name: str, width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageProblem(f"{name}: the image has no pixels ({width}x{height})")
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(
            f"{name}: too large to open safely ({width}x{height} pixels); shrink it below "
            f"{MAX_PIXELS / 1e6:.0f} megapixels"
        )


def _to_rgb(image: Image.Image) -> np.ndarray:
    if image.mode == "I" or image.mode.startswith("I;16"):  # 16/32-bit gray: scale to 8 bits
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        gray = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if image.mode == "F":
        values = np.nan_to_num(np.asarray(image, dtype=np.float64), posinf=255.0, neginf=0.0)
        gray = np.clip(values, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(".")


def check(path: str | Path) -> str | None:
    """None when ``path`` decodes as an image, else the reason it cannot be used."""
    try:
        decode(path, max_side=64)
    except ImageProblem as problem:
        return str(problem)
    return None
