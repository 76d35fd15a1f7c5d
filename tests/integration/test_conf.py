"""test_conf - `postern conf` against main.cf files and Postfix 3.7."""
import os
import re
import subprocess
import tempfile
import unittest

import postfix_ref

POSTERN = os.path.join(postfix_ref.TOP, "commands", "postern", "postern")
STORED = os.path.join(postfix_ref.TOP, "tests", "data",
                      "postfix-3.7-defaults.txt")

# Defaults that differ from Postfix's on purpose (docs/parameters.md):
# installation paths, our product's names, and no NIS in alias_maps.
EXCEPTIONS = {
    "config_directory", "queue_directory", "command_directory",
    "daemon_directory", "data_directory", "meta_directory",
    "shlib_directory", "sample_directory", "readme_directory",
    "html_directory", "manpage_directory", "sendmail_path",
    "newaliases_path", "mailq_path", "mail_owner", "setgid_group",
    "mail_name", "mail_version", "syslog_name", "alias_maps",
    # Postfix 3.9's anti-smuggling default, not 3.7's "no" (docs/smtpd.md).
    "smtpd_forbid_bare_newline",
    # Ours, not Postfix's: queue file reuse (docs/queue-format.md, "Reuse").
    "queue_file_reuse_limit",
    # Ours: SCHED_BATCH for intake and postlogd (docs/master.md).
    "batch_scheduled_services",
    # Modern TLS floor: no TLS 1.0/1.1 unless asked for (docs/tls.md).
    "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols",
    # No passwords in plaintext unless asked for (docs/sasl.md).
    "smtpd_tls_auth_only",
    # A Postern extension: the built-in SASL back-end's users (docs/sasl.md).
    "smtpd_sasl_users_maps",
    # Read-only: the name of the program that asks (postconf for Postfix).
    "process_name",
}
# Computed from the host: compared with a live Postfix on this host only.
COMPUTED = {"myhostname", "mydomain", "mynetworks"}


def postern(*args, config_dir, check=True):
    """Run postern conf; return (status, stdout, stderr)."""
    r = subprocess.run([POSTERN, "-c", config_dir, "conf"] + list(args),
                       capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"postern conf {args}: {r.stderr}")
    return r.returncode, r.stdout, r.stderr


def parse(text):
    """'name = value' lines into a dict."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+) =(?: (.*))?$", line)
        if m:
            out[m.group(1)] = m.group(2) or ""
    return out


class ConfTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="postern-conf-")
        self.main_cf = os.path.join(self.dir, "main.cf")
        with open(self.main_cf, "w") as f:
            f.write("")
        with open(os.path.join(self.dir, "master.cf"), "w") as f:
            f.write("smtp inet n - y - - smtpd\n"
                    "  -o { smtpd_banner = $myhostname ESMTP }\n"
                    "pickup unix n - y 60 1 pickup\n")

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.dir], check=True)

    def test_defaults_match_postfix(self):
        """-d prints Postfix 3.7's default for each supported parameter."""
        _, out, _ = postern("-d", config_dir=self.dir)
        ours = parse(out)
        self.assertGreater(len(ours), 100)
        live = None
        if postfix_ref.root():
            live = parse(postfix_ref.run("postconf", "-d",
                                         config_dir=self.dir))
        with open(STORED) as f:
            ref = live or parse(f.read())
        checked = 0
        for name, value in ours.items():
            if name in EXCEPTIONS or (name in COMPUTED and live is None):
                continue
            self.assertIn(name, ref)
            self.assertEqual(value, ref[name], name)
            checked += 1
        self.assertGreater(checked, 100)

    def test_n_e_X_keep_comments(self):
        with open(self.main_cf, "w") as f:
            f.write("# top comment\nmyhostname = a.example\n"
                    "mydestination = $myhostname,\n    localhost\n")
        postern("-e", "mydestination=$myhostname", "relayhost=[b]:25",
                config_dir=self.dir)
        _, out, _ = postern("-n", config_dir=self.dir)
        self.assertEqual(parse(out), {"myhostname": "a.example",
                                      "mydestination": "$myhostname",
                                      "relayhost": "[b]:25"})
        postern("-X", "relayhost", config_dir=self.dir)
        with open(self.main_cf) as f:
            text = f.read()
        self.assertTrue(text.startswith("# top comment\n"))
        self.assertNotIn("relayhost", text)
        self.assertNotIn("localhost", text)

    def test_expand(self):
        with open(self.main_cf, "w") as f:
            f.write("myhostname = mx.example.com\n")
        _, out, _ = postern("-x", "mydomain", "mydestination", "myorigin",
                            config_dir=self.dir)
        self.assertEqual(parse(out), {
            "mydomain": "example.com",
            "mydestination": "mx.example.com, localhost.example.com, "
                             "localhost",
            "myorigin": "mx.example.com"})

    def test_problems_name_file_and_line(self):
        with open(self.main_cf, "w") as f:
            f.write("# c\nfoo_bar = 1\nsmtpd_milters = inet:x:1\n"
                    "message_size_limit = 10x\nmaximal_queue_lifetime = 5y\n")
        rc, _, err = postern("-n", config_dir=self.dir, check=False)
        self.assertEqual(rc, 1)
        self.assertIn(f"{self.main_cf}, line 2: unknown parameter: foo_bar",
                      err)
        self.assertIn(f"{self.main_cf}, line 3: parameter "
                      "smtpd_milters: a Postfix parameter that "
                      "Postern does not implement (yet)", err)
        self.assertIn(f"{self.main_cf}, line 4: parameter "
                      "message_size_limit: bad numerical value", err)
        self.assertIn(f"{self.main_cf}, line 5: parameter "
                      "maximal_queue_lifetime: bad time unit", err)

    def test_loop_is_an_error(self):
        with open(self.main_cf, "w") as f:
            f.write("myhostname = $mydomain\nmydomain = $myhostname\n")
        rc, _, err = postern("-x", "myorigin", config_dir=self.dir,
                             check=False)
        self.assertEqual(rc, 1)
        self.assertIn("recursion", err)

    def test_per_transport_names(self):
        """qmgr's TRANSPORT_destination_* limits are known; Postfix's
        other per-transport names are Postfix parameters."""
        with open(self.main_cf, "w") as f:
            f.write("smtp_destination_concurrency_limit = 1\n"
                    "relay_destination_recipient_limit = 5\n"
                    "smtp_delivery_slot_cost = 5\n")
        _, _, err = postern("-n", config_dir=self.dir, check=False)
        self.assertNotIn("destination", err)
        self.assertIn("line 3: parameter smtp_delivery_slot_cost: a Postfix "
                      "parameter that Postern does not implement", err)

    def test_unknown_name(self):
        rc, _, err = postern("no_such_thing", config_dir=self.dir,
                             check=False)
        self.assertEqual(rc, 1)
        self.assertIn("no_such_thing: unknown parameter", err)

    def test_master_services(self):
        _, out, _ = postern("-M", config_dir=self.dir)
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("smtp"))
        self.assertIn("smtpd_banner", lines[0])
        _, out, _ = postern("-M", "pickup/unix", config_dir=self.dir)
        self.assertRegex(out, r"^pickup\s+unix\s+n\s+-\s+y\s+60\s+1\s+pickup")
        rc, _, _ = postern("-M", "nosuch", config_dir=self.dir, check=False)
        self.assertEqual(rc, 1)

    def test_parameters_doc_is_current(self):
        """docs/parameters.md is what gen-parameters.sh makes of the table."""
        gen = os.path.join(postfix_ref.TOP, "docs", "gen-parameters.sh")
        made = subprocess.run([gen, POSTERN], capture_output=True,
                              text=True, check=True, timeout=60).stdout
        with open(os.path.join(postfix_ref.TOP, "docs",
                               "parameters.md")) as f:
            self.assertEqual(f.read(), made,
                             "run docs/gen-parameters.sh > docs/parameters.md")
        self.assertGreater(made.count("\n| `"), 100)


if __name__ == "__main__":
    unittest.main()
