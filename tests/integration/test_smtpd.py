"""test_smtpd - smtpd(8) in a running instance, talking to a fake cleanup
service (a Python listener on public/cleanup that speaks the docs/ipc.md
frames and records each message) until the real cleanup is merged.

Clients: Python's smtplib, raw sockets (pipelining, BDAT, smuggling) and
swaks when installed.  127.0.0.1 is outside mynetworks (192.0.2.0/24), so
the relay battery runs as an untrusted client."""
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
import unittest
import smtplib

try:
    from instance import (Instance, built, decode_attrs, default_master_cf,
                          encode_attrs, free_port, program, read_exact)
except ImportError:  # the harness is not there yet
    Instance = None


class FakeCleanup:
    """A cleanup service on path that accepts every message.  keep: read
    the next "open" over the same connection after a final reply, as the
    real cleanup does (else close it).  connections counts them."""

    def __init__(self, path):
        self.keep, self.connections = False, 0
        self.messages = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)  # smtpd runs as mail_owner
        self.sock.listen(16)
        self.serial = 0
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,),
                             daemon=True).start()

    def read(self, conn):
        (length,) = struct.unpack(">I", read_exact(conn, 4))
        return decode_attrs(read_exact(conn, length))

    def serve(self, conn):
        with self.lock:
            self.connections += 1
        with conn:
            for _ in range(1000):
                if not self.serve_one(conn) or not self.keep:
                    return

    def serve_one(self, conn):
        """One message; True after its final reply."""
        try:
            req = self.read(conn)
            with self.lock:
                self.serial += 1
                qid = f"FAKE{self.serial:04d}"
            msg = {"queue_id": qid, "flags": req.get("flags"),
                   "sender": None, "attrs": {}, "rcpts": [],
                   "data": b"", "ended": False}
            conn.sendall(encode_attrs({"status": 0, "queue_id": qid}))
            for _ in range(100000):
                req = self.read(conn)
                name = req.get("request")
                if name == "sender":
                    msg["sender"] = req["address"]
                elif name == "attr":
                    msg["attrs"][req["name"]] = req["value"]
                elif name == "rcpt":
                    msg["rcpts"].append(req)
                elif name == "data":
                    msg["data"] += req["data"]
                elif name == "end":
                    msg["ended"] = True
                    with self.lock:
                        self.messages.append(msg)
                    conn.sendall(encode_attrs(
                        {"status": 0, "cleanup_status": 0,
                         "dsn": "2.0.0", "queue_id": qid}))
                    return True
        except (EOFError, OSError, ValueError, struct.error):
            pass
        return False

    def count(self):
        with self.lock:
            return len(self.messages)

    def close(self):
        self.sock.close()


def wait_for(path, timeout=10.0):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise AssertionError(f"{path}: not there after {timeout}s")
        time.sleep(0.05)


def start_instance(name, main_cf, master_cf, fake_cleanup=True):
    """An Instance, entered and started, and a FakeCleanup on its
    public/cleanup (None without fake_cleanup).  When starting fails the
    instance is left again and the error raised."""
    inst = Instance(name=name, main_cf=main_cf, master_cf=master_cf)
    inst.__enter__()
    try:
        inst.start()
        public = os.path.join(inst.queue_dir, "public")
        wait_for(public)
        cleanup = FakeCleanup(os.path.join(public, "cleanup")) \
            if fake_cleanup else None
    except BaseException:
        inst.__exit__(None, None, None)
        raise
    return inst, cleanup


def skip_if(why):
    """Skip the test class being set up when why (a reason) is set."""
    if why:
        raise unittest.SkipTest(why)


class Server:
    """An instance with smtpd on a free port and the fake cleanup."""

    def __init__(self, name, main_cf, maxproc="-", real_cleanup=False):
        self.port = free_port()
        conf = {"mynetworks": "192.0.2.0/24",
                "mydestination": "$myhostname, localhost.$mydomain, localhost",
                "smtpd_error_sleep_time": "0s",
                "local_recipient_maps": ""}
        conf.update(main_cf)
        master = default_master_cf() + \
            f"127.0.0.1:{self.port} inet n - n - {maxproc} smtpd\n"
        if real_cleanup:
            master += ("cleanup unix n - n - 0 cleanup\n"
                       "rewrite unix - - n - - trivial-rewrite\n")
        self.inst, self.cleanup = start_instance(name, conf, master,
                                                 not real_cleanup)

    def close(self):
        if self.cleanup:
            self.cleanup.close()
        self.inst.__exit__(None, None, None)

    def raw(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        return Raw(s)


class Raw:
    """A raw SMTP client: send bytes, read replies."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError(self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")

    def reply(self):
        """One (possibly multi-line) reply as (code, [texts])."""
        texts = []
        while True:
            line = self.line()
            texts.append(line[4:])
            if line[3:4] != "-":
                return int(line[:3]), texts

    def cmd(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)
        return self.reply()

    def close(self):
        self.sock.close()


def skip_reason():
    if Instance is None:
        return "harness tests/integration/instance.py not there yet"
    if not built("smtpd"):
        return f"{program('smtpd')} not built"
    return None


class SmtpdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = skip_reason()
        if why:
            raise unittest.SkipTest(why)
        cls.srv = Server("smtpd", {"smtpd_recipient_limit": "3",
                                   "smtpd_hard_error_limit": "10",
                                   "message_size_limit": "20000",
                                   "smtpd_timeout": "2s"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def session(self):
        c = self.srv.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("EHLO client.example\r\n")[0], 250)
        return c

    def send_three(self):
        """Three messages in one session; the 250s."""
        with smtplib.SMTP("127.0.0.1", self.srv.port, timeout=10) as s:
            s.ehlo("client.example")
            for i in range(3):
                s.sendmail("a@client.example", ["user@test.example"],
                           b"Subject: %d\r\n\r\nbody\r\n" % i)

    def test_cleanup_connection_kept(self):
        # A cleanup that reads on after a final reply gets the next
        # message of the same smtpd over the same connection.
        before = (self.srv.cleanup.count(), self.srv.cleanup.connections)
        self.srv.cleanup.keep = True
        try:
            self.send_three()
        finally:
            self.srv.cleanup.keep = False
        self.assertEqual(self.srv.cleanup.count() - before[0], 3)
        self.assertEqual(self.srv.cleanup.connections - before[1], 1)

    def test_cleanup_closes_kept_connection(self):
        # A cleanup that closes after each message (max_use): smtpd opens
        # the next one over a new connection, and every message is taken.
        before = (self.srv.cleanup.count(), self.srv.cleanup.connections)
        self.send_three()
        self.assertEqual(self.srv.cleanup.count() - before[0], 3)
        # The first may go over a connection an earlier test left kept.
        self.assertGreaterEqual(self.srv.cleanup.connections - before[1], 2)

    def test_smtplib_full_session(self):
        before = self.srv.cleanup.count()
        with smtplib.SMTP("127.0.0.1", self.srv.port, timeout=10) as s:
            code, banner = s.ehlo("client.example")
            self.assertEqual(code, 250)
            for ext in ("pipelining", "size", "vrfy", "etrn",
                        "enhancedstatuscodes", "8bitmime", "dsn", "smtputf8",
                        "chunking"):
                self.assertTrue(s.has_extn(ext), ext)
            self.assertEqual(s.esmtp_features["size"], "20000")
            self.assertEqual(s.noop()[0], 250)
            s.sendmail("a@client.example", ["user@test.example"],
                       b"Subject: hi\r\n\r\nline one\r\n.dot line\r\n")
        msgs = self.srv.cleanup.messages
        self.assertEqual(len(msgs), before + 1)
        m = msgs[-1]
        self.assertEqual(m["sender"], "a@client.example")
        self.assertEqual([r["address"] for r in m["rcpts"]],
                         ["user@test.example"])
        self.assertEqual(m["flags"], 3)
        self.assertEqual(m["attrs"]["protocol_name"], "ESMTP")
        self.assertEqual(m["attrs"]["rewrite_context"], "remote")
        self.assertEqual(m["attrs"]["client_address"], "127.0.0.1")
        self.assertEqual(m["attrs"]["client_name"], "localhost")
        self.assertEqual(m["attrs"]["helo_name"], "client.example")
        data = m["data"].decode()
        self.assertRegex(data, r"^Received: from client\.example "
                         r"\(localhost \[127\.0\.0\.1\]\)\n\tby test\.example "
                         r"\(Postern\) with ESMTP id FAKE\d+\n\tfor "
                         r"<user@test\.example>; \w{3}, ")
        # smtplib stuffs the dot; we remove it again (RFC 5321 4.5.2).
        self.assertIn("\nSubject: hi\n\nline one\n.dot line\n", data)
        self.assertNotIn("\r", data)
        log = self.srv.inst.wait_log(
            r"disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 "
            r"rcpt=1 data=1 noop=1 quit=1 commands=6")
        self.assertTrue(log)
        self.srv.inst.wait_log(r"FAKE\d+: client=localhost\[127\.0\.0\.1\]")
        self.srv.inst.wait_log(r"connect from localhost\[127\.0\.0\.1\]")

    def test_verbs(self):
        c = self.srv.raw()
        code, text = c.reply()
        self.assertEqual(code, 220)
        self.assertEqual(text[0], "test.example ESMTP Postern")
        self.assertEqual(c.cmd("HELO client.example\r\n"), (250, ["test.example"]))
        self.assertEqual(c.cmd("VRFY user@test.example\r\n")[0], 252)
        self.assertEqual(c.cmd("HELP\r\n")[0], 214)
        self.assertEqual(c.cmd("ETRN test.example\r\n")[0], 458)
        self.assertEqual(c.cmd("RSET\r\n")[0], 250)
        self.assertEqual(c.cmd("NOOP\r\n")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<user@test.example>\r\n")[0], 503)
        self.assertEqual(c.cmd("DATA\r\n")[0], 503)
        self.assertEqual(c.cmd("BOGUS\r\n")[0], 500)
        self.assertEqual(c.cmd("MAIL FROM:<>\r\n")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<>\r\n")[0], 503)
        self.assertEqual(c.cmd("DATA\r\n")[0], 503)
        self.assertEqual(c.cmd("QUIT\r\n")[0], 221)
        c.close()

    def test_address_syntax(self):
        c = self.session()
        for bad in ("MAIL FROM:<a@b@c>", "MAIL FROM:<a@-b.example>",
                    "MAIL FROM:<a@[999.1.1.1]>", "MAIL FROM:<a@b",
                    "MAIL FROM:<x@y> FOO=bar"):
            self.assertIn(c.cmd(bad + "\r\n")[0], (501, 555), bad)
        c.close()
        c = self.session()
        self.assertEqual(c.cmd('MAIL FROM:<"john doe"@client.example> '
                               'SIZE=100 BODY=8BITMIME RET=HDRS '
                               'ENVID=abc+2Bdef\r\n')[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<@a.example,@b.example:user@"
                               "test.example> NOTIFY=SUCCESS,FAILURE "
                               "ORCPT=rfc822;user+40test.example\r\n")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<Postmaster>\r\n")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<u@test.example> NOTIFY=NEVER,DELAY"
                               "\r\n")[0], 501)
        self.assertEqual(c.cmd("DATA\r\n")[0], 354)
        self.assertEqual(c.cmd("x\r\n.\r\n")[0], 250)
        m = self.srv.cleanup.messages[-1]
        self.assertEqual(m["sender"], "john doe@client.example")
        self.assertEqual(m["attrs"]["envid"], "abc+def")
        self.assertEqual(m["attrs"]["ret"], "HDRS")
        self.assertEqual(m["attrs"]["encoding"], "8bitmime")
        r = m["rcpts"][0]
        self.assertEqual(r["address"], "user@test.example")
        self.assertEqual(r["dsn_orcpt"], "rfc822;user@test.example")
        self.assertEqual(r["notify"], 2 | 8)
        self.assertEqual(m["rcpts"][1]["address"], "Postmaster")
        self.assertIn("\tby test.example (Postern) with ESMTP id",
                      m["data"].decode())
        c.close()

    def test_pipelining(self):
        c = self.srv.raw()
        self.assertEqual(c.reply()[0], 220)
        c.sock.sendall(b"EHLO c.example\r\nMAIL FROM:<a@c.example>\r\n"
                       b"RCPT TO:<u1@test.example>\r\n"
                       b"RCPT TO:<u2@test.example>\r\nDATA\r\n")
        codes = [c.reply()[0] for _ in range(5)]
        self.assertEqual(codes, [250, 250, 250, 250, 354])
        c.sock.sendall(b"body\r\n.\r\nQUIT\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.reply()[0], 221)
        m = self.srv.cleanup.messages[-1]
        self.assertEqual(len(m["rcpts"]), 2)
        self.assertRegex(m["data"].decode(), r"id FAKE\d+;\n\t")
        self.srv.inst.wait_log(r"improper command pipelining after EHLO")

    def test_bdat(self):
        c = self.session()
        self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<u@test.example>\r\n")[0], 250)
        part1 = b"Subject: chunks\r\n\r\nfirst\r"
        part2 = b"\n.second\r\n"
        self.assertEqual(c.cmd(b"BDAT %d\r\n" % len(part1) + part1)[0], 250)
        self.assertEqual(c.cmd(b"BDAT %d LAST\r\n" % len(part2) + part2)[0],
                         250)
        m = self.srv.cleanup.messages[-1]
        self.assertTrue(m["data"].endswith(b"Subject: chunks\n\nfirst\n"
                                           b".second\n"), m["data"])
        # BDAT without a transaction: read and refused, session in step.
        self.assertEqual(c.cmd(b"BDAT 5 LAST\r\nhello")[0], 503)
        self.assertEqual(c.cmd("NOOP\r\n")[0], 250)
        c.close()

    def test_limits(self):
        c = self.session()
        self.assertEqual(c.cmd("MAIL FROM:<a@c.example> SIZE=20001\r\n")[0],
                         552)
        self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
        for i in range(3):
            self.assertEqual(c.cmd(f"RCPT TO:<u{i}@test.example>\r\n")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<u9@test.example>\r\n"),
                         (452, ["4.5.3 Error: too many recipients"]))
        self.assertEqual(c.cmd("DATA\r\n")[0], 354)
        before = self.srv.cleanup.count()
        c.sock.sendall(b"Subject: big\r\n\r\n" + b"x" * 999 + b"\r\n" * 1)
        self.assertEqual(c.cmd(b"y" * 100 + b"\r\n" + (b"z" * 998 + b"\r\n")
                               * 25 + b".\r\n"),
                         (552, ["5.3.4 Error: message file too big"]))
        self.assertEqual(self.srv.cleanup.count(), before)
        self.assertEqual(c.cmd(b"NOOP " + b"x" * 3000 + b"\r\n"),
                         (500, ["5.5.2 Error: line too long"]))
        c.close()

    def test_hard_error_limit(self):
        c = self.session()
        for _ in range(10):
            self.assertEqual(c.cmd("BOGUS\r\n")[0], 500)
        self.assertEqual(c.reply()[0], 421)
        c.close()

    def test_timeout(self):
        c = self.session()
        self.assertEqual(c.reply()[0], 421)
        c.close()
        self.srv.inst.wait_log(r"timeout after EHLO from localhost")

    def test_relay_battery(self):
        relayed = ["<user@remote.example>", "<USER@REMOTE.EXAMPLE>",
                   "<user%remote.example@test.example>",
                   "<remote.example!user@test.example>",
                   "<@test.example:user@remote.example>",
                   '<"user@remote.example"@test.example>',
                   '<"user%remote.example"@test.example>',
                   "<user@[1.2.3.4]>", "<user@[IPv6:2001:db8::1]>",
                   "<user@remote.example.>",
                   "<user@test.example.remote.example>",
                   "<user@remote.example@test.example>",
                   "user@remote.example"]
        before = self.srv.cleanup.count()
        for rcpt in relayed:
            c = self.session()
            self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
            code, text = c.cmd(f"RCPT TO:{rcpt}\r\n")
            self.assertIn(code, (554, 501), rcpt)
            if code == 554:
                self.assertIn("Relay access denied", text[0])
            self.assertEqual(c.cmd("DATA\r\n")[0], 503, rcpt)
            c.close()
        self.assertEqual(self.srv.cleanup.count(), before)
        self.srv.inst.wait_log(
            r"NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 554 5\.7\.1 "
            r"<user@remote\.example>: Relay access denied; from=<a@c\.example> "
            r"to=<user@remote\.example> proto=ESMTP helo=<client\.example>")
        for rcpt in ("<user@TEST.Example>", "<user@test.example.>",
                     "<user@localhost>", "<user@[127.0.0.1]>", "<postmaster>"):
            c = self.session()
            self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
            self.assertEqual(c.cmd(f"RCPT TO:{rcpt}\r\n")[0], 250, rcpt)
            c.close()

    def test_smuggling_battery(self):
        variants = [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n",
                    b"\r\n.\r", b"\n..\n", b"\r\n\x00.\r\n"]
        for v in variants:
            before = self.srv.cleanup.count()
            c = self.session()
            self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
            self.assertEqual(c.cmd("RCPT TO:<u@test.example>\r\n")[0], 250)
            self.assertEqual(c.cmd("DATA\r\n")[0], 354)
            c.sock.sendall(b"Subject: one\r\n\r\nfirst" + v +
                           b"MAIL FROM:<evil@c.example>\r\n"
                           b"RCPT TO:<victim@test.example>\r\nDATA\r\n"
                           b"Subject: smuggled\r\n\r\nsecond\r\n.\r\n")
            code, _ = c.reply()
            self.assertEqual(code, 250, v)
            self.assertEqual(c.cmd("QUIT\r\n")[0], 221, v)
            c.close()
            time.sleep(0.1)
            self.assertEqual(self.srv.cleanup.count(), before + 1, v)
            m = self.srv.cleanup.messages[-1]
            self.assertIn(b"Subject: smuggled", m["data"], v)
            self.assertEqual([r["address"] for r in m["rcpts"]],
                             ["u@test.example"], v)

    @unittest.skipUnless(shutil.which("swaks"), "swaks not installed")
    def test_swaks(self):
        before = self.srv.cleanup.count()
        for extra in ([], ["--pipeline"]):
            out = subprocess.run(
                ["swaks", "--server", "127.0.0.1", "--port",
                 str(self.srv.port), "--from", "a@c.example", "--to",
                 "user@test.example", "--helo", "swaks.example"] + extra,
                capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertIn("250 2.0.0 Ok: queued as FAKE", out.stdout)
        self.assertEqual(self.srv.cleanup.count(), before + 2)


class SmtpdStrictTest(unittest.TestCase):
    """The non-default settings: HELO required, strict envelopes, no VRFY,
    strict bare newline handling, a trusted client, a full disk."""

    @classmethod
    def setUpClass(cls):
        why = skip_reason()
        if why:
            raise unittest.SkipTest(why)
        cls.srv = Server("smtpd-strict", {
            "smtpd_helo_required": "yes", "strict_rfc821_envelopes": "yes",
            "disable_vrfy_command": "yes", "mynetworks": "127.0.0.0/8",
            "smtpd_forbid_bare_newline": "strict"}, maxproc="1")

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_strict(self):
        c = self.srv.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 503)
        self.assertEqual(c.cmd("HELO c.example\r\n")[0], 250)
        self.assertEqual(c.cmd("VRFY u@test.example\r\n")[0], 502)
        self.assertEqual(c.cmd("MAIL FROM:a@c.example\r\n")[0], 501)
        self.assertEqual(c.cmd("MAIL FROM: <a@c.example>\r\n")[0], 501)
        self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
        # A trusted client may relay.
        self.assertEqual(c.cmd("RCPT TO:<u@remote.example>\r\n")[0], 250)
        self.assertEqual(c.cmd("NOOP\n"),
                         (550, ["5.5.2 test.example Error: bare <LF> received"]))
        self.assertRaises(EOFError, c.line)
        c.close()

    def test_early_talker(self):
        # maxproc 1: while the first client holds smtpd, the second one
        # talks before its greeting.
        first = self.srv.raw()
        self.assertEqual(first.reply()[0], 220)
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        s.sendall(b"HELO early.example\r\n")
        time.sleep(0.3)
        self.assertEqual(first.cmd("QUIT\r\n")[0], 221)
        first.close()
        c = Raw(s)
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.reply()[0], 250)
        c.close()
        self.srv.inst.wait_log(r"improper command pipelining after CONNECT "
                               r"from localhost\[127\.0\.0\.1\]")

    def test_silent_hangup_is_not_pipelining(self):
        # A client that connects and closes without a word (a port probe)
        # is a lost connection, not an early talker.
        first = self.srv.raw()
        self.assertEqual(first.reply()[0], 220)
        since = self.srv.inst.log_size()
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        s.close()
        time.sleep(0.3)
        self.assertEqual(first.cmd("QUIT\r\n")[0], 221)
        first.close()
        self.srv.inst.wait_log(r"lost connection after CONNECT from "
                               r"localhost\[127\.0\.0\.1\]", since=since)
        self.assertNotIn("improper command pipelining",
                         self.srv.inst.log()[since:])

    def test_queue_minfree(self):
        conf = self.srv.inst.extra_main_cf
        self.srv.inst.stop()
        self.srv.inst.write_main_cf({"queue_minfree": "1000000000000000"})
        try:
            self.srv.inst.start()
            c = self.srv.raw()
            self.assertEqual(c.reply()[0], 220)
            self.assertEqual(c.cmd("EHLO c.example\r\n")[0], 250)
            self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n"),
                             (452, ["4.3.1 Insufficient system storage"]))
            self.assertEqual(c.cmd("QUIT\r\n")[0], 221)
            c.close()
        finally:
            self.srv.inst.stop()
            self.srv.inst.write_main_cf({"queue_minfree": "0"})
            self.srv.inst.start()
        self.assertTrue(conf)


class SmtpdErrorSleepTest(unittest.TestCase):
    """smtpd_soft_error_limit and smtpd_error_sleep_time: past the soft
    limit each error reply is delayed.  Only a lower bound is asserted,
    which a slow machine cannot break."""

    def setUp(self):
        why = skip_reason()
        if why:
            self.skipTest(why)
        self.srv = Server("smtpd-sleep", {"smtpd_soft_error_limit": "1",
                                          "smtpd_error_sleep_time": "1s"})
        self.addCleanup(self.srv.close)

    def test_sleep_after_soft_limit(self):
        c = self.srv.raw()
        self.assertEqual(c.reply()[0], 220)
        start = time.monotonic()
        self.assertEqual(c.cmd("BOGUS1\r\n")[0], 500)  # error 1: at limit
        first = time.monotonic() - start
        for n in (2, 3):  # errors 2 and 3: over the limit, one second each
            self.assertEqual(c.cmd(f"BOGUS{n}\r\n")[0], 500)
        self.assertGreaterEqual(time.monotonic() - start - first, 2.0)
        self.assertEqual(c.cmd("QUIT\r\n")[0], 221)
        c.close()


class SmtpdCleanupTest(unittest.TestCase):
    """End to end with the real cleanup(8): 250 names a file in incoming/;
    a smuggling attempt leaves exactly one file."""

    def setUp(self):
        why = skip_reason()
        if why or not built("cleanup") or not built("trivial-rewrite"):
            self.skipTest(why or "cleanup or trivial-rewrite not built")
        self.srv = Server("smtpd-e2e", {}, real_cleanup=True)
        self.addCleanup(self.srv.close)

    def incoming(self):
        top = os.path.join(self.srv.inst.queue_dir, "incoming")
        return [f for _, _, files in os.walk(top) for f in files]

    def test_queued(self):
        c = self.srv.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("EHLO c.example\r\n")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<u@test.example>\r\n")[0], 250)
        self.assertEqual(c.cmd("DATA\r\n")[0], 354)
        code, text = c.cmd(b"Subject: e2e\r\n\r\none\n.\nMAIL FROM:<x@y>\r\n"
                           b"two\r\n.\r\n")
        self.assertEqual(code, 250, text)
        qid = text[0].split()[-1]
        self.assertEqual(c.cmd("QUIT\r\n")[0], 221)
        c.close()
        self.assertEqual(self.incoming(), [qid])


if __name__ == "__main__":
    unittest.main()
