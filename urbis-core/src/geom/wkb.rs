//! Well-Known Binary (WKB) encoding and decoding of [`geo::Geometry`].
//!
//! [`write_wkb`] writes ISO WKB, 2D, little-endian. [`read_wkb`] reads what other software
//! writes: both byte orders, ISO WKB with Z, M or ZM (type code + 1000/2000/3000), and PostGIS
//! extended WKB (EWKB: flags `0x80000000` Z, `0x40000000` M, `0x20000000` SRID). Z and M values
//! are dropped. Counts are checked against the bytes that remain before anything is allocated,
//! so a corrupt or hostile blob is an error, never a huge allocation or a panic.
//!
//! `POINT EMPTY` is encoded, as GDAL and PostGIS do, as a point with NaN coordinates; it reads
//! back as such at the top level (see [`is_empty`]) and is dropped from inside a `MULTIPOINT`.

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

use crate::error::GeometryError;

/// WKB type codes (ISO, 2D).
const POINT: u32 = 1;
const LINESTRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTIPOINT: u32 = 4;
const MULTILINESTRING: u32 = 5;
const MULTIPOLYGON: u32 = 6;
const GEOMETRYCOLLECTION: u32 = 7;

const EWKB_Z: u32 = 0x8000_0000;
const EWKB_M: u32 = 0x4000_0000;
const EWKB_SRID: u32 = 0x2000_0000;

/// Deepest nesting of geometry collections accepted when reading.
const MAX_DEPTH: usize = 32;

/// Append the ISO WKB (2D, little-endian) encoding of `g` to `out`.
///
/// `Line` is written as a 2-point `LINESTRING`, `Rect` and `Triangle` as `POLYGON`s.
pub fn write_wkb(g: &Geometry<f64>, out: &mut Vec<u8>) {
    match g {
        Geometry::Point(p) => write_point(p.0, out),
        Geometry::Line(l) => {
            header(LINESTRING, out);
            put_u32(out, 2);
            put_coord(out, l.start);
            put_coord(out, l.end);
        }
        Geometry::LineString(ls) => write_linestring(ls, out),
        Geometry::Polygon(p) => write_polygon(p, out),
        Geometry::MultiPoint(mp) => {
            header(MULTIPOINT, out);
            put_len(out, mp.0.len());
            for p in &mp.0 {
                write_point(p.0, out);
            }
        }
        Geometry::MultiLineString(mls) => {
            header(MULTILINESTRING, out);
            put_len(out, mls.0.len());
            for ls in &mls.0 {
                write_linestring(ls, out);
            }
        }
        Geometry::MultiPolygon(mp) => {
            header(MULTIPOLYGON, out);
            put_len(out, mp.0.len());
            for p in &mp.0 {
                write_polygon(p, out);
            }
        }
        Geometry::GeometryCollection(gc) => {
            header(GEOMETRYCOLLECTION, out);
            put_len(out, gc.0.len());
            for g in &gc.0 {
                write_wkb(g, out);
            }
        }
        Geometry::Rect(r) => write_polygon(&r.to_polygon(), out),
        Geometry::Triangle(t) => write_polygon(&t.to_polygon(), out),
    }
}

/// The ISO WKB (2D, little-endian) encoding of `g`.
pub fn to_wkb(g: &Geometry<f64>) -> Vec<u8> {
    let mut v = Vec::new();
    write_wkb(g, &mut v);
    v
}

/// Decode a WKB or EWKB blob (see the module documentation for what is accepted).
/// Trailing bytes after the geometry are an error.
pub fn read_wkb(bytes: &[u8]) -> Result<Geometry<f64>, GeometryError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let g = r.geometry(0)?;
    if r.pos != bytes.len() {
        return Err(GeometryError::Invalid(format!(
            "{} unexpected trailing bytes after the geometry",
            bytes.len() - r.pos
        )));
    }
    Ok(g)
}

/// Decode the WKB geometry at the start of `bytes`, returning it and the number of bytes it
/// used (bytes after it are ignored, as some GeoPackage writers pad their blobs).
pub fn read_wkb_prefix(bytes: &[u8]) -> Result<(Geometry<f64>, usize), GeometryError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let g = r.geometry(0)?;
    Ok((g, r.pos))
}

/// Is `g` empty: no coordinates at all, or a `POINT EMPTY` (NaN coordinates)?
pub fn is_empty(g: &Geometry<f64>) -> bool {
    match g {
        Geometry::Point(p) => p.x().is_nan() && p.y().is_nan(),
        Geometry::Line(_) | Geometry::Rect(_) | Geometry::Triangle(_) => false,
        Geometry::LineString(ls) => ls.0.is_empty(),
        Geometry::Polygon(p) => p.exterior().0.is_empty(),
        Geometry::MultiPoint(mp) => mp.0.is_empty(),
        Geometry::MultiLineString(m) => m.0.iter().all(|l| l.0.is_empty()),
        Geometry::MultiPolygon(m) => m.0.iter().all(|p| p.exterior().0.is_empty()),
        Geometry::GeometryCollection(gc) => gc.0.iter().all(is_empty),
    }
}

fn header(code: u32, out: &mut Vec<u8>) {
    out.push(1);
    put_u32(out, code);
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    // A geometry with more than 4 billion parts cannot exist in memory here; saturate anyway.
    put_u32(out, u32::try_from(n).unwrap_or(u32::MAX));
}

fn put_coord(out: &mut Vec<u8>, c: Coord<f64>) {
    out.extend_from_slice(&c.x.to_le_bytes());
    out.extend_from_slice(&c.y.to_le_bytes());
}

fn write_point(c: Coord<f64>, out: &mut Vec<u8>) {
    header(POINT, out);
    put_coord(out, c);
}

fn write_linestring(ls: &LineString<f64>, out: &mut Vec<u8>) {
    header(LINESTRING, out);
    put_len(out, ls.0.len());
    for c in &ls.0 {
        put_coord(out, *c);
    }
}

fn write_polygon(p: &Polygon<f64>, out: &mut Vec<u8>) {
    header(POLYGON, out);
    if p.exterior().0.is_empty() && p.interiors().is_empty() {
        put_u32(out, 0);
        return;
    }
    put_len(out, 1 + p.interiors().len());
    for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
        put_len(out, ring.0.len());
        for c in &ring.0 {
            put_coord(out, *c);
        }
    }
}

/// The dimensions of one geometry's coordinates.
#[derive(Clone, Copy)]
struct Dims {
    /// Number of f64 values per coordinate (2, 3 or 4).
    n: usize,
}

impl Dims {
    fn coord_bytes(self) -> usize {
        8 * self.n
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

struct Header {
    little: bool,
    kind: u32,
    dims: Dims,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], GeometryError> {
        if self.remaining() < n {
            return Err(GeometryError::Truncated);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, GeometryError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self, little: bool) -> Result<u32, GeometryError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, GeometryError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// Read a count of items each needing at least `min_item_bytes`, refusing counts the
    /// remaining bytes cannot hold.
    fn count(&mut self, little: bool, min_item_bytes: usize) -> Result<usize, GeometryError> {
        let n = self.u32(little)? as usize;
        if n.saturating_mul(min_item_bytes.max(1)) > self.remaining() {
            return Err(GeometryError::Truncated);
        }
        Ok(n)
    }

    fn header(&mut self) -> Result<Header, GeometryError> {
        let little = match self.u8()? {
            0 => false,
            1 => true,
            b => {
                return Err(GeometryError::Invalid(format!(
                    "bad WKB byte order marker {b}"
                )))
            }
        };
        let raw = self.u32(little)?;
        let mut has_z = raw & EWKB_Z != 0;
        let mut has_m = raw & EWKB_M != 0;
        if raw & EWKB_SRID != 0 {
            self.u32(little)?; // the SRID itself is not used
        }
        let code = raw & 0x0FFF_FFFF;
        let (kind, iso_dims) = (code % 1000, code / 1000);
        match iso_dims {
            0 => {}
            1 => has_z = true,
            2 => has_m = true,
            3 => {
                has_z = true;
                has_m = true;
            }
            _ => return Err(GeometryError::UnsupportedType(raw)),
        }
        if !(POINT..=GEOMETRYCOLLECTION).contains(&kind) {
            return Err(GeometryError::UnsupportedType(raw));
        }
        let n = 2 + usize::from(has_z) + usize::from(has_m);
        Ok(Header {
            little,
            kind,
            dims: Dims { n },
        })
    }

    fn coord(&mut self, h: &Header) -> Result<Coord<f64>, GeometryError> {
        let x = self.f64(h.little)?;
        let y = self.f64(h.little)?;
        for _ in 2..h.dims.n {
            self.f64(h.little)?;
        }
        Ok(Coord { x, y })
    }

    fn coords(&mut self, h: &Header) -> Result<LineString<f64>, GeometryError> {
        let n = self.count(h.little, h.dims.coord_bytes())?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.coord(h)?);
        }
        Ok(LineString(v))
    }

    fn polygon_body(&mut self, h: &Header) -> Result<Polygon<f64>, GeometryError> {
        let rings = self.count(h.little, 4)?;
        if rings == 0 {
            return Ok(Polygon::new(LineString(Vec::new()), Vec::new()));
        }
        let exterior = self.coords(h)?;
        let mut interiors = Vec::with_capacity(rings - 1);
        for _ in 1..rings {
            interiors.push(self.coords(h)?);
        }
        Ok(Polygon::new(exterior, interiors))
    }

    /// Read a geometry nested in a multi-geometry, checking its type.
    fn member(&mut self, expected: u32) -> Result<Header, GeometryError> {
        let h = self.header()?;
        if h.kind != expected {
            return Err(GeometryError::Invalid(format!(
                "a {} holds a {}",
                type_name(expected + 3),
                type_name(h.kind)
            )));
        }
        Ok(h)
    }

    fn geometry(&mut self, depth: usize) -> Result<Geometry<f64>, GeometryError> {
        if depth > MAX_DEPTH {
            return Err(GeometryError::Invalid(
                "geometry collections nested too deeply".into(),
            ));
        }
        let h = self.header()?;
        // Smallest encoding of one member geometry: byte order, type and a count.
        const MIN_MEMBER: usize = 1 + 4 + 4;
        Ok(match h.kind {
            POINT => Geometry::Point(Point(self.coord(&h)?)),
            LINESTRING => Geometry::LineString(self.coords(&h)?),
            POLYGON => Geometry::Polygon(self.polygon_body(&h)?),
            MULTIPOINT => {
                let n = self.count(h.little, 1 + 4 + 16)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    let ph = self.member(POINT)?;
                    let c = self.coord(&ph)?;
                    if !(c.x.is_nan() && c.y.is_nan()) {
                        v.push(Point(c));
                    }
                }
                Geometry::MultiPoint(MultiPoint(v))
            }
            MULTILINESTRING => {
                let n = self.count(h.little, MIN_MEMBER)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    let lh = self.member(LINESTRING)?;
                    v.push(self.coords(&lh)?);
                }
                Geometry::MultiLineString(MultiLineString(v))
            }
            MULTIPOLYGON => {
                let n = self.count(h.little, MIN_MEMBER)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    let ph = self.member(POLYGON)?;
                    v.push(self.polygon_body(&ph)?);
                }
                Geometry::MultiPolygon(MultiPolygon(v))
            }
            _ => {
                let n = self.count(h.little, MIN_MEMBER)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.geometry(depth + 1)?);
                }
                Geometry::GeometryCollection(GeometryCollection(v))
            }
        })
    }
}

fn type_name(kind: u32) -> &'static str {
    match kind {
        POINT => "POINT",
        LINESTRING => "LINESTRING",
        POLYGON => "POLYGON",
        MULTIPOINT => "MULTIPOINT",
        MULTILINESTRING => "MULTILINESTRING",
        MULTIPOLYGON => "MULTIPOLYGON",
        _ => "GEOMETRYCOLLECTION",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, line_string, point, polygon, Line, Rect};

    /// A small deterministic generator (xorshift64*), so the property test needs no crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> usize {
            (self.next() % n) as usize
        }
        fn coord(&mut self) -> Coord<f64> {
            let f = |v: u64| (v % 2_000_000_000) as f64 / 1000.0 - 1_000_000.0;
            let (a, b) = (self.next(), self.next());
            Coord { x: f(a), y: f(b) }
        }
        fn ls(&mut self, min: usize) -> LineString<f64> {
            let n = min + self.below(6);
            LineString((0..n).map(|_| self.coord()).collect())
        }
        fn polygon(&mut self) -> Polygon<f64> {
            let mut ext = self.ls(3);
            ext.close();
            let holes = (0..self.below(3))
                .map(|_| {
                    let mut r = self.ls(3);
                    r.close();
                    r
                })
                .collect();
            Polygon::new(ext, holes)
        }
        fn geometry(&mut self, depth: usize) -> Geometry<f64> {
            let kinds = if depth > 2 { 6 } else { 7 };
            match self.below(kinds) {
                0 => Geometry::Point(Point(self.coord())),
                1 => Geometry::LineString(self.ls(0)),
                2 => Geometry::Polygon(self.polygon()),
                3 => Geometry::MultiPoint(MultiPoint(
                    (0..self.below(5)).map(|_| Point(self.coord())).collect(),
                )),
                4 => Geometry::MultiLineString(MultiLineString(
                    (0..self.below(4)).map(|_| self.ls(2)).collect(),
                )),
                5 => Geometry::MultiPolygon(MultiPolygon(
                    (0..self.below(4)).map(|_| self.polygon()).collect(),
                )),
                _ => Geometry::GeometryCollection(GeometryCollection(
                    (0..self.below(4))
                        .map(|_| self.geometry(depth + 1))
                        .collect(),
                )),
            }
        }
    }

    /// Re-encode `bytes` in big-endian form (to test the other byte order).
    fn to_big_endian(g: &Geometry<f64>) -> Vec<u8> {
        // Write little-endian then swap each field by re-reading the structure.
        fn swap(r: &mut Reader<'_>, out: &mut Vec<u8>) {
            let h = r.header().expect("header");
            out.push(0);
            out.extend_from_slice(&h.kind.to_be_bytes());
            let coord = |r: &mut Reader<'_>, out: &mut Vec<u8>| {
                for _ in 0..2 {
                    out.extend_from_slice(&r.f64(true).expect("f64").to_be_bytes());
                }
            };
            let coords = |r: &mut Reader<'_>, out: &mut Vec<u8>| {
                let n = r.u32(true).expect("n");
                out.extend_from_slice(&n.to_be_bytes());
                for _ in 0..n {
                    coord(r, out);
                }
            };
            match h.kind {
                POINT => coord(r, out),
                LINESTRING => coords(r, out),
                POLYGON => {
                    let n = r.u32(true).expect("n");
                    out.extend_from_slice(&n.to_be_bytes());
                    for _ in 0..n {
                        coords(r, out);
                    }
                }
                _ => {
                    let n = r.u32(true).expect("n");
                    out.extend_from_slice(&n.to_be_bytes());
                    for _ in 0..n {
                        swap(r, out);
                    }
                }
            }
        }
        let le = to_wkb(g);
        let mut r = Reader { buf: &le, pos: 0 };
        let mut out = Vec::new();
        swap(&mut r, &mut out);
        out
    }

    #[test]
    fn property_round_trip_many_geometries() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for i in 0..3000 {
            let g = rng.geometry(0);
            let wkb = to_wkb(&g);
            assert_eq!(read_wkb(&wkb).as_ref(), Ok(&g), "case {i}: {g:?}");
            let be = to_big_endian(&g);
            assert_eq!(be.len(), wkb.len());
            assert_eq!(read_wkb(&be).as_ref(), Ok(&g), "big-endian case {i}");
            // Every strict prefix is rejected, never a panic.
            for cut in [0, 1, 4, wkb.len() / 2, wkb.len() - 1] {
                if cut < wkb.len() {
                    assert!(read_wkb(&wkb[..cut]).is_err(), "prefix {cut} of case {i}");
                }
            }
        }
    }

    #[test]
    fn known_encoding() {
        let g = Geometry::Point(point!(x: 1.0, y: 2.0));
        assert_eq!(
            to_wkb(&g),
            [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x40]
        );
        // The same point written big-endian by another tool.
        let be = [
            0, 0, 0, 0, 1, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(read_wkb(&be), Ok(g));
    }

    #[test]
    fn lines_rects_and_triangles_are_written_as_simple_features() {
        let line = Geometry::Line(Line::new(coord! {x: 0., y: 0.}, coord! {x: 1., y: 1.}));
        assert_eq!(
            read_wkb(&to_wkb(&line)),
            Ok(Geometry::LineString(
                line_string![(x: 0., y: 0.), (x: 1., y: 1.)]
            ))
        );
        let rect = Geometry::Rect(Rect::new(coord! {x: 0., y: 0.}, coord! {x: 2., y: 1.}));
        match read_wkb(&to_wkb(&rect)) {
            Ok(Geometry::Polygon(p)) => assert_eq!(p.exterior().0.len(), 5),
            other => panic!("{other:?}"),
        }
    }

    fn le_point_z(code: u32, extra: usize) -> Vec<u8> {
        let mut v = vec![1];
        v.extend_from_slice(&code.to_le_bytes());
        for f in [10.0f64, 20.0]
            .into_iter()
            .chain((0..extra).map(|i| i as f64))
        {
            v.extend_from_slice(&f.to_le_bytes());
        }
        v
    }

    #[test]
    fn iso_and_ewkb_z_m_are_dropped() {
        let p = Geometry::Point(point!(x: 10.0, y: 20.0));
        assert_eq!(read_wkb(&le_point_z(1001, 1)), Ok(p.clone()));
        assert_eq!(read_wkb(&le_point_z(2001, 1)), Ok(p.clone()));
        assert_eq!(read_wkb(&le_point_z(3001, 2)), Ok(p.clone()));
        assert_eq!(read_wkb(&le_point_z(EWKB_Z | 1, 1)), Ok(p.clone()));
        assert_eq!(read_wkb(&le_point_z(EWKB_M | 1, 1)), Ok(p.clone()));
        assert_eq!(read_wkb(&le_point_z(EWKB_Z | EWKB_M | 1, 2)), Ok(p.clone()));
        // EWKB with an SRID: the SRID comes right after the type.
        let mut v = vec![1];
        v.extend_from_slice(&(EWKB_SRID | EWKB_Z | 1).to_le_bytes());
        v.extend_from_slice(&31370u32.to_le_bytes());
        for f in [10.0f64, 20.0, 99.0] {
            v.extend_from_slice(&f.to_le_bytes());
        }
        assert_eq!(read_wkb(&v), Ok(p));
        // A Z polygon (PolygonZ, 1003).
        let mut v = vec![1];
        v.extend_from_slice(&1003u32.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&4u32.to_le_bytes());
        for (x, y) in [(0.0f64, 0.0f64), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)] {
            for f in [x, y, 5.0] {
                v.extend_from_slice(&f.to_le_bytes());
            }
        }
        assert_eq!(
            read_wkb(&v),
            Ok(Geometry::Polygon(
                polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 0., y: 1.), (x: 0., y: 0.)]
            ))
        );
    }

    #[test]
    fn empty_point_is_nan_and_dropped_from_multipoints() {
        let empty = Geometry::Point(Point::new(f64::NAN, f64::NAN));
        let wkb = to_wkb(&empty);
        let back = read_wkb(&wkb).expect("empty point");
        assert!(is_empty(&back));
        let mp = Geometry::MultiPoint(MultiPoint(vec![
            Point::new(f64::NAN, f64::NAN),
            Point::new(1.0, 2.0),
        ]));
        assert_eq!(
            read_wkb(&to_wkb(&mp)),
            Ok(Geometry::MultiPoint(MultiPoint(vec![Point::new(1.0, 2.0)])))
        );
        assert!(is_empty(&Geometry::Polygon(Polygon::new(
            LineString(vec![]),
            vec![]
        ))));
        assert!(!is_empty(&Geometry::Point(Point::new(0.0, 0.0))));
        // POLYGON EMPTY round-trips.
        let ep = Geometry::Polygon(Polygon::new(LineString(vec![]), vec![]));
        assert_eq!(read_wkb(&to_wkb(&ep)), Ok(ep));
    }

    #[test]
    fn malformed_inputs_are_errors() {
        assert_eq!(read_wkb(&[]), Err(GeometryError::Truncated));
        assert!(read_wkb(&[7]).is_err()); // bad byte order
        assert!(matches!(
            read_wkb(&le_point_z(8, 0)),
            Err(GeometryError::UnsupportedType(8))
        ));
        assert!(read_wkb(&le_point_z(4001, 0)).is_err());
        // A linestring announcing 4 billion points in a few bytes: refused without allocating.
        let mut v = vec![1];
        v.extend_from_slice(&2u32.to_le_bytes());
        v.extend_from_slice(&u32::MAX.to_le_bytes());
        v.extend_from_slice(&[0; 32]);
        assert_eq!(read_wkb(&v), Err(GeometryError::Truncated));
        // The same for a collection and a multipolygon.
        for code in [6u32, 7, 3, 4, 5] {
            let mut v = vec![1];
            v.extend_from_slice(&code.to_le_bytes());
            v.extend_from_slice(&0x4000_0000u32.to_le_bytes());
            v.extend_from_slice(&[1; 16]);
            assert!(read_wkb(&v).is_err());
        }
        // Trailing garbage.
        let mut v = to_wkb(&Geometry::Point(point!(x: 1.0, y: 1.0)));
        v.push(0);
        assert!(read_wkb(&v).is_err());
        // A multipolygon holding a point.
        let mut v = vec![1];
        v.extend_from_slice(&6u32.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend(to_wkb(&Geometry::Point(point!(x: 1.0, y: 1.0))));
        assert!(matches!(read_wkb(&v), Err(GeometryError::Invalid(_))));
        // Deeply nested collections.
        let mut v = Vec::new();
        for _ in 0..100 {
            v.push(1);
            v.extend_from_slice(&7u32.to_le_bytes());
            v.extend_from_slice(&1u32.to_le_bytes());
        }
        assert!(read_wkb(&v).is_err());
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(42);
        for _ in 0..20_000 {
            let n = rng.below(80);
            let mut v: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            if !v.is_empty() {
                v[0] = (rng.below(2)) as u8;
            }
            if v.len() > 4 {
                v[1] = rng.below(8) as u8;
                v[2..5].fill(0);
            }
            let _ = read_wkb(&v);
        }
    }
}
