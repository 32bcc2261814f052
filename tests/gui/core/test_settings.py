"""Remembered: what QSettings gives back is checked, so no value in the file can break a start."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QByteArray, QSettings

from gui.core.settings import Remembered


def test_sound_values_come_back_and_unsound_ones_read_as_none(tmp_path):
    store = Remembered(QSettings(str(tmp_path / "lab.ini"), QSettings.Format.IniFormat))
    store.remember({"k": 7, "alpha": 0.6, "state": QByteArray(b"\x00\xff"), "model": "ResNet50"})
    again = Remembered(QSettings(str(tmp_path / "lab.ini"), QSettings.Format.IniFormat))
    assert again.whole("k", 1, 20) == 7 and again.real("alpha", 0.0, 0.99) == 0.6
    assert again.state("state") == QByteArray(b"\x00\xff") and again.text("model") == "ResNet50"
    assert again.whole("k", 1, 5) is None and again.real("alpha", 0.0, 0.5) is None
    assert again.whole("missing", 1, 20) is None and again.state("model") is None
    assert again.whole("state", 1, 20) is None and again.text("state") is None
    store.remember({"model": None})  # None: nothing run, the remembered one stays
    assert again.text("model") == "ResNet50"


WHOLE = st.integers(-(2**63), 2**63 - 1)  # what setValue takes; longer digits come as text


@settings(max_examples=150, deadline=2000)
@given(
    st.one_of(
        WHOLE,
        st.floats(),
        st.text(max_size=40),
        st.binary(max_size=40).map(QByteArray),
        st.booleans(),
        st.lists(WHOLE, max_size=3),
    )
)
def test_any_value_in_the_file_reads_as_none_or_in_range(value):
    qsettings = QSettings("dll-test", "fuzz")  # the test's own folder (tests/gui/conftest.py)
    qsettings.setValue("v", value)
    qsettings.sync()
    store = Remembered(QSettings("dll-test", "fuzz"))
    number = store.whole("v", 1, 20)
    assert number is None or (type(number) is int and 1 <= number <= 20)
    real = store.real("v", 0.0, 0.99)
    assert real is None or (math.isfinite(real) and 0.0 <= real <= 0.99)
    text, state = store.text("v"), store.state("v")
    assert text is None or (isinstance(text, str) and text)
    assert state is None or (isinstance(state, QByteArray) and state.size() > 0)


def test_a_damaged_file_reads_as_nothing(tmp_path):
    path = tmp_path / "lab.ini"
    path.write_bytes(
        b"[live]\ntop_k=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x12garbage)\nsmoothing=nan\n"
        b"splitter=@ByteArray(\n\xff\xfe\x00 not ini at all\n"
    )
    store = Remembered(QSettings(str(path), QSettings.Format.IniFormat))
    assert store.whole("live/top_k", 1, 20) is None
    assert store.real("live/smoothing", 0.0, 0.99) is None
    assert store.state("live/splitter") is None
