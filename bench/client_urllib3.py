"""Python urllib3 as a client: one PoolManager (its pool keeps the connection alive), json.loads.

Usage: python3 bench/client_urllib3.py WORKLOAD BASE_URL N   (workloads as in client_binding.lua)
Prints one JSON line: wall and CPU (user + sys) seconds of the request loop only.
"""
import json
import sys
import time

import urllib3

SMALL = "/policygroups/5f400061000400009e3779b1"
PAGE, WRAP = 100, 2000
HEADERS = {"accept": "application/json", "x-api-key": "bench-key-0123456789abcdef"}


def main():
    workload, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pool = urllib3.PoolManager()

    def get(path):
        r = pool.request("GET", base + path, headers=HEADERS)
        if r.status != 200:
            raise SystemExit("HTTP %d for %s" % (r.status, path))
        return json.loads(r.data), r.headers

    def page_path(skip):
        return "/policies?limit=%d&skip=%d&sort=_id" % (PAGE, skip)

    requests_made, records = 0, 0
    w0, c0 = time.monotonic(), time.process_time()
    if workload == "small":
        for _ in range(n):
            get(SMALL)
            requests_made += 1
    elif workload == "pages":
        for i in range(n):
            page, _ = get(page_path((i % WRAP) * PAGE))
            requests_made += 1
            records += len(page)
    elif workload == "iterate":
        skip, total = 0, 1
        while skip < total and requests_made < 100000:
            page, headers = get(page_path(skip))
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
