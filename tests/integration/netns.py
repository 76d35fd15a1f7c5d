"""netns - a private network namespace with its own DNS server, so that
MX lookups go through the real resolver code (libresolv, getaddrinfo)
against test data.

    ns = NetNs(hosts={"h.test": "127.0.0.3"})  # unittest.SkipTest if
                                                # `ip netns add` is refused
    ns.dnsmasq(["--mx-host=a.test,mx.a.test,10",
                "--host-record=mx.a.test,127.0.0.2"])
    sock = ns.socket()          # a TCP socket that lives in the namespace
    sock.bind(("127.0.0.2", 25))
    subprocess.Popen(ns.cmd(["swaks", ...]))  # a command run inside it
    ns.close()                  # every process by pid, the namespace,
                                # /etc/netns/NAME

`ip netns exec NAME` bind-mounts each file of /etc/netns/NAME over the
one in /etc: resolv.conf says "nameserver 127.0.0.1" (dnsmasq, answering
for the zone "test" only: --local, so a name without a record gets
NXDOMAIN or an empty answer, never REFUSED), and hosts holds localhost
plus the `hosts` given (seen by getaddrinfo, not by DNS lookups).  The
loopback interface is up; every 127/8 address is on it.

socket() creates its socket from a short-lived thread that has joined
the namespace with setns(2) (per thread), so Python servers in this
process can listen inside it."""
import ctypes
import itertools
import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import unittest

CLONE_NEWNET = 0x40000000
_serial = itertools.count()


def _run(argv, timeout=30):
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=timeout)


class NetNs:
    """A network namespace pn-PID-N; see the module comment."""

    def __init__(self, hosts=None):
        self.name = "pn-%d-%d" % (os.getpid(), next(_serial))
        self.etc = os.path.join("/etc/netns", self.name)
        self.procs = []
        r = _run(["ip", "netns", "add", self.name])
        if r.returncode != 0:
            if "ermission" in r.stderr or "not permitted" in r.stderr:
                raise unittest.SkipTest("ip netns add: " + r.stderr.strip())
            raise AssertionError("ip netns add: " + r.stderr.strip())
        try:
            self._setup(hosts or {})
        except BaseException:
            self.close()
            raise

    def _setup(self, hosts):
        r = _run(self.cmd(["ip", "link", "set", "lo", "up"]))
        if r.returncode != 0:
            raise AssertionError("lo up: " + r.stderr)
        os.makedirs(self.etc)
        with open(os.path.join(self.etc, "resolv.conf"), "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:2 attempts:2\n")
        with open(os.path.join(self.etc, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n::1 localhost\n")
            f.writelines("%s %s\n" % (a, h) for h, a in hosts.items())

    def cmd(self, argv):
        """argv run inside the namespace."""
        return ["ip", "netns", "exec", self.name] + list(argv)

    def popen(self, argv, **kw):
        """Start argv inside the namespace; close() ends it by pid.  The
        process must not fork away (ip netns exec execs it)."""
        p = subprocess.Popen(self.cmd(argv), **kw)
        self.procs.append(p)
        return p

    def dnsmasq(self, records, logfile=None):
        """Start dnsmasq on 127.0.0.1:53 with the given record options;
        return once it answers."""
        args = ["dnsmasq", "-k", "--no-resolv", "--no-hosts",
                "--conf-file=/dev/null", "--port=53", "--bind-interfaces",
                "--listen-address=127.0.0.1", "--local=/test/",
                "--user=root", "--group=root",
                "--pid-file=/run/%s.dnsmasq.pid" % self.name]
        if logfile:
            args += ["--log-queries", "--log-facility=" + logfile]
        self.dns = self.popen(args + list(records),
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        self._wait_dns()
        return self.dns

    def _wait_dns(self, timeout=10):
        """Poll until a query for an A record gets any reply."""
        query = struct.pack(">HHHHHH", 0x5053, 0x0100, 1, 0, 0, 0)
        query += b"\x05probe\x04test\x00" + struct.pack(">HH", 1, 1)
        deadline = time.monotonic() + timeout
        with self.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            while time.monotonic() < deadline:
                if self.dns.poll() is not None:
                    raise AssertionError("dnsmasq exited: %s"
                                         % self.dns.returncode)
                try:
                    s.sendto(query, ("127.0.0.1", 53))
                    if s.recv(512)[:2] == query[:2]:
                        return
                except OSError:
                    time.sleep(0.1)
        raise AssertionError("dnsmasq did not answer within %ds" % timeout)

    def socket(self, family=socket.AF_INET, type=socket.SOCK_STREAM):
        """A socket created inside the namespace."""
        out = []

        def make():
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    out.append(OSError(ctypes.get_errno(), "setns"))
                    return
                out.append(socket.socket(family, type))
            finally:
                os.close(fd)

        t = threading.Thread(target=make)
        t.start()
        t.join(10)
        if not out or isinstance(out[0], Exception):
            raise out[0] if out else AssertionError("setns thread hung")
        return out[0]

    def close(self):
        """End every process started here, then remove the namespace."""
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        self.procs = []
        _run(["ip", "netns", "del", self.name])
        shutil.rmtree(self.etc, ignore_errors=True)
        try:
            os.rmdir("/etc/netns")  # only when no other namespace uses it
        except OSError:
            pass
