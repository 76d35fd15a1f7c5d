"""instance - a throwaway Postern instance for integration tests.

    from instance import Instance, REPO
    with Instance(name="anvil", main_cf={...}, master_cf=TEXT) as inst:
        inst.start()
        inst.postern("map", "-q", "k", "proxy:hash:/x")   # CompletedProcess
        inst.wait_log(r"postern/anvil\\[\\d+\\]: ", timeout=10)   # re.Match
        inst.pids()      # {pid: (comm, uid, root)}: master and descendants
        inst.stop()

The instance lives in a fresh folder under REPO/tests/tmp/: etc/ (main.cf,
master.cf), queue/ (made by `postern check` in __enter__), data/, libexec/
(daemon_directory: a symlink to every built daemons/NAME/NAME), bin/ and
maillog.  Built programs come from the tree named by the POSTERN_BUILD
environment variable (default: the in-tree build, REPO).

As root the instance runs with privilege separation: mail_owner "postern"
and setgid_group "posterndrop" are created when missing.  As another user
everything runs as that user, and the harness says so once.  __exit__
stops the instance, kills by pid whatever of it is left, and removes the
folder unless the block failed or POSTERN_KEEP is set.

Helpers: free_port(), connect_unix(path), ipc_request(path, attrs): a
small Python implementation of the attribute codec (libutil/attr.c):
    frame     = length:u32 payload
    payload   = count:u16 attribute*count
    attribute = type:u8 namelen:u8 name valuelen:u32 value
    type      = 1 string | 2 number (u32) | 3 long (s64) | 4 data
all numbers big-endian.
"""
import fcntl
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("POSTERN_BUILD") or REPO)
POSTERN = os.path.join(BUILD, "commands", "postern", "postern")
TMP = os.path.join(REPO, "tests", "tmp")

MAIL_OWNER = "postern"
SETGID_GROUP = "posterndrop"

# master.cf lines of the services the default master.cf may hold, keyed
# by the program each needs.
SERVICE_LINES = {
    "anvil": ["anvil     unix  -       -       n       -       1       anvil"],
    "proxymap": [
        "proxymap  unix  -       -       n       -       -       proxymap",
        "proxywrite unix -       -       n       -       1       proxymap",
    ],
    "postlogd": [
        "postlog   unix-dgram n  -       n       -       1       postlogd"],
}

# Attribute types on the wire.
ATTR_STR, ATTR_INT, ATTR_LONG, ATTR_DATA = 1, 2, 3, 4

_said_unprivileged = False


def program(name):
    """Path of the built daemon NAME (may not exist)."""
    return os.path.join(BUILD, "daemons", name, name)


def built(name):
    """True when daemons/NAME/NAME has been built."""
    return os.access(program(name), os.X_OK)


def built_daemons():
    """Names of every built daemon."""
    top = os.path.join(REPO, "daemons")
    names = sorted(os.listdir(top)) if os.path.isdir(top) else []
    return [n for n in names if built(n)]


def default_master_cf():
    """The services among anvil, proxymap, proxywrite, postlog whose
    program is built, as master.cf text."""
    lines = []
    for prog, svc in SERVICE_LINES.items():
        if built(prog):
            lines.extend(svc)
    return "".join(line + "\n" for line in lines)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_in_threads(owner, sock, backlog, handle):
    """Listen on the bound sock and accept in a daemon thread until
    owner.stop is true (looked at every 0.2 s), handing each connection
    to handle(conn) in a daemon thread of its own."""
    sock.listen(backlog)
    sock.settimeout(0.2)
    owner.stop = False

    def accept():
        while not owner.stop:
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=handle, args=(conn,),
                             daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()


def connect_unix(path, timeout=10):
    """A connected UNIX stream socket (timeout in seconds)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except OSError:
        s.close()
        raise
    return s


class Long(int):
    """A value to send as a 64-bit long instead of a 32-bit number."""


def encode_attrs(attrs):
    """An attribute frame for a dict: str -> string, int -> number,
    Long -> long, bytes -> data."""
    body = struct.pack(">H", len(attrs))
    for name, value in attrs.items():
        if isinstance(value, Long):
            kind, data = ATTR_LONG, struct.pack(">q", value)
        elif isinstance(value, int):
            kind, data = ATTR_INT, struct.pack(">I", value)
        elif isinstance(value, bytes):
            kind, data = ATTR_DATA, value
        else:
            kind, data = ATTR_STR, str(value).encode()
        raw = name.encode()
        body += struct.pack(">BB", kind, len(raw)) + raw
        body += struct.pack(">I", len(data)) + data
    return struct.pack(">I", len(body)) + body


def decode_attrs(payload):
    """The dict of one frame's payload (prefix removed); ValueError if it
    is malformed."""
    if len(payload) < 2:
        raise ValueError("short payload")
    (count,), pos, out = struct.unpack_from(">H", payload), 2, {}
    for _ in range(count):
        kind, nlen = struct.unpack_from(">BB", payload, pos)
        pos += 2
        name = payload[pos:pos + nlen].decode()
        pos += nlen
        (vlen,) = struct.unpack_from(">I", payload, pos)
        pos += 4
        data = payload[pos:pos + vlen]
        if len(data) != vlen:
            raise ValueError("truncated value")
        pos += vlen
        if kind == ATTR_STR:
            out[name] = data.decode(errors="replace")
        elif kind == ATTR_INT:
            out[name] = struct.unpack(">I", data)[0]
        elif kind == ATTR_LONG:
            out[name] = struct.unpack(">q", data)[0]
        else:
            out[name] = data
    if pos != len(payload):
        raise ValueError("bytes left after the attributes")
    return out


def read_exact(sock, n):
    """n bytes from sock; EOFError when it closes first."""
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def ipc_exchange(sock, attrs):
    """Send one request on a connected socket, return the reply dict."""
    sock.sendall(encode_attrs(attrs))
    (length,) = struct.unpack(">I", read_exact(sock, 4))
    return decode_attrs(read_exact(sock, length))


def ipc_request(path, attrs, timeout=10):
    """One request to the service at path; the reply as a dict."""
    with connect_unix(path, timeout) as s:
        return ipc_exchange(s, attrs)


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def proc_stat(pid):
    """(comm, state, ppid) of a process, or None when it is gone."""
    text = _read(f"/proc/{pid}/stat")
    close = text.rfind(")")
    if close < 0:
        return None
    fields = text[close + 2:].split()
    return text[text.find("(") + 1:close], fields[0], int(fields[1])


def proc_uids(pid):
    """(real, effective, saved, fs) uids of a process, or None."""
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("Uid:"):
            return tuple(int(x) for x in line.split()[1:5])
    return None


def proc_root(pid):
    """Where a process's / is, or None when it cannot be read."""
    try:
        return os.readlink(f"/proc/{pid}/root")
    except OSError:
        return None


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def lock_holder(path):
    """The pid holding an fcntl lock on path (the file's pid if the lock
    does not say), or 0 when nothing holds it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return 0
    try:
        # struct flock: short type, short whence, off_t start, len; pid_t.
        arg = struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0) + b"\0" * 4
        res = fcntl.fcntl(fd, fcntl.F_GETLK, arg)
        ltype, _, _, _, lpid = struct.unpack_from("hhqqi", res)
        if ltype == fcntl.F_UNLCK:
            return 0
        if lpid > 0:
            return lpid
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        return int(text) if text.isdigit() else 0
    finally:
        os.close(fd)


def ensure_accounts():
    """Create setgid_group and mail_owner (as root) when missing."""
    try:
        grp.getgrnam(SETGID_GROUP)
    except KeyError:
        subprocess.run(["groupadd", "--system", SETGID_GROUP],
                       capture_output=True, timeout=60)
        grp.getgrnam(SETGID_GROUP)
    try:
        pwd.getpwnam(MAIL_OWNER)
    except KeyError:
        shell = "/usr/sbin/nologin"
        if not os.path.exists(shell):
            shell = "/bin/false"
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", shell,
                        MAIL_OWNER], capture_output=True, timeout=60)
        pwd.getpwnam(MAIL_OWNER)


class Instance:
    """A Postern instance in a temp folder; see the module comment."""

    def __init__(self, name="test", main_cf=None, master_cf=None,
                 check=True, wrap=None):
        self.name = name
        self.wrap = list(wrap or [])
        self.extra_main_cf = dict(main_cf or {})
        self.master_cf_text = master_cf
        self.run_check = check
        # Leave the folder for the caller to remove (bench/: every
        # measurement's folder goes at the end of the run).
        self.keep_root = False
        self.privsep = os.geteuid() == 0
        if self.privsep:
            self.mail_owner, self.setgid_group = MAIL_OWNER, SETGID_GROUP
        else:
            self.mail_owner = pwd.getpwuid(os.getuid()).pw_name
            self.setgid_group = grp.getgrgid(os.getgid()).gr_name
        self.root = None

    # -- setting up ----------------------------------------------------

    def __enter__(self):
        global _said_unprivileged
        if self.privsep:
            ensure_accounts()
        elif not _said_unprivileged:
            print(f"instance: not root: every process runs as "
                  f"{self.mail_owner}, without privilege separation",
                  file=sys.stderr)
            _said_unprivileged = True
        os.makedirs(TMP, exist_ok=True)
        self.root = tempfile.mkdtemp(prefix=f"{self.name}-", dir=TMP)
        # mail_owner must reach the tree through this folder.
        os.chmod(self.root, 0o755)
        self.config_dir = os.path.join(self.root, "etc")
        self.queue_dir = os.path.join(self.root, "queue")
        self.data_dir = os.path.join(self.root, "data")
        self.daemon_dir = os.path.join(self.root, "libexec")
        self.command_dir = os.path.join(self.root, "bin")
        self.log_path = os.path.join(self.root, "maillog")
        self.pid_file = os.path.join(self.queue_dir, "pid", "master.pid")
        try:
            self._populate()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _populate(self):
        for d in (self.config_dir, self.daemon_dir, self.command_dir):
            os.makedirs(d, mode=0o755)
        for name in built_daemons():
            os.symlink(program(name), os.path.join(self.daemon_dir, name))
        if os.path.exists(POSTERN):
            os.symlink(POSTERN, os.path.join(self.command_dir, "postern"))
        self.write_main_cf()
        self.write_master_cf(self.master_cf_text)
        # postlogd appends to it as mail_owner.
        with open(self.log_path, "a"):
            pass
        if self.privsep:
            os.chown(self.log_path, pwd.getpwnam(MAIL_OWNER).pw_uid, -1)
        os.chmod(self.log_path, 0o644)
        if self.run_check and os.path.exists(POSTERN):
            self.postern("check")

    def main_cf_settings(self):
        """What main.cf holds: the harness's settings, then main_cf."""
        conf = {
            "queue_directory": self.queue_dir,
            "daemon_directory": self.daemon_dir,
            "command_directory": self.command_dir,
            "data_directory": self.data_dir,
            "mail_owner": self.mail_owner,
            "setgid_group": self.setgid_group,
            "maillog_file": self.log_path,
            "maillog_file_prefixes": self.root,
            "myhostname": "test.example",
            "inet_interfaces": "127.0.0.1",
        }
        conf.update(self.extra_main_cf)
        return conf

    def write_main_cf(self, extra=None):
        """(Re)write main.cf; extra settings are added to main_cf."""
        self.extra_main_cf.update(extra or {})
        text = "".join(f"{k} = {v}\n"
                       for k, v in self.main_cf_settings().items())
        self._write(os.path.join(self.config_dir, "main.cf"), text)

    def write_master_cf(self, text):
        """(Re)write master.cf; None writes the default."""
        if text is None:
            text = default_master_cf()
        self._write(os.path.join(self.config_dir, "master.cf"), text)

    def add_program(self, name, text):
        """Put an executable script into daemon_directory."""
        path = os.path.join(self.daemon_dir, name)
        if os.path.lexists(path):
            os.unlink(path)
        self._write(path, text)
        os.chmod(path, 0o755)
        return path

    @staticmethod
    def _write(path, text):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.rename(tmp, path)

    # -- running commands ----------------------------------------------

    def postern(self, *args, check=False, input=None, timeout=120):
        """Run `postern -c CONFIG_DIR ARGS`; a CompletedProcess with text
        output (files, not pipes: a daemon that keeps an inherited
        descriptor cannot make this hang)."""
        cmd = self.wrap + [POSTERN, "-c", self.config_dir] + list(args)
        env = dict(os.environ, MAIL_CONFIG=self.config_dir)
        with tempfile.TemporaryFile() as out, \
                tempfile.TemporaryFile() as err:
            r = subprocess.run(cmd, stdout=out, stderr=err, env=env,
                               input=input.encode() if isinstance(input, str)
                               else input, timeout=timeout)
            out.seek(0)
            err.seek(0)
            r = subprocess.CompletedProcess(
                cmd, r.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"))
        if check and r.returncode != 0:
            raise AssertionError(f"postern {' '.join(args)}: exit "
                                 f"{r.returncode}\n{r.stdout}{r.stderr}")
        return r

    def start(self):
        """`postern start`; returns once master holds its lock."""
        r = self.postern("start")
        if r.returncode != 0:
            raise AssertionError(f"postern start: exit {r.returncode}\n"
                                 f"{r.stderr}\nlog:\n{self.log()[-3000:]}")
        return r

    def stop(self):
        """`postern stop`; returns once every process of it is gone."""
        r = self.postern("stop")
        if r.returncode != 0:
            raise AssertionError(f"postern stop: exit {r.returncode}\n"
                                 f"{r.stderr}")
        return r

    def reload(self):
        """`postern reload`."""
        return self.postern("reload", check=True)

    # -- looking at it -------------------------------------------------

    def log(self):
        """The whole maillog_file."""
        return _read(self.log_path)

    def log_size(self):
        """Characters of the log so far (a `since` for wait_log)."""
        return len(self.log())

    def wait_log(self, pattern, timeout=10, since=0, flags=re.M):
        """The first match of pattern in the log (after character
        `since`), waiting up to timeout seconds; AssertionError if none."""
        regex = re.compile(pattern, flags)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.log(), since)
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError(f"no log line matches {pattern!r} "
                                     f"within {timeout}s; log:\n"
                                     f"{self.log()[since:][-3000:]}")
            time.sleep(0.05)

    def master_pid(self):
        """master's pid when it holds its lock, else 0."""
        if self.root is None:
            return 0
        pid = lock_holder(self.pid_file)
        return pid if pid and proc_stat(pid) else 0

    def pids(self):
        """{pid: (comm, uid, root)} of master and its descendants; uid is
        the effective uid (proc_uids() has them all), root where the
        process's / is."""
        master = self.master_pid()
        if not master:
            return {}
        children = {}
        for pid in all_pids():
            st = proc_stat(pid)
            if st and st[1] != "Z":
                children.setdefault(st[2], []).append(pid)
        family, todo = [], [master]
        while todo and len(family) < 100000:
            pid = todo.pop()
            family.append(pid)
            todo.extend(children.get(pid, []))
        out = {}
        for pid in family:
            st, uids = proc_stat(pid), proc_uids(pid)
            if st and uids:
                out[pid] = (st[0], uids[1], proc_root(pid))
        return out

    def strays(self):
        """Pids of processes that belong to this instance whatever their
        parent: / or working folder inside it, or its config on their
        command line."""
        found = []
        for pid in all_pids():
            if pid == os.getpid():
                continue
            paths = []
            for link in ("root", "cwd"):
                try:
                    paths.append(os.readlink(f"/proc/{pid}/{link}"))
                except OSError:
                    pass
            st = proc_stat(pid)
            if st is None or st[1] == "Z":
                continue
            cmdline = _read(f"/proc/{pid}/cmdline").split("\0")
            if (any(p == self.root or p.startswith(self.root + "/")
                    for p in paths) or self.config_dir in cmdline):
                found.append(pid)
        return found

    # -- tearing down --------------------------------------------------

    def __exit__(self, exc_type, exc, tb):
        if self.root is None:
            return False
        try:
            if self.master_pid():
                self.postern("stop", timeout=60)
        finally:
            self._kill_strays()
            keep = exc_type is not None or os.environ.get("POSTERN_KEEP")
            if keep:
                print(f"instance: kept {self.root}", file=sys.stderr)
            elif not self.keep_root:
                shutil.rmtree(self.root, ignore_errors=True)
        return False

    def _kill_strays(self):
        """SIGKILL, by pid, whatever of this instance still runs."""
        for pid in list(self.pids()) + self.strays():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        while self.strays() and time.monotonic() < deadline:
            time.sleep(0.05)
