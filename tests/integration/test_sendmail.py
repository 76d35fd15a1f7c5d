"""test_sendmail - sendmail, mailq and -bs against a fake postdrop.

main.cf points command_directory at a temporary folder whose postdrop
is a Python script: it appends its standard input to $FAKE_OUT and exits
with $FAKE_EXIT (both passed through import_environment).  postqueue
records its arguments.  The captured stream is decoded with
maildrop_reader.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

import maildrop_reader
from instance import BUILD

SENDMAIL = os.path.join(BUILD, "commands", "sendmail", "sendmail")

FAKE_POSTDROP = """#!/usr/bin/env python3
import os, sys
data = sys.stdin.buffer.read()
with open(os.environ["FAKE_OUT"], "ab") as f:
    f.write(data)
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""

FAKE_ARGS = """#!/bin/sh
echo "$0 $*" >> "$FAKE_OUT.args"
"""


@unittest.skipUnless(os.access(SENDMAIL, os.X_OK), "sendmail not built")
class SendmailTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sendmail.")
        self.bin = os.path.join(self.dir, "bin")
        self.etc = os.path.join(self.dir, "etc")
        os.mkdir(self.bin)
        os.mkdir(self.etc)
        os.mkdir(os.path.join(self.dir, "queue"))
        self.script("postdrop", FAKE_POSTDROP)
        self.script("postqueue", FAKE_ARGS)
        self.script("newaliases", FAKE_ARGS)
        self.out = os.path.join(self.dir, "out")
        self.write_cf()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def script(self, name, text):
        path = os.path.join(self.bin, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)

    def write_cf(self, extra=""):
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write("command_directory = %s\nqueue_directory = %s/queue\n"
                    "import_environment = MAIL_CONFIG FAKE_OUT FAKE_EXIT\n"
                    "myhostname = test.example\n%s" % (self.bin, self.dir,
                                                       extra))

    def run_sm(self, args, data=b"", code=0, argv0=SENDMAIL):
        env = dict(os.environ, FAKE_OUT=self.out, FAKE_EXIT=str(code),
                   MAIL_CONFIG=self.etc)
        return subprocess.run([argv0] + args, input=data, env=env,
                              capture_output=True, timeout=30)

    def dropped(self):
        with open(self.out, "rb") as f:
            return maildrop_reader.parse(f.read())

    def test_plain_recipients(self):
        r = self.run_sm(["-f", "<a@example>", "b@example", "<c@example>"],
                        b"Subject: x\n\nbody\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.dropped()
        self.assertTrue(d["complete"])
        self.assertEqual(d["sender"], "a@example")
        self.assertEqual([x[0] for x in d["rcpts"]],
                         ["b@example", "c@example"])
        self.assertEqual(d["lines"], [b"Subject: x", b"", b"body"])
        self.assertNotIn("extract", d["attrs"])
        self.assertTrue(d["types"].endswith("XE"))

    def test_extract_headers_untouched(self):
        msg = b"To: a@x\nCc: b@x\nBcc: c@x\n\nhi\n"
        r = self.run_sm(["-t", "d@x"], msg)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.dropped()
        self.assertEqual(d["attrs"]["extract"], "yes")
        self.assertEqual([x[0] for x in d["rcpts"]], ["d@x"])
        self.assertEqual(d["lines"],
                         [b"To: a@x", b"Cc: b@x", b"Bcc: c@x", b"", b"hi"])

    def test_envelope_options(self):
        r = self.run_sm(["-f", "<>", "-F", "Ann Example", "-N",
                         "success,delay", "-R", "HDRS", "-V", "env-1",
                         "-B", "8BITMIME", "x@y"], b"hi\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.dropped()
        self.assertEqual(d["sender"], "")
        self.assertEqual(d["attrs"], {"full_name": "Ann Example",
                                      "ret": "hdrs", "envid": "env-1",
                                      "encoding": "8bitmime"})
        self.assertEqual(d["rcpts"], [("x@y", 2 | 8, None)])

    def test_default_sender_is_login(self):
        import pwd
        r = self.run_sm(["x@y"], b"hi\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.dropped()["sender"],
                         pwd.getpwuid(os.getuid()).pw_name)

    def test_dot_ends_input(self):
        r = self.run_sm(["x@y"], b"From me Mon\na\n.\nb\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.dropped()["lines"], [b"a"])

    def test_dot_kept_with_i(self):
        for flag in ("-i", "-oi"):
            os.path.exists(self.out) and os.unlink(self.out)
            r = self.run_sm([flag, "x@y"], b"a\n.\nb\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.dropped()["lines"], [b"a", b".", b"b"])

    def test_crlf_stripped(self):
        r = self.run_sm(["x@y"], b"a\r\nb\r\r\nc")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.dropped()["lines"], [b"a", b"b\r", b"c"])

    def test_long_lines_split(self):
        self.write_cf("line_length_limit = 100\n")
        line = b"x" * 250
        r = self.run_sm(["x@y"], line + b"\r\nshort\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.dropped()
        self.assertEqual(d["lines"], [line, b"short"])
        self.assertEqual([t for t, _ in d["pieces"]], ["L", "L", "N", "N"])

    def test_too_big(self):
        self.write_cf("message_size_limit = 100\n")
        r = self.run_sm(["x@y"], b"y" * 300 + b"\n")
        self.assertEqual(r.returncode, 65)
        self.assertIn(b"message file too big", r.stderr)
        self.assertFalse(self.dropped()["complete"])

    def test_no_recipients(self):
        r = self.run_sm([], b"hi\n")
        self.assertEqual(r.returncode, 64)
        self.assertIn(b"fatal: no recipients specified", r.stderr)

    def test_bad_usage(self):
        for args in (["-Z"], ["-N", "never,success"], ["-R", "x"],
                     ["-bz"]):
            self.assertEqual(self.run_sm(args + ["x@y"]).returncode, 64, args)

    def test_postdrop_missing(self):
        os.unlink(os.path.join(self.bin, "postdrop"))
        r = self.run_sm(["x@y"], b"hi\n")
        self.assertEqual(r.returncode, 75)
        self.assertIn(b"mail system is down or misconfigured", r.stderr)

    def test_queue_missing(self):
        os.rmdir(os.path.join(self.dir, "queue"))
        self.assertEqual(self.run_sm(["x@y"], b"hi\n").returncode, 75)

    def test_exit_passthrough(self):
        self.assertEqual(self.run_sm(["x@y"], b"hi\n", code=73).returncode,
                         73)

    def test_config_file_means_folder(self):
        r = self.run_sm(["-C", os.path.join(self.etc, "main.cf"), "x@y"],
                        b"hi\n")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_mailq_and_flush(self):
        link = os.path.join(self.dir, "mailq")
        os.symlink(SENDMAIL, link)
        self.assertEqual(self.run_sm([], argv0=link).returncode, 0)
        self.assertEqual(self.run_sm(["-q"]).returncode, 0)
        self.assertEqual(self.run_sm(["-qRexample.com"]).returncode, 0)
        self.assertEqual(self.run_sm(["-bi", "-oA/x/aliases"]).returncode, 0)
        self.assertEqual(self.run_sm(["-q1h"]).returncode, 0)
        with open(self.out + ".args") as f:
            got = [line.split(" ", 1)[1].strip() for line in f]
        self.assertEqual(got, ["-p", "-f", "-s example.com",
                               "-C %s -oA /x/aliases" % self.etc])

    def smtp(self, text, code=0):
        r = self.run_sm(["-bs"], text.replace("\n", "\r\n").encode(), code)
        return r.returncode, r.stdout.decode().split("\r\n")[:-1]

    def test_smtp_dialog(self):
        rc, lines = self.smtp(
            "EHLO client\nMAIL FROM:<a@x> SIZE=20 RET=FULL ENVID=e+2B1\n"
            "RCPT TO:<b@x> NOTIFY=NEVER ORCPT=rfc822;b@x\nDATA\n"
            "Subject: t\n..leading\n.\nQUIT\n")
        self.assertEqual(rc, 0)
        self.assertEqual(lines[0], "220 test.example ESMTP Postern")
        self.assertIn("250-SIZE 10240000", lines)
        self.assertIn("250 ENHANCEDSTATUSCODES", lines)
        self.assertIn("250-DSN", lines)
        self.assertEqual(lines[-5:], ["250 2.1.0 Ok", "250 2.1.5 Ok",
                                      "354 End data with <CR><LF>.<CR><LF>",
                                      "250 2.0.0 Ok: queued",
                                      "221 2.0.0 Bye"])
        d = self.dropped()
        self.assertEqual(d["attrs"], {"ret": "full", "envid": "e+1"})
        self.assertEqual(d["rcpts"], [("b@x", 1, "rfc822;b@x")])
        self.assertEqual(d["lines"], [b"Subject: t", b".leading"])

    def test_smtp_errors(self):
        rc, lines = self.smtp(
            "HELO c\nRCPT TO:<b@x>\nDATA\nMAIL FROM:<a@x> FOO=1\n"
            "MAIL FROM:<a@x>\nMAIL FROM:<a@x>\nRCPT TO:<b@x> NOTIFY=bad\n"
            "RSET\nXYZZY\nVRFY b\nNOOP\n" + "X" * 600 + "\nQUIT\n")
        self.assertEqual(rc, 0)
        codes = [l.split(" ", 2)[1] for l in lines[2:]]
        self.assertEqual(codes, ["5.5.1", "5.5.1", "5.5.4", "2.1.0",
                                 "5.5.1", "5.5.4", "2.0.0", "5.5.2",
                                 "2.0.0", "2.0.0", "5.5.2", "2.0.0"])

    def test_smtp_postdrop_fails(self):
        rc, lines = self.smtp("HELO c\nMAIL FROM:<a@x>\nRCPT TO:<b@x>\n"
                              "DATA\nhi\n.\nQUIT\n", code=75)
        self.assertIn("451 4.3.0 Error: queue file write error", lines)

    def test_smtp_rset_two_messages(self):
        rc, lines = self.smtp(
            "HELO c\nMAIL FROM:<a@x>\nRCPT TO:<b@x>\nRSET\n"
            "MAIL FROM:<c@x>\nRCPT TO:<d@x>\nDATA\none\n.\n"
            "MAIL FROM:<e@x>\nRCPT TO:<f@x>\nDATA\ntwo\n.\nQUIT\n")
        self.assertEqual(lines.count("250 2.0.0 Ok: queued"), 2)
        with open(self.out, "rb") as f:
            data = f.read()
        recs = maildrop_reader.records(data)
        self.assertEqual([v for t, v in recs if t == "S"], [b"c@x", b"e@x"])


if __name__ == "__main__":
    unittest.main()
