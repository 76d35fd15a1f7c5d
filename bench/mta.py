"""mta - the two mail systems under test, as private throwaway instances.

    with Postfix(work, main_cf) as mta:        # or Postern(work, main_cf)
        mta.start(cgroup)    # master and every descendant in that cgroup
        ...                  # mta.port: its smtpd on 127.0.0.1
        mta.queue_files()    # files left in incoming/active/deferred/...
        mta.stop()

Both get the same main.cf settings (the caller's) on top of what each
needs to run from where it is:

- Postfix: Debian's postfix package unpacked, never installed
  (tests/integration/postfix_ref.py downloads and unpacks it once into
  tests/tmp/postfix-root).  config_directory, queue_directory,
  data_directory and meta_directory live in a temp folder; the programs
  and libpostfix-*.so stay in the unpacked tree, reached through
  daemon_directory, command_directory, shlib_directory and
  LD_LIBRARY_PATH (passed on by import_environment: the binaries' RUNPATH
  is /usr/lib/postfix, which is not there).  mail_owner "postfix" and
  setgid_group "postdrop" are created (system accounts) when missing.
  `postfix start` runs its own integrity check, which creates the queue
  folders (post-install create-missing).
- Postern: the tree's build, run as tests/integration/instance.py runs
  it (mail_owner "postern", setgid_group "posterndrop").

Both master.cf files hold the same services, none chrooted, smtpd on
127.0.0.1:PORT.  Every process either starts is ended by pid: stop()
asks politely, then whatever still sits in the cgroup gets SIGKILL.
Errors are raised as BenchError with the tail of the instance's log.
"""
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

import instance  # noqa: E402  (tests/integration/instance.py)
import postfix_ref  # noqa: E402

QUEUES = ("maildrop", "incoming", "active", "deferred", "hold", "corrupt")

# Services both master.cf files hold (Postfix adds scache, which its smtp
# client asks for by default).
MASTER_CF = """\
127.0.0.1:{port} inet n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
postlog   unix-dgram n  -       n       -       1       postlogd
"""
POSTFIX_ONLY_CF = """\
scache    unix  -       -       n       -       1       scache
"""

PF_OWNER, PF_GROUP = "postfix", "postdrop"


def remove_tree(path):
    """Remove a measurement's folder, unless bench/run keeps it (--keep)
    or removes every folder at the end of the run (BENCH_DEFER_RM: it
    does, so that no measurement pays for the inodes the one before it
    freed: ext4 without a journal skips recently freed inodes when it
    allocates one, and a few thousand removed files slow the next
    thousand creates; docs/performance.md, "Method")."""
    if os.environ.get("BENCH_KEEP") or os.environ.get("BENCH_DEFER_RM"):
        return
    shutil.rmtree(path, ignore_errors=True)


class BenchError(Exception):
    """Something the benchmark cannot go on after."""


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout, alive=None):
    """Wait until something accepts on 127.0.0.1:port; BenchError after
    timeout seconds or as soon as alive() says the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise BenchError(f"port {port}: the server died")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"nothing listens on 127.0.0.1:{port} after "
                     f"{timeout}s")


def _tail(path, n=3000):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")[-n:]
    except OSError:
        return ""


def ensure_postfix_accounts():
    """Create group postdrop and user postfix (own group) if missing."""
    try:
        grp.getgrnam(PF_GROUP)
    except KeyError:
        subprocess.run(["groupadd", "--system", PF_GROUP], check=True,
                       capture_output=True, timeout=60)
    try:
        pwd.getpwnam(PF_OWNER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group",
                        "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", PF_OWNER],
                       check=True, capture_output=True, timeout=60)


def postfix_root():
    """The unpacked Postfix tree; BenchError if it cannot be had."""
    root = postfix_ref.root()
    if root is None:
        raise BenchError("cannot download/unpack Debian's postfix package "
                         "(apt-get download postfix)")
    return root


def postfix_env(root):
    """The environment Postfix's programs need from the unpacked tree."""
    return dict(os.environ,
                LD_LIBRARY_PATH=os.path.join(root, "usr", "lib", "postfix"))


def count_files(top, names):
    """Regular files anywhere under top/NAME for each name (bounded)."""
    total = 0
    for name in names:
        todo = [os.path.join(top, name)]
        while todo and total < 10_000_000:
            try:
                entries = list(os.scandir(todo.pop()))
            except OSError:
                continue
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    todo.append(e.path)
                elif e.is_file(follow_symlinks=False):
                    total += 1
    return total


def _join_cgroup(cgroup):
    """A preexec_fn that moves the child into cgroup before exec."""
    def join():
        if cgroup is not None:
            cgroup.add(os.getpid())
    return join


class Mta:
    """What both instances share: start under a cgroup, stop, clean up."""

    name = "?"

    def __init__(self, work, main_cf):
        self.work = work
        self.main_cf = dict(main_cf)
        self.port = free_port()
        self.cgroup = None
        self.root = None

    def __enter__(self):
        try:
            self.setup()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def _run(self, argv, env=None, timeout=120, cgroup=None):
        """Run a command (output to files: a daemon keeping a descriptor
        cannot hang us); CompletedProcess with text output."""
        with tempfile.TemporaryFile() as out, \
                tempfile.TemporaryFile() as err:
            r = subprocess.run(argv, stdout=out, stderr=err, env=env,
                               stdin=subprocess.DEVNULL, timeout=timeout,
                               preexec_fn=_join_cgroup(cgroup))
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(
                argv, r.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"))

    def start(self, cgroup):
        """Start the instance with its master in cgroup; return once its
        smtpd answers."""
        self.cgroup = cgroup
        r = self._run(self.start_argv(), env=self.env(), cgroup=cgroup)
        if r.returncode != 0:
            raise BenchError(f"{self.name} start: exit {r.returncode}\n"
                             f"{r.stdout}{r.stderr}\n{self.log_tail()}")
        try:
            wait_port(self.port, 30)
        except BenchError as e:
            raise BenchError(f"{self.name}: {e}\n{self.log_tail()}")

    def stop(self):
        """Stop politely, then SIGKILL whatever of it is left, by pid."""
        if self.cgroup is None:
            return
        try:
            self._run(self.stop_argv(), env=self.env(), timeout=60)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 10
        while self.cgroup.pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.cgroup.kill_all()
        self.cgroup = None

    def queue_files(self):
        """Queue files still waiting anywhere in the queue."""
        return count_files(self.queue_dir, QUEUES)

    def log_tail(self):
        return f"--- {self.name} log (tail) ---\n" + _tail(self.log_path)

    def cleanup(self):
        self.stop()
        if self.root:
            remove_tree(self.root)


class Postfix(Mta):
    """A private Postfix 3.7 instance from the unpacked Debian package."""

    name = "postfix"

    def setup(self):
        self.pf = postfix_root()
        ensure_postfix_accounts()
        self.root = tempfile.mkdtemp(prefix="postfix-", dir=self.work)
        os.chmod(self.root, 0o755)
        self.config_dir = os.path.join(self.root, "etc")
        self.queue_dir = os.path.join(self.root, "queue")
        self.log_path = os.path.join(self.root, "maillog")
        os.makedirs(self.config_dir, 0o755)
        os.makedirs(self.queue_dir, 0o755)
        # post-install (create-missing) reads meta_directory's lists.
        shutil.copy(os.path.join(self.pf, "etc", "postfix", "postfix-files"),
                    self.config_dir)
        shutil.copy(os.path.join(self.pf, "usr", "share", "postfix",
                                 "dynamicmaps.cf"), self.config_dir)
        self._write("main.cf", self.main_cf_text())
        self._write("master.cf", MASTER_CF.format(port=self.port)
                    + POSTFIX_ONLY_CF)
        with open(self.log_path, "a"):
            pass
        os.chown(self.log_path, pwd.getpwnam(PF_OWNER).pw_uid, -1)

    def main_cf_text(self):
        lib = os.path.join(self.pf, "usr", "lib", "postfix")
        conf = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue_dir,
            "data_directory": os.path.join(self.root, "data"),
            "meta_directory": self.config_dir,
            "daemon_directory": os.path.join(lib, "sbin"),
            "command_directory": os.path.join(self.pf, "usr", "sbin"),
            "shlib_directory": lib,
            "mail_owner": PF_OWNER,
            "setgid_group": PF_GROUP,
            "maillog_file": self.log_path,
            "maillog_file_prefixes": self.root,
            "import_environment": "MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ "
                                  "LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME "
                                  f"LD_LIBRARY_PATH={lib}",
            "alias_maps": "", "alias_database": "",
            "biff": "no",
        }
        conf.update(self.main_cf)
        return "".join(f"{k} = {v}\n" for k, v in conf.items())

    def _write(self, name, text):
        with open(os.path.join(self.config_dir, name), "w") as f:
            f.write(text)

    def env(self):
        return postfix_env(self.pf)

    def start_argv(self):
        return [os.path.join(self.pf, "usr", "sbin", "postfix"),
                "-c", self.config_dir, "start"]

    def stop_argv(self):
        return [os.path.join(self.pf, "usr", "sbin", "postfix"),
                "-c", self.config_dir, "stop"]


class Postern(Mta):
    """A Postern instance of the tree's build (tests/integration's)."""

    name = "postern"

    def setup(self):
        if not os.access(instance.POSTERN, os.X_OK):
            raise BenchError(f"{instance.POSTERN} is not built: run make")
        conf = {"compatibility_level": "3.6", "alias_maps": "",
                "biff": "no"}
        conf.update(self.main_cf)
        self.inst = instance.Instance(
            name="bench-postern", main_cf=conf,
            master_cf=MASTER_CF.format(port=self.port))
        instance.TMP = self.work
        self.inst.__enter__()
        self.root = self.inst.root
        self.config_dir = self.inst.config_dir
        self.queue_dir = self.inst.queue_dir
        self.log_path = self.inst.log_path

    def env(self):
        return dict(os.environ, MAIL_CONFIG=self.config_dir)

    def start_argv(self):
        return [instance.POSTERN, "-c", self.config_dir, "start"]

    def stop_argv(self):
        return [instance.POSTERN, "-c", self.config_dir, "stop"]

    def cleanup(self):
        self.stop()
        inst = getattr(self, "inst", None)
        if inst is not None:
            if os.environ.get("BENCH_KEEP"):
                os.environ["POSTERN_KEEP"] = "1"
            # As remove_tree(): with BENCH_DEFER_RM the folder (its
            # spare/ files above all) goes at the end of the run, so the
            # next measurement does not pay for the inodes it frees.
            inst.keep_root = bool(os.environ.get("BENCH_DEFER_RM"))
            inst.__exit__(None, None, None)
            self.inst = None


class Cgroup:
    """A cgroup v2 folder of our own (CPU used by its members and their
    reaped children: cpu.stat usage_usec), or a cgroup v1 cpuacct one
    (cpuacct.usage, nanoseconds) where v2 is not writable."""

    V2 = ("/sys/fs/cgroup/unified", "/sys/fs/cgroup")
    V1 = "/sys/fs/cgroup/cpuacct"

    def __init__(self, name):
        self.path = None
        for top in self.V2:
            if os.path.exists(os.path.join(top, "cgroup.controllers")):
                path = os.path.join(top, name)
                if self._mkdir(path):
                    self.path, self.v2 = path, True
                    return
        path = os.path.join(self.V1, name)
        if self._mkdir(path):
            self.path, self.v2 = path, False
            return
        raise BenchError("cannot create a cgroup (v2 under "
                         "/sys/fs/cgroup[/unified] or v1 cpuacct): the "
                         "benchmark needs one to count CPU time; run as "
                         "root with /sys/fs/cgroup writable")

    @staticmethod
    def _mkdir(path):
        try:
            os.mkdir(path)
            return True
        except FileExistsError:
            return os.path.isdir(path) and not Cgroup._members(path)
        except OSError:
            return False

    @staticmethod
    def _members(path):
        try:
            with open(os.path.join(path, "cgroup.procs")) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def add(self, pid):
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    def pids(self):
        return self._members(self.path)

    def cpu_seconds(self):
        """CPU time (user+system) of everything that ran in it."""
        if self.v2:
            with open(os.path.join(self.path, "cpu.stat")) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == "usage_usec":
                        return int(v) / 1e6
            raise BenchError(f"{self.path}/cpu.stat has no usage_usec")
        with open(os.path.join(self.path, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9

    def kill_all(self):
        """SIGKILL each member by pid until none is left (bounded)."""
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)
        raise BenchError(f"processes {self.pids()} survive SIGKILL")

    def remove(self):
        if self.path is None:
            return
        self.kill_all()
        for _ in range(50):
            try:
                os.rmdir(self.path)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)
        self.path = None
