//! Downloads for GIS analysts (issue 8): every UrbIS layer in the formats and CRSs analysts use,
//! whole-Region files prepared after each import and on-demand extracts.
//!
//! * [`formats`]: the formats offered (id, media type, file extension, EU file-type URI), for
//!   the catalogue's DCAT distributions (`<base>/downloads/{layer}.{format}`).
//! * [`export`]: selection (bbox, municipality) and writing of one or several layers in one
//!   format and CRS, used by the HTTP service, the background preparation and `urbis export`.
//! * [`prepared`]: the whole-Region files of the live generation, rebuilt in the background
//!   when a new generation goes live, with their SHA-256.
//! * [`http`]: `GET /downloads`, `GET /downloads/{file}` (prepared files with ETag and range
//!   requests, on-demand extracts), `GET /downloads/{file}.sha256`.
//!
//! See `docs/DOWNLOADS.md` for the public contract.

pub mod export;
#[cfg(feature = "gdal")]
pub mod gdal;
pub mod http;
pub mod prepared;

use urbis_core::{Crs, Layer};

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    GeoPackage,
    /// ESRI Shapefile, zipped.
    Shapefile,
    GeoJson,
    Csv,
    FlatGeobuf,
    Kml,
    /// AutoCAD DXF (through GDAL, `gdal` feature).
    Dxf,
    /// OGC GML 3.2 (through GDAL, `gdal` feature).
    Gml,
    /// Any OGR vector driver named in the request (`format=ogr:<Driver>`, zipped; `gdal`
    /// feature). Not in [`formats`].
    Ogr,
}

/// What the catalogue and the listing say about a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatInfo {
    pub format: Format,
    /// Id in download URLs: `/downloads/{layer}.{id}`.
    pub id: &'static str,
    pub title: &'static str,
    /// Media type of the downloaded file (`application/zip` for the zipped Shapefile).
    pub media_type: &'static str,
    /// Extension of a single-layer file on disk and in zips (`shp` for the Shapefile, whose
    /// download is a zip).
    pub extension: &'static str,
    /// EU file-type authority URI (`http://publications.europa.eu/resource/authority/file-type/…`);
    /// `None` where the vocabulary has no entry (FlatGeobuf).
    pub file_type: Option<&'static str>,
    /// IANA media type of the format itself, when it differs from `media_type` (the Shapefile).
    pub package_format: Option<&'static str>,
    /// The CRS used when the request names none.
    pub default_crs: Crs,
    /// Can one file hold several layers (GeoPackage)?
    pub multi_layer: bool,
    /// Only with the `gdal` Cargo feature.
    pub needs_gdal: bool,
}

const EU: &str = "http://publications.europa.eu/resource/authority/file-type/";

macro_rules! eu {
    ($t:literal) => {
        Some(concat!(
            "http://publications.europa.eu/resource/authority/file-type/",
            $t
        ))
    };
}

static FORMATS: &[FormatInfo] = &[
    FormatInfo {
        format: Format::GeoPackage,
        id: "gpkg",
        title: "GeoPackage",
        media_type: "application/geopackage+sqlite3",
        extension: "gpkg",
        file_type: eu!("GPKG"),
        package_format: None,
        default_crs: Crs::Lambert72,
        multi_layer: true,
        needs_gdal: false,
    },
    FormatInfo {
        format: Format::Shapefile,
        id: "shp",
        title: "ESRI Shapefile (zip)",
        media_type: "application/zip",
        extension: "shp",
        file_type: eu!("SHP"),
        package_format: Some("application/vnd.shp"),
        default_crs: Crs::Lambert72,
        multi_layer: false,
        needs_gdal: false,
    },
    FormatInfo {
        format: Format::GeoJson,
        id: "geojson",
        title: "GeoJSON",
        media_type: "application/geo+json",
        extension: "geojson",
        file_type: eu!("GEOJSON"),
        package_format: None,
        default_crs: Crs::Wgs84,
        multi_layer: false,
        needs_gdal: false,
    },
    FormatInfo {
        format: Format::Csv,
        id: "csv",
        title: "CSV with WKT geometry",
        media_type: "text/csv",
        extension: "csv",
        file_type: eu!("CSV"),
        package_format: None,
        default_crs: Crs::Lambert72,
        multi_layer: false,
        needs_gdal: false,
    },
    FormatInfo {
        format: Format::FlatGeobuf,
        id: "fgb",
        title: "FlatGeobuf",
        media_type: "application/vnd.flatgeobuf",
        extension: "fgb",
        file_type: None,
        package_format: None,
        default_crs: Crs::Lambert72,
        multi_layer: false,
        needs_gdal: false,
    },
    FormatInfo {
        format: Format::Kml,
        id: "kml",
        title: "KML",
        media_type: "application/vnd.google-earth.kml+xml",
        extension: "kml",
        file_type: eu!("KML"),
        package_format: None,
        default_crs: Crs::Wgs84,
        multi_layer: false,
        needs_gdal: false,
    },
    FormatInfo {
        format: Format::Dxf,
        id: "dxf",
        title: "AutoCAD DXF",
        media_type: "image/vnd.dxf",
        extension: "dxf",
        file_type: eu!("DXF"),
        package_format: None,
        default_crs: Crs::Lambert72,
        multi_layer: false,
        needs_gdal: true,
    },
    FormatInfo {
        format: Format::Gml,
        id: "gml",
        title: "GML 3.2",
        media_type: "application/gml+xml",
        extension: "gml",
        file_type: eu!("GML"),
        package_format: None,
        default_crs: Crs::Lambert72,
        multi_layer: false,
        needs_gdal: true,
    },
];

static OGR: FormatInfo = FormatInfo {
    format: Format::Ogr,
    id: "ogr",
    title: "OGR driver (zip)",
    media_type: "application/zip",
    extension: "dat",
    file_type: eu!("ZIP"),
    package_format: None,
    default_crs: Crs::Lambert72,
    multi_layer: false,
    needs_gdal: true,
};

/// Is the `gdal` Cargo feature compiled in?
pub const GDAL: bool = cfg!(feature = "gdal");

/// The formats this build offers (DXF and GML only with the `gdal` feature), in listing order.
pub fn formats() -> &'static [FormatInfo] {
    if GDAL {
        FORMATS
    } else {
        &FORMATS[..6]
    }
}

/// Prefix of the EU file-type authority URIs.
pub fn eu_file_type_prefix() -> &'static str {
    EU
}

impl Format {
    /// The format with this URL id, if this build offers it.
    pub fn from_id(id: &str) -> Option<Format> {
        formats()
            .iter()
            .find(|f| f.id.eq_ignore_ascii_case(id))
            .map(|f| f.format)
    }

    pub fn info(self) -> &'static FormatInfo {
        if self == Format::Ogr {
            return &OGR;
        }
        FORMATS
            .iter()
            .find(|f| f.format == self)
            .unwrap_or(&FORMATS[0])
    }

    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The CRSs a file of this format can be requested in: KML is WGS 84 only.
    pub fn crs_allowed(self) -> &'static [Crs] {
        match self {
            Format::Kml => &[Crs::Wgs84],
            _ => &[Crs::Lambert72, Crs::Lambert2008, Crs::Wgs84],
        }
    }
}

/// The CRSs offered for downloads (Web Mercator is for maps, not for analysts' files).
pub const DOWNLOAD_CRS: [Crs; 3] = [Crs::Lambert72, Crs::Lambert2008, Crs::Wgs84];

/// The layer name used inside files (GeoPackage table, file stem): the M8 table name
/// (`Addresses`, `Buildings`, `CadastralParcels`, `StreetAxes`, `Municipalities`), as in the
/// official distribution, so that `urbis import` and other tools recognise the layers.
pub fn layer_name(layer: Layer) -> &'static str {
    layer.m8_table()
}

/// The download URL of `layer` in `format` (the whole Region, in the format's default CRS):
/// `<base>/downloads/{layer}.{format}`, e.g. `https://example.org/downloads/buildings.gpkg`.
pub fn download_url(base: &str, layer: Layer, format: Format) -> String {
    format!(
        "{}/downloads/{}.{}",
        base.trim_end_matches('/'),
        layer.id(),
        format.id()
    )
}

/// The official UrbIS distribution name of the whole-Region file in `format` (GeoPackage or
/// Shapefile) for a generation dated `yyyymmdd`: `UrbISVector_31370_GPKG_04000_20251004.zip`.
pub fn official_name(format: Format, yyyymmdd: &str) -> Option<String> {
    let fmt = match format {
        Format::GeoPackage => "GPKG",
        Format::Shapefile => "SHP",
        _ => return None,
    };
    Some(format!("UrbISVector_31370_{fmt}_04000_{yyyymmdd}.zip"))
}

/// `YYYYMMDD` of an RFC 3339 timestamp (`2026-11-23T11:00:00Z` → `20261123`).
pub fn yyyymmdd(rfc3339: &str) -> Option<String> {
    let d: String = rfc3339.chars().take(10).filter(|c| *c != '-').collect();
    (d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit())).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_have_ids_media_types_and_file_types() {
        let ids: Vec<_> = formats().iter().map(|f| f.id).collect();
        assert_eq!(&ids[..6], ["gpkg", "shp", "geojson", "csv", "fgb", "kml"]);
        assert_eq!(ids.len(), if GDAL { 8 } else { 6 });
        for f in formats() {
            if let Some(t) = f.file_type {
                assert!(t.starts_with(eu_file_type_prefix()), "{t}");
            }
            assert!(f.media_type.contains('/'));
            assert_eq!(Format::from_id(f.id), Some(f.format));
        }
        assert_eq!(
            Format::GeoPackage.info().file_type,
            Some("http://publications.europa.eu/resource/authority/file-type/GPKG")
        );
        assert_eq!(Format::from_id("xlsx"), None);
    }

    #[test]
    fn download_urls() {
        assert_eq!(
            download_url("https://x.org/", Layer::Buildings, Format::Shapefile),
            "https://x.org/downloads/buildings.shp"
        );
    }

    #[test]
    fn official_names() {
        assert_eq!(
            official_name(Format::GeoPackage, "20251004").as_deref(),
            Some("UrbISVector_31370_GPKG_04000_20251004.zip")
        );
        assert_eq!(official_name(Format::Kml, "20251004"), None);
        assert_eq!(
            yyyymmdd("2026-11-23T11:00:00Z").as_deref(),
            Some("20261123")
        );
        assert_eq!(yyyymmdd("soon"), None);
    }
}
