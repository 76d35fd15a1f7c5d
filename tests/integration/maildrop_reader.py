"""maildrop_reader - decode a maildrop record stream (docs/queue-format.md).

    records(data) -> [(type_char, bytes)]
    parse(data)   -> dict(attrs={}, sender=str, rcpts=[(addr, notify, orcpt)],
                          lines=[bytes], pieces=[(type, bytes)], complete=bool)

A record is one type byte, the data length as little-endian base 128
(seven bits a byte, top bit set on all but the last, at most 5 bytes),
then the data.  Malformed input raises ValueError.
"""
from qfile_reader import records  # noqa: F401 (part of this API)


def parse(data):
    """The envelope and the content lines (L pieces joined)."""
    res = dict(attrs={}, sender=None, rcpts=[], lines=[], pieces=[],
               complete=False, types="")
    notify, orcpt, part, in_content = 0, None, b"", False
    for rtype, val in records(data):
        res["types"] += rtype
        if in_content and rtype in "LN":
            res["pieces"].append((rtype, val))
            part += val
            if rtype == "N":
                res["lines"].append(part)
                part = b""
        elif rtype == "A":
            name, _, value = val.decode().partition("=")
            res["attrs"][name] = value
        elif rtype == "S":
            res["sender"] = val.decode()
        elif rtype == "n":
            notify = int(val)
        elif rtype == "o":
            orcpt = val.decode()
        elif rtype == "R":
            res["rcpts"].append((val.decode(), notify, orcpt))
            notify, orcpt = 0, None
        elif rtype == "M":
            in_content = True
        elif rtype == "X":
            in_content = False
        elif rtype == "E":
            res["complete"] = True
        else:
            raise ValueError("unexpected record %r" % rtype)
    return res
