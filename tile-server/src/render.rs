//! Rendering one tile: select by the buffered tile, generalise by zoom, enforce the budget,
//! encode.
//!
//! Zoom rules (Web Mercator zoom, or its equivalent for other grids):
//! * a layer is in tiles from its [`LayerRule::min_zoom`] up to [`crate::tms::MAX_ZOOM`];
//! * below the maximum zoom, geometries are simplified with Douglas–Peucker at
//!   [`SIMPLIFY_UNITS`] tile units (a quarter of a pixel of a 512 px tile) and polygons or lines
//!   smaller than [`MIN_SIZE_UNITS`] (one pixel) are dropped; at the maximum zoom only snapping
//!   to the 4096 grid applies, since clients over-zoom that tile;
//! * the encoded tile must stay within [`Budget::max_bytes`] (500 KB, tippecanoe's default) and
//!   [`Budget::max_features`]: when it would not, features are dropped in the budget order —
//!   whole layers by rank (addresses, then parcels, buildings, streets, municipalities last) and,
//!   within a layer, the smallest polygons / shortest lines first (points: highest ids first).

use urbis_core::Layer;

use crate::geometry::{process, Generalize, TileFrame};
use crate::mvt::{self, IPoint, LayerBuilder, TileGeom};
use crate::source::{rule, Prepared, RULES};
use crate::tms::{Tms, MAX_ZOOM};

/// Tile buffer in tile units (64 of 4096, as martin; ST_AsMVTGeom uses 256, tippecanoe 5 px).
pub const BUFFER_UNITS: f64 = 64.0;
/// Douglas–Peucker tolerance below the maximum zoom, in tile units.
pub const SIMPLIFY_UNITS: f64 = 2.0;
/// Smallest polygon side / line length kept below the maximum zoom, in tile units.
pub const MIN_SIZE_UNITS: f64 = 8.0;

/// Per-tile limits.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_bytes: usize,
    pub max_features: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_bytes: 500_000,
            max_features: 200_000,
        }
    }
}

/// A tileset: one layer or the composite base map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tileset {
    pub id: &'static str,
    pub title: &'static str,
    pub layers: &'static [Layer],
}

pub const TILESETS: [Tileset; 6] = [
    Tileset {
        id: "urbis",
        title: "UrbIS base map (all layers)",
        layers: &[
            Layer::Municipalities,
            Layer::Parcels,
            Layer::Buildings,
            Layer::Streets,
            Layer::Addresses,
        ],
    },
    Tileset {
        id: "addresses",
        title: "UrbIS addresses",
        layers: &[Layer::Addresses],
    },
    Tileset {
        id: "buildings",
        title: "UrbIS buildings",
        layers: &[Layer::Buildings],
    },
    Tileset {
        id: "parcels",
        title: "UrbIS cadastral parcels",
        layers: &[Layer::Parcels],
    },
    Tileset {
        id: "streets",
        title: "UrbIS street axes",
        layers: &[Layer::Streets],
    },
    Tileset {
        id: "municipalities",
        title: "UrbIS municipalities",
        layers: &[Layer::Municipalities],
    },
];

impl Tileset {
    pub fn find(id: &str) -> Option<&'static Tileset> {
        TILESETS.iter().find(|t| t.id == id)
    }

    /// Lowest zoom at which any of the layers appears.
    pub fn min_zoom(&self) -> u8 {
        self.layers
            .iter()
            .map(|l| rule(*l).min_zoom)
            .min()
            .unwrap_or(0)
    }
}

/// A tile of a tile matrix set: `level`, `col` (x) and `row` (y, from the top).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub tms: Tms,
    pub level: u8,
    pub col: u32,
    pub row: u32,
}

impl TileId {
    pub fn new(tms: Tms, level: u8, col: u32, row: u32) -> Self {
        TileId {
            tms,
            level,
            col,
            row,
        }
    }
}

/// A rendered tile (uncompressed MVT) and what went into it.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub features: usize,
    /// Features left out to respect the budget.
    pub dropped: usize,
}

struct Candidate<'a> {
    layer_pos: usize,
    drop_rank: u8,
    importance: f64,
    idx: u32,
    id: Option<u64>,
    tags: &'a [(&'static str, String)],
    geom: TileGeom,
    commands: Vec<u32>,
}

impl Candidate<'_> {
    /// Upper bound of the encoded size of the feature (values counted as if not shared).
    fn size_bound(&self) -> usize {
        let geom: usize = self.commands.iter().map(|c| varint_len(*c)).sum();
        let tags: usize = self.tags.iter().map(|(_, v)| v.len() + 8).sum();
        geom + tags + 24
    }
}

fn varint_len(v: u32) -> usize {
    match v {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        0x4000..=0x1f_ffff => 3,
        0x20_0000..=0xfff_ffff => 4,
        _ => 5,
    }
}

/// Even-odd point-in-polygon over all rings.
fn inside(p: IPoint, polys: &[Vec<Vec<IPoint>>]) -> bool {
    let (px, py) = (p[0] as f64 + 0.5, p[1] as f64 + 0.5);
    let mut c = false;
    for r in polys.iter().flatten() {
        let n = r.len();
        for i in 0..n {
            let (a, b) = (r[i], r[(i + 1) % n]);
            let (ax, ay, bx, by) = (a[0] as f64, a[1] as f64, b[0] as f64, b[1] as f64);
            if (ay > py) != (by > py) && px < (bx - ax) * (py - ay) / (by - ay) + ax {
                c = !c;
            }
        }
    }
    c
}

fn any_vertex_inside(g: &TileGeom, polys: &[Vec<Vec<IPoint>>]) -> bool {
    match g {
        TileGeom::Points(p) => p.iter().any(|p| inside(*p, polys)),
        TileGeom::Lines(ls) => ls.iter().flatten().any(|p| inside(*p, polys)),
        TileGeom::Polygons(ps) => ps.iter().flatten().flatten().any(|p| inside(*p, polys)),
    }
}

/// Render tile (`col`, `row`) at `level` of `tms` with `layers`, optionally restricted to the
/// municipality with NIS code `municipality`.
pub fn render(
    prep: &Prepared,
    tile: TileId,
    layers: &[Layer],
    municipality: Option<&str>,
    budget: Budget,
) -> Rendered {
    let TileId {
        tms,
        level,
        col,
        row,
    } = tile;
    let zoom = tms.equivalent_zoom(level);
    let frame = TileFrame::new(tms.tile_bounds(level, col, row), BUFFER_UNITS);
    let gen = if zoom >= MAX_ZOOM {
        Generalize::NONE
    } else {
        Generalize {
            tolerance: SIMPLIFY_UNITS,
            min_size: MIN_SIZE_UNITS,
        }
    };
    let sel = frame.buffered();

    // The municipality's outline in this tile, for layers without a municipality attribute.
    let area_filter: Option<Vec<Vec<Vec<IPoint>>>> = municipality.and_then(|nis| {
        let m = prep.layers.get(&Layer::Municipalities)?;
        let mut polys = Vec::new();
        for idx in m.select(tms, sel) {
            if m.nis[idx as usize].as_deref() != Some(nis) {
                continue;
            }
            if let Some(TileGeom::Polygons(p)) = prep
                .geometry(tms, Layer::Municipalities, idx)
                .and_then(|g| process(g, &frame, Generalize::NONE))
            {
                polys.extend(p);
            }
        }
        Some(polys)
    });

    let mut candidates: Vec<Candidate> = Vec::new();
    let ordered: Vec<(usize, Layer)> = RULES
        .iter()
        .map(|r| r.layer)
        .filter(|l| layers.contains(l))
        .enumerate()
        .collect();
    for (layer_pos, layer) in &ordered {
        let r = rule(*layer);
        if zoom < r.min_zoom {
            continue;
        }
        let Some(pl) = prep.layers.get(layer) else {
            continue;
        };
        let carries_nis = matches!(
            layer,
            Layer::Addresses | Layer::Parcels | Layer::Municipalities
        );
        for idx in pl.select(tms, sel) {
            let i = idx as usize;
            if let Some(nis) = municipality {
                if carries_nis && pl.nis[i].as_deref() != Some(nis) {
                    continue;
                }
            }
            let Some(g) = prep.geometry(tms, *layer, idx) else {
                continue;
            };
            let Some(geom) = process(g, &frame, gen) else {
                continue;
            };
            if municipality.is_some() && !carries_nis {
                match &area_filter {
                    Some(polys) if any_vertex_inside(&geom, polys) => {}
                    Some(_) => continue,
                    None => {}
                }
            }
            let commands = geom.commands();
            if commands.is_empty() {
                continue;
            }
            candidates.push(Candidate {
                layer_pos: *layer_pos,
                drop_rank: r.drop_rank,
                importance: pl.importance[i],
                idx,
                id: prep
                    .feature_id(*layer, idx)
                    .and_then(|id| u64::try_from(id).ok()),
                tags: &pl.tags[i],
                geom,
                commands,
            });
        }
    }

    // Budget: drop the least important features until the size bound fits.
    let mut dropped = 0;
    let reserve = 4096; // keys tables and layer headers
    let mut total: usize = candidates.iter().map(|c| c.size_bound()).sum::<usize>() + reserve;
    if total > budget.max_bytes || candidates.len() > budget.max_features {
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|&a, &b| {
            let (ca, cb) = (&candidates[a], &candidates[b]);
            ca.drop_rank
                .cmp(&cb.drop_rank)
                .then(ca.importance.total_cmp(&cb.importance))
                .then(cb.idx.cmp(&ca.idx))
        });
        let mut keep = vec![true; candidates.len()];
        let mut count = candidates.len();
        for i in order {
            if total <= budget.max_bytes && count <= budget.max_features {
                break;
            }
            keep[i] = false;
            total -= candidates[i].size_bound();
            count -= 1;
            dropped += 1;
        }
        let mut k = keep.into_iter();
        candidates.retain(|_| k.next().unwrap_or(false));
    }

    let mut builders: Vec<LayerBuilder> = ordered
        .iter()
        .map(|(_, l)| LayerBuilder::new(l.id()))
        .collect();
    let features = candidates.len();
    for c in &candidates {
        let tags: Vec<(&str, &str)> = c.tags.iter().map(|(k, v)| (*k, v.as_str())).collect();
        builders[c.layer_pos].add(c.id, &tags, &c.geom, &c.commands);
    }
    Rendered {
        bytes: mvt::tile(builders),
        features,
        dropped,
    }
}

/// TileJSON `vector_layers` of a tileset.
pub fn vector_layers(ts: &Tileset) -> Vec<serde_json::Value> {
    ts.layers
        .iter()
        .map(|l| {
            let r = rule(*l);
            let fields: serde_json::Map<String, serde_json::Value> = r
                .fields
                .iter()
                .map(|(k, d)| (k.to_string(), serde_json::Value::String(d.to_string())))
                .collect();
            serde_json::json!({
                "id": l.id(),
                "description": format!("UrbIS {}", l.id()),
                "minzoom": r.min_zoom,
                "maxzoom": MAX_ZOOM,
                "fields": fields,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mvt::{decode, ring_area2};
    use geo::{polygon, Geometry, Point};
    use serde_json::json;
    use std::sync::Arc;
    use urbis_core::{Attributes, CrsEngine, Dataset, Feature};

    fn attrs(pairs: &[(&str, &str)]) -> Attributes {
        let mut a = Attributes::new();
        for (k, v) in pairs {
            a.insert(k.to_string(), json!(v));
        }
        a
    }

    /// A small dataset around (150000, 170000) in Lambert 72.
    fn dataset() -> Prepared {
        let (x0, y0) = (150_000.0, 170_000.0);
        let mut addresses = Vec::new();
        let mut buildings = Vec::new();
        for i in 0..50 {
            let (x, y) = (x0 + (i % 10) as f64 * 4.0, y0 + (i / 10) as f64 * 4.0);
            addresses.push(Feature {
                id: i + 1,
                geometry: Geometry::Point(Point::new(x + 1.0, y + 1.0)),
                attributes: attrs(&[
                    (
                        "INSPIRE_ID",
                        &format!("https://databrussels.be/id/address/{i}"),
                    ),
                    ("POLICENUM", &format!("{i}")),
                    ("BOXNUMBER", ""),
                    ("STRNAMEFRE", "Rue de la Loi"),
                    ("STRNAMEDUT", "Wetstraat"),
                    ("MUNNISCODE", if i < 25 { "21004" } else { "21009" }),
                ]),
            });
            buildings.push(Feature {
                id: i + 1,
                geometry: Geometry::Polygon(polygon![
                    (x: x, y: y), (x: x + 3.0, y: y), (x: x + 3.0, y: y + 3.0), (x: x, y: y + 3.0)
                ]),
                attributes: attrs(&[("TYPE", "house")]),
            });
        }
        let munis = vec![
            Feature {
                id: 1,
                geometry: Geometry::Polygon(polygon![
                    (x: x0 - 1000.0, y: y0 - 1000.0), (x: x0 + 1000.0, y: y0 - 1000.0),
                    (x: x0 + 1000.0, y: y0 + 10.0), (x: x0 - 1000.0, y: y0 + 10.0)
                ]),
                attributes: attrs(&[
                    ("NISCODE", "21004"),
                    ("NAMEFRE", "Bruxelles"),
                    ("NAMEDUT", "Brussel"),
                ]),
            },
            Feature {
                id: 2,
                geometry: Geometry::Polygon(polygon![
                    (x: x0 - 1000.0, y: y0 + 10.0), (x: x0 + 1000.0, y: y0 + 10.0),
                    (x: x0 + 1000.0, y: y0 + 1000.0), (x: x0 - 1000.0, y: y0 + 1000.0)
                ]),
                attributes: attrs(&[
                    ("NISCODE", "21009"),
                    ("NAMEFRE", "Ixelles"),
                    ("NAMEDUT", "Elsene"),
                ]),
            },
        ];
        let ds = Dataset::from_layers(
            None,
            vec![
                (Layer::Addresses, addresses),
                (Layer::Buildings, buildings),
                (Layer::Municipalities, munis),
            ],
        );
        Prepared::build(Arc::new(ds), &CrsEngine::helmert())
    }

    fn tile_at(prep: &Prepared, tms: Tms, level: u8) -> (u32, u32) {
        let e = prep.extent(tms, &[Layer::Addresses]).expect("extent");
        let (c, r, _, _) = tms.tile_range(level, (e.min().x, e.min().y, e.min().x, e.min().y));
        (c, r)
    }

    fn layer_names(bytes: &[u8]) -> Vec<String> {
        decode(bytes)
            .expect("decodes")
            .into_iter()
            .map(|l| l.name)
            .collect()
    }

    #[test]
    fn zoom_rules_per_layer() {
        let prep = dataset();
        let all = TILESETS[0].layers;
        let (c, r) = tile_at(&prep, Tms::WebMercatorQuad, 16);
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 16, c, r),
            all,
            None,
            Budget::default(),
        );
        assert_eq!(
            layer_names(&t.bytes),
            vec!["municipalities", "buildings", "addresses"]
        );
        let (c, r) = tile_at(&prep, Tms::WebMercatorQuad, 15);
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 15, c, r),
            all,
            None,
            Budget::default(),
        );
        assert_eq!(layer_names(&t.bytes), vec!["municipalities", "buildings"]);
        // At z14 the 3 m buildings are below one pixel (8 units) and dropped.
        let (c, r) = tile_at(&prep, Tms::WebMercatorQuad, 14);
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 14, c, r),
            all,
            None,
            Budget::default(),
        );
        assert_eq!(layer_names(&t.bytes), vec!["municipalities"]);
        let (c, r) = tile_at(&prep, Tms::WebMercatorQuad, 5);
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 5, c, r),
            all,
            None,
            Budget::default(),
        );
        assert_eq!(layer_names(&t.bytes), vec!["municipalities"]);
        // Lambert 72 level 10 ≈ z16.
        let (c, r) = tile_at(&prep, Tms::BelgianLambert72, 10);
        let t = render(
            &prep,
            TileId::new(Tms::BelgianLambert72, 10, c, r),
            all,
            None,
            Budget::default(),
        );
        assert!(layer_names(&t.bytes).contains(&"addresses".to_string()));
    }

    #[test]
    fn attributes_follow_the_contract() {
        let prep = dataset();
        let (c, r) = tile_at(&prep, Tms::WebMercatorQuad, 16);
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 16, c, r),
            &[Layer::Addresses],
            None,
            Budget::default(),
        );
        let layers = decode(&t.bytes).expect("decodes");
        let f = &layers[0].features[0];
        assert_eq!(f.tag("street_fr"), Some("Rue de la Loi"));
        assert_eq!(f.tag("street_nl"), Some("Wetstraat"));
        assert_eq!(f.tag("municipality"), Some("21004"));
        assert_eq!(f.tag("box"), None, "empty box omitted");
        assert!(f.id.is_some());
        assert_eq!(
            layers[0]
                .values
                .iter()
                .filter(|v| *v == "Rue de la Loi")
                .count(),
            1
        );
    }

    #[test]
    fn municipality_filter() {
        let prep = dataset();
        let (c, r) = tile_at(&prep, Tms::WebMercatorQuad, 16);
        let all = TILESETS[0].layers;
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 16, c, r),
            all,
            Some("21009"),
            Budget::default(),
        );
        for l in decode(&t.bytes).expect("decodes") {
            match l.name.as_str() {
                "addresses" => {
                    assert_eq!(l.features.len(), 25);
                    assert!(l
                        .features
                        .iter()
                        .all(|f| f.tag("municipality") == Some("21009")));
                }
                "municipalities" => assert_eq!(l.features.len(), 1),
                // Rows 3 and 4 of buildings lie north of y0 + 10, row 2 straddles it.
                "buildings" => assert_eq!(l.features.len(), 30),
                other => panic!("unexpected layer {other}"),
            }
        }
    }

    #[test]
    fn budget_drops_least_important_first() {
        let prep = dataset();
        let (c, r) = tile_at(&prep, Tms::WebMercatorQuad, 16);
        let all = TILESETS[0].layers;
        let full = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 16, c, r),
            all,
            None,
            Budget::default(),
        );
        assert_eq!(full.dropped, 0);
        let small = Budget {
            max_bytes: 500_000,
            max_features: 40,
        };
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 16, c, r),
            all,
            None,
            small,
        );
        assert_eq!(t.features, 40);
        assert_eq!(t.dropped, full.features - 40);
        let layers = decode(&t.bytes).expect("decodes");
        // Addresses go first: none left, buildings and municipalities intact.
        assert!(layers.iter().all(|l| l.name != "addresses"));
        let bytes = Budget {
            max_bytes: 4096 + 1500,
            max_features: 200_000,
        };
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 16, c, r),
            all,
            None,
            bytes,
        );
        assert!(t.bytes.len() <= 4096 + 1500);
        assert!(t.dropped > 0);
    }

    #[test]
    fn polygons_are_valid_and_clockwise() {
        let prep = dataset();
        let (c, r) = tile_at(&prep, Tms::WebMercatorQuad, 16);
        let t = render(
            &prep,
            TileId::new(Tms::WebMercatorQuad, 16, c, r),
            &[Layer::Buildings],
            None,
            Budget::default(),
        );
        let layers = decode(&t.bytes).expect("decodes");
        assert_eq!(layers[0].features.len(), 50);
        for f in &layers[0].features {
            assert_eq!(f.kind, 3);
            assert!(ring_area2(&f.parts[0]) > 0);
        }
    }

    #[test]
    fn tilesets() {
        assert_eq!(Tileset::find("urbis").map(|t| t.min_zoom()), Some(0));
        assert_eq!(Tileset::find("addresses").map(|t| t.min_zoom()), Some(16));
        assert_eq!(Tileset::find("buildings").map(|t| t.min_zoom()), Some(13));
        assert!(Tileset::find("roads").is_none());
    }
}

#[cfg(test)]
mod notch_tests {
    //! A real UrbIS building whose narrow neck collapses when snapped at z13–z14, leaving a
    //! hole that touches the exterior at a vertex.
    use super::*;
    use crate::mvt::decode;
    use geo::{Geometry, LineString, Polygon};
    use std::sync::Arc;
    use urbis_core::{Attributes, CrsEngine, Dataset, Feature};

    #[test]
    fn collapsed_neck_gives_a_valid_hole() {
        let pts = [
            (147512.995988976, 170735.314987032),
            (147506.590589776, 170742.392890623),
            (147513.868365634, 170748.496611165),
            (147517.806789569, 170752.054481355),
            (147521.002306549, 170748.215188609),
            (147521.882233642, 170747.380473942),
            (147526.23921576, 170742.339244652),
            (147533.26363874, 170748.87694868),
            (147538.674616879, 170753.913656057),
            (147543.011143112, 170750.307456016),
            (147529.130699927, 170735.874815925),
            (147525.678547317, 170733.050900794),
            (147522.339118158, 170730.327052278),
            (147519.51398794, 170728.0256816),
            (147517.090430659, 170726.046723715),
            (147510.143248352, 170719.130787113),
            (147505.926905297, 170723.727000699),
            (147510.619310709, 170728.152190658),
            (147513.331800413, 170730.531477585),
            (147515.663835124, 170732.577220841),
            (147516.142924633, 170732.999712603),
            (147516.572695581, 170733.377731069),
            (147518.642156278, 170731.129704434),
            (147522.763809634, 170734.932222648),
            (147520.694348673, 170737.180247673),
            (147516.481173669, 170733.444518146),
            (147513.954110808, 170736.037605303),
            (147512.995988976, 170735.314987032),
        ];
        let g = Geometry::Polygon(Polygon::new(LineString::from(pts.to_vec()), vec![]));
        let ds = Dataset::from_layers(
            None,
            vec![(
                Layer::Buildings,
                vec![Feature {
                    id: 1,
                    geometry: g,
                    attributes: Attributes::new(),
                }],
            )],
        );
        let prep = Prepared::build(Arc::new(ds), &CrsEngine::helmert());
        let e = prep
            .extent(Tms::WebMercatorQuad, &[Layer::Buildings])
            .expect("e");
        for z in 13..=16 {
            let (c, r, _, _) =
                Tms::WebMercatorQuad.tile_range(z, (e.min().x, e.min().y, e.min().x, e.min().y));
            let t = render(
                &prep,
                TileId::new(Tms::WebMercatorQuad, z, c, r),
                &[Layer::Buildings],
                None,
                Budget::default(),
            );
            let l = decode(&t.bytes).expect("d");
            let f = &l[0].features[0];
            assert!(crate::mvt::ring_area2(&f.parts[0]) > 0, "z{z}");
            let ring = |r: &Vec<[i32; 2]>| {
                LineString::from(
                    r.iter()
                        .map(|p| (p[0] as f64, p[1] as f64))
                        .collect::<Vec<_>>(),
                )
            };
            for h in &f.parts[1..] {
                assert!(crate::mvt::ring_area2(h) < 0, "z{z}: hole orientation");
            }
            let p = Polygon::new(ring(&f.parts[0]), f.parts[1..].iter().map(ring).collect());
            assert!(geo::Validation::is_valid(&p), "z{z}: {p:?}");
            if z == 13 {
                assert_eq!(f.parts.len(), 2, "the collapsed neck leaves a hole at z13");
            }
        }
    }
}
