//! WKT1 strings of the supported CRSs and recognition of WKT / `.prj` text
//! (OGC WKT1 as written by GDAL, ESRI WKT1, and WKT2).

use super::Crs;

/// EPSG:31370 as GDAL writes it (GeoPackage `gpkg_spatial_ref_sys`), with
/// the EPSG:15929 `TOWGS84` (position vector) of `BD72 to WGS 84 (3)`.
pub(crate) const WKT_31370: &str = concat!(
    r#"PROJCS["BD72 / Belgian Lambert 72",GEOGCS["BD72",DATUM["Reseau_National_Belge_1972","#,
    r#"SPHEROID["International 1924",6378388,297,AUTHORITY["EPSG","7022"]],"#,
    r#"TOWGS84[-106.8686,52.2978,-103.7239,0.3366,-0.457,1.8422,-1.2747],"#,
    r#"AUTHORITY["EPSG","6313"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],"#,
    r#"UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4313"]],"#,
    r#"PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["latitude_of_origin",90],"#,
    r#"PARAMETER["central_meridian",4.36748666666667],"#,
    r#"PARAMETER["standard_parallel_1",51.1666672333333],"#,
    r#"PARAMETER["standard_parallel_2",49.8333339],PARAMETER["false_easting",150000.013],"#,
    r#"PARAMETER["false_northing",5400088.438],UNIT["metre",1,AUTHORITY["EPSG","9001"]],"#,
    r#"AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","31370"]]"#
);

/// EPSG:3812 as GDAL writes it.
pub(crate) const WKT_3812: &str = concat!(
    r#"PROJCS["ETRS89 / Belgian Lambert 2008",GEOGCS["ETRS89","#,
    r#"DATUM["European_Terrestrial_Reference_System_1989","#,
    r#"SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],"#,
    r#"TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6258"]],"#,
    r#"PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],"#,
    r#"UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4258"]],"#,
    r#"PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["latitude_of_origin",50.797815],"#,
    r#"PARAMETER["central_meridian",4.35921583333333],"#,
    r#"PARAMETER["standard_parallel_1",49.8333333333333],"#,
    r#"PARAMETER["standard_parallel_2",51.1666666666667],PARAMETER["false_easting",649328],"#,
    r#"PARAMETER["false_northing",665262],UNIT["metre",1,AUTHORITY["EPSG","9001"]],"#,
    r#"AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","3812"]]"#
);

/// EPSG:4326 as GDAL writes it (with the EPSG latitude-first axis order).
pub(crate) const WKT_4326: &str = concat!(
    r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,"#,
    r#"AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],"#,
    r#"PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],"#,
    r#"UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],"#,
    r#"AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#
);

/// EPSG:3857 as GDAL writes it.
pub(crate) const WKT_3857: &str = concat!(
    r#"PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84",DATUM["WGS_1984","#,
    r#"SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],"#,
    r#"AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],"#,
    r#"UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],"#,
    r#"PROJECTION["Mercator_1SP"],PARAMETER["central_meridian",0],PARAMETER["scale_factor",1],"#,
    r#"PARAMETER["false_easting",0],PARAMETER["false_northing",0],"#,
    r#"UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],"#,
    r#"EXTENSION["PROJ4","+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs"],"#,
    r#"AUTHORITY["EPSG","3857"]]"#
);

/// Deepest nesting accepted (protects the recursive parser).
const MAX_DEPTH: usize = 32;

#[derive(Debug)]
enum Arg {
    Str(String),
    /// A number or a bare word (`EAST`).
    Word(String),
    Node(Node),
}

#[derive(Debug)]
struct Node {
    keyword: String,
    args: Vec<Arg>,
}

impl Node {
    fn kw(&self) -> String {
        self.keyword.to_ascii_uppercase()
    }
    fn name(&self) -> Option<&str> {
        match self.args.first() {
            Some(Arg::Str(s)) => Some(s),
            _ => None,
        }
    }
    fn children(&self) -> impl Iterator<Item = &Node> {
        self.args.iter().filter_map(|a| match a {
            Arg::Node(n) => Some(n),
            _ => None,
        })
    }
    fn child(&self, keywords: &[&str]) -> Option<&Node> {
        self.children()
            .find(|n| keywords.iter().any(|k| n.keyword.eq_ignore_ascii_case(k)))
    }
    /// Every node of the tree, depth first.
    fn walk<'a>(&'a self, out: &mut Vec<&'a Node>) {
        out.push(self);
        for c in self.children() {
            c.walk(out);
        }
    }
    /// `(authority, code)` of a direct `AUTHORITY` / `ID` child.
    fn authority(&self) -> Option<(String, String)> {
        let node = self.child(&["AUTHORITY", "ID"])?;
        let mut it = node.args.iter().filter_map(|a| match a {
            Arg::Str(s) | Arg::Word(s) => Some(s.trim().to_string()),
            Arg::Node(_) => None,
        });
        Some((it.next()?, it.next()?))
    }
    /// Numeric value of the `PARAMETER` (anywhere below) whose normalised
    /// name satisfies `pred`.
    fn parameter(&self, pred: impl Fn(&str) -> bool) -> Option<f64> {
        let mut all = Vec::new();
        self.walk(&mut all);
        all.into_iter()
            .filter(|n| n.keyword.eq_ignore_ascii_case("PARAMETER"))
            .find(|n| n.name().is_some_and(|s| pred(&normalise(s))))
            .and_then(|n| match n.args.get(1) {
                Some(Arg::Word(w)) => w.parse().ok(),
                _ => None,
            })
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn node(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.pos += 1;
        }
        let keyword = String::from_utf8_lossy(self.s.get(start..self.pos)?).into_owned();
        self.skip_ws();
        let close = match self.peek()? {
            b'[' => b']',
            b'(' => b')',
            _ => return None,
        };
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.skip_ws();
            match self.peek()? {
                b'"' => args.push(Arg::Str(self.string()?)),
                c if c == close => {
                    self.pos += 1;
                    return Some(Node { keyword, args });
                }
                b',' => {
                    self.pos += 1;
                    continue;
                }
                _ => {
                    // A nested node or a bare word / number.
                    let save = self.pos;
                    while self.peek().is_some_and(|c| {
                        !matches!(c, b',' | b'[' | b'(' | b']' | b')' | b'"')
                            && !c.is_ascii_whitespace()
                    }) {
                        self.pos += 1;
                    }
                    self.skip_ws();
                    if matches!(self.peek(), Some(b'[' | b'(')) {
                        self.pos = save;
                        args.push(Arg::Node(self.node(depth + 1)?));
                    } else {
                        let word = String::from_utf8_lossy(self.s.get(save..self.pos)?)
                            .trim()
                            .to_string();
                        if word.is_empty() {
                            return None;
                        }
                        args.push(Arg::Word(word));
                    }
                }
            }
        }
    }
    /// A quoted string; `""` is an escaped quote.
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.pos += 1;
            if c == b'"' {
                if self.peek() == Some(b'"') {
                    self.pos += 1;
                    out.push(b'"');
                } else {
                    return Some(String::from_utf8_lossy(&out).into_owned());
                }
            } else {
                out.push(c);
            }
        }
    }
}

/// Lower case, `_`/`-` as spaces, single spaces.
fn normalise(s: &str) -> String {
    s.to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse(wkt: &str) -> Option<Node> {
    let mut p = Parser {
        s: wkt.trim().as_bytes(),
        pos: 0,
    };
    p.node(0)
}

/// Recognise one of the supported CRSs in WKT text.
pub(crate) fn recognise(wkt: &str) -> Option<Crs> {
    let root = parse(wkt)?;
    let crs = unwrap_crs(&root)?;
    if let Some((auth, code)) = crs.authority() {
        let code: Option<u32> = code.parse().ok();
        if auth.eq_ignore_ascii_case("EPSG") {
            // An explicit EPSG code is authoritative.
            return code.and_then(Crs::from_epsg);
        }
        if auth.eq_ignore_ascii_case("ESRI") {
            match code {
                Some(102100 | 102113) => return Some(Crs::WebMercator),
                Some(c) => {
                    if let Some(found) = Crs::from_epsg(c) {
                        return Some(found);
                    }
                }
                None => {}
            }
        }
    }
    by_content(crs)
}

/// The horizontal CRS of a `BOUNDCRS` / `COMPD_CS` / `COMPOUNDCRS` wrapper.
fn unwrap_crs(node: &Node) -> Option<&Node> {
    match node.kw().as_str() {
        "BOUNDCRS" => unwrap_crs(node.child(&["SOURCECRS"])?.children().next()?),
        "COMPD_CS" | "COMPOUNDCRS" => node.children().find(|c| {
            matches!(
                c.kw().as_str(),
                "PROJCS" | "PROJCRS" | "PROJECTEDCRS" | "GEOGCS" | "GEOGCRS" | "GEOGRAPHICCRS"
            )
        }),
        _ => Some(node),
    }
}

fn is_wgs84_name(n: &str) -> bool {
    let n = n.replace(' ', "");
    n == "wgs84"
        || n == "wgs1984"
        || n == "gcswgs1984"
        || n == "dwgs1984"
        || n == "worldgeodeticsystem1984"
        || n.starts_with("worldgeodeticsystem1984")
        || n == "epsg4326"
}

fn by_content(crs: &Node) -> Option<Crs> {
    let name = normalise(crs.name().unwrap_or_default());
    match crs.kw().as_str() {
        "PROJCS" | "PROJCRS" | "PROJECTEDCRS" => {
            if name.contains("lambert 2008") {
                return Some(Crs::Lambert2008);
            }
            if name.contains("lambert 72")
                || name.contains("lambert 1972")
                || (name.contains("belge") && name.contains("1972"))
            {
                return Some(Crs::Lambert72);
            }
            if name.contains("web mercator")
                || name.contains("pseudo mercator")
                || name.contains("popular visualisation")
            {
                return Some(Crs::WebMercator);
            }
            // ESRI projection name of Web Mercator.
            let mut all = Vec::new();
            crs.walk(&mut all);
            let method = all
                .iter()
                .find(|n| matches!(n.kw().as_str(), "PROJECTION" | "METHOD"))
                .and_then(|n| n.name())
                .map(normalise)
                .unwrap_or_default();
            if method.contains("auxiliary sphere") || method.contains("pseudo mercator") {
                return Some(Crs::WebMercator);
            }
            // Fall back to the defining parameters of the two Lambert CRSs.
            let fe = crs.parameter(|p| p.contains("easting"));
            let fn_ = crs.parameter(|p| p.contains("northing"));
            let close = |v: Option<f64>, x: f64| v.is_some_and(|v| (v - x).abs() < 1e-3);
            if method.contains("lambert") {
                if close(fe, 150000.013) && close(fn_, 5400088.438) {
                    return Some(Crs::Lambert72);
                }
                if close(fe, 649328.0) && close(fn_, 665262.0) {
                    return Some(Crs::Lambert2008);
                }
            }
            None
        }
        "GEOGCS" | "GEOGCRS" | "GEOGRAPHICCRS" | "GEODCRS" => {
            if crs.child(&["CS"]).is_some_and(|cs| {
                cs.args
                    .iter()
                    .any(|a| matches!(a, Arg::Word(w) if w.eq_ignore_ascii_case("Cartesian")))
            }) {
                return None;
            }
            let datum = crs
                .child(&["DATUM", "ENSEMBLE"])
                .and_then(|d| d.name())
                .map(normalise)
                .unwrap_or_default();
            if is_wgs84_name(&name) || (is_wgs84_name(&datum) && !name.contains("etrs")) {
                Some(Crs::Wgs84)
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_handles_quotes_and_parentheses() {
        let n = parse(r#"GEOGCS("a ""b""", DATUM["x", SPHEROID["y", 1, 2]], AXIS["Lat", NORTH])"#)
            .expect("parse");
        assert_eq!(n.name(), Some(r#"a "b""#));
        assert_eq!(n.children().count(), 2);
        assert!(parse("PROJCS[\"x\",").is_none());
        assert!(parse(&"A[".repeat(10_000)).is_none());
        assert!(parse("").is_none());
    }
}
