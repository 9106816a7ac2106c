"""kgrec.kg.files: every saved file is replaced whole or not at all."""
import pytest

from kgrec.kg.files import atomic_write, atomic_write_text


def test_a_write_replaces_the_file_whole_and_makes_its_folder(tmp_path):
    target = tmp_path / "new" / "profile.json"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second, longer")
    assert target.read_text() == "second, longer"
    assert [p.name for p in target.parent.iterdir()] == ["profile.json"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "graph.npz"
    atomic_write(target, lambda f: f.write(b"old"))

    def fails(f):
        f.write(b"torn")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, fails)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["graph.npz"]
