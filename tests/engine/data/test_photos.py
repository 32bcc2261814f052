"""Decoding a person's own files: every odd kind of image, and clear reasons for the rest."""

import os
import re
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from engine.data import photos
from engine.failures import BadFile, OverBudget
from tests.helpers.files import damaged_tiff


def save(image, path, **options):
    image.save(path, **options)
    return path


def gradient(w=40, h=30):
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None, None]
    return np.concatenate(
        [
            np.broadcast_to(x, (h, w, 1)),
            np.broadcast_to(y, (h, w, 1)),
            np.full((h, w, 1), 128, np.float32),
        ],
        axis=2,
    ).astype(np.uint8)


def test_ordinary_files_decode_to_rgb_uint8(tmp_path):
    rgb = gradient()
    path = save(Image.fromarray(rgb), tmp_path / "plain.png")
    decoded = photos.decode(path)
    assert decoded.dtype == np.uint8 and decoded.shape == (30, 40, 3)
    assert np.array_equal(decoded, rgb)


def test_grayscale_sixteen_bit_cmyk_alpha_and_palette_become_rgb(tmp_path):
    gray = np.arange(30 * 40, dtype=np.uint16).reshape(30, 40) % 256
    decoded = photos.decode(save(Image.fromarray(gray.astype(np.uint8)), tmp_path / "gray.png"))
    assert decoded.shape == (30, 40, 3) and np.array_equal(decoded[..., 0], gray)

    deep = gray.astype(np.uint16) * 257  # 16-bit: 0..65535
    decoded = photos.decode(save(Image.fromarray(deep), tmp_path / "deep.png"))
    with Image.open(tmp_path / "deep.png") as written:
        assert written.mode.startswith("I")
    assert decoded.dtype == np.uint8 and np.abs(decoded[..., 1].astype(int) - gray).max() <= 1

    cmyk = Image.fromarray(gradient()).convert("CMYK")
    decoded = photos.decode(save(cmyk, tmp_path / "cmyk.jpg", quality=95))
    assert decoded.shape == (30, 40, 3)
    assert np.abs(decoded.astype(int) - gradient().astype(int)).mean() < 12

    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, :5, 3] = 255  # left half opaque red, right half transparent
    decoded = photos.decode(save(Image.fromarray(rgba, "RGBA"), tmp_path / "alpha.png"))
    assert tuple(decoded[0, 0]) == (255, 0, 0) and tuple(decoded[0, 9]) == (255, 255, 255)

    palette = Image.fromarray(gradient()).convert("P")
    assert photos.decode(save(palette, tmp_path / "palette.gif")).shape == (30, 40, 3)


def test_exif_orientation_is_applied(tmp_path):
    image = Image.fromarray(gradient(40, 30))
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    decoded = photos.decode(save(image, tmp_path / "rotated.jpg", exif=exif.tobytes(), quality=95))
    assert decoded.shape == (40, 30, 3)  # portrait, as a phone shows it


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.jpg", b"", "empty (0 bytes)"),
        ("notes.jpg", b"these are my notes, not a photo\n" * 10, "not an image file"),
    ],
)
def test_unusable_files_say_why(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(photos.ImageProblem, match=re.escape(reason)):
        photos.decode(path)
    assert reason in photos.check(path)


def test_a_truncated_jpeg_is_refused_not_half_decoded(tmp_path):
    whole = save(Image.fromarray(gradient(200, 150)), tmp_path / "whole.jpg", quality=95)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(photos.ImageProblem, match="damaged or incomplete"):
        photos.decode(cut)
    corrupt = tmp_path / "corrupt.jpg"
    data = bytearray(whole.read_bytes())
    data[2:40] = b"\x00" * 38  # header destroyed
    corrupt.write_bytes(bytes(data))
    assert photos.check(corrupt) is not None


def test_a_huge_image_is_refused_before_it_is_decoded(tmp_path):
    # A 20000x20000 PNG header (400 megapixels) over a tiny body: opening it must not try to
    # allocate 1.2 GB.
    small = tmp_path / "small.png"
    Image.new("L", (1, 1)).save(small)
    data = bytearray(small.read_bytes())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", 20000, 20000)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    huge = tmp_path / "huge.png"
    huge.write_bytes(bytes(data))
    with pytest.raises(photos.ImageProblem, match="too large to open safely"):
        photos.decode(huge)


def test_large_jpegs_decode_at_a_reduced_scale_when_asked(tmp_path):
    path = save(Image.fromarray(np.tile(gradient(400, 300), (4, 4, 1))), tmp_path / "big.jpg")
    assert photos.decode(path).shape == (1200, 1600, 3)
    small = photos.decode(path, max_side=200)
    assert max(small.shape[:2]) < 1600 and min(small.shape[:2]) >= 200 * 0.75 - 1


def test_unicode_names(tmp_path):
    folder = tmp_path / "chèvre 山羊"
    folder.mkdir()
    path = save(Image.fromarray(gradient()), folder / "fromage é 😀.png")
    assert photos.decode(path).shape == (30, 40, 3)


def test_a_damaged_tiff_on_which_pillow_raises_type_error_is_an_image_problem(tmp_path):
    path = damaged_tiff(tmp_path / "scan 12.tif")
    with pytest.raises(photos.ImageProblem, match=r"scan 12.tif: damaged .*TypeError"):
        photos.decode(path)
    assert isinstance(photos.ImageProblem("x"), BadFile)


def test_a_file_over_the_byte_budget_is_refused_without_reading_it(tmp_path):
    path = save(Image.fromarray(gradient()), tmp_path / "tail.jpg")  # a JPEG with a 1 GB tail
    with open(path, "r+b") as handle:
        handle.truncate(1_000_000_000)  # sparse: no disk is used
    started = time.perf_counter()
    with pytest.raises(photos.ImageTooLarge, match=r"tail.jpg: the file holds 1,000 MB.* 200 MB"):
        photos.decode(path)
    assert time.perf_counter() - started < 0.5
    assert "200 MB" in photos.check(path)
    assert isinstance(photos.ImageTooLarge("x"), OverBudget)


def test_an_image_over_the_pixel_budget_is_refused_before_it_is_decoded(tmp_path):
    # 9000 x 8000 is 72 megapixels: under Pillow's own guard (89), over the app's (64).
    data = bytearray(save(Image.new("L", (1, 1)), tmp_path / "one.png").read_bytes())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", 9000, 8000)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    path = tmp_path / "wide.png"
    path.write_bytes(bytes(data))
    with pytest.raises(photos.ImageTooLarge, match=r"9000x8000 pixels.*below 64 megapixels"):
        photos.decode(path)


def test_animations_and_odd_modes_give_rgb_uint8(tmp_path):
    frames = [Image.fromarray(np.full((30, 40, 3), value, np.uint8)) for value in (10, 200)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    frames[0].save(tmp_path / "anim.png", save_all=True, append_images=frames[1:])
    for name in ("anim.gif", "anim.png"):
        decoded = photos.decode(tmp_path / name)
        assert decoded.shape == (30, 40, 3) and decoded.dtype == np.uint8
        assert abs(int(decoded.mean()) - 10) <= 2  # the first frame
    bilevel = save(Image.fromarray(gradient()).convert("1"), tmp_path / "bilevel.png")
    assert set(np.unique(photos.decode(bilevel))) <= {0, 255}
    floats = np.array([[np.nan, np.inf, -np.inf, 300.0, 127.0]], np.float32)
    decoded = photos.decode(save(Image.fromarray(floats, "F"), tmp_path / "floats.tif"))
    assert decoded[0, :, 0].tolist() == [0, 255, 0, 255, 127]
    for mode in ("LA", "CMYK", "YCbCr", "I;16B"):
        path = tmp_path / f"{mode.replace(';', '')}.tif"
        Image.fromarray(gradient()).convert("L").convert(mode).save(path)
        decoded = photos.decode(path)
        assert decoded.shape == (30, 40, 3) and decoded.dtype == np.uint8, mode


def test_a_name_that_is_not_utf8_is_shown_printably(tmp_path):
    folder = os.fsencode(tmp_path)
    name = os.fsdecode(folder + b"/caf\xe9.jpg")  # Latin-1 bytes: surrogates in Python
    with open(name, "wb") as handle:
        handle.write(b"not a picture" * 10)
    reason = photos.check(name)
    assert reason.startswith("caf\\xe9.jpg: not an image file")
    reason.encode("utf-8")  # printable anywhere: no surrogates left
    assert photos.printable(os.path.basename(name)) == "caf\\xe9.jpg"


def test_a_file_the_system_will_not_open_says_so(tmp_path):
    (tmp_path / "holiday.jpg").mkdir()  # a folder named like a photo
    assert (
        photos.check(tmp_path / "holiday.jpg") == "holiday.jpg: could not be read (Is a directory)"
    )
