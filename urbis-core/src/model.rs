//! The UrbIS data model: the five layers the server uses, with the UrbIS Vector (M8) field names.
//!
//! Every feature keeps *all* of its source attributes (renamed to their M8 names where a legacy
//! UrbIS-Adm name was used) in [`Feature::attributes`]; the typed views ([`Address`], [`Building`],
//! [`CadastralParcel`], [`StreetAxis`], [`Municipality`]) read the fields the server uses.
//! Geometries are held in EPSG:31370 (Belgian Lambert 72), the CRS of the official distribution.

use std::fmt;
use std::str::FromStr;

use geo::Geometry;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Attribute map of a feature: M8 field name → value, in source order.
pub type Attributes = Map<String, Value>;

/// The UrbIS layers served by urbis. The string ids are the public collection ids used by
/// OGC API Features, tiles and downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    Addresses,
    Buildings,
    Parcels,
    Streets,
    Municipalities,
}

impl Layer {
    pub const ALL: [Layer; 5] = [
        Layer::Addresses,
        Layer::Buildings,
        Layer::Parcels,
        Layer::Streets,
        Layer::Municipalities,
    ];

    /// Public collection id (`addresses`, `buildings`, …).
    pub fn id(self) -> &'static str {
        match self {
            Layer::Addresses => "addresses",
            Layer::Buildings => "buildings",
            Layer::Parcels => "parcels",
            Layer::Streets => "streets",
            Layer::Municipalities => "municipalities",
        }
    }

    /// Table name in the official UrbIS Vector (M8) GeoPackage.
    pub fn m8_table(self) -> &'static str {
        match self {
            Layer::Addresses => "Addresses",
            Layer::Buildings => "Buildings",
            Layer::Parcels => "CadastralParcels",
            Layer::Streets => "StreetAxes",
            Layer::Municipalities => "Municipalities",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Layer::Addresses => "Addresses / Adresses / Adressen",
            Layer::Buildings => "Buildings / Bâtiments / Gebouwen",
            Layer::Parcels => "Cadastral parcels / Parcelles cadastrales / Kadastrale percelen",
            Layer::Streets => "Street axes / Axes de voirie / Wegassen",
            Layer::Municipalities => "Municipalities / Communes / Gemeenten",
        }
    }

    /// The geometry type of the layer in the M8 schema (GeoPackage geometry type name).
    pub fn geometry_type(self) -> &'static str {
        match self {
            Layer::Addresses => "POINT",
            Layer::Buildings | Layer::Parcels | Layer::Municipalities => "MULTIPOLYGON",
            Layer::Streets => "LINESTRING",
        }
    }

    /// Recognise a layer from a table, file or layer name of the current (M8) or legacy
    /// (UrbIS-Adm) distributions: `Addresses`, `UrbAdm_ADPT`, `ADPT`, `Buildings`, `UrbAdm_BU`,
    /// `CadastralParcels`, `CaPa`, `StreetAxes`, `UrbAdm_SA`, `Municipalities`,
    /// `UrbAdm_MUNICIPALITY`, `MU`, … Case-insensitive; returns `None` for layers urbis does not use.
    pub fn from_source_name(name: &str) -> Option<Layer> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let base = base.split('.').next().unwrap_or(base);
        let n = base.to_ascii_uppercase();
        let n = n
            .strip_prefix("URBADM_")
            .or_else(|| n.strip_prefix("URBIS_"))
            .or_else(|| n.strip_prefix("URBISVECTOR_"))
            .unwrap_or(&n)
            .to_string();
        match n.as_str() {
            "ADDRESSES" | "ADDRESS" | "ADPT" | "ADDRESSPOINTS" | "ADRESSES" => {
                Some(Layer::Addresses)
            }
            "BUILDINGS" | "BUILDING" | "BU" | "BATIMENTS" | "GEBOUWEN" => Some(Layer::Buildings),
            "CADASTRALPARCELS" | "CADASTRALPARCEL" | "PARCELS" | "CAPA" | "CAPAS" | "PARCELLES" => {
                Some(Layer::Parcels)
            }
            "STREETAXES" | "STREETAXIS" | "STREETS" | "SA" | "STREET_AXES" => Some(Layer::Streets),
            "MUNICIPALITIES" | "MUNICIPALITY" | "MU" | "COMMUNES" | "GEMEENTEN" => {
                Some(Layer::Municipalities)
            }
            _ => None,
        }
    }

    /// Legacy UrbIS-Adm (and other historical) field names and the M8 names they map to.
    pub fn legacy_aliases(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Layer::Addresses => &[
                ("ADPT_ID", "ID"),
                ("ADPT_ADRN", "POLICENUM"),
                ("ADRN", "POLICENUM"),
                ("ADPT_BOX", "BOXNUMBER"),
                ("BOX", "BOXNUMBER"),
                ("PN_ID", "STREET_ID"),
                ("PN_NAME_FRE", "STRNAMEFRE"),
                ("PN_NAME_DUT", "STRNAMEDUT"),
                ("PZ_NAT_CODE", "ZIPCODE"),
                ("POSTCODE", "ZIPCODE"),
                ("MU_NAT_CODE", "MUNNISCODE"),
                ("MU_NAME_FRE", "MUNNAMEFRE"),
                ("MU_NAME_DUT", "MUNNAMEDUT"),
                ("ADPT_PARENT", "PARENTID"),
                ("BU_ID", "BU_ID"),
            ],
            Layer::Buildings => &[("BU_ID", "ID"), ("BU_TYPE", "TYPE"), ("CAPA_ID", "CAPA_ID")],
            Layer::Parcels => &[
                ("CAPA_ID", "ID"),
                ("CAPA_CAPAKEY", "CAPAKEY"),
                ("CAPA_TYPE", "TYPE"),
                ("CADDIV", "CADAST_DIV"),
                ("MU_NAT_CODE", "MUNNISCODE"),
            ],
            Layer::Streets => &[
                ("SA_ID", "ID"),
                ("PN_NAME_FRE", "STRNAMEFRE"),
                ("PN_NAME_DUT", "STRNAMEDUT"),
                ("NAME_FRE", "STRNAMEFRE"),
                ("NAME_DUT", "STRNAMEDUT"),
                ("SA_TYPE", "TYPE"),
            ],
            Layer::Municipalities => &[
                ("MU_ID", "ID"),
                ("NAT_CODE", "NISCODE"),
                ("MU_NAT_CODE", "NISCODE"),
                ("NAME_FRE", "NAMEFRE"),
                ("NAME_DUT", "NAMEDUT"),
                ("MU_NAME_FRE", "NAMEFRE"),
                ("MU_NAME_DUT", "NAMEDUT"),
            ],
        }
    }

    /// The M8 name of a source field of this layer (legacy names mapped, case normalised).
    pub fn m8_field_name(self, source: &str) -> String {
        let upper = source.to_ascii_uppercase();
        for (legacy, m8) in self.legacy_aliases() {
            if *legacy == upper {
                return (*m8).to_string();
            }
        }
        upper
    }

    /// Fields the M8 schema defines for the layer, in order (used when writing GeoPackages).
    pub fn m8_fields(self) -> &'static [&'static str] {
        match self {
            Layer::Addresses => &[
                "INSPIRE_ID",
                "STREET_ID",
                "STRNAMEFRE",
                "STRNAMEDUT",
                "POLICENUM",
                "BOXNUMBER",
                "PARENTID",
                "ZIPCODE",
                "MUNNISCODE",
                "MUNNAMEFRE",
                "MUNNAMEDUT",
                "BU_ID",
                "XL72",
                "YL72",
            ],
            Layer::Buildings => &["INSPIRE_ID", "TYPE", "CAPAKEY", "AREA"],
            Layer::Parcels => &[
                "INSPIRE_ID",
                "CAPAKEY",
                "TYPE",
                "CADAST_DIV",
                "MUNNISCODE",
                "AREA",
            ],
            Layer::Streets => &["INSPIRE_ID", "TYPE", "STRNAMEFRE", "STRNAMEDUT", "LENGTH"],
            Layer::Municipalities => &["INSPIRE_ID", "NISCODE", "NAMEFRE", "NAMEDUT", "AREA"],
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Error for an unknown layer id.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown layer `{0}` (expected one of addresses, buildings, parcels, streets, municipalities)"
)]
pub struct UnknownLayer(pub String);

impl FromStr for Layer {
    type Err = UnknownLayer;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Layer::ALL
            .into_iter()
            .find(|l| l.id() == s)
            .ok_or_else(|| UnknownLayer(s.to_string()))
    }
}

/// One feature of a layer. The geometry is in EPSG:31370.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Feature id, unique within its layer and stable for a given source (the source's fid, or
    /// its 1-based position).
    pub id: i64,
    pub geometry: Geometry<f64>,
    /// All source attributes under their M8 names.
    pub attributes: Attributes,
}

impl Feature {
    pub fn str_attr(&self, name: &str) -> Option<&str> {
        str_attr(&self.attributes, name)
    }

    /// The INSPIRE identifier (`https://databrussels.be/id/...`), when the source has one.
    pub fn inspire_id(&self) -> Option<&str> {
        self.str_attr("INSPIRE_ID")
    }
}

/// A non-empty string value of an attribute; numbers are not converted (see [`text_attr`]).
pub fn str_attr<'a>(attrs: &'a Attributes, name: &str) -> Option<&'a str> {
    match attrs.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    }
}

/// The textual form of an attribute: strings trimmed, integers without a decimal part
/// (`21004.0` → `"21004"`, as Shapefile numeric fields come).
pub fn text_attr(attrs: &Attributes, name: &str) -> Option<String> {
    value_text(attrs.get(name)?)
}

/// The textual form of a value, as [`text_attr`].
pub fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i.to_string())
            } else {
                let f = n.as_f64()?;
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    Some(format!("{}", f as i64))
                } else {
                    Some(f.to_string())
                }
            }
        }
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn num_attr(attrs: &Attributes, name: &str) -> Option<f64> {
    match attrs.get(name)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The trailing NIS code of a municipality reference, which may be a bare code (`21004`),
/// a number, or an INSPIRE URI (`https://databrussels.be/id/municipality/21004`).
pub fn nis_code(value: &str) -> Option<String> {
    let tail = value.trim().trim_end_matches('/').rsplit('/').next()?;
    let tail = tail.split('.').next().unwrap_or(tail);
    (!tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())).then(|| tail.to_string())
}

/// Typed view of an address point (M8 `Addresses`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Address {
    pub inspire_id: Option<String>,
    pub street_id: Option<String>,
    pub street_name_fr: Option<String>,
    pub street_name_nl: Option<String>,
    /// House number as written (`16`, `16A`, `12-14`).
    pub house_number: Option<String>,
    pub box_number: Option<String>,
    /// For a box sub-address: the id of its main address.
    pub parent_id: Option<String>,
    pub postcode: Option<String>,
    /// NIS code of the municipality (`21004`).
    pub municipality_nis: Option<String>,
    pub municipality_fr: Option<String>,
    pub municipality_nl: Option<String>,
    pub building_id: Option<String>,
}

impl Address {
    pub fn from_attributes(a: &Attributes) -> Self {
        Address {
            inspire_id: text_attr(a, "INSPIRE_ID"),
            street_id: text_attr(a, "STREET_ID"),
            street_name_fr: text_attr(a, "STRNAMEFRE"),
            street_name_nl: text_attr(a, "STRNAMEDUT"),
            house_number: text_attr(a, "POLICENUM"),
            box_number: text_attr(a, "BOXNUMBER"),
            parent_id: text_attr(a, "PARENTID"),
            postcode: text_attr(a, "ZIPCODE"),
            municipality_nis: text_attr(a, "MUNNISCODE").and_then(|v| nis_code(&v)),
            municipality_fr: text_attr(a, "MUNNAMEFRE"),
            municipality_nl: text_attr(a, "MUNNAMEDUT"),
            building_id: text_attr(a, "BU_ID"),
        }
    }
}

/// Typed view of a building (M8 `Buildings`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Building {
    pub inspire_id: Option<String>,
    pub kind: Option<String>,
    pub capakey: Option<String>,
    pub area: Option<f64>,
}

impl Building {
    pub fn from_attributes(a: &Attributes) -> Self {
        Building {
            inspire_id: text_attr(a, "INSPIRE_ID"),
            kind: text_attr(a, "TYPE"),
            capakey: text_attr(a, "CAPAKEY"),
            area: num_attr(a, "AREA"),
        }
    }
}

/// Typed view of a cadastral parcel (M8 `CadastralParcels`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CadastralParcel {
    pub inspire_id: Option<String>,
    /// Cadastral key, e.g. `21802B1102/00A003`.
    pub capakey: Option<String>,
    pub kind: Option<String>,
    pub cadastral_division: Option<String>,
    pub municipality_nis: Option<String>,
    pub area: Option<f64>,
}

impl CadastralParcel {
    pub fn from_attributes(a: &Attributes) -> Self {
        CadastralParcel {
            inspire_id: text_attr(a, "INSPIRE_ID"),
            capakey: text_attr(a, "CAPAKEY"),
            kind: text_attr(a, "TYPE"),
            cadastral_division: text_attr(a, "CADAST_DIV"),
            municipality_nis: text_attr(a, "MUNNISCODE").and_then(|v| nis_code(&v)),
            area: num_attr(a, "AREA"),
        }
    }
}

/// Typed view of a street axis (M8 `StreetAxes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreetAxis {
    pub inspire_id: Option<String>,
    pub kind: Option<String>,
    pub name_fr: Option<String>,
    pub name_nl: Option<String>,
    pub length: Option<f64>,
}

impl StreetAxis {
    pub fn from_attributes(a: &Attributes) -> Self {
        StreetAxis {
            inspire_id: text_attr(a, "INSPIRE_ID"),
            kind: text_attr(a, "TYPE"),
            name_fr: text_attr(a, "STRNAMEFRE"),
            name_nl: text_attr(a, "STRNAMEDUT"),
            length: num_attr(a, "LENGTH"),
        }
    }
}

/// Typed view of a municipality (M8 `Municipalities`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Municipality {
    pub inspire_id: Option<String>,
    /// NIS code, `21001`–`21019`.
    pub nis_code: Option<String>,
    pub name_fr: Option<String>,
    pub name_nl: Option<String>,
    pub area: Option<f64>,
}

impl Municipality {
    pub fn from_attributes(a: &Attributes) -> Self {
        let nis = text_attr(a, "NISCODE")
            .and_then(|v| nis_code(&v))
            .or_else(|| text_attr(a, "INSPIRE_ID").and_then(|v| nis_code(&v)));
        Municipality {
            inspire_id: text_attr(a, "INSPIRE_ID"),
            nis_code: nis,
            name_fr: text_attr(a, "NAMEFRE"),
            name_nl: text_attr(a, "NAMEDUT"),
            area: num_attr(a, "AREA"),
        }
    }
}

/// Is this M8 field numeric (the others are text)?
pub fn is_numeric_field(name: &str) -> bool {
    matches!(name, "XL72" | "YL72" | "AREA" | "LENGTH" | "CARTOANGLE")
}

/// Rename the attributes of a source record to their M8 names for `layer`, keeping every one.
/// When a legacy and an M8 name collide, the M8 field written by the source wins. M8 text fields
/// that a legacy source stored as numbers (`NAT_CODE` 21004.0) become text (`"21004"`).
pub fn normalize_attributes(layer: Layer, source: Vec<(String, Value)>) -> Attributes {
    let mut out = Attributes::new();
    let mut renamed = Vec::new();
    for (name, mut value) in source {
        let m8 = layer.m8_field_name(&name);
        if value.is_number() && layer.m8_fields().contains(&m8.as_str()) && !is_numeric_field(&m8) {
            if let Some(t) = value_text(&value) {
                value = Value::String(t);
            }
        }
        if m8 == name.to_ascii_uppercase() {
            out.insert(m8, value);
        } else {
            renamed.push((m8, value));
        }
    }
    for (m8, value) in renamed {
        out.entry(m8).or_insert(value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layer_names_current_and_legacy() {
        assert_eq!(Layer::from_source_name("Addresses"), Some(Layer::Addresses));
        assert_eq!(
            Layer::from_source_name("UrbAdm_MUNICIPALITY.shp"),
            Some(Layer::Municipalities)
        );
        assert_eq!(
            Layer::from_source_name("UrbAdm_ADPT"),
            Some(Layer::Addresses)
        );
        assert_eq!(
            Layer::from_source_name("gpkg/CadastralParcels"),
            Some(Layer::Parcels)
        );
        assert_eq!(Layer::from_source_name("StreetSurfaces"), None);
        assert_eq!("parcels".parse::<Layer>().ok(), Some(Layer::Parcels));
        assert!("roads".parse::<Layer>().is_err());
    }

    #[test]
    fn legacy_fields_are_mapped_and_kept() {
        let attrs = normalize_attributes(
            Layer::Municipalities,
            vec![
                ("NAT_CODE".into(), json!(21004.0)),
                ("AREA".into(), json!(32.5)),
                ("NAME_FRE".into(), json!("Bruxelles")),
                ("NAME_DUT".into(), json!("Brussel")),
                ("MU3C".into(), json!("BXL")),
            ],
        );
        let m = Municipality::from_attributes(&attrs);
        assert_eq!(m.nis_code.as_deref(), Some("21004"));
        assert_eq!(m.name_fr.as_deref(), Some("Bruxelles"));
        assert_eq!(m.name_nl.as_deref(), Some("Brussel"));
        assert_eq!(attrs.get("MU3C"), Some(&json!("BXL")));
        assert_eq!(attrs.get("NISCODE"), Some(&json!("21004")));
        assert_eq!(attrs.get("AREA"), Some(&json!(32.5)));
    }

    #[test]
    fn address_view_reads_m8_and_legacy() {
        let attrs = normalize_attributes(
            Layer::Addresses,
            vec![
                ("ADPT_ADRN".into(), json!("16A")),
                ("PN_NAME_FRE".into(), json!("Rue de la Loi")),
                ("PN_NAME_DUT".into(), json!("Wetstraat")),
                (
                    "MUNNISCODE".into(),
                    json!("https://databrussels.be/id/municipality/21004"),
                ),
            ],
        );
        let a = Address::from_attributes(&attrs);
        assert_eq!(a.house_number.as_deref(), Some("16A"));
        assert_eq!(a.street_name_fr.as_deref(), Some("Rue de la Loi"));
        assert_eq!(a.street_name_nl.as_deref(), Some("Wetstraat"));
        assert_eq!(a.municipality_nis.as_deref(), Some("21004"));
    }

    #[test]
    fn nis_codes() {
        assert_eq!(nis_code("21004").as_deref(), Some("21004"));
        assert_eq!(nis_code("21004.0").as_deref(), Some("21004"));
        assert_eq!(
            nis_code("https://databrussels.be/id/municipality/21009").as_deref(),
            Some("21009")
        );
        assert_eq!(nis_code("Bruxelles"), None);
    }
}
