//! GetCapabilities and DescribeRecord documents.

use super::super::xml::XmlOut;
use super::request::{CSW_NS, GMD_NS, MAX_RECORDS_CAP, OWS_NS};

const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// What the service says about itself.
pub struct ServiceInfo<'a> {
    /// Absolute URL of the CSW endpoint (GET and POST).
    pub endpoint: &'a str,
    pub title: &'a str,
    pub abstract_: &'a str,
    pub provider: &'a str,
    pub provider_site: Option<&'a str>,
    pub email: Option<&'a str>,
}

fn param(o: &mut XmlOut, tag: &'static str, name: &str, values: &[&str]) {
    o.open(tag, &[("name", name)]);
    for v in values {
        o.leaf("ows:Value", &[], v);
    }
    o.close();
}

fn operation(o: &mut XmlOut, name: &str, endpoint: &str, params: &[(&str, &[&str])]) {
    o.open("ows:Operation", &[("name", name)]);
    o.open("ows:DCP", &[]).open("ows:HTTP", &[]);
    o.empty(
        "ows:Get",
        &[("xlink:type", "simple"), ("xlink:href", endpoint)],
    );
    o.empty(
        "ows:Post",
        &[("xlink:type", "simple"), ("xlink:href", endpoint)],
    );
    o.close().close();
    for (n, vs) in params {
        param(o, "ows:Parameter", n, vs);
    }
    o.close();
}

const QUERYABLES_CORE: &[&str] = &[
    "csw:AnyText",
    "dc:title",
    "dct:abstract",
    "dc:subject",
    "dc:identifier",
    "dc:type",
    "dc:format",
    "dc:language",
    "dc:publisher",
    "dct:modified",
    "ows:BoundingBox",
];

const QUERYABLES_ISO: &[&str] = &[
    "apiso:AnyText",
    "apiso:Title",
    "apiso:Abstract",
    "apiso:Subject",
    "apiso:Identifier",
    "apiso:Type",
    "apiso:Format",
    "apiso:Language",
    "apiso:OrganisationName",
    "apiso:Modified",
    "apiso:CreationDate",
    "apiso:PublicationDate",
    "apiso:TempExtent_begin",
    "apiso:TempExtent_end",
    "apiso:BoundingBox",
];

/// The `csw:Capabilities` document.
pub fn capabilities(s: &ServiceInfo<'_>) -> String {
    let mut o = XmlOut::new();
    o.open(
        "csw:Capabilities",
        &[
            ("xmlns:csw", CSW_NS),
            ("xmlns:ows", OWS_NS),
            ("xmlns:ogc", "http://www.opengis.net/ogc"),
            ("xmlns:gml", "http://www.opengis.net/gml"),
            ("xmlns:xlink", XLINK_NS),
            ("xmlns:xsi", XSI_NS),
            ("version", "2.0.2"),
            (
                "xsi:schemaLocation",
                "http://www.opengis.net/cat/csw/2.0.2 http://schemas.opengis.net/csw/2.0.2/CSW-discovery.xsd",
            ),
        ],
    );
    o.open("ows:ServiceIdentification", &[]);
    o.leaf("ows:Title", &[], s.title);
    o.leaf("ows:Abstract", &[], s.abstract_);
    o.open("ows:Keywords", &[]);
    for k in ["catalogue", "discovery", "open data", "Brussels", "UrbIS"] {
        o.leaf("ows:Keyword", &[], k);
    }
    o.close();
    o.leaf("ows:ServiceType", &[("codeSpace", "OGC")], "CSW");
    o.leaf("ows:ServiceTypeVersion", &[], "2.0.2");
    o.leaf("ows:Fees", &[], "none");
    o.leaf("ows:AccessConstraints", &[], "none");
    o.close();

    o.open("ows:ServiceProvider", &[]);
    o.leaf("ows:ProviderName", &[], s.provider);
    if let Some(site) = s.provider_site {
        o.empty(
            "ows:ProviderSite",
            &[("xlink:type", "simple"), ("xlink:href", site)],
        );
    }
    o.open("ows:ServiceContact", &[]);
    if let Some(mail) = s.email {
        o.open("ows:ContactInfo", &[]).open("ows:Address", &[]);
        o.leaf("ows:ElectronicMailAddress", &[], mail);
        o.close().close();
    }
    o.leaf(
        "ows:Role",
        &[("codeSpace", "ISOTC211/19115")],
        "pointOfContact",
    );
    o.close().close();

    let max = MAX_RECORDS_CAP.to_string();
    o.open("ows:OperationsMetadata", &[]);
    operation(
        &mut o,
        "GetCapabilities",
        s.endpoint,
        &[(
            "sections",
            &[
                "ServiceIdentification",
                "ServiceProvider",
                "OperationsMetadata",
                "Filter_Capabilities",
            ],
        )],
    );
    operation(
        &mut o,
        "DescribeRecord",
        s.endpoint,
        &[
            ("outputFormat", &["application/xml"]),
            ("schemaLanguage", &["http://www.w3.org/XML/Schema"]),
            ("typeName", &["csw:Record", "gmd:MD_Metadata"]),
        ],
    );
    o.open("ows:Operation", &[("name", "GetRecords")]);
    o.open("ows:DCP", &[]).open("ows:HTTP", &[]);
    o.empty(
        "ows:Get",
        &[("xlink:type", "simple"), ("xlink:href", s.endpoint)],
    );
    o.empty(
        "ows:Post",
        &[("xlink:type", "simple"), ("xlink:href", s.endpoint)],
    );
    o.close().close();
    param(
        &mut o,
        "ows:Parameter",
        "resultType",
        &["hits", "results", "validate"],
    );
    param(
        &mut o,
        "ows:Parameter",
        "outputFormat",
        &["application/xml"],
    );
    param(&mut o, "ows:Parameter", "outputSchema", &[CSW_NS, GMD_NS]);
    param(
        &mut o,
        "ows:Parameter",
        "typeNames",
        &["csw:Record", "gmd:MD_Metadata"],
    );
    param(
        &mut o,
        "ows:Parameter",
        "CONSTRAINTLANGUAGE",
        &["FILTER", "CQL_TEXT"],
    );
    param(
        &mut o,
        "ows:Parameter",
        "ElementSetName",
        &["brief", "summary", "full"],
    );
    param(
        &mut o,
        "ows:Constraint",
        "SupportedDublinCoreQueryables",
        QUERYABLES_CORE,
    );
    param(
        &mut o,
        "ows:Constraint",
        "SupportedISOQueryables",
        QUERYABLES_ISO,
    );
    o.close();
    operation(
        &mut o,
        "GetRecordById",
        s.endpoint,
        &[
            ("outputSchema", &[CSW_NS, GMD_NS]),
            ("outputFormat", &["application/xml"]),
            ("ElementSetName", &["brief", "summary", "full"]),
        ],
    );
    param(&mut o, "ows:Parameter", "service", &["CSW"]);
    param(&mut o, "ows:Parameter", "version", &["2.0.2"]);
    param(&mut o, "ows:Constraint", "MaxRecordDefault", &[&max]);
    param(&mut o, "ows:Constraint", "PostEncoding", &["XML"]);
    o.close();

    o.open("ogc:Filter_Capabilities", &[]);
    o.open("ogc:Spatial_Capabilities", &[]);
    o.open("ogc:GeometryOperands", &[]);
    o.leaf("ogc:GeometryOperand", &[], "gml:Envelope");
    o.close();
    o.open("ogc:SpatialOperators", &[]);
    o.empty("ogc:SpatialOperator", &[("name", "BBOX")]);
    o.empty("ogc:SpatialOperator", &[("name", "Intersects")]);
    o.close().close();
    o.open("ogc:Scalar_Capabilities", &[]);
    o.empty("ogc:LogicalOperators", &[]);
    o.open("ogc:ComparisonOperators", &[]);
    for c in [
        "LessThan",
        "GreaterThan",
        "LessThanEqualTo",
        "GreaterThanEqualTo",
        "EqualTo",
        "NotEqualTo",
        "Like",
        "Between",
        "NullCheck",
    ] {
        o.leaf("ogc:ComparisonOperator", &[], c);
    }
    o.close().close();
    o.open("ogc:Id_Capabilities", &[]);
    o.empty("ogc:FID", &[]);
    o.close();
    o.finish()
}

/// The `csw:DescribeRecordResponse` for the given type names (`csw:Record`, `gmd:MD_Metadata`):
/// each schema component includes the official schema of the record type.
pub fn describe_record(type_names: &[String]) -> String {
    let mut o = XmlOut::new();
    o.open(
        "csw:DescribeRecordResponse",
        &[
            ("xmlns:csw", CSW_NS),
            ("xmlns:xsi", XSI_NS),
            (
                "xsi:schemaLocation",
                "http://www.opengis.net/cat/csw/2.0.2 http://schemas.opengis.net/csw/2.0.2/CSW-discovery.xsd",
            ),
        ],
    );
    for t in type_names {
        let (ns, location) = if t == "gmd:MD_Metadata" {
            (
                GMD_NS,
                "http://schemas.opengis.net/iso/19139/20060504/gmd/gmd.xsd",
            )
        } else {
            (CSW_NS, "http://schemas.opengis.net/csw/2.0.2/record.xsd")
        };
        o.open(
            "csw:SchemaComponent",
            &[
                ("targetNamespace", ns),
                ("schemaLanguage", "http://www.w3.org/XML/Schema"),
            ],
        );
        o.open(
            "xs:schema",
            &[
                ("xmlns:xs", "http://www.w3.org/2001/XMLSchema"),
                ("targetNamespace", ns),
                ("elementFormDefault", "qualified"),
            ],
        );
        o.empty("xs:include", &[("schemaLocation", location)]);
        o.close().close();
    }
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::super::super::xml::parse;
    use super::*;

    #[test]
    fn capabilities_name_the_endpoint_and_operations() {
        let x = capabilities(&ServiceInfo {
            endpoint: "http://127.0.0.1:8080/csw",
            title: "Catalogue & co",
            abstract_: "x",
            provider: "Paradigm",
            provider_site: Some("https://datastore.brussels"),
            email: Some("opendata@paradigm.brussels"),
        });
        let el = parse(&x).unwrap();
        assert_eq!(el.local, "Capabilities");
        let ops = el.child("OperationsMetadata").unwrap();
        let names: Vec<&str> = ops
            .children_named("Operation")
            .filter_map(|o| o.attr("name"))
            .collect();
        assert_eq!(
            names,
            [
                "GetCapabilities",
                "DescribeRecord",
                "GetRecords",
                "GetRecordById"
            ]
        );
        assert!(x.contains("xlink:href=\"http://127.0.0.1:8080/csw\""));
        assert!(x.contains("Catalogue &amp; co"));
    }

    #[test]
    fn describe_record_components() {
        let x = describe_record(&["csw:Record".into(), "gmd:MD_Metadata".into()]);
        let el = parse(&x).unwrap();
        assert_eq!(el.children_named("SchemaComponent").count(), 2);
    }
}
