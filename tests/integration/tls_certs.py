"""tls_certs - a private CA and certificates for TLS tests, made with the
openssl command.

    ca = make_ca(folder)                      # {"cert": path, "key": path}
    cert, key = make_cert(folder, ca, ["mx.test"], ["127.0.0.1"])
    cert, key = make_cert(folder, ca, ["mx.test"], kind="ec")  # ECDSA P-256

Files go straight into folder (made when missing).  A certificate names
its first DNS name as CN, every name as a DNS subjectAltName and each
address as an IP subjectAltName; certificates are valid for two days.
Keys are written mode 0600, unless readable=True (0644, for a server that
reads them after dropping privileges)."""
import os
import subprocess


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True,
                   capture_output=True, timeout=60)


def _key(path, kind, readable):
    if kind == "ec":
        _openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-out", path)
    else:
        _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
                 "rsa_keygen_bits:2048", "-out", path)
    os.chmod(path, 0o644 if readable else 0o600)


def make_ca(folder, name="Postern Test CA", stem="ca"):
    """A self-signed CA in folder: {"cert": path, "key": path}."""
    os.makedirs(folder, exist_ok=True)
    ca = {"cert": os.path.join(folder, stem + ".pem"),
          "key": os.path.join(folder, stem + ".key")}
    _key(ca["key"], "rsa", False)
    _openssl("req", "-x509", "-new", "-key", ca["key"], "-days", "2",
             "-subj", "/CN=" + name, "-out", ca["cert"],
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return ca


def make_cert(folder, ca, names, addrs=(), kind="rsa", stem=None,
              readable=False):
    """A certificate for names signed by ca: (cert path, key path)."""
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, stem or "%s-%s" % (names[0], kind))
    key, csr, cert = base + ".key", base + ".csr", base + ".pem"
    ext = base + ".ext"
    _key(key, kind, readable)
    _openssl("req", "-new", "-key", key, "-subj", "/CN=" + names[0],
             "-out", csr)
    alt = ["DNS:" + n for n in names] + ["IP:" + a for a in addrs]
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth,clientAuth\n" % ",".join(alt))
    _openssl("x509", "-req", "-in", csr, "-CA", ca["cert"], "-CAkey",
             ca["key"], "-CAcreateserial", "-days", "2", "-out", cert,
             "-extfile", ext)
    if readable:
        os.chmod(cert, 0o644)
    return cert, key
