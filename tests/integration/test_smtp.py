"""test_smtp - the smtp and lmtp delivery agents against scripted Python
servers: delivery via [host]:port with the Postfix-style log line,
per-recipient 4xx/5xx within one message, pipelining on and off,
connection reuse across requests, SIZE, LMTP per-recipient replies over
TCP and a UNIX socket, and a dead destination when nothing listens.

Requests come from deliver_client.deliver() (qmgr's side); FakeBounce
plays bounce/defer/trace.  MX lookups need a DNS server and are covered
by the unit tests of dns_lookup on canned replies."""
import os
import re
import select
import socket
import threading
import time
import unittest

from deliver_client import FakeBounce, deliver, NOTIFY_SUCCESS
from instance import Instance, built, default_master_cf, free_port
from qfile_reader import QueueFile
from qfile_writer import write_queue_file

MASTER_CF = """smtp      unix  -       -       n       -       -       smtp
lmtp      unix  -       -       n       -       -       lmtp
"""


class Sink:
    """A scripted SMTP/LMTP server on 127.0.0.1:port or a UNIX socket.
    rcpt_reply(addr) and data_reply(addr) give reply lines; ehlo lists
    the EHLO keywords.  It records connections, commands, whether each
    MAIL arrived with its DATA already buffered (pipelined), and the
    message content.  sock: a TCP socket to bind to `bind` (address, port)
    instead of 127.0.0.1 and a free port (netns.NetNs.socket()); greeting:
    the first reply."""

    def __init__(self, ehlo=("PIPELINING", "SIZE 10240000", "8BITMIME"),
                 rcpt_reply=None, lmtp=False, path=None, mail_wait=0.3,
                 sock=None, bind=("127.0.0.1", 0), greeting="220 sink ESMTP"):
        self.ehlo, self.lmtp, self.mail_wait = list(ehlo), lmtp, mail_wait
        self.greeting = greeting
        self.rcpt_reply = rcpt_reply or (lambda a: "250 2.1.5 Ok")
        self.connections, self.commands, self.pipelined = 0, [], []
        self.messages, self.lock, self.stop = [], threading.Lock(), False
        if path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(path)
            os.chmod(path, 0o666)
        else:
            self.sock = sock or socket.socket(socket.AF_INET,
                                              socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.port = bind[1] or free_port()
            self.sock.bind((bind[0], self.port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        conn.settimeout(30)
        f = conn.makefile("rb")
        send = lambda s: conn.sendall(s.encode() + b"\r\n")
        try:
            self._session(conn, f, send)
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def _buffered(self, f, conn):
        """Whatever the client sent before we replied (pipelining)."""
        time.sleep(self.mail_wait)
        conn.setblocking(False)
        try:
            return f.peek(65536)
        except (BlockingIOError, OSError):
            return b""
        finally:
            conn.settimeout(30)

    def _session(self, conn, f, send):
        send(self.greeting)
        if not self.greeting.startswith("2"):
            f.readline()  # QUIT
            return
        rcpts = []
        for _ in range(10000):
            line = f.readline()
            if not line:
                return
            cmd = line.decode().rstrip("\r\n")
            with self.lock:
                self.commands.append(cmd)
            verb = cmd.split(" ")[0].upper()
            if verb in ("EHLO", "LHLO"):
                ks = ["250-sink"] + ["250-" + k for k in self.ehlo[:-1]]
                ks += ["250 " + (self.ehlo[-1] if self.ehlo else "sink")]
                if not self.ehlo:
                    ks = ["250 sink"]
                for k in ks:
                    send(k)
            elif verb == "HELO":
                send("250 sink")
            elif verb == "MAIL":
                rcpts = []
                with self.lock:
                    self.pipelined.append(
                        b"DATA\r\n" in self._buffered(f, conn))
                send("250 2.1.0 Ok")
            elif verb == "RCPT":
                addr = cmd[cmd.index("<") + 1:cmd.index(">")]
                reply = self.rcpt_reply(addr)
                if reply.startswith("2"):
                    rcpts.append(addr)
                send(reply)
            elif verb == "DATA":
                if not rcpts:
                    send("554 5.5.1 Error: no valid recipients")
                    continue
                send("354 End data with <CR><LF>.<CR><LF>")
                body = []
                for _ in range(100000):
                    l = f.readline()
                    if l in (b".\r\n", b""):
                        break
                    body.append(l)
                with self.lock:
                    self.messages.append((list(rcpts), b"".join(body)))
                if self.lmtp:
                    for a in rcpts:
                        send(self.data_reply(a))
                else:
                    send("250 2.0.0 Ok: queued as SINK1")
            elif verb == "RSET":
                rcpts = []
                send("250 2.0.0 Ok")
            elif verb == "QUIT":
                send("221 2.0.0 Bye")
                return
            else:
                send("502 5.5.2 Error: command not recognized")

    def data_reply(self, addr):
        if addr.startswith("lfail"):
            return "550 5.1.1 <%s>: mailbox unavailable" % addr
        if addr.startswith("lsoft"):
            return "452 4.2.2 <%s>: mailbox full" % addr
        return "250 2.0.0 <%s> delivered" % addr

    def close(self):
        self.stop = True
        self.sock.close()


def per_rcpt(addr):
    if addr.startswith("hard"):
        return "550 5.1.1 <%s>: Recipient address rejected" % addr
    if addr.startswith("soft"):
        return "450 4.2.0 <%s>: try later" % addr
    return "250 2.1.5 Ok"


class SmtpBase(unittest.TestCase):
    """An instance with smtp and lmtp, a FakeBounce, and helpers."""
    main_cf = {"smtp_connect_timeout": "5s", "lmtp_connect_timeout": "5s"}

    def setUp(self):
        if not built("smtp") or not built("lmtp"):
            self.skipTest("smtp or lmtp not built")
        self.inst = Instance(name="smtp", main_cf=self.main_cf,
                             master_cf=MASTER_CF + default_master_cf())
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        self.bounce = FakeBounce(self.inst.queue_dir)
        self.addCleanup(self.bounce.close)
        self.inst.start()

    def queue(self, rcpts, body=("body", ".dot line")):
        _, path = write_queue_file(self.inst.queue_dir, "active",
                                   rcpts=rcpts, body=body)
        return QueueFile(path)

    def send(self, qf, nexthop, service="smtp", notify=0, **kw):
        rcpts = [dict(r, notify=notify) for r in qf.rcpt_records]
        path = os.path.join(self.inst.queue_dir, "private", service)
        return deliver(path, qf, rcpts, nexthop=nexthop, **kw)

    def sink(self, **kw):
        s = Sink(**kw)
        self.addCleanup(s.close)
        return s



class SmtpTest(SmtpBase):
    def test_sent_via_host_port(self):
        sink = self.sink()
        qf = self.queue(["a@example.com"])
        r = self.send(qf, "[127.0.0.1]:%d" % sink.port)
        self.assertEqual((r["status"], r["results"], r["dead"]), (0, "S", 0))
        self.inst.wait_log(
            r"%s: to=<a@example.com>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d, "
            r"delay=[\d.]+, delays=[\d./]+, dsn=2\.0\.0, status=sent "
            r"\(250 2\.0\.0 Ok: queued as SINK1\)" % (qf.queue_id, sink.port),
            timeout=10)
        self.assertEqual(len(sink.messages), 1)
        body = sink.messages[0][1]
        self.assertIn(b"\r\n..dot line\r\n", body)  # dot-stuffed
        self.assertIn(b"Subject: test\r\n", body)
        mail = [c for c in sink.commands if c.startswith("MAIL")][0]
        self.assertRegex(mail, r"^MAIL FROM:<sender@example.com> SIZE=\d+$")

    def test_8bit_downgraded_to_quoted_printable(self):
        # RFC 6152: no BODY=8BITMIME to a server without it; the 8bit
        # part goes as valid quoted-printable that decodes to the same.
        import email
        import email.policy
        text = ["caf\u00e9 na\u00efve =", "x" * 90 + "\u00e9 ", ".dot"]
        header = ("Subject: t", "MIME-Version: 1.0",
                  "Content-Type: text/plain; charset=utf-8",
                  "Content-Transfer-Encoding: 8bit")
        for ehlo, converted in ((("PIPELINING",), True),
                                (("PIPELINING", "8BITMIME"), False)):
            sink = self.sink(ehlo=ehlo)
            _, path = write_queue_file(self.inst.queue_dir, "active",
                                       rcpts=["a@example.com"], header=header,
                                       body=text,
                                       attrs=[("encoding", "8bitmime")])
            qf = QueueFile(path)
            r = self.send(qf, "[127.0.0.1]:%d" % sink.port,
                          encoding="8bitmime")
            self.assertEqual(r["results"], "S", r)
            raw = sink.messages[0][1].replace(b"\r\n..", b"\r\n.")
            mail = [c for c in sink.commands if c.startswith("MAIL")][0]
            self.assertEqual("BODY=8BITMIME" in mail, not converted)
            if converted:
                self.assertTrue(all(b < 128 for b in raw), raw)
                self.assertIn(b"Content-Transfer-Encoding: quoted-printable",
                              raw)
                self.assertTrue(all(len(l) <= 76 for l in raw.split(b"\r\n")))
            else:
                self.assertIn("caf\u00e9".encode(), raw)
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            got = msg.get_payload(decode=True).decode("utf-8")
            self.assertEqual(got.replace("\r\n", "\n").rstrip("\n"),
                             "\n".join(text))

    def test_per_recipient_outcomes(self):
        sink = self.sink(rcpt_reply=per_rcpt)
        qf = self.queue(["ok@example.com", "hard@example.com",
                         "soft@example.com"])
        r = self.send(qf, "[127.0.0.1]:%d" % sink.port)
        self.assertEqual((r["status"], r["results"]), (0, "SBD"))
        self.assertEqual(sink.messages[0][0], ["ok@example.com"])
        bounce = self.bounce.entries("bounce")
        self.assertEqual(len(bounce), 1)
        self.assertEqual(bounce[0]["dsn_status"], "5.1.1")
        self.assertEqual(bounce[0]["diag"], "smtp; 550 5.1.1 "
                         "<hard@example.com>: Recipient address rejected")
        self.assertEqual(bounce[0]["mta"], "dns; 127.0.0.1")
        defer = self.bounce.entries("defer")
        self.assertEqual(len(defer), 1)
        self.assertEqual(defer[0]["dsn_status"], "4.2.0")
        self.assertIn("said: 450 4.2.0", defer[0]["reason"])
        self.inst.wait_log(r"to=<hard@example.com>.*status=bounced \(host "
                           r"127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 "
                           r".*\(in reply to RCPT TO command\)\)", timeout=10)

    def test_pipelining_on_and_off(self):
        on = self.sink()
        off = self.sink(ehlo=("SIZE", "8BITMIME"))
        for sink in (on, off):
            qf = self.queue(["a@example.com", "b@example.com"])
            r = self.send(qf, "[127.0.0.1]:%d" % sink.port)
            self.assertEqual(r["results"], "SS", self.inst.log())
        self.assertEqual(on.pipelined, [True])
        self.assertEqual(off.pipelined, [False])
        self.assertEqual(len(off.messages[0][0]), 2)

    def test_connection_reuse(self):
        sink = self.sink()
        n = 6
        for i in range(n):
            qf = self.queue(["r%d@example.com" % i])
            r = self.send(qf, "[127.0.0.1]:%d" % sink.port)
            self.assertEqual(r["results"], "S")
        self.assertEqual(len(sink.messages), n)
        self.assertLess(sink.connections, n // 2)
        self.assertIn("RSET", sink.commands)

    def test_size_bounces(self):
        sink = self.sink(ehlo=("PIPELINING", "SIZE 10"))
        qf = self.queue(["a@example.com"])
        r = self.send(qf, "[127.0.0.1]:%d" % sink.port)
        self.assertEqual(r["results"], "B")
        self.assertEqual(self.bounce.entries("bounce")[0]["dsn_status"],
                         "5.3.4")
        self.assertEqual(sink.messages, [])

    def test_relayed_without_dsn(self):
        sink = self.sink()
        qf = self.queue(["a@example.com"])
        r = self.send(qf, "[127.0.0.1]:%d" % sink.port,
                      notify=NOTIFY_SUCCESS)
        self.assertEqual(r["results"], "T")
        self.assertEqual(self.bounce.entries("trace")[0]["dsn_action"],
                         "relayed")

    def test_dead_when_nothing_listens(self):
        port = free_port()
        qf = self.queue(["a@example.com", "b@example.com"])
        r = self.send(qf, "[127.0.0.1]:%d" % port)
        self.assertEqual((r["status"], r["results"], r["dead"]),
                         (0, "DD", 1))
        self.assertIn("Connection refused", r["reason"])
        self.inst.wait_log(r"to=<a@example.com>, relay=none, .*"
                           r"status=deferred \(connect to 127\.0\.0\.1"
                           r"\[127\.0\.0\.1\]:%d: Connection refused\)"
                           % port, timeout=10)

    def test_lmtp_tcp_and_unix(self):
        tcp = self.sink(lmtp=True)
        path = os.path.join(self.inst.root, "lmtp.sock")
        unix = self.sink(lmtp=True, path=path)
        for hop, relay in (("inet:127.0.0.1:%d" % tcp.port,
                            r"127\.0\.0\.1\[127\.0\.0\.1\]:%d" % tcp.port),
                           ("unix:" + path, re.escape(path))):
            qf = self.queue(["ok@example.com", "lfail@example.com",
                             "lsoft@example.com"])
            r = self.send(qf, hop, service="lmtp")
            self.assertEqual((r["status"], r["results"]), (0, "SBD"), hop)
            # One reply per recipient after DATA, each recorded as such.
            qid = qf.queue_id
            bounce = [e for e in self.bounce.entries("bounce")
                      if e["queue_id"] == qid]
            defer = [e for e in self.bounce.entries("defer")
                     if e["queue_id"] == qid]
            self.assertEqual([(e["address"], e["dsn_status"], e["diag"])
                              for e in bounce],
                             [("lfail@example.com", "5.1.1", "lmtp; 550 "
                               "5.1.1 <lfail@example.com>: mailbox "
                               "unavailable")])
            self.assertEqual([(e["address"], e["dsn_status"]) for e in defer],
                             [("lsoft@example.com", "4.2.2")])
            for rcpt, status in (("ok", "sent"), ("lfail", "bounced"),
                                 ("lsoft", "deferred")):
                self.inst.wait_log(
                    r"postern/lmtp\[\d+\]: %s: to=<%s@example\.com>, "
                    r"relay=%s, .*status=%s .*" % (qid, rcpt, relay, status)
                    + (r"\(in reply to end of DATA command\)"
                       if rcpt != "ok" else ""), timeout=10)
        self.assertTrue(any(c.startswith("LHLO") for c in tcp.commands))
        self.assertEqual(len(unix.messages), 1)
        self.assertEqual(unix.messages[0][0], ["ok@example.com",
                                               "lfail@example.com",
                                               "lsoft@example.com"])
        self.inst.wait_log(r"postern/lmtp\[\d+\]: \w+: to=<ok@example.com>, "
                           r"relay=%s, .*status=sent" % path, timeout=10)


class SmtpCacheTimeTest(SmtpBase):
    """A cached session is closed when smtp_connection_cache_time_limit
    says, even when no new request wakes the idle agent."""
    main_cf = dict(SmtpBase.main_cf, smtp_connection_cache_time_limit="1s")

    def test_cached_session_closed_on_time(self):
        sink = self.sink()
        qf = self.queue(["a@example.com"])
        r = self.send(qf, "[127.0.0.1]:%d" % sink.port)
        self.assertEqual(r["results"], "S")
        start = time.monotonic()
        while "QUIT" not in sink.commands and time.monotonic() - start < 10:
            time.sleep(0.1)
        waited = time.monotonic() - start
        self.assertIn("QUIT", sink.commands)
        # Due 1-2 s after the delivery; the agent's max_idle is 100 s.
        self.assertLess(waited, 4, "QUIT came %.1f s after delivery" % waited)
        self.assertEqual(sink.connections, 1)


if __name__ == "__main__":
    unittest.main()
