#!/usr/bin/env python3
"""Plays an intruder at a TLS master (tests/tools/test_nodes_tls.cpp): connects to
127.0.0.1:PORT with TLS, trusting CA, presenting CERT/KEY if given (or no certificate), sends one
32-byte BASP header (a client handshake claiming a payload of 4 GiB - 1 bytes) and waits up to
5 s for the master to close the connection. Prints what happened; exit 0 when the master
refused (the handshake failed or the connection was closed), 1 when it stayed open."""
import socket
import ssl
import sys
import time

port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(ca)
if len(sys.argv) > 4:
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
header = bytes([1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]) + bytes(24)
try:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as s:
            s.sendall(header)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if not s.recv(4096):
                    print("closed by the master")
                    sys.exit(0)
except TimeoutError:
    pass
except (ssl.SSLError, OSError) as e:
    print(f"refused: {e}")
    sys.exit(0)
print("the connection stayed open")
sys.exit(1)
