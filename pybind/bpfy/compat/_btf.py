"""A minimal reader of the kernel's BTF (/sys/kernel/btf/vmlinux): struct
and union member names, for bcc's BPF.kernel_struct_has_field()."""
import functools
import struct

BTF_PATH = "/sys/kernel/btf/vmlinux"
_MAGIC = 0xEB9F
_STRUCT, _UNION = 4, 5
# bytes of kind-specific data after each 12-byte btf_type, by kind:
# fixed size, and size per member (vlen)
_EXTRA = {1: (4, 0), 2: (0, 0), 3: (12, 0), 4: (0, 12), 5: (0, 12), 6: (0, 8), 7: (0, 0),
          8: (0, 0), 9: (0, 0), 10: (0, 0), 11: (0, 0), 12: (0, 0), 13: (0, 8), 14: (4, 0),
          15: (0, 12), 16: (0, 0), 17: (4, 0), 18: (0, 0), 19: (0, 12)}


@functools.lru_cache(maxsize=1)
def struct_members(path=BTF_PATH):
    """{struct/union name: set of member names} of every named struct and union."""
    with open(path, "rb") as f:
        data = f.read()
    magic, _version, _flags, hdr_len = struct.unpack_from("<HBBI", data, 0)
    if magic != _MAGIC:
        raise ValueError(f"{path}: not little-endian BTF")
    type_off, type_len, str_off, _str_len = struct.unpack_from("<IIII", data, 8)
    types = hdr_len + type_off
    strings = hdr_len + str_off

    def name(off):
        end = data.index(b"\0", strings + off)
        return data[strings + off:end].decode()

    out = {}
    pos, end = types, types + type_len
    while pos < end:
        name_off, info, _size = struct.unpack_from("<III", data, pos)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        pos += 12
        fixed, per = _EXTRA.get(kind, (None, None))
        if fixed is None:
            raise ValueError(f"{path}: unknown BTF kind {kind}")
        if kind in (_STRUCT, _UNION) and name_off:
            members = out.setdefault(name(name_off), set())
            for i in range(vlen):
                m_name_off = struct.unpack_from("<I", data, pos + i * 12)[0]
                if m_name_off:
                    members.add(name(m_name_off))
        pos += fixed + per * vlen
    return out


def has_field(struct_name, field_name):
    """True when the kernel's struct (or union) struct_name has member field_name."""
    return field_name in struct_members().get(struct_name, ())
