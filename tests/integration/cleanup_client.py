"""cleanup_client - a small client of cleanup(8)'s protocol (docs/ipc.md,
"cleanup"), for tests: open, then envelope and content frames back to
back, then end and the one final reply."""
import struct

from instance import Long, connect_unix, decode_attrs, encode_attrs, \
    read_exact

FLAG_FILTER, FLAG_MAP, FLAG_EXTRACT, FLAG_HOLD = 1, 2, 4, 8
STAT_BAD, STAT_WRITE, STAT_SIZE, STAT_CONT = 1, 2, 4, 8
STAT_HOPS, STAT_RCPT, STAT_DEFER = 16, 32, 64
DATA_CHUNK = 64 * 1024


def read_reply(sock):
    """One reply frame as a dict; EOFError when cleanup hung up."""
    (length,) = struct.unpack(">I", read_exact(sock, 4))
    return decode_attrs(read_exact(sock, length))


class CleanupClient:
    def __init__(self, path, flags=0, timeout=30):
        self.sock = connect_unix(path, timeout)
        self.sock.sendall(encode_attrs({"request": "open", "flags": flags}))
        reply = read_reply(self.sock)
        if reply.get("status") != 0:
            raise RuntimeError(f"cleanup refused open: {reply}")
        self.queue_id = reply["queue_id"]

    def send(self, attrs):
        self.sock.sendall(encode_attrs(attrs))

    def time(self, sec, usec=0):
        self.send({"request": "time", "arrival_sec": Long(sec),
                   "arrival_usec": usec})

    def sender(self, addr):
        self.send({"request": "sender", "address": addr})

    def attr(self, name, value):
        self.send({"request": "attr", "name": name, "value": value})

    def rcpt(self, addr, orcpt=None, notify=None):
        req = {"request": "rcpt", "address": addr}
        if orcpt is not None:
            req["orcpt"] = orcpt
        if notify is not None:
            req["notify"] = notify
        self.send(req)

    def data(self, content):
        if isinstance(content, str):
            content = content.encode()
        for i in range(0, len(content), DATA_CHUNK):
            self.send({"request": "data",
                       "data": content[i:i + DATA_CHUNK]})

    def end(self):
        """Send end, return the final reply dict.  Cleanup may already
        have answered and closed (a protocol error): the reply is still
        there to read."""
        try:
            self.send({"request": "end"})
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_reply(self.sock)

    def close(self):
        self.sock.close()


def submit(path, sender, rcpts, content, flags=FLAG_FILTER | FLAG_MAP,
           attrs=None):
    """One whole message; (queue_id, final reply)."""
    c = CleanupClient(path, flags)
    try:
        c.sender(sender)
        for name, value in (attrs or {}).items():
            c.attr(name, value)
        for r in rcpts:
            c.rcpt(r)
        c.data(content)
        return c.queue_id, c.end()
    finally:
        c.close()
