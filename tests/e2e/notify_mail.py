#!/usr/bin/env python3
"""notify_mail.py MAILDIR: each message delivered to the maildir as one
JSON line {"file", "to", "message_id", "delivery", "subject", "type",
"text", "html"}, the parts decoded (tests/e2e/notify.sh reads them)."""
import email
import email.header
import email.policy
import json
import os
import sys

top = sys.argv[1]
for sub in ("new", "cur"):
    d = os.path.join(top, sub)
    if not os.path.isdir(d):
        continue
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        text = html = None
        for part in m.walk():
            if part.get_content_type() == "text/plain" and text is None:
                text = part.get_content()
            elif part.get_content_type() == "text/html" and html is None:
                html = part.get_content()
        print(json.dumps({"file": name, "to": str(m["To"]),
            "message_id": str(m["Message-ID"]),
            "delivery": str(m["X-Cairn-Delivery"]),
            "subject": str(m["Subject"]), "type": m.get_content_type(),
            "text": text, "html": html}))
