//! CSW 2.0.2 requests (KVP and XML POST) and OWS 1.0 exception reports.

use std::collections::BTreeMap;

use super::super::xml::{self, Element, XmlOut};
use super::filter::{self, Filter, Prop};

pub const CSW_NS: &str = "http://www.opengis.net/cat/csw/2.0.2";
pub const GMD_NS: &str = "http://www.isotc211.org/2005/gmd";
pub const OWS_NS: &str = "http://www.opengis.net/ows";

/// Largest XML request body accepted.
pub const MAX_BODY: usize = 256 * 1024;
/// Records returned when `maxRecords` is absent.
pub const DEFAULT_MAX_RECORDS: usize = 10;
/// Records returned at most per page, whatever `maxRecords` asks.
pub const MAX_RECORDS_CAP: usize = 500;
/// Ids accepted in one GetRecordById.
const MAX_IDS: usize = 500;

/// An OWS 1.0 exception.
#[derive(Debug, Clone, PartialEq)]
pub struct OwsException {
    /// `MissingParameterValue`, `InvalidParameterValue`, `OperationNotSupported`,
    /// `VersionNegotiationFailed`, `NoApplicableCode`.
    pub code: &'static str,
    pub locator: Option<String>,
    pub text: String,
}

impl OwsException {
    pub fn invalid(locator: &str, text: impl Into<String>) -> Self {
        OwsException {
            code: "InvalidParameterValue",
            locator: Some(locator.to_string()),
            text: text.into(),
        }
    }

    pub fn missing(locator: &str) -> Self {
        OwsException {
            code: "MissingParameterValue",
            locator: Some(locator.to_string()),
            text: format!("missing parameter `{locator}`"),
        }
    }

    pub fn no_code(text: impl Into<String>) -> Self {
        OwsException {
            code: "NoApplicableCode",
            locator: None,
            text: text.into(),
        }
    }

    /// HTTP status: 400 for the client's errors, 503 when the catalogue itself failed.
    pub fn status(&self) -> u16 {
        if self.code == "NoApplicableCode" && self.locator.is_none() {
            503
        } else {
            400
        }
    }

    /// The `ows:ExceptionReport` document.
    pub fn to_xml(&self) -> String {
        let mut o = XmlOut::new();
        o.open(
            "ows:ExceptionReport",
            &[
                ("xmlns:ows", OWS_NS),
                ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                (
                    "xsi:schemaLocation",
                    "http://www.opengis.net/ows http://schemas.opengis.net/ows/1.0.0/owsExceptionReport.xsd",
                ),
                ("version", "1.2.0"),
                ("language", "en"),
            ],
        );
        let mut attrs = vec![("exceptionCode", self.code)];
        if let Some(l) = &self.locator {
            attrs.push(("locator", l.as_str()));
        }
        o.open("ows:Exception", &attrs);
        o.leaf("ows:ExceptionText", &[], &self.text);
        o.finish()
    }
}

fn clip(s: &str) -> String {
    let c: String = s.chars().take(60).collect();
    if c.len() < s.len() {
        format!("{c}…")
    } else {
        c
    }
}

/// Which record schema to answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `csw:Record` (Dublin Core).
    Csw,
    /// ISO 19139 `gmd:MD_Metadata`.
    Iso,
}

impl Schema {
    pub fn parse(s: &str) -> Result<Schema, OwsException> {
        match s.trim() {
            "" | CSW_NS | "csw:Record" => Ok(Schema::Csw),
            GMD_NS | "http://www.isotc211.org/2005/gmd/" | "gmd:MD_Metadata" => Ok(Schema::Iso),
            other => Err(OwsException::invalid(
                "outputSchema",
                format!(
                    "unsupported outputSchema `{}` (supported: {CSW_NS}, {GMD_NS})",
                    clip(other)
                ),
            )),
        }
    }

    pub fn uri(self) -> &'static str {
        match self {
            Schema::Csw => CSW_NS,
            Schema::Iso => GMD_NS,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementSet {
    Brief,
    Summary,
    Full,
}

impl ElementSet {
    pub fn parse(s: &str) -> Result<ElementSet, OwsException> {
        match s.trim().to_ascii_lowercase().as_str() {
            "brief" => Ok(ElementSet::Brief),
            "summary" => Ok(ElementSet::Summary),
            "full" => Ok(ElementSet::Full),
            _ => Err(OwsException::invalid(
                "ElementSetName",
                format!(
                    "unknown ElementSetName `{}` (brief, summary, full)",
                    clip(s)
                ),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ElementSet::Brief => "brief",
            ElementSet::Summary => "summary",
            ElementSet::Full => "full",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultType {
    Hits,
    Results,
    Validate,
}

/// A sort key: the property and whether ascending.
pub type SortKey = (Prop, bool);

/// A GetRecords request.
#[derive(Debug, Clone, PartialEq)]
pub struct GetRecords {
    pub result_type: ResultType,
    pub schema: Schema,
    pub element_set: ElementSet,
    pub constraint: Option<Filter>,
    pub sort: Vec<SortKey>,
    /// 1-based.
    pub start: usize,
    /// Already capped at [`MAX_RECORDS_CAP`].
    pub max: usize,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    GetCapabilities,
    DescribeRecord {
        type_names: Vec<String>,
    },
    GetRecords(GetRecords),
    GetRecordById {
        ids: Vec<String>,
        schema: Schema,
        element_set: ElementSet,
    },
}

fn type_name_ok(t: &str) -> Result<String, OwsException> {
    let local = t.trim().rsplit(':').next().unwrap_or("");
    match local {
        "Record" => Ok("csw:Record".into()),
        "MD_Metadata" => Ok("gmd:MD_Metadata".into()),
        _ => Err(OwsException::invalid(
            "typeNames",
            format!(
                "unsupported typeName `{}` (csw:Record, gmd:MD_Metadata)",
                clip(t)
            ),
        )),
    }
}

fn sort_prop(name: &str, locator: &str) -> Result<Prop, OwsException> {
    match Prop::from_name(name) {
        Some(
            p @ (Prop::Title
            | Prop::Identifier
            | Prop::Modified
            | Prop::Created
            | Prop::Issued
            | Prop::Type
            | Prop::TempBegin
            | Prop::TempEnd),
        ) => Ok(p),
        _ => Err(OwsException::invalid(
            locator,
            format!(
                "cannot sort by `{}` (dc:title, dc:identifier, dct:modified, apiso:CreationDate, \
                 apiso:PublicationDate, dc:type, apiso:TempExtent_begin, apiso:TempExtent_end)",
                clip(name)
            ),
        )),
    }
}

fn number(v: &str, locator: &str) -> Result<usize, OwsException> {
    v.trim().parse::<usize>().map_err(|_| {
        OwsException::invalid(
            locator,
            format!("`{}` is not a non-negative integer", clip(v)),
        )
    })
}

fn start_position(v: Option<&str>) -> Result<usize, OwsException> {
    // OWSLib sends startPosition=0 by default; it means the first record.
    Ok(match v {
        None => 1,
        Some(s) => number(s, "startPosition")?.max(1),
    })
}

fn max_records(v: Option<&str>) -> Result<usize, OwsException> {
    Ok(match v {
        None => DEFAULT_MAX_RECORDS,
        Some(s) => number(s, "maxRecords")?.min(MAX_RECORDS_CAP),
    })
}

fn result_type(v: Option<&str>) -> Result<ResultType, OwsException> {
    match v.map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(ResultType::Hits),
        Some(s) => match s.as_str() {
            "hits" => Ok(ResultType::Hits),
            "results" => Ok(ResultType::Results),
            "validate" => Ok(ResultType::Validate),
            _ => Err(OwsException::invalid(
                "resultType",
                format!(
                    "unknown resultType `{}` (hits, results, validate)",
                    clip(&s)
                ),
            )),
        },
    }
}

fn check_service_version(
    service: Option<&str>,
    version: Option<&str>,
    request: &str,
) -> Result<(), OwsException> {
    match service.map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("CSW") => {}
        Some(s) => {
            return Err(OwsException::invalid(
                "service",
                format!("service must be CSW, not `{}`", clip(s)),
            ))
        }
        None => return Err(OwsException::missing("service")),
    }
    if request != "GetCapabilities" {
        match version.map(str::trim) {
            Some("2.0.2") => {}
            Some(v) => {
                return Err(OwsException::invalid(
                    "version",
                    format!("version must be 2.0.2, not `{}`", clip(v)),
                ))
            }
            None => return Err(OwsException::missing("version")),
        }
    }
    Ok(())
}

/// Parse a KVP request (query parameters; names are case-insensitive).
pub fn from_kvp(params: &[(String, String)]) -> Result<Request, OwsException> {
    let mut p: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in params {
        let k = k.to_ascii_lowercase();
        if p.contains_key(&k) {
            return Err(OwsException::invalid(
                &k,
                format!("parameter `{k}` is given more than once"),
            ));
        }
        p.insert(k, v.clone());
    }
    let get = |k: &str| p.get(k).map(String::as_str);
    let request = get("request").ok_or_else(|| OwsException::missing("request"))?;
    let request = canonical_request(request)?;
    if request == "GetCapabilities" {
        if let Some(av) = get("acceptversions") {
            if !av.split(',').any(|v| v.trim() == "2.0.2") {
                return Err(OwsException {
                    code: "VersionNegotiationFailed",
                    locator: Some("acceptVersions".into()),
                    text: format!("only version 2.0.2 is supported, not `{}`", clip(av)),
                });
            }
        }
    }
    check_service_version(get("service"), get("version"), request)?;
    if let Some(f) = get("outputformat") {
        check_output_format(f)?;
    }
    match request {
        "GetCapabilities" => Ok(Request::GetCapabilities),
        "DescribeRecord" => {
            let names = get("typename").or(get("typenames")).unwrap_or("");
            describe_record(names.split(',').filter(|s| !s.trim().is_empty()))
        }
        "GetRecordById" => {
            let ids: Vec<String> = get("id")
                .ok_or_else(|| OwsException::missing("id"))?
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            record_by_id(
                ids,
                get("outputschema").unwrap_or(""),
                get("elementsetname").unwrap_or("summary"),
            )
        }
        _ => {
            if get("elementname").is_some() {
                return Err(OwsException::invalid(
                    "ElementName",
                    "ElementName is not supported; use ElementSetName (brief, summary, full)",
                ));
            }
            if let Some(t) = get("typenames") {
                for n in t.split(',') {
                    type_name_ok(n)?;
                }
            }
            let constraint = match get("constraint") {
                None => None,
                Some(c) => {
                    let lang = get("constraintlanguage")
                        .ok_or_else(|| OwsException::missing("constraintLanguage"))?;
                    Some(parse_constraint_text(lang, c)?)
                }
            };
            let mut sort = Vec::new();
            if let Some(s) = get("sortby") {
                for item in s.split(',').filter(|s| !s.trim().is_empty()) {
                    let item = item.trim();
                    let (name, asc) = match item.rsplit_once(':') {
                        Some((n, "A")) | Some((n, "ASC")) => (n, true),
                        Some((n, "D")) | Some((n, "DESC")) => (n, false),
                        _ => (item, true),
                    };
                    sort.push((sort_prop(name, "sortBy")?, asc));
                }
            }
            Ok(Request::GetRecords(GetRecords {
                result_type: result_type(get("resulttype"))?,
                schema: Schema::parse(get("outputschema").unwrap_or(""))?,
                element_set: ElementSet::parse(get("elementsetname").unwrap_or("summary"))?,
                constraint,
                sort,
                start: start_position(get("startposition"))?,
                max: max_records(get("maxrecords"))?,
                request_id: get("requestid").map(str::to_string),
            }))
        }
    }
}

fn canonical_request(r: &str) -> Result<&'static str, OwsException> {
    for name in [
        "GetCapabilities",
        "DescribeRecord",
        "GetRecords",
        "GetRecordById",
    ] {
        if r.trim().eq_ignore_ascii_case(name) {
            return Ok(name);
        }
    }
    Err(OwsException {
        code: "OperationNotSupported",
        locator: Some("request".into()),
        text: format!(
            "operation `{}` is not supported (GetCapabilities, DescribeRecord, GetRecords, GetRecordById)",
            clip(r)
        ),
    })
}

fn check_output_format(f: &str) -> Result<(), OwsException> {
    match f.trim() {
        "application/xml" | "text/xml" => Ok(()),
        other => Err(OwsException::invalid(
            "outputFormat",
            format!(
                "unsupported outputFormat `{}` (application/xml)",
                clip(other)
            ),
        )),
    }
}

fn parse_constraint_text(lang: &str, text: &str) -> Result<Filter, OwsException> {
    if text.len() > filter::MAX_CONSTRAINT_LEN {
        return Err(OwsException::invalid(
            "constraint",
            format!(
                "constraint is {} bytes long; at most {} are accepted",
                text.len(),
                filter::MAX_CONSTRAINT_LEN
            ),
        ));
    }
    match lang.trim().to_ascii_uppercase().as_str() {
        "CQL_TEXT" => filter::from_cql(text)
            .map_err(|e| OwsException::invalid("constraint", format!("invalid CQL: {e}"))),
        "FILTER" => {
            let el = xml::parse(text).map_err(|e| {
                OwsException::invalid("constraint", format!("invalid Filter XML: {e}"))
            })?;
            filter::from_xml(&el)
                .map_err(|e| OwsException::invalid("constraint", format!("invalid Filter: {e}")))
        }
        other => Err(OwsException::invalid(
            "constraintLanguage",
            format!(
                "unknown constraintLanguage `{}` (CQL_TEXT, FILTER)",
                clip(other)
            ),
        )),
    }
}

fn describe_record<'a>(names: impl Iterator<Item = &'a str>) -> Result<Request, OwsException> {
    let mut type_names = Vec::new();
    for n in names {
        type_names.push(type_name_ok(n).map_err(|mut e| {
            e.locator = Some("typeName".into());
            e
        })?);
    }
    if type_names.is_empty() {
        type_names = vec!["csw:Record".into(), "gmd:MD_Metadata".into()];
    }
    type_names.dedup();
    Ok(Request::DescribeRecord { type_names })
}

fn record_by_id(ids: Vec<String>, schema: &str, esn: &str) -> Result<Request, OwsException> {
    if ids.is_empty() {
        return Err(OwsException::missing("id"));
    }
    if ids.len() > MAX_IDS {
        return Err(OwsException::invalid(
            "id",
            format!("at most {MAX_IDS} ids per request"),
        ));
    }
    Ok(Request::GetRecordById {
        ids,
        schema: Schema::parse(schema)?,
        element_set: ElementSet::parse(esn)?,
    })
}

/// Parse an XML POST request body.
pub fn from_xml(body: &str) -> Result<Request, OwsException> {
    if body.len() > MAX_BODY {
        return Err(OwsException::invalid(
            "request",
            format!(
                "request body is {} bytes; at most {MAX_BODY} are accepted",
                body.len()
            ),
        ));
    }
    let root = xml::parse(body)
        .map_err(|e| OwsException::no_code_at("request", format!("invalid XML request: {e}")))?;
    if root.ns != CSW_NS {
        return Err(OwsException::invalid(
            "request",
            format!(
                "root element <{}> is not in the CSW 2.0.2 namespace {CSW_NS}",
                clip(&root.local)
            ),
        ));
    }
    let request = canonical_request(&root.local)?;
    if request == "GetCapabilities" {
        if let Some(av) = root.child("AcceptVersions") {
            if !av.children_named("Version").any(|v| v.trimmed() == "2.0.2") {
                return Err(OwsException {
                    code: "VersionNegotiationFailed",
                    locator: Some("AcceptVersions".into()),
                    text: "only version 2.0.2 is supported".into(),
                });
            }
        }
    }
    check_service_version(root.attr("service"), root.attr("version"), request)?;
    if let Some(f) = root.attr("outputFormat") {
        check_output_format(f)?;
    }
    match request {
        "GetCapabilities" => Ok(Request::GetCapabilities),
        "DescribeRecord" => {
            let names: Vec<&str> = root
                .children_named("TypeName")
                .map(Element::trimmed)
                .collect();
            describe_record(names.into_iter())
        }
        "GetRecordById" => {
            let ids = root
                .children_named("Id")
                .map(|e| e.trimmed().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let esn = root
                .child("ElementSetName")
                .map_or("summary", Element::trimmed);
            record_by_id(ids, root.attr("outputSchema").unwrap_or(""), esn)
        }
        _ => get_records_xml(&root),
    }
}

fn get_records_xml(root: &Element) -> Result<Request, OwsException> {
    if root.child("DistributedSearch").is_some() {
        return Err(OwsException::invalid(
            "DistributedSearch",
            "distributed search is not supported",
        ));
    }
    if root.child("ResponseHandler").is_some() {
        return Err(OwsException::invalid(
            "ResponseHandler",
            "asynchronous responses are not supported",
        ));
    }
    let query = root
        .child("Query")
        .ok_or_else(|| OwsException::missing("Query"))?;
    let tn = query
        .attr("typeNames")
        .ok_or_else(|| OwsException::missing("typeNames"))?;
    for n in tn.split([' ', ',']).filter(|s| !s.is_empty()) {
        type_name_ok(n)?;
    }
    if query.child("ElementName").is_some() {
        return Err(OwsException::invalid(
            "ElementName",
            "ElementName is not supported; use ElementSetName (brief, summary, full)",
        ));
    }
    let element_set = ElementSet::parse(
        query
            .child("ElementSetName")
            .map_or("summary", Element::trimmed),
    )?;
    let constraint = match query.child("Constraint") {
        None => None,
        Some(c) => {
            if let Some(f) = c.child("Filter") {
                Some(filter::from_xml(f).map_err(|e| {
                    OwsException::invalid("Constraint", format!("invalid Filter: {e}"))
                })?)
            } else if let Some(cql) = c.child("CqlText") {
                Some(filter::from_cql(&cql.text).map_err(|e| {
                    OwsException::invalid("Constraint", format!("invalid CQL: {e}"))
                })?)
            } else {
                return Err(OwsException::invalid(
                    "Constraint",
                    "csw:Constraint needs an ogc:Filter or a csw:CqlText",
                ));
            }
        }
    };
    let mut sort = Vec::new();
    if let Some(sb) = query.child("SortBy") {
        for sp in sb.children_named("SortProperty") {
            let name = sp
                .child("PropertyName")
                .map(Element::trimmed)
                .ok_or_else(|| OwsException::missing("SortProperty/PropertyName"))?;
            let asc = match sp
                .child("SortOrder")
                .map(|o| o.trimmed().to_ascii_uppercase())
            {
                None => true,
                Some(o) if o == "ASC" => true,
                Some(o) if o == "DESC" => false,
                Some(o) => {
                    return Err(OwsException::invalid(
                        "SortOrder",
                        format!("SortOrder must be ASC or DESC, not `{}`", clip(&o)),
                    ))
                }
            };
            sort.push((sort_prop(name, "SortBy")?, asc));
        }
    }
    Ok(Request::GetRecords(GetRecords {
        result_type: result_type(root.attr("resultType"))?,
        schema: Schema::parse(root.attr("outputSchema").unwrap_or(""))?,
        element_set,
        constraint,
        sort,
        start: start_position(root.attr("startPosition"))?,
        max: max_records(root.attr("maxRecords"))?,
        request_id: root.attr("requestId").map(str::to_string),
    }))
}

impl OwsException {
    fn no_code_at(locator: &str, text: String) -> Self {
        OwsException {
            code: "NoApplicableCode",
            locator: Some(locator.to_string()),
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kvp(q: &str) -> Result<Request, OwsException> {
        let params: Vec<(String, String)> = q
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_kvp(&params)
    }

    #[test]
    fn data_gov_be_pattern_kvp() {
        let r = kvp("service=CSW&version=2.0.2&request=GetRecords&typeNames=gmd:MD_Metadata&outputSchema=http://www.isotc211.org/2005/gmd&resultType=results&elementSetName=full&maxRecords=200&startPosition=201").unwrap();
        let Request::GetRecords(g) = r else { panic!() };
        assert_eq!(g.schema, Schema::Iso);
        assert_eq!(g.result_type, ResultType::Results);
        assert_eq!(g.element_set, ElementSet::Full);
        assert_eq!((g.start, g.max), (201, 200));
    }

    #[test]
    fn kvp_errors() {
        for (q, code, loc) in [
            ("service=CSW&version=2.0.2", "MissingParameterValue", "request"),
            ("service=CSW&version=2.0.2&request=Harvest", "OperationNotSupported", "request"),
            ("service=WMS&version=2.0.2&request=GetRecords", "InvalidParameterValue", "service"),
            ("service=CSW&version=3.0.0&request=GetRecords", "InvalidParameterValue", "version"),
            ("service=CSW&version=2.0.2&request=GetRecords&outputSchema=urn:x", "InvalidParameterValue", "outputSchema"),
            ("service=CSW&version=2.0.2&request=GetRecords&maxRecords=-1", "InvalidParameterValue", "maxRecords"),
            ("service=CSW&version=2.0.2&request=GetRecords&constraintLanguage=CQL_TEXT&constraint=title LIKE", "InvalidParameterValue", "constraint"),
            ("service=CSW&version=2.0.2&request=GetRecords&constraint=x", "MissingParameterValue", "constraintLanguage"),
            ("service=CSW&version=2.0.2&request=GetRecords&typeNames=foo:Bar", "InvalidParameterValue", "typeNames"),
            ("service=CSW&version=2.0.2&request=GetRecordById", "MissingParameterValue", "id"),
            ("service=CSW&request=GetCapabilities&acceptVersions=3.0.0", "VersionNegotiationFailed", "acceptVersions"),
        ] {
            let e = kvp(q).unwrap_err();
            assert_eq!((e.code, e.locator.as_deref()), (code, Some(loc)), "{q}: {}", e.text);
        }
        let big = format!(
            "service=CSW&version=2.0.2&request=GetRecords&constraintLanguage=CQL_TEXT&constraint=AnyText LIKE '{}'",
            "x".repeat(1 << 20)
        );
        let e = kvp(&big).unwrap_err();
        assert!(e.text.contains("at most"), "{}", e.text);
    }

    #[test]
    fn owslib_post() {
        // What OWSLib's getrecords2 sends.
        let body = r#"<?xml version="1.0" encoding="ISO-8859-1" standalone="no"?>
<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:ogc="http://www.opengis.net/ogc" xmlns:ows="http://www.opengis.net/ows" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:gml="http://www.opengis.net/gml" service="CSW" version="2.0.2" resultType="results" startPosition="0" maxRecords="200" outputFormat="application/xml" outputSchema="http://www.isotc211.org/2005/gmd" xsi:schemaLocation="http://www.opengis.net/cat/csw/2.0.2 http://schemas.opengis.net/csw/2.0.2/CSW-discovery.xsd">
<csw:Query typeNames="gmd:MD_Metadata"><csw:ElementSetName>full</csw:ElementSetName>
<csw:Constraint version="1.1.0"><ogc:Filter><ogc:PropertyIsLike matchCase="false" wildCard="%" singleChar="_" escapeChar="\"><ogc:PropertyName>csw:AnyText</ogc:PropertyName><ogc:Literal>%adres%</ogc:Literal></ogc:PropertyIsLike></ogc:Filter></csw:Constraint>
<ogc:SortBy><ogc:SortProperty><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:SortOrder>DESC</ogc:SortOrder></ogc:SortProperty></ogc:SortBy>
</csw:Query></csw:GetRecords>"#;
        let Request::GetRecords(g) = from_xml(body).unwrap() else {
            panic!()
        };
        assert_eq!((g.start, g.max, g.schema), (1, 200, Schema::Iso));
        assert!(g.constraint.is_some());
        assert_eq!(g.sort, vec![(Prop::Title, false)]);
    }

    #[test]
    fn post_errors() {
        let e = from_xml("<csw:GetRecords xmlns:csw=\"http://www.opengis.net/cat/csw/2.0.2\"")
            .unwrap_err();
        assert!(e.text.contains("invalid XML"), "{}", e.text);
        let e = from_xml("<!DOCTYPE x [<!ENTITY a \"b\">]><x/>").unwrap_err();
        assert!(e.text.contains("DOCTYPE"), "{}", e.text);
        let e = from_xml(r#"<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" service="CSW" version="2.0.2"><csw:Query typeNames="csw:Record"><csw:Constraint version="1.1.0"><csw:CqlText>dc:title LIKE</csw:CqlText></csw:Constraint></csw:Query></csw:GetRecords>"#).unwrap_err();
        assert_eq!(e.locator.as_deref(), Some("Constraint"));
        let e = from_xml(&" ".repeat(MAX_BODY + 1)).unwrap_err();
        assert!(e.text.contains("at most"));
        let e = from_xml(r#"<GetRecords service="CSW" version="2.0.2"/>"#).unwrap_err();
        assert!(e.text.contains("namespace"));
    }

    #[test]
    fn exception_report_xml() {
        let x = OwsException::invalid("outputSchema", "bad <schema>").to_xml();
        let el = xml::parse(&x).unwrap();
        assert_eq!(el.local, "ExceptionReport");
        let ex = el.child("Exception").unwrap();
        assert_eq!(ex.attr("exceptionCode"), Some("InvalidParameterValue"));
        assert_eq!(ex.attr("locator"), Some("outputSchema"));
        assert_eq!(ex.child("ExceptionText").unwrap().text, "bad <schema>");
    }
}
