"""Write the uncompressed kernel ELF held inside a bzImage (as the kernel's
scripts/extract-vmlinux does): try every gzip/xz/zstd stream start and keep
the first that decompresses to an ELF.
    python3 vm/extract-vmlinux.py VMLINUZ OUTPUT"""
import lzma
import shutil
import subprocess
import sys
import zlib

MAGICS = [(b"\xfd7zXZ\x00", "xz"), (b"\x1f\x8b\x08", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd")]


def decompress(data, kind):
    if kind == "xz":
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    if shutil.which("zstd"):
        return subprocess.run(["zstd", "-qdc"], input=data, capture_output=True).stdout
    return b""


def main(src, out):
    with open(src, "rb") as f:
        image = f.read()
    for magic, kind in MAGICS:
        pos = image.find(magic)
        while pos >= 0:
            try:
                elf = decompress(image[pos:], kind)
            except (lzma.LZMAError, zlib.error, EOFError, OSError):
                elf = b""
            if elf.startswith(b"\x7fELF"):
                with open(out, "wb") as f:
                    f.write(elf)
                return 0
            pos = image.find(magic, pos + 1)
    print(f"extract-vmlinux: no compressed ELF found in {src}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
