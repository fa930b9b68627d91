"""Small files that are what they say: each opens in the parser the upload
check uses (pikepdf, Pillow), so tests that upload them pass the content
checks (cases.content_checks) like a real document."""

# One blank A4 page, written by pikepdf (qpdf) with a fixed /ID.
PDF_BYTES = (
    b'%PDF-1.3\n%\xbf\xf7\xa2\xfe\n1 0 obj\n<< /Pages 2 0 R /Type /Catalog >>\nendobj\n2 0 ob'
    b'j\n<< /Count 1 /Kids [ 3 0 R ] /Type /Pages >>\nendobj\n3 0 obj\n<< /Conte'
    b'nts 4 0 R /MediaBox [ 0 0 595 842 ] /Parent 2 0 R /Resources << >> /Ty'
    b'pe /Page >>\nendobj\n4 0 obj\n<< /Length 0 >>\nstream\n\nendstream\nendobj\nxr'
    b'ef\n0 5\n0000000000 65535 f \n0000000015 00000 n \n0000000064 00000 n \n000'
    b'0000123 00000 n \n0000000229 00000 n \ntrailer << /Root 1 0 R /Size 5 /I'
    b'D [<31415926535897932384626433832795><31415926535897932384626433832795'
    b'>] >>\nstartxref\n278\n%%EOF\n'
)
# A 1 x 1 white PNG, written by Pillow.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8ffff3f0005fe02fe0def46b80000000049454e44ae426082"
)


def ole2(streams: dict[str, bytes], storages: tuple[str, ...] = ()) -> bytes:
    """A minimal OLE2 compound file (MS-CFB version 3, 512-byte sectors)
    holding ``streams`` (each padded to 4096 bytes, so none lives in the
    mini stream) and empty ``storages``: enough for olefile, and for the
    upload check to tell a Word document ("WordDocument" stream) from any
    other compound file and to see a "Macros" storage."""
    import struct

    sector = 512
    free, end, fat_sect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    entries = [("Root Entry", 5, b"")] + [(n, 2, d.ljust(4096, b"\0")) for n, d in streams.items()] + [
        (n, 1, b"") for n in storages]
    while len(entries) % 4:
        entries.append(("", 0, b""))
    dir_sectors = len(entries) // 4
    data_start = 1 + dir_sectors
    fat = [fat_sect] + [*range(2, 1 + dir_sectors), end] if dir_sectors > 1 else [fat_sect, end]
    starts, next_free = [], data_start
    for _name, kind, data in entries:
        if kind == 2:
            count = len(data) // sector
            starts.append(next_free)
            fat += [*range(next_free + 1, next_free + count), end]
            next_free += count
        else:
            starts.append(end if kind == 5 else 0)
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))
    named = [i for i, e in enumerate(entries) if i and e[1]]
    directory = b""
    for i, (name, kind, data) in enumerate(entries):
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        # Siblings as a simple right-leaning chain under the root.
        child = named[0] if i == 0 and named else nostream
        right = named[named.index(i) + 1] if i in named and named.index(i) + 1 < len(named) else nostream
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, nostream, right, child, b"\0" * 16, 0, 0, 0,
            starts[i], len(data))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("d0cf11e0a1b11ae1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    body = struct.pack("<128I", *fat) + directory + b"".join(d for _n, k, d in entries if k == 2)
    return header + body
