#!/usr/bin/env python3
"""A fake Windows kubelet that serves only `/logs/` (NodeLogQuery, KEP-2258), for the end-to-end
tests of `kubectl hostprocess logs` (Python stdlib only).

The API server proxies `GET /api/v1/nodes/NODE/proxy/logs/?query=…` to the node's InternalIP and
`status.daemonEndpoints.kubeletEndpoint.Port` over TLS; it refuses loopback addresses ("address not
allowed"), so this server listens on the machine's first non-loopback IPv4 address (as
`advertise_address` in lib.sh) unless --listen says otherwise, with the testenv's kubelet
certificate (pki/kwok.crt; the API server does not verify kubelet certificates here).

It answers as kubernetes/kubernetes v1.36 does on Windows (pkg/kubelet/server/server.go
InstallSystemLogHandler, pkg/kubelet/kubelet.go Run, pkg/kubelet/kubelet_server_journal.go):

  --mode query     enableSystemLogHandler and enableSystemLogQuery on: a service is read from
                   ROOT\\var\\log\\SVC, SVC.log or SVC\\SVC.log (this node has no event-log
                   providers); with options that resolves to "options present and query resolved to
                   log files for [SVC]…", none found to "log not found for SVC"; a file query is
                   read under ROOT\\var\\log; invalid parameters are 400, validation errors 406.
  --mode listing   enableSystemLogQuery off (the default): /logs/ is a file server, the query is
                   ignored and the answer is the HTML listing of ROOT\\var\\log.
  --mode disabled  enableSystemLogHandler off: 405 "logs endpoint is disabled."

ROOT stands for the node's C:\\. The first stdout line is JSON: {"address": …, "port": …}.
Every request is appended to ROOT/../fake-kubelet-requests.log (its path and query).
"""
import argparse
import html
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = os.environ.get("TESTENV_STATE", "/tmp/kubectl-hostprocess-testenv")
UNSAFE = re.compile(r"[^a-zA-Z\-_0-9@]+")


def first_address():
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
    except OSError:
        out = []
    for a in out:
        if re.fullmatch(r"\d+(\.\d+){3}", a) and not a.startswith("127."):
            return a
    sys.exit("fake-kubelet-logs: no non-loopback IPv4 address (the API server does not proxy to loopback)")


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-kubelet-logs/1"

    def log_message(self, *args):
        pass

    def send_text(self, code, text, ctype="text/plain; charset=utf-8"):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        with open(os.path.join(os.path.dirname(self.server.root.rstrip("/")), "fake-kubelet-requests.log"), "a") as f:
            f.write(self.path + "\n")
        if not url.path.startswith("/logs"):
            return self.send_text(404, "404 page not found\n")
        mode = self.server.mode
        if mode == "disabled":
            return self.send_text(405, "logs endpoint is disabled.\n")
        logdir = os.path.join(self.server.root, "var", "log")
        if mode == "listing":
            names = sorted(os.listdir(logdir)) if os.path.isdir(logdir) else []
            rows = "".join(
                f'<a href="{urllib.parse.quote(n)}{"/" if os.path.isdir(os.path.join(logdir, n)) else ""}">'
                f'{html.escape(n)}{"/" if os.path.isdir(os.path.join(logdir, n)) else ""}</a>\n' for n in names)
            page = '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n' + rows + "</pre>\n"
            return self.send_text(200, page, "text/html; charset=utf-8")
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        queries = q.get("query", [])
        files = [x for x in queries if "/" in x or "\\" in x]
        services = [x for x in queries if x not in files and x.strip()]
        options = {k: q[k][0] for k in ("sinceTime", "untilTime", "tailLines", "pattern", "boot") if k in q}
        if "query" in q and not files and not services:
            return self.send_text(400, "query: Invalid value: []string{\"\"}: query cannot be empty\n")
        if "tailLines" in options and not options["tailLines"].lstrip("-").isdigit():
            return self.send_text(400, f"tailLines: Invalid value: \"{options['tailLines']}\": invalid syntax\n")
        if url.path not in ("/logs/", "/logs"):
            return self.send_text(406, "path not allowed in query mode\n")
        for s in services:
            if UNSAFE.search(s):
                return self.send_text(406, f"query: Invalid value: \"{s}\": input contains unsupported characters\n")
        if files and options:
            return self.send_text(406, f"query: Invalid value: {files}: cannot specify file with options\n")
        if files:
            path = os.path.join(logdir, *[p for p in re.split(r"[\\/]", files[0]) if p not in ("", ".", "..")])
            if not os.path.isfile(path):
                return self.send_text(406, f"query: Invalid value: {files}: no such file or directory\n")
            with open(path, encoding="utf-8", errors="replace") as f:
                return self.send_text(200, f.read())
        out = []
        for s in services:
            found = None
            for name in (s, f"{s}.log", f"{s}/{s}.log"):
                p = os.path.join(logdir, name)
                if os.path.isfile(p):
                    found = p
                    break
            if options:
                out.append(f"\noptions present and query resolved to log files for [{s}]\ntry without specifying options\n")
                break
            if found is None:
                out.append(f"\nlog not found for {s}\n")
            else:
                with open(found, encoding="utf-8", errors="replace") as f:
                    out.append(f.read())
        return self.send_text(200, "".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help="the directory standing for the node's C:\\")
    ap.add_argument("--mode", choices=["query", "listing", "disabled"], default="query")
    ap.add_argument("--listen", default="auto", help="ADDRESS[:PORT] (default: first non-loopback IPv4, any port)")
    ap.add_argument("--cert", default=os.path.join(STATE, "pki", "kwok.crt"))
    ap.add_argument("--key", default=os.path.join(STATE, "pki", "kwok.key"))
    a = ap.parse_args()
    host, _, port = a.listen.partition(":")
    if host in ("", "auto"):
        host = first_address()
    srv = ThreadingHTTPServer((host, int(port or 0)), Handler)
    srv.root, srv.mode = os.path.abspath(a.root), a.mode
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(json.dumps({"address": host, "port": srv.server_address[1]}), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    main()
