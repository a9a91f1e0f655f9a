# Flask-Mail's effective settings of config.py, as Django EMAIL_* lines for preflight (which
# has no Flask reader yet). Flask-Mail tests the flags for truth, as here; it has no timeout.
import os
import sys

sys.path.insert(0, os.getcwd())
import config

c = vars(config)
print("EMAIL_HOST=%s" % c.get("MAIL_SERVER", "localhost"))
print("EMAIL_PORT=%s" % c.get("MAIL_PORT", 25))
print("EMAIL_USE_TLS=%s" % bool(c.get("MAIL_USE_TLS", False)))
print("EMAIL_USE_SSL=%s" % bool(c.get("MAIL_USE_SSL", False)))
if c.get("MAIL_USERNAME"):
    print("EMAIL_HOST_USER=%s" % c["MAIL_USERNAME"])
if c.get("MAIL_PASSWORD"):
    print("EMAIL_HOST_PASSWORD=%s" % c["MAIL_PASSWORD"])
