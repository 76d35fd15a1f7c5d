"""qfile_writer - write Postern queue files from Python, for tests that
cannot wait for cleanup (docs/queue-format.md).

    from qfile_writer import write_queue_file
    qid, path = write_queue_file(queue_dir, "deferred", sender="a@x",
                                 rcpts=["b@y"], header=["Subject: hi"],
                                 body=["text"], arrival=(1795372200, 0))

A record is the type byte, the data length in little-endian base 128
(seven bits a byte, high bit on all but the last), then the data.  The
file is created as QUEUE/tmp.PID.N (mode 0600), named by a queue ID made
from the arrival time and its inode, hashed into hash_queue_depth
levels for the queues in hash_queue_names, and marked complete (0700).
"""
import os

ALPHA = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
INODE_ALPHA = ALPHA.replace("z", "")
SIZE_FMT = "%15d %15d %15d"
_counter = [0]


def rec(rtype, data=b""):
    """One record."""
    if isinstance(data, str):
        data = data.encode()
    n, out = len(data), bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            break
    return rtype.encode() + bytes(out) + data


def _encode(val, alpha, width=0):
    digits = ""
    while True:
        digits = alpha[val % len(alpha)] + digits
        val //= len(alpha)
        if not val and len(digits) >= width:
            return digits


def make_id(sec, usec, ino):
    """The queue ID of a file with this arrival time and inode."""
    return (_encode(sec, ALPHA, 6) + _encode(usec, ALPHA, 4) + "z" +
            _encode(ino, INODE_ALPHA))


def hashed_dir(queue_dir, queue, qid, depth=1,
               hashed=("deferred", "defer")):
    """The folder that holds qid in queue."""
    parts = [queue_dir, queue]
    if queue in hashed:
        parts += [qid[9 - i] for i in range(depth)]
    return os.path.join(*parts)


def build(sender, rcpts, header, body, arrival, attrs=(), done=(),
          orcpts=None, warn=None):
    """The bytes of a queue file; warn: the W record's time, or None."""
    env = rec("T", "%d %d" % arrival)
    if warn is not None:
        env += rec("W", "%15d" % warn)
    env += rec("S", sender)
    for name, value in attrs:
        env += rec("A", "%s=%s" % (name, value))
    for i, r in enumerate(rcpts):
        if orcpts and orcpts[i]:
            env += rec("O", orcpts[i])
        env += rec("D" if r in done else "R", r)
    content = b"".join(rec("N", line) for line in list(header) + [""] +
                       list(body))
    head_len = len(rec("C", SIZE_FMT % (0, 0, 0)))
    content_offset = head_len + len(env) + len(rec("M"))
    size = rec("C", SIZE_FMT % (content_offset, len(content), len(rcpts)))
    return size + env + rec("M") + content + rec("X") + rec("E")


def write_queue_file(queue_dir, queue, sender="sender@example.com",
                     rcpts=("rcpt@example.com",), header=("Subject: test",),
                     body=("body",), arrival=(1795372200, 123456),
                     data=None, complete=True, depth=1, **kw):
    """Write a queue file (data: raw bytes instead of a built one);
    returns (queue ID, path)."""
    if data is None:
        data = build(sender, list(rcpts), header, body, arrival, **kw)
    top = os.path.join(queue_dir, queue)
    _counter[0] += 1
    tmp = os.path.join(top, "tmp.%d.%d" % (os.getpid(), _counter[0]))
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.write(fd, data)
        if complete:
            os.fchmod(fd, 0o700)
        ino = os.fstat(fd).st_ino
    finally:
        os.close(fd)
    qid = make_id(arrival[0], arrival[1], ino)
    folder = hashed_dir(queue_dir, queue, qid, depth)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, qid)
    os.rename(tmp, path)
    # The queue's owner (mail_owner) must read what root wrote.
    owner = os.stat(top)
    if os.geteuid() == 0:
        os.chown(folder, owner.st_uid, owner.st_gid)
        os.chown(path, owner.st_uid, owner.st_gid)
    return qid, path
