#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy between the plugin and the local kube-apiserver.

The plugin talks plain http to 127.0.0.1:PORT (a kubeconfig with no credentials, see
--kubeconfig); the proxy forwards each request over TLS to the API server with the admin
client certificate of the testenv, and injects one fault (--fault):

  none                 forward everything
  create-lost          forward POST .../pods, then drop its answer and cut every connection
                       (the pod exists, the client never hears so)
  outage-after-create  forward POST .../pods with its answer, then cut every connection and
                       refuse new ones for --outage seconds (0 = until the proxy stops)
  cut-watch            cut every watch stream --after seconds after it starts
  cut-exec             cut every exec websocket --after seconds after the upgrade
  delete-500           answer DELETE .../pods/NAME with 500 InternalError (not forwarded)
  delete-hang          never answer DELETE .../pods/NAME
  create-409           answer the create of a pod with 409 AlreadyExists (not forwarded), as if
                       someone else's pod had that name

Every DELETE of a pod is logged on stderr with its body (to check its UID precondition).

Python standard library only. Prints "listening on 127.0.0.1:PORT" once ready (stdout).
"""

import argparse
import asyncio
import base64
import json
import os
import re
import ssl
import sys
import tempfile
import time

POD_CREATE = re.compile(r"^/api/v1/namespaces/[^/]+/pods/?(\?.*)?$")
POD_DELETE = re.compile(r"^/api/v1/namespaces/[^/]+/pods/[^/?]+/?(\?.*)?$")
EXEC = re.compile(r"^/api/v1/namespaces/[^/]+/pods/[^/?]+/exec")


class Proxy:
    def __init__(self, args):
        self.args = args
        self.conns = set()  # open (client writer, upstream writer) pairs
        self.refuse_until = 0.0  # time.monotonic() until which new connections are refused
        self.tls = self._tls(args.admin_kubeconfig)
        self.upstream = args.upstream

    def _tls(self, path):
        """A client TLS context from the admin kubeconfig (CA, client cert and key)."""
        text = open(path).read()

        def field(name):
            m = re.search(rf"{name}:\s*(\S+)", text)
            if not m:
                sys.exit(f"faultproxy: {name} missing in {path}")
            return base64.b64decode(m.group(1))

        d = tempfile.mkdtemp(prefix="faultproxy-")
        files = {}
        for key in ("certificate-authority-data", "client-certificate-data", "client-key-data"):
            p = os.path.join(d, key)
            with open(p, "wb") as f:
                f.write(field(key))
            os.chmod(p, 0o600)
            files[key] = p
        ctx = ssl.create_default_context(cafile=files["certificate-authority-data"])
        ctx.load_cert_chain(files["client-certificate-data"], files["client-key-data"])
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx

    def outage(self):
        return self.refuse_until == float("inf") or time.monotonic() < self.refuse_until

    def cut_all(self):
        for pair in list(self.conns):
            for w in pair:
                if w is not None:
                    w.transport.abort()
        self.conns.clear()

    async def serve(self, reader, writer):
        if self.outage():
            writer.transport.abort()
            return
        host, port = self.upstream.rsplit(":", 1)
        try:
            ureader, uwriter = await asyncio.open_connection(host, int(port), ssl=self.tls, server_hostname=host)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer, uwriter)
        self.conns.add(pair)
        try:
            while True:
                head = await read_head(reader)
                if head is None:
                    break
                method, target = head[0].split(" ")[:2]
                headers = parse_headers(head[1:])
                body = await read_body(reader, headers)
                if await self.request(method, target, head, body, reader, writer, ureader, uwriter) is False:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
            pass
        finally:
            self.conns.discard(pair)
            for w in pair:
                w.transport.abort()

    async def request(self, method, target, head, body, reader, writer, ureader, uwriter):
        """Handle one request; False closes the connection."""
        fault = self.args.fault
        path = target
        if method == "POST" and POD_CREATE.match(path) and "dryRun" not in path and fault == "create-409":
            status = {
                "kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": "pods already exists (faultproxy)", "reason": "AlreadyExists", "code": 409,
            }
            data = json.dumps(status).encode()
            writer.write(
                b"HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(data)}\r\n\r\n".encode() + data
            )
            await writer.drain()
            log(f"create-409: answered POST {path} with 409")
            return True
        if method == "DELETE" and POD_DELETE.match(path):
            log(f"DELETE {path} {body.decode('utf-8', 'replace')}")
            if fault == "delete-500":
                status = {
                    "kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "message": "faultproxy: injected failure", "reason": "InternalError", "code": 500,
                }
                data = json.dumps(status).encode()
                writer.write(
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(data)}\r\n\r\n".encode() + data
                )
                await writer.drain()
                return True
            if fault == "delete-hang":
                await asyncio.sleep(3600)
                return False
        # Forward the request as it came (the client's Host header is harmless).
        uwriter.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await uwriter.drain()
        status_line, rheaders, rhead = await read_response_head(ureader)
        code = int(status_line.split(" ")[1])
        # A real create of a pod (not the server-side dry-run of the preflight) that succeeded.
        created = method == "POST" and POD_CREATE.match(path) and "dryRun" not in path and code < 300
        if created and fault == "create-lost":
            log(f"create-lost: dropped the answer to POST {path} ({code})")
            self.cut_all()
            return False
        writer.write(("\r\n".join(rhead) + "\r\n\r\n").encode("latin-1"))
        if code == 101:
            # Upgraded (exec websocket): bytes both ways until one side closes.
            await writer.drain()
            cut = fault == "cut-exec" and EXEC.match(path)
            await pipe_both(reader, writer, ureader, uwriter, self.args.after if cut else None)
            if cut:
                log(f"cut-exec: cut the exec stream of {path}")
            return False
        watch = "watch=true" in path or "watch=1" in path
        limit = self.args.after if (fault == "cut-watch" and watch) else None
        done = await relay_body(ureader, writer, rheaders, method, code, limit)
        if not done:
            log(f"cut-watch: cut {path}")
            return False
        if created and fault == "outage-after-create":
            log(f"outage-after-create: API outage for {self.args.outage or 'ever'} s")
            self.refuse_until = time.monotonic() + self.args.outage if self.args.outage else float("inf")
            await writer.drain()
            self.cut_all()
            return False
        return True


def log(msg):
    print(f"faultproxy: {msg}", file=sys.stderr, flush=True)


async def read_head(reader):
    """The request or status line and headers, or None at a clean end of stream."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            return None
        raise
    return raw[:-4].decode("latin-1").split("\r\n")


def parse_headers(lines):
    h = {}
    for line in lines:
        k, _, v = line.partition(":")
        h[k.strip().lower()] = v.strip()
    return h


async def read_body(reader, headers):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            out += size_line + chunk
            if size == 0:
                return out
    n = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(n) if n else b""


async def read_response_head(reader):
    head = await read_head(reader)
    if head is None:
        raise ConnectionError("upstream closed")
    return head[0], parse_headers(head[1:]), head


async def relay_body(ureader, writer, headers, method, code, limit):
    """Copy one response body; False when it was cut after `limit` seconds (or ended by close)."""

    async def copy():
        if method == "HEAD" or code in (204, 304) or 100 <= code < 200:
            return True
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size_line = await ureader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                chunk = await ureader.readexactly(size + 2)
                writer.write(size_line + chunk)
                await writer.drain()
                if size == 0:
                    return True
        if "content-length" in headers:
            left = int(headers["content-length"])
            while left:
                data = await ureader.read(min(left, 65536))
                if not data:
                    raise ConnectionError("upstream closed")
                writer.write(data)
                left -= len(data)
            await writer.drain()
            return True
        while data := await ureader.read(65536):
            writer.write(data)
            await writer.drain()
        return False

    if limit is None:
        return await copy()
    try:
        return await asyncio.wait_for(copy(), limit)
    except asyncio.TimeoutError:
        return False


async def pipe_both(reader, writer, ureader, uwriter, limit):
    async def one(r, w):
        while data := await r.read(65536):
            w.write(data)
            await w.drain()

    tasks = [asyncio.ensure_future(one(reader, uwriter)), asyncio.ensure_future(one(ureader, writer))]
    await asyncio.wait(tasks, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    for t in tasks:
        t.cancel()


def write_kubeconfig(path, port, namespace):
    with open(path, "w") as f:
        f.write(
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: faultproxy\n  cluster:\n    server: http://127.0.0.1:{port}\n"
            "users:\n- name: through-proxy\n  user: {}\n"
            f"contexts:\n- name: faultproxy\n  context: {{cluster: faultproxy, user: through-proxy, namespace: {namespace}}}\n"
            "current-context: faultproxy\n"
        )


async def main():
    state = os.environ.get("TESTENV_STATE", "/tmp/kubectl-hostprocess-testenv")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fault", default=os.environ.get("FAULT", "none"),
                   choices=["none", "create-lost", "outage-after-create", "cut-watch", "cut-exec",
                            "delete-500", "delete-hang", "create-409"])
    p.add_argument("--after", type=float, default=float(os.environ.get("FAULT_AFTER", "0.5")),
                   help="seconds before cut-watch / cut-exec cut a stream")
    p.add_argument("--outage", type=float, default=float(os.environ.get("FAULT_OUTAGE", "0")),
                   help="seconds of outage-after-create (0 = until the proxy stops)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--upstream", default=f"127.0.0.1:{os.environ.get('TESTENV_APISERVER_PORT', '16443')}")
    p.add_argument("--admin-kubeconfig", default=os.path.join(state, "admin.kubeconfig"))
    p.add_argument("--kubeconfig", help="write a kubeconfig that points at the proxy here")
    p.add_argument("--namespace", default="default", help="the namespace of that kubeconfig's context")
    args = p.parse_args()
    proxy = Proxy(args)
    server = await asyncio.start_server(proxy.serve, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    if args.kubeconfig:
        write_kubeconfig(args.kubeconfig, port, args.namespace)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
