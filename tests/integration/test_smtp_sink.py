"""test_smtp_sink - a whole instance (smtpd, cleanup, qmgr, smtp, bounce)
delivering to Postfix's own test server, smtp-sink, from Debian's postfix
package (postfix_ref: unpacked, never installed): issue 8's acceptance
list.

Each smtp-sink runs with -c (counters on stdout: "sess=N quit=N mesg=N",
a session counted when it ends) and -d (one dump file per message, with
X-Mail-Args/X-Rcpt-Args before the message); options pick the behaviour:
-r RCPT rejects every RCPT with 450, -f RCPT with 500, -8 hides
8BITMIME, -p hides PIPELINING.  smtp-sink has no way to answer
recipients differently in one transaction, so "4xx deferred and 5xx
bounced per recipient within one message" sends one message to three
domains routed (transport_maps) to three sinks; the mixed replies within
one transaction are covered by test_smtp.py against the Python Sink.

Pipelining is seen by a small TCP relay in front of the sink that
records what the client writes: with PIPELINING, MAIL and RCPT arrive in
one write.  MX preference runs in a network namespace (netns.py) with
dnsmasq, the instance and the sinks inside it.  Every wait is bounded."""
import email
import email.policy
import glob
import os
import pwd
import re
import shutil
import smtplib
import socket
import subprocess
import threading
import time
import unittest

import postfix_ref
from instance import Instance, built, free_port, serve_in_threads
from netns import NetNs
from test_e2e import DAEMONS, FAST_CONF, LOG_COMPLAINTS, MASTER_CF, wait_for

SINK_USER = "nobody"


def sink_program():
    """smtp-sink's path and environment, or None."""
    root = postfix_ref.root()
    if root is None:
        return None
    path = os.path.join(root, "usr", "sbin", "smtp-sink")
    env = dict(os.environ,
               LD_LIBRARY_PATH=os.path.join(root, "usr", "lib", "postfix"))
    return (path, env) if os.access(path, os.X_OK) else None


def listening(pid, port):
    """True when process pid has a TCP socket listening on port (its own
    network namespace's /proc/PID/net/tcp)."""
    try:
        with open("/proc/%d/net/tcp" % pid) as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return False
    return any(r.split()[1].endswith(":%04X" % port) and r.split()[3] == "0A"
               for r in rows)


class SmtpSink:
    """smtp-sink on addr:port with options; dumps under a fresh folder."""

    def __init__(self, top, name, options=(), addr="127.0.0.1", port=None,
                 ns=None):
        path, env = sink_program()
        self.port = port or free_port()
        self.dump = os.path.join(top, "sink-" + name)
        os.makedirs(self.dump)
        os.chown(self.dump, pwd.getpwnam(SINK_USER).pw_uid, -1)
        self.out_path = os.path.join(top, "sink-%s.out" % name)
        argv = [path, "-c", "-u", SINK_USER, "-h", name, "-d",
                os.path.join(self.dump, "m.")] + list(options)
        argv += ["%s:%d" % (addr, self.port), "64"]
        with open(self.out_path, "w") as out:
            self.proc = (ns.popen(argv, stdout=out, stderr=out, env=env)
                         if ns else subprocess.Popen(argv, stdout=out,
                                                     stderr=out, env=env))
        wait_for("smtp-sink on port %d" % self.port,
                 lambda: listening(self.proc.pid, self.port), 10)

    def counters(self):
        """The last {sess, quit, mesg} that smtp-sink printed."""
        with open(self.out_path, errors="replace") as f:
            found = re.findall(r"sess=(\d+) quit=(\d+) mesg=(\d+)", f.read())
        last = found[-1] if found else (0, 0, 0)
        return dict(zip(("sess", "quit", "mesg"), map(int, last)))

    def open_sessions(self):
        """Established connections whose server end is the sink's."""
        with open("/proc/%d/net/tcp" % self.proc.pid) as f:
            rows = [r.split() for r in f.read().splitlines()[1:]]
        return sum(1 for r in rows
                   if r[1].endswith(":%04X" % self.port) and r[3] == "01")

    def dumps(self):
        """Every dumped message as bytes, oldest first."""
        paths = sorted(glob.glob(os.path.join(self.dump, "m.*")),
                       key=lambda p: (os.stat(p).st_mtime, p))
        out = []
        for p in paths:
            with open(p, "rb") as f:
                out.append(f.read())
        return out

    def wait_dumps(self, count, timeout=20):
        """The dumps once count messages are complete: counted at "."
        and written (a dump file is made at MAIL, filled at ".")."""
        def done():
            if self.counters()["mesg"] < count:
                return None
            dumps = self.dumps()
            ok = len(dumps) >= count and all(d.endswith(b"\n\n")
                                              for d in dumps)
            return ok and dumps
        return wait_for("%d message(s) in %s" % (count, self.dump), done,
                        timeout)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Relay:
    """A TCP relay on 127.0.0.1 in front of a server; self.chunks records
    each piece the client wrote (as received), per connection."""

    def __init__(self, port):
        self.target, self.chunks, self.lock = port, [], threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        serve_in_threads(self, self.sock, 16, self._connect)

    def _connect(self, client):
        server = socket.create_connection(("127.0.0.1", self.target), 10)
        threading.Thread(target=self._pump, args=(client, server, True),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(server, client, False),
                         daemon=True).start()

    def _pump(self, src, dst, record):
        src.settimeout(60)
        try:
            for _ in range(100000):
                data = src.recv(65536)
                if not data:
                    break
                if record:
                    with self.lock:
                        self.chunks.append(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            src.close()

    def close(self):
        self.stop = True
        self.sock.close()


def sink_headers(dump):
    """smtp-sink's X-Mail-Args and X-Rcpt-Args of one dump."""
    text = dump.decode(errors="replace")
    return (re.findall(r"^X-Mail-Args: (.*)$", text, re.M),
            re.findall(r"^X-Rcpt-Args: (.*)$", text, re.M))


@unittest.skipUnless(os.geteuid() == 0, "smtp-sink -u and privsep: root")
@unittest.skipUnless(all(built(d) for d in DAEMONS), "daemons not built")
class SinkBase(unittest.TestCase):
    NS = False

    @classmethod
    def setUpClass(cls):
        if sink_program() is None:
            raise unittest.SkipTest("no smtp-sink (apt-get download postfix)")
        cls.ns = None
        if cls.NS:
            cls.ns = NetNs()
            cls.addClassCleanup(cls.ns.close)
        cls.port = 2525 if cls.NS else free_port()
        cls.inst = Instance(name="sink", wrap=cls.ns.cmd([]) if cls.ns
                            else None, main_cf=cls.main_cf(),
                            master_cf=MASTER_CF.format(port=cls.port))
        cls.inst.__enter__()
        cls.addClassCleanup(cls.inst.__exit__, None, None, None)
        cls.sinks = {}
        cls.setup_sinks()
        cls.inst.start()

    @classmethod
    def main_cf(cls):
        return dict(FAST_CONF, smtp_connect_timeout="5s")

    @classmethod
    def add_sink(cls, name, options=(), **kw):
        s = SmtpSink(cls.inst.root, name, options, ns=cls.ns, **kw)
        cls.addClassCleanup(s.close)
        cls.sinks[name] = s
        return s

    def tearDown(self):
        log = self.inst.log()
        for bad in LOG_COMPLAINTS:
            self.assertNotRegex(log, bad)

    def queue_id(self, rcpt, timeout=20):
        """The queue id of the message smtpd took for rcpt."""
        m = self.inst.wait_log(r"(\w+): to=<%s>" % re.escape(rcpt), timeout)
        return m.group(1)


class SinkTest(SinkBase):
    """Delivery to smtp-sinks on 127.0.0.1 through relayhost and
    transport_maps."""

    @classmethod
    def setup_sinks(cls):
        routes = {"ok.example": cls.add_sink("ok"),
                  "soft.example": cls.add_sink("soft", ["-r", "RCPT"]),
                  "hard.example": cls.add_sink("hard", ["-f", "RCPT"]),
                  "no8bit.example": cls.add_sink("no8bit", ["-8"]),
                  "burst.example": cls.add_sink("burst")}
        cls.relay_sink = cls.add_sink("relay")
        cls.pipe = Relay(cls.add_sink("pipe").port)
        cls.nopipe = Relay(cls.add_sink("nopipe", ["-p"]).port)
        for r in (cls.pipe, cls.nopipe):
            cls.addClassCleanup(r.close)
        path = os.path.join(cls.inst.config_dir, "transport")
        with open(path, "w") as f:
            for dom, s in routes.items():
                f.write("%s smtp:[127.0.0.1]:%d\n" % (dom, s.port))
            f.write("pipe.example smtp:[127.0.0.1]:%d\n" % cls.pipe.port)
            f.write("nopipe.example smtp:[127.0.0.1]:%d\n" % cls.nopipe.port)
        cls.inst.write_main_cf({
            "transport_maps": "texthash:" + path,
            "relayhost": "[127.0.0.1]:%d" % cls.relay_sink.port})

    def smtp(self):
        s = smtplib.SMTP("127.0.0.1", self.port, timeout=30)
        self.addCleanup(s.close)
        s.ehlo("client.example")
        return s

    def test_relayhost_with_swaks(self):
        r = subprocess.run(
            ["swaks", "--server", "127.0.0.1:%d" % self.port,
             "--from", "s@sender.example", "--to", "r@relay.example",
             "--helo", "client.example", "--body", "via the relayhost"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        (dump,) = self.relay_sink.wait_dumps(1)
        self.assertEqual(sink_headers(dump),
                         (["<s@sender.example>"], ["<r@relay.example>"]))
        self.assertIn(b"\nvia the relayhost\n", dump)
        self.assertRegex(dump.decode(), r"\n\tby test\.example \(Postern\) "
                         r"with ESMTP id \w+")
        self.inst.wait_log(r"to=<r@relay\.example>, relay=127\.0\.0\.1"
                           r"\[127\.0\.0\.1\]:%d, .*dsn=2\.0\.0, status=sent"
                           % self.relay_sink.port, timeout=10)

    def test_per_recipient_defer_and_bounce(self):
        rcpts = ["a@ok.example", "b@soft.example", "c@hard.example"]
        self.smtp().sendmail("sender@ok.example", rcpts,
                             "Subject: mixed\r\n\r\nthree ways\r\n")
        # The message for a@, then the bounce of c@ back to the sender.
        dumps = self.sinks["ok"].wait_dumps(2, timeout=30)
        by_rcpt = {sink_headers(d)[1][0]: d for d in dumps}
        self.assertEqual(sorted(by_rcpt),
                         ["<a@ok.example>", "<sender@ok.example>"])
        qid = self.queue_id("a@ok.example")
        pat = r"%s: to=<%s>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*"
        self.inst.wait_log(pat % (qid, "b@soft\\.example") +
                           r"dsn=4\.3\.0, status=deferred \(host .* said: "
                           r"450 4\.3\.0 Error: command failed \(in reply to "
                           r"RCPT TO command\)\)", timeout=20)
        self.inst.wait_log(pat % (qid, "c@hard\\.example") +
                           r"dsn=5\.3\.0, status=bounced \(host .* said: "
                           r"500 5\.3\.0 Error: command failed", timeout=20)
        bounce = by_rcpt["<sender@ok.example>"]
        self.assertEqual(sink_headers(bounce)[0], ["<>"])
        self.assertIn(b"Final-Recipient: rfc822; c@hard.example", bounce)
        self.assertNotIn(b"b@soft.example", bounce)
        self.assertIn(b"three ways", by_rcpt["<a@ok.example>"])
        self.assertEqual(self.sinks["soft"].dumps(), [])
        self.assertEqual(self.sinks["hard"].dumps(), [])

    def test_8bit_to_server_without_8bitmime(self):
        text = "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e =\n" + "\u00e9" * 60
        msg = ("Subject: 8bit\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n"
               + text.replace("\n", "\r\n") + "\r\n").encode()
        self.smtp().sendmail("s@sender.example", ["e@no8bit.example"], msg,
                             mail_options=["BODY=8BITMIME"])
        (dump,) = self.sinks["no8bit"].wait_dumps(1)
        self.assertNotIn("BODY=8BITMIME", sink_headers(dump)[0][0])
        self.assertTrue(all(b < 128 for b in dump), dump)
        self.assertTrue(all(len(l) <= 78 for l in dump.split(b"\n")))
        parsed = email.message_from_bytes(dump, policy=email.policy.default)
        self.assertEqual(parsed["Content-Transfer-Encoding"],
                         "quoted-printable")
        body = parsed.get_payload(decode=True).decode("utf-8")
        self.assertEqual(body.replace("\r\n", "\n").rstrip("\n"), text)

    def test_pipelining_on_and_off(self):
        rcpts = ["x@%s", "y@%s"]
        for relay, dom in ((self.pipe, "pipe.example"),
                           (self.nopipe, "nopipe.example")):
            self.smtp().sendmail("s@sender.example",
                                 [r % dom for r in rcpts],
                                 "Subject: pipe\r\n\r\nbody\r\n")
        for name, relay, piped in (("pipe", self.pipe, True),
                                   ("nopipe", self.nopipe, False)):
            (dump,) = self.sinks[name].wait_dumps(1)
            self.assertEqual(len(sink_headers(dump)[1]), 2)
            with relay.lock:
                together = [c for c in relay.chunks
                            if b"MAIL FROM" in c and b"RCPT TO" in c]
            self.assertEqual(bool(together), piped, relay.chunks)

    def test_burst_reuses_connections(self):
        n, sink = 200, self.sinks["burst"]
        s = self.smtp()
        for i in range(n):
            s.sendmail("s@sender.example", ["b%d@burst.example" % i],
                       "Subject: burst %d\r\n\r\nbody\r\n" % i)
        wait_for("%d messages at the sink" % n,
                 lambda: sink.counters()["mesg"] >= n, 60)
        # Sessions ended plus those still open (cached by smtp).
        time.sleep(0.5)
        conns = sink.counters()["sess"] + sink.open_sessions()
        print("burst: %d messages over %d connections" % (n, conns))
        self.assertGreater(conns, 0)
        self.assertLessEqual(conns, n // 10)


class SinkMxTest(SinkBase):
    """MX preference with the instance, dnsmasq and smtp-sink in a
    network namespace: the preferred MX refuses, the second takes it."""
    NS = True

    @classmethod
    def setup_sinks(cls):
        cls.ns.dnsmasq(["--mx-host=mx.test,mx1.mx.test,10",
                        "--mx-host=mx.test,mx2.mx.test,20",
                        "--mx-host=mx.test,mx3.mx.test,30",
                        "--host-record=mx1.mx.test,127.0.0.2",
                        "--host-record=mx2.mx.test,127.0.0.3",
                        "--host-record=mx3.mx.test,127.0.0.4"])
        cls.add_sink("mx2", addr="127.0.0.3", port=25)
        cls.add_sink("mx3", addr="127.0.0.4", port=25)

    def test_second_mx_when_first_refuses(self):
        r = subprocess.run(self.ns.cmd(
            ["swaks", "--server", "127.0.0.1:%d" % self.port,
             "--from", "s@sender.example", "--to", "m@mx.test",
             "--helo", "client.example", "--body", "to the second MX"]),
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        (dump,) = self.sinks["mx2"].wait_dumps(1)
        self.assertEqual(sink_headers(dump)[1], ["<m@mx.test>"])
        self.assertEqual(self.sinks["mx3"].dumps(), [])
        self.inst.wait_log(r"to=<m@mx\.test>, relay=mx2\.mx\.test"
                           r"\[127\.0\.0\.3\]:25, .*status=sent", timeout=10)


if __name__ == "__main__":
    unittest.main()
