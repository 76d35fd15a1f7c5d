"""test_relay_auth - relaying through a smart host that demands AUTH over
STARTTLS (issue 10's last acceptance item).

Two whole Postern instances on loopback:
  A, the sender: relayhost = [127.0.0.1]:PORT_B, smtp_tls_security_level
     = encrypt with the test CA, smtp_sasl_auth_enable with a password
     table;
  B, the smart host: STARTTLS with a certificate from the test CA, AUTH
     with the built-in back-end (a table of crypt(3) hashes), relaying only
     for authenticated clients (127.0.0.1 is not in its mynetworks).  B
     hands what it accepts to a scripted Python server (test_smtp.Sink).
A message submitted to A must reach the Sink through B, with B's
Received: header saying ESMTPSA; with a wrong password A must defer it
and say why (the server's 535 reply) in its log and in its queue listing.
"""
import os
import re
import smtplib
import subprocess
import time
import unittest

from instance import Instance, built, free_port
from test_e2e import DAEMONS, FAST_CONF, LOG_COMPLAINTS, MASTER_CF, wait_for
from test_smtp import Sink
from tls_certs import make_ca, make_cert

USER, PASSWORD = "relayuser", "s3cret-Pa55"


def crypt_hash(password):
    """A SHA-512-crypt hash of password, from the openssl command."""
    out = subprocess.run(["openssl", "passwd", "-6", password], check=True,
                         capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


@unittest.skipUnless(os.geteuid() == 0, "instances need root")
@unittest.skipUnless(all(built(d) for d in DAEMONS), "daemons not built")
class RelayAuthTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink(mail_wait=0)
        self.addCleanup(self.sink.sock.close)
        self.addCleanup(setattr, self.sink, "stop", True)
        self.port_a, self.port_b = free_port(), free_port()
        self.b = self.instance("relayb", self.port_b)
        self.a = self.instance("relaya", self.port_a)
        tls = os.path.join(self.b.root, "tls")
        self.ca = make_ca(tls)
        cert, key = make_cert(tls, self.ca, ["smarthost.test"], ["127.0.0.1"])
        users = os.path.join(self.b.config_dir, "sasl_users")
        with open(users, "w") as f:
            f.write("%s %s\n" % (USER, crypt_hash(PASSWORD)))
        transport = os.path.join(self.b.config_dir, "transport")
        with open(transport, "w") as f:
            f.write("far.test smtp:[127.0.0.1]:%d\n" % self.sink.port)
        self.b.write_main_cf({
            "mynetworks": "192.0.2.0/24",
            "smtpd_tls_security_level": "may",
            "smtpd_tls_cert_file": cert,
            "smtpd_tls_key_file": key,
            "smtpd_sasl_auth_enable": "yes",
            "smtpd_sasl_type": "postern",
            "smtpd_sasl_users_maps": "texthash:" + users,
            "smtpd_relay_restrictions":
                "permit_sasl_authenticated, reject_unauth_destination",
            "transport_maps": "texthash:" + transport,
        })
        self.b.start()

    def instance(self, name, port):
        conf = dict(FAST_CONF, mydestination="localhost")
        inst = Instance(name=name, main_cf=conf,
                        master_cf=MASTER_CF.format(port=port))
        inst.__enter__()
        self.addCleanup(inst.__exit__, None, None, None)
        self.addCleanup(self.check_log, inst)
        return inst

    def check_log(self, inst):
        """No daemon complained about main.cf or died."""
        for bad in LOG_COMPLAINTS:
            self.assertNotRegex(inst.log(), bad)

    def start_a(self, password):
        passwords = os.path.join(self.a.config_dir, "sasl_passwd")
        with open(passwords, "w") as f:
            f.write("[127.0.0.1]:%d %s:%s\n" % (self.port_b, USER, password))
        self.a.write_main_cf({
            "relayhost": "[127.0.0.1]:%d" % self.port_b,
            "smtp_tls_security_level": "encrypt",
            "smtp_tls_CAfile": self.ca["cert"],
            "smtp_sasl_auth_enable": "yes",
            "smtp_sasl_password_maps": "texthash:" + passwords,
            "smtp_sasl_tls_security_options": "noanonymous",
        })
        self.a.start()

    def submit(self, subject):
        msg = ("From: <sender@origin.test>\r\nTo: <rcpt@far.test>\r\n"
               "Subject: %s\r\n\r\nrelayed with AUTH\r\n" % subject)
        with smtplib.SMTP("127.0.0.1", self.port_a, timeout=15) as s:
            s.sendmail("sender@origin.test", ["rcpt@far.test"], msg)

    def test_relay_with_auth_over_starttls(self):
        self.start_a(PASSWORD)
        self.submit("authrelay")
        wait_for("the message at the sink", lambda: self.sink.messages, 30)
        data = self.sink.messages[0][1]
        self.assertIn(b"Subject: authrelay", data)
        # B's Received: names A's EHLO, TLS and AUTH (RFC 3848).
        self.assertRegex(data, rb"by \S+ \(Postern\) with ESMTPSA id ")
        self.b.wait_log(r"postern/smtpd\[\d+\]: \w+: client=\S+, "
                        r"sasl_method=PLAIN, sasl_username=%s" % USER,
                        timeout=10)
        self.a.wait_log(r"TLS connection established to \S+\[127\.0\.0\.1\]"
                        r":%d: TLSv1\.[23] with cipher" % self.port_b,
                        timeout=10)
        self.a.wait_log(r"postern/smtp\[\d+\]: \w+: to=<rcpt@far\.test>, "
                        r"relay=\S+\[127\.0\.0\.1\]:%d, .*status=sent"
                        % self.port_b, timeout=10)

    def test_wrong_password_defers_with_reason(self):
        self.start_a("not-the-password")
        self.submit("badpass")
        m = self.a.wait_log(r"postern/smtp\[\d+\]: \w+: to=<rcpt@far\.test>,"
                            r" .*status=deferred \((?P<why>[^\n]*)\)$",
                            timeout=30)
        self.assertRegex(m.group("why"), r"SASL authentication failed")
        self.assertRegex(m.group("why"), r"535")
        self.b.wait_log(r"warning: \S+\[127\.0\.0\.1\]: SASL PLAIN "
                        r"authentication failed", timeout=10)
        listing = self.a.postern("queue", "-p").stdout
        self.assertRegex(listing, r"SASL authentication failed")
        self.assertEqual(self.sink.messages, [])
        time.sleep(0.5)
        self.assertEqual(self.sink.messages, [])


if __name__ == "__main__":
    unittest.main()
