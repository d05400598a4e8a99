#!/usr/bin/env python3
"""Draw the Zendesk app's logos: manifest/assets/logo.png (320x320) and logo-small.png (128x128).

Standard library only (zlib + struct), so it runs anywhere and gives the same bytes every time:
a blue disc holding a white speech bubble with a check mark, anti-aliased by 4x4 supersampling,
on a transparent background.

    python3 scripts/make_app_logos.py            # writes both files
    python3 scripts/make_app_logos.py --check    # exits 1 if the committed files differ
"""
from __future__ import annotations

import argparse
import math
import struct
import sys
import zlib
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "manifest" / "assets"
BLUE = (31, 115, 183)
WHITE = (255, 255, 255)
SIZES = {"logo.png": 320, "logo-small.png": 128}
SAMPLES = 4


def _segment_distance(px, py, ax, ay, bx, by) -> float:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _rounded_rect(px, py, cx, cy, hw, hh, r) -> float:
    """Signed distance to a rounded rectangle (negative inside)."""
    qx, qy = abs(px - cx) - hw + r, abs(py - cy) - hh + r
    return math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0) - r


def _inside_triangle(px, py, a, b, c) -> bool:
    def side(p1, p2):
        return (px - p2[0]) * (p1[1] - p2[1]) - (p1[0] - p2[0]) * (py - p2[1])
    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


def shade(x: float, y: float):
    """The colour at (x, y) in the unit square, or None for transparent."""
    if math.hypot(x - 0.5, y - 0.5) > 0.48:
        return None
    bubble = _rounded_rect(x, y, 0.5, 0.45, 0.25, 0.17, 0.07) <= 0
    tail = _inside_triangle(x, y, (0.36, 0.58), (0.48, 0.58), (0.33, 0.72))
    if not (bubble or tail):
        return BLUE
    check = min(_segment_distance(x, y, 0.39, 0.45, 0.47, 0.53), _segment_distance(x, y, 0.47, 0.53, 0.62, 0.37))
    return BLUE if check <= 0.03 else WHITE


def render(size: int) -> bytes:
    rows = []
    for j in range(size):
        row = bytearray([0])  # filter: none
        for i in range(size):
            r = g = b = a = 0
            for sj in range(SAMPLES):
                for si in range(SAMPLES):
                    colour = shade((i + (si + 0.5) / SAMPLES) / size, (j + (sj + 0.5) / SAMPLES) / size)
                    if colour is not None:
                        r, g, b, a = r + colour[0], g + colour[1], b + colour[2], a + 1
            if a:
                row += bytes((round(r / a), round(g / a), round(b / a), round(255 * a / SAMPLES ** 2)))
            else:
                row += b"\0\0\0\0"
        rows.append(bytes(row))
    return png(size, size, b"".join(rows))


def png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for name, size in SIZES.items():
        data, path = render(size), ASSETS / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ASSETS.parent.parent)} ({size}x{size}, {len(data)} bytes)")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run scripts/make_app_logos.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
