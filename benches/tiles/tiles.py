#!/usr/bin/env python3
"""Helpers of the tile benchmarks (benches/tiles_vs_postgis.sh, benches/tiles_http_vs_nginx.sh).

  tiles.py list  --bbox W,S,E,N --minzoom 12 --maxzoom 16 [--max-per-zoom N]   > tiles.txt  (z x y)
  tiles.py bounds BASE_URL                                     prints the TileJSON bounds W,S,E,N
  tiles.py fetch BASE_URL TILESET tiles.txt out.csv [--gzip] [--save DIR] [--paths-out FILE]
        one keep-alive connection, sequential requests; writes z,x,y,status,ms,bytes
  tiles.py stats NAME results.csv          tiles/s, p50/p99 per tile and tile sizes of a run
  tiles.py ratio A.csv B.csv               total time of B / total time of A
"""

import argparse
import gzip
import http.client
import json
import math
import os
import sys
import time
import urllib.parse


def lonlat_to_tile(lon, lat, z):
    n = 2**z
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return min(int(x), n - 1), min(int(y), n - 1)


def cmd_list(args):
    w, s, e, n = (float(v) for v in args.bbox.split(","))
    for z in range(args.minzoom, args.maxzoom + 1):
        x0, y0 = lonlat_to_tile(w, n, z)
        x1, y1 = lonlat_to_tile(e, s, z)
        tiles = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        if args.max_per_zoom and len(tiles) > args.max_per_zoom:
            step = len(tiles) / args.max_per_zoom
            tiles = [tiles[int(i * step)] for i in range(args.max_per_zoom)]
        for t in tiles:
            print(*t)


def connect(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=120), u.path.rstrip("/")


def cmd_bounds(args):
    conn, prefix = connect(args.base)
    conn.request("GET", f"{prefix}/tiles/{args.tileset}.json")
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        sys.exit(f"TileJSON: HTTP {resp.status}")
    print(",".join(str(v) for v in json.loads(body)["bounds"]))


def cmd_fetch(args):
    conn, prefix = connect(args.base)
    headers = {"Accept-Encoding": "gzip" if args.gzip else "identity"}
    with open(args.tiles) as f:
        tiles = [tuple(int(v) for v in line.split()) for line in f if line.strip()]
    rows = []
    if args.paths_out:
        args.paths = []
    for z, x, y in tiles:
        path = f"{prefix}/tiles/{args.tileset}/{z}/{x}/{y}.mvt"
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        ms = (time.perf_counter() - t0) * 1000.0
        if resp.status not in (200, 204):
            sys.exit(f"{path}: HTTP {resp.status}: {body[:200]!r}")
        size = len(gzip.decompress(body)) if resp.getheader("Content-Encoding") == "gzip" else len(body)
        rows.append((z, x, y, resp.status, ms, size))
        if args.paths is not None and resp.status == 200:
            args.paths.append(path)
        if args.save and resp.status == 200:
            d = os.path.join(args.save, args.tileset, str(z), str(x))
            os.makedirs(d, exist_ok=True)
            # Stored gzipped (as served to clients that accept gzip) for a static file server.
            if resp.getheader("Content-Encoding") != "gzip":
                body = gzip.compress(body)
            with open(os.path.join(d, f"{y}.mvt"), "wb") as out:
                out.write(body)
    with open(args.out, "w") as out:
        for r in rows:
            out.write("%d,%d,%d,%d,%.4f,%d\n" % r)
    if args.paths_out:
        with open(args.paths_out, "w") as out:
            out.write("".join(p + "\n" for p in args.paths))


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            z, x, y, status, ms, size = line.strip().split(",")
            rows.append((int(z), int(x), int(y), int(status), float(ms), int(size)))
    return rows


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    return sorted_vals[min(len(sorted_vals) - 1, int(round(p / 100.0 * (len(sorted_vals) - 1))))]


def cmd_stats(args):
    rows = load(args.csv)
    ms = sorted(r[4] for r in rows)
    sizes = sorted(r[5] for r in rows if r[5] > 0)
    total = sum(ms)
    empty = sum(1 for r in rows if r[5] == 0)
    per_zoom = {}
    for r in rows:
        per_zoom.setdefault(r[0], []).append(r[4])
    zs = " ".join(
        "z%d %.2f" % (z, pct(sorted(v), 50)) for z, v in sorted(per_zoom.items())
    )
    print(
        "%-15s %5d tiles (%d empty) in %.2f s: %.0f tiles/s; per tile p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
        "size p50 %.1f KB, p99 %.1f KB, max %.1f KB, total %.1f MB; p50 by zoom (ms): %s"
        % (
            args.name,
            len(rows),
            empty,
            total / 1000.0,
            len(rows) / (total / 1000.0) if total else float("nan"),
            pct(ms, 50),
            pct(ms, 99),
            ms[-1] if ms else float("nan"),
            pct(sizes, 50) / 1024,
            pct(sizes, 99) / 1024,
            (sizes[-1] if sizes else 0) / 1024,
            sum(sizes) / 1e6,
            zs,
        )
    )


def cmd_ratio(args):
    a = sum(r[4] for r in load(args.a))
    b = sum(r[4] for r in load(args.b))
    print("%.1f" % (b / a))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list")
    p.add_argument("--bbox", required=True)
    p.add_argument("--minzoom", type=int, default=12)
    p.add_argument("--maxzoom", type=int, default=16)
    p.add_argument("--max-per-zoom", type=int, default=0)
    p.set_defaults(f=cmd_list)
    p = sub.add_parser("bounds")
    p.add_argument("base")
    p.add_argument("--tileset", default="urbis")
    p.set_defaults(f=cmd_bounds)
    p = sub.add_parser("fetch")
    p.add_argument("base")
    p.add_argument("tileset")
    p.add_argument("tiles")
    p.add_argument("out")
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--save", help="store the tiles answered 200 under DIR/TILESET/z/x/y.mvt, gzipped")
    p.add_argument("--paths-out", help="write the URL paths of the tiles answered 200 to this file")
    p.set_defaults(f=cmd_fetch, paths=None)
    p = sub.add_parser("stats")
    p.add_argument("name")
    p.add_argument("csv")
    p.set_defaults(f=cmd_stats)
    p = sub.add_parser("ratio")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(f=cmd_ratio)
    args = ap.parse_args()
    args.f(args)


if __name__ == "__main__":
    main()
