"""postfix_ref - Debian's Postfix 3.7, unpacked (never installed), as the
reference implementation: `apt-get download postfix` + `dpkg -x` into
tests/tmp/postfix-root once, then its commands run with LD_LIBRARY_PATH.
"""
import glob
import os
import subprocess

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROOT = os.path.join(TOP, "tests", "tmp", "postfix-root")


def root():
    """Unpack Postfix if needed; return its root, or None if unavailable."""
    if os.path.exists(os.path.join(ROOT, "usr", "sbin", "postconf")):
        return ROOT
    work = os.path.join(TOP, "tests", "tmp", "postfix-deb")
    os.makedirs(work, exist_ok=True)
    try:
        subprocess.run(["apt-get", "download", "postfix"], cwd=work,
                       check=True, capture_output=True, timeout=300)
        deb = sorted(glob.glob(os.path.join(work, "postfix_*.deb")))[-1]
        subprocess.run(["dpkg", "-x", deb, ROOT], check=True,
                       capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError, IndexError):
        return None
    return ROOT


def run(cmd, *args, config_dir, stdin=None):
    """Run a Postfix command from the unpacked tree; return stdout."""
    r = root()
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(r, "usr/lib/postfix"))
    out = subprocess.run([os.path.join(r, "usr/sbin", cmd), "-c", config_dir]
                         + list(args), env=env, capture_output=True,
                         input=stdin,
                         text=True, timeout=60)
    return out.stdout
