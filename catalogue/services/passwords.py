"""Known passwords: a compact Bloom filter of breached and common passwords, shipped with
Mawarid (``catalogue/data/common-passwords.bloom``), checked without any network.

The filter is built by ``bin/build-password-filter`` from public lists installed from
package registries: the breached-password lists of zxcvbn (``@zxcvbn-ts/language-common``
on npm, ``zxcvbn`` on PyPI; both MIT) and the common French words of
``@zxcvbn-ts/language-fr`` (people pick words of their language): about 70,000 entries
in 170 KB, with one false "known" in 10,000 new passwords (a refused password is
simply replaced by another).

A password is refused when, folded to lower case without accents, it is a known password, or a known
password or word with only digits and symbols around it (``Soleil2024!!``), or when it
repeats a handful of characters (``aaaaaaaaaaaa``, ``121212121212``). Its length
is checked by the caller (:mod:`.accounts`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

MAGIC = b"MWBLOOM1"
FILTER = "data/common-passwords.bloom"
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")
#: Fewer distinct characters than this and a password is a pattern, not a secret.
MIN_DISTINCT = 5


def fold(text: str) -> str:
    """Lower case without accents: ``Bibliothèque`` and ``bibliotheque`` are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class BloomFilter:
    bits: bytes
    size: int  # in bits
    hashes: int
    info: dict[str, object]

    def _positions(self, word: str) -> list[int]:
        digest = hashlib.blake2b(word.encode("utf-8"), digest_size=16).digest()
        first = int.from_bytes(digest[:8], "big")
        step = int.from_bytes(digest[8:], "big") | 1
        return [(first + i * step) % self.size for i in range(self.hashes)]

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        return all(self.bits[p >> 3] & (1 << (p & 7)) for p in self._positions(word))

    @classmethod
    def build(
        cls, words: Iterable[str], *, error_rate: float, info: dict[str, object]
    ) -> BloomFilter:
        unique = sorted({fold(w) for w in words if w})
        size = max(8, math.ceil(-len(unique) * math.log(error_rate) / math.log(2) ** 2))
        hashes = max(1, round(size / max(1, len(unique)) * math.log(2)))
        bits = bytearray((size + 7) // 8)
        empty = cls(b"", size, hashes, {})
        for word in unique:
            for p in empty._positions(word):
                bits[p >> 3] |= 1 << (p & 7)
        return cls(bytes(bits), size, hashes, {**info, "entries": len(unique)})

    def dumps(self) -> bytes:
        header = json.dumps(
            {**self.info, "size": self.size, "hashes": self.hashes}, sort_keys=True
        ).encode("utf-8")
        return MAGIC + len(header).to_bytes(4, "big") + header + self.bits

    @classmethod
    def loads(cls, data: bytes) -> BloomFilter:
        if not data.startswith(MAGIC):
            raise ValueError("not a Mawarid password filter")
        length = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big")
        start = len(MAGIC) + 4
        header = json.loads(data[start : start + length])
        bits = data[start + length :]
        if len(bits) * 8 < header["size"]:
            raise ValueError("truncated password filter")
        return cls(bits, int(header["size"]), int(header["hashes"]), header)


@cache
def known_passwords() -> BloomFilter:
    """The filter shipped with Mawarid (read once)."""
    return BloomFilter.loads(resources.files("catalogue").joinpath(FILTER).read_bytes())


def is_known(password: str, known: BloomFilter | None = None) -> bool:
    """True for a breached or common password, or one that only decorates such a word."""
    known = known or known_passwords()
    word = fold(password)
    if word in known:
        return True
    core = _AROUND.sub("", word)
    if core != word and len(core) >= 3 and core in known:
        return True
    return len(set(word)) < MIN_DISTINCT
