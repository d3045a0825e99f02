//! What the encoder reads: one generation of the dataset prepared for tiling.
//!
//! Built once per import generation (in the background when it goes live): every feature's
//! tile attributes (the contract's lower-case keys), its importance for the tile budget (area
//! or length), its geometry transformed once to Web Mercator, and R-trees over the Web
//! Mercator and Lambert 72 envelopes, so a tile request only selects and clips.

use std::collections::BTreeMap;
use std::sync::Arc;

use geo::{Area, BoundingRect, Euclidean, Geometry, Length, Rect};
use rstar::{RTree, RTreeObject, AABB};
use urbis_core::model::{nis_code, text_attr, Municipality};
use urbis_core::{Crs, CrsEngine, Dataset, Feature, Layer};

use crate::tms::Tms;

/// Per-layer rules of the tile contract.
#[derive(Debug, Clone, Copy)]
pub struct LayerRule {
    pub layer: Layer,
    /// Lowest Web Mercator zoom at which the layer is in tiles.
    pub min_zoom: u8,
    /// Attribute keys and their descriptions (TileJSON `vector_layers.fields`).
    pub fields: &'static [(&'static str, &'static str)],
    /// Rank in the budget order: lower ranks are dropped first when a tile is too big.
    pub drop_rank: u8,
}

/// The five layers, in drawing order (municipalities at the bottom, addresses on top).
pub const RULES: [LayerRule; 5] = [
    LayerRule {
        layer: Layer::Municipalities,
        min_zoom: 0,
        fields: &[
            ("id", "INSPIRE identifier"),
            ("nis", "NIS code"),
            ("name_fr", "French name"),
            ("name_nl", "Dutch name"),
        ],
        drop_rank: 4,
    },
    LayerRule {
        layer: Layer::Parcels,
        min_zoom: 15,
        fields: &[
            ("id", "INSPIRE identifier"),
            ("capakey", "Cadastral key"),
            ("type", "Parcel type"),
            ("municipality", "NIS code of the municipality"),
        ],
        drop_rank: 1,
    },
    LayerRule {
        layer: Layer::Buildings,
        min_zoom: 13,
        fields: &[("id", "INSPIRE identifier"), ("type", "Building type")],
        drop_rank: 2,
    },
    LayerRule {
        layer: Layer::Streets,
        min_zoom: 10,
        fields: &[
            ("id", "INSPIRE identifier"),
            ("name_fr", "French street name"),
            ("name_nl", "Dutch street name"),
            ("type", "Street axis type"),
        ],
        drop_rank: 3,
    },
    LayerRule {
        layer: Layer::Addresses,
        min_zoom: 16,
        fields: &[
            ("id", "UrbIS/INSPIRE identifier"),
            ("housenumber", "House number (POLICENUM)"),
            ("box", "Box number"),
            ("street_fr", "French street name"),
            ("street_nl", "Dutch street name"),
            ("postcode", "Postcode"),
            ("municipality", "NIS code of the municipality"),
        ],
        drop_rank: 0,
    },
];

pub fn rule(layer: Layer) -> &'static LayerRule {
    RULES.iter().find(|r| r.layer == layer).unwrap_or(&RULES[0])
}

/// The tile attributes of a feature (missing values left out).
pub fn tags(layer: Layer, f: &Feature) -> Vec<(&'static str, String)> {
    let a = &f.attributes;
    let t = |k: &str| text_attr(a, k);
    let nis = |k: &str| text_attr(a, k).and_then(|v| nis_code(&v));
    let pairs: Vec<(&'static str, Option<String>)> = match layer {
        Layer::Addresses => vec![
            ("id", t("INSPIRE_ID")),
            ("housenumber", t("POLICENUM")),
            ("box", t("BOXNUMBER")),
            ("street_fr", t("STRNAMEFRE")),
            ("street_nl", t("STRNAMEDUT")),
            ("postcode", t("ZIPCODE")),
            ("municipality", nis("MUNNISCODE")),
        ],
        Layer::Buildings => vec![("id", t("INSPIRE_ID")), ("type", t("TYPE"))],
        Layer::Parcels => vec![
            ("id", t("INSPIRE_ID")),
            ("capakey", t("CAPAKEY")),
            ("type", t("TYPE")),
            ("municipality", nis("MUNNISCODE")),
        ],
        Layer::Streets => vec![
            ("id", t("INSPIRE_ID")),
            ("name_fr", t("STRNAMEFRE")),
            ("name_nl", t("STRNAMEDUT")),
            ("type", t("TYPE")),
        ],
        Layer::Municipalities => {
            let m = Municipality::from_attributes(a);
            vec![
                ("id", m.inspire_id),
                ("nis", m.nis_code),
                ("name_fr", m.name_fr),
                ("name_nl", m.name_nl),
            ]
        }
    };
    pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    env: AABB<[f64; 2]>,
    pub(crate) idx: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

fn rect_env(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

/// One layer prepared for tiling; positions match `LayerIndex::features()`.
pub struct PreparedLayer {
    pub layer: Layer,
    pub tags: Vec<Vec<(&'static str, String)>>,
    /// NIS code of the municipality the feature belongs to (addresses, parcels, municipalities).
    pub nis: Vec<Option<String>>,
    /// Area (m²) or length (m) in Lambert 72; 0 for points.
    pub importance: Vec<f64>,
    /// Geometries in Web Mercator (`None` where the transformation failed).
    pub merc: Vec<Option<Geometry<f64>>>,
    tree_merc: RTree<Entry>,
    tree_l72: RTree<Entry>,
    extent_merc: Option<Rect<f64>>,
    extent_l72: Option<Rect<f64>>,
    /// WGS 84 bounds of the layer.
    extent_wgs84: Option<Rect<f64>>,
}

/// Spherical Web Mercator metres to longitude/latitude.
pub fn merc_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let h = crate::WEB_MERCATOR_HALF;
    let lon = x / h * 180.0;
    let lat = (2.0 * (y / h * std::f64::consts::PI).exp().atan() - std::f64::consts::FRAC_PI_2)
        .to_degrees();
    (lon, lat)
}

fn union(a: Option<Rect<f64>>, b: Rect<f64>) -> Rect<f64> {
    match a {
        None => b,
        Some(a) => Rect::new(
            (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
            (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
        ),
    }
}

impl PreparedLayer {
    fn build(layer: Layer, features: &[Feature], engine: &CrsEngine) -> PreparedLayer {
        let to_merc = engine.transformer(Crs::Lambert72, Crs::WebMercator).ok();
        let mut out = PreparedLayer {
            layer,
            tags: Vec::with_capacity(features.len()),
            nis: Vec::with_capacity(features.len()),
            importance: Vec::with_capacity(features.len()),
            merc: Vec::with_capacity(features.len()),
            tree_merc: RTree::new(),
            tree_l72: RTree::new(),
            extent_merc: None,
            extent_l72: None,
            extent_wgs84: None,
        };
        let mut e_merc = Vec::with_capacity(features.len());
        let mut e_l72 = Vec::with_capacity(features.len());
        for (i, f) in features.iter().enumerate() {
            let tags = tags(layer, f);
            let nis = match layer {
                Layer::Addresses | Layer::Parcels => tags
                    .iter()
                    .find(|(k, _)| *k == "municipality")
                    .map(|(_, v)| v.clone()),
                Layer::Municipalities => tags
                    .iter()
                    .find(|(k, _)| *k == "nis")
                    .map(|(_, v)| v.clone()),
                _ => None,
            };
            let importance = match &f.geometry {
                Geometry::Polygon(_) | Geometry::MultiPolygon(_) => f.geometry.unsigned_area(),
                Geometry::LineString(l) => Euclidean.length(l),
                Geometry::MultiLineString(l) => Euclidean.length(l),
                _ => 0.0,
            };
            let merc = to_merc
                .as_ref()
                .and_then(|t| t.transform_geometry(&f.geometry).ok());
            if let Some(r) = f.geometry.bounding_rect() {
                e_l72.push(Entry {
                    env: rect_env(r),
                    idx: i as u32,
                });
                out.extent_l72 = Some(union(out.extent_l72, r));
            }
            if let Some(r) = merc.as_ref().and_then(|g| g.bounding_rect()) {
                e_merc.push(Entry {
                    env: rect_env(r),
                    idx: i as u32,
                });
                out.extent_merc = Some(union(out.extent_merc, r));
            }
            out.tags.push(tags);
            out.nis.push(nis);
            out.importance.push(importance);
            out.merc.push(merc);
        }
        // From the Web Mercator extent: exact, as both are axis-aligned on the same meridians.
        out.extent_wgs84 = out.extent_merc.map(|e| {
            let (w, s) = merc_to_lonlat(e.min().x, e.min().y);
            let (east, n) = merc_to_lonlat(e.max().x, e.max().y);
            Rect::new((w, s), (east, n))
        });
        out.tree_merc = RTree::bulk_load(e_merc);
        out.tree_l72 = RTree::bulk_load(e_l72);
        out
    }

    /// Positions of the features whose envelope meets `bbox` (in `tms`'s CRS), sorted.
    pub fn select(&self, tms: Tms, bbox: (f64, f64, f64, f64)) -> Vec<u32> {
        let env = AABB::from_corners([bbox.0, bbox.1], [bbox.2, bbox.3]);
        let tree = match tms {
            Tms::WebMercatorQuad => &self.tree_merc,
            Tms::BelgianLambert72 => &self.tree_l72,
        };
        let mut v: Vec<u32> = tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.idx)
            .collect();
        v.sort_unstable();
        v
    }

    /// Extent of the layer in `tms`'s CRS.
    pub fn extent(&self, tms: Tms) -> Option<Rect<f64>> {
        match tms {
            Tms::WebMercatorQuad => self.extent_merc,
            Tms::BelgianLambert72 => self.extent_l72,
        }
    }
}

/// A generation of the dataset prepared for tiling.
pub struct Prepared {
    pub dataset: Arc<Dataset>,
    pub layers: BTreeMap<Layer, PreparedLayer>,
    /// Import generation id (0 before the first import).
    pub generation: i64,
    /// WGS 84 bounds of the data (lon/lat), for TileJSON.
    pub bounds_wgs84: Option<[f64; 4]>,
}

impl Prepared {
    /// Prepare `dataset`, one layer per thread.
    pub fn build(dataset: Arc<Dataset>, engine: &CrsEngine) -> Prepared {
        let layers: BTreeMap<Layer, PreparedLayer> = std::thread::scope(|s| {
            let handles: Vec<_> = dataset
                .layers()
                .map(|l| {
                    let engine = engine.clone();
                    s.spawn(move || PreparedLayer::build(l.layer(), l.features(), &engine))
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok())
                .map(|p| (p.layer, p))
                .collect()
        });
        let mut extent: Option<Rect<f64>> = None;
        for l in dataset.layers() {
            if let Some(e) = l.extent() {
                extent = Some(union(extent, e));
            }
        }
        let bounds_wgs84 = extent.and_then(|e| {
            let t = engine.transformer(Crs::Lambert72, Crs::Wgs84).ok()?;
            let r = t.transform_rect(e).ok()?;
            Some([r.min().x, r.min().y, r.max().x, r.max().y])
        });
        Prepared {
            generation: dataset.generation().map(|g| g.id).unwrap_or(0),
            dataset,
            layers,
            bounds_wgs84,
        }
    }

    /// The geometry of feature `idx` of `layer` in `tms`'s CRS.
    pub fn geometry(&self, tms: Tms, layer: Layer, idx: u32) -> Option<&Geometry<f64>> {
        match tms {
            Tms::WebMercatorQuad => self.layers.get(&layer)?.merc.get(idx as usize)?.as_ref(),
            Tms::BelgianLambert72 => self
                .dataset
                .layer(layer)?
                .features()
                .get(idx as usize)
                .map(|f| &f.geometry),
        }
    }

    /// The feature id of feature `idx` of `layer`.
    pub fn feature_id(&self, layer: Layer, idx: u32) -> Option<i64> {
        self.dataset
            .layer(layer)?
            .features()
            .get(idx as usize)
            .map(|f| f.id)
    }

    /// Union of the extents of `layers` in `tms`'s CRS.
    pub fn extent(&self, tms: Tms, layers: &[Layer]) -> Option<Rect<f64>> {
        let mut out = None;
        for l in layers {
            if let Some(e) = self.layers.get(l).and_then(|p| p.extent(tms)) {
                out = Some(union(out, e));
            }
        }
        out
    }

    /// WGS 84 bounds (west, south, east, north) of `layers`.
    pub fn bounds_of(&self, layers: &[Layer]) -> Option<[f64; 4]> {
        let mut out: Option<Rect<f64>> = None;
        for l in layers {
            if let Some(e) = self.layers.get(l).and_then(|p| p.extent_wgs84) {
                out = Some(union(out, e));
            }
        }
        out.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
    }

    /// Is there a municipality with this NIS code? (`None`: no municipalities layer.)
    pub fn has_municipality(&self, nis: &str) -> Option<bool> {
        let m = self.layers.get(&Layer::Municipalities)?;
        Some(m.nis.iter().any(|n| n.as_deref() == Some(nis)))
    }
}
