"""Every source type delivers RGB uint8 frames; faults are SourceError, never a crash."""

import cv2
import numpy as np
import pytest
from PIL import Image

from engine.live import sources
from tests.helpers.files import SHARED_DATA, real_data


def write_video(path, frames: int = 12, fps: float = 25.0, size=(64, 48)):
    """Frame i is a solid BGR-red frame whose brightness encodes i (the test knows the truth)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        frame[..., 2] = 20 + 15 * i  # BGR: red channel
        writer.write(frame)
    writer.release()
    return path


def test_synthetic_source_moves_and_counts():
    source = sources.SyntheticSource(160, 120, fps=30)
    source.open()
    first, second = source.read(), source.read()
    assert first.shape == (120, 160, 3) and first.dtype == np.uint8
    assert np.abs(first.astype(int) - second.astype(int)).sum() > 1000  # visible motion
    assert source.count == 2 and source.fps == 30


def test_video_file_plays_in_rgb_at_its_rate_and_loops(tmp_path):
    path = write_video(tmp_path / "clip.avi", frames=12, fps=25)
    source = sources.VideoFileSource(path)
    source.open()
    frames = [source.read() for _ in range(15)]
    assert source.fps == pytest.approx(25)
    assert frames[0].shape == (48, 64, 3) and frames[0].dtype == np.uint8
    red = [f[..., 0].mean() for f in frames]
    assert frames[5][..., 2].mean() < 5 and red[5] > 80  # RGB, not BGR
    assert red[11] > red[0] + 100 and abs(red[12] - red[0]) < 6  # looped back to the start


def test_video_file_without_loop_ends(tmp_path):
    source = sources.VideoFileSource(write_video(tmp_path / "clip.avi", frames=4), loop=False)
    source.open()
    for _ in range(4):
        source.read()
    with pytest.raises(sources.EndOfStream):
        source.read()


def test_missing_and_corrupt_videos_raise_source_error(tmp_path):
    with pytest.raises(sources.SourceError, match="does not exist"):
        sources.VideoFileSource(tmp_path / "nope.mp4").open()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    with pytest.raises(sources.SourceError):
        source = sources.VideoFileSource(bad)
        source.open()
        source.read()


def test_image_folder_slideshow_skips_unreadable_files(tmp_path):
    Image.new("RGB", (40, 30), (255, 0, 0)).save(tmp_path / "a.png")
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8 truncated")
    Image.new("L", (20, 10), 200).save(tmp_path / "c.png")
    (tmp_path / "notes.txt").write_text("not an image")
    source = sources.ImageFolderSource(tmp_path, seconds=0.2, fps=10)  # 2 reads per image
    source.open()
    shown = [source.read() for _ in range(6)]
    assert [f.shape for f in shown] == [(30, 40, 3)] * 2 + [(10, 20, 3)] * 2 + [(30, 40, 3)] * 2
    assert tuple(shown[0][0, 0]) == (255, 0, 0) and tuple(shown[2][0, 0]) == (200, 200, 200)


def test_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(sources.SourceError, match="holds no images"):
        sources.ImageFolderSource(tmp_path).open()


def test_real_photos_with_a_junk_file():
    folder = real_data(SHARED_DATA / "hymenoptera" / "train" / "ants")
    files = sources.list_images(folder)
    source = sources.ImageFolderSource(folder, seconds=0.1, fps=10)
    source.open()
    for _ in range(len(files) + 3):
        frame = source.read()
        assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8


def test_absent_camera_is_a_source_error():
    with pytest.raises(sources.SourceError, match="absent or busy"):
        sources.CameraSource(97).open()
    assert not sources.camera_opens(97)
    assert sources.from_options(camera=97).name == "Camera 97"
    assert sources.from_options() is None


@pytest.mark.parametrize("shape", [(6, 8), (6, 8, 4), (6, 8, 3)])
def test_to_rgb_makes_three_channels(shape):
    frame = np.arange(np.prod(shape), dtype=np.uint8).reshape(shape)
    rgb = sources.to_rgb(frame)
    assert rgb.shape == (6, 8, 3) and rgb.dtype == np.uint8
    if len(shape) == 3:
        assert np.array_equal(rgb[..., 0], frame[..., 2])  # B and R swapped


def test_camera_pixel_formats_become_rgb_uint8():
    bgr = np.zeros((4, 6, 3), np.uint8)
    bgr[..., 0] = 200  # blue in OpenCV's order
    assert tuple(sources.to_rgb(bgr)[0, 0]) == (0, 0, 200)
    assert sources.to_rgb(np.full((4, 6), 77, np.uint8)).shape == (4, 6, 3)
    assert sources.to_rgb(np.full((4, 6, 1), 77, np.uint8))[0, 0].tolist() == [77, 77, 77]
    bgra = np.dstack([bgr, np.full((4, 6), 255, np.uint8)])
    assert tuple(sources.to_rgb(bgra)[0, 0]) == (0, 0, 200)
    deep = np.full((4, 6, 3), 65535, np.uint16)
    assert sources.to_rgb(deep).dtype == np.uint8 and sources.to_rgb(deep).max() == 255
    yuyv = np.zeros((4, 6, 2), np.uint8)
    yuyv[..., 0], yuyv[..., 1] = 235, 128  # white in YUYV
    rgb = sources.to_rgb(yuyv)
    assert rgb.shape == (4, 6, 3) and rgb.min() > 240
