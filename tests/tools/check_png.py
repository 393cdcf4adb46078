"""Checks that each file is a PNG of plausible size (run with /usr/bin/python3).

  check_png.py FILE...

Signature, an IHDR chunk first with its CRC, width and height between 300 and 4000 pixels,
an IEND chunk at the end and at least 5 KB (a figure with axes and lines, not an empty image).
"""
import struct
import sys
import zlib

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: no PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13, f"{path}: first chunk is {kind!r}"
    (crc,) = struct.unpack(">I", data[29:33])
    assert crc == zlib.crc32(data[12:29]), f"{path}: bad IHDR CRC"
    width, height = struct.unpack(">II", data[16:24])
    assert 300 <= width <= 4000 and 300 <= height <= 4000, f"{path}: {width} x {height}"
    assert data[-8:-4] == b"IEND", f"{path}: no IEND chunk at the end"
    assert len(data) > 5000, f"{path}: only {len(data)} bytes"
    print(path, width, height, len(data))
