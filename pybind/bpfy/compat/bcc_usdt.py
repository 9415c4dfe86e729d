"""bcc.usdt on bpfy (libbpf's USDT support): the USDT class."""
from ..usdt import USDT  # noqa: F401

__all__ = ["USDT"]
