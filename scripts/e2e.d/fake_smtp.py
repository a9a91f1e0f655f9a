#!/usr/bin/env python3
"""Misbehaving "mail servers" for scripts/e2e (run inside the mailhost namespace).

    fake_smtp.py PORT MODE

MODE is one of
  reject-greeting  answer every connection with "554 5.3.2 ..." and close   -> smtp.rejected_greeting
  silent           accept, never say anything (close after 60 s)            -> smtp.no_greeting
  http             answer like a web server                                 -> smtp.not_smtp

Listens on [::]:PORT with IPV6_V6ONLY off, so both 10.213.0.2 and fd00:213::2
answer. One thread per connection; the process runs until it is killed.
"""
import socket
import sys
import threading
import time


def handle(conn, mode):
    try:
        conn.settimeout(60)
        if mode == "reject-greeting":
            conn.sendall(b"554 5.3.2 mail.e2e.test Service unavailable, go away\r\n")
            time.sleep(0.5)
        elif mode == "silent":
            # Read and ignore whatever the client sends, never answer.
            end = time.time() + 60
            while time.time() < end:
                try:
                    if not conn.recv(4096):
                        break
                except socket.timeout:
                    break
        elif mode == "http":
            # A web server waits for the request; answer whatever arrives (or
            # nothing arrives within 1 s) with an HTTP error, like nginx does.
            conn.settimeout(1)
            try:
                conn.recv(4096)
            except socket.timeout:
                pass
            conn.sendall(
                b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n"
                b"Content-Type: text/html\r\nContent-Length: 0\r\n"
                b"Connection: close\r\n\r\n"
            )
            time.sleep(0.5)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    port = int(sys.argv[1])
    mode = sys.argv[2]
    if mode not in ("reject-greeting", "silent", "http"):
        sys.exit("unknown mode " + mode)
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
