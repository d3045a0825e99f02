//! Catalogue query constraints: one AST for OGC Filter 1.1 (XML) and OGC CQL (`CQL_TEXT`), and
//! its evaluation over a record's queryable fields.
//!
//! Queryables (prefix optional, case-insensitive): the CSW core ones (`csw:AnyText`, `dc:title`,
//! `dct:abstract`, `dc:subject`, `dc:identifier`, `dct:modified`, `dc:type`, `dc:format`,
//! `ows:BoundingBox`) and the ISO application profile's (`apiso:Title`, `apiso:Abstract`,
//! `apiso:Subject`, `apiso:Identifier`, `apiso:Modified`, `apiso:CreationDate`,
//! `apiso:PublicationDate`, `apiso:TempExtent_begin`, `apiso:TempExtent_end`, `apiso:TempExtent`,
//! `apiso:Type`, `apiso:Format`, `apiso:Language`, `apiso:OrganisationName`,
//! `apiso:BoundingBox`).
//!
//! Bounding boxes are held as WGS 84 longitude/latitude. In Filter XML an envelope without
//! `srsName`, or with an EPSG:4326 URN/URI, is read latitude first (as the CSW 2.0.2 default CRS
//! `urn:x-ogc:def:crs:EPSG:6.11:4326` demands); `EPSG:4326` and `CRS84` are read longitude first.
//! A CQL `BBOX(prop, minx, miny, maxx, maxy)` is longitude first.

use super::super::xml::Element;

/// Longest constraint text accepted.
pub const MAX_CONSTRAINT_LEN: usize = 64 * 1024;
/// Deepest nesting of logical operators accepted.
const MAX_NESTING: usize = 32;

pub const OGC_NS: &str = "http://www.opengis.net/ogc";

/// A queryable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prop {
    AnyText,
    Title,
    Abstract,
    Subject,
    Identifier,
    Modified,
    Created,
    Issued,
    TempBegin,
    TempEnd,
    TempExtent,
    Type,
    Format,
    Language,
    Publisher,
    BoundingBox,
}

impl Prop {
    /// The property for a (possibly prefixed) queryable name.
    pub fn from_name(name: &str) -> Option<Prop> {
        let local = name.trim().rsplit([':', '/']).next().unwrap_or("");
        Some(match local.to_ascii_lowercase().as_str() {
            "anytext" | "csw_anytext" => Prop::AnyText,
            "title" | "alternatetitle" => Prop::Title,
            "abstract" | "description" => Prop::Abstract,
            "subject" | "keywords" | "keyword" | "topiccategory" => Prop::Subject,
            "identifier" | "fileidentifier" | "resourceidentifier" => Prop::Identifier,
            "modified" | "revisiondate" | "date" => Prop::Modified,
            "creationdate" | "created" => Prop::Created,
            "publicationdate" | "issued" => Prop::Issued,
            "tempextent_begin" => Prop::TempBegin,
            "tempextent_end" => Prop::TempEnd,
            "tempextent" => Prop::TempExtent,
            "type" => Prop::Type,
            "format" => Prop::Format,
            "language" | "resourcelanguage" => Prop::Language,
            "organisationname" | "organizationname" | "publisher" | "creator" => Prop::Publisher,
            "boundingbox" | "envelope" => Prop::BoundingBox,
            _ => return None,
        })
    }

    pub fn is_date(self) -> bool {
        matches!(
            self,
            Prop::Modified
                | Prop::Created
                | Prop::Issued
                | Prop::TempBegin
                | Prop::TempEnd
                | Prop::TempExtent
        )
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One token of a LIKE pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Char(char),
    /// Any run of characters (`%`, `*`).
    Any,
    /// Exactly one character (`_`, `.`, `?`).
    One,
}

/// A constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Like {
        prop: Prop,
        pattern: Vec<Tok>,
        match_case: bool,
        /// The pattern folded (see [`fold`]) for case-insensitive matching, and its
        /// `(leading %, literal, trailing %)` form when it has no other wildcard.
        folded: Vec<Tok>,
        literal: Option<(bool, String, bool)>,
    },
    /// `value` is normalised: a date key for date properties, the literal otherwise.
    Cmp {
        prop: Prop,
        op: Op,
        value: String,
    },
    Between {
        prop: Prop,
        lo: String,
        hi: String,
    },
    IsNull(Prop),
    /// Longitude/latitude `[minx, miny, maxx, maxy]`.
    Bbox([f64; 4]),
    Ids(Vec<String>),
}

/// Why a constraint was refused; the text is shown to the client.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError(pub String);

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError(msg.into()))
}

fn clip(s: &str) -> String {
    let c: String = s.chars().take(60).collect();
    if c.len() < s.len() {
        format!("{c}…")
    } else {
        c
    }
}

fn prop(name: &str) -> Result<Prop, FilterError> {
    Prop::from_name(name).ok_or_else(|| {
        FilterError(format!(
            "unknown queryable `{}` (use e.g. csw:AnyText, dc:title, dct:abstract, dc:subject, \
             dct:modified, apiso:TempExtent_begin, ows:BoundingBox)",
            clip(name)
        ))
    })
}

/// A date or date-time normalised to `YYYY-MM-DDThh:mm:ss` (UTC offsets ignored), so that keys
/// compare as strings. Accepts `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and RFC 3339 date-times.
pub fn date_key(s: &str) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if !digits(0..4) {
        return None;
    }
    let year = &s[0..4];
    let (month, day, rest) = match b.len() {
        4 => ("01", "01", ""),
        7 if b[4] == b'-' && digits(5..7) => (&s[5..7], "01", ""),
        n if n >= 10 && b[4] == b'-' && b[7] == b'-' && digits(5..7) && digits(8..10) => {
            (&s[5..7], &s[8..10], &s[10..])
        }
        _ => return None,
    };
    let (m, d): (u32, u32) = (month.parse().ok()?, day.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut time = "00:00:00".to_string();
    if !rest.is_empty() {
        let rb = rest.as_bytes();
        if !(rb[0] == b'T' || rb[0] == b't' || rb[0] == b' ') {
            return None;
        }
        let t = &rest[1..];
        let tb = t.as_bytes();
        let td = |r: std::ops::Range<usize>| {
            tb.get(r.clone())
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        };
        if !(td(0..2) && tb.get(2) == Some(&b':') && td(3..5)) {
            return None;
        }
        let (hh, mm) = (&t[0..2], &t[3..5]);
        let ss = if tb.get(5) == Some(&b':') && td(6..8) {
            &t[6..8]
        } else {
            "00"
        };
        let tail_start = if tb.get(5) == Some(&b':') { 8 } else { 5 };
        let mut tail = t.get(tail_start.min(t.len())..)?;
        if let Some(frac) = tail.strip_prefix('.') {
            tail = frac.trim_start_matches(|c: char| c.is_ascii_digit());
        }
        let zone_ok = tail.is_empty()
            || tail.eq_ignore_ascii_case("z")
            || (tail.len() == 6
                && (tail.starts_with('+') || tail.starts_with('-'))
                && tail.as_bytes()[3] == b':');
        if !zone_ok || hh > "23" || mm > "59" || ss > "60" {
            return None;
        }
        time = format!("{hh}:{mm}:{ss}");
    }
    Some(format!("{year}-{month}-{day}T{time}"))
}

fn cmp_value(p: Prop, v: &str) -> Result<String, FilterError> {
    if p == Prop::BoundingBox {
        return err("ows:BoundingBox can only be used in BBOX");
    }
    if p.is_date() {
        date_key(v).ok_or_else(|| {
            FilterError(format!(
                "`{}` is not an ISO 8601 date or date-time (YYYY-MM-DD[Thh:mm:ssZ])",
                clip(v)
            ))
        })
    } else {
        Ok(v.to_string())
    }
}

fn like_pattern(s: &str, wild: char, one: char, escape: Option<char>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            if let Some(n) = chars.next() {
                out.push(Tok::Char(n));
            }
        } else if c == wild {
            if out.last() != Some(&Tok::Any) {
                out.push(Tok::Any);
            }
        } else if c == one {
            out.push(Tok::One);
        } else {
            out.push(Tok::Char(c));
        }
    }
    out
}

fn one_char(v: Option<&str>, default: char, what: &str) -> Result<char, FilterError> {
    match v {
        None => Ok(default),
        Some(s) => {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(c),
                _ => err(format!(
                    "PropertyIsLike {what} must be one character, not `{}`",
                    clip(s)
                )),
            }
        }
    }
}

fn check_bbox(b: [f64; 4]) -> Result<[f64; 4], FilterError> {
    if b.iter().any(|v| !v.is_finite()) {
        return err("BBOX coordinates must be finite numbers");
    }
    if b[0] > b[2] || b[1] > b[3] {
        return err(format!(
            "BBOX lower corner ({}, {}) is above or right of its upper corner ({}, {})",
            b[0], b[1], b[2], b[3]
        ));
    }
    if b[1] < -90.0 || b[3] > 90.0 || b[0] < -180.0 || b[2] > 180.0 {
        return err(
            "BBOX is outside WGS 84 longitude/latitude bounds (check the axis order of srsName)",
        );
    }
    Ok(b)
}

/// Axis order of an `srsName`: `Some(true)` latitude first, `Some(false)` longitude first,
/// `None` unsupported.
fn lat_first(srs: Option<&str>) -> Option<bool> {
    let Some(s) = srs.map(str::trim) else {
        return Some(true);
    };
    let l = s.to_ascii_lowercase();
    if l.is_empty() {
        return Some(true);
    }
    if l == "epsg:4326" || l.ends_with("crs84") || l == "crs:84" || l.ends_with("epsg.xml#4326") {
        return Some(false);
    }
    if (l.starts_with("urn:ogc:def:crs:epsg:") || l.starts_with("urn:x-ogc:def:crs:epsg:"))
        && l.ends_with(":4326")
        || l == "http://www.opengis.net/def/crs/epsg/0/4326"
    {
        return Some(true);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// OGC Filter 1.1 (XML)
// ---------------------------------------------------------------------------------------------

/// Read an `ogc:Filter` element.
pub fn from_xml(filter: &Element) -> Result<Filter, FilterError> {
    if filter.local != "Filter" {
        return err(format!("expected ogc:Filter, found <{}>", filter.local));
    }
    let ops: Vec<&Element> = filter.children.iter().collect();
    match ops.as_slice() {
        [] => err("ogc:Filter is empty"),
        [one] => xml_op(one, 0),
        _ => {
            // Several id selectors are allowed side by side; anything else needs And/Or.
            if ops
                .iter()
                .all(|e| matches!(e.local.as_str(), "FeatureId" | "GmlObjectId"))
            {
                let mut ids = Vec::new();
                for e in ops {
                    ids.push(id_of(e)?);
                }
                Ok(Filter::Ids(ids))
            } else {
                err("ogc:Filter must hold one operator (combine several with ogc:And / ogc:Or)")
            }
        }
    }
}

fn id_of(e: &Element) -> Result<String, FilterError> {
    e.attr("fid")
        .or_else(|| e.attr("id"))
        .map(str::to_string)
        .ok_or_else(|| FilterError(format!("ogc:{} needs an fid or gml:id attribute", e.local)))
}

fn property_name(e: &Element) -> Result<Prop, FilterError> {
    let pn = e
        .child("PropertyName")
        .ok_or_else(|| FilterError(format!("ogc:{} needs an ogc:PropertyName", e.local)))?;
    prop(pn.trimmed())
}

fn literal(e: &Element) -> Result<&str, FilterError> {
    e.child("Literal")
        .map(|l| l.text.as_str())
        .ok_or_else(|| FilterError(format!("ogc:{} needs an ogc:Literal", e.local)))
}

fn xml_op(e: &Element, depth: usize) -> Result<Filter, FilterError> {
    if depth > MAX_NESTING {
        return err(format!("filter nested deeper than {MAX_NESTING} levels"));
    }
    let local = e.local.as_str();
    Ok(match local {
        "And" | "Or" => {
            if e.children.is_empty() {
                return err(format!("ogc:{local} needs at least one operand"));
            }
            let parts = e
                .children
                .iter()
                .map(|c| xml_op(c, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            if local == "And" {
                Filter::And(parts)
            } else {
                Filter::Or(parts)
            }
        }
        "Not" => match e.children.as_slice() {
            [one] => Filter::Not(Box::new(xml_op(one, depth + 1)?)),
            _ => return err("ogc:Not needs exactly one operand"),
        },
        "PropertyIsLike" => {
            let p = property_name(e)?;
            if p == Prop::BoundingBox {
                return err("ows:BoundingBox can only be used in BBOX");
            }
            let wild = one_char(e.attr("wildCard"), '%', "wildCard")?;
            let one = one_char(e.attr("singleChar"), '_', "singleChar")?;
            let escape = match e.attr("escapeChar").or_else(|| e.attr("escape")) {
                None => None,
                Some(s) => Some(one_char(Some(s), '\\', "escapeChar")?),
            };
            if wild == one || Some(wild) == escape || Some(one) == escape {
                return err("PropertyIsLike wildCard, singleChar and escapeChar must differ");
            }
            let match_case = e.attr("matchCase").is_some_and(|v| v.trim() == "true");
            Filter::like(p, like_pattern(literal(e)?, wild, one, escape), match_case)
        }
        "PropertyIsEqualTo"
        | "PropertyIsNotEqualTo"
        | "PropertyIsLessThan"
        | "PropertyIsGreaterThan"
        | "PropertyIsLessThanOrEqualTo"
        | "PropertyIsGreaterThanOrEqualTo" => {
            let op = match local {
                "PropertyIsEqualTo" => Op::Eq,
                "PropertyIsNotEqualTo" => Op::Ne,
                "PropertyIsLessThan" => Op::Lt,
                "PropertyIsGreaterThan" => Op::Gt,
                "PropertyIsLessThanOrEqualTo" => Op::Le,
                _ => Op::Ge,
            };
            let p = property_name(e)?;
            Filter::Cmp {
                prop: p,
                op,
                value: cmp_value(p, literal(e)?)?,
            }
        }
        "PropertyIsBetween" => {
            let p = property_name(e)?;
            let bound = |name: &str| -> Result<String, FilterError> {
                let b = e
                    .child(name)
                    .ok_or_else(|| FilterError(format!("ogc:PropertyIsBetween needs ogc:{name}")))?;
                let v = b.child("Literal").map(|l| l.text.as_str()).unwrap_or(b.text.as_str());
                cmp_value(p, v)
            };
            Filter::Between {
                prop: p,
                lo: bound("LowerBoundary")?,
                hi: bound("UpperBoundary")?,
            }
        }
        "PropertyIsNull" => Filter::IsNull(property_name(e)?),
        "BBOX" | "Intersects" => {
            if let Some(pn) = e.child("PropertyName") {
                if prop(pn.trimmed())? != Prop::BoundingBox {
                    return err(format!("ogc:{local} applies to ows:BoundingBox only"));
                }
            }
            Filter::Bbox(envelope(e)?)
        }
        "FeatureId" | "GmlObjectId" => Filter::Ids(vec![id_of(e)?]),
        other => {
            return err(format!(
                "unsupported filter operator ogc:{} (supported: And, Or, Not, PropertyIsLike, \
                 PropertyIsEqualTo, PropertyIsNotEqualTo, PropertyIsLessThan[OrEqualTo], \
                 PropertyIsGreaterThan[OrEqualTo], PropertyIsBetween, PropertyIsNull, BBOX, FeatureId)",
                clip(other)
            ))
        }
    })
}

fn numbers(s: &str, what: &str) -> Result<Vec<f64>, FilterError> {
    s.split([' ', ',', '\t', '\n', '\r'])
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| FilterError(format!("{what}: `{}` is not a number", clip(t))))
        })
        .collect()
}

fn envelope(e: &Element) -> Result<[f64; 4], FilterError> {
    let (srs, lo, hi) = if let Some(env) = e.child("Envelope") {
        let corner = |name: &str| -> Result<Vec<f64>, FilterError> {
            let c = env
                .child(name)
                .ok_or_else(|| FilterError(format!("gml:Envelope needs gml:{name}")))?;
            let v = numbers(&c.text, name)?;
            if v.len() != 2 {
                return err(format!("gml:{name} needs 2 coordinates, found {}", v.len()));
            }
            Ok(v)
        };
        (
            env.attr("srsName"),
            corner("lowerCorner")?,
            corner("upperCorner")?,
        )
    } else if let Some(bx) = e.child("Box") {
        let c = bx
            .child("coordinates")
            .ok_or_else(|| FilterError("gml:Box needs gml:coordinates".into()))?;
        let v = numbers(&c.text, "gml:coordinates")?;
        if v.len() != 4 {
            return err(format!(
                "gml:coordinates needs 4 numbers, found {}",
                v.len()
            ));
        }
        (bx.attr("srsName"), v[0..2].to_vec(), v[2..4].to_vec())
    } else {
        return err(format!("ogc:{} needs a gml:Envelope", e.local));
    };
    let lat_first = lat_first(srs).ok_or_else(|| {
        FilterError(format!(
            "unsupported srsName `{}` (use urn:ogc:def:crs:EPSG::4326, EPSG:4326 or CRS84)",
            clip(srs.unwrap_or(""))
        ))
    })?;
    let b = if lat_first {
        [lo[1], lo[0], hi[1], hi[0]]
    } else {
        [lo[0], lo[1], hi[0], hi[1]]
    };
    check_bbox(b)
}

// ---------------------------------------------------------------------------------------------
// CQL
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum T {
    Ident(String),
    Str(String),
    Num(f64, String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<T>, FilterError> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(T::LParen);
                i += 1
            }
            ')' => {
                out.push(T::RParen);
                i += 1
            }
            ',' => {
                out.push(T::Comma);
                i += 1
            }
            '\'' | '"' => {
                let q = c;
                let mut v = String::new();
                i += 1;
                loop {
                    match cs.get(i) {
                        None => {
                            return err(format!(
                                "unterminated string starting at character {}",
                                out.len()
                            ))
                        }
                        Some(&ch) if ch == q => {
                            if cs.get(i + 1) == Some(&q) {
                                v.push(q);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(&ch) => {
                            v.push(ch);
                            i += 1;
                        }
                    }
                }
                // Double quotes delimit identifiers in CQL.
                out.push(if q == '"' { T::Ident(v) } else { T::Str(v) });
            }
            '=' => {
                out.push(T::Op("="));
                i += 1
            }
            '<' | '>' | '!' => {
                let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
                let op = match two.as_str() {
                    "<=" => "<=",
                    ">=" => ">=",
                    "<>" | "!=" => "<>",
                    _ if c == '<' => "<",
                    _ if c == '>' => ">",
                    _ => return err("unexpected `!` (use <> or != for not equal)"),
                };
                i += op.len();
                out.push(T::Op(op));
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+' || c == '.')
                    && cs
                        .get(i + 1)
                        .is_some_and(|n| n.is_ascii_digit() || *n == '.')) =>
            {
                let start = i;
                i += 1;
                while i < cs.len()
                    && (cs[i].is_ascii_alphanumeric()
                        || cs[i] == '.'
                        || cs[i] == ':'
                        || ((cs[i] == '-' || cs[i] == '+')
                            && matches!(cs[i - 1], 'e' | 'E' | '0'..='9')))
                {
                    i += 1;
                }
                let t: String = cs[start..i].iter().collect();
                match t.parse::<f64>() {
                    Ok(v) if v.is_finite() => out.push(T::Num(v, t)),
                    // A bare date-time such as 2020-01-01T00:00:00Z.
                    _ if date_key(&t).is_some() => out.push(T::Str(t)),
                    _ => return err(format!("`{}` is not a number", clip(&t))),
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < cs.len()
                    && (cs[i].is_alphanumeric() || matches!(cs[i], '_' | ':' | '.' | '-'))
                {
                    i += 1;
                }
                out.push(T::Ident(cs[start..i].iter().collect()));
            }
            other => return err(format!("unexpected character `{other}` in CQL")),
        }
    }
    Ok(out)
}

struct Cql {
    toks: Vec<T>,
    pos: usize,
    depth: usize,
}

impl Cql {
    fn peek(&self) -> Option<&T> {
        self.toks.get(self.pos)
    }

    fn kw(&self, k: &str) -> bool {
        matches!(self.peek(), Some(T::Ident(s)) if s.eq_ignore_ascii_case(k))
    }

    fn eat_kw(&mut self, k: &str) -> bool {
        if self.kw(k) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: T, what: &str) -> Result<(), FilterError> {
        if self.peek() == Some(&t) {
            self.pos += 1;
            Ok(())
        } else {
            err(format!("expected {what} {}", self.here()))
        }
    }

    fn here(&self) -> String {
        match self.peek() {
            None => "at the end of the expression".into(),
            Some(t) => format!("at token {} ({})", self.pos + 1, describe(t)),
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return err(format!("CQL nested deeper than {MAX_NESTING} levels"));
        }
        let mut parts = vec![self.and()?];
        while self.eat_kw("OR") {
            parts.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut parts = vec![self.not()?];
        while self.eat_kw("AND") {
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::And(parts)
        })
    }

    fn not(&mut self) -> Result<Filter, FilterError> {
        if self.eat_kw("NOT") {
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return err(format!("CQL nested deeper than {MAX_NESTING} levels"));
            }
            let f = self.not()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(f)));
        }
        self.primary()
    }

    fn value(&mut self) -> Result<String, FilterError> {
        match self.peek().cloned() {
            Some(T::Str(s)) => {
                self.pos += 1;
                Ok(s)
            }
            Some(T::Num(_, raw)) => {
                self.pos += 1;
                Ok(raw)
            }
            _ => err(format!(
                "expected a quoted value or a number {}",
                self.here()
            )),
        }
    }

    fn number(&mut self) -> Result<f64, FilterError> {
        match self.peek().cloned() {
            Some(T::Num(v, _)) => {
                self.pos += 1;
                Ok(v)
            }
            _ => err(format!("expected a number {}", self.here())),
        }
    }

    fn primary(&mut self) -> Result<Filter, FilterError> {
        match self.peek().cloned() {
            Some(T::LParen) => {
                self.pos += 1;
                let f = self.or()?;
                self.expect(T::RParen, "`)`")?;
                Ok(f)
            }
            Some(T::Ident(name)) if name.eq_ignore_ascii_case("BBOX") => {
                self.pos += 1;
                self.expect(T::LParen, "`(` after BBOX")?;
                let pname = match self.peek().cloned() {
                    Some(T::Ident(p)) => {
                        self.pos += 1;
                        p
                    }
                    _ => return err(format!("expected a property name in BBOX {}", self.here())),
                };
                if prop(&pname)? != Prop::BoundingBox {
                    return err("BBOX applies to ows:BoundingBox only");
                }
                let mut b = [0.0; 4];
                for v in &mut b {
                    self.expect(T::Comma, "`,` in BBOX")?;
                    *v = self.number()?;
                }
                if self.peek() == Some(&T::Comma) {
                    self.pos += 1;
                    let crs = self.value()?;
                    match lat_first(Some(&crs)) {
                        Some(true) => b = [b[1], b[0], b[3], b[2]],
                        Some(false) => {}
                        None => {
                            return err(format!(
                                "unsupported CRS `{}` in BBOX (use EPSG:4326 or CRS84)",
                                clip(&crs)
                            ))
                        }
                    }
                }
                self.expect(T::RParen, "`)` closing BBOX")?;
                Ok(Filter::Bbox(check_bbox(b)?))
            }
            Some(T::Ident(name)) => {
                self.pos += 1;
                let p = prop(&name)?;
                self.predicate(p)
            }
            _ => err(format!(
                "expected a property name, NOT or `(` {}",
                self.here()
            )),
        }
    }

    fn predicate(&mut self, p: Prop) -> Result<Filter, FilterError> {
        let negated = self.eat_kw("NOT");
        let f = if self.kw("LIKE") || self.kw("ILIKE") {
            // Catalogue clients expect LIKE to ignore case (as pycsw and GeoNetwork do).
            self.pos += 1;
            if p == Prop::BoundingBox {
                return err("ows:BoundingBox can only be used in BBOX");
            }
            let pat = match self.peek().cloned() {
                Some(T::Str(s)) => {
                    self.pos += 1;
                    s
                }
                _ => {
                    return err(format!(
                        "expected a quoted pattern after LIKE {}",
                        self.here()
                    ))
                }
            };
            Filter::like(p, like_pattern(&pat, '%', '_', Some('\\')), false)
        } else if self.eat_kw("BETWEEN") {
            let lo = cmp_value(p, &self.value()?)?;
            if !self.eat_kw("AND") {
                return err(format!("expected AND in BETWEEN {}", self.here()));
            }
            let hi = cmp_value(p, &self.value()?)?;
            Filter::Between { prop: p, lo, hi }
        } else if !negated && self.eat_kw("IS") {
            let not_null = self.eat_kw("NOT");
            if !self.eat_kw("NULL") {
                return err(format!("expected NULL after IS {}", self.here()));
            }
            let f = Filter::IsNull(p);
            return Ok(if not_null {
                Filter::Not(Box::new(f))
            } else {
                f
            });
        } else if !negated && (self.kw("AFTER") || self.kw("BEFORE") || self.kw("DURING")) {
            if !p.is_date() {
                return err("AFTER, BEFORE and DURING apply to date queryables only");
            }
            let which = match self.peek() {
                Some(T::Ident(s)) => s.to_ascii_uppercase(),
                _ => String::new(),
            };
            self.pos += 1;
            let first = cmp_value(p, &self.value()?)?;
            match which.as_str() {
                "AFTER" => Filter::Cmp {
                    prop: p,
                    op: Op::Gt,
                    value: first,
                },
                "BEFORE" => Filter::Cmp {
                    prop: p,
                    op: Op::Lt,
                    value: first,
                },
                _ => {
                    if !matches!(self.peek(), Some(T::Ident(s)) if s == "/")
                        && self.peek() != Some(&T::Comma)
                    {
                        return err(format!(
                            "DURING needs two instants separated by `,` {}",
                            self.here()
                        ));
                    }
                    self.pos += 1;
                    let second = cmp_value(p, &self.value()?)?;
                    Filter::Between {
                        prop: p,
                        lo: first,
                        hi: second,
                    }
                }
            }
        } else if !negated {
            let op = match self.peek() {
                Some(T::Op(o)) => *o,
                _ => {
                    return err(format!(
                        "expected a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN or IS NULL {}",
                        self.here()
                    ))
                }
            };
            self.pos += 1;
            let op = match op {
                "=" => Op::Eq,
                "<>" => Op::Ne,
                "<" => Op::Lt,
                "<=" => Op::Le,
                ">" => Op::Gt,
                _ => Op::Ge,
            };
            Filter::Cmp {
                prop: p,
                op,
                value: cmp_value(p, &self.value()?)?,
            }
        } else {
            return err(format!(
                "expected LIKE or BETWEEN after NOT {}",
                self.here()
            ));
        };
        Ok(if negated { Filter::Not(Box::new(f)) } else { f })
    }
}

fn describe(t: &T) -> String {
    match t {
        T::Ident(s) => format!("`{}`", clip(s)),
        T::Str(s) => format!("'{}'", clip(s)),
        T::Num(_, raw) => format!("`{}`", clip(raw)),
        T::Op(o) => format!("`{o}`"),
        T::LParen => "`(`".into(),
        T::RParen => "`)`".into(),
        T::Comma => "`,`".into(),
    }
}

/// Parse an OGC CQL constraint (`CQL_TEXT`).
pub fn from_cql(text: &str) -> Result<Filter, FilterError> {
    if text.len() > MAX_CONSTRAINT_LEN {
        return err(format!(
            "constraint is {} bytes long; at most {MAX_CONSTRAINT_LEN} are accepted",
            text.len()
        ));
    }
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return err("empty CQL constraint");
    }
    let mut p = Cql {
        toks,
        pos: 0,
        depth: 0,
    };
    let f = p.or()?;
    if p.pos != p.toks.len() {
        return err(format!(
            "unexpected {} after a complete expression",
            p.here().trim_start_matches("at ")
        ));
    }
    Ok(f)
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// The queryable values of one record. Texts hold every language variant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    pub identifier: String,
    pub title: Vec<String>,
    pub abstract_: Vec<String>,
    pub subject: Vec<String>,
    /// Other text searched by AnyText (publisher, formats…).
    pub other_text: Vec<String>,
    /// Date keys (see [`date_key`]).
    pub modified: Option<String>,
    pub created: Option<String>,
    pub issued: Option<String>,
    pub temp_begin: Option<String>,
    pub temp_end: Option<String>,
    /// `dataset`, `series` or `service`.
    pub type_: String,
    pub format: Vec<String>,
    pub language: Vec<String>,
    pub publisher: Vec<String>,
    /// Longitude/latitude `[minx, miny, maxx, maxy]`.
    pub bbox: Option<[f64; 4]>,
    /// The texts are already folded (see [`Fields::prepare`]).
    pub prepared: bool,
}

impl Fields {
    /// Fold the texts once, in place, so that queries compare without folding every record
    /// again (and the index holds one copy). Matching on a prepared record is always case- and
    /// accent-insensitive (`matchCase="true"` included). Identifiers are kept as they are
    /// (record ids are lower-case ASCII already).
    pub fn prepare(mut self) -> Fields {
        let f = |xs: &mut Vec<String>| {
            for t in xs.iter_mut() {
                *t = fold(t);
            }
        };
        f(&mut self.title);
        f(&mut self.abstract_);
        f(&mut self.subject);
        f(&mut self.other_text);
        f(&mut self.format);
        f(&mut self.language);
        f(&mut self.publisher);
        self.type_ = fold(&self.type_);
        self.prepared = true;
        self
    }

    /// The folded texts of a property (folded now when the record was not prepared).
    pub fn folded_texts(&self, p: Prop) -> Vec<std::borrow::Cow<'_, str>> {
        if self.prepared {
            self.texts(p)
                .into_iter()
                .map(std::borrow::Cow::Borrowed)
                .collect()
        } else {
            self.texts(p)
                .into_iter()
                .map(|t| std::borrow::Cow::Owned(fold(t)))
                .collect()
        }
    }

    fn texts(&self, p: Prop) -> Vec<&str> {
        fn v(xs: &[String]) -> Vec<&str> {
            xs.iter().map(String::as_str).collect()
        }
        match p {
            Prop::AnyText => {
                let mut all = vec![self.identifier.as_str()];
                for xs in [
                    &self.title,
                    &self.abstract_,
                    &self.subject,
                    &self.other_text,
                    &self.publisher,
                    &self.format,
                ] {
                    all.extend(xs.iter().map(String::as_str));
                }
                all
            }
            Prop::Title => v(&self.title),
            Prop::Abstract => v(&self.abstract_),
            Prop::Subject => v(&self.subject),
            Prop::Identifier => vec![self.identifier.as_str()],
            Prop::Type => vec![self.type_.as_str()],
            Prop::Format => v(&self.format),
            Prop::Language => v(&self.language),
            Prop::Publisher => v(&self.publisher),
            Prop::Modified => self.modified.as_deref().into_iter().collect(),
            Prop::Created => self.created.as_deref().into_iter().collect(),
            Prop::Issued => self.issued.as_deref().into_iter().collect(),
            Prop::TempBegin => self.temp_begin.as_deref().into_iter().collect(),
            Prop::TempEnd => self.temp_end.as_deref().into_iter().collect(),
            Prop::TempExtent => self
                .temp_begin
                .iter()
                .chain(self.temp_end.iter())
                .map(String::as_str)
                .collect(),
            Prop::BoundingBox => Vec::new(),
        }
    }

    fn date(&self, p: Prop) -> Option<&str> {
        match p {
            Prop::Modified => self.modified.as_deref(),
            Prop::Created => self.created.as_deref(),
            Prop::Issued => self.issued.as_deref(),
            Prop::TempBegin => self.temp_begin.as_deref(),
            Prop::TempEnd => self.temp_end.as_deref(),
            _ => None,
        }
    }
}

/// Lower-case and strip the accents of Latin letters, for case- and accent-insensitive matching.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'š' | 'ś' => 's',
            'ž' | 'ź' | 'ż' => 'z',
            c => c,
        })
        .collect()
}

/// Whether `text` matches the whole LIKE pattern.
fn like_match(pattern: &[Tok], text: &[char]) -> bool {
    // Iterative wildcard matching with backtracking to the last `Any`.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Tok::Char(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            Some(Tok::One) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Any) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|x| *x == Tok::Any)
}

fn fold_pattern(pattern: &[Tok]) -> Vec<Tok> {
    pattern
        .iter()
        .map(|t| match t {
            Tok::Char(c) => Tok::Char(fold(&c.to_string()).chars().next().unwrap_or(*c)),
            other => other.clone(),
        })
        .collect()
}

fn intersects(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

impl Filter {
    /// A LIKE constraint, with its folded form prepared.
    pub fn like(prop: Prop, pattern: Vec<Tok>, match_case: bool) -> Filter {
        let folded = fold_pattern(&pattern);
        let literal = {
            let lead = folded.first() == Some(&Tok::Any);
            let trail = folded.len() > usize::from(lead) && folded.last() == Some(&Tok::Any);
            let inner = &folded[usize::from(lead)..folded.len() - usize::from(trail)];
            inner
                .iter()
                .map(|t| match t {
                    Tok::Char(c) => Some(*c),
                    _ => None,
                })
                .collect::<Option<String>>()
                .map(|lit| (lead, lit, trail))
        };
        Filter::Like {
            prop,
            pattern,
            match_case,
            folded,
            literal,
        }
    }

    /// Whether a record with these fields satisfies the constraint.
    pub fn matches(&self, f: &Fields) -> bool {
        match self {
            Filter::And(xs) => xs.iter().all(|x| x.matches(f)),
            Filter::Or(xs) => xs.iter().any(|x| x.matches(f)),
            Filter::Not(x) => !x.matches(f),
            Filter::Like {
                prop,
                pattern,
                match_case,
                folded,
                literal,
            } => {
                if *match_case && !f.prepared {
                    return f.texts(*prop).iter().any(|t| {
                        let s: Vec<char> = t.chars().collect();
                        like_match(pattern, &s)
                    });
                }
                f.folded_texts(*prop).iter().any(|t| match literal {
                    Some((true, lit, true)) => t.contains(lit.as_str()),
                    Some((false, lit, true)) => t.starts_with(lit.as_str()),
                    Some((true, lit, false)) => t.ends_with(lit.as_str()),
                    Some((false, lit, false)) => t.as_ref() == lit.as_str(),
                    None => {
                        let s: Vec<char> = t.chars().collect();
                        like_match(folded, &s)
                    }
                })
            }
            Filter::Cmp { prop, op, value } => {
                if *prop == Prop::TempExtent {
                    // The extent [begin, end] compared with an instant.
                    let (b, e) = (f.temp_begin.as_deref(), f.temp_end.as_deref());
                    let v = value.as_str();
                    return match op {
                        Op::Gt => e.is_some_and(|e| e > v) || (e.is_none() && b.is_some()),
                        Op::Ge => e.is_some_and(|e| e >= v) || (e.is_none() && b.is_some()),
                        Op::Lt => b.is_some_and(|b| b < v),
                        Op::Le => b.is_some_and(|b| b <= v),
                        Op::Eq => b.is_some_and(|b| b <= v) && e.is_none_or(|e| e >= v),
                        Op::Ne => !(b.is_some_and(|b| b <= v) && e.is_none_or(|e| e >= v)),
                    };
                }
                if prop.is_date() {
                    let Some(d) = f.date(*prop) else {
                        return *op == Op::Ne;
                    };
                    return cmp(d, value, *op);
                }
                let vals = f.folded_texts(*prop);
                let v = fold(value);
                match op {
                    Op::Ne => vals.iter().all(|t| t.as_ref() != v),
                    _ => vals.iter().any(|t| cmp(t, &v, *op)),
                }
            }
            Filter::Between { prop, lo, hi } => {
                if *prop == Prop::TempExtent {
                    let (b, e) = (f.temp_begin.as_deref(), f.temp_end.as_deref());
                    return b.is_some_and(|b| b <= hi.as_str())
                        && e.is_none_or(|e| e >= lo.as_str());
                }
                if prop.is_date() {
                    return f
                        .date(*prop)
                        .is_some_and(|d| d >= lo.as_str() && d <= hi.as_str());
                }
                let (lo, hi) = (fold(lo), fold(hi));
                f.folded_texts(*prop)
                    .iter()
                    .any(|t| t.as_ref() >= lo.as_str() && t.as_ref() <= hi.as_str())
            }
            Filter::IsNull(p) => match p {
                Prop::BoundingBox => f.bbox.is_none(),
                p => f.texts(*p).iter().all(|t| t.is_empty()),
            },
            Filter::Bbox(b) => f.bbox.is_some_and(|r| intersects(&r, b)),
            Filter::Ids(ids) => ids.contains(&f.identifier),
        }
    }

    /// The conjunctive bounding box and full-text terms usable to narrow a search before
    /// evaluating the whole constraint (only from top-level `And`s and the filter itself).
    pub fn required_bbox(&self) -> Option<[f64; 4]> {
        match self {
            Filter::Bbox(b) => Some(*b),
            Filter::And(xs) => xs.iter().find_map(Filter::required_bbox),
            _ => None,
        }
    }
}

fn cmp(a: &str, b: &str, op: Op) -> bool {
    // Numbers compare as numbers, everything else as (normalised) strings.
    let o = match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y),
        _ => Some(a.cmp(b)),
    };
    let Some(o) = o else { return false };
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => o == Equal,
        Op::Ne => o != Equal,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::xml::parse;
    use super::*;

    fn rec() -> Fields {
        Fields {
            identifier: "urbis-addresses".into(),
            title: vec![
                "Adresses UrbIS".into(),
                "UrbIS-adressen".into(),
                "UrbIS addresses".into(),
            ],
            abstract_: vec!["Points d'adresse de la Région de Bruxelles-Capitale".into()],
            subject: vec!["adresses".into(), "Régions et villes".into()],
            modified: date_key("2025-10-04"),
            created: date_key("2014-01-01"),
            temp_begin: date_key("2014-01-01"),
            temp_end: None,
            type_: "dataset".into(),
            format: vec!["GPKG".into()],
            bbox: Some([4.24, 50.76, 4.48, 50.91]),
            ..Default::default()
        }
    }

    #[test]
    fn date_keys() {
        assert_eq!(date_key("2024").as_deref(), Some("2024-01-01T00:00:00"));
        assert_eq!(
            date_key("2024-03-05").as_deref(),
            Some("2024-03-05T00:00:00")
        );
        assert_eq!(
            date_key("2024-03-05T10:11:12.5+01:00").as_deref(),
            Some("2024-03-05T10:11:12")
        );
        assert_eq!(
            date_key("2024-03-05T10:11Z").as_deref(),
            Some("2024-03-05T10:11:00")
        );
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-03-05T25:00:00",
            "2024-03-05Tfoo",
            "20240305",
            "2024-03-05T10:11:€",
            "2024-03-05T10:1€",
            "2024-03-05€",
        ] {
            assert_eq!(date_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn cql_like_and_dates() {
        let r = rec();
        let m = |q: &str| from_cql(q).unwrap().matches(&r);
        assert!(m("AnyText LIKE '%adresse%'"));
        assert!(m("csw:AnyText like '%REGION%'"), "accent and case folded");
        assert!(!m("AnyText LIKE '%parcel%'"));
        assert!(m("dc:title LIKE 'Adresses _rbIS'"));
        assert!(m("dc:title = 'urbis addresses'"));
        assert!(m(
            "dct:modified >= '2025-01-01' AND dct:modified < '2026-01-01'"
        ));
        assert!(!m("dct:modified > 2025-12-31"));
        assert!(m("apiso:TempExtent_begin <= '2015-01-01'"));
        assert!(m("apiso:TempExtent > '2020-01-01'"), "open-ended extent");
        assert!(m(
            "NOT (dc:type = 'service') AND (dc:title LIKE '%x%' OR dc:format = 'gpkg')"
        ));
        assert!(m("dct:modified BETWEEN '2025-01-01' AND '2025-12-31'"));
        assert!(m("dct:modified AFTER 2025-10-01T00:00:00Z"));
        assert!(m("apiso:TempExtent_end IS NULL"));
        assert!(m("dc:title NOT LIKE '%parcel%'"));
        assert!(m(
            "dc:title LIKE 'It''s%' OR dc:identifier = 'urbis-addresses'"
        ));
    }

    #[test]
    fn cql_bbox() {
        let r = rec();
        assert!(from_cql("BBOX(ows:BoundingBox, 4.3, 50.8, 4.4, 50.9)")
            .unwrap()
            .matches(&r));
        assert!(!from_cql("BBOX(ows:BoundingBox, 5.3, 50.8, 5.4, 50.9)")
            .unwrap()
            .matches(&r));
        assert!(from_cql(
            "BBOX(ows:BoundingBox, 50.8, 4.3, 50.9, 4.4, 'urn:ogc:def:crs:EPSG::4326')"
        )
        .unwrap()
        .matches(&r));
        assert!(from_cql("BBOX(ows:BoundingBox, 4.4, 50.8, 4.3, 50.9)").is_err());
    }

    #[test]
    fn cql_errors_say_where() {
        for (q, needle) in [
            ("AnyText LIKE", "quoted pattern"),
            ("dc:title = 'x' AND", "end of the expression"),
            ("(dc:title = 'x'", "`)`"),
            ("foo:bar = 'x'", "unknown queryable"),
            ("dct:modified > 'last week'", "ISO 8601"),
            ("dc:title = 'x' dc:title", "after a complete expression"),
            ("dc:title 'x'", "expected a comparison"),
            ("AnyText LIKE 'unterminated", "unterminated"),
            ("", "empty"),
            ("dc:title = 'x' ; DROP", "unexpected character"),
        ] {
            let e = from_cql(q).unwrap_err().0;
            assert!(e.contains(needle), "{q}: {e}");
        }
        let huge = format!("AnyText LIKE '{}'", "a".repeat(MAX_CONSTRAINT_LEN));
        assert!(from_cql(&huge).unwrap_err().0.contains("at most"));
        let deep = "(".repeat(100) + "dc:title = 'x'" + &")".repeat(100);
        assert!(from_cql(&deep).unwrap_err().0.contains("deeper"));
    }

    fn xml_filter(body: &str) -> Result<Filter, FilterError> {
        let doc = format!(
            r#"<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml">{body}</ogc:Filter>"#
        );
        from_xml(&parse(&doc).unwrap())
    }

    #[test]
    fn xml_filters() {
        let r = rec();
        let like = r#"<ogc:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><ogc:PropertyName>csw:AnyText</ogc:PropertyName><ogc:Literal>*adres*</ogc:Literal></ogc:PropertyIsLike>"#;
        assert!(xml_filter(like).unwrap().matches(&r));
        let esc = r#"<ogc:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:Literal>Adresses UrbIS!*</ogc:Literal></ogc:PropertyIsLike>"#;
        assert!(
            !xml_filter(esc).unwrap().matches(&r),
            "escaped wildcard is literal"
        );
        let and = format!(
            r#"<ogc:And>{like}<ogc:PropertyIsGreaterThanOrEqualTo><ogc:PropertyName>apiso:Modified</ogc:PropertyName><ogc:Literal>2025-01-01</ogc:Literal></ogc:PropertyIsGreaterThanOrEqualTo><ogc:Not><ogc:PropertyIsEqualTo><ogc:PropertyName>dc:type</ogc:PropertyName><ogc:Literal>service</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Not></ogc:And>"#
        );
        assert!(xml_filter(&and).unwrap().matches(&r));
        // Default CRS is latitude first.
        let bbox = r#"<ogc:BBOX><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Envelope><gml:lowerCorner>50.8 4.3</gml:lowerCorner><gml:upperCorner>50.9 4.4</gml:upperCorner></gml:Envelope></ogc:BBOX>"#;
        assert_eq!(
            xml_filter(bbox).unwrap(),
            Filter::Bbox([4.3, 50.8, 4.4, 50.9])
        );
        let bbox84 = r#"<ogc:BBOX><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Envelope srsName="EPSG:4326"><gml:lowerCorner>4.3 50.8</gml:lowerCorner><gml:upperCorner>4.4 50.9</gml:upperCorner></gml:Envelope></ogc:BBOX>"#;
        assert!(xml_filter(bbox84).unwrap().matches(&r));
        let between = r#"<ogc:PropertyIsBetween><ogc:PropertyName>dct:modified</ogc:PropertyName><ogc:LowerBoundary><ogc:Literal>2025-01-01</ogc:Literal></ogc:LowerBoundary><ogc:UpperBoundary><ogc:Literal>2025-12-31</ogc:Literal></ogc:UpperBoundary></ogc:PropertyIsBetween>"#;
        assert!(xml_filter(between).unwrap().matches(&r));
    }

    #[test]
    fn xml_filter_errors() {
        for (body, needle) in [
            ("", "empty"),
            ("<ogc:PropertyIsLike><ogc:Literal>x</ogc:Literal></ogc:PropertyIsLike>", "PropertyName"),
            ("<ogc:PropertyIsLike><ogc:PropertyName>dc:title</ogc:PropertyName></ogc:PropertyIsLike>", "Literal"),
            ("<ogc:Touches/>", "unsupported filter operator"),
            ("<ogc:BBOX><gml:Envelope srsName=\"EPSG:31370\"><gml:lowerCorner>1 2</gml:lowerCorner><gml:upperCorner>3 4</gml:upperCorner></gml:Envelope></ogc:BBOX>", "srsName"),
            ("<ogc:BBOX><gml:Envelope><gml:lowerCorner>1 x</gml:lowerCorner><gml:upperCorner>3 4</gml:upperCorner></gml:Envelope></ogc:BBOX>", "not a number"),
            ("<ogc:PropertyIsEqualTo><ogc:PropertyName>dct:modified</ogc:PropertyName><ogc:Literal>soon</ogc:Literal></ogc:PropertyIsEqualTo>", "ISO 8601"),
            ("<ogc:Not/>", "exactly one"),
            ("<ogc:PropertyIsNull><ogc:PropertyName>x:y</ogc:PropertyName></ogc:PropertyIsNull><ogc:PropertyIsNull><ogc:PropertyName>x:y</ogc:PropertyName></ogc:PropertyIsNull>", "one operator"),
        ] {
            let e = xml_filter(body).unwrap_err().0;
            assert!(e.contains(needle), "{body}: {e}");
        }
    }

    #[test]
    fn like_matching() {
        let p = like_pattern("a%b_c", '%', '_', Some('\\'));
        let m = |s: &str| like_match(&p, &s.chars().collect::<Vec<_>>());
        assert!(m("abxc"));
        assert!(m("aXXXbyc"));
        assert!(m("ab_bzc"));
        assert!(!m("abc"));
        assert!(!m("xabxc"));
        let lit = like_pattern("100\\%", '%', '_', Some('\\'));
        assert!(like_match(&lit, &"100%".chars().collect::<Vec<_>>()));
        assert!(!like_match(&lit, &"1000".chars().collect::<Vec<_>>()));
    }

    /// Arbitrary input never panics: CQL, Filter XML and dates.
    #[test]
    fn random_input_never_panics() {
        const ALPHABET: &[&str] = &[
            "AnyText",
            "dc:title",
            "dct:modified",
            "apiso:TempExtent",
            "LIKE",
            "NOT",
            "AND",
            "OR",
            "BETWEEN",
            "IS",
            "NULL",
            "BBOX",
            "(",
            ")",
            ",",
            "'",
            "''",
            "%",
            "_",
            "\\",
            "=",
            "<",
            ">",
            "<=",
            "<>",
            "!",
            " ",
            "1",
            "-",
            "+",
            ".",
            "e",
            "2024-01-01",
            "T10:00:00Z",
            "é",
            "€",
            "𝄞",
            "ows:BoundingBox",
            "AFTER",
            "DURING",
            "/",
            "\"",
            "<ogc:Filter>",
            "</ogc:Filter>",
            "<ogc:And>",
            "</ogc:And>",
            "<ogc:PropertyIsLike>",
            "<ogc:PropertyName>",
            "&amp;",
            "&x;",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let n = (next() % 12) as usize;
            let mut s = String::new();
            for _ in 0..n {
                s.push_str(ALPHABET[(next() % ALPHABET.len() as u64) as usize]);
            }
            let _ = from_cql(&s);
            let _ = date_key(&s);
            let doc =
                format!(r#"<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc">{s}</ogc:Filter>"#);
            if let Ok(el) = parse(&doc) {
                let _ = from_xml(&el);
            }
            if let Ok(f) = from_cql(&s) {
                // The prepared (pre-folded) record answers like the plain one.
                assert_eq!(f.matches(&rec()), f.matches(&rec().prepare()), "{s}");
            }
        }
    }
}
