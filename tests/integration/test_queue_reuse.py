"""test_queue_reuse - queue file reuse (docs/queue-format.md, "Reuse") in
a real instance: smtpd, cleanup, qmgr, trivial-rewrite and virtual
delivering to a Maildir.

qmgr gives each finished file to spare/ (up to queue_file_reuse_limit),
cleanup takes one from there instead of creating a file.  These tests
send batches with smtplib and check that every message arrives intact
(a reused file is overwritten and cut to its new length), that a second
batch is written into files from spare/ (a queue ID's inode part names a
file that was in spare/), that the limit holds (0: spare/ stays empty),
that a complete file whose I record names another ID goes to corrupt/
undelivered, and that `postern check` makes spare/."""
import email
import email.policy
import glob
import os
import smtplib
import time
import unittest

from instance import Instance, built, default_master_cf, free_port
from qfile_writer import INODE_ALPHA, SIZE_FMT, make_id, rec, \
    write_queue_file

DOMAIN = "v.example"
USER = "u@" + DOMAIN
VUID = 5103
DAEMONS = ("master", "smtpd", "cleanup", "trivial-rewrite", "qmgr",
           "bounce", "virtual")

MASTER_CF = """\
127.0.0.1:{port} inet n       -       n       -       -       smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
virtual   unix  -       n       n       -       -       virtual
"""


def wait_for(what, pred, timeout=30.0):
    """pred()'s first true value, polled; fails after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def id_inode(qid):
    """The inode number a queue ID carries (base 51 after the 'z')."""
    n = 0
    for ch in qid[11:]:
        n = n * len(INODE_ALPHA) + INODE_ALPHA.index(ch)
    return n


def body_of(batch, i, size):
    """Message i of batch: a unique first line, then size bytes of text."""
    line = "%s-%03d " % (batch, i) + "x" * 70 + "\n"
    return "token %s-%03d\n" % (batch, i) + line * (size // len(line))


class ReuseBase(unittest.TestCase):
    """An instance with queue_file_reuse_limit = LIMIT (None: default)."""
    LIMIT = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("virtual delivery needs root")
        if not all(built(d) for d in DAEMONS if d != "master"):
            raise unittest.SkipTest("daemons not built")
        cls.port = free_port()
        conf = {"mynetworks": "127.0.0.0/8", "alias_maps": "",
                "local_recipient_maps": "", "queue_run_delay": "1s",
                "minimal_backoff_time": "1s", "maximal_backoff_time": "2s",
                "virtual_mailbox_domains": DOMAIN,
                "virtual_mailbox_maps":
                    "inline:{ %s=%s/u/ }" % (USER, DOMAIN),
                "virtual_uid_maps": "inline:{ @%s=%d }" % (DOMAIN, VUID),
                "virtual_gid_maps": "inline:{ @%s=%d }" % (DOMAIN, VUID)}
        if cls.LIMIT is not None:
            conf["queue_file_reuse_limit"] = str(cls.LIMIT)
        cls.inst = Instance(name="reuse", main_cf=conf,
                            master_cf=MASTER_CF.format(port=cls.port) +
                            default_master_cf())
        cls.inst.__enter__()
        try:
            cls.base = os.path.join(cls.inst.root, "vmail")
            os.makedirs(os.path.join(cls.base, DOMAIN))
            os.chown(os.path.join(cls.base, DOMAIN), VUID, VUID)
            cls.inst.write_main_cf({"virtual_mailbox_base": cls.base})
            cls.inst.start()
        except BaseException:
            cls.inst.__exit__(None, None, None)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.inst.__exit__(None, None, None)

    def queue(self, name):
        return os.path.join(self.inst.queue_dir, name)

    def spare(self):
        """{name: inode} of the files in spare/."""
        out = {}
        for name in os.listdir(self.queue("spare")):
            try:
                out[name] = os.stat(os.path.join(self.queue("spare"),
                                                 name)).st_ino
            except FileNotFoundError:
                pass
        return out

    def in_flight(self):
        n = 0
        for q in ("incoming", "active", "deferred"):
            for _, _, files in os.walk(self.queue(q)):
                n += len(files)
        return n

    def maildir(self):
        return glob.glob(os.path.join(self.base, DOMAIN, "u", "new", "*"))

    def send(self, batch, count, size):
        """count messages by SMTP; {queue ID: body sent}."""
        sent = {}
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as s:
            s.ehlo("client.example")
            for i in range(count):
                body = body_of(batch, i, size)
                msg = ("From: <a@example.org>\r\nTo: <%s>\r\n"
                       "Subject: %s-%d\r\n\r\n%s" % (
                           USER, batch, i, body.replace("\n", "\r\n")))
                s.mail("a@example.org")
                code, _ = s.rcpt(USER)
                self.assertEqual(code, 250)
                code, reply = s.data(msg)
                self.assertEqual(code, 250, reply)
                sent[reply.decode().rsplit(" ", 1)[1]] = (
                    "%s-%d" % (batch, i), body)
        return sent

    def delivered(self, sent, before):
        """Wait until every message of sent is in the Maildir and the
        queue is empty; check each arrived whole."""
        want = before + len(sent)
        self.most_spare = 0

        def done(pred):
            self.most_spare = max(self.most_spare, len(self.spare()))
            return pred()
        wait_for("%d messages in the Maildir" % want,
                 lambda: done(lambda: len(self.maildir()) >= want))
        wait_for("an empty queue", lambda: done(lambda: self.in_flight() == 0))
        got = {}
        for path in self.maildir():
            with open(path, "rb") as f:
                m = email.message_from_bytes(f.read(),
                                             policy=email.policy.default)
            got[m["Subject"]] = m.get_content()
        for subject, body in sent.values():
            self.assertIn(subject, got)
            self.assertEqual(got[subject], body, subject)
        self.assertFalse(os.listdir(self.queue("corrupt")))


class ReuseDefaultTest(ReuseBase):
    """queue_file_reuse_limit at its default (1000)."""
    N = 30

    def test_batches_reuse_spare_files(self):
        # Large messages first, so the second, small batch lands in
        # files with more old bytes than new ones.
        first = self.send("one", self.N, 8000)
        self.delivered(first, 0)
        spare = wait_for("files in spare/", self.spare)
        self.assertLessEqual(len(spare), self.N)
        for name in spare:
            st = os.stat(os.path.join(self.queue("spare"), name))
            self.assertEqual(st.st_mode & 0o7777, 0o600, name)
        # A cleanup process that found spare/ empty (early in the first
        # batch) leaves it alone for a second: let that pass.
        time.sleep(1.1)
        second = self.send("two", self.N, 300)
        self.delivered(second, self.N)
        # IDs carry their file's inode: files from spare/ were reused.
        reused = [q for q in second if id_inode(q) in spare.values()]
        # (All of them, in practice; half leaves room for a second
        # cleanup process or a slow qmgr.)
        self.assertGreaterEqual(len(reused), self.N // 2,
                                "few IDs of the second batch name a spare "
                                "file: %d" % len(reused))
        log = self.inst.log()
        self.assertNotIn("reuse of a queue file", log)
        self.assertNotIn("differs from the file name", log)

    def test_stale_queue_id_is_corrupt(self):
        # A complete file whose I and E records name another ID: what a
        # crash can leave in a reused file.  Refused, not delivered.
        other = make_id(1795372200, 1, 123456)
        env = (rec("I", other) + rec("T", "1795372200 1") +
               rec("S", "a@example.org") + rec("R", USER))
        content = b"".join(rec("N", line) for line in
                           ("Subject: stale", "", "stale body"))
        head = len(rec("C", SIZE_FMT % (0, 0, 0)))
        offset = head + len(env) + len(rec("M"))
        data = (rec("C", SIZE_FMT % (offset, len(content), 1)) + env +
                rec("M") + content + rec("X") + rec("E", other))
        since = self.inst.log_size()
        before = len(self.maildir())
        qid, _ = write_queue_file(self.inst.queue_dir, "incoming",
                                  data=data)
        self.assertNotEqual(qid, other)
        # A good message wakes qmgr, which scans incoming/.
        good = self.send("wake", 1, 100)
        self.inst.wait_log(r"%s: .*queue ID record %s differs from the "
                           r"file name" % (qid, other), since=since,
                           timeout=20)
        self.inst.wait_log(r"%s: saved to corrupt queue" % qid,
                           since=since, timeout=20)
        self.assertTrue(os.path.exists(os.path.join(self.queue("corrupt"),
                                                    qid)))
        wait_for("the good message", lambda: len(self.maildir()) > before)
        wait_for("an empty queue", lambda: self.in_flight() == 0)
        for path in self.maildir():
            with open(path, "rb") as f:
                self.assertNotIn(b"stale body", f.read())
        os.unlink(os.path.join(self.queue("corrupt"), qid))
        self.assertEqual(len(good), 1)


class CheckTest(unittest.TestCase):
    def test_check_makes_spare(self):
        with Instance(name="reuse-check") as inst:
            spare = os.path.join(inst.queue_dir, "spare")
            self.assertEqual(os.stat(spare).st_mode & 0o7777, 0o700)
            os.rmdir(spare)
            inst.postern("check", check=True)
            self.assertEqual(os.stat(spare).st_mode & 0o7777, 0o700)


class ReuseOffTest(ReuseBase):
    LIMIT = 0

    def test_spare_stays_empty(self):
        sent = self.send("off", 20, 500)
        self.delivered(sent, 0)
        time.sleep(0.5)
        self.assertEqual(self.spare(), {})


class ReuseLimitTest(ReuseBase):
    LIMIT = 5

    def test_spare_holds_at_most_limit(self):
        # qmgr (one process, the only one that puts) counts spare/ once,
        # then counts its own puts, and counts again at most once a
        # second once that reaches the limit; takes only lower the real
        # number.  So spare/ never holds more than the limit, at any
        # time (it may hold fewer: files taken in the second after a
        # count are not seen until the next).
        for batch in range(3):
            sent = self.send("lim%d" % batch, 30, 500)
            self.delivered(sent, 30 * batch)
            self.assertLessEqual(self.most_spare, 5)
            time.sleep(1.1)
        self.assertLessEqual(len(self.spare()), 5)


if __name__ == "__main__":
    unittest.main()
