"""The decode-once image cache: exact round trip, reuse, invalidation, memmaps into the generator."""

import numpy as np
import pytest
from PIL import Image

from is_keras.data import image_decoding
from is_keras.data.image_cache import cache_images, cached_array, load_image_files
from is_keras.data.image_decoding import decode_image, decode_images
from is_keras.data.splits import random_split, stratified_split
from is_keras.sampling import ImportanceBatchGenerator


def _write_images(folder, count, size=(12, 10), seed=0, fmt="png"):
    """Random RGB images; returns (paths, the raw uint8 pixels)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths, pixels = [], []
    for i in range(count):
        array = rng.integers(0, 256, size=(size[0], size[1], 3), dtype=np.uint8)
        path = folder / f"img{i:03d}.{fmt}"
        Image.fromarray(array).save(path)
        paths.append(str(path))
        pixels.append(array)
    return paths, np.stack(pixels)


def test_cache_round_trip_equals_the_decoded_pixels(tmp_path):
    paths, raw = _write_images(tmp_path / "img", 7, size=(12, 10), fmt="ppm")
    cached = cache_images(paths, (12, 10), cache_dir=tmp_path / "cache", chunk_size=3, progress=False)
    assert isinstance(cached, np.memmap)
    assert cached.shape == (7, 12, 10, 3) and cached.dtype == np.float32
    np.testing.assert_array_equal(cached, raw.astype(np.float32) / 255.0)  # no resize: exact
    raw_cache = cache_images(paths, (12, 10), cache_dir=tmp_path / "cache", dtype="uint8", progress=False)
    np.testing.assert_array_equal(raw_cache, raw)
    assert not cached.flags.writeable


def test_resize_and_crop_match_pillow_and_numpy(tmp_path):
    paths, raw = _write_images(tmp_path / "img", 3, size=(20, 16))
    # a crop with no resize is plain slicing (PIL box convention: x2, y2 exclusive)
    crop = decode_image(paths[0], (9, 6), box=(3, 5, 9, 14))
    np.testing.assert_array_equal(crop, raw[0, 5:14, 3:9])
    # boxes reaching outside the image are clipped to it
    np.testing.assert_array_equal(decode_image(paths[0], (20, 4), box=(-5, -5, 4, 99)), raw[0, :, :4])
    # resizing is Pillow's bilinear resize, in the cache and outside it alike
    reference = np.stack([np.asarray(Image.open(p).resize((8, 8), Image.Resampling.BILINEAR)) for p in paths])
    cached = cache_images(paths, 8, cache_dir=tmp_path / "cache", progress=False)
    np.testing.assert_allclose(cached, reference / 255.0, atol=1e-7)
    np.testing.assert_array_equal(decode_images(paths, 8), cached)
    gray = decode_images(paths, 8, channels=1, dtype="uint8")
    bilinear = Image.Resampling.BILINEAR
    np.testing.assert_array_equal(
        gray[..., 0], [np.asarray(Image.open(p).convert("L").resize((8, 8), bilinear)) for p in paths]
    )


def test_cache_is_reused_and_invalidated_when_files_change(tmp_path, monkeypatch):
    paths, raw = _write_images(tmp_path / "img", 4)
    first = cache_images(paths, (12, 10), cache_dir=tmp_path / "cache", progress=False)

    def fail(*args, **kwargs):
        raise AssertionError("decoded again although the cache exists")

    monkeypatch.setattr(image_decoding, "decode_image", fail)
    again = cache_images(paths, (12, 10), cache_dir=tmp_path / "cache", progress=False)
    assert again.filename == first.filename
    np.testing.assert_array_equal(again, first)
    # another size, another crop, or a changed file each need their own cache
    monkeypatch.undo()
    other_size = cache_images(paths, 6, cache_dir=tmp_path / "cache", progress=False)
    boxed = cache_images(paths, 6, boxes=[(0, 0, 5, 5)] * 4, cache_dir=tmp_path / "cache", progress=False)
    new = np.zeros_like(raw[1])
    Image.fromarray(new).save(paths[1])
    changed = cache_images(paths, (12, 10), cache_dir=tmp_path / "cache", progress=False)
    assert len({first.filename, other_size.filename, boxed.filename, changed.filename}) == 4
    np.testing.assert_array_equal(changed[1], 0.0)
    np.testing.assert_array_equal(changed[0], first[0])


def test_failed_fill_leaves_no_cache_file(tmp_path):
    def broken(out):
        out[0] = 1.0
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        cached_array("broken", (3,), "float32", broken, cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    good = cached_array("broken", (3,), "float32", lambda out: out.__setitem__(slice(None), 2.0), cache_dir=tmp_path)
    np.testing.assert_array_equal(good, [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="expected"):
        cached_array("broken", (4,), "float32", lambda out: None, cache_dir=tmp_path)


def test_out_of_core_split_equals_in_memory_and_feeds_the_generator(tmp_path):
    paths, raw = _write_images(tmp_path / "img", 24, size=(6, 6))
    labels = np.arange(24) % 3
    kwargs = dict(image_size=6, val_fraction=0.25, seed=3, cache_dir=tmp_path / "cache", progress=False)
    (x_mem, y_mem), (xv_mem, yv_mem) = load_image_files(paths, labels, in_memory=True, **kwargs)
    (x_map, y_map), (xv_map, yv_map) = load_image_files(paths, labels, in_memory=False, **kwargs)
    assert type(x_mem) is np.ndarray and isinstance(x_map, np.memmap) and isinstance(xv_map, np.memmap)
    np.testing.assert_array_equal(x_map, x_mem)
    np.testing.assert_array_equal(xv_map, xv_mem)
    np.testing.assert_array_equal(y_map, y_mem)
    # rows are the decoded images of the stratified split's files, in file order
    train_idx, val_idx = stratified_split(labels, 0.25, seed=3)
    np.testing.assert_array_equal(x_mem, raw[train_idx].astype(np.float32) / 255.0)
    np.testing.assert_array_equal(xv_mem, raw[val_idx].astype(np.float32) / 255.0)
    np.testing.assert_array_equal(y_mem, labels[train_idx])
    # the automatic choice follows the size limit
    (x_auto, _), _ = load_image_files(paths, labels, in_memory=None, in_memory_limit=0, **kwargs)
    assert isinstance(x_auto, np.memmap)
    # the generator gathers batches by index straight from the memmap
    gen = ImportanceBatchGenerator(x_map, y_map, batch_size=5, method="nis", seed=0)
    batches = 0
    for x_batch, y_batch, idx in gen.as_dataset().take(3):
        idx = idx.numpy()
        assert idx.shape == (5,)
        np.testing.assert_array_equal(x_batch.numpy(), x_mem[idx])
        np.testing.assert_array_equal(y_batch.numpy(), y_mem[idx])
        gen.update(idx, np.ones(idx.size))
        batches += 1
    assert batches == 3  # the checks above ran (an empty dataset would pass them silently)


def test_random_split_is_seeded_disjoint_and_sized():
    train, val = random_split(50, 0.3, seed=1)
    assert len(val) == 15 and len(train) == 35
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(50))
    np.testing.assert_array_equal(random_split(50, 0.3, seed=1)[1], val)
    assert not np.array_equal(random_split(50, 0.3, seed=2)[1], val)
    with pytest.raises(ValueError, match="val_fraction"):
        random_split(10, 1.0)


def test_bad_inputs_raise_value_errors(tmp_path):
    paths, _ = _write_images(tmp_path / "img", 2)
    with pytest.raises(ValueError, match="crop boxes"):
        cache_images(paths, 8, boxes=[(0, 0, 4, 4)], cache_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="not found"):
        cache_images(paths + [str(tmp_path / "missing.png")], 8, cache_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="empty"):
        decode_image(paths[0], 8, box=(5, 5, 5, 9))
    with pytest.raises(ValueError, match="image_size"):
        decode_images(paths, (8, 0))
    with pytest.raises(ValueError, match="in_memory=False needs cache=True"):
        load_image_files(paths, [0, 1], 8, in_memory=False, cache=False, progress=False)
    with pytest.raises(ValueError, match="labels"):
        load_image_files(paths, [0], 8, cache=False, progress=False)


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_an_undecodable_image_is_named_in_the_error(tmp_path, content):
    paths, _ = _write_images(tmp_path / "img", 2)
    bad = tmp_path / "img" / "broken.png"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match=f"cannot decode image file {bad}"):
        decode_image(bad, 8)
    with pytest.raises(ValueError, match=str(bad)):
        decode_images(paths + [bad], 8)
    with pytest.raises(ValueError, match=str(bad)):
        cache_images(paths + [bad], 8, cache_dir=tmp_path / "cache", progress=False)
    assert not list((tmp_path / "cache").glob("*.npy"))  # no half-written cache


def test_a_truncated_image_is_named_in_the_error(tmp_path):
    paths, _ = _write_images(tmp_path / "img", 1, size=(64, 64), fmt="png")
    data = open(paths[0], "rb").read()
    open(paths[0], "wb").write(data[: len(data) // 2])
    with pytest.raises(ValueError, match=f"cannot decode image file {paths[0]}"):
        decode_image(paths[0], 8)


def test_an_unreadable_cache_file_is_named_in_the_error(tmp_path):
    (tmp_path / "junk.npy").write_bytes(b"this is not a numpy file")
    with pytest.raises(ValueError, match=f"cache file {tmp_path / 'junk.npy'} is unreadable"):
        cached_array("junk", (3,), "float32", lambda out: None, cache_dir=tmp_path)
