//! Catalogue search: full text with tantivy, filters, facets, sort and paging.
//!
//! The index lives in RAM and is rebuilt from the store when the server starts (100,000
//! records take a few seconds); every write through [`crate::CatalogState`] updates it at once.
//!
//! *Full text.* tantivy indexes, per language (fr, nl, en, de), one field holding the title
//! (twice, so that it weighs more), the keywords and the description, with a language analyser:
//! simple tokenizer → lower case → ASCII folding (`é` → `e`, so accents never matter, in the
//! query or the record) → the language's Snowball stemmer (`bâtiments`, `batiment` → `bat`;
//! `gebouwen`, `gebouw` → `bouw`). A further unstemmed, folded field holds the titles of every
//! language and the id (boost 2). The query goes through tantivy's query parser in lenient mode
//! (never an error), with every term required (AND) in any field.
//!
//! *Filters and facets.* Beside tantivy, the index keeps each record's columns (flags, kind,
//! facet values interned and packed as integers, bbox, temporal extent as days, instants as Unix
//! seconds, folded titles), one vector per column indexed by record key, so that scans touch
//! little memory. The full-text query yields (key, score) pairs from a collector reading a fast
//! field; filters, facet counts, sorting (title order as precomputed ranks) and paging then run
//! over the columns. Without `q` every visible record is a candidate.

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

/// Interned facet values of one facet.
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

const ALIVE: u8 = 1;
const PUBLIC: u8 = 2;
const HVD: u8 = 4;
const TEMPORAL: u8 = 8;
const BBOX: u8 = 16;

/// A facet value packed with its facet: `facet << 28 | value`.
fn pack(f: Facet, v: u32) -> u32 {
    ((f as u32) << 28) | (v & 0x0FFF_FFFF)
}

/// What the index keeps of every record beside tantivy, column by column (indexed by key) so
/// that scans touch little memory.
#[derive(Default)]
struct Table {
    ids: Vec<String>,
    keys: HashMap<String, u32>,
    flags: Vec<u8>,
    kinds: Vec<Kind>,
    /// Packed facet values per record.
    facets: Vec<Box<[u32]>>,
    bbox: Vec<[f64; 4]>,
    start: Vec<i32>,
    end: Vec<i32>,
    /// The catalogue record's last change (Unix seconds), for `modified_since`.
    modified: Vec<i64>,
    /// The resource's own `modified` (else the record's), for sorting.
    sort_modified: Vec<i64>,
    /// Folded lower-case title per language (fr, nl, en, de), for sorting.
    titles: [Vec<Box<str>>; 4],
    dict: [Interner; N_FACETS],
}

impl Table {
    /// Approximate heap bytes of the columns.
    fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let strings = |v: &[String]| v.iter().map(|s| s.capacity()).sum::<usize>();
        let n = self.ids.capacity();
        let mut b = n
            * (size_of::<String>()
                + 1
                + size_of::<Kind>()
                + size_of::<Box<[u32]>>()
                + 32
                + 4
                + 4
                + 8
                + 8
                + 4 * size_of::<Box<str>>());
        b += strings(&self.ids);
        // The id → key map holds a second copy of every id.
        b += self.keys.capacity() * (size_of::<String>() + 4 + 1) + strings(&self.ids);
        b += self.facets.iter().map(|f| f.len() * 4).sum::<usize>();
        b += self
            .titles
            .iter()
            .flat_map(|t| t.iter())
            .map(|t| t.len())
            .sum::<usize>();
        for d in &self.dict {
            b += 2 * strings(&d.values) + d.ids.capacity() * (size_of::<String>() + 4 + 1);
        }
        b
    }
}

/// Memory held by the search index (see [`SearchIndex::memory`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IndexMemory {
    pub records: usize,
    /// tantivy's in-RAM segments (postings, positions, term dictionaries, fast fields).
    pub text_bytes: u64,
    /// The record columns (ids, flags, facets, bboxes, dates, sort titles).
    pub column_bytes: u64,
}

struct Fields {
    key: Field,
    /// Title, keywords and description per language (fr, nl, en, de), stemmed.
    text: [Field; 4],
    /// Titles of every language and the id, folded but not stemmed (boosted).
    title: Field,
}

/// The catalogue's search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    parser: QueryParser,
    table: RwLock<Table>,
    /// Title ranks per language, computed on the first title sort after a write.
    ranks: Mutex<[Option<std::sync::Arc<Vec<u32>>>; 4]>,
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

/// Unix seconds of a stored instant or date (0 when unparsable).
fn instant_secs(s: &str) -> i64 {
    crate::store::normalize_instant(s)
        .and_then(|n| {
            time::OffsetDateTime::parse(&n, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| t.unix_timestamp())
        .unwrap_or(0)
}

impl SearchIndex {
    /// An empty index.
    pub fn new() -> Result<SearchIndex, SearchError> {
        let mut sb = Schema::builder();
        let key = sb.add_u64_field("key", NumericOptions::default().set_indexed().set_fast());
        let mut text = [Field::from_field_id(0); 4];
        for (i, (an, _)) in LANG_ANALYZERS.iter().enumerate() {
            text[i] = sb.add_text_field(&format!("text_{}", &an[..2]), text_options(an));
        }
        let title = sb.add_text_field("title", text_options("folded"));
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
        let mut default_fields: Vec<Field> = text.to_vec();
        default_fields.push(title);
        let mut parser = QueryParser::for_index(&index, default_fields);
        parser.set_conjunction_by_default();
        parser.set_field_boost(title, 2.0);
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields: Fields { key, text, title },
            parser,
            table: RwLock::new(Table::default()),
            ranks: Mutex::new([None, None, None, None]),
        })
    }

    /// Number of records in the index (visible or not).
    pub fn len(&self) -> usize {
        self.table.read().map(|t| t.keys.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the index holds in RAM (bytes): tantivy's segments and an estimate of the record
    /// columns. Both grow with the number of records (about 1 KB per record together).
    pub fn memory(&self) -> IndexMemory {
        // A searcher of the latest segments: merges finished since the last commit have
        // replaced (and freed) older ones.
        let _ = self.reader.reload();
        let text = self
            .reader
            .searcher()
            .space_usage()
            .map(|u| u.total().get_bytes())
            .unwrap_or(0);
        let columns = self.table.read().map(|t| t.heap_bytes()).unwrap_or(0);
        IndexMemory {
            records: self.len(),
            text_bytes: text,
            column_bytes: columns as u64,
        }
    }

    fn document(&self, key: u32, ds: &Dataset) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.key, key as u64);
        // Titles weigh more: they are in the title field and twice in the language's text.
        for (l, t) in ds.title.iter() {
            doc.add_text(f.text[lang_ix(l)], t);
            doc.add_text(f.text[lang_ix(l)], t);
            doc.add_text(f.title, t);
        }
        for (l, k) in ds.keywords.iter() {
            doc.add_text(f.text[lang_ix(l)], k);
        }
        for (l, t) in ds.description.iter() {
            doc.add_text(f.text[lang_ix(l)], t);
        }
        doc.add_text(f.title, &ds.id);
        doc
    }

    /// Write a record's columns at `key`.
    fn put_row(t: &mut Table, key: usize, ds: &Dataset) {
        let mut facets: Vec<u32> = Vec::new();
        let mut add = |t: &mut Table, f: Facet, v: &str| {
            let p = pack(f, t.dict[f.ix()].intern(v));
            if !facets.contains(&p) {
                facets.push(p);
            }
        };
        for th in &ds.themes {
            add(t, Facet::Theme, th);
        }
        if let Some(p) = &ds.publisher {
            add(t, Facet::Publisher, p);
        }
        for fmt in ds.formats() {
            add(t, Facet::Format, fmt);
        }
        for k in ds.all_keywords() {
            add(t, Facet::Keyword, &k.to_lowercase());
        }
        if let Some(l) = &ds.licence {
            add(t, Facet::Licence, &l.uri);
        }
        for l in &ds.languages {
            add(t, Facet::Language, l);
        }
        add(t, Facet::Type, ds.kind.as_str());
        for h in &ds.hvd_categories {
            add(t, Facet::Hvd, h);
        }
        let day = |s: &Option<String>| s.as_deref().and_then(parse_date).map(|d| d.to_julian_day());
        let (start, end) = match &ds.temporal {
            Some(tm) => (day(&tm.start), day(&tm.end)),
            None => (None, None),
        };
        let mut flags = ALIVE;
        if ds.is_public() {
            flags |= PUBLIC;
        }
        if !ds.hvd_categories.is_empty() {
            flags |= HVD;
        }
        if start.is_some() || end.is_some() {
            flags |= TEMPORAL;
        }
        let bbox = ds.spatial.as_ref().and_then(|s| s.bbox);
        if bbox.is_some() {
            flags |= BBOX;
        }
        let record_modified = instant_secs(&ds.record.modified);
        t.ids[key] = ds.id.clone();
        t.flags[key] = flags;
        t.kinds[key] = ds.kind;
        t.facets[key] = facets.into_boxed_slice();
        t.bbox[key] = bbox
            .map(|b| [b.west, b.south, b.east, b.north])
            .unwrap_or_default();
        t.start[key] = start.unwrap_or(i32::MIN);
        t.end[key] = end.unwrap_or(i32::MAX);
        t.modified[key] = record_modified;
        t.sort_modified[key] = ds
            .modified
            .as_deref()
            .map(instant_secs)
            .filter(|s| *s != 0)
            .unwrap_or(record_modified);
        for l in Lang::ALL {
            t.titles[lang_ix(l)][key] = fold(ds.title.best(l).unwrap_or("")).into_boxed_str();
        }
    }

    fn push_row(t: &mut Table) -> usize {
        let k = t.ids.len();
        t.ids.push(String::new());
        t.flags.push(0);
        t.kinds.push(Kind::Dataset);
        t.facets.push(Box::new([]));
        t.bbox.push([0.0; 4]);
        t.start.push(i32::MIN);
        t.end.push(i32::MAX);
        t.modified.push(0);
        t.sort_modified.push(0);
        for titles in &mut t.titles {
            titles.push(Box::from(""));
        }
        k
    }

    fn invalidate_ranks(&self) {
        if let Ok(mut r) = self.ranks.lock() {
            *r = [None, None, None, None];
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
                        *k as usize
                    }
                    None => {
                        let k = Self::push_row(&mut table);
                        table.keys.insert(ds.id.clone(), k as u32);
                        k
                    }
                };
                Self::put_row(&mut table, key, ds);
                writer.add_document(self.document(key as u32, ds))?;
            }
        }
        writer.commit()?;
        self.reader.reload()?;
        self.invalidate_ranks();
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
            table.flags[k as usize] = 0;
            table.facets[k as usize] = Box::new([]);
            writer.delete_term(Term::from_field_u64(self.fields.key, k as u64));
        }
        writer.commit()?;
        self.reader.reload()?;
        self.invalidate_ranks();
        Ok(())
    }

    /// Full-text matches as (key, score).
    fn text_matches(&self, q: &str) -> Result<Vec<(u32, f32)>, SearchError> {
        let (query, _errors) = self.parser.parse_query_lenient(q);
        let searcher = self.reader.searcher();
        Ok(searcher.search(&*query, &KeyCollector)?)
    }

    /// Title ranks of a language (position of each key in title order).
    fn title_ranks(
        &self,
        table: &Table,
        li: usize,
    ) -> Result<std::sync::Arc<Vec<u32>>, SearchError> {
        let mut ranks = self.ranks.lock().map_err(|_| SearchError::Poisoned)?;
        if let Some(r) = &ranks[li] {
            if r.len() == table.ids.len() {
                return Ok(r.clone());
            }
        }
        let titles = &table.titles[li];
        let mut order: Vec<u32> = (0..titles.len() as u32).collect();
        order.sort_unstable_by(|a, b| {
            titles[*a as usize]
                .cmp(&titles[*b as usize])
                .then_with(|| table.ids[*a as usize].cmp(&table.ids[*b as usize]))
        });
        let mut rank = vec![0u32; order.len()];
        for (i, k) in order.into_iter().enumerate() {
            rank[k as usize] = i as u32;
        }
        let rank = std::sync::Arc::new(rank);
        ranks[li] = Some(rank.clone());
        Ok(rank)
    }

    /// Run a query.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResult, SearchError> {
        let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let matches = match text {
            Some(t) => Some(self.text_matches(t)?),
            None => None,
        };
        let table = self.table.read().map_err(|_| SearchError::Poisoned)?;
        // Facet filters as packed ids; an unknown value matches nothing.
        let mut filters: Vec<Vec<u32>> = Vec::with_capacity(q.filters.len());
        for (f, values) in &q.filters {
            let ids: Vec<u32> = values
                .iter()
                .filter_map(|v| {
                    let v = if *f == Facet::Keyword {
                        v.to_lowercase()
                    } else {
                        v.clone()
                    };
                    table.dict[f.ix()].ids.get(&v).map(|i| pack(*f, *i))
                })
                .collect();
            filters.push(ids);
        }
        let range = q.temporal.map(|(s, e)| {
            (
                s.map(|d| d.to_julian_day()).unwrap_or(i32::MIN),
                e.map(|d| d.to_julian_day()).unwrap_or(i32::MAX),
            )
        });
        let since = q.modified_since.as_deref().map(instant_secs);
        let only: Option<Vec<u32>> = q.ids.as_ref().map(|ids| {
            ids.iter()
                .filter_map(|id| table.keys.get(id).copied())
                .collect()
        });
        let need = if q.include_hidden {
            ALIVE
        } else {
            ALIVE | PUBLIC
        };
        let keep = |k: usize| -> bool {
            let fl = table.flags[k];
            if fl & need != need {
                return false;
            }
            if !q.kinds.is_empty() && !q.kinds.contains(&table.kinds[k]) {
                return false;
            }
            if let Some(h) = q.hvd {
                if (fl & HVD != 0) != h {
                    return false;
                }
            }
            if let Some(only) = &only {
                if !only.contains(&(k as u32)) {
                    return false;
                }
            }
            if !filters.is_empty() {
                let fs = &table.facets[k];
                for want in &filters {
                    if !fs.iter().any(|v| want.contains(v)) {
                        return false;
                    }
                }
            }
            if let Some(b) = &q.bbox {
                if fl & BBOX == 0 {
                    return false;
                }
                let [w, s, e, n] = table.bbox[k];
                if !(w <= b.east && b.west <= e && s <= b.north && b.south <= n) {
                    return false;
                }
            }
            if let Some((from, to)) = range {
                if fl & TEMPORAL == 0 || table.start[k] > to || table.end[k] < from {
                    return false;
                }
            }
            if let Some(m) = since {
                if table.modified[k] < m {
                    return false;
                }
            }
            true
        };
        let mut hits: Vec<(u32, f32)> = match matches {
            Some(m) => m
                .into_iter()
                .filter(|(k, _)| (*k as usize) < table.flags.len() && keep(*k as usize))
                .collect(),
            None => (0..table.flags.len())
                .filter(|k| keep(*k))
                .map(|k| (k as u32, 0.0))
                .collect(),
        };
        let total = hits.len();
        // Facet counts over the whole result set.
        let mut facets = Vec::new();
        if !q.facets.is_empty() {
            let wanted: u16 = q.facets.iter().fold(0, |m, f| m | (1 << f.ix()));
            let mut counts: Vec<Vec<u32>> = table
                .dict
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    if wanted & (1 << i) != 0 {
                        vec![0u32; d.values.len()]
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            for (k, _) in &hits {
                for p in table.facets[*k as usize].iter() {
                    let f = (p >> 28) as usize;
                    if wanted & (1 << f) != 0 {
                        counts[f][(p & 0x0FFF_FFFF) as usize] += 1;
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
        // Sort only as far as the requested page needs, on integer keys.
        let end = q.offset.saturating_add(q.limit).min(hits.len());
        if q.offset >= hits.len() || end == 0 {
            hits.clear();
        } else {
            let sm = &table.sort_modified;
            let by_modified = |a: &(u32, f32), b: &(u32, f32)| {
                sm[b.0 as usize]
                    .cmp(&sm[a.0 as usize])
                    .then_with(|| a.0.cmp(&b.0))
            };
            match (q.sort, text) {
                (Sort::Title, _) => {
                    let rank = self.title_ranks(&table, lang_ix(q.lang))?;
                    let cmp = |a: &(u32, f32), b: &(u32, f32)| {
                        rank[a.0 as usize].cmp(&rank[b.0 as usize])
                    };
                    if end < hits.len() {
                        hits.select_nth_unstable_by(end, cmp);
                        hits.truncate(end);
                    }
                    hits.sort_unstable_by(cmp);
                }
                (Sort::Modified, _) | (Sort::Relevance, None) => {
                    if end < hits.len() {
                        hits.select_nth_unstable_by(end, by_modified);
                        hits.truncate(end);
                    }
                    hits.sort_unstable_by(by_modified);
                }
                (Sort::Relevance, Some(_)) => {
                    let cmp = |a: &(u32, f32), b: &(u32, f32)| {
                        b.1.total_cmp(&a.1).then_with(|| by_modified(a, b))
                    };
                    if end < hits.len() {
                        hits.select_nth_unstable_by(end, cmp);
                        hits.truncate(end);
                    }
                    hits.sort_unstable_by(cmp);
                }
            }
        }
        let hits = hits
            .into_iter()
            .skip(q.offset)
            .map(|(k, score)| Hit {
                id: table.ids[k as usize].clone(),
                score,
            })
            .collect();
        Ok(SearchResult {
            total,
            hits,
            facets,
        })
    }

    /// The analyser a language's text field uses (for tests and diagnostics).
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
        let m = idx.memory();
        assert_eq!(m.records, 2);
        assert!(m.text_bytes > 0 && m.column_bytes > 0, "{m:?}");
    }
}
