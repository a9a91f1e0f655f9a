# Sends one message the way a Flask app does (Flask-Mail, app.config from config.py).
# Prints "sent", or the exception's class and message.
import os
import sys

from client_error import describe

sys.path.insert(0, os.getcwd())
try:
    import config
    from flask import Flask
    from flask_mail import Mail, Message
    app = Flask("e2e")
    app.config.from_object(config)
    mail = Mail(app)
    with app.app_context():
        mail.send(Message(sys.argv[1], recipients=[sys.argv[2]], body="sent by the smtp-doctor e2e client tier"))
except Exception as e:
    print(describe(e))
    sys.exit(1)
print("sent")
