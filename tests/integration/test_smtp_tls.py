"""test_smtp_tls - the smtp client's STARTTLS and AUTH against
tls_sink.TlsSink (Python's ssl) with certificates from a throwaway CA
made per test class with the openssl command.

Requests come from deliver_client.deliver() as in test_smtp.  Servers
are reached as [localhost]:port (smtp_host_lookup = native, IPv4) so
that certificate names can be checked."""
import os
import re
import shutil
import unittest

from deliver_client import FakeBounce, deliver
from instance import Instance, TMP, built, default_master_cf
from qfile_reader import QueueFile
from qfile_writer import write_queue_file
from tls_sink import TestCA, TlsSink

MASTER_CF = "smtp      unix  -       -       n       -       -       smtp\n"
USERS = {"relayuser": "s3cret"}


def have_openssl():
    return shutil.which("openssl") is not None


class _Base(unittest.TestCase):
    """An instance per test; a CA, a good and a wrong-name certificate per
    class; the sasl table and extra main.cf settings from the test."""

    main_cf = {}

    @classmethod
    def setUpClass(cls):
        if not have_openssl():
            raise unittest.SkipTest("no openssl command")
        cls.ca_dir = os.path.join(TMP, "ca-%s-%d" % (cls.__name__,
                                                     os.getpid()))
        cls.ca = TestCA(cls.ca_dir)
        cls.good = cls.ca.issue("good", ["localhost"])
        cls.wrong = cls.ca.issue("wrong", ["other.example"])
        cls.other_ca = TestCA(os.path.join(cls.ca_dir, "other"),
                              name="Some Other CA")
        os.chmod(cls.ca_dir, 0o755)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.ca_dir, ignore_errors=True)

    def start(self, tables=None, **settings):
        """An instance with settings; tables maps a parameter to the
        lines of a texthash: table made for it."""
        if not built("smtp"):
            self.skipTest("smtp not built")
        cf = {"smtp_connect_timeout": "5s", "smtp_host_lookup": "native",
              "inet_protocols": "ipv4", "smtp_helo_timeout": "10s"}
        cf.update(self.main_cf)
        cf.update(settings)
        self.inst = Instance(name="smtptls", main_cf=cf,
                             master_cf=MASTER_CF + default_master_cf())
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        for param, lines in (tables or {}).items():
            path = os.path.join(self.inst.root, param)
            with open(path, "w") as f:
                f.write("".join(l + "\n" for l in lines))
            os.chmod(path, 0o644)
            self.inst.write_main_cf({param: "texthash:" + path})
        self.bounce = FakeBounce(self.inst.queue_dir)
        self.addCleanup(self.bounce.close)
        self.inst.start()

    def sink(self, **kw):
        s = TlsSink(**kw)
        self.addCleanup(s.close)
        return s

    def send(self, sink, rcpt="a@example.com", host="localhost"):
        _, path = write_queue_file(self.inst.queue_dir, "active",
                                   rcpts=[rcpt], body=("body",))
        qf = QueueFile(path)
        rcpts = [dict(r, notify=0) for r in qf.rcpt_records]
        sock = os.path.join(self.inst.queue_dir, "private", "smtp")
        return qf, deliver(sock, qf, rcpts,
                           nexthop="[%s]:%d" % (host, sink.port))

    def defer_reason(self):
        defer = self.bounce.entries("defer")
        self.assertEqual(len(defer), 1, defer)
        return defer[0]


class SaslTest(_Base):
    """Client AUTH (issue 10 item 4)."""

    def restart_with_sasl(self, sink, password="s3cret", **settings):
        line = "[localhost]:%d relayuser:%s" % (sink.port, password)
        self.start(tables={"smtp_sasl_password_maps": [line]},
                   smtp_sasl_auth_enable="yes", **settings)

    def test_plaintext_auth_when_allowed(self):
        sink = self.sink(users=USERS, auth_plaintext=True, require_auth=True)
        self.restart_with_sasl(sink, smtp_sasl_security_options="noanonymous")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.auths, [("PLAIN", "relayuser", True, False)])

    def test_login_when_filtered(self):
        sink = self.sink(users=USERS, auth_plaintext=True, require_auth=True)
        self.restart_with_sasl(sink, smtp_sasl_security_options="",
                               smtp_sasl_mechanism_filter="login")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.auths, [("LOGIN", "relayuser", True, False)])

    def test_default_options_no_plaintext_auth(self):
        sink = self.sink(users=USERS, auth_plaintext=True, require_auth=True)
        self.restart_with_sasl(sink)
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "D", self.inst.log())
        self.assertEqual(sink.auths, [])
        self.assertFalse([c for c in sink.commands if c.startswith("AUTH")])
        d = self.defer_reason()
        self.assertIn("SASL authentication failed; cannot authenticate to "
                      "server localhost[127.0.0.1]: no mechanism available",
                      d["reason"])

    def test_wrong_password_defers(self):
        sink = self.sink(users=USERS, auth_plaintext=True, require_auth=True)
        self.restart_with_sasl(sink, password="wrong",
                               smtp_sasl_security_options="noanonymous")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "D", self.inst.log())
        self.assertEqual(sink.messages, [])
        d = self.defer_reason()
        self.assertEqual(d["dsn_status"], "4.7.8")
        self.assertEqual(d["reason"], "SASL authentication failed; server "
                         "localhost[127.0.0.1] said: 535 5.7.8 Error: "
                         "authentication failed: bad password")
        self.inst.wait_log(r"%s: to=<a@example.com>, relay=localhost"
                           r"\[127\.0\.0\.1\]:%d, .*status=deferred \(SASL "
                           r"authentication failed; server localhost"
                           r"\[127\.0\.0\.1\] said: 535 " %
                           (qf.queue_id, sink.port), timeout=10)

    def test_no_entry_no_auth(self):
        sink = self.sink(users=USERS, auth_plaintext=True)
        self.start(smtp_sasl_auth_enable="yes",
                   smtp_sasl_security_options="noanonymous")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.auths, [])


class TlsTest(_Base):
    """Client TLS (issue 10 item 2)."""

    def good_sink(self, **kw):
        return self.sink(cert=self.good[0], key=self.good[1], **kw)

    def test_may_with_starttls(self):
        sink = self.good_sink()
        self.start(smtp_tls_security_level="may")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.tls_mail, [True])
        self.assertEqual(len([c for c in sink.commands
                              if c.startswith("EHLO")]), 2)
        self.inst.wait_log(r"Untrusted TLS connection established to "
                           r"localhost\[127\.0\.0\.1\]:%d: TLSv1\.[23] with "
                           r"cipher \S+ \(\d+/\d+ bits\)" % sink.port)
        self.inst.wait_log(r"to=<a@example.com>, relay=localhost\[127\.0\.0"
                           r"\.1\]:%d, .*status=sent" % sink.port)

    def test_may_without_starttls(self):
        sink = self.sink()
        self.start(smtp_tls_security_level="may")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.tls_mail, [False])

    def test_may_falls_back_after_failed_handshake(self):
        # The server's key does not match its certificate: no handshake.
        sink = self.sink(cert=self.good[0], key=self.good[1])
        sink.ctx.maximum_version = sink.ctx.minimum_version = \
            __import__("ssl").TLSVersion.TLSv1_2
        self.start(smtp_tls_security_level="may",
                   smtp_tls_protocols=">=TLSv1.3")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.tls_mail, [False])
        self.assertEqual(sink.connections, 2)

    def test_encrypt_without_starttls_defers(self):
        sink = self.sink()
        self.start(smtp_tls_security_level="encrypt")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "D")
        self.assertEqual(sink.messages, [])
        d = self.defer_reason()
        self.assertEqual(d["reason"], "TLS is required, but was not offered "
                         "by host localhost[127.0.0.1]")
        self.inst.wait_log(r"status=deferred \(TLS is required, but was not "
                           r"offered by host localhost\[127\.0\.0\.1\]\)")

    def test_verify_right_ca(self):
        sink = self.good_sink()
        self.start(smtp_tls_security_level="verify",
                   smtp_tls_CAfile=self.ca.cert)
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.tls_mail, [True])
        self.inst.wait_log(r"Verified TLS connection established to "
                           r"localhost\[127\.0\.0\.1\]:%d: TLSv1\.[23] with "
                           r"cipher \S+ \(\d+/\d+ bits\)" % sink.port)

    def test_verify_wrong_ca_defers(self):
        sink = self.good_sink()
        self.start(smtp_tls_security_level="verify",
                   smtp_tls_CAfile=self.other_ca.cert)
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "D", self.inst.log())
        self.assertEqual(sink.messages, [])
        self.assertIn("Server certificate not trusted",
                      self.defer_reason()["reason"])

    def test_secure_name_mismatch_defers(self):
        sink = self.sink(cert=self.wrong[0], key=self.wrong[1])
        self.start(smtp_tls_security_level="secure",
                   smtp_tls_CAfile=self.ca.cert)
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "D", self.inst.log())
        self.assertEqual(sink.messages, [])
        reason = self.defer_reason()["reason"]
        self.assertIn("Server certificate not verified", reason)
        self.assertIn("localhost", reason)  # the expected name

    def test_policy_map_selects_encrypt(self):
        strict, loose = self.sink(), self.sink()
        self.start(tables={"smtp_tls_policy_maps":
                           ["[localhost]:%d encrypt" % strict.port]})
        qf, r = self.send(strict)
        self.assertEqual(r["results"], "D", self.inst.log())
        self.assertIn("TLS is required", self.defer_reason()["reason"])
        qf, r = self.send(loose)
        self.assertEqual(r["results"], "S", self.inst.log())

    def test_sni(self):
        sink = self.good_sink()
        self.start(smtp_tls_security_level="may",
                   smtp_tls_servername="hostname")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.sni, ["localhost"])

    def test_auth_plain_over_tls(self):
        sink = self.good_sink(users=USERS, require_auth=True)
        line = "[localhost]:%d relayuser:s3cret" % sink.port
        self.start(tables={"smtp_sasl_password_maps": [line]},
                   smtp_tls_security_level="encrypt",
                   smtp_sasl_auth_enable="yes")
        qf, r = self.send(sink)
        self.assertEqual(r["results"], "S", self.inst.log())
        self.assertEqual(sink.auths, [("PLAIN", "relayuser", True, True)])
        self.assertEqual(sink.tls_mail, [True])


if __name__ == "__main__":
    unittest.main()
