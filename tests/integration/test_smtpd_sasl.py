"""test_smtpd_sasl - SMTP AUTH (RFC 4954) in smtpd(8), with the built-in
back-end (smtpd_sasl_type = postern, users in a texthash: table of
yescrypt and SHA-512-crypt hashes) and with a real Dovecot auth service
(dovecot -F on a private config, base_dir and socket in a temporary
folder).  smtpd_tls_auth_only = no throughout, except for the test that
AUTH is hidden without TLS.  The fake cleanup of test_smtpd.py records
messages, so Received: and the envelope attributes can be read back."""
import base64
import ctypes
import os
import re
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
import unittest

from test_smtpd import Server, skip_reason, wait_for

try:
    from instance import TMP
except ImportError:
    TMP = tempfile.gettempdir()

# fail2ban 1.0.2's filter.d/postfix.conf, mdre-auth, with <HOST> as an
# address group and %(_port)s expanded; applied after "warning: ".
F2B_AUTH = re.compile(
    r"^[^[]*\[(?P<host>[0-9a-fA-F.:]+)\](?::\d+)?: SASL ((?i:LOGIN|PLAIN)|"
    r"(?:CRAM|DIGEST)-MD5) authentication failed:"
    r"(?! Connection lost to authentication server| Invalid authentication "
    r"mechanism)")


def crypt_hash(password, prefix):
    """A crypt(3) hash from libxcrypt: prefix "$y$" or "$6$"."""
    lib = ctypes.CDLL("libcrypt.so.1")
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt.restype = ctypes.c_char_p
    salt = lib.crypt_gensalt(prefix.encode(), 0, None, 0)
    return lib.crypt(password.encode(), salt).decode()


def b64(text):
    return base64.b64encode(text.encode()).decode()


class SaslBase(unittest.TestCase):
    conf = {}

    @classmethod
    def make_server(cls, name, conf):
        why = skip_reason()
        if why:
            raise unittest.SkipTest(why)
        base = {"smtpd_sasl_auth_enable": "yes",
                "smtpd_tls_auth_only": "no",
                "smtpd_hard_error_limit": "50",
                "smtpd_relay_restrictions":
                    "permit_mynetworks, permit_sasl_authenticated, "
                    "reject_unauth_destination"}
        base.update(conf)
        return Server(name, base)

    def session(self):
        c = self.srv.raw()
        c.sock.settimeout(40)  # Dovecot delays answers after failures
        self.assertEqual(c.reply()[0], 220)
        code, lines = c.cmd("EHLO client.example\r\n")
        self.assertEqual(code, 250)
        return c, lines

    def plain(self, user, pw):
        c, _ = self.session()
        code, text = c.cmd(f"AUTH PLAIN {b64(chr(0) + user + chr(0) + pw)}\r\n")
        c.close()
        return code, text

    def login(self, user, pw):
        c, _ = self.session()
        code, text = c.cmd("AUTH LOGIN\r\n")
        self.assertEqual((code, text), (334, ["VXNlcm5hbWU6"]))
        code, text = c.cmd(b64(user) + "\r\n")
        self.assertEqual((code, text), (334, ["UGFzc3dvcmQ6"]))
        code, text = c.cmd(b64(pw) + "\r\n")
        c.close()
        return code, text

    def check_plain_login(self, user, pw):
        self.assertEqual(self.plain(user, pw)[0], 235)
        self.assertEqual(self.login(user, pw)[0], 235)
        code, text = self.plain(user, pw + "x")
        self.assertEqual((code, text[0][:39]),
                         (535, "5.7.8 Error: authentication failed: "[:39]))
        code, text = self.login(user, "wrong")
        self.assertEqual((code, text),
                         (535, ["5.7.8 Error: authentication failed: "
                                "UGFzc3dvcmQ6"]))
        self.assertEqual(self.plain("nobody-here", pw)[0], 535)


class BuiltinTest(SaslBase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sasl-", dir=TMP)
        os.chmod(cls.dir, 0o755)
        users = os.path.join(cls.dir, "users")
        with open(users, "w") as f:
            f.write(f"alice {crypt_hash('alice-pw', '$y$')}\n")
            f.write(f"bob {crypt_hash('bob-pw', '$6$')}\n")
        logins = os.path.join(cls.dir, "logins")
        with open(logins, "w") as f:
            f.write("alice@example.org alice\nbob@example.org bob\n")
        for p in (users, logins):
            os.chmod(p, 0o644)
        cls.srv = cls.make_server("sasl", {
            "smtpd_sasl_type": "postern",
            "smtpd_sasl_users_maps": f"texthash:{users}",
            "smtpd_sender_login_maps": f"texthash:{logins}",
            "smtpd_sender_restrictions": "reject_sender_login_mismatch",
            "smtpd_sasl_authenticated_header": "yes",
            "smtpd_client_event_limit_exceptions": "",
            "smtpd_client_auth_rate_limit": "40"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_ehlo_offers_auth(self):
        c, lines = self.session()
        self.assertIn("AUTH PLAIN LOGIN", lines)
        self.assertFalse([x for x in lines if x.startswith("AUTH=")])
        c.close()

    def test_plain_and_login(self):
        self.check_plain_login("alice", "alice-pw")  # yescrypt
        self.check_plain_login("bob", "bob-pw")      # SHA-512-crypt

    def test_exchange_details(self):
        c, _ = self.session()
        # "=" is an empty initial response: PLAIN then fails at once.
        self.assertEqual(c.cmd("AUTH PLAIN =\r\n")[0], 535)
        self.assertEqual(c.cmd("AUTH PLAIN\r\n"), (334, [""]))
        self.assertEqual(c.cmd("*\r\n"),
                         (501, ["5.7.0 Authentication aborted"]))
        self.assertEqual(c.cmd("AUTH CRAM-MD5\r\n")[0], 504)
        self.assertEqual(c.cmd("AUTH\r\n")[0], 501)
        self.assertEqual(c.cmd("AUTH PLAIN !!!!\r\n")[0], 535)
        self.assertEqual(c.cmd("AUTH LOGIN " + b64("alice") + "\r\n"),
                         (334, ["UGFzc3dvcmQ6"]))
        self.assertEqual(c.cmd(b64("alice-pw") + "\r\n"),
                         (235, ["2.7.0 Authentication successful"]))
        self.assertEqual(c.cmd("AUTH PLAIN =\r\n"),
                         (503, ["5.5.1 Error: already authenticated"]))
        c.close()

    def test_smtplib_and_relay(self):
        with smtplib.SMTP("127.0.0.1", self.srv.port, timeout=10) as s:
            s.ehlo("client.example")
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
                s.sendmail("x@example.org", ["far@remote.example"], b"x\r\n")
            code, text = cm.exception.recipients["far@remote.example"]
            self.assertEqual(code, 554)
            self.assertIn(b"5.7.1 <far@remote.example>: Relay access denied",
                          text)
        before = self.srv.cleanup.count()
        with smtplib.SMTP("127.0.0.1", self.srv.port, timeout=10) as s:
            s.ehlo("client.example")
            s.login("alice", "alice-pw")
            s.sendmail("alice@example.org", ["far@remote.example"],
                       b"Subject: t\r\n\r\nhi\r\n")
        self.assertEqual(self.srv.cleanup.count(), before + 1)
        msg = self.srv.cleanup.messages[-1]
        data = msg["data"].decode()
        self.assertIn("(Authenticated sender: alice)", data)
        self.assertIn("with ESMTPA id", data)
        self.assertEqual(msg["attrs"].get("sasl_username"), "alice")
        self.assertEqual(msg["attrs"].get("sasl_method"), "PLAIN")
        self.srv.inst.wait_log(
            r": client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, "
            r"sasl_username=alice$")

    def mail_rcpt(self, c, sender):
        """MAIL, then RCPT (smtpd_delay_reject: sender checks run there)."""
        self.assertEqual(c.cmd(f"MAIL FROM:<{sender}>\r\n")[0], 250)
        reply = c.cmd("RCPT TO:<postmaster@localhost>\r\n")
        c.cmd("RSET\r\n")
        return reply

    def test_sender_login_mismatch(self):
        c, _ = self.session()
        self.assertEqual(c.cmd("AUTH PLAIN " + b64("\0alice\0alice-pw") +
                               "\r\n")[0], 235)
        self.assertEqual(self.mail_rcpt(c, "alice@example.org")[0], 250)
        self.assertEqual(self.mail_rcpt(c, "bob@example.org"),
                         (553, ["5.7.1 <bob@example.org>: Sender address "
                                "rejected: not owned by user alice"]))
        self.assertEqual(self.mail_rcpt(c, "other@example.org")[0], 553)
        c.close()
        c, _ = self.session()
        self.assertEqual(self.mail_rcpt(c, "bob@example.org"),
                         (553, ["5.7.1 <bob@example.org>: Sender address "
                                "rejected: not logged in"]))
        self.assertEqual(self.mail_rcpt(c, "other@example.org")[0], 250)
        c.close()

    def test_fail2ban_regex(self):
        since = self.srv.inst.log_size()
        self.login("alice", "bad")
        self.plain("alice", "bad")
        m = self.srv.inst.wait_log(
            r"warning: (.*SASL LOGIN authentication failed: UGFzc3dvcmQ6)$",
            since=since)
        f = F2B_AUTH.match(m.group(1))
        self.assertTrue(f, m.group(1))
        self.assertEqual(f.group("host"), "127.0.0.1")
        m = self.srv.inst.wait_log(
            r"warning: (localhost\[127\.0\.0\.1\]: SASL PLAIN authentication "
            r"failed: )$", since=since)
        self.assertTrue(F2B_AUTH.match(m.group(1)))

    @unittest.skipUnless(shutil.which("swaks"), "swaks not installed")
    def test_swaks(self):
        for mech in ("PLAIN", "LOGIN"):
            for pw, want in (("alice-pw", 0), ("nope", 28)):
                r = subprocess.run(
                    ["swaks", "--server", "127.0.0.1", "--port",
                     str(self.srv.port), "--from", "alice@example.org",
                     "--to", "far@remote.example", "--auth", mech,
                     "--auth-user", "alice", "--auth-password", pw],
                    capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, want, r.stdout + r.stderr)


class AnvilAuthTest(SaslBase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_server("sasl-anvil", {
            "smtpd_sasl_type": "postern",
            "smtpd_sasl_users_maps": "inline:{u=x}",
            "smtpd_client_event_limit_exceptions": "",
            "smtpd_client_auth_rate_limit": "2"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_auth_rate(self):
        c, _ = self.session()
        for _ in range(2):
            self.assertEqual(c.cmd("AUTH PLAIN =\r\n")[0], 535)
        self.assertEqual(c.cmd("AUTH PLAIN =\r\n"),
                         (450, ["4.7.1 Error: too many AUTH commands from "
                                "127.0.0.1"]))
        c.close()
        self.srv.inst.wait_log(r"AUTH command rate limit exceeded: 3 from "
                               r"localhost\[127\.0\.0\.1\] for service")


class TlsOnlyTest(SaslBase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_server("sasl-tlsonly", {
            "smtpd_sasl_type": "postern",
            "smtpd_sasl_users_maps": "inline:{u=x}",
            "smtpd_tls_auth_only": "yes"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def test_not_offered_without_tls(self):
        c, lines = self.session()
        self.assertFalse([x for x in lines if x.startswith("AUTH")])
        self.assertEqual(c.cmd("AUTH PLAIN =\r\n")[0], 538)
        c.close()


DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


@unittest.skipUnless(os.path.exists(DOVECOT) and os.geteuid() == 0,
                     "dovecot or root missing")
class DovecotTest(SaslBase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="dovecot-", dir=TMP)
        os.chmod(cls.dir, 0o755)
        cls.socket = os.path.join(cls.dir, "auth-client")
        passwd = os.path.join(cls.dir, "passwd")
        with open(passwd, "w") as f:
            f.write(f"carol:{{SHA512-CRYPT}}{crypt_hash('carol-pw', '$6$')}"
                    "\n")
        conf = os.path.join(cls.dir, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(f"""
protocols =
base_dir = {cls.dir}/run
state_dir = {cls.dir}/state
log_path = {cls.dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = nobody
default_internal_user = nobody
passdb {{
  driver = passwd-file
  args = scheme=SHA512-CRYPT {passwd}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
service auth {{
  unix_listener {cls.socket} {{
    mode = 0666
  }}
}}
service anvil {{
  chroot =
}}
""")
        cls.dovecot = subprocess.Popen([DOVECOT, "-F", "-c", conf],
                                       stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
        try:
            wait_for(cls.socket, timeout=20)
            cls.srv = cls.make_server("sasl-dovecot", {
                "smtpd_sasl_type": "dovecot",
                "smtpd_sasl_path": cls.socket})
        except BaseException:
            cls.stop_dovecot()
            raise

    @classmethod
    def stop_dovecot(cls):
        cls.dovecot.send_signal(signal.SIGTERM)
        try:
            cls.dovecot.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cls.dovecot.kill()
            cls.dovecot.wait()

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.stop_dovecot()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_ehlo(self):
        c, lines = self.session()
        self.assertIn("AUTH PLAIN LOGIN", lines)
        c.close()

    def test_plain_and_login(self):
        self.check_plain_login("carol", "carol-pw")

    def test_a_smtplib(self):
        # First: Dovecot slows down answers after failed logins.
        with smtplib.SMTP("127.0.0.1", self.srv.port, timeout=30) as s:
            s.ehlo("client.example")
            s.login("carol", "carol-pw")
            s.sendmail("carol@example.org", ["far@remote.example"], b"x\r\n")
        time.sleep(0.1)
        self.srv.inst.wait_log(r"sasl_method=(PLAIN|LOGIN), "
                               r"sasl_username=carol$")


if __name__ == "__main__":
    unittest.main()
