//! Catalogue search: full text with tantivy, filters, facets, sort and paging.
//!
//! The index lives in RAM and is rebuilt from the store when the server starts (100,000
//! records take a few seconds); every write through [`crate::CatalogState`] updates it at once.
//!
//! *Full text.* tantivy indexes, per language (fr, nl, en, de), the title, description and
//! keywords with a language analyser: simple tokenizer → lower case → ASCII folding (`é` → `e`,
//! so accents never matter, in the query or the record) → the language's Snowball stemmer
//! (`bâtiments`, `batiment` → `bat`; `gebouwen`, `gebouw` → `bouw`). A further unstemmed, folded
//! field holds every text and the id. The query goes through tantivy's query parser in lenient
//! mode (never an error), with every term required (AND) in any field; titles weigh 3, keywords
//! 2, descriptions 1.
//!
//! *Filters and facets.* Beside tantivy, the index keeps a compact summary of each record
//! (facet values interned as integers, bbox, temporal extent as days, modified instant, title
//! sort keys). The full-text query yields (record, score) pairs from a collector reading a fast
//! field; filters, facet counts, sorting and paging then run over the summaries. Without `q`
//! every visible record is a candidate.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::QueryParser;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument,
    Term,
};
use utoipa::ToSchema;

use crate::model::{parse_date, Bbox, Dataset, Kind, Lang};

/// A facet of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Facet {
    /// EU data-theme URI.
    Theme,
    /// Publisher id.
    Publisher,
    /// EU file-type URI of a distribution.
    Format,
    /// Keyword (lower case).
    Keyword,
    /// Licence URI.
    Licence,
    /// EU language URI.
    Language,
    /// dataset, series, service.
    Type,
    /// HVD category URI.
    Hvd,
}

impl Facet {
    pub const ALL: [Facet; 8] = [
        Facet::Theme,
        Facet::Publisher,
        Facet::Format,
        Facet::Keyword,
        Facet::Licence,
        Facet::Language,
        Facet::Type,
        Facet::Hvd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Facet::Theme => "theme",
            Facet::Publisher => "publisher",
            Facet::Format => "format",
            Facet::Keyword => "keyword",
            Facet::Licence => "licence",
            Facet::Language => "language",
            Facet::Type => "type",
            Facet::Hvd => "hvd",
        }
    }

    pub fn parse(s: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.as_str() == s)
    }

    fn ix(self) -> usize {
        self as usize
    }
}

const N_FACETS: usize = Facet::ALL.len();

/// Order of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best score first (with `q`); without `q`, most recently modified first.
    #[default]
    Relevance,
    /// Title A→Z in the requested language (accents and case ignored).
    Title,
    /// Most recently modified first.
    Modified,
}

/// A structured catalogue query.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Full text (titles, descriptions, keywords).
    pub q: Option<String>,
    /// Only these kinds (empty: all).
    pub kinds: Vec<Kind>,
    /// Facet filters: AND across entries, OR within an entry's values.
    pub filters: Vec<(Facet, Vec<String>)>,
    /// Only high-value datasets (true) or only the others (false).
    pub hvd: Option<bool>,
    /// Records whose bbox intersects this one (records without bbox are excluded).
    pub bbox: Option<Bbox>,
    /// Records whose temporal extent overlaps `[start, end]` (either side open).
    pub temporal: Option<(Option<time::Date>, Option<time::Date>)>,
    /// Records whose catalogue record changed at or after this instant (store format).
    pub modified_since: Option<String>,
    pub sort: Sort,
    /// Language of title sorting.
    pub lang: Lang,
    pub offset: usize,
    pub limit: usize,
    /// Facets to count on the whole result set.
    pub facets: Vec<Facet>,
    /// Values per facet (most frequent first).
    pub facet_limit: usize,
    /// Include unpublished and archived records (admin).
    pub include_hidden: bool,
    /// Only these record ids.
    pub ids: Option<Vec<String>>,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            q: None,
            kinds: Vec::new(),
            filters: Vec::new(),
            hvd: None,
            bbox: None,
            temporal: None,
            modified_since: None,
            sort: Sort::Relevance,
            lang: Lang::Fr,
            offset: 0,
            limit: 20,
            facets: Vec::new(),
            facet_limit: 20,
            include_hidden: false,
            ids: None,
        }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    /// tantivy's BM25 score (0 without `q`).
    pub score: f32,
}

/// Counts of one facet's values on the result set.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// A page of results with the total and the facet counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Vec<(Facet, Vec<FacetCount>)>,
}

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index lock poisoned")]
    Poisoned,
}

/// What the index keeps of a record beside tantivy.
#[derive(Debug, Clone)]
struct Summary {
    id: String,
    kind: Kind,
    public: bool,
    hvd: bool,
    /// (facet, interned value)
    facets: Vec<(u8, u32)>,
    bbox: Option<Bbox>,
    start: Option<i32>,
    end: Option<i32>,
    modified: String,
    /// The resource's own `modified` (else the record's), for sorting.
    sort_modified: String,
    /// Folded lower-case title per language (fr, nl, en, de), for sorting.
    titles: [String; 4],
}

#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    values: Vec<String>,
}

impl Interner {
    fn intern(&mut self, v: &str) -> u32 {
        if let Some(i) = self.ids.get(v) {
            return *i;
        }
        let i = self.values.len() as u32;
        self.values.push(v.to_string());
        self.ids.insert(v.to_string(), i);
        i
    }
}

#[derive(Default)]
struct Table {
    docs: Vec<Option<Summary>>,
    keys: HashMap<String, u32>,
    dict: [Interner; N_FACETS],
}

struct Fields {
    key: Field,
    /// title, description, keywords per language (fr, nl, en, de)
    title: [Field; 4],
    desc: [Field; 4],
    kw: [Field; 4],
    all: Field,
}

/// The catalogue's search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    parser: QueryParser,
    table: RwLock<Table>,
}

const LANG_ANALYZERS: [(&str, Language); 4] = [
    ("fr_stem", Language::French),
    ("nl_stem", Language::Dutch),
    ("en_stem", Language::English),
    ("de_stem", Language::German),
];

fn lang_ix(l: Lang) -> usize {
    match l {
        Lang::Fr => 0,
        Lang::Nl => 1,
        Lang::En => 2,
        Lang::De => 3,
    }
}

/// Lower case and ASCII folding, for sort keys and facet values.
pub fn fold(s: &str) -> String {
    let mut a = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut out = String::with_capacity(s.len());
    let mut ts = a.token_stream(s);
    while ts.advance() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&ts.token().text);
    }
    out
}

fn text_options(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

/// Longest accepted `q`, in characters.
pub const MAX_Q: usize = 500;

impl SearchIndex {
    /// An empty index.
    pub fn new() -> Result<SearchIndex, SearchError> {
        let mut sb = Schema::builder();
        let key = sb.add_u64_field("key", NumericOptions::default().set_indexed().set_fast());
        let mk = |sb: &mut tantivy::schema::SchemaBuilder, what: &str| -> [Field; 4] {
            let mut out = [Field::from_field_id(0); 4];
            for (i, (an, _)) in LANG_ANALYZERS.iter().enumerate() {
                out[i] = sb.add_text_field(&format!("{what}_{}", &an[..2]), text_options(an));
            }
            out
        };
        let title = mk(&mut sb, "title");
        let desc = mk(&mut sb, "desc");
        let kw = mk(&mut sb, "kw");
        let all = sb.add_text_field("all", text_options("folded"));
        let index = Index::create_in_ram(sb.build());
        for (name, lang) in LANG_ANALYZERS {
            index.tokenizers().register(
                name,
                TextAnalyzer::builder(SimpleTokenizer::default())
                    .filter(RemoveLongFilter::limit(40))
                    .filter(LowerCaser)
                    .filter(AsciiFoldingFilter)
                    .filter(Stemmer::new(lang))
                    .build(),
            );
        }
        index.tokenizers().register(
            "folded",
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        let writer = index.writer_with_num_threads(1, 64 << 20)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let mut default_fields: Vec<Field> = Vec::new();
        default_fields.extend(title);
        default_fields.extend(desc);
        default_fields.extend(kw);
        default_fields.push(all);
        let mut parser = QueryParser::for_index(&index, default_fields);
        parser.set_conjunction_by_default();
        for f in title {
            parser.set_field_boost(f, 3.0);
        }
        for f in kw {
            parser.set_field_boost(f, 2.0);
        }
        parser.set_field_boost(all, 0.5);
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields: Fields {
                key,
                title,
                desc,
                kw,
                all,
            },
            parser,
            table: RwLock::new(Table::default()),
        })
    }

    /// Number of records in the index (visible or not).
    pub fn len(&self) -> usize {
        self.table.read().map(|t| t.keys.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, key: u32, ds: &Dataset) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.key, key as u64);
        for (l, t) in ds.title.iter() {
            doc.add_text(f.title[lang_ix(l)], t);
            doc.add_text(f.all, t);
        }
        for (l, t) in ds.description.iter() {
            doc.add_text(f.desc[lang_ix(l)], t);
            doc.add_text(f.all, t);
        }
        for (l, k) in ds.keywords.iter() {
            doc.add_text(f.kw[lang_ix(l)], k);
            doc.add_text(f.all, k);
        }
        doc.add_text(f.all, &ds.id);
        doc
    }

    fn summary(table: &mut Table, ds: &Dataset) -> Summary {
        let mut facets = Vec::new();
        let mut add = |t: &mut Table, f: Facet, v: &str| {
            let i = t.dict[f.ix()].intern(v);
            if !facets.contains(&(f as u8, i)) {
                facets.push((f as u8, i));
            }
        };
        for t in &ds.themes {
            add(table, Facet::Theme, t);
        }
        if let Some(p) = &ds.publisher {
            add(table, Facet::Publisher, p);
        }
        for fmt in ds.formats() {
            add(table, Facet::Format, fmt);
        }
        for k in ds.all_keywords() {
            add(table, Facet::Keyword, &k.to_lowercase());
        }
        if let Some(l) = &ds.licence {
            add(table, Facet::Licence, &l.uri);
        }
        for l in &ds.languages {
            add(table, Facet::Language, l);
        }
        add(table, Facet::Type, ds.kind.as_str());
        for h in &ds.hvd_categories {
            add(table, Facet::Hvd, h);
        }
        let day = |s: &Option<String>| s.as_deref().and_then(parse_date).map(|d| d.to_julian_day());
        let (start, end) = match &ds.temporal {
            Some(t) => (day(&t.start), day(&t.end)),
            None => (None, None),
        };
        let titles = Lang::ALL.map(|l| fold(ds.title.best(l).unwrap_or("")));
        Summary {
            id: ds.id.clone(),
            kind: ds.kind,
            public: ds.is_public(),
            hvd: !ds.hvd_categories.is_empty(),
            facets,
            bbox: ds.spatial.as_ref().and_then(|s| s.bbox),
            start,
            end,
            modified: ds.record.modified.clone(),
            sort_modified: ds
                .modified
                .as_deref()
                .and_then(crate::store::normalize_instant)
                .unwrap_or_else(|| ds.record.modified.clone()),
            titles,
        }
    }

    /// Add or replace records, then make them searchable.
    pub fn upsert_many(&self, records: &[Dataset]) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        {
            let mut table = self.table.write().map_err(|_| SearchError::Poisoned)?;
            for ds in records {
                let key = match table.keys.get(&ds.id) {
                    Some(k) => {
                        writer.delete_term(Term::from_field_u64(self.fields.key, *k as u64));
                        *k
                    }
                    None => {
                        let k = table.docs.len() as u32;
                        table.docs.push(None);
                        table.keys.insert(ds.id.clone(), k);
                        k
                    }
                };
                let s = Self::summary(&mut table, ds);
                table.docs[key as usize] = Some(s);
                writer.add_document(self.document(key, ds))?;
            }
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    pub fn upsert(&self, ds: &Dataset) -> Result<(), SearchError> {
        self.upsert_many(std::slice::from_ref(ds))
    }

    /// Remove a record.
    pub fn remove(&self, id: &str) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        {
            let mut table = self.table.write().map_err(|_| SearchError::Poisoned)?;
            let Some(k) = table.keys.remove(id) else {
                return Ok(());
            };
            table.docs[k as usize] = None;
            writer.delete_term(Term::from_field_u64(self.fields.key, k as u64));
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Full-text matches as (key, score).
    fn text_matches(&self, q: &str) -> Result<Vec<(u32, f32)>, SearchError> {
        let (query, _errors) = self.parser.parse_query_lenient(q);
        let searcher = self.reader.searcher();
        Ok(searcher.search(&*query, &KeyCollector)?)
    }

    /// Run a query.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResult, SearchError> {
        let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let matches = match text {
            Some(t) => Some(self.text_matches(t)?),
            None => None,
        };
        let table = self.table.read().map_err(|_| SearchError::Poisoned)?;
        // Facet filters as interned ids; an unknown value matches nothing.
        let mut filters: Vec<(u8, Vec<u32>)> = Vec::with_capacity(q.filters.len());
        for (f, values) in &q.filters {
            let ids: Vec<u32> = values
                .iter()
                .filter_map(|v| {
                    let v = if *f == Facet::Keyword {
                        v.to_lowercase()
                    } else {
                        v.clone()
                    };
                    table.dict[f.ix()].ids.get(&v).copied()
                })
                .collect();
            filters.push((*f as u8, ids));
        }
        let range = q.temporal.map(|(s, e)| {
            (
                s.map(|d| d.to_julian_day()).unwrap_or(i32::MIN),
                e.map(|d| d.to_julian_day()).unwrap_or(i32::MAX),
            )
        });
        let keep = |s: &Summary| -> bool {
            if !q.include_hidden && !s.public {
                return false;
            }
            if !q.kinds.is_empty() && !q.kinds.contains(&s.kind) {
                return false;
            }
            if let Some(ids) = &q.ids {
                if !ids.contains(&s.id) {
                    return false;
                }
            }
            if let Some(h) = q.hvd {
                if s.hvd != h {
                    return false;
                }
            }
            for (f, ids) in &filters {
                if !s.facets.iter().any(|(sf, v)| sf == f && ids.contains(v)) {
                    return false;
                }
            }
            if let Some(b) = &q.bbox {
                match &s.bbox {
                    Some(sb) if sb.intersects(b) => {}
                    _ => return false,
                }
            }
            if let Some((from, to)) = range {
                if s.start.is_none() && s.end.is_none() {
                    return false;
                }
                let st = s.start.unwrap_or(i32::MIN);
                let en = s.end.unwrap_or(i32::MAX);
                if st > to || en < from {
                    return false;
                }
            }
            if let Some(m) = &q.modified_since {
                if s.modified.as_str() < m.as_str() {
                    return false;
                }
            }
            true
        };
        let mut hits: Vec<(u32, f32)> = match matches {
            Some(m) => m
                .into_iter()
                .filter(|(k, _)| {
                    table
                        .docs
                        .get(*k as usize)
                        .and_then(Option::as_ref)
                        .is_some_and(keep)
                })
                .collect(),
            None => table
                .docs
                .iter()
                .enumerate()
                .filter_map(|(k, s)| s.as_ref().filter(|s| keep(s)).map(|_| (k as u32, 0.0)))
                .collect(),
        };
        let total = hits.len();
        // Facet counts over the whole result set.
        let mut facets = Vec::new();
        if !q.facets.is_empty() {
            let mut counts: Vec<Vec<u32>> = table
                .dict
                .iter()
                .map(|d| vec![0u32; d.values.len()])
                .collect();
            let wanted: [bool; N_FACETS] =
                std::array::from_fn(|i| q.facets.iter().any(|f| f.ix() == i));
            for (k, _) in &hits {
                if let Some(Some(s)) = table.docs.get(*k as usize) {
                    for (f, v) in &s.facets {
                        if wanted[*f as usize] {
                            counts[*f as usize][*v as usize] += 1;
                        }
                    }
                }
            }
            for f in &q.facets {
                let c = &counts[f.ix()];
                let mut vals: Vec<(u32, u32)> = c
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(i, n)| (i as u32, *n))
                    .collect();
                let dict = &table.dict[f.ix()].values;
                vals.sort_unstable_by(|a, b| {
                    b.1.cmp(&a.1)
                        .then_with(|| dict[a.0 as usize].cmp(&dict[b.0 as usize]))
                });
                vals.truncate(q.facet_limit);
                facets.push((
                    *f,
                    vals.into_iter()
                        .map(|(i, n)| FacetCount {
                            value: dict[i as usize].clone(),
                            count: n as u64,
                        })
                        .collect(),
                ));
            }
        }
        // Sort only as far as the requested page needs.
        let doc = |k: u32| table.docs[k as usize].as_ref();
        let li = lang_ix(q.lang);
        let by_modified = |a: &(u32, f32), b: &(u32, f32)| {
            let (sa, sb) = (doc(a.0), doc(b.0));
            sb.map(|s| s.sort_modified.as_str())
                .cmp(&sa.map(|s| s.sort_modified.as_str()))
                .then_with(|| sa.map(|s| s.id.as_str()).cmp(&sb.map(|s| s.id.as_str())))
        };
        let by_title = |a: &(u32, f32), b: &(u32, f32)| {
            let (sa, sb) = (doc(a.0), doc(b.0));
            sa.map(|s| s.titles[li].as_str())
                .cmp(&sb.map(|s| s.titles[li].as_str()))
                .then_with(|| sa.map(|s| s.id.as_str()).cmp(&sb.map(|s| s.id.as_str())))
        };
        let by_score =
            |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then_with(|| by_modified(a, b));
        let cmp: &dyn Fn(&(u32, f32), &(u32, f32)) -> std::cmp::Ordering = match (q.sort, text) {
            (Sort::Title, _) => &by_title,
            (Sort::Modified, _) | (Sort::Relevance, None) => &by_modified,
            (Sort::Relevance, Some(_)) => &by_score,
        };
        let end = q.offset.saturating_add(q.limit).min(hits.len());
        if q.offset >= hits.len() {
            hits.clear();
        } else {
            if end < hits.len() {
                hits.select_nth_unstable_by(end, cmp);
                hits.truncate(end);
            }
            hits.sort_unstable_by(cmp);
        }
        let hits = hits
            .into_iter()
            .skip(q.offset)
            .filter_map(|(k, score)| {
                doc(k).map(|s| Hit {
                    id: s.id.clone(),
                    score,
                })
            })
            .collect();
        Ok(SearchResult {
            total,
            hits,
            facets,
        })
    }

    /// The schema-level analyser a language's fields use (for tests and diagnostics).
    pub fn analyse(&self, lang: Lang, text: &str) -> Vec<String> {
        let name = LANG_ANALYZERS[lang_ix(lang)].0;
        let Some(mut a) = self.index.tokenizers().get(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut ts = a.token_stream(text);
        while ts.advance() {
            out.push(ts.token().text.clone());
        }
        out
    }
}

/// Collects (key, score) of every match, reading the key from its fast field.
struct KeyCollector;

struct KeySegmentCollector {
    keys: Column<u64>,
    out: Vec<(u32, f32)>,
}

impl Collector for KeyCollector {
    type Fruit = Vec<(u32, f32)>;
    type Child = KeySegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<KeySegmentCollector> {
        Ok(KeySegmentCollector {
            keys: segment.fast_fields().u64("key")?,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u32, f32)>>) -> tantivy::Result<Vec<(u32, f32)>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for KeySegmentCollector {
    type Fruit = Vec<(u32, f32)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(k) = self.keys.first(doc) {
            self.out.push((k as u32, score));
        }
    }

    fn harvest(self) -> Vec<(u32, f32)> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Distribution, Multilingual, Spatial, Temporal};

    fn rec(id: &str, fr: &str, nl: &str, theme: &str, modified: &str) -> Dataset {
        let mut d = Dataset {
            id: id.into(),
            title: Multilingual::from_pairs([(Lang::Fr, fr), (Lang::Nl, nl)]),
            description: Multilingual::from_pairs([(Lang::Fr, "Données de la Région")]),
            themes: vec![format!("{}{theme}", crate::model::vocab::DATA_THEME)],
            publisher: Some("cirb".into()),
            ..Default::default()
        };
        d.record.published = true;
        d.record.modified = modified.into();
        d
    }

    fn index() -> SearchIndex {
        let idx = SearchIndex::new().unwrap();
        let mut a = rec(
            "a",
            "Bâtiments de Bruxelles",
            "Gebouwen van Brussel",
            "REGI",
            "2024-01-01T00:00:00Z",
        );
        a.keywords.add(Lang::Fr, "cadastre");
        a.spatial = Some(Spatial {
            bbox: Some(Bbox {
                west: 4.3,
                south: 50.8,
                east: 4.4,
                north: 50.9,
            }),
            places: vec![],
        });
        a.temporal = Some(Temporal {
            start: Some("2020-01-01".into()),
            end: Some("2020-12-31".into()),
        });
        a.distributions.push(Distribution {
            id: "csv".into(),
            access_url: "https://x.org/a.csv".into(),
            format: Some(format!("{}CSV", crate::model::vocab::FILE_TYPE)),
            ..Default::default()
        });
        let b = rec(
            "b",
            "Arbres remarquables",
            "Merkwaardige bomen",
            "ENVI",
            "2025-01-01T00:00:00Z",
        );
        let mut c = rec("c", "Écoles", "Scholen", "EDUC", "2023-01-01T00:00:00Z");
        c.record.published = false;
        idx.upsert_many(&[a, b, c]).unwrap();
        idx
    }

    fn ids(r: &SearchResult) -> Vec<&str> {
        r.hits.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn stemming_and_folding() {
        let idx = index();
        for q in [
            "batiment",
            "bâtiments",
            "BATIMENTS",
            "gebouw",
            "gebouwen",
            "brussel",
        ] {
            let r = idx
                .search(&SearchQuery {
                    q: Some(q.into()),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(ids(&r), ["a"], "query {q}");
        }
        assert_eq!(
            idx.analyse(Lang::Fr, "Bâtiments"),
            idx.analyse(Lang::Fr, "batiment")
        );
        assert_eq!(
            idx.analyse(Lang::Nl, "Gebouwen"),
            idx.analyse(Lang::Nl, "gebouw")
        );
        let r = idx
            .search(&SearchQuery {
                q: Some("ecoles".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.total, 0, "unpublished records are hidden");
        let r = idx
            .search(&SearchQuery {
                q: Some("ecoles".into()),
                include_hidden: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&r), ["c"]);
        // Lenient parsing: syntax characters never fail.
        assert!(idx
            .search(&SearchQuery {
                q: Some("\"(title:[ AND".into()),
                ..Default::default()
            })
            .is_ok());
    }

    #[test]
    fn filters_facets_sort_paging() {
        let idx = index();
        let all = idx
            .search(&SearchQuery {
                facets: Facet::ALL.to_vec(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(all.total, 2);
        assert_eq!(ids(&all), ["b", "a"], "newest first without q");
        let themes = &all
            .facets
            .iter()
            .find(|(f, _)| *f == Facet::Theme)
            .unwrap()
            .1;
        assert_eq!(themes.len(), 2);
        assert!(themes.iter().all(|c| c.count == 1));
        let publisher = &all
            .facets
            .iter()
            .find(|(f, _)| *f == Facet::Publisher)
            .unwrap()
            .1;
        assert_eq!(
            publisher,
            &[FacetCount {
                value: "cirb".into(),
                count: 2
            }]
        );
        let r = idx
            .search(&SearchQuery {
                filters: vec![(
                    Facet::Format,
                    vec![format!("{}CSV", crate::model::vocab::FILE_TYPE)],
                )],
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&r), ["a"]);
        let r = idx
            .search(&SearchQuery {
                filters: vec![(Facet::Keyword, vec!["CADASTRE".into()])],
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&r), ["a"]);
        let r = idx
            .search(&SearchQuery {
                bbox: Some(Bbox {
                    west: 4.35,
                    south: 50.85,
                    east: 5.0,
                    north: 51.0,
                }),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&r), ["a"]);
        let r = idx
            .search(&SearchQuery {
                temporal: Some((parse_date("2021-01-01"), None)),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.total, 0);
        let r = idx
            .search(&SearchQuery {
                temporal: Some((None, parse_date("2020-06-01"))),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&r), ["a"]);
        let r = idx
            .search(&SearchQuery {
                modified_since: Some("2024-06-01T00:00:00Z".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&r), ["b"]);
        let r = idx
            .search(&SearchQuery {
                sort: Sort::Title,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&r), ["b", "a"], "Arbres before Bâtiments");
        let r = idx
            .search(&SearchQuery {
                sort: Sort::Title,
                lang: Lang::Nl,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&r), ["a", "b"], "Gebouwen before Merkwaardige");
        let r = idx
            .search(&SearchQuery {
                sort: Sort::Title,
                offset: 1,
                limit: 1,
                ..Default::default()
            })
            .unwrap();
        assert_eq!((r.total, ids(&r)), (2, vec!["a"]));
        let r = idx
            .search(&SearchQuery {
                offset: 5,
                ..Default::default()
            })
            .unwrap();
        assert_eq!((r.total, r.hits.len()), (2, 0));
    }

    #[test]
    fn updates_and_removals() {
        let idx = index();
        let mut b = rec(
            "b",
            "Arbres remarquables",
            "Merkwaardige bomen",
            "ENVI",
            "2025-02-01T00:00:00Z",
        );
        b.title.set(Lang::Fr, "Parcs et jardins");
        idx.upsert(&b).unwrap();
        let q = |s: &str| {
            idx.search(&SearchQuery {
                q: Some(s.into()),
                ..Default::default()
            })
            .unwrap()
        };
        assert_eq!(q("arbres").total, 0);
        assert_eq!(ids(&q("jardin")), ["b"]);
        idx.remove("b").unwrap();
        assert_eq!(q("jardin").total, 0);
        assert_eq!(idx.len(), 2);
    }
}
