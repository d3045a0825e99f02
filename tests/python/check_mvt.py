#!/usr/bin/env python3
"""Independent check of urbis vector tiles with Python's mapbox-vector-tile and shapely.

Fetches every tile of a tileset over an area at zooms MINZOOM..MAXZOOM (at most --max-per-zoom
per zoom, sampled evenly), as a map client does (Accept-Encoding: gzip), and checks each one:

- HTTP: 200 with a tile, or 204 when empty; a gzip body only with `Content-Encoding: gzip`;
  at most 500 KB uncompressed;
- the protobuf (raw, with mapbox-vector-tile's own vector_tile_pb2): layer names unique,
  version 2, extent 4096, keys unique per layer, values unique per layer, tags well formed with
  no key twice in a feature, no empty string value, keys of the layer within the tile contract;
- geometry commands well formed for the geometry type and the layer's type as in the contract;
  no repeated consecutive point (zero-length segment), no zero-length line, no degenerate ring
  (fewer than 3 distinct points or zero area), no ring closed by an explicit last point;
  exterior rings with positive area by the surveyor's formula in tile coordinates (y down),
  holes negative (MVT 2.1, 4.3.4.4); coordinates clipped near the tile (within one tile width);
- the decoded geometry (mapbox_vector_tile.decode, then shapely.geometry.shape): polygons valid
  (shapely's is_valid, with explain_validity in the message), feature counts equal to the raw ones.

Prints a JSON summary (counts) on the last line; exits 1 listing every violation with the tile's
address when there is any.

usage: check_mvt.py BASE_URL [--tileset urbis] [--minzoom 12] [--maxzoom 16]
                    [--bbox W,S,E,N] [--query municipality=21004] [--max-per-zoom 300]
"""

import argparse
import gzip
import json
import math
import sys
import urllib.error
import urllib.request
from collections import Counter

import mapbox_vector_tile
from mapbox_vector_tile.Mapbox import vector_tile_pb2
from shapely.geometry import shape
from shapely.validation import explain_validity

EXTENT = 4096
MAX_TILE_BYTES = 500 * 1024
MAX_RESPONSE_BYTES = 8 * 1024 * 1024

# The tile contract: geometry type and attribute keys of each layer.
CONTRACT = {
    "addresses": (
        1,
        {"id", "housenumber", "box", "street_fr", "street_nl", "postcode", "municipality"},
    ),
    "buildings": (3, {"id", "type"}),
    "parcels": (3, {"id", "capakey", "type", "municipality"}),
    "streets": (2, {"id", "name_fr", "name_nl", "type"}),
    "municipalities": (3, {"id", "nis", "name_fr", "name_nl"}),
}
TYPE_NAMES = {1: "Point", 2: "LineString", 3: "Polygon"}


def lonlat_to_tile(lon, lat, z):
    n = 2**z
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return min(int(x), n - 1), min(int(y), n - 1)


def tiles_over(bbox, z, cap):
    w, s, e, n = bbox
    x0, y0 = lonlat_to_tile(w, n, z)
    x1, y1 = lonlat_to_tile(e, s, z)
    all_tiles = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    if len(all_tiles) <= cap:
        return all_tiles
    # An even sample that always keeps the tile at the centre of the area (the densest part of
    # the real centre data: the Pentagon around the Grand-Place).
    cx, cy = lonlat_to_tile((w + e) / 2, (s + n) / 2, z)
    step = len(all_tiles) / (cap - 1)
    sample = {all_tiles[int(i * step)] for i in range(cap - 1)}
    sample.add((z, cx, cy))
    return sorted(sample)


def fetch(url):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read(MAX_RESPONSE_BYTES + 1)


def value_key(v):
    """A hashable identity of a Value message (type and content)."""
    for field in ("string_value", "float_value", "double_value", "int_value", "uint_value", "sint_value", "bool_value"):
        if v.HasField(field):
            return (field, getattr(v, field))
    return (None, None)


def decode_commands(geom, gtype):
    """Decode a geometry's command stream into parts: for points a list of points; for lines
    and polygons a list of point lists (rings without the closing point). Raises ValueError on
    a malformed stream."""
    parts = []
    i = 0
    x = y = 0
    n = len(geom)
    while i < n:
        cmd = geom[i] & 7
        count = geom[i] >> 3
        i += 1
        if cmd == 1:  # MoveTo
            if count == 0:
                raise ValueError("MoveTo with count 0")
            if gtype != 1 and count != 1:
                raise ValueError(f"MoveTo with count {count} in a {TYPE_NAMES.get(gtype)}")
            for _ in range(count):
                if i + 1 >= n:
                    raise ValueError("truncated MoveTo")
                dx, dy = geom[i], geom[i + 1]
                i += 2
                x += (dx >> 1) ^ -(dx & 1)
                y += (dy >> 1) ^ -(dy & 1)
                parts.append([(x, y)])
        elif cmd == 2:  # LineTo
            if gtype == 1:
                raise ValueError("LineTo in a Point geometry")
            if not parts:
                raise ValueError("LineTo before MoveTo")
            if count == 0:
                raise ValueError("LineTo with count 0")
            for _ in range(count):
                if i + 1 >= n:
                    raise ValueError("truncated LineTo")
                dx, dy = geom[i], geom[i + 1]
                i += 2
                x += (dx >> 1) ^ -(dx & 1)
                y += (dy >> 1) ^ -(dy & 1)
                parts[-1].append((x, y))
        elif cmd == 7:  # ClosePath
            if gtype != 3:
                raise ValueError(f"ClosePath in a {TYPE_NAMES.get(gtype)}")
            if count != 1:
                raise ValueError(f"ClosePath with count {count}")
            if not parts:
                raise ValueError("ClosePath before MoveTo")
            parts[-1].append(None)  # marks the ring as closed
        else:
            raise ValueError(f"unknown command {cmd}")
    if gtype == 1:
        return [p[0] for p in parts]
    if gtype == 3:
        rings = []
        for p in parts:
            if not p or p[-1] is not None:
                raise ValueError("polygon ring without ClosePath")
            if None in p[:-1]:
                raise ValueError("ClosePath twice in a ring")
            rings.append(p[:-1])
        return rings
    for p in parts:
        if None in p:
            raise ValueError("ClosePath in a line")
    return parts


def ring_area(ring):
    """Surveyor's formula in tile coordinates (y down): positive for an MVT exterior ring."""
    s = 0
    for i, (x0, y0) in enumerate(ring):
        x1, y1 = ring[(i + 1) % len(ring)]
        s += x0 * y1 - x1 * y0
    return s / 2


class Checker:
    def __init__(self):
        self.violations = []
        self.status = Counter()
        self.encodings = Counter()
        self.features = Counter()
        self.rings = Counter()
        self.points = 0
        self.bytes_raw = 0
        self.bytes_wire = 0
        self.largest = (0, None)
        self.tiles = 0

    def bad(self, addr, msg):
        self.violations.append(f"{addr}: {msg}")

    def check_tile(self, tileset, z, x, y, url):
        addr = f"{tileset}/{z}/{x}/{y}"
        status, headers, body = fetch(url)
        headers = {k.lower(): v for k, v in headers.items()}
        self.tiles += 1
        self.status[status] += 1
        if status == 204:
            if body:
                self.bad(addr, f"204 with a {len(body)}-byte body")
            return
        if status != 200:
            self.bad(addr, f"HTTP {status}: {body[:200]!r}")
            return
        if len(body) > MAX_RESPONSE_BYTES:
            self.bad(addr, "response larger than 8 MB")
            return
        ctype = headers.get("content-type", "")
        if ctype not in ("application/vnd.mapbox-vector-tile", "application/x-protobuf"):
            self.bad(addr, f"content-type {ctype!r}")
        encoding = headers.get("content-encoding", "identity")
        self.encodings[encoding] += 1
        self.bytes_wire += len(body)
        gzipped = body[:2] == b"\x1f\x8b"
        if encoding == "gzip":
            if not gzipped:
                self.bad(addr, "Content-Encoding: gzip but the body is not gzip")
                return
            data = gzip.decompress(body)
        elif encoding == "identity":
            if gzipped:
                self.bad(addr, "gzip body without Content-Encoding: gzip")
                return
            data = body
        else:
            self.bad(addr, f"unexpected Content-Encoding {encoding!r} (only gzip was accepted)")
            return
        if not data:
            self.bad(addr, "200 with an empty tile (an empty tile answers 204)")
            return
        self.bytes_raw += len(data)
        if len(data) > MAX_TILE_BYTES:
            self.bad(addr, f"{len(data)} bytes uncompressed > 500 KB")
        if len(data) > self.largest[0]:
            self.largest = (len(data), addr)
        self.check_raw(addr, data)
        self.check_decoded(addr, data)

    def check_raw(self, addr, data):
        tile = vector_tile_pb2.tile()
        try:
            tile.ParseFromString(data)
        except Exception as e:  # noqa: BLE001 - any parse failure is a violation
            self.bad(addr, f"not a vector tile protobuf: {e}")
            return
        names = [layer.name for layer in tile.layers]
        for name, n in Counter(names).items():
            if n > 1:
                self.bad(addr, f"layer {name!r} appears {n} times")
        for layer in tile.layers:
            la = f"{addr} layer {layer.name}"
            if layer.name not in CONTRACT:
                self.bad(la, "layer not in the tile contract")
                continue
            gtype, allowed = CONTRACT[layer.name]
            if layer.version != 2:
                self.bad(la, f"version {layer.version}")
            if layer.extent != EXTENT:
                self.bad(la, f"extent {layer.extent}")
            if not layer.features:
                self.bad(la, "layer with no feature")
            for k, n in Counter(layer.keys).items():
                if n > 1:
                    self.bad(la, f"key {k!r} {n} times in the key table")
            for k in layer.keys:
                if k not in allowed:
                    self.bad(la, f"key {k!r} not in the contract {sorted(allowed)}")
            vkeys = [value_key(v) for v in layer.values]
            for v, n in Counter(vkeys).items():
                if n > 1:
                    self.bad(la, f"value {v} {n} times in the value table")
                if v[0] == "string_value" and v[1] == "":
                    self.bad(la, "empty string value")
            for fi, f in enumerate(layer.features):
                fa = f"{la} feature {fi} (id {f.id})"
                self.features[layer.name] += 1
                if len(f.tags) % 2:
                    self.bad(fa, "odd number of tags")
                    continue
                fkeys = f.tags[::2]
                if any(k >= len(layer.keys) for k in fkeys) or any(v >= len(layer.values) for v in f.tags[1::2]):
                    self.bad(fa, "tag index out of range")
                    continue
                if len(set(fkeys)) != len(fkeys):
                    self.bad(fa, "a key twice in one feature")
                if f.type != gtype:
                    self.bad(fa, f"geometry type {TYPE_NAMES.get(f.type, f.type)}, expected {TYPE_NAMES[gtype]}")
                    continue
                try:
                    parts = decode_commands(list(f.geometry), f.type)
                except ValueError as e:
                    self.bad(fa, f"malformed geometry: {e}")
                    continue
                self.check_parts(fa, f.type, parts)

    def check_parts(self, fa, gtype, parts):
        lo, hi = -EXTENT, 2 * EXTENT
        coords = parts if gtype == 1 else [p for part in parts for p in part]
        if not coords:
            self.bad(fa, "empty geometry")
            return
        self.points += len(coords)
        if any(not (lo <= x <= hi and lo <= y <= hi) for x, y in coords):
            self.bad(fa, "coordinates more than one tile width outside the tile (not clipped)")
        if gtype == 1:
            return
        for part in parts:
            for a, b in zip(part, part[1:]):
                if a == b:
                    self.bad(fa, f"repeated consecutive point {a}")
                    break
        if gtype == 2:
            for part in parts:
                if len(part) < 2:
                    self.bad(fa, "line with one point")
                elif len(set(part)) < 2:
                    self.bad(fa, "zero-length line")
            return
        if ring_area(parts[0]) <= 0:
            self.bad(fa, f"first ring is not an exterior ring (area {ring_area(parts[0])} ≤ 0)")
        for ring in parts:
            area = ring_area(ring)
            self.rings["exterior" if area > 0 else "interior"] += 1
            if len(ring) >= 2 and ring[0] == ring[-1]:
                self.bad(fa, f"ring closed by a repeated first point {ring[0]} (ClosePath closes it)")
            if len(set(ring)) < 3:
                self.bad(fa, f"degenerate ring of {len(set(ring))} distinct points")
            elif area == 0:
                self.bad(fa, "degenerate ring of zero area")

    def check_decoded(self, addr, data):
        try:
            decoded = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
        except Exception as e:  # noqa: BLE001 - any decoding failure is a violation
            self.bad(addr, f"mapbox_vector_tile cannot decode the tile: {e}")
            return
        raw = vector_tile_pb2.tile()
        raw.ParseFromString(data)
        raw_counts = {layer.name: len(layer.features) for layer in raw.layers}
        for name, layer in decoded.items():
            if len(layer["features"]) != raw_counts.get(name):
                self.bad(f"{addr} layer {name}", "decoded feature count differs from the raw one")
            for f in layer["features"]:
                props = f["properties"]
                g = f["geometry"]
                if g["type"] not in ("Polygon", "MultiPolygon"):
                    continue
                fa = f"{addr} layer {name} feature id {f.get('id')}"
                try:
                    geom = shape(g)
                except Exception as e:  # noqa: BLE001
                    self.bad(fa, f"shapely cannot build the polygon: {e}")
                    continue
                if not geom.is_valid:
                    self.bad(fa, f"invalid polygon: {explain_validity(geom)}")
                elif geom.area <= 0:
                    self.bad(fa, "polygon of zero area")
                for k, v in props.items():
                    if v == "":
                        self.bad(fa, f"empty value for {k!r}")

    def summary(self):
        return {
            "tiles": self.tiles,
            "status": {str(k): v for k, v in sorted(self.status.items())},
            "content_encoding": dict(self.encodings),
            "features": dict(self.features),
            "rings": dict(self.rings),
            "points": self.points,
            "bytes_uncompressed": self.bytes_raw,
            "bytes_on_the_wire": self.bytes_wire,
            "largest_tile": {"bytes": self.largest[0], "tile": self.largest[1]},
            "violations": len(self.violations),
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("--tileset", default="urbis")
    ap.add_argument("--minzoom", type=int, default=12)
    ap.add_argument("--maxzoom", type=int, default=16)
    ap.add_argument("--bbox", help="W,S,E,N in WGS84 (default: the TileJSON bounds)")
    ap.add_argument("--query", default="", help="query string added to each tile URL")
    ap.add_argument("--max-per-zoom", type=int, default=300)
    args = ap.parse_args()

    base = args.base.rstrip("/")
    if args.bbox:
        bbox = [float(v) for v in args.bbox.split(",")]
    else:
        status, _, body = fetch(f"{base}/tiles/{args.tileset}.json")
        if status != 200:
            print(f"TileJSON: HTTP {status}", file=sys.stderr)
            return 1
        raw = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
        bbox = json.loads(raw)["bounds"]
    suffix = f"?{args.query}" if args.query else ""
    checker = Checker()
    for z in range(args.minzoom, args.maxzoom + 1):
        for z_, x, y in tiles_over(bbox, z, args.max_per_zoom):
            checker.check_tile(args.tileset, z_, x, y, f"{base}/tiles/{args.tileset}/{z_}/{x}/{y}.mvt{suffix}")
    for v in checker.violations[:200]:
        print(v, file=sys.stderr)
    if len(checker.violations) > 200:
        print(f"... and {len(checker.violations) - 200} more", file=sys.stderr)
    print(json.dumps(checker.summary()))
    return 1 if checker.violations else 0


if __name__ == "__main__":
    sys.exit(main())
