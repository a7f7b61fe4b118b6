"""The benchmark's driver: starts nginx (static workloads) and the mock server (50 ms latency
workload) on 127.0.0.1, runs every client on every workload it takes, several runs with the
clients interleaved, and prints one Markdown table of medians (also written to bench/results.md).

Run through bin/bench, which installs what is needed, builds the core, the floor programs and
the data first. From the repository root: python3 bench/run.py [--runs N]

How a client is measured: each client program runs as its own process and reports the wall and
CPU (user + sys) time of its request loop only, from inside (getrusage, os.clock,
time.process_time); the driver takes its peak RSS from wait4(2) on that process alone (through bench/out/measure, a small C
parent: see bench/measure.c). The curl
command line cannot report from inside: its wall, CPU and RSS are the whole process's. Start-up is
one process doing everything once (load, make a client, one GET, exit), measured from outside.
"""
import argparse
import datetime
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
# The binding measured: a snapshot of its sources built by bin/bench (HEAD, or the working tree).
SRC = os.environ.get("BENCH_SRC", os.path.join(OUT, "src"))
REVISION = os.environ.get("BENCH_REV", "unknown revision")
WWW = os.path.join(OUT, "www")
API_KEY = "bench-key-0123456789abcdef"
SMALL_PATH = "/api/v2/policygroups/5f400061000400009e3779b1"
PAGE = 100

SMALL_N = 20000       # small GETs
PAGES_N = 2000        # pages of 100 records
ITER_BIG = 100000     # records iterated (1,000 pages)
ITER_SMALL = 10000    # records iterated, to check that RSS is flat
LATENCY_RECORDS = 10000
LATENCY_MS = 50

LUA = ["lua5.4"]
PYTHON = "/usr/bin/python3"  # Debian's, with Debian's python3-requests and python3-urllib3
CLIENTS = {
    "floor": [os.path.join(OUT, "floor")],
    "floor+cjson": [os.path.join(OUT, "floor-cjson")],
    "binding": LUA + ["bench/client_binding.lua"],
    "binding c=8": LUA + ["bench/client_binding.lua"],
    "binding raw": LUA + ["bench/client_binding.lua"],
    "lua-http": LUA + ["bench/client_luahttp.lua"],
    "requests": [PYTHON, "bench/client_requests.py"],
    "urllib3": [PYTHON, "bench/client_urllib3.py"],
    "curl CLI": None,  # one curl process, a --config listing every URL
}
RIVALS = ["curl CLI", "lua-http", "requests", "urllib3"]
LABELS = {
    "floor": "floor: C + libcurl, no JSON",
    "floor+cjson": "floor+cjson: C + libcurl + lua-cjson",
    "binding": "**jumpcloud-lua**, sequential",
    "binding c=8": "**jumpcloud-lua**, concurrency 8",
    "binding raw": "**jumpcloud-lua**, sequential, raw bodies (no JSON)",
    "lua-http": "lua-http + lua-cjson",
    "requests": "Python requests (Session)",
    "urllib3": "Python urllib3 (PoolManager)",
    "curl CLI": "curl CLI, one process (no JSON)",
}
STARTUP_REPS = 5  # start-up is short and noisy: measured this many times per run


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what):
    for _ in range(200):  # 10 s at most
        if proc.poll() is not None:
            raise SystemExit("%s exited at start (status %s)" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("%s did not listen on 127.0.0.1:%d" % (what, port))


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_nginx():
    run_dir = os.path.join(OUT, "nginx")
    os.makedirs(run_dir, exist_ok=True)
    port = free_port()
    with open(os.path.join(ROOT, "bench", "nginx.conf")) as f:
        conf = f.read().replace("@PORT@", str(port)).replace("@WWW@", WWW).replace("@RUN@", run_dir)
    path = os.path.join(run_dir, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    proc = subprocess.Popen(["nginx", "-c", path, "-p", run_dir], stdin=subprocess.DEVNULL)
    wait_port(port, proc, "nginx")
    return proc, "http://127.0.0.1:%d" % port


def start_mock():
    proc = subprocess.Popen(LUA + [os.path.join(SRC, "bin", "jumpcloud-mock"), "--port", "0", "--api-key", API_KEY],
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("JUMPCLOUD_MOCK_URL="):
        stop(proc)
        raise SystemExit("the mock server did not start: %r" % line)
    url = line.split("=", 1)[1]  # http://127.0.0.1:PORT/api/v2
    return proc, url[: -len("/api/v2")]


def mock_call(root, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(root + path, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()


def arm_latency(mock_root):
    """100 one-shot fault rules on GET /api/v2/policies, in page order: each answers the next
    request with the next page of the same data nginx serves, x-total-count 10000, after 50 ms
    (the mock's own store would spend more time sorting 10,000 records than the latency)."""
    mock_call(mock_root, "DELETE", "/__mock/faults")
    for k in range(LATENCY_RECORDS // PAGE):
        with open(os.path.join(WWW, "pages", "%d.json" % (k * PAGE))) as f:
            page = f.read()
        mock_call(mock_root, "POST", "/__mock/faults", {
            "method": "GET", "path": "/api/v2/policies", "statuses": [200], "body": page,
            "headers": {"x-total-count": str(LATENCY_RECORDS)}, "delay_ms": LATENCY_MS})


def latency_rules_left(mock_root):
    _, body = mock_call(mock_root, "GET", "/__mock/faults")
    return len(json.loads(body))


def curl_config(base, workload, n):
    """A curl --config file: one GET per URL, all in one process (one reused connection)."""
    fd, path = tempfile.mkstemp(prefix="curl-", suffix=".cfg", dir=OUT)
    with os.fdopen(fd, "w") as f:
        f.write('silent\nfail\nheader = "accept: application/json"\nheader = "x-api-key: %s"\n' % API_KEY)
        for i in range(n):
            if workload == "small":
                url = base + "/policygroups/5f400061000400009e3779b1"
            else:
                url = "%s/policies?limit=%d&skip=%d&sort=_id" % (base, PAGE, (i % PAGES_N) * PAGE)
            f.write('url = "%s"\noutput = "/dev/null"\n' % url)
    return path


class Usage:
    """What bench/out/measure reported for one process: wall, CPU (user + sys), peak RSS."""

    def __init__(self, wall, cpu, maxrss_kb):
        self.wall, self.cpu, self.maxrss_kb = wall, cpu, maxrss_kb


def spawn(argv, env):
    """Runs argv to completion under bench/out/measure: (Usage of that process alone, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r", dir=OUT, suffix=".usage") as usage:
        proc = subprocess.run([os.path.join(OUT, "measure"), usage.name] + argv, env=env, stdout=out,
                              stdin=subprocess.DEVNULL)
        out.seek(0)
        text = out.read().decode()
        if proc.returncode != 0:
            raise SystemExit("failed (status %d): %s\n%s" % (proc.returncode, " ".join(argv), text))
        wall, cpu, rss, _ = usage.read().split()
    return Usage(float(wall), float(cpu), int(rss)), text


def measure(client, workload, base, n, env, startup=False):
    """One measurement: {wall, cpu, requests, records, rss_kb}; from outside for start-up and curl."""
    if client == "curl CLI":
        cfg = curl_config(base, workload, n)
        try:
            u, _ = spawn(["curl", "--config", cfg], env)
        finally:
            os.unlink(cfg)
        return {"wall": u.wall, "cpu": u.cpu, "requests": n, "records": None, "rss_kb": u.maxrss_kb}
    argv = CLIENTS[client] + [workload + ("-raw" if client == "binding raw" else ""), base, str(n)]
    if client == "binding c=8":
        argv.append("8")
    u, text = spawn(argv, env)
    r = json.loads(text.strip().splitlines()[-1])
    r["rss_kb"] = u.maxrss_kb
    if startup:
        r["wall"], r["cpu"] = u.wall, u.cpu
    return r


def workloads(nginx, mock_root):
    """The workloads: key, title, mode (what the client programs call it), base URL, N, the
    requests and records expected, the clients, the floor for the ratios, what to do before each
    client runs."""
    api = nginx + "/api/v2"
    every = ["floor", "binding", "binding c=8", "lua-http", "requests", "urllib3", "curl CLI"]
    json_clients = ["floor+cjson", "binding", "binding c=8", "lua-http", "requests", "urllib3"]

    def w(key, title, mode, base, n, want_requests, want_records, clients, floor, before=None, reps=1):
        return dict(key=key, title=title, mode=mode, base=base, n=n, want_requests=want_requests,
                    want_records=want_records, clients=clients, floor=floor, before=before, reps=reps)

    return [
        w("small", "20,000 small GETs", "small", api, SMALL_N, SMALL_N, None,
          every[:1] + ["floor+cjson"] + every[1:], "floor"),
        w("pages", "2,000 pages of 100 records", "pages", api, PAGES_N, PAGES_N, PAGES_N * PAGE,
          ["floor"] + json_clients + ["binding raw", "curl CLI"], "floor+cjson"),
        w("iter100k", "iterate 100,000 records", "iterate", "%s/t%d/api/v2" % (nginx, ITER_BIG), 0,
          ITER_BIG // PAGE, ITER_BIG, json_clients, "floor+cjson"),
        w("iter10k", "iterate 10,000 records", "iterate", "%s/t%d/api/v2" % (nginx, ITER_SMALL), 0,
          ITER_SMALL // PAGE, ITER_SMALL, json_clients, "floor+cjson"),
        w("latency", "10,000 records, 50 ms latency", "iterate", mock_root + "/api/v2", 0,
          LATENCY_RECORDS // PAGE, LATENCY_RECORDS,
          ["floor+cjson", "binding", "binding c=8", "lua-http", "requests"], "floor+cjson", arm_latency),
        w("startup", "start-up (load, client, 1 GET)", "small", api, 1, 1, None,
          ["floor", "floor+cjson", "binding", "lua-http", "requests", "urllib3", "curl CLI"], "floor",
          reps=STARTUP_REPS),
    ]


def check(key, client, r, want_requests, want_records):
    """Every client made the requests asked for and, when it decodes, saw every record."""
    decodes = client not in ("floor", "curl CLI", "binding raw")
    if r["requests"] != want_requests or (want_records is not None and decodes and r["records"] != want_records):
        raise SystemExit("%s/%s: made %s requests and saw %s records, expected %s and %s"
                         % (key, client, r["requests"], r["records"], want_requests, want_records))


def med(xs):
    return statistics.median(xs)


def summarise(wls, samples):
    """Medians per (workload, client), ratios to the workload's floor taken run by run."""
    rows = {}
    for wl in wls:
        key, clients, floor = wl["key"], wl["clients"], wl["floor"]
        runs = samples[key]
        for c in clients:
            per = [r[c] for r in runs]
            fl = [r[floor] for r in runs]
            reqs = per[0]["requests"]
            rows[(key, c)] = {
                "wall": med([p["wall"] for p in per]),
                "cpu_us": med([p["cpu"] / reqs * 1e6 for p in per]),
                "rss_mb": med([p["rss_kb"] / 1024 for p in per]),
                "x_wall": med([p["wall"] / f["wall"] for p, f in zip(per, fl)]),
                "x_cpu": med([p["cpu"] / f["cpu"] for p, f in zip(per, fl)]),
                "x_rss": med([p["rss_kb"] / f["rss_kb"] for p, f in zip(per, fl)]),
                "wall_runs": [p["wall"] for p in per],
            }
    return rows


def verdict(ok):
    return "PASS" if ok else "MISS"


def targets(wls, rows, samples):
    """The targets, as {(workload, client): [text]} for the table and a flat list."""
    notes, flat = {}, []

    def add(key, client, text, ok):
        line = "%s: %s" % (text, verdict(ok))
        notes.setdefault((key, client), []).append(line)
        flat.append((key, client, line))

    r = rows
    x = r[("small", "binding")]["x_cpu"]
    add("small", "binding", "CPU/GET %.2fx floor (target <= 1.25x)" % x, x <= 1.25)
    x = r[("pages", "binding")]["x_cpu"]
    add("pages", "binding", "CPU/page %.2fx floor+cjson (target <= 1.1x)" % x, x <= 1.1)
    x = r[("startup", "binding")]["x_wall"]
    add("startup", "binding", "start-up wall %.2fx floor (target <= 1.3x)" % x, x <= 1.3)
    x = r[("startup", "binding")]["x_cpu"]
    add("startup", "binding", "start-up CPU %.2fx floor (target <= 1.3x)" % x, x <= 1.3)
    x = r[("iter100k", "binding")]["x_rss"]
    add("iter100k", "binding", "peak RSS %.2fx floor+cjson (target <= 1.2x)" % x, x <= 1.2)
    for c in ("binding", "binding c=8"):
        big, small = r[("iter100k", c)]["rss_mb"], r[("iter10k", c)]["rss_mb"]
        growth = big / small - 1
        add("iter100k", c, "RSS flat: %+.1f%% from 10,000 to 100,000 records (target <= +5%%)" % (growth * 100),
            growth <= 0.05)
    runs = samples["latency"]
    for other in ("binding", "lua-http", "requests"):
        speed = med([run[other]["wall"] / run["binding c=8"]["wall"] for run in runs])
        add("latency", "binding c=8", "%.1fx faster than %s sequential (target >= 6x)" % (speed, other), speed >= 6)
    for wl in wls:
        key, clients = wl["key"], wl["clients"]
        if key == "startup":
            continue
        for c in ("binding", "binding c=8", "binding raw"):
            if c not in clients:
                continue
            rivals = [o for o in RIVALS if o in clients]
            if "binding raw" in clients:
                # like for like: the curl CLI does not decode, so it is compared with raw bodies
                rivals = ["curl CLI"] if c == "binding raw" else [o for o in rivals if o != "curl CLI"]
            behind = [o for o in rivals if r[(key, o)]["cpu_us"] <= r[(key, c)]["cpu_us"]]
            text = "CPU ahead of %s" % ", ".join(rivals)
            if behind:
                text += " (not of %s)" % ", ".join(behind)
            add(key, c, text, not behind)
    return notes, flat


def fmt(v, digits):
    if digits == 3 and v < 0.1:
        digits = 4  # start-up times
    return ("%." + str(digits) + "f") % v


def table(wls, rows, notes):
    out = ["| workload | client | wall (s) | CPU/request (µs) | peak RSS (MB) | wall ×floor | CPU ×floor | RSS ×floor | targets |",
           "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for wl in wls:
        key, title, clients, floor = wl["key"], wl["title"], wl["clients"], wl["floor"]
        for c in clients:
            row = rows[(key, c)]
            label = LABELS[c] + (" (the floor)" if c == floor else "")
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                title, label, fmt(row["wall"], 3), fmt(row["cpu_us"], 1), fmt(row["rss_mb"], 1),
                fmt(row["x_wall"], 2), fmt(row["x_cpu"], 2), fmt(row["x_rss"], 2),
                "; ".join(notes.get((key, c), []))))
    return "\n".join(out)


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return "%d cores (nproc), %s, Linux %s" % (os.cpu_count() or 0, model, platform.release())


def versions():
    """Debian package versions of what is measured."""
    out = []
    for p in ("libcurl4", "lua5.4", "lua-cjson", "lua-http", "python3", "python3-requests", "python3-urllib3",
              "curl", "nginx"):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", p], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout:
            out.append("%s %s" % (p, r.stdout))
    return ", ".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    args = ap.parse_args()
    os.chdir(ROOT)
    # the binding as installed in SRC/tree by bin/bench
    env = dict(os.environ, LUA_PATH="{0}/tree/share/lua/5.4/?.lua;{0}/tree/share/lua/5.4/?/init.lua;;".format(SRC),
               LUA_CPATH="{0}/tree/lib/lua/5.4/?.so;;".format(SRC))
    env.pop("LUA_PATH_5_4", None)
    env.pop("LUA_CPATH_5_4", None)
    nginx = mock = None
    t_start = time.monotonic()
    try:
        nginx, nginx_url = start_nginx()
        mock, mock_root = start_mock()
        log("nginx on %s, mock server on %s; %d runs" % (nginx_url, mock_root, args.runs))
        wls = workloads(nginx_url, mock_root)
        samples = {wl["key"]: [] for wl in wls}
        for run in range(1, args.runs + 1):
            t_run = time.monotonic()
            for wl in wls:
                for _ in range(wl["reps"]):
                    got = {}
                    for c in wl["clients"]:
                        if wl["before"]:
                            wl["before"](mock_root)
                        r = measure(c, wl["mode"], wl["base"], wl["n"], env, startup=(wl["key"] == "startup"))
                        check(wl["key"], c, r, wl["want_requests"], wl["want_records"])
                        if wl["before"] and latency_rules_left(mock_root) != 0:
                            raise SystemExit("latency/%s: not every page came from the delayed rules" % c)
                        got[c] = r
                    samples[wl["key"]].append(got)
            log("run %d/%d done in %.0f s" % (run, args.runs, time.monotonic() - t_run))
    finally:
        stop(nginx)
        stop(mock)
    rows = summarise(wls, samples)
    notes, flat = targets(wls, rows, samples)
    elapsed = time.monotonic() - t_start
    when = datetime.date.today().isoformat()
    head = ("jumpcloud-lua %s. Run %s on %s. Medians of %d runs (clients interleaved within each run; start-up %d times "
            "a run). Wall and CPU (user + sys) are the client's request loop, measured inside the client "
            "process; peak RSS is the whole client process; start-up rows and curl are whole processes. "
            "×floor columns are the median of per-run ratios to the workload's floor (C + libcurl, or "
            "C + libcurl + lua-cjson where the clients decode JSON). Measuring took %.0f s. Debian packages: %s."
            % (REVISION, when, machine(), args.runs, STARTUP_REPS, elapsed, versions()))
    tbl = table(wls, rows, notes)
    titles = {wl["key"]: wl["title"] for wl in wls}
    misses = ["%s, %s: %s" % (titles[k], LABELS[c].replace("**", ""), line)
              for k, c, line in flat if line.endswith("MISS")]
    summary = "Targets: %d PASS, %d MISS." % (len(flat) - len(misses), len(misses))
    if misses:
        summary += " Missed:\n\n" + "\n".join("- %s" % m for m in misses)
    text = "%s\n\n%s\n\n%s\n" % (head, tbl, summary)
    with open(os.path.join(ROOT, "bench", "results.md"), "w") as f:
        f.write("# Benchmark results\n\n" + text)
    # Every run's own figures, to judge the spread behind a median (this VM's is wide).
    with open(os.path.join(OUT, "samples.json"), "w") as f:
        json.dump({"revision": REVISION, "date": when, "samples": samples}, f, indent=1)
    print(text)
    log("each run's figures: bench/out/samples.json")


if __name__ == "__main__":
    main()
