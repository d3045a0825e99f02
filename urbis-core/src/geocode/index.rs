//! The in-memory geocoding index, built from a [`Dataset`]'s Addresses, StreetAxes and
//! Municipalities layers.
//!
//! * Streets are grouped from the addresses (by `STREET_ID`, else by name pair) and completed
//!   with street axes that have no address; each keeps its French and Dutch canonical tokens.
//! * A token dictionary (every canonical token of every street and municipality name, both
//!   languages) maps tokens to the streets and municipalities holding them. Typos are found
//!   with a deletion-neighbourhood index (SymSpell): every token's deletions up to the distance
//!   its length allows, so a lookup costs a few dozen hash probes, then an exact
//!   Damerau-Levenshtein check. Prefixes (autocomplete) use the sorted dictionary.
//! * Addresses keep their parsed house number, postcode, municipality and point.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use geo::{Centroid, Geometry, InteriorPoint};

use super::normalize::{edit_distance, fold, is_generic, max_typos, name_tokens};
use super::number::HouseNumber;
use crate::index::Dataset;
use crate::model::{nis_code, text_attr, Feature, Layer};

/// FxHash: a fast non-cryptographic hasher for the token maps (keys are not attacker-chosen
/// in a way that matters: the maps are built from the data, queries only probe them).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(buf))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// One address of the index.
#[derive(Debug, Clone)]
pub struct Addr {
    /// Feature id in the Addresses layer.
    pub fid: i64,
    pub street: u32,
    pub number: Option<HouseNumber>,
    /// The number as stored (`12-14`).
    pub number_text: Option<String>,
    pub box_number: Option<String>,
    pub postcode: Option<String>,
    pub muni: Option<u16>,
    /// EPSG:31370.
    pub x: f64,
    pub y: f64,
    pub inspire_id: Option<String>,
}

/// One street (a street name within the data; both languages).
#[derive(Debug, Clone)]
pub struct Street {
    /// `STREET_ID` (INSPIRE URI of the street name) when known.
    pub id: Option<String>,
    pub name_fr: Option<String>,
    pub name_nl: Option<String>,
    pub tokens_fr: Vec<u32>,
    pub tokens_nl: Vec<u32>,
    /// Addresses, sorted by house number.
    pub addresses: Vec<u32>,
    pub postcodes: Vec<String>,
    pub munis: Vec<u16>,
    /// A representative point (EPSG:31370) and the bbox `[minx, miny, maxx, maxy]`.
    pub x: f64,
    pub y: f64,
    pub bbox: [f64; 4],
    /// Feature id of a street axis with this name, if any.
    pub axis_fid: Option<i64>,
}

/// One municipality.
#[derive(Debug, Clone)]
pub struct Muni {
    pub nis: Option<String>,
    pub inspire_id: Option<String>,
    pub name_fr: Option<String>,
    pub name_nl: Option<String>,
    pub tokens: Vec<u32>,
    pub x: f64,
    pub y: f64,
    pub postcodes: Vec<String>,
}

/// The geocoding index of one dataset.
pub struct GeocodeIndex {
    pub(crate) dataset: Arc<Dataset>,
    pub(crate) addresses: Vec<Addr>,
    pub(crate) streets: Vec<Street>,
    pub(crate) munis: Vec<Muni>,
    /// Address feature id → position in `addresses`.
    pub(crate) by_fid: FxMap<i64, u32>,
    /// Postcode → municipalities it covers (most addresses first).
    pub(crate) postcodes: BTreeMap<String, Vec<u16>>,
    /// Token strings by id.
    pub(crate) tokens: Vec<Box<str>>,
    pub(crate) token_ids: FxMap<Box<str>, u32>,
    /// Token ids sorted by their string, for prefix search.
    pub(crate) sorted: Vec<u32>,
    /// Token id → streets whose FR or NL name holds it.
    pub(crate) token_streets: Vec<Vec<u32>>,
    /// Token id → municipalities whose name holds it.
    pub(crate) token_munis: Vec<Vec<u16>>,
    /// Deletion → token ids (SymSpell).
    pub(crate) deletes: FxMap<Box<str>, Vec<u32>>,
    /// Fallback vocabulary: each street name (per language) written as one word, without its
    /// generic words (`coteaux`, `arenberg`) and whole (`arenbergstraat`), for the wider
    /// edit-distance scan of [`GeocodeIndex::compact_matches`].
    pub(crate) compact: Vec<Compact>,
}

/// One street name written as one word (see [`GeocodeIndex::compact`]).
#[derive(Debug, Clone)]
pub(crate) struct Compact {
    pub text: Box<str>,
    /// The letters `text` holds (see [`letter_mask`]).
    pub mask: u32,
    pub street: u32,
    /// The Dutch name (else the French one).
    pub nl: bool,
}

/// One bit per letter a–z that `s` holds (other bytes share the last bit). Each edit changes
/// at most two bits of the difference of two masks, so masks that differ in more than `2 k`
/// bits are more than `k` edits apart: a cheap filter before the edit-distance check.
pub(crate) fn letter_mask(s: &str) -> u32 {
    s.bytes().fold(0u32, |m, b| {
        m | 1 << (if b.is_ascii_lowercase() { b - b'a' } else { 26 })
    })
}

/// Edit budget of the fallback scan for a query word of `len` letters: wider than
/// [`max_typos`] (two typos in a short word such as `coteeaaux`, `gofrt`).
pub(crate) fn fallback_typos(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3 => 1,
        4..=11 => 2,
        _ => 3,
    }
}

impl std::fmt::Debug for GeocodeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeocodeIndex")
            .field("addresses", &self.addresses.len())
            .field("streets", &self.streets.len())
            .field("municipalities", &self.munis.len())
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

fn point_of(g: &Geometry<f64>) -> Option<(f64, f64)> {
    match g {
        Geometry::Point(p) => Some((p.x(), p.y())),
        Geometry::LineString(l) => {
            // The middle vertex lies on the line (a centroid may not).
            let c = l.0.get(l.0.len() / 2)?;
            Some((c.x, c.y))
        }
        Geometry::MultiLineString(ml) => {
            let l = ml.0.iter().max_by_key(|l| l.0.len())?;
            let c = l.0.get(l.0.len() / 2)?;
            Some((c.x, c.y))
        }
        other => other
            .interior_point()
            .or_else(|| other.centroid())
            .map(|p| (p.x(), p.y())),
    }
}

fn bbox_of(g: &Geometry<f64>) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let r = g.bounding_rect()?;
    Some([r.min().x, r.min().y, r.max().x, r.max().y])
}

fn union_bbox(a: &mut [f64; 4], b: [f64; 4]) {
    a[0] = a[0].min(b[0]);
    a[1] = a[1].min(b[1]);
    a[2] = a[2].max(b[2]);
    a[3] = a[3].max(b[3]);
}

const EMPTY_BBOX: [f64; 4] = [
    f64::INFINITY,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NEG_INFINITY,
];

/// All deletions of `w` (bytes) up to `max` characters removed, `w` itself included.
pub(crate) fn deletions(w: &str, max: usize, out: &mut Vec<String>) {
    out.push(w.to_string());
    let mut frontier = vec![w.to_string()];
    for _ in 0..max {
        let mut next = Vec::new();
        for s in &frontier {
            let chars: Vec<(usize, char)> = s.char_indices().collect();
            if chars.len() <= 1 {
                continue;
            }
            for (i, c) in &chars {
                let mut d = String::with_capacity(s.len());
                d.push_str(&s[..*i]);
                d.push_str(&s[i + c.len_utf8()..]);
                next.push(d);
            }
        }
        next.sort();
        next.dedup();
        out.extend(next.iter().cloned());
        frontier = next;
    }
}

struct Builder {
    tokens: Vec<Box<str>>,
    token_ids: FxMap<Box<str>, u32>,
}

impl Builder {
    fn id(&mut self, t: &str) -> u32 {
        if let Some(id) = self.token_ids.get(t) {
            return *id;
        }
        let id = self.tokens.len() as u32;
        self.tokens.push(t.into());
        self.token_ids.insert(t.into(), id);
        id
    }

    fn ids(&mut self, name: Option<&str>) -> Vec<u32> {
        match name {
            Some(n) => name_tokens(n).iter().map(|t| self.id(t)).collect(),
            None => Vec::new(),
        }
    }
}

/// Municipality name forms people write besides the official ones.
const MUNI_ALIASES: &[(&str, &[&str])] = &[
    (
        "21004",
        &[
            "Ville de Bruxelles",
            "Bruxelles-Ville",
            "Stad Brussel",
            "Brussel-Stad",
            "Brussels",
            "Laeken",
            "Laken",
            "Neder-Over-Heembeek",
            "Haren",
        ],
    ),
    ("21013", &["Saint-Gilles", "Sint-Gillis"]),
    ("21014", &["Saint-Josse", "Sint-Joost"]),
    ("21012", &["Molenbeek"]),
    ("21018", &["Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe"]),
    ("21019", &["Woluwe-Saint-Pierre", "Sint-Pieters-Woluwe"]),
    ("21009", &["Ixelles", "Elsene"]),
];

impl GeocodeIndex {
    /// Build the index of `dataset` (CPU-bound: run it off the async runtime).
    pub fn build(dataset: Arc<Dataset>) -> GeocodeIndex {
        let mut b = Builder {
            tokens: Vec::new(),
            token_ids: FxMap::default(),
        };

        // Municipalities: from the layer, else from the addresses' attributes.
        let mut munis: Vec<Muni> = Vec::new();
        let mut muni_by_nis: HashMap<String, u16> = HashMap::new();
        let mut muni_alias_tokens: Vec<Vec<String>> = Vec::new();
        if let Some(layer) = dataset.layer(Layer::Municipalities) {
            for f in layer.features() {
                let m = crate::model::Municipality::from_attributes(&f.attributes);
                let (x, y) = point_of(&f.geometry).unwrap_or((f64::NAN, f64::NAN));
                let idx = munis.len() as u16;
                if let Some(n) = &m.nis_code {
                    muni_by_nis.entry(n.clone()).or_insert(idx);
                }
                munis.push(Muni {
                    nis: m.nis_code,
                    inspire_id: m.inspire_id,
                    name_fr: m.name_fr,
                    name_nl: m.name_nl,
                    tokens: Vec::new(),
                    x,
                    y,
                    postcodes: Vec::new(),
                });
            }
        }
        let addr_layer = dataset.layer(Layer::Addresses);
        let addr_features: &[Feature] = addr_layer.map(|l| l.features()).unwrap_or(&[]);
        for f in addr_features {
            let nis = text_attr(&f.attributes, "MUNNISCODE").and_then(|v| nis_code(&v));
            let Some(nis) = nis else { continue };
            if muni_by_nis.contains_key(&nis) {
                continue;
            }
            let idx = munis.len() as u16;
            muni_by_nis.insert(nis.clone(), idx);
            let (x, y) = point_of(&f.geometry).unwrap_or((f64::NAN, f64::NAN));
            munis.push(Muni {
                nis: Some(nis.clone()),
                inspire_id: None,
                name_fr: text_attr(&f.attributes, "MUNNAMEFRE"),
                name_nl: text_attr(&f.attributes, "MUNNAMEDUT"),
                tokens: Vec::new(),
                x,
                y,
                postcodes: Vec::new(),
            });
        }
        for m in &mut munis {
            let mut names: Vec<String> = Vec::new();
            names.extend(m.name_fr.clone());
            names.extend(m.name_nl.clone());
            if let Some((_, aliases)) = MUNI_ALIASES
                .iter()
                .find(|(n, _)| Some(*n) == m.nis.as_deref())
            {
                names.extend(aliases.iter().map(|s| s.to_string()));
            }
            let mut toks: Vec<u32> = Vec::new();
            let mut strs: Vec<String> = Vec::new();
            for n in &names {
                for t in name_tokens(n) {
                    let id = b.id(&t);
                    if !toks.contains(&id) {
                        toks.push(id);
                        strs.push(t);
                    }
                }
            }
            m.tokens = toks;
            muni_alias_tokens.push(strs);
        }

        // Streets and addresses from the Addresses layer.
        let mut streets: Vec<Street> = Vec::new();
        let mut street_key: HashMap<String, u32> = HashMap::new();
        let mut addresses: Vec<Addr> = Vec::with_capacity(addr_features.len());
        let mut street_points: Vec<Vec<(f64, f64)>> = Vec::new();
        for f in addr_features {
            let a = crate::model::Address::from_attributes(&f.attributes);
            if a.street_name_fr.is_none() && a.street_name_nl.is_none() {
                continue;
            }
            let Some((x, y)) = point_of(&f.geometry) else {
                continue;
            };
            let key = match &a.street_id {
                Some(id) => format!("id:{id}"),
                None => format!(
                    "n:{}|{}|{}",
                    fold(a.street_name_fr.as_deref().unwrap_or("")),
                    fold(a.street_name_nl.as_deref().unwrap_or("")),
                    a.municipality_nis.as_deref().unwrap_or("")
                ),
            };
            let sid = match street_key.get(&key) {
                Some(s) => *s,
                None => {
                    let s = streets.len() as u32;
                    street_key.insert(key, s);
                    let tokens_fr = b.ids(a.street_name_fr.as_deref());
                    let tokens_nl = b.ids(a.street_name_nl.as_deref());
                    streets.push(Street {
                        id: a.street_id.clone(),
                        name_fr: a.street_name_fr.clone(),
                        name_nl: a.street_name_nl.clone(),
                        tokens_fr,
                        tokens_nl,
                        addresses: Vec::new(),
                        postcodes: Vec::new(),
                        munis: Vec::new(),
                        x: f64::NAN,
                        y: f64::NAN,
                        bbox: EMPTY_BBOX,
                        axis_fid: None,
                    });
                    street_points.push(Vec::new());
                    s
                }
            };
            let muni = a
                .municipality_nis
                .as_ref()
                .and_then(|n| muni_by_nis.get(n).copied());
            let aid = addresses.len() as u32;
            let st = &mut streets[sid as usize];
            st.addresses.push(aid);
            if let Some(p) = &a.postcode {
                if !st.postcodes.contains(p) {
                    st.postcodes.push(p.clone());
                }
            }
            if let Some(m) = muni {
                if !st.munis.contains(&m) {
                    st.munis.push(m);
                }
            }
            union_bbox(&mut st.bbox, [x, y, x, y]);
            street_points[sid as usize].push((x, y));
            addresses.push(Addr {
                fid: f.id,
                street: sid,
                number: a.house_number.as_deref().and_then(HouseNumber::parse),
                number_text: a.house_number.clone(),
                box_number: a.box_number.clone(),
                postcode: a.postcode.clone(),
                muni,
                x,
                y,
                inspire_id: a.inspire_id.clone(),
            });
        }
        // A street's point: the address nearest to the mean of its addresses.
        for (sid, pts) in street_points.iter().enumerate() {
            if pts.is_empty() {
                continue;
            }
            let n = pts.len() as f64;
            let (mx, my) = pts
                .iter()
                .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
            let best = pts
                .iter()
                .min_by(|a, b| {
                    let da = (a.0 - mx).powi(2) + (a.1 - my).powi(2);
                    let db = (b.0 - mx).powi(2) + (b.1 - my).powi(2);
                    da.total_cmp(&db)
                })
                .copied()
                .unwrap_or((mx, my));
            streets[sid].x = best.0;
            streets[sid].y = best.1;
        }

        // Street axes: attach to the streets of the same names, or add address-less streets.
        let mut by_names: HashMap<(String, String), Vec<u32>> = HashMap::new();
        for (i, s) in streets.iter().enumerate() {
            by_names
                .entry((
                    fold(s.name_fr.as_deref().unwrap_or("")),
                    fold(s.name_nl.as_deref().unwrap_or("")),
                ))
                .or_default()
                .push(i as u32);
        }
        if let Some(layer) = dataset.layer(Layer::Streets) {
            for f in layer.features() {
                let fr = text_attr(&f.attributes, "STRNAMEFRE");
                let nl = text_attr(&f.attributes, "STRNAMEDUT");
                if fr.is_none() && nl.is_none() {
                    continue;
                }
                let key = (
                    fold(fr.as_deref().unwrap_or("")),
                    fold(nl.as_deref().unwrap_or("")),
                );
                let Some(bb) = bbox_of(&f.geometry) else {
                    continue;
                };
                let Some((px, py)) = point_of(&f.geometry) else {
                    continue;
                };
                match by_names.get(&key) {
                    Some(ids) => {
                        for sid in ids.clone() {
                            let st = &mut streets[sid as usize];
                            union_bbox(&mut st.bbox, bb);
                            if st.axis_fid.is_none() {
                                st.axis_fid = Some(f.id);
                            }
                        }
                    }
                    None => {
                        let sid = streets.len() as u32;
                        let muni = dataset
                            .at_point(px, py)
                            .municipality
                            .and_then(|m| {
                                crate::model::Municipality::from_attributes(&m.attributes).nis_code
                            })
                            .and_then(|n| muni_by_nis.get(&n).copied());
                        let tokens_fr = b.ids(fr.as_deref());
                        let tokens_nl = b.ids(nl.as_deref());
                        streets.push(Street {
                            id: None,
                            name_fr: fr,
                            name_nl: nl,
                            tokens_fr,
                            tokens_nl,
                            addresses: Vec::new(),
                            postcodes: Vec::new(),
                            munis: muni.into_iter().collect(),
                            x: px,
                            y: py,
                            bbox: bb,
                            axis_fid: Some(f.id),
                        });
                        by_names.insert(key, vec![sid]);
                    }
                }
            }
        }

        // Sort each street's addresses by number (then box, main address first).
        for st in &mut streets {
            st.addresses.sort_by(|a, b| {
                let (a, b) = (&addresses[*a as usize], &addresses[*b as usize]);
                let ka = a.number.as_ref().map(|n| (n.number, n.suffix.clone()));
                let kb = b.number.as_ref().map(|n| (n.number, n.suffix.clone()));
                ka.cmp(&kb)
                    .then(a.box_number.is_some().cmp(&b.box_number.is_some()))
                    .then(a.fid.cmp(&b.fid))
            });
        }

        // Postcodes → municipalities, most addresses first.
        let mut pc_counts: BTreeMap<String, HashMap<u16, usize>> = BTreeMap::new();
        for a in &addresses {
            if let (Some(p), Some(m)) = (&a.postcode, a.muni) {
                *pc_counts
                    .entry(p.clone())
                    .or_default()
                    .entry(m)
                    .or_default() += 1;
            }
        }
        let mut postcodes: BTreeMap<String, Vec<u16>> = BTreeMap::new();
        for (p, counts) in pc_counts {
            let mut v: Vec<(u16, usize)> = counts.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            for (m, _) in &v {
                if let Some(mu) = munis.get_mut(*m as usize) {
                    mu.postcodes.push(p.clone());
                }
            }
            postcodes.insert(p, v.into_iter().map(|(m, _)| m).collect());
        }

        // Postings.
        let ntok = b.tokens.len();
        let mut token_streets: Vec<Vec<u32>> = vec![Vec::new(); ntok];
        for (i, s) in streets.iter().enumerate() {
            for t in s.tokens_fr.iter().chain(&s.tokens_nl) {
                let p = &mut token_streets[*t as usize];
                if p.last() != Some(&(i as u32)) {
                    p.push(i as u32);
                }
            }
        }
        for p in &mut token_streets {
            p.dedup();
        }
        let mut token_munis: Vec<Vec<u16>> = vec![Vec::new(); ntok];
        for (i, m) in munis.iter().enumerate() {
            for t in &m.tokens {
                token_munis[*t as usize].push(i as u16);
            }
        }
        drop(muni_alias_tokens);

        // SymSpell deletions.
        let mut deletes: FxMap<Box<str>, Vec<u32>> = FxMap::default();
        let mut buf = Vec::new();
        for (id, t) in b.tokens.iter().enumerate() {
            buf.clear();
            deletions(t, max_typos(t.chars().count()), &mut buf);
            for d in buf.drain(..) {
                let e = deletes.entry(d.into_boxed_str()).or_default();
                if e.last() != Some(&(id as u32)) {
                    e.push(id as u32);
                }
            }
        }
        let mut sorted: Vec<u32> = (0..ntok as u32).collect();
        sorted.sort_by(|x, y| b_tok(&b.tokens, *x).cmp(b_tok(&b.tokens, *y)));
        // Street names as one word, for the fallback scan.
        let mut compact: Vec<Compact> = Vec::new();
        for (sid, st) in streets.iter().enumerate() {
            for (nl, toks) in [(false, &st.tokens_fr), (true, &st.tokens_nl)] {
                let all: String = toks.iter().map(|t| b_tok(&b.tokens, *t)).collect();
                let specific: String = toks
                    .iter()
                    .map(|t| b_tok(&b.tokens, *t))
                    .filter(|t| !is_generic(t))
                    .collect();
                for text in [specific, all] {
                    if text.len() < 3
                        || compact
                            .iter()
                            .rev()
                            .take(4)
                            .any(|c| c.street == sid as u32 && *c.text == *text)
                    {
                        continue;
                    }
                    compact.push(Compact {
                        mask: letter_mask(&text),
                        text: text.into_boxed_str(),
                        street: sid as u32,
                        nl,
                    });
                }
            }
        }
        let by_fid = addresses
            .iter()
            .enumerate()
            .map(|(i, a)| (a.fid, i as u32))
            .collect();
        GeocodeIndex {
            dataset,
            addresses,
            streets,
            munis,
            by_fid,
            postcodes,
            tokens: b.tokens,
            token_ids: b.token_ids,
            sorted,
            token_streets,
            token_munis,
            deletes,
            compact,
        }
    }

    /// The dataset this index was built from.
    pub fn dataset(&self) -> &Arc<Dataset> {
        &self.dataset
    }

    /// The generation id of the dataset, if it came from the store.
    pub fn generation(&self) -> Option<i64> {
        self.dataset.generation().map(|g| g.id)
    }

    pub fn address_count(&self) -> usize {
        self.addresses.len()
    }

    pub fn street_count(&self) -> usize {
        self.streets.len()
    }

    pub fn addresses(&self) -> &[Addr] {
        &self.addresses
    }

    pub fn streets(&self) -> &[Street] {
        &self.streets
    }

    pub fn municipalities(&self) -> &[Muni] {
        &self.munis
    }

    pub fn is_postcode(&self, p: &str) -> bool {
        self.postcodes.contains_key(p)
    }

    pub(crate) fn token(&self, id: u32) -> &str {
        &self.tokens[id as usize]
    }

    /// Dictionary tokens within the typo budget of `q` (exact first), with their distance.
    pub(crate) fn fuzzy(&self, q: &str, out: &mut Vec<(u32, usize)>) {
        let qlen = q.chars().count();
        let k = max_typos(qlen);
        let mut seen: HashSet<u32, BuildHasherDefault<FxHasher>> = HashSet::default();
        let mut dels = Vec::new();
        deletions(q, k, &mut dels);
        for d in &dels {
            if let Some(ids) = self.deletes.get(d.as_str()) {
                for id in ids {
                    if !seen.insert(*id) {
                        continue;
                    }
                    let t = self.token(*id);
                    let allowed = k.min(max_typos(t.chars().count()));
                    if let Some(dist) = edit_distance(q.as_bytes(), t.as_bytes(), allowed) {
                        out.push((*id, dist));
                    }
                }
            }
        }
    }

    /// Dictionary tokens starting with `prefix` (at most `max`), shortest first.
    pub(crate) fn prefixed(&self, prefix: &str, max: usize) -> Vec<u32> {
        let start = self.sorted.partition_point(|id| self.token(*id) < prefix);
        let mut v: Vec<u32> = self.sorted[start..]
            .iter()
            .take_while(|id| self.token(**id).starts_with(prefix))
            .take(max * 4)
            .copied()
            .collect();
        v.sort_by_key(|id| (self.token(*id).len(), *id));
        v.truncate(max);
        v
    }

    /// Fallback candidates for a query word (or a few adjacent words joined) that the
    /// dictionary does not explain: street names written as one word within
    /// [`fallback_typos`] edits of `q`, as (street, Dutch name?, distance), nearest first, at
    /// most `max`. A bounded scan over the street-name vocabulary (a few thousand entries at
    /// Region scale), cut early by length.
    pub(crate) fn compact_matches(&self, q: &str, max: usize) -> Vec<(u32, bool, usize)> {
        let k = fallback_typos(q.chars().count());
        let mut out: Vec<(u32, bool, usize)> = Vec::new();
        if k == 0 {
            return out;
        }
        let qmask = letter_mask(q);
        for c in &self.compact {
            if c.text.len().abs_diff(q.len()) > k
                || ((c.mask ^ qmask).count_ones() as usize) > 2 * k
            {
                continue;
            }
            if let Some(d) = edit_distance(q.as_bytes(), c.text.as_bytes(), k) {
                out.push((c.street, c.nl, d));
            }
        }
        out.sort_unstable_by_key(|(s, nl, d)| (*s, *nl, *d));
        out.dedup_by_key(|(s, nl, _)| (*s, *nl));
        out.sort_by_key(|(s, nl, d)| (*d, *s, *nl));
        out.truncate(max);
        out
    }

    pub(crate) fn exact(&self, t: &str) -> Option<u32> {
        self.token_ids.get(t).copied()
    }

    pub(crate) fn is_generic_token(&self, id: u32) -> bool {
        is_generic(self.token(id))
    }

    /// Approximate heap size of the index in bytes (not counting the shared dataset).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let s = |o: &Option<String>| {
            o.as_ref()
                .map(|s| s.capacity() + size_of::<String>())
                .unwrap_or(0)
        };
        let mut n = self.addresses.capacity() * size_of::<Addr>();
        for a in &self.addresses {
            n += s(&a.number_text) + s(&a.box_number) + s(&a.postcode) + s(&a.inspire_id);
            n += a.number.as_ref().map(|h| h.suffix.capacity()).unwrap_or(0);
        }
        n += self.streets.capacity() * size_of::<Street>();
        for st in &self.streets {
            n += s(&st.id) + s(&st.name_fr) + s(&st.name_nl);
            n += (st.tokens_fr.capacity() + st.tokens_nl.capacity() + st.addresses.capacity()) * 4;
            n += st
                .postcodes
                .iter()
                .map(|p| p.capacity() + 24)
                .sum::<usize>();
        }
        n += self.by_fid.capacity() * 16;
        n += self.tokens.iter().map(|t| t.len() + 16).sum::<usize>() * 2;
        n += self.token_ids.capacity() * 24 + self.sorted.capacity() * 4;
        n += self
            .token_streets
            .iter()
            .map(|p| p.capacity() * 4 + 24)
            .sum::<usize>();
        n += self
            .token_munis
            .iter()
            .map(|p| p.capacity() * 2 + 24)
            .sum::<usize>();
        n += self
            .compact
            .iter()
            .map(|c| c.text.len() + std::mem::size_of::<Compact>())
            .sum::<usize>();
        n += self
            .deletes
            .iter()
            .map(|(k, v)| k.len() + 16 + v.capacity() * 4 + 24 + 8)
            .sum::<usize>();
        n
    }
}

fn b_tok(tokens: &[Box<str>], id: u32) -> &str {
    &tokens[id as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletions_of_a_word() {
        let mut v = Vec::new();
        deletions("loi", 1, &mut v);
        v.sort();
        assert_eq!(v, vec!["li", "lo", "loi", "oi"]);
    }

    #[test]
    fn letter_masks_bound_the_edit_distance() {
        for (a, b) in [
            ("coteeaaux", "coteaux"),
            ("gofrt", "goffart"),
            ("mrior", "miroir"),
        ] {
            let d = edit_distance(a.as_bytes(), b.as_bytes(), 3).unwrap_or(9);
            assert!((letter_mask(a) ^ letter_mask(b)).count_ones() as usize <= 2 * d);
        }
        assert_eq!(letter_mask("abc"), 0b111);
        assert_eq!(letter_mask("a-"), 1 | 1 << 26);
    }
}
