"""test_quickstart - the README's first command and `make install`.

SetupTest runs ./setup.sh into a temp folder on a free port (its own
object folder, so a real ./run is not touched), sends mail with swaks,
smtplib and the installed sendmail, finds each message in its Maildir,
runs setup.sh again (it must leave the running instance alone) and stops
the instance with the installed `postern stop`.  InstallTest runs
`make install DESTDIR=...` and checks the files, their modes (postdrop
and postqueue setgid setgid_group) and that existing configuration is
kept."""
import grp
import os
import pwd
import re
import shutil
import signal
import smtplib
import stat
import subprocess
import tempfile
import time
import unittest

from instance import (REPO, TMP, free_port, lock_holder, proc_stat,
                      all_pids)

DOMAIN = "example.test"


def run(cmd, timeout=600, env=None, **kw):
    """A CompletedProcess with text output; never raises on exit codes."""
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env, **kw)


def configured_prefix():
    """The prefix the in-tree Makefile was configured with."""
    with open(os.path.join(REPO, "Makefile")) as f:
        m = re.search(r"^prefix\s*=\s*(\S+)", f.read(), re.M)
    return m.group(1)


def processes_in(folder):
    """Pids whose working folder or command line is inside folder."""
    found = []
    for pid in all_pids():
        if pid == os.getpid():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(folder + "/") or folder + "/" in cmd:
            found.append(pid)
    return found


class SetupTest(unittest.TestCase):
    def setUp(self):
        os.makedirs(TMP, exist_ok=True)
        self.top = tempfile.mkdtemp(prefix="quickstart-", dir=TMP)
        os.chmod(self.top, 0o755)
        self.run_dir = os.path.join(self.top, "run")
        self.conf = os.path.join(self.run_dir, "etc", "postern")
        self.port = free_port()
        self.env = dict(os.environ,
                        POSTERN_RUN_OBJ=os.path.join(self.top, "obj") + "/")
        self.addCleanup(self.cleanup)

    def cleanup(self):
        postern = os.path.join(self.run_dir, "sbin", "postern")
        if self.master_pid() and os.path.exists(postern):
            run([postern, "-c", self.conf, "stop"], timeout=60)
        for pid in processes_in(self.top):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if os.environ.get("POSTERN_KEEP"):
            print(f"quickstart: kept {self.top}")
        else:
            shutil.rmtree(self.top, ignore_errors=True)

    def master_pid(self):
        pid = lock_holder(os.path.join(self.run_dir, "var", "spool",
                                       "postern", "pid", "master.pid"))
        return pid if pid and proc_stat(pid) else 0

    def setup_sh(self):
        r = run(["./setup.sh", "--dir", self.run_dir, "--port",
                 str(self.port)], env=self.env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def maildir_files(self, user, count, timeout=20):
        """The files of user's Maildir new/, once there are count."""
        new = os.path.join(self.run_dir, "mail", user, "Maildir", "new")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            names = os.listdir(new) if os.path.isdir(new) else []
            if len(names) >= count:
                return [os.path.join(new, n) for n in sorted(names)]
            time.sleep(0.1)
        with open(os.path.join(self.run_dir, "maillog")) as f:
            self.fail(f"no mail for {user}; log:\n{f.read()[-3000:]}")

    def expected_owner(self):
        if os.geteuid() != 0:
            return os.getuid()
        sudo = int(os.environ.get("SUDO_UID") or 0)
        return sudo or pwd.getpwnam("posternmail").pw_uid

    def test_setup_send_stop(self):
        out = self.setup_sh()
        self.assertIn(f"SMTP on 127.0.0.1:{self.port}", out)
        self.assertIn(f"swaks --server 127.0.0.1:{self.port}", out)
        master = self.master_pid()
        self.assertTrue(master, "master does not run")

        self.assertIsNotNone(shutil.which("swaks"), "setup.sh installs swaks")
        r = run(["swaks", "--server", f"127.0.0.1:{self.port}",
                 "--to", f"alice@{DOMAIN}", "--from", f"me@{DOMAIN}",
                 "--header", "Subject: by swaks"], timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as s:
            s.sendmail(f"me@{DOMAIN}", [f"bob+tag@{DOMAIN}"],
                       "Subject: by smtplib\r\n\r\nhello\r\n")
            # Any other domain: the error transport, a bounce to me.
            s.sendmail(f"me@{DOMAIN}", ["x@other.invalid"],
                       "Subject: going out\r\n\r\nhello\r\n")
        r = run([os.path.join(self.run_dir, "sbin", "sendmail"),
                 f"carol@{DOMAIN}"], input="Subject: by sendmail\n\nhi\n",
                timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        for user, subject in (("alice", "by swaks"), ("bob", "by smtplib"),
                              ("carol", "by sendmail")):
            (path,) = self.maildir_files(user, 1)
            with open(path) as f:
                text = f.read()
            self.assertIn(f"Subject: {subject}", text)
            self.assertIn(f"Delivered-To: {user}", text)
            self.assertEqual(os.stat(path).st_uid, self.expected_owner())

        (path,) = self.maildir_files("me", 1)
        with open(path) as f:
            self.assertIn("x@other.invalid", f.read())

        # A second run finds the instance and leaves it alone.
        out = self.setup_sh()
        self.assertIn("already runs", out)
        self.assertEqual(self.master_pid(), master)

        r = run([os.path.join(self.run_dir, "sbin", "postern"), "-c",
                 self.conf, "stop"], timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.master_pid(), 0)
        self.assertEqual(processes_in(self.top), [])


class InstallTest(unittest.TestCase):
    def setUp(self):
        os.makedirs(TMP, exist_ok=True)
        self.dest = tempfile.mkdtemp(prefix="install-", dir=TMP)
        self.addCleanup(shutil.rmtree, self.dest, True)
        self.prefix = configured_prefix()

    def install(self):
        # The configured prefix: the in-tree objects stay as they are.
        r = run(["make", "-s", "install", f"DESTDIR={self.dest}"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def path(self, rel):
        return os.path.join(self.dest + self.prefix, rel)

    def test_files_and_modes(self):
        self.install()
        setgid = os.geteuid() == 0 and self.group_exists("posterndrop")
        for name in ("postern", "sendmail", "newaliases", "postdrop",
                     "postqueue"):
            st = os.stat(self.path(f"sbin/{name}"))
            want = 0o2755 if setgid and name in ("postdrop",
                                                 "postqueue") else 0o755
            self.assertEqual(stat.S_IMODE(st.st_mode), want, name)
            if want == 0o2755:
                self.assertEqual(grp.getgrgid(st.st_gid).gr_name,
                                 "posterndrop")
        daemons = sorted(os.listdir(self.path("libexec/postern")))
        for name in ("master", "smtpd", "cleanup", "qmgr", "virtual",
                     "local", "lmtp", "postlogd"):
            self.assertIn(name, daemons)
            st = os.stat(self.path(f"libexec/postern/{name}"))
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o755)
        self.assertEqual(os.readlink(self.path("bin/mailq")),
                         os.path.join(self.prefix, "sbin", "sendmail"))
        for sec in "158":
            got = sorted(os.listdir(self.path(f"share/man/man{sec}")))
            want = sorted(n for n in os.listdir(os.path.join(REPO, "docs/man"))
                          if n.endswith("." + sec))
            self.assertEqual(got, want)
        with open(self.path("lib/systemd/system/postern.service")) as f:
            unit = f.read()
        sbin = os.path.join(self.prefix, "sbin")
        for verb in ("start", "reload", "stop"):
            self.assertIn(f"={sbin}/postern {verb}\n", unit)
        self.assertIn("PIDFile=/", unit)
        self.assertNotIn("@", unit)
        self.assertFalse(os.path.exists(self.path("etc/postern/"
                                                  "postern.service.in")))
        for name in ("main.cf", "master.cf"):
            st = os.stat(self.path(f"etc/postern/{name}"))
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o644)

    def test_keeps_config(self):
        self.install()
        main_cf = self.path("etc/postern/main.cf")
        with open(main_cf, "a") as f:
            f.write("myhostname = kept.example\n")
        out = self.install()
        self.assertIn("keeping existing", out)
        with open(main_cf) as f:
            self.assertIn("myhostname = kept.example", f.read())

    @staticmethod
    def group_exists(name):
        try:
            grp.getgrnam(name)
            return True
        except KeyError:
            return False


if __name__ == "__main__":
    unittest.main()
