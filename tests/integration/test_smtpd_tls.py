"""test_smtpd_tls - STARTTLS (RFC 3207) and wrapper mode in smtpd(8).

Each class makes its own CA and RSA and ECDSA server certificates for
test.example with the openssl command, starts an instance with smtpd on
a free port (and a wrapper-mode smtps service on a second one) and the
fake cleanup of test_smtpd, and drives it with swaks, openssl s_client,
smtplib and raw sockets."""
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import unittest

from test_smtpd import Raw, skip_if, skip_reason, start_instance
from tls_certs import make_ca, make_cert

try:
    from instance import default_master_cf, free_port, TMP
except ImportError:  # skip_reason says why
    pass

def make_certs():
    """A folder with ca.pem, rsa/ec .pem/.key/-chain.pem (key, then
    certificate, as smtpd_tls_chain_files takes them)."""
    os.makedirs(TMP, exist_ok=True)
    d = tempfile.mkdtemp(prefix="tls-certs-", dir=TMP)
    os.chmod(d, 0o755)
    ca = make_ca(d)
    for kind in ("rsa", "ec"):
        cert, key = make_cert(d, ca, ["test.example"], ["127.0.0.1"],
                              kind=kind, stem=kind, readable=True)
        with open(os.path.join(d, kind + "-chain.pem"), "w") as out:
            for part in (key, cert):
                with open(part) as f:
                    out.write(f.read())
        os.chmod(os.path.join(d, kind + "-chain.pem"), 0o644)
    return d


def usable():
    """Why the TLS tests cannot run here, or None."""
    return skip_reason() or (None if shutil.which("openssl")
                             else "no openssl command")


# main.cf settings every TLS test instance starts from.
TLS_CONF = {"mynetworks": "192.0.2.0/24",
            "mydestination": "$myhostname, localhost",
            "smtpd_error_sleep_time": "0s",
            "local_recipient_maps": "",
            "smtpd_tls_loglevel": "1"}


class CertServer:
    """An instance started by start_instance with the certificates in
    self.certs (a folder removed by close) and the fake cleanup."""

    def start(self, name, main_cf, master_cf):
        self.inst, self.cleanup = start_instance(name, main_cf, master_cf)

    def close(self):
        self.cleanup.close()
        self.inst.__exit__(None, None, None)
        shutil.rmtree(self.certs, ignore_errors=True)

    def context(self, client=None):
        """A client context trusting the test CA, with client's
        certificate (CERTS/client.pem and .key) when given."""
        ctx = ssl.create_default_context(cafile=f"{self.certs}/ca.pem")
        if client:
            ctx.load_cert_chain(f"{self.certs}/{client}.pem",
                                f"{self.certs}/{client}.key")
        return ctx


class TlsServer(CertServer):
    """An instance with smtpd (STARTTLS) and smtps (wrapper mode)."""

    def __init__(self, name, main_cf):
        self.certs = make_certs()
        self.port, self.smtps_port = free_port(), free_port()
        conf = dict(TLS_CONF, **{
            "smtpd_timeout": "5s",
            "smtpd_tls_received_header": "yes",
            "smtpd_tls_chain_files":
                f"{self.certs}/rsa-chain.pem, {self.certs}/ec-chain.pem"})
        conf.update(main_cf)
        master = default_master_cf() + \
            f"127.0.0.1:{self.port} inet n - n - - smtpd\n" + \
            f"127.0.0.1:{self.smtps_port} inet n - n - - smtpd\n" + \
            "  -o smtpd_tls_wrappermode=yes\n"
        self.start(name, conf, master)

    def raw(self):
        return Raw(socket.create_connection(("127.0.0.1", self.port),
                                            timeout=10))


def s_client(srv, *args, port=None, starttls=True, input=b"QUIT\r\n"):
    cmd = ["openssl", "s_client", "-connect",
           f"127.0.0.1:{port or srv.port}", "-servername", "test.example",
           "-CAfile", f"{srv.certs}/ca.pem", "-verify_return_error"]
    if starttls:
        cmd += ["-starttls", "smtp"]
    return subprocess.run(cmd + list(args), input=input, capture_output=True,
                          timeout=30)


class TlsCase(unittest.TestCase):
    """A TlsServer named NAME with MAIN_CF for the class's tests."""
    NAME, MAIN_CF = None, {}

    @classmethod
    def setUpClass(cls):
        skip_if(usable())
        cls.srv = TlsServer(cls.NAME, cls.MAIN_CF)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()


class SmtpdTlsMay(TlsCase):
    NAME, MAIN_CF = "smtpd-tls", {"smtpd_tls_security_level": "may"}

    def test_smtplib_starttls(self):
        before = self.srv.cleanup.count()
        with smtplib.SMTP("127.0.0.1", self.srv.port, timeout=10) as s:
            s.ehlo("client.example")
            self.assertTrue(s.has_extn("starttls"))
            s.starttls(context=self.srv.context())
            s.ehlo("client.example")
            self.assertFalse(s.has_extn("starttls"))
            self.assertEqual(s.docmd("STARTTLS")[0], 554)
            s.sendmail("a@client.example", ["user@test.example"],
                       b"Subject: tls\r\n\r\nbody\r\n")
        self.assertEqual(self.srv.cleanup.count(), before + 1)
        m = self.srv.cleanup.messages[-1]
        self.assertEqual(m["attrs"]["protocol_name"], "ESMTPS")
        data = m["data"].decode()
        self.assertRegex(data, r"^Received: from client\.example \(localhost "
                         r"\[127\.0\.0\.1\]\)\n\t\(using TLSv1\.3 with cipher "
                         r"TLS_\w+ \(\d+/\d+ bits\) key-exchange \S+ "
                         r"server-signature .*\)\n\t\(No client certificate "
                         r"requested\)\n\tby test\.example \(Postern\) with "
                         r"ESMTPS id FAKE")
        self.srv.inst.wait_log(
            r"Anonymous TLS connection established from "
            r"localhost\[127\.0\.0\.1\]: TLSv1\.3 with cipher TLS_\w+ "
            r"\(\d+/\d+ bits\)")

    def test_swaks(self):
        if not shutil.which("swaks"):
            self.skipTest("no swaks")
        before = self.srv.cleanup.count()
        r = subprocess.run(
            ["swaks", "--tls", "--server", f"127.0.0.1:{self.srv.port}",
             "--from", "a@client.example", "--to", "user@test.example",
             "--helo", "client.example"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout.decode(errors="replace"))
        self.assertEqual(self.srv.cleanup.count(), before + 1)
        data = self.srv.cleanup.messages[-1]["data"].decode()
        self.assertIn("with ESMTPS id", data)
        self.assertIn("(using TLSv1.3 with cipher", data)

    def test_s_client_verifies_chain(self):
        r = s_client(self.srv)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        self.assertIn("Verify return code: 0 (ok)", out)
        self.assertIn("Postern Test CA", out)

    def test_ecdsa_and_rsa(self):
        for sigalg, want in (("ECDSA+SHA256", "ECDSA"),
                             ("RSA-PSS+SHA256", "RSA-PSS")):
            r = s_client(self.srv, "-sigalgs", sigalg)
            out = r.stdout.decode(errors="replace")
            self.assertEqual(r.returncode, 0, out)
            self.assertIn("Verify return code: 0 (ok)", out)
            self.assertIn(f"Peer signature type: {want}", out)

    def test_plaintext_after_starttls_is_dropped(self):
        c = self.srv.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("EHLO client.example\r\n")[0], 250)
        c.sock.sendall(b"STARTTLS\r\nRSET\r\nMAIL FROM:<evil@example>\r\n")
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.buf, b"")
        ctx = self.srv.context()
        tls = ctx.wrap_socket(c.sock, server_hostname="test.example")
        t = Raw(tls)
        # Nothing answers the injected commands: our EHLO comes first.
        code, text = t.cmd("EHLO client.example\r\n")
        self.assertEqual(code, 250)
        self.assertEqual(text[0], "test.example")
        self.assertEqual(t.cmd("MAIL FROM:<a@client.example>\r\n")[0], 250)
        self.assertEqual(t.cmd("QUIT\r\n")[0], 221)
        tls.close()
        self.srv.inst.wait_log(
            r"improper command pipelining after STARTTLS from "
            r"localhost\[127\.0\.0\.1\]: \d+ bytes of plaintext discarded")

    def test_starttls_syntax_and_state(self):
        c = self.srv.raw()
        c.reply()
        self.assertEqual(c.cmd("EHLO client.example\r\n")[0], 250)
        self.assertEqual(c.cmd("STARTTLS now\r\n")[0], 501)
        self.assertEqual(c.cmd("MAIL FROM:<a@client.example>\r\n")[0], 250)
        self.assertEqual(c.cmd("STARTTLS\r\n")[0], 220)
        tls = self.srv.context().wrap_socket(c.sock,
                                             server_hostname="test.example")
        t = Raw(tls)
        # The transaction begun in plaintext is forgotten.
        self.assertEqual(t.cmd("RCPT TO:<user@test.example>\r\n")[0], 503)
        tls.close()

    def test_tls11_refused(self):
        r = s_client(self.srv, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        self.assertIn(b"Cipher is (NONE)", r.stdout)
        self.assertNotIn(b"BEGIN CERTIFICATE", r.stdout)

    def test_smtps_wrapper(self):
        ctx = self.srv.context()
        with smtplib.SMTP_SSL("127.0.0.1", self.srv.smtps_port, timeout=10,
                              context=ctx) as s:
            code, _ = s.ehlo("client.example")
            self.assertEqual(code, 250)
            self.assertFalse(s.has_extn("starttls"))
            self.assertEqual(s.docmd("STARTTLS")[0], 554)
        r = s_client(self.srv, "-ign_eof", port=self.srv.smtps_port,
                     starttls=False)
        self.assertIn(b"Verify return code: 0 (ok)", r.stdout)
        self.assertIn(b"220 test.example ESMTP", r.stdout)

    def test_session_resumption(self):
        sess = os.path.join(self.srv.certs, "session.pem")
        # -ign_eof: read until the server's 221 and close, ticket included.
        r1 = s_client(self.srv, "-sess_out", sess, "-ign_eof")
        self.assertIn(b"New, TLSv1.3", r1.stdout)
        r2 = s_client(self.srv, "-sess_in", sess, "-ign_eof")
        self.assertIn(b"Reused, TLSv1.3", r2.stdout,
                      (r1.stdout + r2.stdout + r2.stderr).decode(
                          errors="replace"))


class SmtpdTlsEncrypt(TlsCase):
    NAME, MAIN_CF = "smtpd-tls-enc", {"smtpd_tls_security_level": "encrypt"}

    def test_mail_before_starttls_refused(self):
        c = self.srv.raw()
        c.reply()
        self.assertEqual(c.cmd("EHLO client.example\r\n")[0], 250)
        code, text = c.cmd("MAIL FROM:<a@client.example>\r\n")
        self.assertEqual(code, 530)
        self.assertEqual(text[0], "5.7.0 Must issue a STARTTLS command first")
        self.assertEqual(c.cmd("NOOP\r\n")[0], 250)
        self.assertEqual(c.cmd("STARTTLS\r\n")[0], 220)
        t = Raw(self.srv.context().wrap_socket(
            c.sock, server_hostname="test.example"))
        self.assertEqual(t.cmd("EHLO client.example\r\n")[0], 250)
        self.assertEqual(t.cmd("MAIL FROM:<a@client.example>\r\n")[0], 250)
        t.cmd("QUIT\r\n")


class SmtpdTlsBadCert(TlsCase):
    NAME, MAIN_CF = "smtpd-tls-bad", {
        "smtpd_tls_security_level": "may",
        "smtpd_tls_chain_files": "",
        "smtpd_tls_cert_file": "/nonexistent/server.pem"}

    def test_454_and_clear_error(self):
        c = self.srv.raw()
        c.reply()
        code, text = c.cmd("EHLO client.example\r\n")
        self.assertEqual(code, 250)
        self.assertNotIn("STARTTLS", text)
        code, text = c.cmd("STARTTLS\r\n")
        self.assertEqual(code, 454)
        self.assertEqual(text[0], "4.7.0 TLS not available due to local "
                         "problem")
        self.assertEqual(c.cmd("QUIT\r\n")[0], 221)
        self.srv.inst.wait_log(
            r"warning: smtpd_tls_cert_file: cannot load certificate from "
            r"\"/nonexistent/server\.pem\".*disabling TLS support")


if __name__ == "__main__":
    unittest.main()
