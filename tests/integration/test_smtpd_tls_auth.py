"""test_smtpd_tls_auth - what smtpd(8) does with TLS and AUTH together:
AUTH offered only after STARTTLS (smtpd_tls_auth_only = yes, Postern's
default) and a submission-style service as conf/master.cf's commented
entry sets it up; client certificates (smtpd_tls_ask_ccert, _req_ccert,
smtpd_tls_CAfile, permit_tls_clientcerts with relay_clientcerts,
permit_tls_all_clientcerts, check_ccert_access, the ccert_* policy
attributes and the log); and the SASL options smtpd_sasl_local_domain,
smtpd_sasl_exceptions_networks and smtpd_sasl_service (against a fake
Dovecot auth server that records its AUTH lines).

Certificates come from tls_certs (one test CA, and a second CA that the
server does not trust); messages go to test_smtpd's fake cleanup."""
import hashlib
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest

from test_smtpd import Raw, skip_if
from test_smtpd_policy import PolicyServer
from test_smtpd_sasl import b64, crypt_hash
from test_smtpd_tls import CertServer, TLS_CONF, usable
from tls_certs import make_ca, make_cert

try:
    from instance import default_master_cf, free_port, TMP
except ImportError:  # usable() says why
    pass

SUBMISSION = ("  -o smtpd_tls_security_level=encrypt\n"
              "  -o smtpd_sasl_auth_enable=yes\n"
              "  -o smtpd_tls_auth_only=yes\n"
              "  -o smtpd_client_restrictions=permit_sasl_authenticated,"
              "reject\n")


def fingerprint(cert_pem, pkey=False):
    """Postfix's form of a SHA-256 fingerprint: "AB:CD:..."."""
    if pkey:
        der = subprocess.run(
            f"openssl x509 -in {cert_pem} -pubkey -noout | "
            "openssl pkey -pubin -outform DER", shell=True, check=True,
            capture_output=True).stdout
    else:
        with open(cert_pem) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
    return ":".join("%02X" % b for b in hashlib.sha256(der).digest())


def make_certs():
    """Server certificate, a trusted client and an untrusted client."""
    os.makedirs(TMP, exist_ok=True)
    d = tempfile.mkdtemp(prefix="tls-auth-", dir=TMP)
    os.chmod(d, 0o755)
    ca = make_ca(d)
    other = make_ca(d, name="Other Test CA", stem="other-ca")
    make_cert(d, ca, ["test.example"], ["127.0.0.1"], stem="server",
              readable=True)
    make_cert(d, ca, ["client.example"], stem="client", readable=True)
    make_cert(d, other, ["stranger.example"], stem="stranger", readable=True)
    return d


class Srv(CertServer):
    """An instance whose smtpd services are (port name, -o lines)."""

    def __init__(self, name, main_cf, services):
        self.certs = make_certs()
        self.ports = {}
        conf = dict(TLS_CONF, **{
            "smtpd_timeout": "10s",
            "smtpd_tls_cert_file": f"{self.certs}/server.pem",
            "smtpd_tls_key_file": f"{self.certs}/server.key"})
        conf.update(main_cf(self.certs) if callable(main_cf) else main_cf)
        master = default_master_cf()
        for sname, opts in services:
            self.ports[sname] = free_port()
            master += (f"127.0.0.1:{self.ports[sname]} inet n - n - - "
                       f"smtpd\n{opts}")
        self.start(name, conf, master)

    def raw(self, sname):
        c = Raw(socket.create_connection(("127.0.0.1", self.ports[sname]),
                                         timeout=10))
        assert c.reply()[0] == 220
        return c

    def starttls(self, sname, client=None):
        """A Raw over TLS after EHLO and STARTTLS (no EHLO after it)."""
        c = self.raw(sname)
        assert c.cmd("EHLO client.example\r\n")[0] == 250
        assert c.cmd("STARTTLS\r\n")[0] == 220
        return Raw(self.context(client).wrap_socket(
            c.sock, server_hostname="test.example"))


def users_table(prefix, line):
    """A new folder under TMP (prefix) holding a table "users" of one
    line: (folder, path of the table)."""
    os.makedirs(TMP, exist_ok=True)
    d = tempfile.mkdtemp(prefix=prefix, dir=TMP)
    os.chmod(d, 0o755)
    users = os.path.join(d, "users")
    with open(users, "w") as f:
        f.write(line)
    os.chmod(users, 0o644)
    return d, users


def send(c, sender, rcpt):
    """MAIL, RCPT and DATA: the reply to the first command that fails,
    or the end of DATA's."""
    for cmd in (f"MAIL FROM:<{sender}>", f"RCPT TO:<{rcpt}>", "DATA"):
        code, text = c.cmd(cmd + "\r\n")
        if code >= 400:
            c.cmd("RSET\r\n")
            return code, text
    return c.cmd("Subject: t\r\n\r\nhi\r\n.\r\n")


class AuthAfterStarttls(unittest.TestCase):
    """Item 1 of issue 10's list: AUTH only under TLS, and submission."""

    @classmethod
    def setUpClass(cls):
        skip_if(usable())
        cls.dir, users = users_table(
            "tls-auth-users-", f"alice {crypt_hash('alice-pw', '$y$')}\n")
        cls.srv = Srv("smtpd-tls-auth", {
            "smtpd_tls_security_level": "may",
            "smtpd_sasl_auth_enable": "yes",
            "smtpd_sasl_type": "postern",
            "smtpd_sasl_users_maps": f"texthash:{users}",
            "smtpd_relay_restrictions":
                "permit_mynetworks, permit_sasl_authenticated, "
                "reject_unauth_destination"},
            [("smtp", ""), ("submission", SUBMISSION)])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_auth_listed_only_after_starttls(self):
        c = self.srv.raw("smtp")
        code, lines = c.cmd("EHLO client.example\r\n")
        self.assertIn("STARTTLS", lines)
        self.assertFalse([x for x in lines if x.startswith("AUTH")])
        self.assertEqual(c.cmd("AUTH PLAIN =\r\n")[0], 538)
        self.assertEqual(c.cmd("STARTTLS\r\n")[0], 220)
        t = Raw(self.srv.context().wrap_socket(
            c.sock, server_hostname="test.example"))
        code, lines = t.cmd("EHLO client.example\r\n")
        self.assertIn("AUTH PLAIN LOGIN", lines)
        self.assertNotIn("STARTTLS", lines)
        self.assertEqual(t.cmd("AUTH PLAIN " + b64("\0alice\0alice-pw") +
                               "\r\n"),
                         (235, ["2.7.0 Authentication successful"]))
        self.assertEqual(send(t, "alice@example.org", "far@remote.example"
                              )[0], 250)
        t.cmd("QUIT\r\n")
        t.close()

    def test_smtplib_starttls_login(self):
        before = self.srv.cleanup.count()
        with smtplib.SMTP("127.0.0.1", self.srv.ports["smtp"],
                          timeout=10) as s:
            s.ehlo("client.example")
            self.assertFalse(s.has_extn("auth"))
            s.starttls(context=self.srv.context())
            s.ehlo("client.example")
            self.assertTrue(s.has_extn("auth"))
            s.login("alice", "alice-pw")
            s.sendmail("alice@example.org", ["far@remote.example"],
                       b"Subject: t\r\n\r\nhi\r\n")
        self.assertEqual(self.srv.cleanup.count(), before + 1)
        msg = self.srv.cleanup.messages[-1]
        self.assertEqual(msg["attrs"].get("sasl_username"), "alice")
        self.assertIn("with ESMTPSA id", msg["data"].decode())

    @unittest.skipUnless(shutil.which("swaks"), "swaks not installed")
    def test_swaks_tls_auth_plain(self):
        for pw, want in (("alice-pw", 0), ("nope", 28)):
            r = subprocess.run(
                ["swaks", "--server", "127.0.0.1", "--port",
                 str(self.srv.ports["smtp"]), "--tls", "--auth", "PLAIN",
                 "--auth-user", "alice", "--auth-password", pw,
                 "--from", "alice@example.org", "--to", "far@remote.example"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, want, r.stdout + r.stderr)

    def test_submission_mail_before_starttls(self):
        c = self.srv.raw("submission")
        code, lines = c.cmd("EHLO client.example\r\n")
        self.assertIn("STARTTLS", lines)
        self.assertFalse([x for x in lines if x.startswith("AUTH")])
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.org>\r\n"),
                         (530, ["5.7.0 Must issue a STARTTLS command first"]))
        c.cmd("QUIT\r\n")
        c.close()

    def test_submission_with_auth(self):
        before = self.srv.cleanup.count()
        t = self.srv.starttls("submission")
        self.assertEqual(t.cmd("EHLO client.example\r\n")[0], 250)
        self.assertEqual(t.cmd("AUTH PLAIN " + b64("\0alice\0alice-pw") +
                               "\r\n")[0], 235)
        self.assertEqual(send(t, "alice@example.org", "far@remote.example"
                              )[0], 250)
        t.cmd("QUIT\r\n")
        t.close()
        self.assertEqual(self.srv.cleanup.count(), before + 1)

    def test_submission_without_auth(self):
        t = self.srv.starttls("submission")
        self.assertEqual(t.cmd("EHLO client.example\r\n")[0], 250)
        code, text = send(t, "alice@example.org", "postmaster@localhost")
        self.assertEqual(code, 554)
        self.assertIn("Client host rejected: Access denied", text[0])
        t.cmd("QUIT\r\n")
        t.close()


class ClientCerts(unittest.TestCase):
    """Client certificates, fingerprints and the restrictions on them."""

    @classmethod
    def setUpClass(cls):
        skip_if(usable())
        cls.policy = PolicyServer()

        def conf(certs):
            relay = os.path.join(certs, "relay_clientcerts")
            with open(relay, "w") as f:
                f.write(f"{fingerprint(certs + '/client.pem')} client\n")
            banned = os.path.join(certs, "ccert_access")
            with open(banned, "w") as f:
                f.write(f"{fingerprint(certs + '/stranger.pem', True)} "
                        "REJECT certificate banned\n")
            for p in (relay, banned):
                os.chmod(p, 0o644)
            # Level 3.6 and up: smtpd_tls_fingerprint_digest = sha256.
            return {"compatibility_level": "3.7",
                    "smtpd_tls_security_level": "may",
                    "smtpd_tls_ask_ccert": "yes",
                    "smtpd_tls_CAfile": f"{certs}/ca.pem",
                    "relay_clientcerts": f"texthash:{relay}",
                    "smtpd_sender_restrictions":
                        f"check_ccert_access texthash:{banned}",
                    "smtpd_relay_restrictions":
                        "permit_mynetworks, permit_tls_clientcerts, "
                        "reject_unauth_destination",
                    "smtpd_recipient_restrictions":
                        "check_policy_service "
                        f"inet:127.0.0.1:{cls.policy.port}"}
        cls.srv = Srv("smtpd-ccert", conf, [
            ("smtp", ""),
            ("all", "  -o smtpd_relay_restrictions=permit_tls_all_clientcerts"
                    ",reject_unauth_destination\n"),
            ("req", "  -o smtpd_tls_security_level=encrypt\n"
                    "  -o smtpd_tls_req_ccert=yes\n")])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.policy.sock.close()

    def relay(self, sname, client):
        t = self.srv.starttls(sname, client)
        self.assertEqual(t.cmd("EHLO client.example\r\n")[0], 250)
        reply = send(t, "a@client.example", "far@remote.example")
        t.cmd("QUIT\r\n")
        t.close()
        return reply

    def test_relay_by_fingerprint(self):
        self.assertEqual(self.relay("smtp", "client")[0], 250)
        self.assertEqual(self.relay("smtp", None)[0], 554)
        self.assertEqual(self.relay("smtp", "stranger")[0], 554)

    def test_log_and_policy_attributes(self):
        since = self.srv.inst.log_size()
        self.relay("smtp", "client")
        fp = fingerprint(self.srv.certs + "/client.pem")
        self.srv.inst.wait_log(
            r"Trusted TLS connection established from "
            r"localhost\[127\.0\.0\.1\]", since=since)
        self.srv.inst.wait_log(
            r"localhost\[127\.0\.0\.1\]: Trusted: subject_CN=client\.example,"
            r" issuer_CN=Postern Test CA, fingerprint=" + fp +
            r", pkey_fingerprint=" +
            fingerprint(self.srv.certs + "/client.pem", True), since=since)
        req = [r for r in self.policy.requests
               if r.get("ccert_fingerprint") == fp]
        self.assertTrue(req)
        self.assertEqual(req[-1]["ccert_subject"], "client.example")
        self.assertEqual(req[-1]["ccert_issuer"], "Postern Test CA")
        self.assertEqual(req[-1]["ccert_pubkey_fingerprint"], fingerprint(
            self.srv.certs + "/client.pem", True))
        n = len(self.policy.requests)
        t = self.srv.starttls("smtp")
        t.cmd("EHLO client.example\r\n")
        self.assertEqual(send(t, "a@client.example", "postmaster@localhost"
                              )[0], 250)
        t.close()
        req = self.policy.requests[n]
        self.assertEqual((req["ccert_subject"], req["ccert_fingerprint"]),
                         ("", ""))

    def test_untrusted_certificate(self):
        since = self.srv.inst.log_size()
        code, text = self.relay("smtp", "stranger")
        self.assertEqual(code, 554)  # check_ccert_access, by public key
        self.assertIn("certificate banned", text[0])
        self.srv.inst.wait_log(
            r"Untrusted TLS connection established from "
            r"localhost\[127\.0\.0\.1\]", since=since)
        self.srv.inst.wait_log(r"Untrusted: subject_CN=stranger\.example, "
                               r"issuer_CN=Other Test CA", since=since)

    def test_all_clientcerts(self):
        self.assertEqual(self.relay("all", "client")[0], 250)
        self.assertEqual(self.relay("all", None)[0], 554)

    def test_s_client_cert(self):
        certs = self.srv.certs
        r = subprocess.run(
            ["openssl", "s_client", "-connect",
             f"127.0.0.1:{self.srv.ports['all']}", "-starttls", "smtp",
             "-CAfile", f"{certs}/ca.pem", "-cert", f"{certs}/client.pem",
             "-key", f"{certs}/client.key", "-quiet"],
            input=b"EHLO client.example\r\nMAIL FROM:<a@client.example>\r\n"
                  b"RCPT TO:<far@remote.example>\r\nQUIT\r\n",
            capture_output=True, timeout=30)
        out = r.stdout.decode(errors="replace")
        self.assertIn("250 2.1.5 Ok", out)

    def test_req_ccert(self):
        for client, why in ((None, "No client certificate presented"),
                            ("stranger", "Client certificate not verified")):
            t = self.srv.starttls("req", client)
            code, text = t.reply()
            self.assertEqual(code, 421)
            self.assertTrue(text[0].startswith("4.7.1 "), text)
            self.assertTrue(text[0].endswith(" Error: " + why), text)
            t.close()
            self.srv.inst.wait_log(r"NOQUEUE: abort: TLS from "
                                   r"localhost\[127\.0\.0\.1\]: " + why)
        self.assertEqual(self.relay("req", "client")[0], 250)
        t = self.srv.starttls("req", "client")
        self.assertEqual(t.cmd("EHLO client.example\r\n")[0], 250)
        self.assertEqual(send(t, "a@client.example", "postmaster@localhost"
                              )[0], 250)
        t.close()


class FakeDovecot:
    """Dovecot's auth protocol on a UNIX socket: accepts every PLAIN
    login, answers with user=NAME, and keeps the AUTH lines."""

    def __init__(self, path):
        self.lines = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        self.sock.listen(8)
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        for _ in range(1000):
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,),
                             daemon=True).start()

    def serve(self, conn):
        import base64
        with conn:
            f = conn.makefile("rwb")
            f.write(b"VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nSPID\t1\n"
                    b"CUID\t1\nCOOKIE\t00\nDONE\n")
            f.flush()
            for _ in range(100):
                line = f.readline().decode().rstrip("\n")
                if not line:
                    return
                fields = line.split("\t")
                if fields[0] != "AUTH":
                    continue
                self.lines.append(fields)
                resp = [x[5:] for x in fields if x.startswith("resp=")]
                user = base64.b64decode(resp[0]).split(b"\0")[1].decode() \
                    if resp else "nobody"
                f.write(f"OK\t{fields[1]}\tuser={user}\n".encode())
                f.flush()


class SaslOptions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        skip_if(usable())
        cls.dir, users = users_table(
            "sasl-opts-",
            f"alice@example.com {crypt_hash('alice-pw', '$6$')}\n")
        cls.dovecot = FakeDovecot(os.path.join(cls.dir, "auth"))
        cls.srv = Srv("smtpd-sasl-opts", {
            "smtpd_sasl_auth_enable": "yes",
            "smtpd_tls_auth_only": "no",
            "smtpd_sasl_type": "postern",
            "smtpd_sasl_users_maps": f"texthash:{users}",
            "smtpd_sasl_local_domain": "example.com",
            "smtpd_sasl_authenticated_header": "yes",
            "smtpd_relay_restrictions":
                "permit_sasl_authenticated, reject_unauth_destination"},
            [("smtp", ""),
             ("except", "  -o smtpd_sasl_exceptions_networks=127.0.0.0/8\n"),
             ("dovecot", "  -o smtpd_sasl_type=dovecot\n"
                         f"  -o smtpd_sasl_path={cls.dir}/auth\n"
                         "  -o smtpd_sasl_service=submission\n")])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.dovecot.sock.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def auth(self, sname, user, pw):
        c = self.srv.raw(sname)
        code, lines = c.cmd("EHLO client.example\r\n")
        reply = c.cmd(f"AUTH PLAIN {b64(chr(0) + user + chr(0) + pw)}\r\n")
        return c, lines, reply

    def test_local_domain(self):
        before = self.srv.cleanup.count()
        c, lines, reply = self.auth("smtp", "alice", "alice-pw")
        self.assertIn("AUTH PLAIN LOGIN", lines)
        self.assertEqual(reply[0], 235)
        self.assertEqual(send(c, "a@example.com", "far@remote.example")[0],
                         250)
        c.cmd("QUIT\r\n")
        c.close()
        self.assertEqual(self.srv.cleanup.count(), before + 1)
        msg = self.srv.cleanup.messages[-1]
        self.assertEqual(msg["attrs"].get("sasl_username"),
                         "alice@example.com")
        self.assertIn("(Authenticated sender: alice@example.com)",
                      msg["data"].decode())
        for user, want in (("alice@example.com", 235),
                           ("alice@other.example", 535)):
            c, _, reply = self.auth("smtp", user, "alice-pw")
            c.close()
            self.assertEqual(reply[0], want)

    def test_exceptions_networks(self):
        c, lines, reply = self.auth("except", "alice", "alice-pw")
        self.assertFalse([x for x in lines if x.startswith("AUTH")])
        self.assertIn("PIPELINING", lines)
        self.assertEqual(reply[0], 235)  # not offered, still accepted
        c.cmd("QUIT\r\n")
        c.close()

    def test_service_to_dovecot(self):
        c, lines, reply = self.auth("dovecot", "carol", "pw")
        self.assertIn("AUTH PLAIN", lines)
        self.assertEqual(reply[0], 235)
        c.cmd("QUIT\r\n")
        c.close()
        self.assertIn("service=submission", self.dovecot.lines[-1])


if __name__ == "__main__":
    unittest.main()
