"""test_master - the instance's life cycle: `postern start, stop, abort,
reload, status, flush` and master's process management.

CtlTest drives postern's commands against a stand-in master (a Python
script that daemonizes, takes the pid lock and starts one child), so the
commands are checked on their own.  MasterTest runs the real master
(daemons/master) with stand-in single-servers (ECHO_SERVER below, which
speaks master_proto.h: fd 4 generation pipe, fd 5 status pipe, fd 6
listener) and, where built, the real daemons: anvil as a multi-server,
postlogd for the log.  Tests skip with a reason when what they need is
not built yet.
"""
import os
import re
import signal
import socket
import sys
import threading
import time
import unittest

from instance import (Instance, built, connect_unix, default_master_cf,
                      ipc_request, proc_stat, proc_uids)

PY = sys.executable

# A single-server stand-in: answers each line it reads with its pid, one
# client at a time; reports TAKEN/AVAIL; exits when the generation pipe
# closes (after its client).
ECHO_SERVER = f"""#!{PY}
import os, select, socket, struct, sys
GEN_FD, STATUS_FD, LISTEN_FD = 4, 5, 6

def notify(status):
    try:
        os.write(STATUS_FD, struct.pack("=ii", os.getpid(), status))
    except OSError:
        sys.exit(0)

def serve(conn):
    conn.setblocking(True)
    conn.settimeout(60)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            return
        if not data:
            return
        conn.sendall(b"%d\\n" % os.getpid())

listener = socket.socket(fileno=LISTEN_FD)
listener.setblocking(False)
while True:
    ready = select.select([listener, GEN_FD], [], [])[0]
    if GEN_FD in ready and not os.read(GEN_FD, 1):
        sys.exit(0)
    if listener in ready:
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            continue
        notify(0)
        serve(conn)
        conn.close()
        notify(1)
"""

# A master stand-in for CtlTest.  The mode file in the config folder
# says how to behave: "normal" (its child takes a second to go after
# SIGTERM), "stubborn" (its child ignores SIGTERM), "fail" (exit 3).
FAKE_MASTER = f"""#!{PY}
import fcntl, os, signal, sys, time
config = sys.argv[sys.argv.index("-c") + 1]
conf = dict(l.split(" = ", 1) for l in open(config + "/main.cf").read()
            .splitlines() if " = " in l)
queue = conf["queue_directory"]
try:
    mode = open(config + "/fake-mode").read().strip()
except OSError:
    mode = "normal"
if mode == "fail":
    sys.exit(3)
r, w = os.pipe()
if os.fork():
    os.close(w)
    sys.exit(0 if os.read(r, 1) == b"R" else 1)
os.close(r)
os.setsid()
fd = os.open(queue + "/pid/master.pid", os.O_RDWR | os.O_CREAT, 0o644)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    sys.exit(1)
os.ftruncate(fd, 0)
os.write(fd, b"%10d\\n" % os.getpid())
child = os.fork()
if child == 0:
    os.chdir(queue)
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda s, f: (time.sleep(1),
                                                    os._exit(0)))
    while True:
        time.sleep(1)

def on_term(sig, frame):
    os.kill(child, signal.SIGTERM)
    os._exit(0)

def on_hup(sig, frame):
    with open(config + "/hups", "a") as f:
        f.write("hup\\n")

signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGHUP, on_hup)
null = os.open("/dev/null", os.O_RDWR)
for n in (0, 1, 2):
    os.dup2(null, n)
os.write(w, b"R")
os.close(w)
while True:
    signal.pause()
"""

CTL_COMMANDS = ("start", "stop", "abort", "reload", "status", "flush")


def echo(sock):
    """One request on an echo connection: the serving process's pid."""
    sock.sendall(b"x\n")
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(64)
        if not chunk:
            raise EOFError("echo connection closed")
        data += chunk
    return int(data)


def wait_for(pred, timeout, what):
    """Poll pred until it is true; AssertionError after timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout}s")


def answers(path):
    """True when the echo service at path answers."""
    try:
        with connect_unix(path, 5) as s:
            return echo(s) > 0
    except (OSError, EOFError, ValueError):
        return False


class CtlTest(unittest.TestCase):
    """postern's control commands against the stand-in master."""

    def setUp(self):
        self.inst = Instance(name="ctl", master_cf="").__enter__()
        self.inst.add_program("master", FAKE_MASTER)

    def tearDown(self):
        self.inst.__exit__(None, None, None)

    def mode(self, mode):
        with open(os.path.join(self.inst.config_dir, "fake-mode"), "w") as f:
            f.write(mode)

    def assert_gone(self):
        self.assertEqual(self.inst.pids(), {})
        self.assertEqual(self.inst.strays(), [])

    def test_cycle(self):
        """start, status, a second start, reload, stop, status, start."""
        inst = self.inst
        r = inst.postern("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("postern/postern-script: starting the Postern mail "
                      "system", r.stderr)
        master = inst.master_pid()
        self.assertGreater(master, 0)
        self.assertEqual(len(inst.pids()), 2)
        r = inst.postern("status")
        self.assertEqual(r.returncode, 0)
        self.assertIn(f"the Postern mail system is running: PID: {master}",
                      r.stderr)
        r = inst.postern("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the Postern mail system is already running", r.stderr)
        self.assertEqual(inst.master_pid(), master)
        r = inst.postern("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("refreshing the Postern mail system", r.stderr)
        hups = os.path.join(inst.config_dir, "hups")
        wait_for(lambda: os.path.exists(hups), 5, "SIGHUP")
        r = inst.postern("stop")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("stopping the Postern mail system", r.stderr)
        # The child takes a second to go: stop waited for it.
        self.assert_gone()
        r = inst.postern("status")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the Postern mail system is not running", r.stderr)
        inst.start()
        self.assertNotEqual(inst.master_pid(), master)
        inst.stop()
        self.assert_gone()

    def test_start_logs(self):
        """start writes its line to maillog_file itself (no postlog yet)."""
        self.inst.start()
        self.inst.wait_log(r"postern/postern-script\[\d+\]: starting the "
                           r"Postern mail system", timeout=5)

    def test_abort_kills_stubborn_children(self):
        """abort SIGKILLs what SIGTERM did not stop."""
        self.mode("stubborn")
        self.inst.start()
        t0 = time.monotonic()
        r = self.inst.postern("abort")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("aborting the Postern mail system", r.stderr)
        self.assertLess(time.monotonic() - t0, 10)
        self.assert_gone()

    def test_master_fails(self):
        """A master that exits at once makes start fail."""
        self.mode("fail")
        r = self.inst.postern("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("master failed to start (exit status 3)", r.stderr)

    def test_start_refused_by_check(self):
        """start runs check first and does not start on errors."""
        os.chmod(os.path.join(self.inst.queue_dir, "public"), 0o777)
        r = self.inst.postern("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("world-writable", r.stderr)
        self.assertIn("not starting", r.stderr)
        self.assertEqual(self.inst.master_pid(), 0)

    def test_not_running(self):
        """stop, abort, reload and status fail when nothing runs."""
        for cmd in ("stop", "abort", "reload", "status"):
            r = self.inst.postern(cmd)
            self.assertEqual(r.returncode, 1, cmd)
            self.assertIn("the Postern mail system is not running", r.stderr)

    def test_flush_without_qmgr(self):
        r = self.inst.postern("flush")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no qmgr service is running", r.stderr)

    def test_options(self):
        """--help, -c after the command, bad usage."""
        for cmd in CTL_COMMANDS:
            r = self.inst.postern(cmd, "--help")
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn(f"usage: postern {cmd} [-c DIR]", r.stdout)
            for bad in (["-x"], ["extra"]):
                r = self.inst.postern(cmd, *bad)
                self.assertEqual(r.returncode, 1, cmd)
                self.assertIn(f"usage: postern {cmd}", r.stderr)
        r = self.inst.postern("status", "-c", self.inst.config_dir)
        self.assertEqual(r.returncode, 1)


@unittest.skipUnless(built("master"), "daemons/master is not built yet")
class MasterTest(unittest.TestCase):
    """The real master."""

    def instance(self, services="", **kw):
        """An instance with the default services plus services."""
        inst = Instance(name="master", master_cf=default_master_cf() +
                        services, **kw).__enter__()
        self.addCleanup(inst.__exit__, None, None, None)
        inst.add_program("echosrv", ECHO_SERVER)
        return inst

    def path(self, inst, service):
        return os.path.join(inst.queue_dir, "private", service)

    def need_log(self):
        if not built("postlogd"):
            self.skipTest("daemons/postlogd is not built yet")

    def assert_gone(self, inst):
        self.assertEqual(inst.pids(), {})
        self.assertEqual(inst.strays(), [])

    def test_lifecycle(self):
        """start, status 0, stop, status 1, start again; after each stop
        nothing of the instance runs."""
        inst = self.instance("echo unix - n n - 2 echosrv\n")
        inst.start()
        self.assertEqual(inst.postern("status").returncode, 0)
        self.assertTrue(answers(self.path(inst, "echo")))
        inst.stop()
        self.assertEqual(inst.postern("status").returncode, 1)
        self.assert_gone(inst)
        inst.start()
        self.assertEqual(inst.postern("status").returncode, 0)
        self.assertTrue(answers(self.path(inst, "echo")))
        inst.stop()
        self.assert_gone(inst)

    def test_second_start(self):
        """A second start while master runs fails clearly."""
        inst = self.instance()
        inst.start()
        master = inst.master_pid()
        r = inst.postern("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the Postern mail system is already running", r.stderr)
        self.assertEqual(inst.master_pid(), master)

    def test_reload_cycles(self):
        """Reloads keep master and its services."""
        inst = self.instance("echo unix - n n - 2 echosrv\n")
        inst.start()
        master = inst.master_pid()
        for _ in range(3):
            inst.reload()
            wait_for(lambda: answers(self.path(inst, "echo")), 10,
                     "echo after reload")
            self.assertEqual(inst.master_pid(), master)
        self.assertEqual(inst.postern("status").returncode, 0)

    def test_abort(self):
        """abort leaves nothing behind."""
        inst = self.instance("echo unix - n n - 2 echosrv\n")
        inst.start()
        with connect_unix(self.path(inst, "echo")) as s:
            echo(s)
            r = inst.postern("abort")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_gone(inst)

    def test_flush_without_qmgr(self):
        inst = self.instance()
        inst.start()
        r = inst.postern("flush")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no qmgr service is running", r.stderr)

    def test_killed_child_respawns(self):
        """kill -9 of a child: logged with the signal; the next
        connection gets a new process."""
        self.need_log()
        inst = self.instance("echo unix - n n - 2 echosrv\n")
        inst.start()
        with connect_unix(self.path(inst, "echo")) as s:
            victim = echo(s)
        since = inst.log_size()
        os.kill(victim, signal.SIGKILL)
        inst.wait_log(rf"\b{victim}\b.*(signal 9|SIGKILL)|"
                      rf"(signal 9|SIGKILL).*\b{victim}\b", since=since)
        with connect_unix(self.path(inst, "echo")) as s:
            self.assertNotEqual(echo(s), victim)

    def test_batch_scheduling(self):
        """batch_scheduled_services: master starts those programs under
        SCHED_BATCH, the others (and itself) under the normal policy."""
        inst = self.instance("echo unix - n n - 2 echosrv\n",
                             main_cf={"batch_scheduled_services": "echosrv"})
        inst.start()
        with connect_unix(self.path(inst, "echo")) as s:
            child = echo(s)
            self.assertEqual(os.sched_getscheduler(child), os.SCHED_BATCH)
        self.assertEqual(os.sched_getscheduler(inst.master_pid()),
                         os.SCHED_OTHER)
        inst.stop()
        # The default list: intake and postlogd, not an unknown program.
        inst = self.instance("echo unix - n n - 2 echosrv\n")
        inst.start()
        with connect_unix(self.path(inst, "echo")) as s:
            self.assertEqual(os.sched_getscheduler(echo(s)), os.SCHED_OTHER)
        if built("postlogd"):
            logd = [pid for pid, (comm, _, _) in inst.pids().items()
                    if comm == "postlogd"]
            self.assertEqual(len(logd), 1)
            self.assertEqual(os.sched_getscheduler(logd[0]), os.SCHED_BATCH)

    def test_crashing_service_is_throttled(self):
        """A program that exits at once does not make master spin."""
        self.need_log()
        inst = self.instance("crasher unix - n n - - crasher\n")
        inst.add_program("crasher", "#!/bin/sh\nexit 1\n")
        inst.start()
        since = inst.log_size()
        for _ in range(8):
            try:
                connect_unix(self.path(inst, "crasher"), 2).close()
            except OSError:
                pass
            time.sleep(0.5)
        inst.wait_log(r"(?i)throttl", since=since)
        exits = re.findall(r"exit status 1", inst.log()[since:])
        self.assertGreaterEqual(len(exits), 1)
        self.assertLess(len(exits), 10)
        self.assertEqual(inst.postern("status").returncode, 0)

    def test_maxproc(self):
        """50 clients at once never see more than maxproc processes."""
        inst = self.instance("echo unix - n n - 3 echosrv\n")
        inst.start()
        path = self.path(inst, "echo")
        served, errors, most = [], [], [0]
        done = threading.Event()

        def client():
            try:
                with connect_unix(path, 60) as s:
                    served.append(echo(s))
                    time.sleep(0.2)
            except (OSError, EOFError, ValueError) as e:
                errors.append(e)

        def sampler():
            while not done.is_set():
                n = sum(1 for comm, _, _ in inst.pids().values()
                        if comm == "echosrv")
                most[0] = max(most[0], n)
                time.sleep(0.02)

        watch = threading.Thread(target=sampler)
        watch.start()
        clients = [threading.Thread(target=client) for _ in range(50)]
        for t in clients:
            t.start()
        for t in clients:
            t.join(90)
        done.set()
        watch.join(10)
        self.assertEqual(errors, [])
        self.assertEqual(len(served), 50)
        self.assertLessEqual(len(set(served)), 3)
        self.assertLessEqual(most[0], 3)
        self.assertGreaterEqual(most[0], 2)

    def test_reload_adds_and_removes(self):
        """A reload adds a service and removes another; a connection to
        the removed one keeps working until its client is done."""
        inst = self.instance("keep unix - n n - 1 echosrv\n"
                             "gone unix - n n - 1 echosrv\n")
        inst.start()
        held = connect_unix(self.path(inst, "gone"), 30)
        self.addCleanup(held.close)
        first = echo(held)
        inst.write_master_cf(default_master_cf() +
                             "keep unix - n n - 1 echosrv\n"
                             "new unix - n n - 1 echosrv\n")
        inst.reload()
        wait_for(lambda: answers(self.path(inst, "new")), 10, "new service")
        wait_for(lambda: not os.path.exists(self.path(inst, "gone")), 10,
                 "gone's socket removed")
        self.assertTrue(answers(self.path(inst, "keep")))
        self.assertEqual(echo(held), first)
        held.close()
        wait_for(lambda: proc_stat(first) is None or
                 proc_stat(first)[1] == "Z", 10, "removed service's child")

    @unittest.skipUnless(os.geteuid() == 0, "privilege separation needs root")
    def test_privileges(self):
        """Every process but master runs as mail_owner; a chrooted
        service has queue_directory as its /."""
        if not built("anvil"):
            self.skipTest("daemons/anvil is not built yet")
        inst = self.instance("anvilc unix - - y - 1 anvil\n")
        inst.start()
        for svc in ("anvil", "anvilc"):
            reply = ipc_request(self.path(inst, svc),
                                {"request": "lookup",
                                 "ident": "smtp:127.0.0.1"})
            self.assertIn("status", reply)
        import pwd
        owner = pwd.getpwnam(inst.mail_owner).pw_uid
        procs = inst.pids()
        master = inst.master_pid()
        self.assertEqual(procs[master][1], 0)
        self.assertGreaterEqual(len(procs), 3)
        chrooted = 0
        for pid, (comm, _, root) in procs.items():
            if pid == master:
                continue
            self.assertEqual(set(proc_uids(pid)), {owner}, comm)
            if root == inst.queue_dir:
                chrooted += 1
                self.assertEqual(comm, "anvil")
            else:
                self.assertEqual(root, "/", comm)
        self.assertEqual(chrooted, 1)

    def test_anvil_answers(self):
        """The multi-server test service answers through master."""
        if not built("anvil"):
            self.skipTest("daemons/anvil is not built yet")
        inst = self.instance()
        inst.start()
        reply = ipc_request(self.path(inst, "anvil"),
                            {"request": "lookup", "ident": "smtp:127.0.0.1"})
        self.assertEqual(reply.get("status"), 0, reply)


if __name__ == "__main__":
    unittest.main()
