#!/usr/bin/env python3
"""The origin incident's check, as people write it today: one TCP connect per port, 3 s timeout.

usage: socket_check.py HOST [PORT ...]      (default ports 587 465)
Exit 0 when every port connected, 1 otherwise. No SMTP, no TLS, no certificate check.
"""
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
ports = [int(p) for p in sys.argv[2:]] or [587, 465]
bad = 0
for port in ports:
    try:
        socket.create_connection((host, port), timeout=3).close()
        print(f"{port}: open")
    except OSError as e:
        bad += 1
        print(f"{port}: {e}")
sys.exit(1 if bad else 0)
