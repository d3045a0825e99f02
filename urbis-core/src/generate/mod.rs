//! `urbis generate`: a deterministic, synthetic Brussels-like dataset in the UrbIS Vector (M8)
//! GeoPackage schema, at any scale.
//!
//! The repository must not contain the real UrbIS data, so the bundled sample (`data/`) and the
//! Region-scale benchmark data are made here. The output has the five layers urbis serves, with
//! the M8 table and field names ([`Layer::m8_table`], [`Layer::m8_fields`]), in EPSG:31370,
//! with coordinates rounded to the centimetre as in the real distribution.
//!
//! # Generation model
//!
//! 1. **Region and municipalities** (`region`): a 250 m grid over the Region's bounding box
//!    (x 140,500–158,500, y 160,750–178,750); cells whose centre lies in a hand-drawn outline of
//!    the Brussels-Capital Region form the Region (≈ 161 km²). Each cell belongs to one of the 19
//!    municipalities (real names and NIS codes) through a power diagram of seeds placed at their
//!    approximate real positions, weighted so that the areas match the real ones. Cell corners
//!    and edge mid-points are jittered; municipality boundaries are traced along the shared cell
//!    edges, so the 19 multipolygons tile the Region exactly. All 19 are present at any scale.
//! 2. **Streets** (`city`): a grid whose spacing grows from ≈ 85 m in the centre to ≈ 170 m in
//!    the outskirts, bent by a smooth warp and jittered, crossed by diagonal avenues. Runs of
//!    grid edges are streets with bilingual names (`names`), unique within each municipality
//!    they touch; every grid edge is a `StreetAxes` line. No streets in the Sonian Forest.
//! 3. **Blocks and parcels**: each grid cell (or half, where an avenue crosses it) is a block;
//!    its lot (the block minus half the street widths) is cut into trapezoidal parcels along
//!    each street (frontage ≈ 6.5 m in the centre to ≈ 27 m in the outskirts) around an enclosed
//!    core parcel; some blocks are parks. Parcels tile the lot without overlap; each gets a
//!    CaPaKey (`21802B1102/00A003`) from the cadastral division and section of its cell.
//! 4. **Buildings**: terraced houses in the centre, detached ones in the outskirts, some
//!    L-shaped, some with a courtyard (a hole), sheds at the back of gardens, large buildings in
//!    block cores, all strictly inside their parcel.
//! 5. **Addresses**: an entrance point 1 m inside the street façade of each main building; house
//!    numbers increase along the street, odd on its left, even on its right, with gaps, `12A`
//!    bis numbers and `12-14` ranges; apartment buildings get box sub-addresses (`BOXNUMBER`,
//!    `PARENTID` = the main address, same point). The municipality, postcode and names come from
//!    locating the point in the municipality polygons (exact point-in-polygon).
//!
//! # Scale
//!
//! `scale = 1.0` is the whole Region (≈ 230,000 addresses including ≈ 7% box sub-addresses,
//! ≈ 250,000 buildings, ≈ 200,000 parcels). Below 1, only the blocks nearest the Grand-Place
//! (with an irregular edge) are built, in number such that the parcel count is `scale` times
//! the Region's: counts are proportional to the scale and a block is identical at every scale.
//! Above 1, every length (block size, frontage, depth, street width) shrinks by `1/√scale`, so the
//! whole Region holds `scale` times as many features. [`DEMO_SCALE`] is the bundled sample.
//!
//! # Determinism
//!
//! The output is a pure function of `(scale, seed)`: a SplitMix64 generator (`rng`) keyed
//! per part of the world (block, street names, borders…), no hash-map iteration, sequential
//! computation. Feature ids are `1..=n` per layer.
//!
//! Scale 1.0 takes ≈ 1.5 s (2 cores, optimised); writing it as a GeoPackage (≈ 240 MB) a few
//! seconds more. The ignored tests `stats`, `dump_svg` and `invariants_at_scale` (in
//! `generate/tests.rs`) print counts, draw an SVG map and check every invariant at a large scale.

mod city;
mod names;
mod plane;
mod region;
mod rng;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use geo::{Area, Coord, Geometry, LineString, MultiPolygon, Point};
use serde_json::Value;

use crate::crs::Crs;
use crate::error::WriteError;
use crate::io::gpkg::{FieldType, GpkgWriter};
use crate::model::{is_numeric_field, Attributes, Feature, Layer};

use city::{buildings, urbanity, City};
use plane::{centroid, cm, polygon};
use region::{zipcode, Region, MUNICIPALITIES};
use rng::Rng;

/// The scale of the bundled demo sample: ≈ 2,700 addresses (≈ 500 of them box sub-addresses),
/// 2,300 buildings, 2,000 parcels and 230 street axes around the Grand-Place, plus the 19
/// municipalities; a GeoPackage of ≈ 2.7 MB.
pub const DEMO_SCALE: f64 = 0.007;

/// Options of [`generate`].
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// 1.0 ≈ the whole Brussels-Capital Region; counts are proportional to it. Values that are
    /// not finite and positive are replaced by [`DEMO_SCALE`]; values above 64 are capped.
    pub scale: f64,
    /// Seed of the generator: the same `(scale, seed)` always gives the same data.
    pub seed: u64,
}

impl Default for GenerateOptions {
    /// The bundled demo sample: [`DEMO_SCALE`], seed 1.
    fn default() -> Self {
        GenerateOptions {
            scale: DEMO_SCALE,
            seed: 1,
        }
    }
}

/// The generated layers, in [`Layer::ALL`] order: Addresses, Buildings, Parcels
/// (`CadastralParcels`), Streets (`StreetAxes`), Municipalities.
pub struct Generated {
    pub layers: Vec<(Layer, Vec<Feature>)>,
}

impl Generated {
    /// The features of a layer (empty if absent).
    pub fn features(&self, layer: Layer) -> &[Feature] {
        self.layers
            .iter()
            .find(|(l, _)| *l == layer)
            .map_or(&[], |(_, f)| f.as_slice())
    }
}

const TAG_NUMBERS: u64 = 0x4e55_4d42;
const TAG_BOXES: u64 = 0x0042_4f58_4553;
const TAG_CAPA: u64 = 0x4341_5041;

const URI: &str = "https://databrussels.be/id";

/// An address-bearing building entrance awaiting its house number.
struct Slot {
    building_fid: i64,
    /// Entrance points with their municipality.
    doors: Vec<(Coord, usize)>,
    chain: usize,
    left: bool,
    position: f64,
    apartments: bool,
    urban: f64,
}

/// Generate the dataset for `opts` (pure and deterministic; geometries in EPSG:31370).
pub fn generate(opts: &GenerateOptions) -> Generated {
    let scale = if opts.scale.is_finite() && opts.scale > 0.0 {
        opts.scale.min(64.0)
    } else {
        DEMO_SCALE
    };
    let seed = opts.seed;
    let lf = if scale > 1.0 { 1.0 / scale.sqrt() } else { 1.0 };
    let region = Region::new(seed);
    let city = City::new(&region, seed, lf);

    // The built-up blocks: all of them, or those nearest the centre up to `scale` × parcels.
    let mut order: Vec<usize> = (0..city.blocks.len()).collect();
    order.sort_by(|&a, &b| {
        let (ba, bb) = (&city.blocks[a], &city.blocks[b]);
        ba.key.total_cmp(&bb.key).then(ba.id.cmp(&bb.id))
    });
    if scale < 1.0 {
        let counts: Vec<usize> = city
            .blocks
            .iter()
            .map(|b| city.parcels(b, seed, lf).len())
            .collect();
        let total: usize = counts.iter().sum();
        let target = (scale * total as f64).round().max(1.0) as usize;
        let mut acc = 0;
        let mut keep = 0;
        for &b in &order {
            if acc >= target {
                break;
            }
            acc += counts[b];
            keep += 1;
        }
        order.truncate(keep);
    }

    let mut parcels_out = Vec::new();
    let mut buildings_out = Vec::new();
    let mut slots: Vec<Slot> = Vec::new();
    let mut radicals: BTreeMap<(u32, char), u32> = BTreeMap::new();
    let mut used_edges = vec![false; city.edges.len()];
    for &bi in &order {
        let block = &city.blocks[bi];
        for &(e, _) in &block.sides {
            used_edges[e] = true;
        }
        let parcels = city.parcels(block, seed, lf);
        let mut crng = Rng::keyed(&[seed, TAG_CAPA, block.id]);
        // (division, section) → (radical, exponent letter, next power) within this block.
        let mut groups: Vec<((u32, char), u32, char, u32)> = Vec::new();
        for (pi, parcel) in parcels.iter().enumerate() {
            let (muni, cell) = region
                .place(centroid(&parcel.ring))
                .map_or((block.muni, block.cell), |(_, m, k)| (m, k));
            let (division, section) = region.cadastre(cell);
            let key = (division, section);
            let gi = match groups.iter().position(|g| g.0 == key) {
                Some(gi) => gi,
                None => {
                    let counter = radicals.entry(key).or_insert(0);
                    *counter += 1 + crng.below(3) as u32;
                    const EXPONENTS: &[u8] = b"ABCDEFGHKLMNPRSTVWXYZ";
                    let exponent = *crng.pick(EXPONENTS) as char;
                    groups.push((key, *counter, exponent, crng.below(4) as u32));
                    groups.len() - 1
                }
            };
            let (radical, exponent, power) = (groups[gi].1, groups[gi].2, groups[gi].3);
            groups[gi].3 += 1 + u32::from(crng.chance(0.1));
            let capakey = format!(
                "{division:05}{section}{:04}/{:02}{exponent}{:03}",
                radical % 10_000,
                (radical / 10_000) % 100,
                power % 1000
            );
            let parcel_fid = parcels_out.len() as i64 + 1;
            let park = matches!(parcel.kind, city::ParcelKind::Green { .. });
            let poly = polygon(parcel.ring.clone(), Vec::new());
            let area = cm(poly.unsigned_area());
            parcels_out.push(Feature {
                id: parcel_fid,
                geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![poly])),
                attributes: attrs([
                    (
                        "INSPIRE_ID",
                        format!("{URI}/cadastralparcel/{parcel_fid}").into(),
                    ),
                    ("CAPAKEY", capakey.clone().into()),
                    ("TYPE", if park { "public" } else { "private" }.into()),
                    ("CADAST_DIV", format!("{division:05}").into()),
                    (
                        "MUNNISCODE",
                        format!("{URI}/municipality/{}", MUNICIPALITIES[muni].nis).into(),
                    ),
                    ("AREA", area.into()),
                ]),
            });
            for b in buildings(parcel, block, pi, seed, lf) {
                let building_fid = buildings_out.len() as i64 + 1;
                let poly = polygon(b.exterior, b.holes);
                let area = cm(poly.unsigned_area());
                buildings_out.push(Feature {
                    id: building_fid,
                    geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![poly])),
                    attributes: attrs([
                        (
                            "INSPIRE_ID",
                            format!("{URI}/building/{building_fid}").into(),
                        ),
                        ("TYPE", b.kind.into()),
                        ("CAPAKEY", capakey.clone().into()),
                        ("AREA", area.into()),
                    ]),
                });
                let doors: Vec<(Coord, usize)> = b
                    .doors
                    .iter()
                    .filter_map(|&d| region.place(d).map(|(q, m, _)| (q, m)))
                    .collect();
                let Some(&(first, _)) = doors.first() else {
                    continue;
                };
                let (edge, left) = block.sides[b.side];
                let Some((chain, position)) = city.position_on_street(edge, first) else {
                    continue;
                };
                slots.push(Slot {
                    building_fid,
                    doors,
                    chain,
                    left,
                    position,
                    apartments: b.kind == "apartments",
                    urban: urbanity(first),
                });
            }
        }
    }

    let numbers = house_numbers(&slots, seed);
    let addresses = addresses(&slots, &numbers, &city, seed);
    let streets = streets(&city, &used_edges);
    let municipalities = municipalities(&region);
    Generated {
        layers: vec![
            (Layer::Addresses, addresses),
            (Layer::Buildings, buildings_out),
            (Layer::Parcels, parcels_out),
            (Layer::Streets, streets),
            (Layer::Municipalities, municipalities),
        ],
    }
}

fn attrs<const N: usize>(pairs: [(&str, Value); N]) -> Attributes {
    let mut a = Attributes::new();
    for (k, v) in pairs {
        a.insert(k.to_string(), v);
    }
    a
}

/// House numbers of every slot: `(door index, POLICENUM)` pairs. Along each street, odd numbers
/// on the left, even on the right, increasing with the distance from the street's start.
fn house_numbers(slots: &[Slot], seed: u64) -> Vec<Vec<(usize, String)>> {
    let mut sides: BTreeMap<(usize, bool), Vec<usize>> = BTreeMap::new();
    for (i, s) in slots.iter().enumerate() {
        sides.entry((s.chain, s.left)).or_default().push(i);
    }
    let mut out = vec![Vec::new(); slots.len()];
    for ((chain, left), mut list) in sides {
        list.sort_by(|&a, &b| {
            slots[a]
                .position
                .total_cmp(&slots[b].position)
                .then(a.cmp(&b))
        });
        let mut rng = Rng::keyed(&[seed, TAG_NUMBERS, chain as u64, u64::from(left)]);
        let mut n: u32 = if left { 1 } else { 2 };
        let mut last: Option<(u32, u8)> = None;
        for i in list {
            let two = slots[i].doors.len() > 1;
            if rng.chance(0.04) {
                n += 2;
            }
            let r = rng.f64();
            let nums = if let (Some((prev, letter)), true) = (last, r < 0.015) {
                // A bis number after the previous one: 12, 12A, 12B…
                let l = letter + 1;
                last = Some((prev, l));
                vec![(0, format!("{prev}{}", l as char))]
            } else if r < 0.04 {
                let s = format!("{n}-{}", n + 2);
                last = Some((n + 2, b'A' - 1));
                n += 4;
                vec![(0, s)]
            } else if two && r < 0.45 {
                let v = vec![(0, n.to_string()), (1, (n + 2).to_string())];
                last = Some((n + 2, b'A' - 1));
                n += 4;
                v
            } else if two && r < 0.5 {
                let v = vec![(0, format!("{n}A")), (1, format!("{n}B"))];
                last = Some((n, b'B'));
                n += 2;
                v
            } else if two && r < 0.56 {
                let v = vec![(0, n.to_string()), (1, format!("{n}A"))];
                last = Some((n, b'A'));
                n += 2;
                v
            } else {
                last = Some((n, b'A' - 1));
                n += 2;
                vec![(0, (n - 2).to_string())]
            };
            out[i] = nums;
        }
    }
    out
}

fn addresses(
    slots: &[Slot],
    numbers: &[Vec<(usize, String)>],
    city: &City,
    seed: u64,
) -> Vec<Feature> {
    // Street-name ids: one per (street, municipality), numbered in street order.
    let mut street_ids: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (ci, ch) in city.chains.iter().enumerate() {
        for &m in &ch.munis {
            let next = street_ids.len() + 1;
            street_ids.insert((ci, m), next);
        }
    }
    let mut out: Vec<Feature> = Vec::new();
    for (si, slot) in slots.iter().enumerate() {
        let chain = &city.chains[slot.chain];
        for (di, number) in &numbers[si] {
            let Some(&(p, m)) = slot.doors.get(*di) else {
                continue;
            };
            let next = street_ids.len() + 1;
            let street_id = *street_ids.entry((slot.chain, m)).or_insert(next);
            let info = &MUNICIPALITIES[m];
            let fid = out.len() as i64 + 1;
            let main_id = format!("{URI}/address/{fid}/1");
            let make = |fid: i64, inspire: String, boxnum: Value, parent: Value| Feature {
                id: fid,
                geometry: Geometry::Point(Point(p)),
                attributes: attrs([
                    ("INSPIRE_ID", inspire.into()),
                    ("STREET_ID", format!("{URI}/streetname/{street_id}").into()),
                    ("STRNAMEFRE", chain.name.fr.clone().into()),
                    ("STRNAMEDUT", chain.name.nl.clone().into()),
                    ("POLICENUM", number.clone().into()),
                    ("BOXNUMBER", boxnum),
                    ("PARENTID", parent),
                    ("ZIPCODE", zipcode(m, p).into()),
                    (
                        "MUNNISCODE",
                        format!("{URI}/municipality/{}", info.nis).into(),
                    ),
                    ("MUNNAMEFRE", info.fr.into()),
                    ("MUNNAMEDUT", info.nl.into()),
                    (
                        "BU_ID",
                        format!("{URI}/building/{}", slot.building_fid).into(),
                    ),
                    ("XL72", p.x.into()),
                    ("YL72", p.y.into()),
                ]),
            };
            out.push(make(fid, main_id.clone(), Value::Null, Value::Null));
            if slot.apartments && *di == 0 {
                let mut rng = Rng::keyed(&[seed, TAG_BOXES, si as u64]);
                let max = (3.0 + 6.0 * slot.urban).round() as usize;
                let k = rng.int(2, max.max(2));
                let style = rng.weighted(&[0.5, 0.25, 0.25]);
                for b in 0..k {
                    let label = match style {
                        0 => (b + 1).to_string(),
                        1 => ((b'A' + (b % 26) as u8) as char).to_string(),
                        _ => format!("{}/{}", b / 2, b % 2 + 1),
                    };
                    let fid = out.len() as i64 + 1;
                    let id = format!("{URI}/address/{fid}/1");
                    out.push(make(fid, id, label.into(), main_id.clone().into()));
                }
            }
        }
    }
    out
}

fn streets(city: &City, used: &[bool]) -> Vec<Feature> {
    let mut out = Vec::new();
    for ch in &city.chains {
        for &e in &ch.edges {
            let Some(edge) = city.edges[e].as_ref().filter(|_| used[e]) else {
                continue;
            };
            let fid = out.len() as i64 + 1;
            let line = LineString::from(vec![city.nodes[edge.a], city.nodes[edge.b]]);
            out.push(Feature {
                id: fid,
                geometry: Geometry::LineString(line),
                attributes: attrs([
                    ("INSPIRE_ID", format!("{URI}/streetaxis/{fid}").into()),
                    ("TYPE", ch.road_type.into()),
                    ("STRNAMEFRE", ch.name.fr.clone().into()),
                    ("STRNAMEDUT", ch.name.nl.clone().into()),
                    ("LENGTH", cm(edge.length).into()),
                ]),
            });
        }
    }
    out
}

fn municipalities(region: &Region) -> Vec<Feature> {
    MUNICIPALITIES
        .iter()
        .zip(&region.polygons)
        .enumerate()
        .map(|(i, (info, mp))| Feature {
            id: i as i64 + 1,
            geometry: Geometry::MultiPolygon(mp.clone()),
            attributes: attrs([
                (
                    "INSPIRE_ID",
                    format!("{URI}/municipality/{}", info.nis).into(),
                ),
                ("NISCODE", info.nis.to_string().into()),
                ("NAMEFRE", info.fr.into()),
                ("NAMEDUT", info.nl.into()),
                ("AREA", cm(mp.unsigned_area()).into()),
            ]),
        })
        .collect()
}

/// Write generated data as an UrbIS Vector (M8) GeoPackage in EPSG:31370: one table per layer
/// ([`Layer::m8_table`], [`Layer::geometry_type`]) with the M8 fields ([`Layer::m8_fields`]:
/// `XL72`, `YL72`, `AREA`, `LENGTH` real, the others text) and a spatial index.
pub async fn write_gpkg(generated: &Generated, path: &Path) -> Result<(), WriteError> {
    let mut writer = GpkgWriter::create(path, Crs::Lambert72).await?;
    for (layer, features) in &generated.layers {
        let fields: Vec<(&str, FieldType)> = layer
            .m8_fields()
            .iter()
            .map(|f| {
                (
                    *f,
                    if is_numeric_field(f) {
                        FieldType::Real
                    } else {
                        FieldType::Text
                    },
                )
            })
            .collect();
        writer
            .add_layer(layer.m8_table(), layer.geometry_type(), &fields)
            .await?;
        for chunk in features.chunks(10_000) {
            writer.write_features(layer.m8_table(), chunk).await?;
        }
    }
    writer.finish(true).await
}
