//! The in-memory spatial index: one R-tree per layer over the live generation.
//!
//! Queries work in EPSG:31370 metres: features intersecting a bbox, the k nearest features to a
//! point (exact distances to the geometries, not to their envelopes), and the features containing
//! a point ("which building / parcel / municipality is here").

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use geo::{BoundingRect, Distance, Euclidean, Geometry, Intersects, Point, Rect};
use rstar::{RTree, RTreeObject, AABB};

use crate::error::StoreError;
use crate::model::{Feature, Layer};
use crate::store::{FeatureStore, Generation};

/// An R-tree entry: the envelope of a feature and its position in [`LayerIndex::features`].
#[derive(Debug, Clone, Copy)]
struct Entry {
    env: AABB<[f64; 2]>,
    idx: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

impl rstar::PointDistance for Entry {
    fn distance_2(&self, point: &[f64; 2]) -> f64 {
        self.env.distance_2(point)
    }
}

/// The features of one layer with their R-tree.
#[derive(Debug)]
pub struct LayerIndex {
    layer: Layer,
    /// Sorted by id.
    features: Vec<Feature>,
    tree: RTree<Entry>,
    extent: Option<Rect<f64>>,
}

fn envelope_of(g: &Geometry<f64>) -> Option<AABB<[f64; 2]>> {
    let r = g.bounding_rect()?;
    Some(AABB::from_corners(
        [r.min().x, r.min().y],
        [r.max().x, r.max().y],
    ))
}

/// Features ordered by their exact distance, for the k-nearest search.
struct Candidate {
    dist: f64,
    idx: u32,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.dist
            .total_cmp(&other.dist)
            .then(self.idx.cmp(&other.idx))
    }
}

impl LayerIndex {
    /// Index `features` (any order; duplicate ids keep the first).
    pub fn new(layer: Layer, mut features: Vec<Feature>) -> Self {
        features.sort_by_key(|f| f.id);
        features.dedup_by_key(|f| f.id);
        let mut entries = Vec::with_capacity(features.len());
        let mut extent: Option<Rect<f64>> = None;
        for (i, f) in features.iter().enumerate() {
            if let Some(env) = envelope_of(&f.geometry) {
                let r = Rect::new(env.lower(), env.upper());
                extent = Some(match extent {
                    None => r,
                    Some(e) => Rect::new(
                        (e.min().x.min(r.min().x), e.min().y.min(r.min().y)),
                        (e.max().x.max(r.max().x), e.max().y.max(r.max().y)),
                    ),
                });
                entries.push(Entry { env, idx: i as u32 });
            }
        }
        LayerIndex {
            layer,
            features,
            tree: RTree::bulk_load(entries),
            extent,
        }
    }

    pub fn layer(&self) -> Layer {
        self.layer
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The bounding box of the layer in EPSG:31370.
    pub fn extent(&self) -> Option<Rect<f64>> {
        self.extent
    }

    /// All features, in id order.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// The feature with this id.
    pub fn get(&self, id: i64) -> Option<&Feature> {
        self.features
            .binary_search_by_key(&id, |f| f.id)
            .ok()
            .map(|i| &self.features[i])
    }

    /// Positions of the features whose geometry intersects `bbox`, in id order.
    fn bbox_positions(&self, bbox: Rect<f64>) -> Vec<u32> {
        let env = AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        let mut out: Vec<u32> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .filter(|e| {
                // Envelopes fully inside the bbox need no exact test.
                let inside = bbox.min().x <= e.env.lower()[0]
                    && bbox.min().y <= e.env.lower()[1]
                    && bbox.max().x >= e.env.upper()[0]
                    && bbox.max().y >= e.env.upper()[1];
                inside || self.features[e.idx as usize].geometry.intersects(&bbox)
            })
            .map(|e| e.idx)
            .collect();
        out.sort_unstable();
        out
    }

    /// Features whose geometry intersects `bbox`, in id order.
    pub fn in_bbox(&self, bbox: Rect<f64>) -> Vec<&Feature> {
        self.bbox_positions(bbox)
            .into_iter()
            .map(|i| &self.features[i as usize])
            .collect()
    }

    /// One page of the features intersecting `bbox` (or of all features): the total number
    /// matched and the features at `offset..offset+limit`, in id order.
    pub fn page(
        &self,
        bbox: Option<Rect<f64>>,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<&Feature>) {
        match bbox {
            None => {
                let total = self.features.len();
                let page = self.features.iter().skip(offset).take(limit).collect();
                (total, page)
            }
            Some(b) => {
                let pos = self.bbox_positions(b);
                let total = pos.len();
                let page = pos
                    .into_iter()
                    .skip(offset)
                    .take(limit)
                    .map(|i| &self.features[i as usize])
                    .collect();
                (total, page)
            }
        }
    }

    /// The `k` features nearest to `(x, y)` with their exact distance in metres, nearest first,
    /// optionally within `max_distance`.
    pub fn nearest(
        &self,
        x: f64,
        y: f64,
        k: usize,
        max_distance: Option<f64>,
    ) -> Vec<(&Feature, f64)> {
        if k == 0 {
            return Vec::new();
        }
        let p = Point::new(x, y);
        let max = max_distance.unwrap_or(f64::INFINITY);
        // Max-heap of the best k so far.
        let mut best: BinaryHeap<Candidate> = BinaryHeap::with_capacity(k + 1);
        for (entry, env_d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[x, y]) {
            let bound = env_d2.sqrt();
            if bound > max {
                break;
            }
            if best.len() == k {
                if let Some(worst) = best.peek() {
                    if bound > worst.dist {
                        break;
                    }
                }
            }
            let d = Euclidean.distance(&self.features[entry.idx as usize].geometry, &p);
            if d > max {
                continue;
            }
            best.push(Candidate {
                dist: d,
                idx: entry.idx,
            });
            if best.len() > k {
                best.pop();
            }
        }
        best.into_sorted_vec()
            .into_iter()
            .map(|c| (&self.features[c.idx as usize], c.dist))
            .collect()
    }

    /// Features whose geometry contains `(x, y)` (points on a boundary count), in id order.
    pub fn containing(&self, x: f64, y: f64) -> Vec<&Feature> {
        let p = Point::new(x, y);
        let mut out: Vec<u32> = self
            .tree
            .locate_all_at_point(&[x, y])
            .filter(|e| self.features[e.idx as usize].geometry.intersects(&p))
            .map(|e| e.idx)
            .collect();
        out.sort_unstable();
        out.into_iter()
            .map(|i| &self.features[i as usize])
            .collect()
    }
}

/// What lies at a point: the containing municipality, parcel and building.
#[derive(Debug, Clone, Copy, Default)]
pub struct AtPoint<'a> {
    pub municipality: Option<&'a Feature>,
    pub parcel: Option<&'a Feature>,
    pub building: Option<&'a Feature>,
}

/// The live dataset in memory: the generation it was loaded from and one index per layer.
#[derive(Debug, Default)]
pub struct Dataset {
    generation: Option<Generation>,
    layers: BTreeMap<Layer, LayerIndex>,
}

impl Dataset {
    /// Build a dataset from features already in memory.
    pub fn from_layers(generation: Option<Generation>, layers: Vec<(Layer, Vec<Feature>)>) -> Self {
        let layers = layers
            .into_iter()
            .map(|(l, fs)| (l, LayerIndex::new(l, fs)))
            .collect();
        Dataset { generation, layers }
    }

    /// Load the live generation of `store` (an empty dataset if nothing was imported yet),
    /// reading and indexing the layers concurrently.
    pub async fn load(store: Arc<dyn FeatureStore>) -> Result<Dataset, StoreError> {
        let Some(generation) = store.live_generation().await? else {
            return Ok(Dataset::default());
        };
        let mut tasks = Vec::new();
        for layer in Layer::ALL {
            if !generation.counts.contains_key(&layer) {
                continue;
            }
            let store = store.clone();
            let gen_id = generation.id;
            let expected = generation.counts.get(&layer).copied().unwrap_or(0) as usize;
            tasks.push(tokio::spawn(async move {
                let mut features = Vec::with_capacity(expected);
                store
                    .load_layer(gen_id, layer, &mut |f| features.push(f))
                    .await?;
                let index = tokio::task::spawn_blocking(move || LayerIndex::new(layer, features))
                    .await
                    .map_err(|e| StoreError::Other(format!("index build failed: {e}")))?;
                Ok::<_, StoreError>((layer, index))
            }));
        }
        let mut layers = BTreeMap::new();
        for t in tasks {
            let (layer, index) = t
                .await
                .map_err(|e| StoreError::Other(format!("layer load failed: {e}")))??;
            layers.insert(layer, index);
        }
        Ok(Dataset {
            generation: Some(generation),
            layers,
        })
    }

    /// The generation the data comes from (`None` before the first import).
    pub fn generation(&self) -> Option<&Generation> {
        self.generation.as_ref()
    }

    pub fn layer(&self, layer: Layer) -> Option<&LayerIndex> {
        self.layers.get(&layer)
    }

    /// The layers present, in [`Layer::ALL`] order.
    pub fn layers(&self) -> impl Iterator<Item = &LayerIndex> {
        self.layers.values()
    }

    /// The municipality, parcel and building containing `(x, y)` (EPSG:31370). Where features
    /// overlap (data errors), the lowest id wins.
    pub fn at_point(&self, x: f64, y: f64) -> AtPoint<'_> {
        let first = |l: Layer| {
            self.layer(l)
                .and_then(|idx| idx.containing(x, y).into_iter().next())
        };
        AtPoint {
            municipality: first(Layer::Municipalities),
            parcel: first(Layer::Parcels),
            building: first(Layer::Buildings),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Attributes;
    use geo::{polygon, Geometry};

    fn square(id: i64, x: f64, y: f64, size: f64) -> Feature {
        Feature {
            id,
            geometry: Geometry::Polygon(polygon![
                (x: x, y: y),
                (x: x + size, y: y),
                (x: x + size, y: y + size),
                (x: x, y: y + size),
                (x: x, y: y),
            ]),
            attributes: Attributes::new(),
        }
    }

    fn point(id: i64, x: f64, y: f64) -> Feature {
        Feature {
            id,
            geometry: Geometry::Point(Point::new(x, y)),
            attributes: Attributes::new(),
        }
    }

    #[test]
    fn bbox_nearest_and_containment_match_brute_force() {
        // A deterministic cloud of points and squares.
        let mut seed = 42u64;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 100_000) as f64 / 10.0
        };
        let points: Vec<Feature> = (0..2000).map(|i| point(i, rnd(), rnd())).collect();
        let squares: Vec<Feature> = (0..500).map(|i| square(i, rnd(), rnd(), 50.0)).collect();
        let pidx = LayerIndex::new(Layer::Addresses, points.clone());
        let sidx = LayerIndex::new(Layer::Buildings, squares.clone());

        for _ in 0..50 {
            let (x, y) = (rnd(), rnd());
            let bbox = Rect::new((x, y), (x + 700.0, y + 300.0));
            let got: Vec<i64> = pidx.in_bbox(bbox).iter().map(|f| f.id).collect();
            let want: Vec<i64> = points
                .iter()
                .filter(|f| f.geometry.intersects(&bbox))
                .map(|f| f.id)
                .collect();
            assert_eq!(got, want);

            let got: Vec<f64> = sidx
                .nearest(x, y, 5, None)
                .iter()
                .map(|(_, d)| *d)
                .collect();
            let mut all: Vec<f64> = squares
                .iter()
                .map(|f| Euclidean.distance(&f.geometry, &Point::new(x, y)))
                .collect();
            all.sort_by(f64::total_cmp);
            assert_eq!(got, all[..5].to_vec());

            let got: Vec<i64> = sidx.containing(x, y).iter().map(|f| f.id).collect();
            let want: Vec<i64> = squares
                .iter()
                .filter(|f| f.geometry.intersects(&Point::new(x, y)))
                .map(|f| f.id)
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn paging_and_lookup() {
        let idx = LayerIndex::new(
            Layer::Addresses,
            (1..=25).rev().map(|i| point(i, i as f64, 0.0)).collect(),
        );
        assert_eq!(idx.len(), 25);
        assert_eq!(idx.get(7).map(|f| f.id), Some(7));
        assert!(idx.get(99).is_none());
        let (total, page) = idx.page(None, 10, 10);
        assert_eq!(total, 25);
        assert_eq!(
            page.iter().map(|f| f.id).collect::<Vec<_>>(),
            (11..=20).collect::<Vec<_>>()
        );
        let (total, page) = idx.page(Some(Rect::new((2.5, -1.0), (6.5, 1.0))), 1, 10);
        assert_eq!(total, 4);
        assert_eq!(page.iter().map(|f| f.id).collect::<Vec<_>>(), vec![4, 5, 6]);
        assert_eq!(idx.nearest(10.2, 0.0, 2, Some(0.5)).len(), 1);
        assert_eq!(idx.extent(), Some(Rect::new((1.0, 0.0), (25.0, 0.0))));
    }

    #[test]
    fn at_point_finds_each_layer() {
        let ds = Dataset::from_layers(
            None,
            vec![
                (Layer::Municipalities, vec![square(21004, 0.0, 0.0, 1000.0)]),
                (Layer::Parcels, vec![square(1, 100.0, 100.0, 20.0)]),
                (Layer::Buildings, vec![square(5, 105.0, 105.0, 5.0)]),
            ],
        );
        let at = ds.at_point(107.0, 107.0);
        assert_eq!(at.municipality.map(|f| f.id), Some(21004));
        assert_eq!(at.parcel.map(|f| f.id), Some(1));
        assert_eq!(at.building.map(|f| f.id), Some(5));
        let at = ds.at_point(500.0, 500.0);
        assert_eq!(at.municipality.map(|f| f.id), Some(21004));
        assert!(at.parcel.is_none() && at.building.is_none());
        assert!(ds.at_point(-5.0, 0.0).municipality.is_none());
    }
}
