//! Query evaluation: free text, autocomplete, structured and reverse.

use super::index::{GeocodeIndex, Street};
use super::normalize::{fold, push_word};
use super::number::{extract, HouseNumber, NumberSpec};
use crate::model::Layer;

/// Longest query accepted (characters).
pub const MAX_QUERY_CHARS: usize = 300;
/// Most results a query may ask for.
pub const MAX_LIMIT: usize = 50;
/// Streets examined in detail per query.
const TOP_STREETS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    Nl,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" | "fre" | "fra" | "french" => Some(Lang::Fr),
            "nl" | "dut" | "nld" | "dutch" => Some(Lang::Nl),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::Nl => "nl",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchType {
    /// The address exists.
    Exact,
    /// The number does not exist: a point between (or at) the nearest numbers of the street.
    Interpolated,
    /// The street (no number asked, or none known on the street).
    Street,
    Municipality,
}

impl MatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Exact => "exact",
            MatchType::Interpolated => "interpolated",
            MatchType::Street => "street",
            MatchType::Municipality => "municipality",
        }
    }
}

/// How each part of the query was matched (as the official service reports it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qual {
    Found,
    /// Matched with a correction (typo, other form, other postcode).
    Corrected,
    Interpolated,
    NotFound,
    NotProvided,
}

impl Qual {
    pub fn as_str(self) -> &'static str {
        match self {
            Qual::Found => "Found",
            Qual::Corrected => "Corrected",
            Qual::Interpolated => "Interpolated",
            Qual::NotFound => "NotFound",
            Qual::NotProvided => "NotProvided",
        }
    }
    pub fn code(self) -> u8 {
        match self {
            Qual::Found => 1,
            Qual::Corrected => 2,
            Qual::Interpolated => 3,
            Qual::NotFound => 4,
            Qual::NotProvided => 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Qualification {
    pub street: Qual,
    pub number: Qual,
    pub postcode: Qual,
    pub municipality: Qual,
}

/// One result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub match_type: MatchType,
    /// 0–1.
    pub confidence: f64,
    /// Position in [`GeocodeIndex::addresses`].
    pub address: Option<u32>,
    pub street: Option<u32>,
    pub muni: Option<u16>,
    /// EPSG:31370.
    pub x: f64,
    pub y: f64,
    /// The house number (as stored, or as asked when interpolated).
    pub number: Option<String>,
    /// The box asked for.
    pub box_number: Option<String>,
    /// Reverse: distance in metres.
    pub distance: Option<f64>,
    /// The language whose street name matched best.
    pub matched_lang: Option<Lang>,
    pub qualification: Qualification,
    rank: f64,
}

/// Options of a forward query.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    pub limit: usize,
    /// Treat the last word as a prefix.
    pub autocomplete: bool,
    /// EPSG:31370 point that boosts nearby results.
    pub focus: Option<(f64, f64)>,
    /// EPSG:31370 `[minx, miny, maxx, maxy]` that results must fall in.
    pub bbox: Option<[f64; 4]>,
}

/// A structured query.
#[derive(Debug, Clone, Default)]
pub struct Structured {
    pub street: Option<String>,
    pub number: Option<String>,
    pub box_number: Option<String>,
    pub postcode: Option<String>,
    pub municipality: Option<String>,
}

/// One query token with its dictionary matches.
#[derive(Debug, Clone)]
struct QTok {
    weight: f64,
    street: bool,
    muni: bool,
    /// (token id, similarity 0–1).
    matches: Vec<(u32, f64)>,
    generic: bool,
}

impl QTok {
    fn sim(&self, id: u32) -> f64 {
        let mut best = 0.0f64;
        for (t, s) in &self.matches {
            if *t == id && *s > best {
                best = *s;
            }
        }
        best
    }
}

struct Parsed {
    toks: Vec<QTok>,
    number: Option<NumberSpec>,
    postcodes: Vec<String>,
}

fn in_bbox(b: &Option<[f64; 4]>, x: f64, y: f64) -> bool {
    match b {
        None => true,
        Some(b) => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3],
    }
}

impl GeocodeIndex {
    /// Canonical tokens of `words`, with compounds split or joined where the dictionary says so.
    fn canonical(&self, words: &[String], last_is_prefix: bool) -> Vec<(String, bool)> {
        let mut toks: Vec<(String, bool)> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let prefix = last_is_prefix && i + 1 == words.len();
            if prefix {
                // "wetstr" / "guldenvl": a known word followed by the start of another.
                if self.prefixed(w, 1).is_empty() && w.is_ascii() {
                    if let Some(p) = (3..w.len()).rev().find(|p| {
                        self.exact(&w[..*p]).is_some() && !self.prefixed(&w[*p..], 1).is_empty()
                    }) {
                        toks.push((w[..p].to_string(), false));
                        toks.push((w[p..].to_string(), true));
                        continue;
                    }
                }
                toks.push((w.clone(), true));
                continue;
            }
            let mut v = Vec::new();
            push_word(w, &mut v);
            toks.extend(v.into_iter().map(|t| (t, false)));
        }
        // Join two adjacent words into a known compound ("gulden vlies" → "guldenvlies").
        let mut joined: Vec<(String, bool)> = Vec::with_capacity(toks.len());
        let mut i = 0;
        while i < toks.len() {
            if i + 1 < toks.len() && !toks[i].1 && !toks[i + 1].1 {
                let j = format!("{}{}", toks[i].0, toks[i + 1].0);
                if self.exact(&j).is_some()
                    && (self.exact(&toks[i].0).is_none() || self.exact(&toks[i + 1].0).is_none())
                {
                    joined.push((j, false));
                    i += 2;
                    continue;
                }
            }
            joined.push(toks[i].clone());
            i += 1;
        }
        // Split an unknown word into two known ones ("guldenvlies" → "gulden vlies").
        let mut out = Vec::with_capacity(joined.len());
        for (t, prefix) in joined {
            if !prefix && t.len() >= 6 && t.is_ascii() && self.exact(&t).is_none() {
                let mut done = false;
                for p in 3..=t.len() - 3 {
                    let (a, b) = t.split_at(p);
                    if self.exact(a).is_some() && self.exact(b).is_some() {
                        out.push((a.to_string(), false));
                        out.push((b.to_string(), false));
                        done = true;
                        break;
                    }
                }
                if done {
                    continue;
                }
                // A typo in the street-type suffix: split where the stem is a known word, else
                // where it is within a typo of one.
                let splits = super::normalize::split_compound_fuzzy(&t);
                let known = splits
                    .iter()
                    .find(|(stem, _, _)| self.exact(stem).is_some())
                    .or_else(|| {
                        let mut fz = Vec::new();
                        splits.iter().find(|(stem, _, _)| {
                            fz.clear();
                            self.fuzzy(stem, &mut fz);
                            !fz.is_empty()
                        })
                    });
                if let Some((stem, suffix, _)) = known {
                    let mut v = Vec::new();
                    push_word(stem, &mut v);
                    out.extend(v.into_iter().map(|t| (t, false)));
                    out.push((suffix.to_string(), false));
                    continue;
                }
            }
            out.push((t, prefix));
        }
        out
    }

    fn qtoks(&self, words: &[String], last_is_prefix: bool, street: bool, muni: bool) -> Vec<QTok> {
        let mut out = Vec::new();
        let mut fz = Vec::new();
        let canon = self.canonical(words, last_is_prefix);
        for (t, prefix) in &canon {
            let (t, prefix) = (t.clone(), *prefix);
            let mut matches: Vec<(u32, f64)> = Vec::new();
            if let Some(id) = self.exact(&t) {
                matches.push((id, 1.0));
            }
            fz.clear();
            self.fuzzy(&t, &mut fz);
            for (id, d) in &fz {
                if *d > 0 {
                    let short = t.len() <= 3 || self.token(*id).len() <= 3;
                    matches.push((*id, if *d == 1 && !short { 0.85 } else { 0.7 }));
                }
            }
            if prefix {
                let qlen = t.len() as f64;
                for id in self.prefixed(&t, 60) {
                    let tl = self.token(id).len() as f64;
                    matches.push((id, 0.8 + 0.2 * (qlen / tl).min(1.0)));
                }
            }
            let generic = super::normalize::is_generic(&t);
            let numeric = t.bytes().all(|b| b.is_ascii_digit());
            out.push(QTok {
                weight: if generic {
                    0.3
                } else if numeric {
                    0.5
                } else {
                    1.0
                },
                street,
                muni,
                matches,
                generic,
            });
        }
        if street {
            self.fallback_matches(&canon, &mut out);
        }
        out
    }

    /// Fallback candidate generation for words the dictionary does not explain (no exact or
    /// one-typo match: two typos in a short word, `coteeaaux`, `gofrt`, or a typo across a
    /// compound, `arenberggstraat`): each such word, alone and joined with the specific word
    /// before or after it, is compared with every street name written as one word
    /// ([`GeocodeIndex::compact_matches`], a wider edit budget). The streets found lend their
    /// specific tokens to the words, at a similarity below any normal match, so they become
    /// candidates and are scored as usual.
    fn fallback_matches(&self, canon: &[(String, bool)], toks: &mut [QTok]) {
        const PER_WINDOW: usize = 8;
        // Specific (non-generic, alphabetic, complete) words, in order.
        let specific: Vec<usize> = (0..canon.len().min(toks.len()))
            .filter(|i| {
                let (t, prefix) = &canon[*i];
                !prefix && !toks[*i].generic && t.bytes().all(|b| b.is_ascii_alphabetic())
            })
            .collect();
        let weak =
            |i: usize| canon[i].0.len() >= 3 && toks[i].matches.iter().all(|(_, s)| *s < 0.85);
        let mut windows: Vec<Vec<usize>> = Vec::new();
        for (p, i) in specific.iter().enumerate() {
            if !weak(*i) {
                continue;
            }
            windows.push(vec![*i]);
            if p > 0 {
                windows.push(vec![specific[p - 1], *i]);
            }
            if let Some(n) = specific.get(p + 1) {
                windows.push(vec![*i, *n]);
            }
        }
        if windows.len() > 12 {
            windows.truncate(12);
        }
        let mut added: Vec<(usize, u32, f64)> = Vec::new();
        for w in &windows {
            let text: String = w.iter().map(|i| canon[*i].0.as_str()).collect();
            for (sid, nl, d) in self.compact_matches(&text, PER_WINDOW) {
                let Some(st) = self.streets.get(sid as usize) else {
                    continue;
                };
                let name = if nl { &st.tokens_nl } else { &st.tokens_fr };
                let sim = match d {
                    0 | 1 => 0.7,
                    2 => 0.6,
                    _ => 0.5,
                };
                for id in name.iter().filter(|id| !self.is_generic_token(**id)) {
                    for i in w {
                        added.push((*i, *id, sim));
                    }
                }
            }
        }
        for (i, id, sim) in added {
            if let Some(t) = toks.get_mut(i) {
                if t.sim(id) < sim {
                    t.matches.push((id, sim));
                }
            }
        }
    }

    fn parse_free(&self, q: &str, autocomplete: bool) -> Vec<Parsed> {
        let is_pc = |p: &str| self.is_postcode(p);
        let e = extract(q, &is_pc);
        let folded = fold(q);
        let last_is_prefix = autocomplete
            && folded
                .trim_end()
                .chars()
                .last()
                .is_some_and(|c| c.is_alphabetic())
            && !folded.ends_with(char::is_whitespace);
        let toks = self.qtoks(&e.words, last_is_prefix, true, true);
        let mut out = vec![Parsed {
            toks: toks.clone(),
            number: e.number.clone(),
            postcodes: e.postcodes.clone(),
        }];
        if e.ambiguous {
            // "Rue X 1040": the code may be the house number.
            if let Some(n) = e.postcodes.first().and_then(|p| HouseNumber::parse(p)) {
                out.push(Parsed {
                    toks,
                    number: Some(NumberSpec::Number(n)),
                    postcodes: Vec::new(),
                });
            }
        }
        out
    }

    /// Free-text search (or autocomplete with `opts.autocomplete`).
    pub fn search(&self, q: &str, opts: &SearchOptions) -> Vec<Hit> {
        let mut hits = Vec::new();
        for p in self.parse_free(q, opts.autocomplete) {
            hits.extend(self.evaluate(&p, opts));
        }
        finish(hits, opts.limit)
    }

    /// Structured search.
    pub fn search_structured(&self, s: &Structured, opts: &SearchOptions) -> Vec<Hit> {
        let words = |t: &Option<String>| -> Vec<String> {
            t.as_deref()
                .map(|t| {
                    super::normalize::pieces(&fold(t))
                        .into_iter()
                        .filter_map(|p| match p {
                            super::normalize::Piece::Word(w) => Some(w),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut toks = self.qtoks(&words(&s.street), false, true, false);
        toks.extend(self.qtoks(&words(&s.municipality), false, false, true));
        let number = match s.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            None => None,
            Some(n) => {
                let f = fold(n);
                if matches!(f.as_str(), "sn" | "zn" | "s/n" | "z/n") {
                    Some(NumberSpec::NoNumber)
                } else {
                    let with_box = match &s.box_number {
                        Some(b) if !b.trim().is_empty() => format!("{n} bus {b}"),
                        _ => n.to_string(),
                    };
                    HouseNumber::parse(&with_box)
                        .or_else(|| HouseNumber::parse(n))
                        .map(NumberSpec::Number)
                }
            }
        };
        let postcodes = s
            .postcode
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| vec![p.to_string()])
            .unwrap_or_default();
        let p = Parsed {
            toks,
            number,
            postcodes,
        };
        finish(self.evaluate(&p, opts), opts.limit)
    }

    fn evaluate(&self, p: &Parsed, opts: &SearchOptions) -> Vec<Hit> {
        let toks = &p.toks;
        let total_w: f64 = toks.iter().map(|t| t.weight).sum();
        // Similarity of each token to each municipality.
        let muni_sim: Vec<Vec<f64>> = toks
            .iter()
            .map(|t| {
                self.munis
                    .iter()
                    .map(|m| {
                        if !t.muni {
                            return 0.0;
                        }
                        m.tokens.iter().map(|id| t.sim(*id)).fold(0.0, f64::max)
                    })
                    .collect()
            })
            .collect();
        let muni_any: Vec<f64> = muni_sim
            .iter()
            .map(|v| v.iter().copied().fold(0.0, f64::max))
            .collect();

        // Candidate streets from the distinctive tokens (all tokens if none is).
        let mut cands: Vec<u32> = Vec::new();
        let distinctive = toks
            .iter()
            .any(|t| t.street && !t.generic && !t.matches.is_empty());
        for t in toks
            .iter()
            .filter(|t| t.street && (!distinctive || !t.generic))
        {
            for (id, _) in &t.matches {
                cands.extend_from_slice(&self.token_streets[*id as usize]);
            }
        }
        cands.sort_unstable();
        cands.dedup();

        // Score streets.
        let mut scored: Vec<(f64, u32, Lang, Vec<f64>)> = Vec::new();
        for sid in cands {
            let st = &self.streets[sid as usize];
            let mut best: Option<(f64, Lang, Vec<f64>)> = None;
            for (lang, name) in [(Lang::Fr, &st.tokens_fr), (Lang::Nl, &st.tokens_nl)] {
                if name.is_empty() {
                    continue;
                }
                let qm: Vec<f64> = toks
                    .iter()
                    .map(|t| {
                        if !t.street {
                            return 0.0;
                        }
                        name.iter().map(|id| t.sim(*id)).fold(0.0, f64::max)
                    })
                    .collect();
                if !toks
                    .iter()
                    .zip(&qm)
                    .any(|(t, m)| (!t.generic || !distinctive) && *m > 0.0)
                {
                    continue;
                }
                let (mut nw, mut nc) = (0.0, 0.0);
                for id in name {
                    let w = if self.is_generic_token(*id) { 0.3 } else { 1.0 };
                    nw += w;
                    nc += w * toks
                        .iter()
                        .map(|t| if t.street { t.sim(*id) } else { 0.0 })
                        .fold(0.0, f64::max);
                }
                let name_cov = if nw > 0.0 { nc / nw } else { 0.0 };
                let mut qc = 0.0;
                for (i, t) in toks.iter().enumerate() {
                    qc += t.weight * qm[i].max(muni_any[i]);
                }
                let qcov = if total_w > 0.0 { qc / total_w } else { 0.0 };
                let s = 0.55 * name_cov + 0.45 * qcov;
                if best.as_ref().is_none_or(|b| s > b.0) {
                    best = Some((s, lang, qm));
                }
            }
            if let Some((s, lang, qm)) = best {
                scored.push((s, sid, lang, qm));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(TOP_STREETS);

        let mut hits = Vec::new();
        for (ssim, sid, lang, qm) in &scored {
            let st = &self.streets[*sid as usize];
            // Tokens that name a municipality rather than the street.
            let muni_toks: Vec<usize> = (0..toks.len())
                .filter(|i| {
                    toks[*i].muni
                        && !toks[*i].generic
                        && muni_any[*i] > qm[*i]
                        && muni_any[*i] >= 0.7
                })
                .collect();
            let street_qual = if toks.iter().zip(qm).all(|(t, m)| {
                !t.street || t.generic || *m >= 1.0 || muni_any.is_empty() || *m == 0.0
            }) {
                Qual::Found
            } else {
                Qual::Corrected
            };
            let locality = |pc: Option<&str>, m: Option<u16>| -> (f64, Qual, Qual) {
                let mut parts = Vec::new();
                let pq = if p.postcodes.is_empty() {
                    Qual::NotProvided
                } else if pc.is_some_and(|pc| p.postcodes.iter().any(|q| q == pc)) {
                    parts.push(1.0);
                    Qual::Found
                } else if m.is_some_and(|m| {
                    p.postcodes
                        .iter()
                        .any(|q| self.postcodes.get(q).is_some_and(|ms| ms.contains(&m)))
                }) {
                    parts.push(0.6);
                    Qual::Corrected
                } else {
                    parts.push(0.2);
                    Qual::Corrected
                };
                let mq = if muni_toks.is_empty() {
                    Qual::NotProvided
                } else {
                    let (mut w, mut c) = (0.0, 0.0);
                    for i in &muni_toks {
                        w += toks[*i].weight;
                        c += toks[*i].weight * m.map(|m| muni_sim[*i][m as usize]).unwrap_or(0.0);
                    }
                    let s = if w > 0.0 { c / w } else { 0.0 };
                    parts.push(0.3 + 0.7 * s);
                    if s >= 1.0 {
                        Qual::Found
                    } else {
                        Qual::Corrected
                    }
                };
                let loc = if parts.is_empty() {
                    0.9
                } else {
                    parts.iter().sum::<f64>() / parts.len() as f64
                };
                (loc, pq, mq)
            };
            let mut push = |mt: MatchType,
                            addr: Option<u32>,
                            x: f64,
                            y: f64,
                            num_factor: f64,
                            number: Option<String>,
                            nq: Qual,
                            pc: Option<&str>,
                            m: Option<u16>| {
                if !in_bbox(&opts.bbox, x, y) {
                    return;
                }
                let (loc, pq, mq) = locality(pc, m);
                let conf = (ssim * num_factor * (0.7 + 0.3 * loc)).clamp(0.0, 1.0);
                let mut rank = conf;
                if let Some((fx, fy)) = opts.focus {
                    let d = ((x - fx).powi(2) + (y - fy).powi(2)).sqrt();
                    rank += 0.15 * (-d / 2000.0).exp();
                }
                hits.push(Hit {
                    match_type: mt,
                    confidence: conf,
                    address: addr,
                    street: Some(*sid),
                    muni: m,
                    x,
                    y,
                    number,
                    box_number: match &p.number {
                        Some(NumberSpec::Number(h)) => h.box_number.clone(),
                        _ => None,
                    },
                    distance: None,
                    matched_lang: Some(*lang),
                    qualification: Qualification {
                        street: street_qual,
                        number: nq,
                        postcode: pq,
                        municipality: mq,
                    },
                    rank,
                });
            };
            let street_point = || -> (f64, f64, Option<&str>, Option<u16>) {
                // The street's point, within the asked postcode when there is one.
                if let Some(a) = st
                    .addresses
                    .iter()
                    .map(|a| &self.addresses[*a as usize])
                    .find(|a| {
                        a.postcode
                            .as_ref()
                            .is_some_and(|pc| p.postcodes.contains(pc))
                    })
                {
                    return (a.x, a.y, a.postcode.as_deref(), a.muni);
                }
                (
                    st.x,
                    st.y,
                    st.postcodes.first().map(|s| s.as_str()),
                    st.munis.first().copied(),
                )
            };
            match &p.number {
                Some(NumberSpec::Number(hn)) => {
                    let mut found = false;
                    for aid in &st.addresses {
                        let a = &self.addresses[*aid as usize];
                        let Some(an) = &a.number else { continue };
                        let Some(ms) = hn.match_score(an) else {
                            continue;
                        };
                        let box_f = match (&hn.box_number, &a.box_number) {
                            (Some(q), Some(d)) if fold(d) == *q => 1.0,
                            (_, None) => 0.99,
                            _ => 0.95,
                        };
                        found = true;
                        let nq = if ms >= 0.9 {
                            Qual::Found
                        } else {
                            Qual::Corrected
                        };
                        push(
                            MatchType::Exact,
                            Some(*aid),
                            a.x,
                            a.y,
                            (0.6 + 0.4 * ms) * box_f,
                            a.number_text.clone(),
                            nq,
                            a.postcode.as_deref(),
                            a.muni,
                        );
                    }
                    if !found {
                        match self.interpolate(st, hn) {
                            Some((x, y, near, diff)) => {
                                let a = &self.addresses[near as usize];
                                let f = 0.6 * (0.5 + 0.5 * (-(diff as f64) / 30.0).exp());
                                push(
                                    MatchType::Interpolated,
                                    None,
                                    x,
                                    y,
                                    f,
                                    Some(hn.key()),
                                    Qual::Interpolated,
                                    a.postcode.as_deref(),
                                    a.muni,
                                );
                            }
                            None => {
                                let (x, y, pc, m) = street_point();
                                push(
                                    MatchType::Street,
                                    None,
                                    x,
                                    y,
                                    0.5,
                                    None,
                                    Qual::NotFound,
                                    pc,
                                    m,
                                );
                            }
                        }
                    }
                }
                other => {
                    let (x, y, pc, m) = street_point();
                    let (f, nq) = if matches!(other, Some(NumberSpec::NoNumber)) {
                        (1.0, Qual::Found)
                    } else {
                        (0.9, Qual::NotProvided)
                    };
                    push(MatchType::Street, None, x, y, f, None, nq, pc, m);
                }
            }
        }

        // Municipalities (and bare postcodes).
        let number_asked = matches!(p.number, Some(NumberSpec::Number(_)));
        for (mi, m) in self.munis.iter().enumerate() {
            let mut c = 0.0;
            for (i, t) in toks.iter().enumerate() {
                c += t.weight * muni_sim[i][mi];
            }
            let mut cov = if total_w > 0.0 { c / total_w } else { 0.0 };
            let pc_match = p.postcodes.iter().any(|q| {
                self.postcodes
                    .get(q)
                    .is_some_and(|ms| ms.first() == Some(&(mi as u16)))
            });
            if toks.is_empty() && pc_match {
                cov = 1.0;
            }
            if cov <= 0.0 {
                continue;
            }
            let pcf = if p.postcodes.is_empty() || pc_match {
                1.0
            } else {
                0.7
            };
            let conf = 0.9 * cov * pcf * if number_asked { 0.6 } else { 1.0 };
            if !in_bbox(&opts.bbox, m.x, m.y) || !m.x.is_finite() {
                continue;
            }
            hits.push(Hit {
                match_type: MatchType::Municipality,
                confidence: conf,
                address: None,
                street: None,
                muni: Some(mi as u16),
                x: m.x,
                y: m.y,
                number: None,
                box_number: None,
                distance: None,
                matched_lang: None,
                qualification: Qualification {
                    street: Qual::NotFound,
                    number: if number_asked {
                        Qual::NotFound
                    } else {
                        Qual::NotProvided
                    },
                    postcode: if p.postcodes.is_empty() {
                        Qual::NotProvided
                    } else if pc_match {
                        Qual::Found
                    } else {
                        Qual::Corrected
                    },
                    municipality: if cov > 0.0 {
                        Qual::Found
                    } else {
                        Qual::NotProvided
                    },
                },
                rank: conf,
            });
        }
        hits
    }

    /// A point for a number the street does not have: linear between the nearest numbers of the
    /// same parity below and above, or the nearest one. Returns the point, the nearest address
    /// and the number difference.
    fn interpolate(&self, st: &Street, hn: &HouseNumber) -> Option<(f64, f64, u32, u32)> {
        let n = hn.number;
        let mut below: Option<(u32, u32)> = None;
        let mut above: Option<(u32, u32)> = None;
        for aid in &st.addresses {
            let a = &self.addresses[*aid as usize];
            let Some(an) = &a.number else { continue };
            if an.number % 2 != n % 2 {
                continue;
            }
            if an.number < n && below.is_none_or(|(b, _)| an.number > b) {
                below = Some((an.number, *aid));
            }
            if an.number > n && above.is_none_or(|(b, _)| an.number < b) {
                above = Some((an.number, *aid));
            }
        }
        match (below, above) {
            (Some((bn, ba)), Some((an, aa))) => {
                let (a, b) = (&self.addresses[ba as usize], &self.addresses[aa as usize]);
                let t = (n - bn) as f64 / (an - bn) as f64;
                let near = if n - bn <= an - n { ba } else { aa };
                Some((
                    a.x + t * (b.x - a.x),
                    a.y + t * (b.y - a.y),
                    near,
                    (n - bn).min(an - n),
                ))
            }
            (Some((bn, ba)), None) => {
                let a = &self.addresses[ba as usize];
                Some((a.x, a.y, ba, n - bn))
            }
            (None, Some((an, aa))) => {
                let a = &self.addresses[aa as usize];
                Some((a.x, a.y, aa, an - n))
            }
            (None, None) => None,
        }
    }

    /// Reverse geocoding: the addresses nearest to `(x, y)` (EPSG:31370) within `max_distance`
    /// metres; the nearest street, then the municipality, when no address is that close.
    pub fn reverse(&self, x: f64, y: f64, limit: usize, max_distance: f64) -> Vec<Hit> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let mut hits = Vec::new();
        let q = Qualification {
            street: Qual::Found,
            number: Qual::Found,
            postcode: Qual::Found,
            municipality: Qual::Found,
        };
        if let Some(layer) = self.dataset.layer(Layer::Addresses) {
            for (f, d) in layer.nearest(x, y, limit, Some(max_distance)) {
                let Some(aid) = self.by_fid.get(&f.id) else {
                    continue;
                };
                let a = &self.addresses[*aid as usize];
                let conf = (1.0 - d / max_distance.max(1.0)).clamp(0.0, 1.0);
                hits.push(Hit {
                    match_type: MatchType::Exact,
                    confidence: conf,
                    address: Some(*aid),
                    street: Some(a.street),
                    muni: a.muni,
                    x: a.x,
                    y: a.y,
                    number: a.number_text.clone(),
                    box_number: None,
                    distance: Some(d),
                    matched_lang: None,
                    qualification: q,
                    rank: conf,
                });
            }
        }
        if hits.is_empty() {
            let at_muni = self.dataset.at_point(x, y).municipality.and_then(|m| {
                let nis = crate::model::Municipality::from_attributes(&m.attributes).nis_code;
                self.munis
                    .iter()
                    .position(|mu| mu.nis == nis && nis.is_some())
            });
            if let Some(layer) = self.dataset.layer(Layer::Streets) {
                if let Some((f, d)) = layer
                    .nearest(x, y, 1, Some(max_distance))
                    .into_iter()
                    .next()
                {
                    if let Some(sid) = self.streets.iter().position(|s| s.axis_fid == Some(f.id)) {
                        let st = &self.streets[sid];
                        hits.push(Hit {
                            match_type: MatchType::Street,
                            confidence: (1.0 - d / max_distance.max(1.0)).clamp(0.0, 1.0) * 0.8,
                            address: None,
                            street: Some(sid as u32),
                            muni: at_muni.map(|m| m as u16).or(st.munis.first().copied()),
                            x: st.x,
                            y: st.y,
                            number: None,
                            box_number: None,
                            distance: Some(d),
                            matched_lang: None,
                            qualification: Qualification {
                                number: Qual::NotFound,
                                ..q
                            },
                            rank: 0.0,
                        });
                    }
                }
            }
            if hits.is_empty() {
                if let Some(mi) = at_muni {
                    let m = &self.munis[mi];
                    hits.push(Hit {
                        match_type: MatchType::Municipality,
                        confidence: 0.5,
                        address: None,
                        street: None,
                        muni: Some(mi as u16),
                        x: m.x,
                        y: m.y,
                        number: None,
                        box_number: None,
                        distance: Some(0.0),
                        matched_lang: None,
                        qualification: Qualification {
                            street: Qual::NotFound,
                            number: Qual::NotFound,
                            ..q
                        },
                        rank: 0.0,
                    });
                }
            }
        }
        hits
    }
}

/// What makes two hits the same result: address, street, municipality, interpolated number.
type HitKey = (Option<u32>, Option<u32>, Option<u16>, Option<String>);

/// Sort by rank, drop duplicates (same address / street / municipality point), keep `limit`.
fn finish(mut hits: Vec<Hit>, limit: usize) -> Vec<Hit> {
    hits.sort_by(|a, b| {
        b.rank
            .total_cmp(&a.rank)
            .then(a.address.cmp(&b.address))
            .then(a.street.cmp(&b.street))
    });
    let mut seen: Vec<HitKey> = Vec::new();
    let mut out = Vec::new();
    for h in hits {
        let key = (
            h.address,
            if h.address.is_some() { None } else { h.street },
            if h.address.is_some() || h.street.is_some() {
                None
            } else {
                h.muni
            },
            if h.address.is_some() {
                None
            } else {
                h.number.clone()
            },
        );
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(h);
        if out.len() >= limit.clamp(1, MAX_LIMIT) {
            break;
        }
    }
    out
}
