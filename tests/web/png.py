"""A small PNG reader for screenshots: 8-bit RGB or RGBA, not interlaced (what Chromium writes),
enough to tell a picture from a blank page without an imaging library.

>>> import zlib, struct
>>> def chunk(kind, data):
...     crc = struct.pack(">I", zlib.crc32(kind + data))
...     return struct.pack(">I", len(data)) + kind + data + crc
>>> rows = b"\\x00" + bytes([255, 0, 0, 0, 0, 255]) + b"\\x01" + bytes([9, 9, 9, 1, 1, 1])
>>> png = (SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
...        + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
>>> decode(png).tolist()
[[[255, 0, 0], [0, 0, 255]], [[9, 9, 9], [10, 10, 10]]]
>>> distinct_colours(png)
4
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode(data: bytes) -> npt.NDArray[np.uint8]:
    """The pixels of a PNG as an array of rows × columns × channels."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    pos, idat, header = len(SIGNATURE), [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("a PNG without a header")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"only 8-bit RGB/RGBA, not interlaced (depth {depth}, colour {colour})")
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        kind, line = int(raw[y, 0]), raw[y, 1:].astype(np.int64)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: a running sum along each channel
            cur = np.cumsum(line.reshape(width, bpp), axis=0).reshape(stride) % 256
        elif kind == 2:  # Up
            cur = (line + prev) % 256
        else:  # Average and Paeth depend on the byte to the left: one at a time
            cur = np.asarray(_sequential(kind, line.tolist(), prev.tolist(), bpp), dtype=np.int64)
        out[y] = cur
        prev = cur
    return out.reshape(height, width, bpp)


def _sequential(kind: int, line: list[int], prev: list[int], bpp: int) -> list[int]:
    cur = [0] * len(line)
    for x, value in enumerate(line):
        left = cur[x - bpp] if x >= bpp else 0
        up = prev[x]
        if kind == 3:
            cur[x] = (value + (left + up) // 2) & 255
            continue
        upper_left = prev[x - bpp] if x >= bpp else 0
        p = left + up - upper_left
        pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
        best = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
        cur[x] = (value + best) & 255
    return cur


def distinct_colours(data: bytes) -> int:
    """How many different colours the PNG's pixels have (alpha left aside)."""
    pixels = decode(data)[:, :, :3].reshape(-1, 3).astype(np.int64)
    return len(np.unique(pixels[:, 0] << 16 | pixels[:, 1] << 8 | pixels[:, 2]))
