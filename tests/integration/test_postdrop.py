"""test_postdrop - postdrop(1) and `postern drop` against an instance's
queue: a valid maildrop stream becomes a complete (owner execute bit)
maildrop/ID and exit 0; malformed input exits 65 and leaves nothing; a
configuration folder other than the default is refused to a user who is
not root; as an unprivileged user through the setgid binary the file
lands owned by that user.  Also holds the maildrop record encoder that
test_pickup uses."""
import os
import re
import shutil
import stat
import subprocess
import unittest

from qfile_writer import rec as record

try:
    from instance import Instance, REPO, BUILD
except ImportError:  # the harness is not there yet
    Instance = None

POSTDROP = os.path.join(os.environ.get("POSTERN_BUILD") or
                        os.path.join(os.path.dirname(__file__), "..", ".."),
                        "commands", "postdrop", "postdrop")
EX_DATAERR, EX_NOPERM, EX_TEMPFAIL = 65, 77, 75


def maildrop(sender="user@example.com", rcpts=("to@example.org",),
             attrs=(), lines=("Subject: test", "", "hello"), extra=()):
    """A maildrop stream; extra records go just before the sender."""
    out = b"".join(record("A", f"{k}={v}") for k, v in attrs)
    out += b"".join(record(t, d) for t, d in extra)
    out += record("S", sender)
    out += b"".join(record("R", r) for r in rcpts)
    out += record("M") + b"".join(record("N", ln) for ln in lines)
    return out + record("X") + record("E")


def def_config_dir(inst):
    """The build's default configuration folder."""
    r = inst.postern("conf", "-d", "config_directory", check=True)
    return r.stdout.split("=", 1)[1].strip()


class PostdropTest(unittest.TestCase):
    def setUp(self):
        if Instance is None:
            self.skipTest("harness tests/integration/instance.py not there")
        if not os.access(POSTDROP, os.X_OK):
            self.skipTest(f"{POSTDROP} not built")
        self.inst = Instance(name="postdrop").__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        self.maildrop = os.path.join(self.inst.queue_dir, "maildrop")

    def drop(self, data, args=(), preexec=None, prog=POSTDROP, env=None):
        env = dict(env if env is not None else
                   {"MAIL_CONFIG": self.inst.config_dir})
        return subprocess.run([prog] + list(args), input=data, env=env,
                              capture_output=True, timeout=30,
                              preexec_fn=preexec)

    def files(self):
        return sorted(os.listdir(self.maildrop))

    def test_valid(self):
        r = self.drop(maildrop(attrs=[("full_name", "Joe")]), ["-r"])
        self.assertEqual(r.returncode, 0, r.stderr)
        qid = r.stdout.decode().strip()
        self.assertEqual(self.files(), [qid])
        st = os.stat(os.path.join(self.maildrop, qid))
        self.assertTrue(st.st_mode & stat.S_IXUSR)
        with open(os.path.join(self.maildrop, qid), "rb") as f:
            self.assertEqual(f.read(), maildrop(attrs=[("full_name", "Joe")]))

    def test_postern_drop(self):
        r = self.inst.postern("drop", input=maildrop())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.files()), 1)

    def test_malformed(self):
        cases = {
            "time record": maildrop(extra=[("T", "1 2")]),
            "size record": maildrop(extra=[("C", "x")]),
            "unknown attribute": maildrop(attrs=[("queue_id", "x")]),
            "truncated": maildrop()[:-3],
            "garbage": b"hello world\n",
            "empty": b"",
        }
        for name, data in cases.items():
            with self.subTest(name):
                r = self.drop(data)
                self.assertEqual(r.returncode, EX_DATAERR, r.stderr)
                self.assertIn(b"malformed", r.stderr)
                self.assertEqual(self.files(), [])

    def test_too_big(self):
        self.inst.write_main_cf({"message_size_limit": "100"})
        r = self.drop(maildrop(lines=["x" * 200]))
        self.assertEqual(r.returncode, EX_DATAERR, r.stderr)
        self.assertEqual(self.files(), [])

    def test_no_queue(self):
        self.inst.write_main_cf({"queue_directory": "/nonexistent/q"})
        r = self.drop(maildrop())
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertIn(b"maildrop", r.stderr)

    def unprivileged(self):
        """A setgid copy of postdrop and a preexec that becomes nobody."""
        if os.geteuid() != 0:
            self.skipTest("needs root to switch users")
        prog = os.path.join(self.inst.root, "bin", "postdrop")
        shutil.copy(POSTDROP, prog)
        import grp
        os.chown(prog, 0, grp.getgrnam(self.inst.setgid_group).gr_gid)
        os.chmod(prog, 0o2755)

        def become_nobody():
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
        return prog, become_nobody

    def test_config_refused_unprivileged(self):
        prog, become = self.unprivileged()
        r = self.drop(maildrop(), preexec=become, prog=prog)
        self.assertEqual(r.returncode, EX_NOPERM, r.stderr)
        self.assertIn(b"alternate_config_directories", r.stderr)
        self.assertEqual(self.files(), [])

    def test_unprivileged(self):
        prog, become = self.unprivileged()
        top = def_config_dir(self.inst)
        if os.path.exists(top):
            self.skipTest(f"{top} exists; not touching it")
        first = top
        while first != "/" and not os.path.exists(os.path.dirname(first)):
            first = os.path.dirname(first)
        os.makedirs(top)
        self.addCleanup(shutil.rmtree, first, True)
        for d in range(len(first.split("/")), len(top.split("/")) + 1):
            os.chmod("/".join(top.split("/")[:d]), 0o755)
        with open(os.path.join(top, "main.cf"), "w") as f:
            f.write(f"alternate_config_directories = {self.inst.config_dir}\n")
        os.chmod(os.path.join(top, "main.cf"), 0o644)
        r = self.drop(maildrop(), preexec=become, prog=prog)
        self.assertEqual(r.returncode, 0, r.stderr)
        (qid,) = self.files()
        st = os.stat(os.path.join(self.maildrop, qid))
        self.assertEqual(st.st_uid, 65534)
        self.assertTrue(st.st_mode & stat.S_IXUSR)


if __name__ == "__main__":
    unittest.main()
