"""test_e2e - a whole instance with real daemons: smtpd, pickup, cleanup,
trivial-rewrite, qmgr, bounce/defer/trace, smtp, local, error/retry/
discard, flush, showq (issue 7's acceptance list).

Clients are Python's smtplib and commands/sendmail; remote destinations
are scripted SMTP servers on 127.0.0.1 (Sink, from test_smtp) reached
through transport_maps.  Local users are created for the test (useradd,
homes under the instance folder, removed afterwards); they get Maildirs
(home_mailbox = Maildir/).  Every wait is bounded; the timers are
shortened (queue_run_delay, back-off, lifetimes) so the whole module
runs in about a minute."""
import email
import email.policy
import glob
import os
import pwd
import re
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from instance import BUILD, Instance, built, free_port
from test_smtp import Sink

TAG = "pe%d" % (os.getpid() % 100000)
ALICE, BOB = TAG + "a", TAG + "b"
DOMAIN = "test.example"

DAEMONS = ("master", "smtpd", "pickup", "cleanup", "trivial-rewrite",
           "qmgr", "bounce", "smtp", "local", "error", "discard", "flush",
           "showq", "postlogd")

MASTER_CF = """\
127.0.0.1:{port} inet n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
        -o syslog_name=postern/$service_name
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
postlog   unix-dgram n  -       n       -       1       postlogd
"""

# main.cf for a quick loopback instance: no alias or local recipient
# checks, 127.0.0.0/8 trusted, queue run and back-off shortened.
FAST_CONF = {
    "alias_maps": "",
    "local_recipient_maps": "",
    "mynetworks": "127.0.0.0/8",
    "queue_run_delay": "1s",
    "minimal_backoff_time": "1s",
    "maximal_backoff_time": "2s",
}

# What in an instance's log means a daemon complained about main.cf or
# died.
LOG_COMPLAINTS = (r"unknown parameter", r"\]: (fatal|panic): ")


def add_user(name, home):
    subprocess.run(["useradd", "-M", "-d", home, "-s", "/bin/sh", name],
                   check=True, capture_output=True, timeout=60)
    pw = pwd.getpwnam(name)
    os.makedirs(home)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    return pw


def del_user(name):
    subprocess.run(["userdel", name], capture_output=True, timeout=60)


class Hang:
    """A server that accepts connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.conns, self.stop = [], False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                continue

    def close(self):
        self.stop = True
        for c in self.conns + [self.sock]:
            c.close()


class HoldSink(Sink):
    """A Sink whose reply to the end of DATA waits for self.release
    (a threading.Event); self.got counts each message's Subject."""

    def __init__(self):
        self.release, self.got = threading.Event(), {}
        self.held = threading.Event()
        super().__init__(mail_wait=0)

    def _session(self, conn, f, send):
        def held_send(line):
            if line.startswith("250 2.0.0 Ok: queued"):
                self.held.set()
                self.release.wait(30)
            send(line)
        super()._session(conn, f, held_send)

    def subjects(self):
        with self.lock:
            out = []
            for _, data in self.messages:
                m = re.search(rb"^Subject: (\S+)", data, re.M)
                out.append(m.group(1).decode() if m else None)
            return out


def wait_for(what, pred, timeout):
    """pred()'s first true value within timeout seconds, else fail."""
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


@unittest.skipUnless(os.geteuid() == 0, "local delivery needs root")
@unittest.skipUnless(all(built(d) for d in DAEMONS), "daemons not built")
class E2EBase(unittest.TestCase):
    MAIN_CF = {}
    MASTER = MASTER_CF

    def setUp(self):
        self.port = free_port()
        conf = dict(FAST_CONF, mydestination=DOMAIN + ", localhost",
                    home_mailbox="Maildir/")
        conf.update(self.MAIN_CF)
        self.inst = Instance(name="e2e", main_cf=conf,
                             master_cf=self.MASTER.format(port=self.port))
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        for name in (ALICE, BOB):
            self.addCleanup(del_user, name)
            add_user(name, os.path.join(self.inst.root, "home", name))
        self.inst.start()
        self.addCleanup(self.check_log)

    def check_log(self):
        """No daemon complained about main.cf or died."""
        log = self.inst.log()
        for bad in LOG_COMPLAINTS:
            self.assertNotRegex(log, bad)

    def transport(self, domain, port):
        """Route domain to [127.0.0.1]:port (transport_maps, reload)."""
        path = os.path.join(self.inst.config_dir, "transport")
        with open(path, "a") as f:
            f.write("%s smtp:[127.0.0.1]:%d\n" % (domain, port))
        self.inst.write_main_cf({"transport_maps": "texthash:" + path})
        self.inst.reload()

    def sink(self, **kw):
        """A scripted SMTP server (test_smtp.Sink), stopped at the end."""
        sink = Sink(mail_wait=0, **kw)
        self.addCleanup(sink.sock.close)
        self.addCleanup(setattr, sink, "stop", True)
        return sink

    # -- helpers ---------------------------------------------------------

    def home(self, user):
        return os.path.join(self.inst.root, "home", user)

    def maildir(self, user):
        """Paths of the messages in user's Maildir/new, oldest first."""
        paths = glob.glob(os.path.join(self.home(user), "Maildir", "new",
                                       "*"))
        return sorted(paths, key=lambda p: (os.stat(p).st_mtime, p))

    def wait_maildir(self, user, count, timeout=15):
        return wait_for("%d message(s) for %s" % (count, user),
                        lambda: len(self.maildir(user)) >= count
                        and self.maildir(user), timeout)

    def smtp_send(self, sender, rcpts, subject="test", body="hello\n"):
        msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\n%s"
               % (sender, rcpts[0], subject, body.replace("\n", "\r\n")))
        with smtplib.SMTP("127.0.0.1", self.port, timeout=15) as s:
            s.ehlo("client.example")
            s.sendmail(sender, rcpts, msg)

    def queue_files(self, *subdirs):
        subdirs = subdirs or ("incoming", "active", "deferred", "maildrop")
        out = []
        for d in subdirs:
            for top, _, files in os.walk(os.path.join(self.inst.queue_dir,
                                                      d)):
                out.extend(os.path.join(top, f) for f in files)
        return out

    def wait_queue_empty(self, timeout=15):
        wait_for("an empty queue", lambda: not self.queue_files(), timeout)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def parse(self, path):
        return email.message_from_bytes(self.read(path),
                                        policy=email.policy.default)


class LocalDeliveryTest(E2EBase):
    def test_smtp_to_local_maildir(self):
        """1: SMTP in, local Maildir out, headers added on the way."""
        sender = "%s@%s" % (BOB, DOMAIN)
        rcpt = "%s@%s" % (ALICE, DOMAIN)
        self.smtp_send(sender, [rcpt], subject="first")
        (path,) = self.wait_maildir(ALICE, 1)
        data = self.read(path)
        head, _, body = data.partition(b"\n\n")
        lines = head.split(b"\n")
        self.assertEqual(lines[0], b"Return-Path: <%s>" % sender.encode())
        self.assertEqual(lines[1], b"X-Original-To: %s" % rcpt.encode())
        self.assertEqual(lines[2], b"Delivered-To: %s" % rcpt.encode())
        self.assertRegex(lines[3].decode(), r"^Received: from client\.example "
                         r"\(localhost \[127\.0\.0\.1\]\)$")
        m = re.search(r"\n\tby test\.example \(Postern\) "
                         r"with ESMTP id (?P<qid>\w+)\n\tfor <%s>; "
                      % re.escape(rcpt), head.decode())
        self.assertTrue(m, head)
        self.assertIn(b"\nSubject: first\n", head)
        self.assertEqual(body, b"hello\n")
        st = os.stat(path)
        self.assertEqual(st.st_uid, pwd.getpwnam(ALICE).pw_uid)
        self.wait_queue_empty()
        qid = m.group("qid")
        self.inst.wait_log(r"postern/local\[\d+\]: %s: to=<%s>, "
                           r"relay=local, .*status=sent \(delivered to "
                           r"maildir\)" % (qid, re.escape(rcpt)), timeout=10)
        self.inst.wait_log(r"postern/qmgr\[\d+\]: %s: removed" % qid,
                           timeout=10)

    def test_unknown_user_bounces(self):
        """2: an unknown local user: a DSN back to the (local) sender."""
        sender = "%s@%s" % (BOB, DOMAIN)
        rcpt = "nosuch%s@%s" % (TAG, DOMAIN)
        self.smtp_send(sender, [rcpt], subject="lost")
        (path,) = self.wait_maildir(BOB, 1)
        msg = self.parse(path)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        self.assertEqual(msg["Return-Path"], "<>")
        parts = list(msg.iter_parts())
        self.assertEqual([p.get_content_type() for p in parts],
                         ["text/plain", "message/delivery-status",
                          "message/rfc822"])
        fields = parts[1].get_payload()
        self.assertEqual(len(fields), 2, fields)
        per_rcpt = fields[1]
        self.assertEqual(per_rcpt["Action"], "failed")
        self.assertEqual(per_rcpt["Status"], "5.1.1")
        self.assertEqual(per_rcpt["Final-Recipient"], "rfc822; " + rcpt)
        self.assertIn("unknown user", parts[0].get_content())
        orig = parts[2].get_payload()[0]
        self.assertEqual(orig["Subject"], "lost")
        self.wait_queue_empty()
        self.inst.wait_log(r"to=<%s>, relay=local, .*dsn=5\.1\.1, "
                           r"status=bounced" % re.escape(rcpt))
        self.inst.wait_log(r"postern/bounce\[\d+\]: \w+: sender non-"
                           r"delivery notification: \w+")


class DeferralTest(E2EBase):
    MAIN_CF = {"maximal_queue_lifetime": "6s",
               "delay_warning_time": "2s"}

    def test_defer_retry_warn_expire(self):
        """3: 4xx: deferred, retried on the back-off schedule, a delay
        warning, then expiry into a bounce to the sender."""
        attempts = []

        def rcpt_reply(addr):
            attempts.append(time.monotonic())
            return "450 4.2.0 <%s>: try again later" % addr

        sink = self.sink(rcpt_reply=rcpt_reply)
        self.transport("remote.example", sink.port)
        sender = "%s@%s" % (BOB, DOMAIN)
        start = time.time()
        self.smtp_send(sender, ["user@remote.example"], subject="slow")
        self.inst.wait_log(r"to=<user@remote\.example>, relay=127\.0\.0\.1"
                           r"\[127\.0\.0\.1\]:%d, .*dsn=4\.2\.0, "
                           r"status=deferred" % sink.port, timeout=10)
        (qf,) = wait_for("a file in deferred/",
                         lambda: self.queue_files("deferred"), 5)
        self.assertGreater(os.stat(qf).st_mtime, start)
        # The delay warning, then the bounce, both to the sender.
        first, second = self.wait_maildir(BOB, 2, timeout=20)
        warn, fail = self.parse(first), self.parse(second)
        for msg, action in ((warn, "delayed"), (fail, "failed")):
            self.assertEqual(msg.get_content_type(), "multipart/report")
            rcpt = list(msg.iter_parts())[1].get_payload()[1]
            self.assertEqual(rcpt["Action"], action, msg)
            self.assertEqual(rcpt["Status"], "4.2.0")
        self.wait_queue_empty()
        # Retried: each gap at least minimal_backoff_time (whole seconds:
        # a little slack), at most maximal + queue_run_delay + slack.
        self.assertGreaterEqual(len(attempts), 3, attempts)
        gaps = [b - a for a, b in zip(attempts, attempts[1:])]
        for gap in gaps:
            self.assertGreater(gap, 0.5, gaps)
            self.assertLess(gap, 4.5, gaps)
        # The agent bounces each recipient of the expired message; qmgr
        # then logs Postfix's line for the message.
        self.inst.wait_log(r"to=<user@remote\.example>, .*dsn=4\.2\.0, "
                           r"status=bounced \(host 127\.0\.0\.1", timeout=5)
        self.inst.wait_log(r"postern/qmgr\[\d+\]: \w+: from=<[^>]*>, "
                           r"status=expired, returned to sender", timeout=5)


class DeadDestinationTest(E2EBase):
    def test_dead_does_not_hold_back_healthy(self):
        """4: mail for a hanging and a refusing destination, sent first,
        does not hold back mail for a healthy one."""
        hang, sink = Hang(), self.sink()
        self.addCleanup(hang.close)
        self.transport("hang.example", hang.port)
        self.transport("refused.example", free_port())
        self.transport("healthy.example", sink.port)
        sender = "%s@%s" % (BOB, DOMAIN)
        self.smtp_send(sender, ["a@hang.example"], subject="h1")
        self.smtp_send(sender, ["a@refused.example"], subject="r1")
        wait_for("a connection to the hanging server",
                 lambda: hang.conns, 10)
        self.smtp_send(sender, ["a@hang.example", "b@healthy.example"],
                       subject="both")
        self.smtp_send(sender, ["a@healthy.example"], subject="ok")
        wait_for("two messages at the healthy server",
                 lambda: len(sink.messages) >= 2, 15)
        self.assertNotIn("to=<a@hang.example>", self.inst.log())
        self.assertEqual(sorted(r for rs, _ in sink.messages for r in rs),
                         ["a@healthy.example", "b@healthy.example"])
        # The hanging destination still has its mail, undelivered.
        self.assertTrue(hang.conns)
        self.assertFalse(any(b"Subject: h1" in self.read(p)
                             for p in self.maildir(BOB)))
        self.inst.wait_log(r"to=<a@refused\.example>, .*status=deferred "
                           r"\(connect to 127\.0\.0\.1", timeout=10)


class QmgrCrashTest(E2EBase):
    MAIN_CF = {"smtp_destination_concurrency_limit": "1"}

    def qmgr_pid(self):
        pids = [p for p, (comm, _, _) in self.inst.pids().items()
                if comm == "qmgr"]
        return pids[0] if pids else 0

    def test_kill_qmgr_mid_delivery(self):
        """5: kill -9 of qmgr while a delivery is in flight; after the
        restart nothing is lost and only the in-flight one may repeat."""
        sink = HoldSink()
        self.addCleanup(sink.release.set)
        self.addCleanup(sink.sock.close)
        self.addCleanup(setattr, sink, "stop", True)
        self.transport("held.example", sink.port)
        sender = "%s@%s" % (BOB, DOMAIN)
        self.smtp_send(sender, ["a@held.example"], subject="m1")
        self.smtp_send(sender, ["b@held.example"], subject="m2")
        wait_for("the DATA reply held", sink.held.is_set, 15)
        old = self.qmgr_pid()
        self.assertTrue(old)
        os.kill(old, signal.SIGKILL)
        wait_for("qmgr gone", lambda: self.qmgr_pid() != old, 10)
        self.smtp_send(sender, ["c@held.example"], subject="m3")
        sink.release.set()
        self.inst.postern("flush", check=True)
        wait_for("a new qmgr", self.qmgr_pid, 10)
        wait_for("m1, m2 and m3 at the server",
                 lambda: {"m1", "m2", "m3"} <= set(sink.subjects()), 20)
        self.wait_queue_empty(timeout=15)
        got = sink.subjects()
        self.assertEqual(got.count("m2"), 1, got)
        self.assertEqual(got.count("m3"), 1, got)
        self.assertIn(got.count("m1"), (1, 2), got)
        self.assertEqual(got[0], "m1", got)


class SendmailTest(E2EBase):
    def setUp(self):
        super().setUp()
        for name in ("sendmail", "postdrop", "postqueue"):
            link = os.path.join(self.inst.command_dir, name)
            if not os.path.lexists(link):
                os.symlink(os.path.join(BUILD, "commands", name, name), link)

    def test_sendmail_pickup_local(self):
        """6: sendmail -> maildrop -> pickup -> cleanup -> qmgr -> local."""
        rcpt = "%s@%s" % (ALICE, DOMAIN)
        env = dict(os.environ, MAIL_CONFIG=self.inst.config_dir)
        r = subprocess.run([os.path.join(self.inst.command_dir, "sendmail"),
                            "-f", "%s@%s" % (BOB, DOMAIN), rcpt],
                           input=b"Subject: dropped\n\nvia pickup\n",
                           env=env, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        (path,) = self.wait_maildir(ALICE, 1)
        data = self.read(path)
        head, _, body = data.partition(b"\n\n")
        lines = head.split(b"\n")
        self.assertEqual(lines[:3], [
            b"Return-Path: <%s@%s>" % (BOB.encode(), DOMAIN.encode()),
            b"X-Original-To: " + rcpt.encode(),
            b"Delivered-To: " + rcpt.encode()])
        self.assertEqual(lines[3], b"Received: by test.example (Postern, "
                         b"from userid 0)")
        qid = re.match(r"\tid (\w+); \w{3}, [ \d]\d \w{3} \d{4} "
                       r"\d\d:\d\d:\d\d [-+]\d{4}", lines[4].decode())
        self.assertTrue(qid, lines[4])
        self.assertIn(b"\nSubject: dropped\n", head)
        self.assertEqual(body, b"via pickup\n")
        self.wait_queue_empty()
        self.inst.wait_log(r"postern/pickup\[\d+\]: %s: uid=0 "
                           r"from=<%s@%s>" % (qid.group(1), BOB, DOMAIN))
        self.inst.wait_log(r"%s: to=<%s>, relay=local, .*status=sent"
                           % (qid.group(1), re.escape(rcpt)))


class PickupBounceTest(SendmailTest):
    """7: a local submission that cleanup refuses for good comes back to
    the local sender as a DSN (pickup sets CLEANUP_FLAG_BOUNCE), instead
    of vanishing with a log line."""
    # cleanup alone has the small size limit: sendmail checks main.cf's.
    # The report goes through the same cleanup: bounce_size_limit keeps
    # it under the limit.
    MASTER = MASTER_CF.replace(
        "cleanup   unix  n       -       n       -       0       cleanup",
        "cleanup   unix  n       -       n       -       0       cleanup\n"
        "        -o message_size_limit=6000")
    test_sendmail_pickup_local = None  # SendmailTest's; not again here

    def setUp(self):
        fd, checks = tempfile.mkstemp(suffix=".regexp")
        with os.fdopen(fd, "w") as f:
            f.write("/^Subject: forbidden/ REJECT no forbidden subjects\n")
        os.chmod(checks, 0o644)
        self.addCleanup(os.unlink, checks)
        self.MAIN_CF = {"header_checks": "regexp:" + checks,
                        "bounce_size_limit": "2000"}
        super().setUp()

    def submit(self, text):
        env = dict(os.environ, MAIL_CONFIG=self.inst.config_dir)
        r = subprocess.run([os.path.join(self.inst.command_dir, "sendmail"),
                            "-f", "%s@%s" % (BOB, DOMAIN),
                            "%s@%s" % (ALICE, DOMAIN)],
                           input=text, env=env, capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def report(self, status, reason):
        """Bob's one DSN: its delivery-status part and returned part."""
        (path,) = self.wait_maildir(BOB, 1)
        msg = self.parse(path)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg["Return-Path"], "<>")
        parts = list(msg.iter_parts())
        self.assertIn(reason, parts[0].get_content())
        rcpt = parts[1].get_payload()[1]
        self.assertEqual(rcpt["Action"], "failed")
        self.assertEqual(rcpt["Status"], status)
        self.assertEqual(rcpt["Final-Recipient"],
                         "rfc822; %s@%s" % (ALICE, DOMAIN))
        self.assertEqual(self.maildir(ALICE), [])
        self.wait_queue_empty()
        self.assertEqual(self.queue_files("bounce"), [])
        return parts

    def test_header_checks_reject_bounces(self):
        self.submit(b"From: bob\nSubject: forbidden fruit\n\nnot sent\n")
        self.report("5.7.1", "no forbidden subjects")
        self.inst.wait_log(r"postern/cleanup\[\d+\]: (\w+): reject: "
                           r"from=<%s@%s>: 5\.7\.1 no forbidden subjects; "
                           r"returned to sender" % (BOB, DOMAIN))
        self.inst.wait_log(r"postern/bounce\[\d+\]: \w+: sender non-"
                           r"delivery notification: \w+")

    def test_size_limit_bounces(self):
        body = b"".join(b"line %04d of a long message\n" % i
                        for i in range(1000))
        self.submit(b"Subject: big\n\n" + body)
        parts = self.report("5.3.4", "message file too big")
        # What fitted under the limit comes back: the headers at least.
        returned = parts[2].get_payload()[0]
        self.assertEqual(returned["Subject"], "big")
        self.assertIn("line 0000", returned.get_content())
        self.assertNotIn("line 0999", returned.get_content())


if __name__ == "__main__":
    unittest.main()
