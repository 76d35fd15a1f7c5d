"""tls_sink - test_smtp.Sink with STARTTLS (RFC 3207, Python's ssl) and
AUTH PLAIN/LOGIN (RFC 4954), plus a throwaway CA made with the openssl
command.

    ca = TestCA(folder)                       # CA key and certificate
    cert, key = ca.issue("server", ["localhost"])
    sink = TlsSink(cert=cert, key=key, users={"u": "pw"})

TlsSink records, besides Sink's connections, commands and messages:
    sni        server names the clients sent (ssl sni_callback)
    handshakes (ok, error text) per STARTTLS
    auths      (mechanism, user, accepted, over_tls) per AUTH
    tls_mail   per message: was the session encrypted
AUTH is offered after STARTTLS only unless auth_plaintext is set;
require_auth refuses MAIL before a successful AUTH (530).  Passwords and
base64 arguments are left out of commands."""
import base64
import os
import ssl

from test_smtp import Sink
from tls_certs import make_ca, make_cert


class TestCA:
    """A certificate authority in folder: ca.pem signs server certs
    (tls_certs does the work)."""

    def __init__(self, folder, name="Postern Test CA"):
        self.folder = folder
        ca = make_ca(folder, name)
        self.cert, self.key = ca["cert"], ca["key"]

    def issue(self, stem, names):
        """A server certificate for DNS names (the first is the CN)."""
        return make_cert(self.folder, {"cert": self.cert, "key": self.key},
                         names, stem=stem)


class TlsSink(Sink):
    """Sink with STARTTLS (when cert is given) and AUTH (when users is)."""

    def __init__(self, cert=None, key=None, users=None, auth_plaintext=False,
                 require_auth=False, mechs="PLAIN LOGIN", **kw):
        self.ctx = None
        if cert:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(cert, key)
            self.ctx.sni_callback = self._sni
        self.users, self.mechs = users, mechs
        self.auth_plaintext, self.require_auth = auth_plaintext, require_auth
        self.sni, self.handshakes, self.auths, self.tls_mail = [], [], [], []
        super().__init__(**kw)

    def _sni(self, sslobj, name, ctx):
        with self.lock:
            self.sni.append(name)

    def _serve(self, conn):
        conn.settimeout(30)
        io = _Io(conn)
        try:
            self._talk(io)
        except (OSError, ValueError, ssl.SSLError):
            pass
        finally:
            io.conn.close()

    def _ehlo(self, io):
        keys = list(self.ehlo)
        if self.ctx and not io.tls:
            keys.append("STARTTLS")
        if self.users is not None and (io.tls or self.auth_plaintext):
            keys.append("AUTH " + self.mechs)
        lines = ["sink"] + keys
        for i, k in enumerate(lines):
            io.send(("250 " if i == len(lines) - 1 else "250-") + k)

    def _starttls(self, io):
        io.send("220 2.0.0 Ready to start TLS")
        try:
            io.start_tls(self.ctx)
            ok, why = True, ""
        except (ssl.SSLError, OSError) as e:
            ok, why = False, str(e)
        with self.lock:
            self.handshakes.append((ok, why))
        return ok

    def _auth(self, io, args):
        mech = args[0].upper() if args else ""
        if mech == "PLAIN":
            resp = args[1] if len(args) > 1 else io.ask("")
            parts = base64.b64decode(resp).split(b"\0")
            user, pw = parts[1].decode(), parts[2].decode()
        elif mech == "LOGIN":
            user = base64.b64decode(io.ask("VXNlcm5hbWU6")).decode()
            pw = base64.b64decode(io.ask("UGFzc3dvcmQ6")).decode()
        else:
            io.send("504 5.5.4 Unrecognized authentication type")
            return False
        ok = self.users.get(user) == pw
        with self.lock:
            self.auths.append((mech, user, ok, io.tls))
        io.send("235 2.7.0 Authentication successful" if ok else
                "535 5.7.8 Error: authentication failed: bad password")
        return ok

    def _talk(self, io):
        io.send("220 sink ESMTP")
        rcpts, authed = [], False
        for _ in range(10000):
            cmd = io.line()
            if cmd is None:
                return
            verb = cmd.split(" ")[0].upper()
            with self.lock:
                self.commands.append(cmd if verb != "AUTH" else
                                     " ".join(cmd.split(" ")[:2]))
            if verb == "EHLO":
                self._ehlo(io)
            elif verb == "STARTTLS" and self.ctx and not io.tls:
                if not self._starttls(io):
                    return
                authed = False
            elif verb == "AUTH" and self.users is not None and not authed:
                authed = self._auth(io, cmd.split(" ")[1:])
            elif verb == "MAIL" and self.require_auth and not authed:
                io.send("530 5.7.0 Authentication required")
            elif verb == "MAIL":
                rcpts = []
                io.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                rcpts.append(cmd[cmd.index("<") + 1:cmd.index(">")])
                io.send("250 2.1.5 Ok")
            elif verb == "DATA":
                io.send("354 End data with <CR><LF>.<CR><LF>")
                body = io.body()
                with self.lock:
                    self.messages.append((list(rcpts), body))
                    self.tls_mail.append(io.tls)
                io.send("250 2.0.0 Ok: queued as SINK1")
            elif verb == "RSET":
                io.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                io.send("221 2.0.0 Bye")
                return
            else:
                io.send("502 5.5.2 Error: command not recognized")


class _Io:
    """One connection, plaintext or TLS, read by lines."""

    def __init__(self, conn):
        self.conn, self.tls = conn, False
        self.f = conn.makefile("rb")

    def send(self, text):
        self.conn.sendall(text.encode() + b"\r\n")

    def line(self):
        l = self.f.readline(10000)
        return l.decode(errors="replace").rstrip("\r\n") if l else None

    def ask(self, challenge):
        self.send("334 " + challenge)
        return self.line() or ""

    def body(self):
        lines = []
        for _ in range(100000):
            l = self.f.readline()
            if l in (b".\r\n", b""):
                break
            lines.append(l)
        return b"".join(lines)

    def start_tls(self, ctx):
        self.conn = ctx.wrap_socket(self.conn, server_side=True)
        self.f = self.conn.makefile("rb")
        self.tls = True
