"""Stand-in for `# kubectl-hostprocess:node-logs/1` (src/exec/node_logs.ps1): the log of a service
or a file on the fake node's own C:\\, with --since, --pattern and --tail, answered as the script
answers on Windows (same search order, line times, exit codes 0 / 2 no such log / 1 error, the
file read named on stderr as `source: PATH`).

The event log: a fake node has none. A test that wants a service logging to the event log plants
`<node>/winevent/<Provider>.json` next to the node's C directory, in the shape of
`Get-WinEvent … | Select-Object TimeCreated,Id,LevelDisplayName,ProviderName,Message | ConvertTo-Json`
under Windows PowerShell 5.1 (TimeCreated as "\\/Date(<ms since 1970>)\\/", newest first, as
Get-WinEvent returns them).
"""
import datetime as dt
import json
import os
import re

ARGS = re.compile(r"^\$ArgsJson = '(.*)'$", re.M)
KLOG = re.compile(r"^[IWEF](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)")
LOGRUS = re.compile(r'time="([^"]+)"')
ISO = re.compile(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?)")
MS_DATE = re.compile(r"/Date\((-?\d+)\)/")


def line_time(line, now):
    """The UTC time of a log line, or None (the fake nodes' local time is UTC)."""
    m = KLOG.match(line)
    if m:
        mo, d, h, mi, s = (int(x) for x in m.groups())
        try:
            t = dt.datetime(now.year, mo, d, h, mi, s, tzinfo=dt.timezone.utc)
        except ValueError:
            return None
        if t > now + dt.timedelta(days=1):
            t = t.replace(year=t.year - 1)
        return t
    m = LOGRUS.search(line) or ISO.match(line)
    if not m:
        return None
    text = m.group(1).replace(" ", "T")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # Python takes at most microseconds
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def file_lines(ctx, win_path, since, pattern, tail):
    ctx.stderr.write(f"source: {win_path}\n".encode())
    with open(ctx.host_path(win_path), "rb") as f:
        data = f.read().decode("utf-8", "replace")
    lines = data.splitlines()
    now = dt.datetime.now(dt.timezone.utc)
    out = []
    keep = since is None
    for line in lines:
        if since is not None:
            t = line_time(line, now)
            if t is not None:
                keep = t >= since
        if keep and (pattern is None or pattern.search(line)):
            out.append(line)
    if tail is None:
        return out
    return out[len(out) - tail:] if tail else []


def events(ctx, provider, since, pattern, tail):
    path = os.path.join(ctx.root, "winevent", f"{provider}.json")
    if not os.path.isfile(path):
        return None
    ctx.stderr.write(f"source: event log, provider {provider}\n".encode())
    with open(path) as f:
        recorded = json.load(f)
    if isinstance(recorded, dict):  # one event: ConvertTo-Json writes an object, not an array
        recorded = [recorded]
    selected = []
    for e in recorded:
        ms = int(MS_DATE.search(e["TimeCreated"]).group(1))
        t = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
        if since is not None and t < since:
            continue
        message = e.get("Message") or ""
        if pattern is not None and not pattern.search(message):
            continue
        selected.append((t, e, re.sub(r"\r?\n", " ", message)))
    if tail is not None:
        selected = selected[:tail]
    selected.reverse()
    return [
        f"{t.strftime('%Y-%m-%dT%H:%M:%S.')}{t.microsecond // 1000:03d}Z {e['LevelDisplayName']} "
        f"{e['ProviderName']}[{e['Id']}]: {m}"
        for t, e, m in selected
    ]


def main(ctx):
    m = ARGS.search(ctx.script)
    if not m:
        ctx.stderr.write(b"error reading the log: no arguments in the script\n")
        return 1
    a = json.loads(m.group(1).replace("''", "'"))
    query = a["query"]
    tail = a.get("tail")
    since = a.get("since")
    since = dt.datetime.fromtimestamp(since, dt.timezone.utc) if since is not None else None
    pattern = None
    if a.get("pattern") is not None:
        try:
            pattern = re.compile(a["pattern"], re.I)
        except re.error as e:
            ctx.stderr.write(f"invalid --pattern: {e}\n".encode())
            return 1
    lines = None
    if re.search(r"[\\/]", query):
        if not os.path.isfile(ctx.host_path(query)):
            ctx.stderr.write(f"no such file on this node: {query}\n".encode())
            return 2
        lines = file_lines(ctx, query, since, pattern, tail)
    else:
        candidates = [f"C:\\k\\{query}.log", f"C:\\var\\log\\{query}\\{query}.log", f"C:\\var\\log\\{query}.log",
                      f"C:\\var\\log\\{query}"]
        for c in candidates:
            if os.path.isfile(ctx.host_path(c)):
                lines = file_lines(ctx, c, since, pattern, tail)
                break
        if lines is None:
            lines = events(ctx, query, since, pattern, tail)
        if lines is None:
            ctx.stderr.write(f"no log of {query} on this node: none of {', '.join(candidates)} and no event-log "
                             f"provider {query}\n".encode())
            return 2
    for line in lines:
        ctx.stdout.write((line + "\n").encode())
    return 0
