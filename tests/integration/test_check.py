"""test_check - `postern check` and `postern set-permissions` on a
throwaway instance: the queue tree they create, the problems check
reports (with the fix it names), what set-permissions repairs, and that
neither follows a symbolic link."""
import grp
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import unittest

from instance import Instance, POSTERN, TMP

# queue_directory's folders: (name, owner, group, mode); owner "root" is
# root, "mail" is mail_owner (group: its primary group), "drop" is group
# setgid_group.
TREE = [("", "root", "root", 0o755)] + [
    (d, "mail", "mail", 0o700)
    for d in ("incoming", "active", "deferred", "hold", "corrupt", "bounce",
              "defer", "trace", "flush", "saved", "spare", "private")
] + [
    ("public", "mail", "drop", 0o710),
    ("maildrop", "mail", "drop", 0o730),
    ("pid", "root", "root", 0o755),
]

# A daemon_directory/master for instances where master is not built yet.
FAKE_MASTER = "#!/bin/sh\nexit 1\n"


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.inst = Instance(name="check", check=False).__enter__()
        master = os.path.join(self.inst.daemon_dir, "master")
        if not os.path.exists(master):
            self.inst.add_program("master", FAKE_MASTER)

    def tearDown(self):
        self.inst.__exit__(None, None, None)

    def check(self, *args, command="check"):
        return self.inst.postern(command, *args)

    def want_ids(self, owner, group):
        """The uid and gid a tree entry should have."""
        if not self.inst.privsep:
            return os.getuid(), os.getgid()
        pw = pwd.getpwnam(self.inst.mail_owner)
        uid = 0 if owner == "root" else pw.pw_uid
        gid = {"root": 0, "mail": pw.pw_gid,
               "drop": grp.getgrnam(self.inst.setgid_group).gr_gid}[group]
        return uid, gid

    def test_creates_tree(self):
        """check creates every folder with its owner and mode; a second
        run finds nothing wrong."""
        self.assertFalse(os.path.exists(self.inst.queue_dir))
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        for name, owner, group, mode in TREE:
            path = os.path.join(self.inst.queue_dir, name)
            st = os.lstat(path)
            self.assertTrue(stat.S_ISDIR(st.st_mode), path)
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, path)
            self.assertEqual((st.st_uid, st.st_gid),
                             self.want_ids(owner, group), path)
        st = os.lstat(self.inst.data_dir)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)
        self.assertEqual((st.st_uid, st.st_gid), self.want_ids("mail", "mail"))
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("error", r.stderr)

    def test_world_writable_reported_and_fixed(self):
        """A world-writable folder is an error that names the fix;
        set-permissions repairs it and check is happy again."""
        self.check()
        incoming = os.path.join(self.inst.queue_dir, "incoming")
        os.chmod(incoming, 0o777)
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"error: \S*/queue/incoming: "
                         r"world-writable \(mode 0777, want 0700\)")
        self.assertIn('run "postern set-permissions"', r.stderr)
        r = self.check(command="set-permissions")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("incoming: mode 0700, was 0777", r.stderr)
        self.assertEqual(mode_of(incoming), 0o700)
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_wrong_mode_reported_and_fixed(self):
        """A mode other than the one wanted is reported and repaired."""
        self.check()
        public = os.path.join(self.inst.queue_dir, "public")
        os.chmod(public, 0o755)
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("public: mode 0755, want 0710", r.stderr)
        self.assertEqual(self.check(command="set-permissions").returncode, 0)
        self.assertEqual(mode_of(public), 0o710)

    @unittest.skipUnless(os.geteuid() == 0, "owners matter only as root")
    def test_wrong_owner_reported_and_fixed(self):
        """A wrong owner is reported; set-permissions also gives the
        queue files inside mail_owner, without following links."""
        self.check()
        deferred = os.path.join(self.inst.queue_dir, "deferred")
        os.chown(deferred, 0, 0)
        os.makedirs(os.path.join(deferred, "A", "B"))
        victim = os.path.join(self.inst.root, "victim")
        with open(victim, "w"):
            pass
        with open(os.path.join(deferred, "A", "B", "qfile"), "w"):
            pass
        os.symlink(victim, os.path.join(deferred, "A", "link"))
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"deferred: owner uid 0, want \d+")
        r = self.check(command="set-permissions")
        self.assertEqual(r.returncode, 0, r.stderr)
        uid, gid = self.want_ids("mail", "mail")
        for rel in ("", "A", "A/B", "A/B/qfile", "A/link"):
            st = os.lstat(os.path.join(deferred, rel))
            self.assertEqual((st.st_uid, st.st_gid), (uid, gid), rel)
        self.assertEqual(os.lstat(victim).st_uid, 0)

    def test_symlink_is_refused(self):
        """A symbolic link in place of a queue folder is an error, and
        set-permissions changes nothing at its target."""
        self.check()
        hold = os.path.join(self.inst.queue_dir, "hold")
        target = os.path.join(self.inst.root, "elsewhere")
        os.makedirs(target)
        os.chmod(target, 0o777)
        shutil.rmtree(hold)
        os.symlink(target, hold)
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("hold: is a symbolic link, not a folder", r.stderr)
        r = self.check(command="set-permissions")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(mode_of(target), 0o777)
        self.assertEqual(os.lstat(target).st_uid, os.getuid())

    def test_missing_program(self):
        """A service whose program is not in daemon_directory is named,
        with its master.cf line, as a warning."""
        self.inst.write_master_cf(
            "# a comment\n"
            "ghost     unix  -       -       n       -       -       nosuch\n")
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: master.cf line 2: service ghost: program "
                      "nosuch not found; master will skip it", r.stderr)

    def test_missing_master(self):
        """Without daemon_directory/master check fails."""
        os.unlink(os.path.join(self.inst.daemon_dir, "master"))
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"libexec/master: No such file")

    def test_main_cf_problems_reported(self):
        """Unknown parameters are warnings; bad values are errors."""
        self.inst.write_main_cf({"no_such_parameter_h4": "1"})
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"warning: .*main.cf, line \d+: unknown "
                         r"parameter: no_such_parameter_h4")
        self.inst.write_main_cf({"default_process_limit": "lots"})
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("default_process_limit", r.stderr)

    def test_relative_queue_directory(self):
        """A relative queue_directory is an error, nothing is created."""
        self.inst.write_main_cf({"queue_directory": "queue"})
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("queue_directory = queue: must be an absolute path",
                      r.stderr)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to name users")
    def test_missing_accounts(self):
        """A missing mail_owner or setgid_group is an error with the
        command that creates it."""
        self.inst.write_main_cf({"mail_owner": "nosuchuser-h4",
                                 "setgid_group": "nosuchgroup-h4"})
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"mail_owner nosuchuser-h4: no such user;"
                         r" create it: useradd --system .*nosuchuser-h4")
        self.assertIn("create it: groupadd --system nosuchgroup-h4",
                      r.stderr)
        self.assertFalse(os.path.exists(self.inst.queue_dir))

    @unittest.skipUnless(os.geteuid() == 0, "needs root to name users")
    def test_root_mail_owner(self):
        """mail_owner root is refused."""
        self.inst.write_main_cf({"mail_owner": "root"})
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("mail_owner root: has uid 0", r.stderr)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to name users")
    def test_setgid_group_shared_with_owner(self):
        """setgid_group must not be mail_owner's own group."""
        group = grp.getgrgid(pwd.getpwnam(self.inst.mail_owner).pw_gid)
        self.inst.write_main_cf({"setgid_group": group.gr_name})
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("mail_owner's primary group", r.stderr)

    def test_options(self):
        """-c before or after the command, --help, and bad usage."""
        r = subprocess.run([POSTERN, "check", "-c", self.inst.config_dir],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isdir(self.inst.queue_dir))
        for cmd in ("check", "set-permissions"):
            r = subprocess.run([POSTERN, cmd, "--help"], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0)
            self.assertIn(f"usage: postern {cmd}", r.stdout)
            for bad in (["-x"], ["extra"]):
                r = self.check(*bad, command=cmd)
                self.assertEqual(r.returncode, 1)
                self.assertIn(f"usage: postern {cmd}", r.stderr)


@unittest.skipUnless(os.geteuid() == 0, "needs root to switch users")
class UnprivilegedCheckTest(unittest.TestCase):
    """Run by another user, check makes everything that user's own."""

    def setUp(self):
        self.user = pwd.getpwnam("nobody")
        self.root = tempfile.mkdtemp(prefix="check-nobody-", dir=TMP)
        os.chmod(self.root, 0o755)
        for d in ("etc", "libexec"):
            os.makedirs(os.path.join(self.root, d))
        with open(os.path.join(self.root, "etc", "main.cf"), "w") as f:
            for key in ("queue", "data", "libexec"):
                name = {"queue": "queue_directory", "data": "data_directory",
                        "libexec": "daemon_directory"}[key]
                f.write(f"{name} = {self.root}/{key}\n")
        with open(os.path.join(self.root, "etc", "master.cf"), "w"):
            pass
        master = os.path.join(self.root, "libexec", "master")
        with open(master, "w") as f:
            f.write(FAKE_MASTER)
        os.chmod(master, 0o755)
        os.chown(self.root, self.user.pw_uid, self.user.pw_gid)

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def test_tree_owned_by_invoking_user(self):
        r = subprocess.run([POSTERN, "-c", os.path.join(self.root, "etc"),
                            "check"], capture_output=True, text=True,
                           timeout=60, user=self.user.pw_uid,
                           group=self.user.pw_gid, extra_groups=[])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not running as root", r.stderr)
        for name, _, _, mode in TREE:
            st = os.lstat(os.path.join(self.root, "queue", name))
            self.assertEqual(st.st_uid, self.user.pw_uid, name)
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, name)


if __name__ == "__main__":
    unittest.main()
