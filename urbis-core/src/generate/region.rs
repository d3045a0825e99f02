//! The Region and its 19 municipalities.
//!
//! The Region is a coarse grid of 250 m cells whose centres fall inside a hand-drawn outline of
//! the Brussels-Capital Region (in Lambert 72). Each cell goes to the municipality with the
//! nearest seed in a *power diagram*: every municipality has one or more seeds at approximate
//! real positions, and a weight tuned so that the areas come out in the real proportions. Small
//! stray fragments are merged into their neighbours and "pinches" (two cells of a municipality
//! touching only at a corner) are removed, so that the boundaries traced along the cell edges
//! give valid polygons. The grid vertices and a mid-point on each cell edge are jittered (per
//! seed) so that borders are not staircases; neighbouring municipalities share the very same
//! vertices, hence the partition has neither gaps nor overlaps.
//!
//! Point location ([`Region::locate`]) tests the few cells around a point with the same
//! (exact) predicate as `geo`'s `Contains`, which makes "the address lies inside the polygon of
//! its municipality" hold exactly.

use geo::{Contains, Coord, MultiPolygon, Polygon};

use super::plane::{c, polygon, ring_contains, round_cm, signed_area};
use super::rng::Rng;

/// Grid origin and cell size (metres, EPSG:31370).
pub(crate) const X0: f64 = 140_500.0;
pub(crate) const Y0: f64 = 160_750.0;
pub(crate) const CELL: f64 = 250.0;
pub(crate) const NX: usize = 72;
pub(crate) const NY: usize = 72;
/// Label of the cells outside the Region.
pub(crate) const OUT: u8 = u8::MAX;

/// The Grand-Place, centre of the built-up area at small scales.
pub(crate) const CENTRE: Coord = Coord {
    x: 149_000.0,
    y: 170_500.0,
};

/// A municipality: NIS code, names, real area (km²), seeds of its power-diagram cell,
/// number of cadastral divisions.
pub(crate) struct MunInfo {
    pub nis: u32,
    pub fr: &'static str,
    pub nl: &'static str,
    pub area_km2: f64,
    pub seeds: &'static [(f64, f64)],
    pub divisions: usize,
}

pub(crate) static MUNICIPALITIES: [MunInfo; 19] = [
    MunInfo {
        nis: 21001,
        fr: "Anderlecht",
        nl: "Anderlecht",
        area_km2: 17.74,
        seeds: &[
            (145_600.0, 169_300.0),
            (143_000.0, 167_300.0),
            (142_400.0, 169_200.0),
        ],
        divisions: 4,
    },
    MunInfo {
        nis: 21002,
        fr: "Auderghem",
        nl: "Oudergem",
        area_km2: 9.03,
        seeds: &[(154_200.0, 167_300.0), (155_600.0, 165_300.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21003,
        fr: "Berchem-Sainte-Agathe",
        nl: "Sint-Agatha-Berchem",
        area_km2: 2.95,
        seeds: &[(144_200.0, 172_400.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21004,
        fr: "Bruxelles",
        nl: "Brussel",
        area_km2: 32.61,
        seeds: &[
            (148_900.0, 170_600.0),
            (148_450.0, 172_800.0),
            (148_800.0, 174_700.0),
            (151_000.0, 176_600.0),
            (153_400.0, 175_400.0),
            (150_400.0, 166_400.0),
        ],
        divisions: 8,
    },
    MunInfo {
        nis: 21005,
        fr: "Etterbeek",
        nl: "Etterbeek",
        area_km2: 3.15,
        seeds: &[(151_500.0, 169_500.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21006,
        fr: "Evere",
        nl: "Evere",
        area_km2: 5.02,
        seeds: &[(152_700.0, 173_300.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21007,
        fr: "Forest",
        nl: "Vorst",
        area_km2: 6.25,
        seeds: &[(146_600.0, 166_900.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21008,
        fr: "Ganshoren",
        nl: "Ganshoren",
        area_km2: 2.46,
        seeds: &[(145_500.0, 173_800.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21009,
        fr: "Ixelles",
        nl: "Elsene",
        area_km2: 6.34,
        seeds: &[(150_000.0, 168_600.0), (151_700.0, 167_500.0)],
        divisions: 2,
    },
    MunInfo {
        nis: 21010,
        fr: "Jette",
        nl: "Jette",
        area_km2: 5.04,
        seeds: &[(146_800.0, 174_300.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21011,
        fr: "Koekelberg",
        nl: "Koekelberg",
        area_km2: 1.17,
        seeds: &[(147_100.0, 172_500.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21012,
        fr: "Molenbeek-Saint-Jean",
        nl: "Sint-Jans-Molenbeek",
        area_km2: 5.89,
        seeds: &[(147_000.0, 171_300.0), (145_300.0, 171_000.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21013,
        fr: "Saint-Gilles",
        nl: "Sint-Gillis",
        area_km2: 2.52,
        seeds: &[(148_300.0, 168_700.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21014,
        fr: "Saint-Josse-ten-Noode",
        nl: "Sint-Joost-ten-Node",
        area_km2: 1.14,
        seeds: &[(150_300.0, 171_400.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21015,
        fr: "Schaerbeek",
        nl: "Schaarbeek",
        area_km2: 7.90,
        seeds: &[(150_700.0, 173_000.0), (151_900.0, 171_900.0)],
        divisions: 2,
    },
    MunInfo {
        nis: 21016,
        fr: "Uccle",
        nl: "Ukkel",
        area_km2: 22.91,
        seeds: &[
            (147_800.0, 165_600.0),
            (149_600.0, 163_500.0),
            (146_400.0, 164_600.0),
        ],
        divisions: 3,
    },
    MunInfo {
        nis: 21017,
        fr: "Watermael-Boitsfort",
        nl: "Watermaal-Bosvoorde",
        area_km2: 12.93,
        seeds: &[(153_000.0, 165_300.0), (153_900.0, 162_700.0)],
        divisions: 2,
    },
    MunInfo {
        nis: 21018,
        fr: "Woluwe-Saint-Lambert",
        nl: "Sint-Lambrechts-Woluwe",
        area_km2: 7.22,
        seeds: &[(154_300.0, 170_500.0), (155_000.0, 171_500.0)],
        divisions: 1,
    },
    MunInfo {
        nis: 21019,
        fr: "Woluwe-Saint-Pierre",
        nl: "Sint-Pieters-Woluwe",
        area_km2: 8.85,
        seeds: &[(155_800.0, 168_800.0), (157_100.0, 169_500.0)],
        divisions: 1,
    },
];

/// A rough outline of the Brussels-Capital Region in Lambert 72 (bbox 141192,161464 –
/// 158004,178176).
const OUTLINE: [(f64, f64); 27] = [
    (151_500.0, 178_176.0),
    (152_700.0, 177_200.0),
    (153_500.0, 175_700.0),
    (155_000.0, 174_900.0),
    (154_300.0, 173_500.0),
    (156_000.0, 172_000.0),
    (158_004.0, 170_600.0),
    (157_200.0, 168_500.0),
    (156_700.0, 166_800.0),
    (156_600.0, 165_200.0),
    (155_500.0, 163_600.0),
    (154_300.0, 161_464.0),
    (152_600.0, 161_900.0),
    (151_000.0, 162_400.0),
    (149_500.0, 162_900.0),
    (147_500.0, 163_900.0),
    (145_700.0, 165_800.0),
    (143_500.0, 166_000.0),
    (141_192.0, 167_200.0),
    (142_300.0, 169_500.0),
    (143_400.0, 170_900.0),
    (144_300.0, 173_000.0),
    (145_400.0, 174_700.0),
    (146_800.0, 175_000.0),
    (147_600.0, 175_400.0),
    (148_500.0, 176_500.0),
    (150_000.0, 177_400.0),
];

/// Where a point lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loc {
    /// Strictly inside a cell of this municipality (index into [`MUNICIPALITIES`]).
    In(usize),
    /// Strictly inside a cell outside the Region (or off the grid).
    Out,
    /// On a cell boundary.
    Edge,
}

pub(crate) struct Region {
    labels: Vec<u8>,
    cells: Vec<Polygon>,
    /// Cadastral division index (within the municipality) and section index of each cell.
    divisions: Vec<u8>,
    sections: Vec<u8>,
    /// One multipolygon per municipality, in [`MUNICIPALITIES`] order.
    pub polygons: Vec<MultiPolygon>,
}

fn vid(i: usize, j: usize) -> usize {
    j * (NX + 1) + i
}

fn cell_centre(i: usize, j: usize) -> Coord {
    c(X0 + (i as f64 + 0.5) * CELL, Y0 + (j as f64 + 0.5) * CELL)
}

/// Cell labels (municipality index or [`OUT`]); independent of the seed.
fn assign_labels() -> Vec<u8> {
    let outline: Vec<Coord> = OUTLINE.iter().map(|&(x, y)| c(x, y)).collect();
    let mut inside = vec![false; NX * NY];
    for j in 1..NY - 1 {
        for i in 1..NX - 1 {
            inside[j * NX + i] = ring_contains(&outline, cell_centre(i, j));
        }
    }
    let n_in = inside.iter().filter(|b| **b).count() as f64;
    let total_real: f64 = MUNICIPALITIES.iter().map(|m| m.area_km2).sum();
    let target: Vec<f64> = MUNICIPALITIES
        .iter()
        .map(|m| m.area_km2 / total_real * n_in)
        .collect();
    let mut weights = vec![0.0f64; MUNICIPALITIES.len()];
    let mut labels = vec![OUT; NX * NY];
    for _ in 0..120 {
        let mut counts = vec![0.0f64; MUNICIPALITIES.len()];
        for j in 0..NY {
            for i in 0..NX {
                let k = j * NX + i;
                if !inside[k] {
                    continue;
                }
                let p = cell_centre(i, j);
                let mut best = (f64::INFINITY, 0usize);
                for (m, info) in MUNICIPALITIES.iter().enumerate() {
                    for &(sx, sy) in info.seeds {
                        let d = (p.x - sx).powi(2) + (p.y - sy).powi(2) - weights[m];
                        if d < best.0 {
                            best = (d, m);
                        }
                    }
                }
                labels[k] = best.1 as u8;
            }
        }
        paint_louise(&mut labels, &inside);
        for (k, &l) in labels.iter().enumerate() {
            if inside[k] {
                counts[l as usize] += 1.0;
            }
        }
        let mut worst = 0.0f64;
        for m in 0..MUNICIPALITIES.len() {
            let err = target[m] - counts[m];
            worst = worst.max((err / target[m]).abs());
            weights[m] += 0.5 * err * CELL * CELL
                / (std::f64::consts::PI * MUNICIPALITIES[m].seeds.len() as f64);
        }
        if worst < 0.02 {
            break;
        }
    }
    for _ in 0..50 {
        let a = merge_fragments(&mut labels);
        let b = remove_pinches(&mut labels);
        if !a && !b {
            break;
        }
    }
    labels
}

/// The City of Brussels reaches the Bois de la Cambre through a narrow strip along the Avenue
/// Louise, which splits Ixelles in two: paint it (one cell wide) from the Porte Louise.
fn paint_louise(labels: &mut [u8], inside: &[bool]) {
    let Some(bxl) = MUNICIPALITIES.iter().position(|m| m.nis == 21004) else {
        return;
    };
    let (a, b) = (c(149_250.0, 169_550.0), c(150_350.0, 167_100.0));
    for t in 0..=40 {
        let p = a + (b - a) * (t as f64 / 40.0);
        let i = ((p.x - X0) / CELL).floor() as usize;
        let j = ((p.y - Y0) / CELL).floor() as usize;
        let k = j * NX + i;
        if inside[k] {
            labels[k] = bxl as u8;
        }
    }
}

/// Merge every connected component of a label but the largest and those of 1 km² or more (for
/// [`OUT`]: every component not touching the grid border) into the neighbouring label it
/// borders most.
fn merge_fragments(labels: &mut [u8]) -> bool {
    let mut comp = vec![usize::MAX; NX * NY];
    let mut comps: Vec<(u8, Vec<usize>)> = Vec::new();
    for start in 0..NX * NY {
        if comp[start] != usize::MAX {
            continue;
        }
        let l = labels[start];
        let id = comps.len();
        let mut cells = vec![start];
        comp[start] = id;
        let mut k = 0;
        while k < cells.len() {
            let cur = cells[k];
            k += 1;
            let (i, j) = (cur % NX, cur / NX);
            let mut nb = Vec::with_capacity(4);
            if i > 0 {
                nb.push(cur - 1);
            }
            if i + 1 < NX {
                nb.push(cur + 1);
            }
            if j > 0 {
                nb.push(cur - NX);
            }
            if j + 1 < NY {
                nb.push(cur + NX);
            }
            for n in nb {
                if comp[n] == usize::MAX && labels[n] == l {
                    comp[n] = id;
                    cells.push(n);
                }
            }
        }
        comps.push((l, cells));
    }
    let mut changed = false;
    for (idx, (l, cells)) in comps.iter().enumerate() {
        let keep = if *l == OUT {
            cells
                .iter()
                .any(|&k| k % NX == 0 || k % NX == NX - 1 || k / NX == 0 || k / NX == NY - 1)
        } else {
            let largest = comps
                .iter()
                .enumerate()
                .filter(|(_, (l2, _))| l2 == l)
                .max_by_key(|(i2, (_, c2))| (c2.len(), usize::MAX - i2))
                .map(|(i2, _)| i2);
            largest == Some(idx) || cells.len() >= 16
        };
        if keep {
            continue;
        }
        let mut border = [0usize; 256];
        for &k in cells {
            let (i, j) = (k % NX, k / NX);
            for (di, dj) in [(-1isize, 0isize), (1, 0), (0, -1), (0, 1)] {
                let (ni, nj) = (i as isize + di, j as isize + dj);
                if ni < 0 || nj < 0 || ni >= NX as isize || nj >= NY as isize {
                    continue;
                }
                let n = nj as usize * NX + ni as usize;
                if labels[n] != *l {
                    border[labels[n] as usize] += 1;
                }
            }
        }
        // Prefer a municipality over the outside.
        let mut best: Option<(usize, usize)> = None;
        for (lab, &count) in border.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let score = if lab == OUT as usize {
                count
            } else {
                count + 1_000_000
            };
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, lab));
            }
        }
        if let Some((_, lab)) = best {
            for &k in cells {
                labels[k] = lab as u8;
            }
            changed = true;
        }
    }
    changed
}

/// Remove corner-only contacts (which would make rings touch themselves).
fn remove_pinches(labels: &mut [u8]) -> bool {
    let mut changed = false;
    for j in 1..NY {
        for i in 1..NX {
            let a = (j - 1) * NX + (i - 1);
            let b = (j - 1) * NX + i;
            let cc = j * NX + (i - 1);
            let d = j * NX + i;
            if labels[a] == labels[d] && labels[b] != labels[a] && labels[cc] != labels[a] {
                labels[b] = labels[a];
                changed = true;
            } else if labels[b] == labels[cc] && labels[a] != labels[b] && labels[d] != labels[b] {
                labels[a] = labels[b];
                changed = true;
            }
        }
    }
    changed
}

impl Region {
    pub(crate) fn new(seed: u64) -> Region {
        let labels = assign_labels();
        let mut rng = Rng::keyed(&[seed, 0x5245_4749_4f4e]);
        let j = CELL * 0.2;
        let mut verts = Vec::with_capacity((NX + 1) * (NY + 1));
        for jj in 0..=NY {
            for ii in 0..=NX {
                let p = c(X0 + ii as f64 * CELL, Y0 + jj as f64 * CELL);
                verts.push(round_cm(c(p.x + rng.range(-j, j), p.y + rng.range(-j, j))));
            }
        }
        let m = CELL * 0.1;
        // Mid-points of horizontal edges (i,j)-(i+1,j), then of vertical edges (i,j)-(i,j+1).
        let mut hmid = Vec::with_capacity(NX * (NY + 1));
        for jj in 0..=NY {
            for ii in 0..NX {
                let (a, b) = (verts[vid(ii, jj)], verts[vid(ii + 1, jj)]);
                let mid = (a + b) * 0.5;
                hmid.push(round_cm(c(
                    mid.x + rng.range(-m, m) * 0.5,
                    mid.y + rng.range(-m, m),
                )));
            }
        }
        let mut vmid = Vec::with_capacity((NX + 1) * NY);
        for jj in 0..NY {
            for ii in 0..=NX {
                let (a, b) = (verts[vid(ii, jj)], verts[vid(ii, jj + 1)]);
                let mid = (a + b) * 0.5;
                vmid.push(round_cm(c(
                    mid.x + rng.range(-m, m),
                    mid.y + rng.range(-m, m) * 0.5,
                )));
            }
        }
        let h = |i: usize, j: usize| hmid[j * NX + i];
        let v = |i: usize, j: usize| vmid[j * (NX + 1) + i];
        let mut cells = Vec::with_capacity(NX * NY);
        for jj in 0..NY {
            for ii in 0..NX {
                cells.push(polygon(
                    vec![
                        verts[vid(ii, jj)],
                        h(ii, jj),
                        verts[vid(ii + 1, jj)],
                        v(ii + 1, jj),
                        verts[vid(ii + 1, jj + 1)],
                        h(ii, jj + 1),
                        verts[vid(ii, jj + 1)],
                        v(ii, jj),
                    ],
                    vec![],
                ));
            }
        }
        let polygons = (0..MUNICIPALITIES.len())
            .map(|m| trace(&labels, m as u8, &verts, &h, &v))
            .collect();
        let (divisions, sections) = cadastral_divisions(&labels, seed);
        Region {
            labels,
            cells,
            divisions,
            sections,
            polygons,
        }
    }

    /// Locate a point (exactly, consistently with `geo`'s `Contains` on the municipality polygons).
    pub(crate) fn locate(&self, p: Coord) -> Loc {
        self.locate_cell(p).map_or(Loc::Edge, |k| match k {
            None => Loc::Out,
            Some(k) if self.labels[k] == OUT => Loc::Out,
            Some(k) => Loc::In(self.labels[k] as usize),
        })
    }

    /// `Some(Some(cell))` strictly inside a cell, `Some(None)` off the grid, `None` on an edge.
    fn locate_cell(&self, p: Coord) -> Option<Option<usize>> {
        let fi = ((p.x - X0) / CELL).floor();
        let fj = ((p.y - Y0) / CELL).floor();
        if !(fi >= 1.0 && fj >= 1.0 && fi < (NX - 1) as f64 && fj < (NY - 1) as f64) {
            return Some(None);
        }
        let (i0, j0) = (fi as usize, fj as usize);
        const ORDER: [(isize, isize); 9] = [
            (0, 0),
            (-1, 0),
            (1, 0),
            (0, -1),
            (0, 1),
            (-1, -1),
            (1, -1),
            (-1, 1),
            (1, 1),
        ];
        for (di, dj) in ORDER {
            let k = (j0 as isize + dj) as usize * NX + (i0 as isize + di) as usize;
            if self.cells[k].contains(&p) {
                return Some(Some(k));
            }
        }
        None
    }

    /// Locate a point, moving it by a centimetre when it falls on a cell boundary. Returns the
    /// (possibly moved) point, its municipality and its cell, or `None` outside the Region.
    pub(crate) fn place(&self, p: Coord) -> Option<(Coord, usize, usize)> {
        for (dx, dy) in [
            (0.0, 0.0),
            (0.01, 0.0),
            (0.0, 0.01),
            (-0.01, 0.0),
            (0.0, -0.01),
            (0.01, 0.01),
        ] {
            let q = round_cm(c(p.x + dx, p.y + dy));
            match self.locate_cell(q) {
                Some(Some(k)) if self.labels[k] != OUT => {
                    return Some((q, self.labels[k] as usize, k))
                }
                Some(_) => return None,
                None => continue,
            }
        }
        None
    }

    /// Cadastral division code (5 digits, `21802`) and section letter of a cell.
    pub(crate) fn cadastre(&self, cell: usize) -> (u32, char) {
        let m = self.labels[cell] as u32;
        let code = 21_000 + 800 + m * 10 + self.divisions[cell] as u32 + 1;
        (code, (b'A' + self.sections[cell]) as char)
    }
}

/// Trace the boundary of the cells labelled `label` into a multipolygon (counter-clockwise
/// exteriors, clockwise holes).
fn trace(
    labels: &[u8],
    label: u8,
    verts: &[Coord],
    h: &dyn Fn(usize, usize) -> Coord,
    v: &dyn Fn(usize, usize) -> Coord,
) -> MultiPolygon {
    let lab = |i: isize, j: isize| -> u8 {
        if i < 0 || j < 0 || i >= NX as isize || j >= NY as isize {
            OUT
        } else {
            labels[j as usize * NX + i as usize]
        }
    };
    let mut next: Vec<Option<(usize, Coord)>> = vec![None; verts.len()];
    for j in 0..NY {
        for i in 0..NX {
            if labels[j * NX + i] != label {
                continue;
            }
            let (ii, jj) = (i as isize, j as isize);
            if lab(ii, jj - 1) != label {
                next[vid(i, j)] = Some((vid(i + 1, j), h(i, j)));
            }
            if lab(ii + 1, jj) != label {
                next[vid(i + 1, j)] = Some((vid(i + 1, j + 1), v(i + 1, j)));
            }
            if lab(ii, jj + 1) != label {
                next[vid(i + 1, j + 1)] = Some((vid(i, j + 1), h(i, j + 1)));
            }
            if lab(ii - 1, jj) != label {
                next[vid(i, j + 1)] = Some((vid(i, j), v(i, j)));
            }
        }
    }
    let mut exteriors: Vec<Vec<Coord>> = Vec::new();
    let mut holes: Vec<Vec<Coord>> = Vec::new();
    for start in 0..verts.len() {
        if next[start].is_none() {
            continue;
        }
        let mut ring = Vec::new();
        let mut cur = start;
        while let Some((to, mid)) = next[cur].take() {
            ring.push(verts[cur]);
            ring.push(mid);
            cur = to;
        }
        if signed_area(&ring) > 0.0 {
            exteriors.push(ring);
        } else {
            holes.push(ring);
        }
    }
    let mut polys: Vec<(Vec<Coord>, Vec<Vec<Coord>>)> =
        exteriors.into_iter().map(|e| (e, Vec::new())).collect();
    for hole in holes {
        // A hole's vertex is strictly inside exactly one exterior (there are no pinches).
        let Some(&p) = hole.first() else {
            continue;
        };
        let owner = polys
            .iter()
            .position(|(e, _)| ring_contains(e, p))
            .unwrap_or(0);
        if let Some(entry) = polys.get_mut(owner) {
            entry.1.push(hole);
        }
    }
    MultiPolygon::new(polys.into_iter().map(|(e, hs)| polygon(e, hs)).collect())
}

/// Divide each municipality into its cadastral divisions (nearest of a few seed cells) and
/// the divisions into lettered sections (blocks of about 1.5 km).
fn cadastral_divisions(labels: &[u8], seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut divisions = vec![0u8; labels.len()];
    let mut sections = vec![0u8; labels.len()];
    for (m, info) in MUNICIPALITIES.iter().enumerate() {
        let cells: Vec<usize> = (0..labels.len())
            .filter(|&k| labels[k] == m as u8)
            .collect();
        if cells.is_empty() {
            continue;
        }
        let mut rng = Rng::keyed(&[seed, 0x4341_4441, m as u64]);
        let seeds: Vec<Coord> = (0..info.divisions)
            .map(|_| {
                let k = cells[rng.below(cells.len())];
                cell_centre(k % NX, k / NX)
            })
            .collect();
        let n_sections = 2 + rng.below(5);
        for &k in &cells {
            let p = cell_centre(k % NX, k / NX);
            let mut best = (f64::INFINITY, 0usize);
            for (d, s) in seeds.iter().enumerate() {
                let dd = (p.x - s.x).powi(2) + (p.y - s.y).powi(2);
                if dd < best.0 {
                    best = (dd, d);
                }
            }
            divisions[k] = best.1 as u8;
            let (si, sj) = ((k % NX) / 6, (k / NX) / 6);
            sections[k] = ((si * 7 + sj * 3 + best.1) % n_sections) as u8;
        }
    }
    (divisions, sections)
}

/// Postcode of an address of municipality `m` at `p` (the City of Brussels has several).
pub(crate) fn zipcode(m: usize, p: Coord) -> &'static str {
    match MUNICIPALITIES[m].nis {
        21001 => "1070",
        21002 => "1160",
        21003 => "1082",
        21004 => {
            if p.y > 175_600.0 && p.x < 152_300.0 {
                "1120"
            } else if p.x > 152_300.0 && p.y > 173_500.0 {
                "1130"
            } else if p.y > 172_400.0 {
                "1020"
            } else if p.y < 168_800.0 {
                "1050"
            } else if p.x > 150_500.0 {
                "1040"
            } else {
                "1000"
            }
        }
        21005 => "1040",
        21006 => "1140",
        21007 => "1190",
        21008 => "1083",
        21009 => "1050",
        21010 => "1090",
        21011 => "1081",
        21012 => "1080",
        21013 => "1060",
        21014 => "1210",
        21015 => "1030",
        21016 => "1180",
        21017 => "1170",
        21018 => "1200",
        _ => "1150",
    }
}
