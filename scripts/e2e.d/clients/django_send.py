# Sends one message the way a Django app does (django.core.mail.send_mail with the project's
# settings). Prints "sent", or the exception's class and message, which feeds client_errors.tsv.
import os
import sys

from client_error import describe

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
try:
    import django
    django.setup()
    from django.core.mail import send_mail
    send_mail(sys.argv[1], "sent by the smtp-doctor e2e client tier", None, [sys.argv[2]])
except Exception as e:  # what the app's user sees
    print(describe(e))
    sys.exit(1)
print("sent")
