# What a Python app's user sees of an exception: its qualified class and its message, one line
# (shared by django_send.py and flask_send.py; feeds client_errors.tsv).


def describe(e):
    name = type(e).__qualname__
    if type(e).__module__ not in ("builtins", "__main__"):
        name = type(e).__module__ + "." + name
    return f"{name}: {e}"
