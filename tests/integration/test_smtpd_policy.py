"""test_smtpd_policy - smtpd(8)'s restrictions against a real instance
(cleanup, trivial-rewrite, smtpd): access table actions, restriction
classes, smtpd_delay_reject, HELO/sender/recipient checks, a Python
policy server speaking Postfix's delegation protocol, and the anvil
connection and rate limits.  127.0.0.1 is outside mynetworks."""
import os
import smtplib
import socket
import threading
import unittest

try:
    from instance import built, free_port
    from test_smtpd import Server, skip_reason
    from qfile_reader import QueueFile
except ImportError:
    built = None

USERS = ["known", "rej", "def", "c5", "c4", "hold", "disc", "cls", "ok",
         "dunno", "prep", "filt", "redir", "grey", "polrej", "warned"]
RCPTS = """rej@test.example REJECT no way
def@test.example DEFER later
c5@test.example 550 5.1.1 gone away
c4@test.example 451 4.7.0 busy now
hold@test.example HOLD
disc@test.example DISCARD
cls@test.example strict
ok@test.example OK
dunno@test.example DUNNO
prep@test.example PREPEND X-Tag: tagged
filt@test.example FILTER smtp:[127.0.0.1]:10025
redir@test.example REDIRECT known@test.example
warned@test.example warn_if_reject, reject
"""


class PolicyServer:
    """A policy server on 127.0.0.1: answers by recipient, keeps requests."""

    def __init__(self):
        self.requests = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        for _ in range(100000):  # bounded; a failed accept is not the end
            try:
                conn, _ = self.sock.accept()
            except OSError:
                if self.sock.fileno() < 0:
                    return  # closed
                continue
            threading.Thread(target=self.serve, args=(conn,),
                             daemon=True).start()

    def serve(self, conn):
        with conn:
            try:
                self.answer(conn.makefile("rwb"))
            except (OSError, ValueError):
                pass

    def answer(self, f):
        req = {}
        for _ in range(1000):  # bounded: requests on one connection
            line = f.readline()
            if not line:
                return
            line = line.decode(errors="replace").rstrip("\n")
            if line:
                k, _, v = line.partition("=")
                req[k] = v
                continue
            self.requests.append(req)
            rcpt = req.get("recipient", "")
            if rcpt.startswith("grey@"):
                action = "DEFER_IF_PERMIT Greylisted, try later"
            elif rcpt.startswith("polrej@"):
                action = "REJECT policy says no"
            else:
                action = "DUNNO"
            f.write(f"action={action}\n\n".encode())
            f.flush()
            req = {}

    def close(self):
        self.sock.close()


def files(inst, queue):
    top = os.path.join(inst.queue_dir, queue)
    return [f for _, _, fs in os.walk(top) for f in fs]


def usable():
    if built is None:
        return "harness not there"
    why = skip_reason()
    if why or not built("cleanup") or not built("trivial-rewrite"):
        return why or "cleanup or trivial-rewrite not built"
    return None


class RestrictionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = usable()
        if why:
            raise unittest.SkipTest(why)
        cls.policy = PolicyServer()
        cls.tmp = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "tmp", f"policy-{os.getpid()}")
        os.makedirs(cls.tmp, exist_ok=True)
        tables = {"users": "".join(f"{u} x\n" for u in USERS),
                  "rcpts": RCPTS,
                  "senders": "spam@bad.example REJECT\n"
                             "worse.example 554 5.7.1 whole domain\n",
                  "helos": "evil.example REJECT evil helo\n",
                  "eod": "late@c.example PREPEND X-Late: yes\n"}
        for name, text in tables.items():
            with open(os.path.join(cls.tmp, name), "w") as f:
                f.write(text)
        t = lambda n: "texthash:" + os.path.join(cls.tmp, n)
        cls.srv = Server("smtpd-policy", {
            "mydestination": "$myhostname, localhost",
            "local_recipient_maps": t("users"),
            "smtpd_helo_restrictions":
                f"reject_invalid_helo_hostname, check_helo_access {t('helos')}",
            "smtpd_sender_restrictions":
                f"reject_non_fqdn_sender, check_sender_access {t('senders')}",
            "smtpd_recipient_restrictions":
                f"reject_non_fqdn_recipient, check_recipient_access "
                f"{t('rcpts')}, check_policy_service "
                f"inet:127.0.0.1:{cls.policy.port}",
            "smtpd_end_of_data_restrictions":
                f"check_sender_access {t('eod')}",
            # A policy exchange that stalls (seen under heavy load) is
            # retried on a new connection well inside the client's wait.
            "smtpd_policy_service_timeout": "5s",
            "smtpd_restriction_classes": "strict",
            "strict": "reject"}, real_cleanup=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.policy.close()

    def rcpt(self, rcpt, sender="a@c.example", helo="client.example"):
        with smtplib.SMTP("127.0.0.1", self.srv.port, timeout=30) as s:
            s.ehlo(helo)
            self.assertEqual(s.mail(sender)[0], 250)
            return s.rcpt(rcpt)

    def send(self, rcpt, *more, sender="a@c.example"):
        with smtplib.SMTP("127.0.0.1", self.srv.port, timeout=30) as s:
            s.ehlo("client.example")
            s.mail(sender)
            for r in (rcpt,) + more:
                self.assertEqual(s.rcpt(r)[0], 250, r)
            code, text = s.data(b"Subject: t\r\n\r\nbody\r\n")
            self.assertEqual(code, 250, text)
            return text.decode().split()[-1]

    def test_access_replies(self):
        cases = [("rej@test.example", 554,
                  "5.7.1 <rej@test.example>: Recipient address rejected: "
                  "no way"),
                 ("def@test.example", 450, "4.7.1 <def@test.example>: "
                  "Recipient address rejected: later"),
                 ("c5@test.example", 550, "5.1.1 <c5@test.example>: "
                  "Recipient address rejected: gone away"),
                 ("c4@test.example", 451, "4.7.0 <c4@test.example>: "
                  "Recipient address rejected: busy now"),
                 ("cls@test.example", 554, "5.7.1 <cls@test.example>: "
                  "Recipient address rejected: Access denied"),
                 ("nobody@test.example", 550, "5.1.1 <nobody@test.example>: "
                  "Recipient address rejected: User unknown in local "
                  "recipient table"),
                 ("u@remote.example", 554, "5.7.1 <u@remote.example>: Relay "
                  "access denied"),
                 ("user", 504, "5.5.2 <user>: Recipient address rejected: "
                  "need fully-qualified address")]
        for rcpt, code, text in cases:
            got = self.rcpt(rcpt)
            self.assertEqual(got, (code, text.encode()), rcpt)
        for rcpt in ("ok@test.example", "dunno@test.example",
                     "known@test.example", "warned@test.example"):
            self.assertEqual(self.rcpt(rcpt)[0], 250, rcpt)
        self.srv.inst.wait_log(r"NOQUEUE: reject: RCPT from localhost\[127\."
                               r"0\.0\.1\]: 554 5\.7\.1 <rej@test\.example>: "
                               r"Recipient address rejected: no way; "
                               r"from=<a@c\.example> to=<rej@test\.example> "
                               r"proto=ESMTP helo=<client\.example>")
        self.srv.inst.wait_log(r"reject_warning: RCPT from .*"
                               r"<warned@test\.example>")

    def test_sender_and_helo(self):
        # smtpd_delay_reject = yes: all answered at RCPT time.
        self.assertEqual(self.rcpt("known@test.example",
                                   sender="spam@bad.example")[0], 554)
        got = self.rcpt("known@test.example", sender="x@sub.worse.example")
        self.assertEqual(got, (554, b"5.7.1 <x@sub.worse.example>: Sender "
                                    b"address rejected: whole domain"))
        self.assertEqual(self.rcpt("known@test.example", sender="nodomain")[0],
                         504)
        self.assertEqual(self.rcpt("known@test.example", sender="")[0], 250)
        got = self.rcpt("known@test.example", helo="evil.example")
        self.assertEqual(got, (554, b"5.7.1 <evil.example>: Helo command "
                                    b"rejected: evil helo"))
        got = self.rcpt("known@test.example", helo="bad!name")
        self.assertEqual(got[0], 501)

    def test_policy(self):
        before = len(self.policy.requests)
        got = self.rcpt("grey@test.example")
        self.assertEqual(got, (450, b"4.7.1 <grey@test.example>: Recipient "
                                    b"address rejected: Greylisted, try "
                                    b"later"))
        got = self.rcpt("polrej@test.example")
        self.assertEqual(got[0], 554)
        self.assertIn(b"policy says no", got[1])
        self.assertEqual(self.rcpt("known@test.example")[0], 250)
        req = self.policy.requests[before]
        self.assertEqual(req["request"], "smtpd_access_policy")
        self.assertEqual(req["protocol_state"], "RCPT")
        self.assertEqual(req["protocol_name"], "ESMTP")
        self.assertEqual(req["helo_name"], "client.example")
        self.assertEqual(req["sender"], "a@c.example")
        self.assertEqual(req["recipient"], "grey@test.example")
        self.assertEqual(req["client_address"], "127.0.0.1")
        self.assertEqual(req["client_name"], "localhost")
        self.assertEqual(req["recipient_count"], "0")
        for key in ("queue_id", "instance", "reverse_client_name", "size",
                    "sasl_username"):
            self.assertIn(key, req)

    def test_hold(self):
        qid = self.send("hold@test.example")
        self.assertIn(qid, files(self.srv.inst, "hold"))
        self.assertNotIn(qid, files(self.srv.inst, "incoming"))
        self.srv.inst.wait_log(r"NOQUEUE: hold: RCPT from .*: "
                               r"<hold@test\.example>: Recipient address "
                               r"triggers HOLD action")

    def test_late_hold_and_redirect(self):
        # HOLD and REDIRECT decided after the queue file is open (at the
        # second RCPT) still decide the message's fate.
        qid = self.send("known@test.example", "hold@test.example")
        self.assertIn(qid, files(self.srv.inst, "hold"))
        self.assertNotIn(qid, files(self.srv.inst, "incoming"))
        qid = self.send("known@test.example", "redir@test.example")
        qf = QueueFile(os.path.join(self.srv.inst.queue_dir, "incoming", qid))
        self.assertEqual(set(qf.rcpts), {"known@test.example"})
        qid = self.send("ok@test.example", "filt@test.example")
        qf = QueueFile(os.path.join(self.srv.inst.queue_dir, "incoming", qid))
        self.assertEqual(qf.attrs.get("content_filter"),
                         "smtp:[127.0.0.1]:10025")

    def test_discard(self):
        before = set(files(self.srv.inst, "incoming") +
                     files(self.srv.inst, "hold"))
        qid = self.send("disc@test.example")
        after = set(files(self.srv.inst, "incoming") +
                    files(self.srv.inst, "hold"))
        self.assertNotIn(qid, after)
        self.assertEqual(after - before, set())
        self.srv.inst.wait_log(r"discard: RCPT from .*<disc@test\.example>: "
                               r"Recipient address triggers DISCARD action")

    def test_prepend_filter_redirect(self):
        for rcpt in ("prep@test.example", "filt@test.example",
                     "redir@test.example"):
            qid = self.send(rcpt)
            self.assertIn(qid, files(self.srv.inst, "incoming"))
            if rcpt.startswith("prep@"):
                qf = QueueFile(os.path.join(self.srv.inst.queue_dir,
                                            "incoming", qid))
                self.assertEqual(qf.header("X-Tag"), ["tagged"])
        self.srv.inst.wait_log(r"filter: RCPT from .*<filt@test\.example>: "
                               r"Recipient address triggers FILTER "
                               r"smtp:\[127\.0\.0\.1\]:10025")
        self.srv.inst.wait_log(r"redirect: RCPT from .*<redir@test\.example>"
                               r": Recipient address triggers REDIRECT "
                               r"known@test\.example")


    def test_prepend_at_end_of_data(self):
        # As Postfix: too late for a header; accepted, with a warning.
        qid = self.send("known@test.example", sender="late@c.example")
        qf = QueueFile(os.path.join(self.srv.inst.queue_dir, "incoming", qid))
        self.assertEqual(qf.header("X-Late"), [])
        self.srv.inst.wait_log(r"warning: .*with smtpd_end_of_data_"
                               r"restrictions, action PREPEND is "
                               r"unavailable: X-Late: yes")


class DelayRejectTest(unittest.TestCase):
    """smtpd_delay_reject = no: each list at its own command."""

    def setUp(self):
        why = usable()
        if why:
            self.skipTest(why)
        self.srv = Server("smtpd-nodelay", {
            "smtpd_delay_reject": "no", "local_recipient_maps": "",
            "smtpd_helo_restrictions": "reject_non_fqdn_helo_hostname",
            "smtpd_sender_restrictions": "reject_non_fqdn_sender"},
            real_cleanup=True)
        self.addCleanup(self.srv.close)

    def test_no_delay(self):
        c = self.srv.raw()
        self.assertEqual(c.reply()[0], 220)
        code, text = c.cmd("HELO shortname\r\n")
        self.assertEqual(code, 504)
        self.assertIn("need fully-qualified hostname", text[0])
        self.assertEqual(c.cmd("HELO host.example\r\n")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a>\r\n")[0], 504)
        self.assertEqual(c.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<u@test.example>\r\n")[0], 250)
        c.close()


class ClientRejectTest(unittest.TestCase):
    """smtpd_delay_reject = no with a client refused at connect: the
    refusal replaces the greeting, every command but QUIT gets 503."""

    def setUp(self):
        why = usable()
        if why:
            self.skipTest(why)
        self.srv = Server("smtpd-clientrej", {
            "smtpd_delay_reject": "no", "local_recipient_maps": "",
            "smtpd_client_restrictions": "reject"}, real_cleanup=True)
        self.addCleanup(self.srv.close)

    def test_refused_client(self):
        c = self.srv.raw()
        self.assertEqual(c.reply()[0], 554)
        for cmd in ("EHLO host.example", "MAIL FROM:<a@c.example>",
                    "RCPT TO:<u@test.example>", "DATA", "NOOP"):
            code, text = c.cmd(cmd + "\r\n")
            self.assertEqual(code, 503, cmd)
            self.assertIn("5.7.0 Error: access denied for", text[0])
        self.assertEqual(c.cmd("QUIT\r\n")[0], 221)
        c.close()


class AnvilTest(unittest.TestCase):
    def setUp(self):
        why = usable()
        if why or not built("anvil"):
            self.skipTest(why or "anvil not built")
        self.srv = Server("smtpd-anvil", {
            "local_recipient_maps": "",
            "smtpd_client_connection_count_limit": "1",
            "smtpd_client_connection_rate_limit": "3",
            "smtpd_client_message_rate_limit": "1"}, maxproc="5",
            real_cleanup=True)
        self.addCleanup(self.srv.close)

    def test_limits(self):
        c1 = self.srv.raw()
        self.assertEqual(c1.reply()[0], 220)
        self.assertEqual(c1.cmd("EHLO c.example\r\n")[0], 250)
        self.assertEqual(c1.cmd("MAIL FROM:<a@c.example>\r\n")[0], 250)
        self.assertEqual(c1.cmd("RSET\r\n")[0], 250)
        self.assertEqual(c1.cmd("MAIL FROM:<a@c.example>\r\n"),
                         (450, ["4.7.1 Error: too much mail from 127.0.0.1"]))
        c2 = self.srv.raw()
        self.assertEqual(c2.reply(), (421, ["4.7.0 test.example Error: too "
                                            "many connections from "
                                            "127.0.0.1"]))
        c2.close()
        self.assertEqual(c1.cmd("QUIT\r\n")[0], 221)
        c1.close()
        self.srv.inst.wait_log(r"warning: Connection concurrency limit "
                               r"exceeded: 2 from localhost\[127\.0\.0\.1\]")
        self.srv.inst.wait_log(r"disconnect from localhost\[127\.0\.0\.1\].*"
                               r"quit=1")
        c3 = self.srv.raw()
        self.assertEqual(c3.reply()[0], 220)
        c3.cmd("QUIT\r\n")
        c3.close()
        self.srv.inst.wait_log(r"(?s)quit=1.*quit=1")
        c4 = self.srv.raw()
        self.assertEqual(c4.reply()[0], 421)
        c4.close()
        self.srv.inst.wait_log(r"warning: Connection rate limit exceeded: 4 "
                               r"from localhost\[127\.0\.0\.1\] for service")


if __name__ == "__main__":
    unittest.main()
