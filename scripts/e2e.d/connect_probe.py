#!/usr/bin/env python3
"""Reference TCP probe for scripts/e2e: what does the kernel say about connect()?

    connect_probe.py ADDR PORT [TIMEOUT]

Prints one word and exits 0:
  open          the handshake completed
  timeout       no answer within TIMEOUT seconds (default 3): packets dropped
  ECONNREFUSED / EHOSTUNREACH / ENETUNREACH / EACCES / EPERM / ...
                the errno name that connect() failed with
Used to prove that an nftables rule has the effect a scenario relies on,
before the scenario blames smtp-doctor.
"""
import errno
import socket
import sys


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        print("open")
    except socket.timeout:
        print("timeout")
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
    finally:
        s.close()


if __name__ == "__main__":
    main()
