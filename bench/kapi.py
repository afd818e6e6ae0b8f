"""A tiny Kubernetes API client for the benchmarks (python3 stdlib only).

Client-certificate TLS, one keep-alive HTTPS connection per thread, retries on connection errors,
429 and 5xx. Used to create objects in bulk (much faster than `kubectl apply`, which sends one
request per object from a single goroutine) and to scrape /metrics.
"""

import http.client
import json
import ssl
import threading
import time
import urllib.parse


class ApiError(Exception):
    def __init__(self, status, body, method, path):
        super().__init__(f"{method} {path}: HTTP {status}: {body[:300]!r}")
        self.status = status
        self.body = body


class Api:
    def __init__(self, server, ca, cert, key, timeout=60):
        u = urllib.parse.urlparse(server)
        self.host, self.port = u.hostname, u.port or 443
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.load_cert_chain(cert, key)
        self.timeout = timeout
        self.local = threading.local()
        self.requests = 0
        self._lock = threading.Lock()

    def clone(self):
        """A new client with the same server and credentials and no connections (for a forked
        process: the parent's keep-alive connections must not be shared)."""
        c = Api.__new__(Api)
        c.host, c.port, c.ctx, c.timeout = self.host, self.port, self.ctx, self.timeout
        c.local = threading.local()
        c.requests = 0
        c._lock = threading.Lock()
        return c

    @classmethod
    def from_state(cls, state_dir, port):
        p = f"{state_dir}/pki"
        return cls(f"https://127.0.0.1:{port}", f"{p}/ca.crt", f"{p}/admin.crt", f"{p}/admin.key")

    def _conn(self, fresh=False):
        c = getattr(self.local, "conn", None)
        if c is None or fresh:
            if c is not None:
                c.close()
            c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=self.timeout)
            self.local.conn = c
        return c

    def raw(self, method, path, body=None, ctype="application/json", accept="application/json"):
        """Return (status, bytes). Retries transport errors, 429 and 5xx (bounded)."""
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body, separators=(",", ":"))
            if isinstance(data, str):
                data = data.encode()
        headers = {"Accept": accept}
        if data is not None:
            headers["Content-Type"] = ctype
        delay = 0.2
        for attempt in range(8):
            try:
                c = self._conn(fresh=attempt > 0)
                c.request(method, path, body=data, headers=headers)
                r = c.getresponse()
                out = r.read()
                with self._lock:
                    self.requests += 1
                if r.status == 429 or r.status >= 500:
                    if attempt < 7:
                        time.sleep(delay)
                        delay = min(delay * 2, 5)
                        continue
                return r.status, out
            except (OSError, http.client.HTTPException):
                if attempt == 7:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 5)
        raise RuntimeError("unreachable")

    def call(self, method, path, body=None, ctype="application/json", ok=(200, 201, 202), allow=()):
        status, out = self.raw(method, path, body, ctype)
        if status in allow:
            return None
        if status not in ok:
            raise ApiError(status, out.decode(errors="replace"), method, path)
        return json.loads(out) if out else None

    def get(self, path, allow=()):
        return self.call("GET", path, allow=allow)

    def post(self, path, obj, allow=()):
        return self.call("POST", path, obj, allow=allow)

    def merge_patch(self, path, patch):
        return self.call("PATCH", path, patch, ctype="application/merge-patch+json")

    def json_patch(self, path, ops):
        return self.call("PATCH", path, ops, ctype="application/json-patch+json")

    def list_all(self, path, page=500, query=""):
        """Every item of a LIST (paginated)."""
        items, cont = [], ""
        while True:
            q = f"limit={page}" + (f"&{query}" if query else "")
            if cont:
                q += "&continue=" + urllib.parse.quote(cont, safe="")
            d = self.get(f"{path}?{q}")
            items.extend(d.get("items") or [])
            cont = (d.get("metadata") or {}).get("continue") or ""
            if not cont:
                return items

    def metrics(self):
        """apiserver_request_total series -> value."""
        status, out = self.raw("GET", "/metrics", accept="text/plain")
        if status != 200:
            raise ApiError(status, out.decode(errors="replace"), "GET", "/metrics")
        series = {}
        for line in out.decode().splitlines():
            if line.startswith("apiserver_request_total{"):
                k, v = line.rsplit(" ", 1)
                series[k] = float(v)
        return series


def label_of(series_key, name):
    """Value of label `name` in a Prometheus series key."""
    i = series_key.find(f'{name}="')
    if i < 0:
        return ""
    j = series_key.find('"', i + len(name) + 2)
    return series_key[i + len(name) + 2 : j]


def metrics_delta(before, after):
    """{series: increase} for series that increased."""
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0) > 0}
