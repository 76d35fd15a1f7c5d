"""test_local_reader - a real mail reader, Dovecot's doveadm, reads the
Maildir and the mbox that daemons/local delivered (issue 9).

doveadm runs with a configuration generated here (nothing of
/etc/dovecot), without a userdb: USER and HOME in the environment,
mail_uid and mail_gid set to the test user, mail_location pointing at
the delivered mailbox, JSON output.  Its standard error must be empty:
no "Error:", "Warning:" or "Corrupted".

Dovecot, like other mbox readers, does not undo >From quoting when it
reads; what proves the quoting right is that a body line that looks
exactly like a From_ line (after an empty line) does not start a new
message: the count and every body come out whole."""
import json
import os
import re
import shutil
import subprocess
import unittest

import test_local
from test_local import SENDER, U1, U2

DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
FROM_LINE = "From %s  Thu Jan  1 00:00:00 2026" % SENDER

# (subject, body lines) of the messages each test delivers, in order.
MESSAGES = (
    ("first", ("From the start", ">From quoted", "end")),
    ("second", ("plain text", "", FROM_LINE, "after the From_ line")),
    ("third", ("", "From here on", "last")),
)

# A Maildir file name (maildir_unique): SECONDS.MusecPpidQcount.HOST,
# no '/' or ':' in it (Dovecot appends ":2,FLAGS" in cur/).
MAILDIR_NAME = re.compile(r"^\d+\.M\d+P\d+Q\d+\.[^/:]+$")


def doveadm_conf(root):
    """A minimal dovecot.conf under root; its path."""
    run = os.path.join(root, "dovecot-run")
    os.makedirs(run, exist_ok=True)
    path = os.path.join(root, "dovecot.conf")
    with open(path, "w") as f:
        f.write("log_path = /dev/stderr\n"
                "base_dir = %s\n"
                "state_dir = %s\n"
                "mbox_read_locks = fcntl\n"
                "mbox_write_locks = fcntl\n" % (run, run))
    return path


class DoveadmBase(test_local.LocalBase):
    USER = U1

    def setUp(self):
        if not os.access(DOVEADM, os.X_OK):
            self.skipTest("doveadm not installed (dovecot-core)")
        super().setUp()

    def send_msg(self, rcpt, subject, body):
        qid, path = test_local.write_queue_file(
            self.inst.queue_dir, "active", sender=SENDER, rcpts=[rcpt],
            header=("Subject: " + subject,), body=body)
        qf = test_local.QueueFile(path)
        reply = test_local.deliver(self.sock, qf, qf.rcpt_records)
        self.assertEqual(reply["results"], "S", reply)
        return qid

    def deliver_all(self):
        for subject, body in MESSAGES:
            self.send_msg(self.USER + "@test.example", subject, body)

    def doveadm(self, location, *args):
        """doveadm -f json ARGS as the test user; the parsed output."""
        pw = self.pw[self.USER]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "USER": pw.pw_name,
               "HOME": pw.pw_dir}
        cmd = [DOVEADM, "-c", doveadm_conf(self.inst.root), "-f", "json",
               "-o", "mail_location=" + location,
               "-o", "mail_uid=%d" % pw.pw_uid,
               "-o", "mail_gid=%d" % pw.pw_gid] + list(args)
        res = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
        err = res.stderr.decode(errors="replace")
        self.assertEqual(res.returncode, 0, (cmd, err))
        for word in ("Error", "Warning", "Panic", "Fatal", "Corrupted"):
            self.assertNotIn(word, err, cmd)
        self.assertEqual(err.strip(), "", cmd)
        return json.loads(res.stdout.decode() or "[]")

    def check_reader(self, location, bodies):
        """Count, search, subjects and bodies as doveadm sees them."""
        status = self.doveadm(location, "mailbox", "status", "messages",
                              "INBOX")
        self.assertEqual(status, [{"mailbox": "INBOX",
                                   "messages": str(len(MESSAGES))}])
        found = self.doveadm(location, "search", "mailbox", "INBOX", "ALL")
        self.assertEqual([m["uid"] for m in found], ["1", "2", "3"])
        got = self.doveadm(location, "fetch", "hdr.subject body",
                           "mailbox", "INBOX", "ALL")
        self.assertEqual([m["hdr.subject"] for m in got],
                         [s for s, _ in MESSAGES])
        self.assertEqual([m["body"] for m in got], bodies)
        to = self.doveadm(location, "fetch", "hdr.delivered-to",
                          "mailbox", "INBOX", "ALL")
        self.assertEqual({m["hdr.delivered-to"] for m in to},
                         {self.USER + "@test.example"})


class DoveadmMboxTest(DoveadmBase):
    def test_doveadm_reads_mbox(self):
        self.deliver_all()
        box = os.path.join(self.spool, self.USER)
        with open(box, "rb") as f:
            data = f.read()
        self.assertEqual(data.count(b"\nFrom " + SENDER.encode()), 2)
        self.assertIn(b"\n\n>" + FROM_LINE.encode() + b"\n", data)
        folders = os.path.join(self.inst.root, "mbox-folders")
        os.makedirs(folders)
        pw = self.pw[self.USER]
        os.chown(folders, pw.pw_uid, pw.pw_gid)
        # Quoted lines stay quoted (mboxrd: one more '>'); each body
        # ends where the empty line before the next From_ line starts.
        self.check_reader("mbox:%s:INBOX=%s" % (folders, box), [
            ">From the start\n>>From quoted\nend\n",
            "plain text\n\n>%s\nafter the From_ line\n" % FROM_LINE,
            "\n>From here on\nlast\n",
        ])


class DoveadmMaildirTest(DoveadmBase):
    MAIN_CF = {"home_mailbox": "Maildir/"}
    USER = U2

    def test_doveadm_reads_maildir(self):
        self.deliver_all()
        maildir = os.path.join(self.pw[self.USER].pw_dir, "Maildir")
        names = sorted(os.listdir(os.path.join(maildir, "new")))
        self.assertEqual(len(names), 3)
        for name in names:
            self.assertRegex(name, MAILDIR_NAME)
        self.assertEqual(os.listdir(os.path.join(maildir, "tmp")), [])
        # Maildir content is not quoted at all.
        self.check_reader("maildir:" + maildir, [
            "\n".join(body) + "\n" for _, body in MESSAGES])
        # Dovecot keeps the names: in new/, or in cur/ with ":2,FLAGS".
        after = os.listdir(os.path.join(maildir, "new")) + [
            n.split(":")[0] for n in
            os.listdir(os.path.join(maildir, "cur"))]
        self.assertEqual(sorted(after), names)


if __name__ == "__main__":
    unittest.main()
