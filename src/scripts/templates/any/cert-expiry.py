#!/usr/bin/env python3
"""Days until the TLS certificate of HOST:PORT expires; exits 1 within WARN_DAYS, 2 if unreadable."""
import datetime, os, socket, ssl, sys, tempfile

host = os.environ.get("HOST") or sys.exit("HOST is required")
port = int(os.environ.get("PORT", "443"))
warn = int(os.environ.get("WARN_DAYS", "30"))
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE  # report on expired or self-signed certificates too
try:
    with socket.create_connection((host, port), timeout=15) as sock, ctx.wrap_socket(sock, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True)
except Exception as e:
    print(f"could not read a certificate from {host}:{port}: {e}")
    sys.exit(2)
pem = ssl.DER_cert_to_PEM_cert(der)
fd, tmp = tempfile.mkstemp(suffix=".pem")
with os.fdopen(fd, "w") as f:
    f.write(pem)
try:
    info = ssl._ssl._test_decode_cert(tmp)  # stdlib decoder; no third-party packages needed
finally:
    os.remove(tmp)
expires = datetime.datetime.strptime(info["notAfter"], "%b %d %H:%M:%S %Y %Z").replace(tzinfo=datetime.timezone.utc)
days = (expires - datetime.datetime.now(datetime.timezone.utc)).days
subject = ", ".join("=".join(x) for rdn in info.get("subject", ()) for x in rdn)
print(f"{host}:{port} subject {subject}; expires {expires:%Y-%m-%d} ({days} days)")
sys.exit(1 if days < warn else 0)
