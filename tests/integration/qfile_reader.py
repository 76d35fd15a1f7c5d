"""qfile_reader - read a Postern queue file (docs/queue-format.md) into
its records, for tests: a type byte, a little-endian base-128 length of
at most 5 bytes, the data."""
import os


def records(raw):
    """[(type_char, bytes)] of a whole file; ValueError if malformed."""
    return [(t, d) for _, t, d in records_at(raw)]


def records_at(raw):
    """[(offset, type_char, bytes)] of a whole file; ValueError if
    malformed."""
    out, pos = [], 0
    while pos < len(raw):
        start = pos
        rtype = chr(raw[pos])
        pos += 1
        length, shift = 0, 0
        for i in range(5):
            if pos >= len(raw):
                raise ValueError("truncated length")
            b = raw[pos]
            pos += 1
            length |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                break
        else:
            raise ValueError("length too long")
        data = raw[pos:pos + length]
        if len(data) != length:
            raise ValueError("truncated data")
        pos += length
        out.append((start, rtype, data))
    return out


class QueueFile:
    """A parsed queue file: sender, recipients, attributes, lines."""

    def __init__(self, path):
        with open(path, "rb") as f:
            at = records_at(f.read())
        self.recs = [(t, d) for _, t, d in at]
        self.queue_id = os.path.basename(path)
        # For delivery requests: rcpt_records are dicts with address,
        # orig, dsn_orcpt, notify, offset (of the R or D record), done.
        self.rcpt_records, group = [], {}
        self.content_offset = self.content_size = 0
        self.arrival, self.warn = 0.0, None
        for off, t, d in at:
            if t == "C":
                f = d.split()
                self.content_offset, self.content_size = int(f[0]), int(f[1])
            elif t == "T":
                sec, _, usec = d.decode().partition(" ")
                self.arrival = int(sec) + int(usec or 0) / 1e6
            elif t == "W":
                self.warn = int(d)
            elif t in "Oon":
                key = {"O": "orig", "o": "dsn_orcpt", "n": "notify"}[t]
                group[key] = int(d) if t == "n" else d.decode()
            elif t in "RD":
                group.update(address=d.decode(), offset=off, done=t == "D")
                self.rcpt_records.append(group)
                group = {}
        self.mode = os.stat(path).st_mode & 0o777
        self.types = "".join(t for t, _ in self.recs)
        self.sender = None
        self.rcpts, self.origs, self.attrs, self.lines = [], [], {}, []
        piece, in_content = b"", False
        for t, d in self.recs:
            if t == "S":
                self.sender = d.decode()
            elif t == "R":
                self.rcpts.append(d.decode())
            elif t == "O":
                self.origs.append(d.decode())
            elif t == "A":
                k, _, v = d.decode().partition("=")
                self.attrs[k] = v
            elif t == "M":
                in_content = True
            elif t == "X":
                in_content = False
            elif in_content and t == "L":
                piece += d
            elif in_content and t == "N":
                self.lines.append((piece + d).decode(errors="replace"))
                piece = b""

    def complete(self):
        return self.mode & 0o100 != 0

    def headers(self):
        """The header lines (up to the first empty line)."""
        out = []
        for line in self.lines:
            if line == "":
                break
            out.append(line)
        return out

    def header(self, name):
        """Values of the header lines starting with 'Name:' (unfolded)."""
        pre = name.lower() + ":"
        return [h[len(pre):].strip() for h in self.headers()
                if h.lower().startswith(pre)]
