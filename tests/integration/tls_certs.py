"""tls_certs - a private CA and certificates for TLS tests, made with the
openssl command.

    ca = make_ca(folder)                      # {"cert": path, "key": path}
    cert, key = make_cert(folder, ca, "mx.test", ["127.0.0.1"])
    cert, key = make_cert(folder, ca, "mx.test", kind="ec")   # ECDSA P-256

Certificates carry the name as CN and as a DNS subjectAltName, plus each
address as an IP subjectAltName; they are valid for a day.  Keys are
written mode 0600.  Files go under folder/tls/."""
import os
import subprocess


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True,
                   capture_output=True, timeout=60)


def _key(path, kind):
    if kind == "ec":
        _openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-out", path)
    else:
        _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
                 "rsa_keygen_bits:2048", "-out", path)
    os.chmod(path, 0o600)


def make_ca(folder, name="Postern Test CA"):
    """A self-signed CA in folder/tls: {"cert": path, "key": path}."""
    out = os.path.join(folder, "tls")
    os.makedirs(out, exist_ok=True)
    ca = {"cert": os.path.join(out, "ca.pem"),
          "key": os.path.join(out, "ca.key")}
    _key(ca["key"], "rsa")
    _openssl("req", "-x509", "-new", "-key", ca["key"], "-days", "1",
             "-subj", "/CN=" + name, "-out", ca["cert"],
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return ca


def make_cert(folder, ca, name, addrs=(), kind="rsa"):
    """A certificate for name signed by ca: (cert path, key path)."""
    out = os.path.join(folder, "tls")
    base = os.path.join(out, "%s-%s" % (name, kind))
    key, csr, cert = base + ".key", base + ".csr", base + ".pem"
    ext = base + ".ext"
    _key(key, kind)
    _openssl("req", "-new", "-key", key, "-subj", "/CN=" + name, "-out", csr)
    alt = ["DNS:" + name] + ["IP:" + a for a in addrs]
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth,clientAuth\n" % ",".join(alt))
    _openssl("x509", "-req", "-in", csr, "-CA", ca["cert"], "-CAkey",
             ca["key"], "-CAcreateserial", "-days", "1", "-out", cert,
             "-extfile", ext)
    return cert, key
