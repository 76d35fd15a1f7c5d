"""deliver_client - speak qmgr's side of the delivery agent protocol
(docs/ipc.md, "Delivery agents") to an agent's socket, and play the
bounce, defer and trace services (FakeBounce) so agents can be tested
without qmgr or the bounce daemon."""
import os
import socket
import struct
import threading
import time

from instance import Long, connect_unix, decode_attrs, encode_attrs, \
    read_exact

DEL_FLAG_EXPIRED, DEL_FLAG_BOUNCE_MSG = 1, 2
DEL_RET_FULL, DEL_RET_HDRS = 1, 2
NOTIFY_NEVER, NOTIFY_SUCCESS, NOTIFY_FAILURE, NOTIFY_DELAY = 1, 2, 4, 8


def read_frame(sock):
    (length,) = struct.unpack(">I", read_exact(sock, 4))
    return decode_attrs(read_exact(sock, length))


def deliver_frames(qf, rcpts, nexthop="", flags=0, queue_name="active",
                   encoding="", smtputf8=0, envid="", ret=0, sender=None):
    """The request's bytes for a qfile_reader.QueueFile-like qf (needs
    .queue_id, .content_offset, .content_size, .sender, .arrival) and
    rcpts: a list of dicts with address, [orig], [dsn_orcpt], [notify],
    offset."""
    now = time.time()
    head = {
        "request": "deliver", "flags": flags, "queue_name": queue_name,
        "queue_id": qf.queue_id, "data_offset": Long(qf.content_offset),
        "data_size": Long(qf.content_size), "nexthop": nexthop,
        "sender": qf.sender if sender is None else sender,
        "encoding": encoding, "smtputf8": smtputf8, "envid": envid,
        "ret": ret, "arrival_sec": Long(int(qf.arrival)),
        "arrival_usec": int((qf.arrival % 1) * 1e6),
        "active_sec": Long(int(now)), "active_usec": int((now % 1) * 1e6),
        "rcpt_count": len(rcpts),
    }
    out = encode_attrs(head)
    for r in rcpts:
        out += encode_attrs({
            "address": r["address"], "orig": r.get("orig", ""),
            "dsn_orcpt": r.get("dsn_orcpt", ""),
            "notify": r.get("notify", 0), "offset": Long(r["offset"])})
    return out


def deliver(path, qf, rcpts, timeout=60, **kw):
    """Send one delivery request to the agent at path (its socket); the
    reply as a dict (status, results, dead, reason)."""
    with connect_unix(path, timeout) as s:
        s.sendall(deliver_frames(qf, rcpts, **kw))
        return read_frame(s)


class FakeBounce:
    """Listens on QUEUE/private/{bounce,defer,trace}; records every
    request in self.requests as (service, dict) and answers OK (or
    self.answer[service] when set: a status number)."""

    def __init__(self, queue_dir, services=("bounce", "defer", "trace")):
        self.requests, self.answer = [], {}
        self.lock = threading.Lock()
        self.socks, self.stop = [], False
        for svc in services:
            path = os.path.join(queue_dir, "private", svc)
            if os.path.exists(path):
                os.unlink(path)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(path)
            os.chmod(path, 0o666)
            s.listen(16)
            s.settimeout(0.2)
            self.socks.append(s)
            threading.Thread(target=self._accept, args=(svc, s),
                             daemon=True).start()

    def _accept(self, svc, s):
        while not self.stop:
            try:
                conn, _ = s.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._serve, args=(svc, conn),
                             daemon=True).start()

    def _serve(self, svc, conn):
        conn.settimeout(30)
        with conn:
            for _ in range(100000):
                try:
                    req = read_frame(conn)
                except (EOFError, OSError, ValueError):
                    return
                with self.lock:
                    self.requests.append((svc, req))
                    status = self.answer.get(svc, 0)
                reply = {"status": status}
                if status:
                    reply["reason"] = "fake " + svc + " says no"
                conn.sendall(encode_attrs(reply))

    def entries(self, svc, request="append"):
        with self.lock:
            return [r for s, r in self.requests
                    if s == svc and r.get("request") == request]

    def close(self):
        self.stop = True
        for s in self.socks:
            s.close()
