"""Python `requests` as a client: one Session (its connection pool keeps the connection alive).

Usage: python3 bench/client_requests.py WORKLOAD BASE_URL N   (workloads as in client_binding.lua)
Prints one JSON line: wall and CPU (user + sys) seconds of the request loop only.
"""
import sys
import time

import requests

SMALL = "/policygroups/5f400061000400009e3779b1"
PAGE, WRAP = 100, 2000


def main():
    workload, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    session = requests.Session()
    session.headers.update({"accept": "application/json", "x-api-key": "bench-key-0123456789abcdef"})

    def get(path, params=None):
        r = session.get(base + path, params=params)
        r.raise_for_status()
        return r.json(), r.headers

    requests_made, records = 0, 0
    w0, c0 = time.monotonic(), time.process_time()
    if workload == "small":
        for _ in range(n):
            get(SMALL)
            requests_made += 1
    elif workload == "pages":
        for i in range(n):
            page, _ = get("/policies", {"limit": PAGE, "skip": (i % WRAP) * PAGE, "sort": "_id"})
            requests_made += 1
            records += len(page)
    elif workload == "iterate":
        skip, total = 0, 1
        while skip < total and requests_made < 100000:
            page, headers = get("/policies", {"limit": PAGE, "skip": skip, "sort": "_id"})
            total = int(headers["x-total-count"])
            for _ in page:
                records += 1
            skip += PAGE
            requests_made += 1
    else:
        raise SystemExit("unknown workload " + workload)
    wall, cpu = time.monotonic() - w0, time.process_time() - c0
    print('{"wall": %.6f, "cpu": %.6f, "requests": %d, "records": %d}' % (wall, cpu, requests_made, records))


if __name__ == "__main__":
    main()
