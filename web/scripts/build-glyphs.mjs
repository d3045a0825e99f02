// Builds the map labels' glyph ranges (MapLibre "glyphs" PBFs: signed distance fields of 24 px
// glyphs in ranges of 256 code points) from the Noto Sans WOFF files of @fontsource/noto-sans,
// with no network access and no native code: opentype.js reads the outlines, this script
// computes the distance fields and writes the protobuf.
//
// Run by `npm ci --prefix web` (postinstall). Output:
//   web/node_modules/.glyphs/<font name>/<start>-<end>.pbf   for every range 0-255 … 65280-65535
// (ranges the font does not cover hold an empty glyph list, so MapLibre never gets a 404).
//
// The format and metrics are those of fontnik / sdf-glyph-foundry, which MapLibre GL expects:
// 24 px em, a 3 px border around each bitmap, 8 px distance radius with the edge at 0.75
// (value = 255 - 255 * (d / 8 + 0.25), d > 0 outside), `top` relative to the ascender.

import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import opentype from 'opentype.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.resolve(here, '..', 'node_modules');
const outRoot = path.join(modules, '.glyphs');
const filesDir = path.join(modules, '@fontsource', 'noto-sans', 'files');

const SIZE = 24;
const BUFFER = 3;
const RADIUS = 8;
const CUTOFF = 0.25;
// Scripts of Brussels' street names and of most European names; Devanagari needs shaping
// that glyph PBFs cannot express.
const SUBSETS = ['latin', 'latin-ext', 'vietnamese', 'greek', 'greek-ext', 'cyrillic', 'cyrillic-ext'];
const FACES = [
    {name: 'Noto Sans Regular', weight: 400},
    {name: 'Noto Sans Bold', weight: 700},
];

// ---- protobuf writing (glyphs.proto: glyphs{1: fontstack{1 name, 2 range, 3 glyph}}) ----

class Writer {
    constructor() {
        this.bytes = [];
    }
    varint(v) {
        let n = v >>> 0;
        while (n > 0x7f) {
            this.bytes.push((n & 0x7f) | 0x80);
            n >>>= 7;
        }
        this.bytes.push(n);
    }
    tag(field, wire) {
        this.varint((field << 3) | wire);
    }
    uint(field, v) {
        this.tag(field, 0);
        this.varint(v);
    }
    sint(field, v) {
        this.tag(field, 0);
        this.varint((v << 1) ^ (v >> 31));
    }
    bytesField(field, data) {
        this.tag(field, 2);
        this.varint(data.length);
        for (const b of data) this.bytes.push(b);
    }
    string(field, s) {
        this.bytesField(field, Buffer.from(s, 'utf8'));
    }
    message(field, w) {
        this.bytesField(field, w.bytes);
    }
    buffer() {
        return Buffer.from(this.bytes);
    }
}

// ---- outlines to line segments -------------------------------------------------------

function segmentsOf(glyphPath) {
    const segs = [];
    let sx = 0;
    let sy = 0;
    let x = 0;
    let y = 0;
    const line = (x1, y1) => {
        if (x1 !== x || y1 !== y) segs.push([x, y, x1, y1]);
        x = x1;
        y = y1;
    };
    for (const c of glyphPath.commands) {
        switch (c.type) {
            case 'M':
                if (x !== sx || y !== sy) line(sx, sy);
                sx = x = c.x;
                sy = y = c.y;
                break;
            case 'L':
                line(c.x, c.y);
                break;
            case 'Q': {
                const [x0, y0] = [x, y];
                const n = 8;
                for (let i = 1; i <= n; i++) {
                    const t = i / n;
                    const u = 1 - t;
                    line(u * u * x0 + 2 * u * t * c.x1 + t * t * c.x, u * u * y0 + 2 * u * t * c.y1 + t * t * c.y);
                }
                break;
            }
            case 'C': {
                const [x0, y0] = [x, y];
                const n = 10;
                for (let i = 1; i <= n; i++) {
                    const t = i / n;
                    const u = 1 - t;
                    const a = u * u * u;
                    const b = 3 * u * u * t;
                    const d = 3 * u * t * t;
                    const e = t * t * t;
                    line(a * x0 + b * c.x1 + d * c.x2 + e * c.x, a * y0 + b * c.y1 + d * c.y2 + e * c.y);
                }
                break;
            }
            case 'Z':
                line(sx, sy);
                break;
            default:
                break;
        }
    }
    if (x !== sx || y !== sy) line(sx, sy);
    return segs;
}

// Distance field of one glyph whose outline (in pixels, y up) is `segs`.
function sdf(segs, x0, yTop, w, h) {
    const out = new Uint8Array(w * h);
    for (let j = 0; j < h; j++) {
        const py = yTop - j - 0.5;
        for (let i = 0; i < w; i++) {
            const px = x0 + i + 0.5;
            let best = Infinity;
            let winding = 0;
            for (const [ax, ay, bx, by] of segs) {
                const dx = bx - ax;
                const dy = by - ay;
                const len2 = dx * dx + dy * dy;
                let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                const ex = ax + t * dx - px;
                const ey = ay + t * dy - py;
                const d2 = ex * ex + ey * ey;
                if (d2 < best) best = d2;
                // Non-zero winding number of a ray towards +x.
                if (ay <= py) {
                    if (by > py && (dx * (py - ay) - (px - ax) * dy) > 0) winding++;
                } else if (by <= py && (dx * (py - ay) - (px - ax) * dy) < 0) {
                    winding--;
                }
            }
            const d = Math.sqrt(best) * (winding !== 0 ? -1 : 1);
            const v = Math.round(255 - 255 * (d / RADIUS + CUTOFF));
            out[j * w + i] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
    }
    return out;
}

function glyphMessage(font, glyph, codePoint, ascender) {
    const scale = SIZE / font.unitsPerEm;
    const advance = Math.round(glyph.advanceWidth * scale);
    const w = new Writer();
    w.uint(1, codePoint);
    const p = glyph.getPath(0, 0, SIZE);
    // opentype.js paths are y down; flip to y up (baseline at 0).
    for (const c of p.commands) {
        for (const k of ['y', 'y1', 'y2']) if (k in c) c[k] = -c[k];
    }
    const segs = segmentsOf(p);
    if (segs.length === 0) {
        w.uint(3, 0);
        w.uint(4, 0);
        w.sint(5, 0);
        w.sint(6, 0);
        w.uint(7, advance);
        return w;
    }
    let xMin = Infinity;
    let xMax = -Infinity;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (const [ax, ay, bx, by] of segs) {
        xMin = Math.min(xMin, ax, bx);
        xMax = Math.max(xMax, ax, bx);
        yMin = Math.min(yMin, ay, by);
        yMax = Math.max(yMax, ay, by);
    }
    const left = Math.floor(xMin);
    const top = Math.ceil(yMax);
    const width = Math.max(1, Math.ceil(xMax) - left);
    const height = Math.max(1, top - Math.floor(yMin));
    const bitmap = sdf(segs, left - BUFFER, top + BUFFER, width + 2 * BUFFER, height + 2 * BUFFER);
    w.bytesField(2, bitmap);
    w.uint(3, width);
    w.uint(4, height);
    w.sint(5, left);
    w.sint(6, top - ascender);
    w.uint(7, advance);
    return w;
}

function build(face) {
    const fonts = [];
    for (const subset of SUBSETS) {
        const file = path.join(filesDir, `noto-sans-${subset}-${face.weight}-normal.woff`);
        const data = fs.readFileSync(file);
        fonts.push(opentype.parse(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
    }
    const ascender = Math.round((fonts[0].ascender * SIZE) / fonts[0].unitsPerEm);
    const dir = path.join(outRoot, face.name);
    fs.mkdirSync(dir, {recursive: true});
    let count = 0;
    for (let start = 0; start < 65536; start += 256) {
        const end = start + 255;
        const stack = new Writer();
        stack.string(1, face.name);
        stack.string(2, `${start}-${end}`);
        for (let cp = start; cp <= end; cp++) {
            const font = fonts.find((f) => f.charToGlyphIndex(String.fromCodePoint(cp)) > 0);
            if (!font) continue;
            stack.message(3, glyphMessage(font, font.charToGlyph(String.fromCodePoint(cp)), cp, ascender));
            count++;
        }
        const root = new Writer();
        root.message(1, stack);
        fs.writeFileSync(path.join(dir, `${start}-${end}.pbf`), root.buffer());
    }
    return count;
}

const t0 = Date.now();
for (const face of FACES) {
    const n = build(face);
    console.log(`glyphs: ${face.name}: ${n} glyphs in 256 ranges → ${path.relative(process.cwd(), path.join(outRoot, face.name))}`);
}
console.log(`glyphs: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
