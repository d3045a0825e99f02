//! The built fabric: street grid, blocks, parcels and buildings.
//!
//! Streets form a grid whose row and column spacings grow from about 85 m near the centre to
//! about 170 m in the outskirts, bent by a smooth warp and jittered per node; a few long
//! diagonal avenues cut across it. Consecutive grid edges along a row, a column or an avenue
//! form a named street ("chain"); each edge is one street-axis feature.
//!
//! A grid cell (split in two triangles where an avenue crosses it) is a block. The block,
//! shrunk by half the width of each bordering street, is the built lot. The lot is inset again
//! by a parcel depth: the ring between the two is cut into trapezoidal parcels fronting each
//! street, the inner core is one more (enclosed) parcel. Buildings are drawn in the parcel's own
//! bilinear `(u, v)` frame (`u` along the frontage, `v` from the street inwards), so that a
//! rectangle, an L or a rectangle with a courtyard in `(u, v)` maps to a simple polygon inside
//! the (convex) parcel. Shared parcel vertices are computed once and rounded to the centimetre,
//! so neighbouring parcels share their edges exactly.

use geo::{Contains, Coord};

use super::names::{NameRegistry, StreetClass, StreetName, StreetType};
use super::plane::{
    c, centroid, clean_ring, dist, dot, inset, is_convex_ccw, len, lerp, polygon, round_cm,
    signed_area,
};
use super::region::{Loc, Region, CENTRE};
use super::rng::Rng;

const TAG_GRID: u64 = 0x4752_4944;
const TAG_CHAINS: u64 = 0x0043_4841_494e;
const TAG_NAMES: u64 = 0x4e41_4d45;
const TAG_BLOCK: u64 = 0x0042_4c4f_434b;
const TAG_BUILD: u64 = 0x0042_5549_4c44;

/// Sonian Forest: no streets nor blocks inside this ellipse (centre, semi-axes).
const FOREST: (f64, f64, f64, f64) = (154_900.0, 163_700.0, 2_300.0, 1_450.0);
/// Bois de la Cambre: green blocks only.
const CAMBRE: (f64, f64, f64) = (150_600.0, 166_200.0, 450.0);

/// How urban a place is: 1 in the dense centre, 0 in the outskirts.
pub(crate) fn urbanity(p: Coord) -> f64 {
    (1.0 - (dist(p, CENTRE) - 1_200.0) / 5_300.0).clamp(0.0, 1.0)
}

fn mixf(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

/// One street-axis segment between two grid nodes, oriented along its street.
pub(crate) struct Edge {
    pub a: usize,
    pub b: usize,
    pub chain: usize,
    /// Distance from the start of the street to `a`.
    pub offset: f64,
    pub length: f64,
}

/// A named street: consecutive edges.
pub(crate) struct Chain {
    pub edges: Vec<usize>,
    pub name: StreetName,
    /// OSM-like road class, the `TYPE` of the street axis.
    pub road_type: &'static str,
    pub half_width: f64,
    /// Municipalities (indexes) the street and its addresses may lie in.
    pub munis: Vec<usize>,
}

/// A block: convex polygon (counter-clockwise) between streets.
pub(crate) struct Block {
    pub id: u64,
    pub corners: Vec<Coord>,
    /// For each side `k` (corner `k` → `k + 1`): the street edge and whether the block lies on
    /// the left of the street's direction (odd house numbers).
    pub sides: Vec<(usize, bool)>,
    pub centroid: Coord,
    pub muni: usize,
    pub cell: usize,
    /// Ordering key for the built-up area at scales below 1 (grows away from the centre).
    pub key: f64,
    /// Whether the whole block is a park.
    pub park: bool,
}

pub(crate) struct City {
    pub nodes: Vec<Coord>,
    pub edges: Vec<Option<Edge>>,
    pub chains: Vec<Chain>,
    pub blocks: Vec<Block>,
}

/// Positions along one axis of the virtual (uniform) grid, as offsets from the centre.
/// The class of a street of `segments` grid edges (`lf`: the length factor of the grid).
fn street_class(major: bool, segments: usize, lf: f64) -> StreetClass {
    if major {
        StreetClass::Major
    } else if segments as f64 * lf <= 2.0 {
        StreetClass::Short
    } else {
        StreetClass::Minor
    }
}

fn axis(rng: &mut Rng, lf: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut x = -VIRTUAL_EXTENT;
    while x <= VIRTUAL_EXTENT {
        out.push(x);
        x += lf * 85.0 * rng.range(0.85, 1.2);
    }
    out
}

/// Half-width of the virtual grid (metres before stretching).
const VIRTUAL_EXTENT: f64 = 7_000.0;
/// Radial stretch: a point at virtual distance `r` from the centre goes to `r + r²/(2L)`, so
/// blocks are about `1 + r/L` times larger radially and `1 + r/(2L)` tangentially.
const STRETCH_L: f64 = 5_000.0;

impl City {
    /// Lay out streets and blocks over the Region; `lf` scales every length (1 at scale ≤ 1,
    /// `1/√scale` above, for a denser city).
    pub(crate) fn new(region: &Region, seed: u64, lf: f64) -> City {
        let mut rng = Rng::keyed(&[seed, TAG_GRID]);
        let xs = axis(&mut rng, lf);
        let ys = axis(&mut rng, lf);
        let (nx, ny) = (xs.len(), ys.len());
        let ph: Vec<f64> = (0..4)
            .map(|_| rng.range(0.0, std::f64::consts::TAU))
            .collect();
        let tau = std::f64::consts::TAU;
        let mut nodes = Vec::with_capacity(nx * ny);
        for &vy in &ys {
            for &vx in &xs {
                let r = vx.hypot(vy);
                let stretch = 1.0 + r / (2.0 * STRETCH_L);
                let (x, y) = (CENTRE.x + vx * stretch, CENTRE.y + vy * stretch);
                let sp = lf * 85.0 * (1.0 + r / STRETCH_L);
                let wx = 70.0 * (tau * y / 2_900.0 + ph[0]).sin()
                    + 40.0 * (tau * (x + y) / 4_100.0 + ph[1]).sin();
                let wy = 70.0 * (tau * x / 3_300.0 + ph[2]).sin()
                    + 40.0 * (tau * (x - y) / 3_700.0 + ph[3]).sin();
                let j = 0.07 * sp;
                nodes.push(round_cm(c(
                    x + wx + rng.range(-j, j),
                    y + wy + rng.range(-j, j),
                )));
            }
        }
        let node = |i: usize, j: usize| j * nx + i;
        let n_h = (nx - 1) * ny;
        let n_v = nx * (ny - 1);
        let h_id = |i: usize, j: usize| j * (nx - 1) + i;
        let v_id = |i: usize, j: usize| n_h + j * nx + i;
        let d_id = |i: usize, j: usize| n_h + n_v + j * (nx - 1) + i;
        let n_cells = (nx - 1) * (ny - 1);
        let mut edges: Vec<Option<Edge>> = Vec::new();
        edges.resize_with(n_h + n_v + n_cells, || None);

        // Diagonal avenues: 1 = from node (i,j) to (i+1,j+1), 2 = from (i+1,j) to (i,j+1).
        let mut crng = Rng::keyed(&[seed, TAG_CHAINS]);
        let mut diag = vec![0u8; n_cells];
        let mut chain_edges: Vec<(StreetClass, Vec<usize>)> = Vec::new();
        for _ in 0..14 {
            let mut i = crng.int(nx * 15 / 100, nx * 85 / 100) as isize;
            let j0 = crng.int(ny * 15 / 100, ny * 85 / 100) as isize;
            let ne = crng.chance(0.5);
            let length = (crng.range(10.0, 40.0) / lf).round() as isize;
            let mut list = Vec::new();
            for j in j0..j0 + length {
                if i < 0 || j < 0 || i >= nx as isize - 1 || j >= ny as isize - 1 {
                    break;
                }
                let cell = j as usize * (nx - 1) + i as usize;
                if diag[cell] != 0 {
                    break;
                }
                diag[cell] = if ne { 1 } else { 2 };
                list.push(d_id(i as usize, j as usize));
                edges[d_id(i as usize, j as usize)] = Some(if ne {
                    Edge {
                        a: node(i as usize, j as usize),
                        b: node(i as usize + 1, j as usize + 1),
                        chain: 0,
                        offset: 0.0,
                        length: 0.0,
                    }
                } else {
                    Edge {
                        a: node(i as usize + 1, j as usize),
                        b: node(i as usize, j as usize + 1),
                        chain: 0,
                        offset: 0.0,
                        length: 0.0,
                    }
                });
                i += if ne { 1 } else { -1 };
            }
            if !list.is_empty() {
                chain_edges.push((StreetClass::Avenue, list));
            }
        }
        let run = |rng: &mut Rng, major: bool| -> usize {
            let n = if major {
                rng.range(10.0, 30.0)
            } else if rng.chance(0.12) {
                rng.range(1.0, 2.99)
            } else {
                rng.range(3.0, 9.99)
            };
            ((n / lf).floor() as usize).max(1)
        };
        for j in 0..ny {
            let major = crng.chance(0.08);
            let mut i = 0;
            while i + 1 < nx {
                let end = (i + run(&mut crng, major)).min(nx - 1);
                let list: Vec<usize> = (i..end).map(|ii| h_id(ii, j)).collect();
                for ii in i..end {
                    edges[h_id(ii, j)] = Some(Edge {
                        a: node(ii, j),
                        b: node(ii + 1, j),
                        chain: 0,
                        offset: 0.0,
                        length: 0.0,
                    });
                }
                let class = street_class(major, list.len(), lf);
                chain_edges.push((class, list));
                i = end;
            }
        }
        for i in 0..nx {
            let major = crng.chance(0.08);
            let mut j = 0;
            while j + 1 < ny {
                let end = (j + run(&mut crng, major)).min(ny - 1);
                let list: Vec<usize> = (j..end).map(|jj| v_id(i, jj)).collect();
                for jj in j..end {
                    edges[v_id(i, jj)] = Some(Edge {
                        a: node(i, jj),
                        b: node(i, jj + 1),
                        chain: 0,
                        offset: 0.0,
                        length: 0.0,
                    });
                }
                let class = street_class(major, list.len(), lf);
                chain_edges.push((class, list));
                j = end;
            }
        }

        // Chains: offsets, municipalities, names, road types.
        let mut names = NameRegistry::new(super::region::MUNICIPALITIES.len());
        let mut nrng = Rng::keyed(&[seed, TAG_NAMES]);
        let mut chains = Vec::with_capacity(chain_edges.len());
        for (ci, (class, list)) in chain_edges.into_iter().enumerate() {
            let mut offset = 0.0;
            let mut munis: Vec<usize> = Vec::new();
            for &e in &list {
                if let Some(edge) = edges[e].as_mut() {
                    let (a, b) = (nodes[edge.a], nodes[edge.b]);
                    edge.chain = ci;
                    edge.offset = offset;
                    edge.length = dist(a, b);
                    offset += edge.length;
                    let d = b - a;
                    let l = len(d).max(1e-9);
                    let n = c(-d.y / l, d.x / l);
                    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
                        for off in [-40.0, 0.0, 40.0] {
                            if let Loc::In(m) = region.locate(lerp(a, b, t) + n * off) {
                                if !munis.contains(&m) {
                                    munis.push(m);
                                }
                            }
                        }
                    }
                }
            }
            munis.sort_unstable();
            let name = names.assign(class, &munis, &mut nrng);
            let (road_type, half_width) = road_type(class, name.street_type, &mut nrng);
            chains.push(Chain {
                edges: list,
                name,
                road_type,
                half_width: half_width * lf,
                munis,
            });
        }

        // Blocks.
        let mut brng = Rng::keyed(&[seed, TAG_BLOCK]);
        let phase = brng.range(0.0, tau);
        let mut blocks = Vec::new();
        for j in 0..ny - 1 {
            for i in 0..nx - 1 {
                let cell = j * (nx - 1) + i;
                let (n00, n10, n11, n01) = (
                    node(i, j),
                    node(i + 1, j),
                    node(i + 1, j + 1),
                    node(i, j + 1),
                );
                let (hb, vr, ht, vl, dd) = (
                    h_id(i, j),
                    v_id(i + 1, j),
                    h_id(i, j + 1),
                    v_id(i, j),
                    d_id(i, j),
                );
                let parts: Vec<Vec<(usize, usize)>> = match diag[cell] {
                    1 => vec![
                        vec![(n00, hb), (n10, vr), (n11, dd)],
                        vec![(n00, dd), (n11, ht), (n01, vl)],
                    ],
                    2 => vec![
                        vec![(n00, hb), (n10, dd), (n01, vl)],
                        vec![(n10, vr), (n11, ht), (n01, dd)],
                    ],
                    _ => vec![vec![(n00, hb), (n10, vr), (n11, ht), (n01, vl)]],
                };
                for (half, part) in parts.into_iter().enumerate() {
                    let id = (cell * 2 + half) as u64;
                    let noise = brng.range(-80.0, 80.0);
                    let corners: Vec<Coord> = part.iter().map(|&(n, _)| nodes[n]).collect();
                    let sides: Vec<(usize, bool)> = part
                        .iter()
                        .map(|&(from, e)| (e, edges[e].as_ref().is_some_and(|edge| edge.a == from)))
                        .collect();
                    if !is_convex_ccw(&corners) || signed_area(&corners) < 400.0 * lf * lf {
                        continue;
                    }
                    let ctr = centroid(&corners);
                    let fx = (ctr.x - FOREST.0) / FOREST.2;
                    let fy = (ctr.y - FOREST.1) / FOREST.3;
                    if fx * fx + fy * fy < 1.0 {
                        continue;
                    }
                    if !corners.iter().all(|&p| region.place(p).is_some()) {
                        continue;
                    }
                    let Some((_, muni, cell_r)) = region.place(ctr) else {
                        continue;
                    };
                    let d = dist(ctr, CENTRE);
                    let angle = (ctr.y - CENTRE.y).atan2(ctr.x - CENTRE.x);
                    let key = d * (1.0 + 0.18 * (3.0 * angle + phase).sin()) + noise;
                    let park = dist(ctr, c(CAMBRE.0, CAMBRE.1)) < CAMBRE.2;
                    blocks.push(Block {
                        id,
                        corners,
                        sides,
                        centroid: ctr,
                        muni,
                        cell: cell_r,
                        key,
                        park,
                    });
                }
            }
        }
        City {
            nodes,
            edges,
            chains,
            blocks,
        }
    }

    /// Half the width of the street along block side `k`.
    fn half_width(&self, block: &Block, k: usize) -> f64 {
        let e = block.sides[k].0;
        self.edges[e]
            .as_ref()
            .and_then(|edge| self.chains.get(edge.chain))
            .map_or(5.0, |ch| ch.half_width)
    }

    /// Distance along its street of the projection of `p` on street edge `e`, and the chain.
    pub(crate) fn position_on_street(&self, e: usize, p: Coord) -> Option<(usize, f64)> {
        let edge = self.edges[e].as_ref()?;
        let (a, b) = (self.nodes[edge.a], self.nodes[edge.b]);
        let d = b - a;
        let l = len(d).max(1e-9);
        let t = (dot(p - a, d) / (l * l)).clamp(0.0, 1.0);
        Some((edge.chain, edge.offset + t * edge.length))
    }

    /// Cut a block into parcels (deterministic per block).
    pub(crate) fn parcels(&self, block: &Block, seed: u64, lf: f64) -> Vec<ParcelGeom> {
        let mut rng = Rng::keyed(&[seed, TAG_BLOCK, block.id]);
        let n = block.corners.len();
        let hw: Vec<f64> = (0..n).map(|k| self.half_width(block, k)).collect();
        let Some(lot) = inset(&block.corners, &hw, 4.0 * lf, 0.1) else {
            return Vec::new();
        };
        let lot: Vec<Coord> = lot.into_iter().map(round_cm).collect();
        if signed_area(&lot) < 100.0 * lf * lf {
            return Vec::new();
        }
        let urban = urbanity(block.centroid);
        if block.park || rng.chance(mixf(0.25, 0.04, urban)) {
            return vec![ParcelGeom {
                ring: lot.clone(),
                kind: ParcelKind::Green { lot },
            }];
        }
        let whole = |lot: Vec<Coord>| {
            let k = (0..lot.len())
                .max_by(|&a, &b| {
                    dist(lot[a], lot[(a + 1) % lot.len()])
                        .total_cmp(&dist(lot[b], lot[(b + 1) % lot.len()]))
                })
                .unwrap_or(0);
            vec![ParcelGeom {
                ring: lot.clone(),
                kind: ParcelKind::Whole { side: k, lot },
            }]
        };
        let mut depth = mixf(36.0, 20.0, urban) * lf * rng.range(0.85, 1.2);
        let mut core = None;
        for _ in 0..5 {
            if depth < 8.0 * lf {
                break;
            }
            if let Some(q) = inset(&lot, &vec![depth; n], 2.0 * lf, 0.2) {
                core = Some(q);
                break;
            }
            depth *= 0.72;
        }
        let Some(core) = core else {
            return whole(lot);
        };
        let core: Vec<Coord> = core.into_iter().map(round_cm).collect();
        let frontage = mixf(11.5, 6.5, urban) * lf;
        let mut out = Vec::new();
        let mut core_ring = Vec::new();
        for k in 0..n {
            let (l0, l1) = (lot[k], lot[(k + 1) % n]);
            let (q0, q1) = (core[k], core[(k + 1) % n]);
            let a = dist(l0, l1);
            let dir = (l1 - l0) / a.max(1e-9);
            // The inner edge projects on [off0, off1] of the outer one (it is parallel to it):
            // split lines are perpendicular to the street there; the corner parcels take the
            // rest, with the corner bisector as a side.
            let off0 = dot(q0 - l0, dir);
            let off1 = dot(q1 - l0, dir);
            let count = ((a / frontage).round() as usize).max(1);
            let weights: Vec<f64> = (0..count).map(|_| rng.range(0.65, 1.4)).collect();
            let total: f64 = weights.iter().sum();
            let min_gap = 1.5 * lf;
            let corner_gap = min_gap.max(0.5 * frontage);
            let mut splits: Vec<f64> = Vec::with_capacity(count + 1);
            let mut acc = 0.0;
            for w in &weights[..count - 1] {
                acc += w / total;
                let s = acc * a;
                if s < off0 + corner_gap || s > off1 - corner_gap {
                    continue;
                }
                let prev = splits.last().copied().unwrap_or(off0);
                if s - prev >= min_gap {
                    splits.push(s);
                }
            }
            let mut outer = vec![l0];
            let mut inner = vec![q0];
            for &s in &splits {
                outer.push(round_cm(l0 + dir * s));
                inner.push(round_cm(q0 + dir * (s - off0)));
            }
            outer.push(l1);
            inner.push(q1);
            let parts = outer.len() - 1;
            core_ring.extend_from_slice(&inner[..parts]);
            for i in 0..parts {
                let quad = [outer[i], outer[i + 1], inner[i + 1], inner[i]];
                let Some(ring) = clean_ring(quad.to_vec()) else {
                    continue;
                };
                if ring.len() != 4 || signed_area(&ring) < 1.0 {
                    continue;
                }
                out.push(ParcelGeom {
                    ring,
                    kind: ParcelKind::Strip {
                        side: k,
                        quad,
                        outer_width: dist(outer[i], outer[i + 1]),
                        inner_width: dist(inner[i], inner[i + 1]),
                        depth,
                    },
                });
            }
        }
        if let Some(ring) = clean_ring(core_ring) {
            if signed_area(&ring) >= 1.0 {
                out.push(ParcelGeom {
                    ring,
                    kind: ParcelKind::Core { corners: core },
                });
            }
        }
        out
    }
}

fn road_type(class: StreetClass, t: StreetType, rng: &mut Rng) -> (&'static str, f64) {
    match (class, t) {
        (_, StreetType::Sentier) => ("footway", 2.5),
        (_, StreetType::Galerie) => ("pedestrian", 3.0),
        (StreetClass::Avenue, _) => (*rng.pick(&["primary", "primary", "secondary"]), 11.0),
        (StreetClass::Major, _) => (
            ["trunk", "primary", "secondary"][rng.weighted(&[0.08, 0.5, 0.42])],
            10.0,
        ),
        (StreetClass::Minor, _) => {
            let i = rng.weighted(&[0.8, 0.15, 0.05]);
            (
                ["residential", "tertiary", "living_street"][i],
                [6.0, 7.5, 5.0][i],
            )
        }
        (StreetClass::Short, _) => {
            let i = rng.weighted(&[0.6, 0.25, 0.15]);
            (
                ["residential", "pedestrian", "service"][i],
                [5.5, 5.0, 4.0][i],
            )
        }
    }
}

/// A parcel polygon (open ring, counter-clockwise) and how it was made.
pub(crate) struct ParcelGeom {
    pub ring: Vec<Coord>,
    pub kind: ParcelKind,
}

pub(crate) enum ParcelKind {
    /// Fronting block side `side`: quad `[street start, street end, back end, back start]`.
    Strip {
        side: usize,
        quad: [Coord; 4],
        outer_width: f64,
        inner_width: f64,
        depth: f64,
    },
    /// The enclosed core of the block (its convex corners).
    Core { corners: Vec<Coord> },
    /// The whole lot of a small block, fronting its longest side.
    Whole { side: usize, lot: Vec<Coord> },
    /// A park.
    Green { lot: Vec<Coord> },
}

/// A building footprint with its entrance(s) on the street façade.
pub(crate) struct BuildingGeom {
    pub exterior: Vec<Coord>,
    pub holes: Vec<Vec<Coord>>,
    pub kind: &'static str,
    /// Entrances (address points), 1 m inside the street façade; empty for annexes.
    pub doors: Vec<Coord>,
    /// Block side the entrances face.
    pub side: usize,
}

fn uv_map(quad: &[Coord; 4], u: f64, v: f64) -> Coord {
    let [a, b, cc, d] = *quad;
    lerp(lerp(a, b, u), lerp(d, cc, u), v)
}

fn uv_ring(quad: &[Coord; 4], pts: &[(f64, f64)]) -> Option<Vec<Coord>> {
    clean_ring(
        pts.iter()
            .map(|&(u, v)| round_cm(uv_map(quad, u, v)))
            .collect(),
    )
}

/// The buildings of one parcel (deterministic per block and parcel).
pub(crate) fn buildings(
    parcel: &ParcelGeom,
    block: &Block,
    index: usize,
    seed: u64,
    lf: f64,
) -> Vec<BuildingGeom> {
    let mut rng = Rng::keyed(&[seed, TAG_BUILD, block.id, index as u64]);
    let urban = urbanity(block.centroid);
    let mut out = Vec::new();
    match &parcel.kind {
        ParcelKind::Strip {
            side,
            quad,
            outer_width,
            inner_width,
            depth,
        } => {
            let (wmin, wmax, depth) = (
                outer_width.min(*inner_width),
                outer_width.max(*inner_width),
                *depth,
            );
            if *inner_width < lf
                || *outer_width < 2.5 * lf
                || depth < 6.0 * lf
                || rng.chance(mixf(0.1, 0.03, urban))
            {
                return out;
            }
            let margin = 0.2;
            let (mu, mv) = (margin / wmin, margin / depth);
            let terraced = rng.chance(mixf(0.15, 0.97, urban));
            let (mut u0, mut u1, mut v0) = (mu, 1.0 - mu, mv);
            if !terraced {
                let gap = rng.range(2.5, 5.0) * lf;
                if wmin - 2.0 * gap >= 6.0 * lf {
                    u0 = gap / wmin;
                    u1 = 1.0 - u0;
                    // A house, not a slab: at most 9–16 m wide, somewhere along the frontage.
                    let width = rng.range(9.0, 16.0) * lf / wmax;
                    if u1 - u0 > width {
                        let start = u0 + (u1 - u0 - width) * rng.range(0.2, 0.8);
                        u0 = start;
                        u1 = start + width;
                    }
                }
                let setback = rng.range(3.0, 8.0) * lf / depth;
                if setback + (9.0 * lf + margin) / depth < 1.0 {
                    v0 = setback.max(mv);
                }
            }
            let body = rng.range(
                if terraced { 9.0 } else { 8.0 },
                if terraced { 16.0 } else { 13.0 },
            ) * lf;
            let v1 = (v0 + body / depth).min(1.0 - mv);
            if (v1 - v0) * depth < 4.0 * lf {
                return out;
            }
            let apartments =
                rng.chance(mixf(0.005, 0.05, urban) * if terraced { 1.0 } else { 0.4 });
            let kind = if apartments {
                "apartments"
            } else {
                ["house", "house", "house", "yes", "retail", "office"]
                    [rng.weighted(&[0.6, 0.1, 0.05, 0.15, 0.07 * urban, 0.03 * urban])]
            };
            let court = 5.0 * lf;
            let mut holes = Vec::new();
            let mut back = v1;
            let mut annex = None;
            let exterior;
            if *outer_width >= 16.0 * lf && (v1 - v0) * depth >= 14.0 * lf && rng.chance(0.35) {
                exterior = uv_ring(quad, &[(u0, v0), (u1, v0), (u1, v1), (u0, v1)]);
                let (hu0, hu1) = (u0 + court / wmin, u1 - court / wmin);
                let (hv0, hv1) = (v0 + court / depth, v1 - court / depth);
                if hu1 > hu0 && hv1 > hv0 {
                    if let Some(h) =
                        uv_ring(quad, &[(hu0, hv0), (hu0, hv1), (hu1, hv1), (hu1, hv0)])
                    {
                        holes.push(h);
                    }
                }
            } else if v1 + 4.0 * lf / depth < 1.0 - mv && rng.chance(0.35) {
                let v2 = (v1 + rng.range(4.0, 8.0) * lf / depth).min(1.0 - mv);
                let ua = u0 + (u1 - u0) * rng.range(0.4, 0.65);
                back = v2;
                exterior = if rng.chance(0.5) {
                    // A rear extension mapped as a building of its own.
                    if let Some(ring) = uv_ring(
                        quad,
                        &[(u0, v1 + 2.0 * mv), (ua, v1 + 2.0 * mv), (ua, v2), (u0, v2)],
                    ) {
                        annex = Some(ring);
                    }
                    uv_ring(quad, &[(u0, v0), (u1, v0), (u1, v1), (u0, v1)])
                } else if rng.chance(0.5) {
                    uv_ring(
                        quad,
                        &[(u0, v0), (u1, v0), (u1, v1), (ua, v1), (ua, v2), (u0, v2)],
                    )
                } else {
                    uv_ring(
                        quad,
                        &[(u0, v0), (u1, v0), (u1, v2), (ua, v2), (ua, v1), (u0, v1)],
                    )
                };
            } else {
                exterior = uv_ring(quad, &[(u0, v0), (u1, v0), (u1, v1), (u0, v1)]);
            }
            let Some(exterior) = exterior else {
                return out;
            };
            let door_v = v0 + lf / depth;
            let doors = if wmax >= 12.0 * lf {
                vec![
                    round_cm(uv_map(quad, u0 + 0.3 * (u1 - u0), door_v)),
                    round_cm(uv_map(quad, u0 + 0.7 * (u1 - u0), door_v)),
                ]
            } else {
                vec![round_cm(uv_map(quad, 0.5 * (u0 + u1), door_v))]
            };
            out.push(BuildingGeom {
                exterior,
                holes,
                kind,
                doors,
                side: *side,
            });
            if let Some(ring) = annex {
                out.push(BuildingGeom {
                    exterior: ring,
                    holes: Vec::new(),
                    kind: "yes",
                    doors: Vec::new(),
                    side: *side,
                });
            }
            // A shed or garage at the back of the garden.
            let sd = rng.range(2.5, 4.0) * lf / depth;
            if rng.chance(mixf(0.4, 0.25, urban)) && 1.0 - mv - sd > back + 2.0 * lf / depth {
                let sw = (rng.range(2.5, 5.0) * lf / wmin).min(u1 - u0);
                let us = u0 + (u1 - u0 - sw) * rng.f64();
                if let Some(ring) = uv_ring(
                    quad,
                    &[
                        (us, 1.0 - mv - sd),
                        (us + sw, 1.0 - mv - sd),
                        (us + sw, 1.0 - mv),
                        (us, 1.0 - mv),
                    ],
                ) {
                    let kind = if rng.chance(0.5) { "shed" } else { "garage" };
                    out.push(BuildingGeom {
                        exterior: ring,
                        holes: Vec::new(),
                        kind,
                        doors: Vec::new(),
                        side: *side,
                    });
                }
            }
        }
        ParcelKind::Core { corners } => {
            if !rng.chance(0.6) {
                return out;
            }
            let g = rng.range(2.0, 5.0) * lf;
            let n = corners.len();
            let Some(outer) = inset(corners, &vec![g; n], 3.0 * lf, 0.05) else {
                return out;
            };
            let outer: Vec<Coord> = outer.into_iter().map(round_cm).collect();
            let mut holes = Vec::new();
            let min_side = (0..n)
                .map(|k| dist(outer[k], outer[(k + 1) % n]))
                .fold(f64::INFINITY, f64::min);
            if min_side > 30.0 * lf && rng.chance(0.4) {
                if let Some(mut h) = inset(&outer, &vec![9.0 * lf; n], 4.0 * lf, 0.1) {
                    h.reverse();
                    holes.push(h.into_iter().map(round_cm).collect());
                }
            }
            let kind = [
                "industrial",
                "commercial",
                "school",
                "yes",
                "office",
                "warehouse",
            ][rng.below(6)];
            if let Some(exterior) = clean_ring(outer) {
                out.push(BuildingGeom {
                    exterior,
                    holes,
                    kind,
                    doors: Vec::new(),
                    side: 0,
                });
            }
        }
        ParcelKind::Whole { side, lot } => {
            let g = rng.range(3.0, 8.0) * lf;
            let n = lot.len();
            let Some(b) = inset(lot, &vec![g; n], 3.0 * lf, 0.05) else {
                return out;
            };
            let Some(exterior) = clean_ring(b.into_iter().map(round_cm).collect()) else {
                return out;
            };
            let (p, q) = (lot[*side], lot[(*side + 1) % n]);
            let d = q - p;
            let l = len(d).max(1e-9);
            let door = round_cm(lerp(p, q, 0.5) + c(-d.y / l, d.x / l) * (g + lf));
            let poly = polygon(exterior.clone(), Vec::new());
            let doors = if poly.contains(&door) {
                vec![door]
            } else {
                Vec::new()
            };
            let kind = [
                "public",
                "school",
                "church",
                "office",
                "apartments",
                "house",
            ][rng.weighted(&[0.2, 0.2, 0.1, 0.2, 0.15, 0.15])];
            out.push(BuildingGeom {
                exterior,
                holes: Vec::new(),
                kind,
                doors,
                side: *side,
            });
        }
        ParcelKind::Green { lot } => {
            if rng.chance(0.12) {
                let ctr = centroid(lot);
                let (w, h) = (rng.range(6.0, 14.0) * lf, rng.range(5.0, 10.0) * lf);
                let ring = vec![
                    round_cm(c(ctr.x - w, ctr.y - h)),
                    round_cm(c(ctr.x + w, ctr.y - h)),
                    round_cm(c(ctr.x + w, ctr.y + h)),
                    round_cm(c(ctr.x - w, ctr.y + h)),
                ];
                let lot_poly = polygon(lot.clone(), Vec::new());
                if ring.iter().all(|p| lot_poly.contains(p)) {
                    out.push(BuildingGeom {
                        exterior: ring,
                        holes: Vec::new(),
                        kind: "public",
                        doors: Vec::new(),
                        side: 0,
                    });
                }
            }
        }
    }
    out
}
