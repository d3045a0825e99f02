//! Mapbox Vector Tile 2.1 protobuf encoding and decoding, written by hand (no code generator).
//!
//! The encoder takes geometries already in integer tile coordinates (see [`crate::geometry`]),
//! deduplicates keys and values per layer and writes the command stream (MoveTo 1, LineTo 2,
//! ClosePath 7; zigzag parameters relative to a cursor that carries across the parts of a
//! feature). The decoder is used by the tests, the seed verification and the tile-file tools.

use rustc_hash::FxHashMap;

/// Tile extent in integer units per tile side.
pub const EXTENT: u32 = 4096;

/// An integer position in tile space (x right, y down).
pub type IPoint = [i32; 2];

/// A geometry in integer tile coordinates, ready for encoding.
///
/// Rings are open (the first point is not repeated); exterior rings have a positive area in
/// tile space (clockwise with y down), holes a negative one, as the MVT specification requires.
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeom {
    Points(Vec<IPoint>),
    Lines(Vec<Vec<IPoint>>),
    /// Polygons, each an exterior ring followed by its holes.
    Polygons(Vec<Vec<Vec<IPoint>>>),
}

impl TileGeom {
    fn kind(&self) -> u32 {
        match self {
            TileGeom::Points(_) => 1,
            TileGeom::Lines(_) => 2,
            TileGeom::Polygons(_) => 3,
        }
    }

    /// The MVT command stream of the geometry.
    pub fn commands(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = [0i32; 2];
        let push_xy = |out: &mut Vec<u32>, p: IPoint, cur: &mut IPoint| {
            out.push(zigzag(p[0].wrapping_sub(cur[0])));
            out.push(zigzag(p[1].wrapping_sub(cur[1])));
            *cur = p;
        };
        match self {
            TileGeom::Points(pts) => {
                if pts.is_empty() {
                    return out;
                }
                out.push(command(1, pts.len() as u32));
                for p in pts {
                    push_xy(&mut out, *p, &mut cur);
                }
            }
            TileGeom::Lines(lines) => {
                for l in lines.iter().filter(|l| l.len() >= 2) {
                    out.push(command(1, 1));
                    push_xy(&mut out, l[0], &mut cur);
                    out.push(command(2, (l.len() - 1) as u32));
                    for p in &l[1..] {
                        push_xy(&mut out, *p, &mut cur);
                    }
                }
            }
            TileGeom::Polygons(polys) => {
                for ring in polys.iter().flatten().filter(|r| r.len() >= 3) {
                    out.push(command(1, 1));
                    push_xy(&mut out, ring[0], &mut cur);
                    out.push(command(2, (ring.len() - 1) as u32));
                    for p in &ring[1..] {
                        push_xy(&mut out, *p, &mut cur);
                    }
                    out.push(command(7, 1));
                }
            }
        }
        out
    }
}

fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn unzigzag(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

// ---------------------------------------------------------------------------
// protobuf primitives
// ---------------------------------------------------------------------------

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn put_key(buf: &mut Vec<u8>, field: u32, wire: u32) {
    put_varint(buf, ((field << 3) | wire) as u64);
}

fn put_bytes(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(buf, field, 2);
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

fn put_packed(buf: &mut Vec<u8>, field: u32, values: &[u32]) {
    let len: usize = values.iter().map(|v| varint_len(*v as u64)).sum();
    put_key(buf, field, 2);
    put_varint(buf, len as u64);
    for v in values {
        put_varint(buf, *v as u64);
    }
}

/// Builds one layer: features are appended as they come, keys and values deduplicated.
#[derive(Debug)]
pub struct LayerBuilder {
    name: String,
    /// A layer has a handful of keys: looked up by a linear scan.
    keys: Vec<String>,
    values: Vec<String>,
    value_idx: FxHashMap<String, u32>,
    features: Vec<u8>,
    count: usize,
}

impl LayerBuilder {
    pub fn new(name: &str) -> Self {
        LayerBuilder {
            name: name.to_string(),
            keys: Vec::new(),
            values: Vec::new(),
            value_idx: FxHashMap::default(),
            features: Vec::new(),
            count: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn key(&mut self, k: &str) -> u32 {
        if let Some(i) = self.keys.iter().position(|x| x == k) {
            return i as u32;
        }
        self.keys.push(k.to_string());
        (self.keys.len() - 1) as u32
    }

    fn intern(map: &mut FxHashMap<String, u32>, list: &mut Vec<String>, s: &str) -> u32 {
        if let Some(i) = map.get(s) {
            return *i;
        }
        let i = list.len() as u32;
        list.push(s.to_string());
        map.insert(s.to_string(), i);
        i
    }

    /// Add a feature with string attributes (empty values are skipped; the first occurrence of
    /// a repeated key wins). `commands` is [`TileGeom::commands`] of `geom`.
    pub fn add(
        &mut self,
        id: Option<u64>,
        tags: &[(&str, &str)],
        kind: &TileGeom,
        commands: &[u32],
    ) {
        if commands.is_empty() {
            return;
        }
        let mut tag_idx: Vec<u32> = Vec::with_capacity(tags.len() * 2);
        let mut seen: Vec<u32> = Vec::with_capacity(tags.len());
        for (k, v) in tags {
            if v.is_empty() {
                continue;
            }
            let ki = self.key(k);
            if seen.contains(&ki) {
                continue;
            }
            seen.push(ki);
            let vi = Self::intern(&mut self.value_idx, &mut self.values, v);
            tag_idx.push(ki);
            tag_idx.push(vi);
        }
        let mut f = Vec::with_capacity(16 + commands.len() * 2 + tag_idx.len());
        if let Some(id) = id {
            put_key(&mut f, 1, 0);
            put_varint(&mut f, id);
        }
        if !tag_idx.is_empty() {
            put_packed(&mut f, 2, &tag_idx);
        }
        put_key(&mut f, 3, 0);
        put_varint(&mut f, kind.kind() as u64);
        put_packed(&mut f, 4, commands);
        put_bytes(&mut self.features, 2, &f);
        self.count += 1;
    }

    /// The encoded `Layer` message (without the enclosing tile field).
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.features.len() + 64);
        put_key(&mut out, 15, 0);
        put_varint(&mut out, 2);
        put_bytes(&mut out, 1, self.name.as_bytes());
        out.extend_from_slice(&self.features);
        for k in &self.keys {
            put_bytes(&mut out, 3, k.as_bytes());
        }
        let mut v = Vec::new();
        for s in &self.values {
            v.clear();
            put_bytes(&mut v, 1, s.as_bytes());
            put_bytes(&mut out, 4, &v);
        }
        put_key(&mut out, 5, 0);
        put_varint(&mut out, EXTENT as u64);
        out
    }
}

/// Concatenate encoded layers into a tile (empty layers are left out).
pub fn tile(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let mut out = Vec::new();
    for l in layers.into_iter().filter(|l| !l.is_empty()) {
        put_bytes(&mut out, 3, &l.finish());
    }
    out
}

// ---------------------------------------------------------------------------
// decoding
// ---------------------------------------------------------------------------

/// A decoded layer.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedLayer {
    pub name: String,
    pub version: u32,
    pub extent: u32,
    pub keys: Vec<String>,
    pub values: Vec<String>,
    pub features: Vec<DecodedFeature>,
}

/// A decoded feature: tags resolved to (key, value) strings (non-string values as text).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFeature {
    pub id: Option<u64>,
    pub tags: Vec<(String, String)>,
    /// 1 point, 2 linestring, 3 polygon.
    pub kind: u32,
    /// Parts: points (one position each), lines, or rings (open; the ClosePath is implied).
    pub parts: Vec<Vec<IPoint>>,
}

impl DecodedFeature {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a buffer is not a valid vector tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid vector tile: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or_else(|| DecodeError("truncated varint".into()))?;
            self.pos += 1;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError("varint too long".into()))
    }
    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.varint()? as usize;
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| DecodeError("length beyond the buffer".into()))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn skip(&mut self, wire: u64) -> Result<(), DecodeError> {
        match wire {
            0 => self.varint().map(|_| ()),
            1 => self.advance(8),
            2 => self.bytes().map(|_| ()),
            5 => self.advance(4),
            w => Err(DecodeError(format!("unsupported wire type {w}"))),
        }
    }
    fn advance(&mut self, n: usize) -> Result<(), DecodeError> {
        if self.pos + n > self.buf.len() {
            return Err(DecodeError("truncated field".into()));
        }
        self.pos += n;
        Ok(())
    }
    fn packed(&mut self) -> Result<Vec<u32>, DecodeError> {
        let mut r = Reader::new(self.bytes()?);
        let mut out = Vec::new();
        while !r.done() {
            out.push(r.varint()? as u32);
        }
        Ok(out)
    }
}

fn utf8(b: &[u8]) -> Result<String, DecodeError> {
    String::from_utf8(b.to_vec()).map_err(|_| DecodeError("string is not UTF-8".into()))
}

fn decode_value(b: &[u8]) -> Result<String, DecodeError> {
    let mut r = Reader::new(b);
    let mut out = String::new();
    while !r.done() {
        let key = r.varint()?;
        match (key >> 3, key & 7) {
            (1, 2) => out = utf8(r.bytes()?)?,
            (2, 5) => {
                let s = r.pos;
                r.advance(4)?;
                let mut a = [0u8; 4];
                a.copy_from_slice(&b[s..s + 4]);
                out = f32::from_le_bytes(a).to_string();
            }
            (3, 1) => {
                let s = r.pos;
                r.advance(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(&b[s..s + 8]);
                out = f64::from_le_bytes(a).to_string();
            }
            (4, 0) => out = (r.varint()? as i64).to_string(),
            (5, 0) => out = r.varint()?.to_string(),
            (6, 0) => out = unzigzag(r.varint()? as u32).to_string(),
            (7, 0) => out = (r.varint()? != 0).to_string(),
            (_, w) => r.skip(w)?,
        }
    }
    Ok(out)
}

fn decode_geometry(kind: u32, cmds: &[u32]) -> Result<Vec<Vec<IPoint>>, DecodeError> {
    let mut parts: Vec<Vec<IPoint>> = Vec::new();
    let mut cur = [0i32; 2];
    let mut i = 0;
    while i < cmds.len() {
        let id = cmds[i] & 7;
        let count = (cmds[i] >> 3) as usize;
        i += 1;
        match id {
            1 | 2 => {
                if i + 2 * count > cmds.len() {
                    return Err(DecodeError("geometry command beyond its parameters".into()));
                }
                if id == 2 && parts.is_empty() {
                    return Err(DecodeError("LineTo before MoveTo".into()));
                }
                for _ in 0..count {
                    cur[0] = cur[0].wrapping_add(unzigzag(cmds[i]));
                    cur[1] = cur[1].wrapping_add(unzigzag(cmds[i + 1]));
                    i += 2;
                    if id == 1 {
                        parts.push(vec![cur]);
                    } else if let Some(p) = parts.last_mut() {
                        p.push(cur);
                    }
                }
            }
            7 => {
                if kind != 3 || count != 1 {
                    return Err(DecodeError("ClosePath outside a polygon".into()));
                }
            }
            other => return Err(DecodeError(format!("unknown command {other}"))),
        }
    }
    Ok(parts)
}

/// Decode a (decompressed) tile.
pub fn decode(buf: &[u8]) -> Result<Vec<DecodedLayer>, DecodeError> {
    let mut r = Reader::new(buf);
    let mut layers = Vec::new();
    while !r.done() {
        let key = r.varint()?;
        if key == (3 << 3 | 2) {
            layers.push(decode_layer(r.bytes()?)?);
        } else {
            r.skip(key & 7)?;
        }
    }
    Ok(layers)
}

fn decode_layer(buf: &[u8]) -> Result<DecodedLayer, DecodeError> {
    let mut r = Reader::new(buf);
    let mut layer = DecodedLayer {
        name: String::new(),
        version: 1,
        extent: EXTENT,
        keys: Vec::new(),
        values: Vec::new(),
        features: Vec::new(),
    };
    let mut raw_features = Vec::new();
    while !r.done() {
        let key = r.varint()?;
        match (key >> 3, key & 7) {
            (1, 2) => layer.name = utf8(r.bytes()?)?,
            (2, 2) => raw_features.push(r.bytes()?),
            (3, 2) => layer.keys.push(utf8(r.bytes()?)?),
            (4, 2) => layer.values.push(decode_value(r.bytes()?)?),
            (5, 0) => layer.extent = r.varint()? as u32,
            (15, 0) => layer.version = r.varint()? as u32,
            (_, w) => r.skip(w)?,
        }
    }
    for fb in raw_features {
        let mut r = Reader::new(fb);
        let (mut id, mut tags, mut kind, mut geom) = (None, Vec::new(), 0, Vec::new());
        while !r.done() {
            let key = r.varint()?;
            match (key >> 3, key & 7) {
                (1, 0) => id = Some(r.varint()?),
                (2, 2) => tags = r.packed()?,
                (3, 0) => kind = r.varint()? as u32,
                (4, 2) => geom = r.packed()?,
                (_, w) => r.skip(w)?,
            }
        }
        if tags.len() % 2 != 0 {
            return Err(DecodeError("odd number of tag indices".into()));
        }
        let tags = tags
            .chunks(2)
            .map(|kv| {
                let k = layer.keys.get(kv[0] as usize);
                let v = layer.values.get(kv[1] as usize);
                match (k, v) {
                    (Some(k), Some(v)) => Ok((k.clone(), v.clone())),
                    _ => Err(DecodeError("tag index out of range".into())),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let parts = decode_geometry(kind, &geom)?;
        layer.features.push(DecodedFeature {
            id,
            tags,
            kind,
            parts,
        });
    }
    Ok(layer)
}

/// Twice the signed area of an open ring (shoelace); positive = clockwise in tile space.
pub fn ring_area2(ring: &[IPoint]) -> i64 {
    let n = ring.len();
    let mut s = 0i64;
    for i in 0..n {
        let a = ring[i];
        let b = ring[(i + 1) % n];
        s += a[0] as i64 * b[1] as i64 - b[0] as i64 * a[1] as i64;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_round_trip() {
        for v in [0, 1, -1, 2, -2, 4095, -4096, i32::MAX, i32::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }

    #[test]
    fn spec_example_commands() {
        // The MVT 2.1 specification's examples (4.3.5).
        assert_eq!(TileGeom::Points(vec![[25, 17]]).commands(), vec![9, 50, 34]);
        assert_eq!(
            TileGeom::Lines(vec![vec![[2, 2], [2, 10], [10, 10]], vec![[1, 1], [3, 5]]]).commands(),
            vec![9, 4, 4, 18, 0, 16, 16, 0, 9, 17, 17, 10, 4, 8]
        );
        assert_eq!(
            TileGeom::Polygons(vec![vec![vec![[3, 6], [8, 12], [20, 34]]]]).commands(),
            vec![9, 6, 12, 18, 10, 12, 24, 44, 15]
        );
    }

    #[test]
    fn encode_decode_round_trip_with_dedup() {
        let mut l = LayerBuilder::new("buildings");
        let sq = TileGeom::Polygons(vec![vec![
            vec![[0, 0], [10, 0], [10, 10], [0, 10]],
            vec![[2, 2], [2, 8], [8, 8], [8, 2]],
        ]]);
        l.add(
            Some(7),
            &[("type", "house"), ("id", "a")],
            &sq,
            &sq.commands(),
        );
        let pt = TileGeom::Points(vec![[100, 200], [300, 400]]);
        l.add(
            None,
            &[("type", "house"), ("id", "b"), ("box", "")],
            &pt,
            &pt.commands(),
        );
        let tile = tile(vec![l, LayerBuilder::new("empty")]);
        let layers = decode(&tile).expect("decodes");
        assert_eq!(layers.len(), 1, "empty layers are left out");
        let l = &layers[0];
        assert_eq!(
            (l.name.as_str(), l.version, l.extent),
            ("buildings", 2, 4096)
        );
        assert_eq!(l.keys, vec!["type", "id"]);
        assert_eq!(l.values, vec!["house", "a", "b"], "values deduplicated");
        assert_eq!(l.features[0].id, Some(7));
        assert_eq!(l.features[0].kind, 3);
        assert_eq!(l.features[0].parts.len(), 2);
        assert!(ring_area2(&l.features[0].parts[0]) > 0);
        assert!(ring_area2(&l.features[0].parts[1]) < 0);
        assert_eq!(l.features[1].id, None);
        assert_eq!(l.features[1].tag("id"), Some("b"));
        assert_eq!(l.features[1].tag("box"), None, "empty values omitted");
        assert_eq!(
            l.features[1].parts,
            vec![vec![[100, 200]], vec![[300, 400]]]
        );
    }

    #[test]
    fn decoder_rejects_garbage() {
        assert!(decode(&[0x1a, 0x05, 0x01]).is_err());
        assert!(decode(&[0xff]).is_err());
        assert!(decode(&[]).expect("empty tile").is_empty());
    }
}
