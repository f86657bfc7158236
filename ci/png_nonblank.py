#!/usr/bin/env python3
"""Is a PNG (a chart, a browser screenshot) more than a blank page? Decodes
it with the standard library only and counts distinct colours and pixels
that are not the background (white or the pages' #f4f6fa), every 4th pixel
of every 4th row. Usage: png_nonblank.py FILE [MIN_COLOURS [MIN_SHARE]]
(defaults 50 and 0.05); exit 0 when both are exceeded, 1 otherwise."""
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, t = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if t == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif t == b"IDAT":
        idat += body
    pos += 12 + n
if ctype not in (2, 6) or depth != 8:
    sys.exit(f"{sys.argv[1]}: PNG colour type {ctype}, depth {depth}: not RGB(A) 8-bit")
bpp = {2: 3, 6: 4}[ctype]
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colors, nonbg, total = set(), 0, 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pr) & 255
    prev = line
    if y % 4:
        continue
    for x in range(0, w, 4):
        px = bytes(line[x * bpp:x * bpp + 3])
        colors.add(px)
        total += 1
        if px not in (b"\xff\xff\xff", b"\xf4\xf6\xfa"):
            nonbg += 1
min_colors = int(sys.argv[2]) if len(sys.argv) > 2 else 50
min_share = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
print(f"{sys.argv[1]}: {w}x{h}, {len(colors)} distinct colours, "
      f"{100.0 * nonbg / total:.1f}% non-background")
sys.exit(0 if len(colors) > min_colors and nonbg > total * min_share else 1)
