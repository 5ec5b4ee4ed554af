#!/usr/bin/env python3
"""Mints a pushgate token: an HS256 JWT signed with the nodes' secret file (standard library only).

  mint_token.py --secret-file /etc/pushgate/secret --sub user-42 --subscribe 'user.42.*' --publish wall --ttl 3600

Prints the token. The secret is the file's bytes without a trailing newline, as the node reads
them (for `head -c 48 /dev/urandom | base64 > secret` that is the base64 text, not the bytes it
decodes to). Any JWT library does the same, e.g. PyJWT's `jwt.encode(claims, secret, "HS256")`.
Used by deploy/smoke/run.sh and rolling.sh, and shown in deploy/README.md. (Not named token.py: that
would hide the standard library's `token` module from the scripts beside it.)
"""
import argparse
import base64
import hashlib
import hmac
import json
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def mint(secret, subscribe=(), publish=(), ttl=3600, revoke=False, **claims):
    """A token granting `subscribe` and `publish` (topic names, `prefix*` or `*`), and revocations on
    the admin port when `revoke`, for `ttl` seconds."""
    now = int(time.time())
    grants = {"subscribe": list(subscribe), "publish": list(publish)}
    if revoke:
        grants["revoke"] = True
    claims.update(iat=now, exp=now + ttl, pushgate=grants)
    header = {"alg": "HS256", "typ": "JWT"}
    signed = b64url(json.dumps(header).encode()) + b"." + b64url(json.dumps(claims).encode())
    signature = hmac.new(secret, signed, hashlib.sha256).digest()
    return (signed + b"." + b64url(signature)).decode("ascii")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--subscribe", action="append", default=[], help="a topic it may read; repeatable")
    parser.add_argument("--publish", action="append", default=[], help="a topic it may publish to; repeatable")
    parser.add_argument("--revoke", action="store_true", help="it may revoke subjects (POST /revocations on the admin port)")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds until exp (default 3600)")
    parser.add_argument("--sub", help="the subject (sub claim)")
    parser.add_argument("--aud", help="the audience, when the nodes check --auth-audience")
    parser.add_argument("--iss", help="the issuer, when the nodes check --auth-issuer")
    args = parser.parse_args()
    with open(args.secret_file, "rb") as f:
        secret = f.read().rstrip(b"\r\n")
    extra = {name: value for name, value in (("sub", args.sub), ("aud", args.aud), ("iss", args.iss)) if value}
    print(mint(secret, args.subscribe, args.publish, args.ttl, args.revoke, **extra))


if __name__ == "__main__":
    main()
