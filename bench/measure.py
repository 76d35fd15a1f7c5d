"""measure - one measurement of one mail system, or of one ceiling.

    r = measure_mta(mta.Postern, "relay", opts, work)
    r = {"accept": msgs/s, "e2e": msgs/s, "cpu_per_1000": seconds,
         "rss": {program: peak VmHWM bytes}, "messages": N}
    measure_sink(opts, work)   -> {"rate": msgs/s}
    measure_disk(opts, work)   -> {"rate": operations/s}

A measurement of an MTA, relay or local:
  1. a fresh instance (empty queue) in its own cgroup, started, idle;
  2. smtp-source sends opts.messages messages of opts.size bytes over
     opts.sessions parallel sessions, one message per connection;
  3. acceptance rate = messages / smtp-source's wall time;
     end-to-end rate = messages / (time until the last one arrived:
     counted by smtp-sink for relay, by files in the Maildir's new/ for
     local), polled every 0.1 s;
  4. CPU = the cgroup's CPU time (every process of the instance, reaped
     children included) from just before smtp-source starts to the
     moment the last message arrived;
  5. peak RSS: VmHWM of every process in the cgroup, sampled at each
     poll, the largest per program name; and each process's CPU time
     at its last sample, summed per program name (a breakdown of 4 that
     misses what a process used in its last 0.1 s before exiting);
  6. then the queue must drain to empty and the count must be exactly
     the number sent: anything else (lost or duplicated messages,
     smtp-source errors, a timeout) raises BenchError.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import mta
from mta import BenchError

VMAIL_USER = "benchvmail"
SENDER = "sender@client.bench"
RELAY_RCPT = "user@remote.bench"
LOCAL_RCPT = "bench@local.bench"
POLL = 0.1


def common_main_cf():
    """Settings both MTAs get: the same meaning for each."""
    return {
        "myhostname": "mta.bench",
        "mydomain": "bench",
        "mydestination": "localhost",
        "inet_interfaces": "127.0.0.1",
        "inet_protocols": "ipv4",
        "mynetworks": "127.0.0.0/8",
    }


def ensure_vmail_user():
    """The owner of the benchmark's Maildirs (a system account)."""
    try:
        return pwd.getpwnam(VMAIL_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group",
                        "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", VMAIL_USER],
                       check=True, capture_output=True, timeout=60)
        return pwd.getpwnam(VMAIL_USER)


def pf_tool(name):
    """Path of one of Postfix's tools in the unpacked tree."""
    return os.path.join(mta.postfix_root(), "usr", "sbin", name)


class Sink:
    """smtp-sink on a free port; count() is the messages it took."""

    def __init__(self, work):
        self.port = mta.free_port()
        self.out = tempfile.NamedTemporaryFile(dir=work, prefix="sink-",
                                               delete=False)
        env = mta.postfix_env(mta.postfix_root())
        self.proc = subprocess.Popen(
            [pf_tool("smtp-sink"), "-u", "nobody", "-c",
             f"127.0.0.1:{self.port}", "256"],
            stdout=self.out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=env)
        try:
            mta.wait_port(self.port, 10, alive=self.alive)
        except BaseException:
            self.close()
            raise

    def alive(self):
        return self.proc.poll() is None

    def count(self):
        """The last "mesg=N" smtp-sink -c printed."""
        try:
            with open(self.out.name, "rb") as f:
                f.seek(max(0, os.path.getsize(self.out.name) - 256))
                tail = f.read().decode(errors="replace")
        except OSError:
            return 0
        pos = tail.rfind("mesg=")
        if pos < 0:
            return 0
        digits = tail[pos + 5:].split("\r")[0].split()[0:1]
        return int(digits[0]) if digits and digits[0].isdigit() else 0

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.out.close()
        os.unlink(self.out.name)


class Source:
    """smtp-source sending opts.messages messages to 127.0.0.1:port."""

    def __init__(self, opts, port, rcpt, work):
        self.err = tempfile.TemporaryFile(dir=work)
        argv = [pf_tool("smtp-source"), "-s", str(opts.sessions),
                "-l", str(opts.size), "-m", str(opts.messages),
                "-M", "client.bench", "-f", SENDER, "-t", rcpt,
                f"127.0.0.1:{port}"]
        self.start = time.monotonic()
        self.end = None
        self.proc = subprocess.Popen(
            argv, stdout=self.err, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=mta.postfix_env(mta.postfix_root()))

    def done(self):
        """True once smtp-source exited; BenchError if it failed."""
        if self.end is not None:
            return True
        if self.proc.poll() is None:
            return False
        self.end = time.monotonic()
        if self.proc.returncode != 0 or self.output().strip():
            raise BenchError(f"smtp-source: exit {self.proc.returncode}:\n"
                             f"{self.output()[-2000:]}")
        return True

    def output(self):
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.err.close()


def sample(cgroup, peaks, cpu):
    """Fold each cgroup member's VmHWM (bytes) into peaks[name], and
    its CPU time so far (seconds) into cpu[pid] = (name, seconds).
    The time is schedstat's run time in nanoseconds: stat's utime and
    stime come in 10 ms ticks, coarser than a short-lived daemon's use."""
    for pid in cgroup.pids():
        name, hwm, used = None, None, None
        try:
            with open(f"/proc/{pid}/schedstat") as f:
                used = int(f.read().split()[0]) / 1e9
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("Name:"):
                        name = line.split(None, 1)[1].strip()
                    elif line.startswith("VmHWM:"):
                        hwm = int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            continue
        if name and hwm is not None:
            peaks[name] = max(peaks.get(name, 0), hwm)
            cpu[pid] = (name, used)


def cpu_by_name(cpu, messages):
    """Sampled CPU seconds per 1000 messages, per program name."""
    out = {}
    for name, used in cpu.values():
        out[name] = out.get(name, 0) + used
    return {k: v * 1000 / messages for k, v in out.items()}


def maildir_counter(box):
    """A function counting the files in box/new/."""
    new = os.path.join(box, "new")

    def count():
        try:
            with os.scandir(new) as it:
                return sum(1 for _ in it)
        except OSError:
            return 0
    return count


def drive(inst, cgroup, opts, rcpt, count, work):
    """Send the load, wait for delivery; the measurement's dict."""
    peaks, cpu_seen = {}, {}
    sample(cgroup, peaks, cpu_seen)
    before = cpu_by_name(cpu_seen, opts.messages)
    deadline = time.monotonic() + opts.timeout
    cpu0 = cgroup.cpu_seconds()
    src = Source(opts, inst.port, rcpt, work)
    try:
        got = 0
        while not (src.done() and got >= opts.messages):
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{inst.name}: timeout after {opts.timeout}s: "
                    f"{got}/{opts.messages} delivered, smtp-source "
                    f"{'done' if src.end else 'running'}, "
                    f"{inst.queue_files()} queue files\n{inst.log_tail()}")
            sample(cgroup, peaks, cpu_seen)
            time.sleep(POLL)
            got = count()
        e2e_end = time.monotonic()
        cpu = cgroup.cpu_seconds() - cpu0
        sample(cgroup, peaks, cpu_seen)
    finally:
        src.close()
    settle(inst, opts, count, deadline)
    return {"messages": opts.messages,
            "accept": opts.messages / (src.end - src.start),
            "e2e": opts.messages / (e2e_end - src.start),
            "cpu_per_1000": cpu * 1000 / opts.messages,
            "rss": peaks,
            "cpu_by_program": {k: v - before.get(k, 0) for k, v in
                               cpu_by_name(cpu_seen, opts.messages).items()}}


def settle(inst, opts, count, deadline):
    """The queue drains and exactly opts.messages arrived, or raise."""
    while inst.queue_files():
        if time.monotonic() > deadline:
            raise BenchError(f"{inst.name}: queue not empty after "
                             f"{opts.timeout}s: {inst.queue_files()} "
                             f"files\n{inst.log_tail()}")
        time.sleep(POLL)
    time.sleep(0.5)
    got = count()
    if got != opts.messages:
        raise BenchError(f"{inst.name}: {got} messages arrived, "
                         f"{opts.messages} sent\n{inst.log_tail()}")


def measure_mta(cls, scenario, opts, work):
    """One measurement of MTA class cls in scenario "relay" or "local"."""
    conf = common_main_cf()
    sink, box = None, None
    if scenario == "relay":
        sink = Sink(work)
        conf["relayhost"] = f"[127.0.0.1]:{sink.port}"
        rcpt, count = RELAY_RCPT, sink.count
    else:
        box, conf = local_setup(cls.name, conf, work)
        rcpt, count = LOCAL_RCPT, maildir_counter(os.path.join(box, "bench"))
    cgroup = mta.Cgroup(f"postern-bench-{os.getpid()}-{cls.name}")
    try:
        with cls(work, conf) as inst:
            inst.start(cgroup)
            time.sleep(opts.idle)
            result = drive(inst, cgroup, opts, rcpt, count, work)
            inst.stop()
        return result
    finally:
        cgroup.remove()
        if sink:
            sink.close()
        if box:
            mta.remove_tree(box)
            os.unlink(box + ".map")


def local_setup(name, conf, work):
    """A Maildir base owned by the virtual user, and the settings that
    send LOCAL_RCPT's domain to it."""
    pw = ensure_vmail_user()
    base = tempfile.mkdtemp(prefix=f"vmail-{name}-", dir=work)
    os.chmod(base, 0o755)
    os.chown(base, pw.pw_uid, pw.pw_gid)
    table = base + ".map"
    with open(table, "w") as f:
        f.write(f"{LOCAL_RCPT} bench/\n")
    conf = dict(conf,
                virtual_mailbox_domains="local.bench",
                virtual_mailbox_base=base,
                virtual_mailbox_maps=f"texthash:{table}",
                virtual_uid_maps=f"static:{pw.pw_uid}",
                virtual_gid_maps=f"static:{pw.pw_gid}")
    return base, conf


def measure_sink(opts, work):
    """smtp-source straight into smtp-sink: the load's own ceiling."""
    sink = Sink(work)
    try:
        deadline = time.monotonic() + opts.timeout
        src = Source(opts, sink.port, RELAY_RCPT, work)
        try:
            while not src.done():
                if time.monotonic() > deadline:
                    raise BenchError("smtp-source -> smtp-sink: timeout")
                time.sleep(0.02)
        finally:
            src.close()
        if sink.count() != opts.messages:
            raise BenchError(f"smtp-sink got {sink.count()} of "
                             f"{opts.messages}")
        return {"rate": opts.messages / (src.end - src.start)}
    finally:
        sink.close()


def build_fsyncstone(work):
    """Compile bench/fsyncstone.c into work; its path."""
    exe = os.path.join(work, "fsyncstone")
    src = os.path.join(mta.BENCH, "fsyncstone.c")
    r = subprocess.run([os.environ.get("CC", "cc"), "-O2", "-std=c11",
                        "-Wall", "-Wextra", "-Werror", "-o", exe, src],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise BenchError(f"cannot build fsyncstone:\n{r.stderr}")
    return exe


def measure_disk(opts, work, exe):
    """create+fsync+rename per second, opts.sessions writers, in the
    file system the queues live in."""
    each = max(1, opts.messages // opts.sessions)
    d = tempfile.mkdtemp(prefix="fsyncstone-", dir=work)
    try:
        r = subprocess.run([exe, d, str(opts.sessions), str(each),
                            str(opts.size)], capture_output=True,
                           text=True, timeout=opts.timeout)
        if r.returncode != 0:
            raise BenchError(f"fsyncstone: exit {r.returncode}: {r.stderr}")
        ops, secs = r.stdout.split()
        return {"rate": int(ops) / float(secs)}
    finally:
        mta.remove_tree(d)
