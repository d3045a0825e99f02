//! Formats written through the system GDAL (`gdal` Cargo feature, Debian `libgdal-dev`): DXF
//! for architects and surveyors, GML 3.2, and any OGR vector driver by name
//! (`format=ogr:<Driver>`).
//!
//! * DXF has a fixed schema (no attribute columns) and no CRS: each feature becomes a DXF
//!   entity on a DXF layer named after the UrbIS layer; coordinates are in the requested CRS.
//! * GML is GML 3.2 (`FORMAT=GML3.2`) with `srsName` URNs, without the `.xsd` sidecar (readers
//!   infer the schema).
//! * Other drivers get the attribute columns when they accept them.

use std::path::{Path, PathBuf};

use gdal::cpl::CslStringList;
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature as GdalFeature, FieldDefn, Geometry as GdalGeometry, LayerOptions, OGRFieldType,
    OwnedLayer,
};
use gdal::{DriverManager, Metadata};
use urbis_core::geom::wkb::to_wkb;
use urbis_core::io::writer::{
    as_integer, as_real, as_text, field_value, FeatureWriter, Field, FieldType, LayerSchema,
};
use urbis_core::{Feature, WriteError};

use super::Format;

/// The OGR driver of a GDAL-backed format.
pub fn driver_name(format: Format) -> Option<&'static str> {
    match format {
        Format::Dxf => Some("DXF"),
        Format::Gml => Some("GML"),
        _ => None,
    }
}

/// Names of the OGR vector drivers that can create files, for `format=ogr:<Driver>`.
pub fn vector_drivers() -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..DriverManager::count() {
        if let Ok(d) = DriverManager::get_driver(i) {
            let md = |k: &str| d.metadata_item(k, "").is_some();
            if md("DCAP_VECTOR") && md("DCAP_CREATE") {
                out.push(d.short_name());
            }
        }
    }
    out.sort();
    out
}

/// Writes one layer with a GDAL driver.
pub struct GdalLayerWriter {
    layer: OwnedLayer,
    path: PathBuf,
    /// (OGR field index, schema field).
    fields: Vec<(usize, Field)>,
}

fn gdal_err(path: &Path) -> impl Fn(gdal::errors::GdalError) -> WriteError + '_ {
    move |e| WriteError::Invalid(format!("{}: GDAL: {e}", path.display()))
}

fn wkb_type(t: &str) -> u32 {
    use gdal::vector::OGRwkbGeometryType as W;
    match t {
        "POINT" => W::wkbPoint,
        "MULTIPOINT" => W::wkbMultiPoint,
        "LINESTRING" => W::wkbLineString,
        "MULTILINESTRING" => W::wkbMultiLineString,
        "POLYGON" => W::wkbPolygon,
        "MULTIPOLYGON" => W::wkbMultiPolygon,
        _ => W::wkbUnknown,
    }
}

impl GdalLayerWriter {
    /// A writer for DXF or GML.
    pub fn create(format: Format, path: &Path, schema: &LayerSchema) -> Result<Self, WriteError> {
        let driver = driver_name(format).ok_or_else(|| {
            WriteError::Invalid(format!("{} is not written through GDAL", format.id()))
        })?;
        Self::with_driver(driver, path, schema)
    }

    /// A writer for the OGR driver `driver` (short name: `DXF`, `GML`, `MapInfo File`, …).
    pub fn with_driver(
        driver: &str,
        path: &Path,
        schema: &LayerSchema,
    ) -> Result<Self, WriteError> {
        let err = gdal_err(path);
        let d = DriverManager::get_driver_by_name(driver).map_err(&err)?;
        let mut opts = CslStringList::new();
        if driver == "GML" {
            opts.set_name_value("FORMAT", "GML3.2").map_err(&err)?;
            opts.set_name_value("XSISCHEMA", "OFF").map_err(&err)?;
            opts.set_name_value("SRSNAME_FORMAT", "OGC_URN")
                .map_err(&err)?;
        }
        let mut ds = d
            .create_with_band_type_with_options::<u8, _>(path, 0, 0, 0, &opts)
            .map_err(&err)?;
        let mut srs = SpatialRef::from_epsg(schema.crs.epsg()).map_err(&err)?;
        // Traditional GIS axis order (x = easting/longitude), as our coordinates are.
        srs.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
        let mut fields = Vec::new();
        {
            let layer = ds
                .create_layer(LayerOptions {
                    name: &schema.name,
                    srs: Some(&srs),
                    ty: wkb_type(schema.geometry_type),
                    options: None,
                })
                .map_err(&err)?;
            if driver != "DXF" {
                for f in &schema.fields {
                    let ty = match f.ty {
                        FieldType::Text => OGRFieldType::OFTString,
                        FieldType::Integer => OGRFieldType::OFTInteger64,
                        FieldType::Real => OGRFieldType::OFTReal,
                    };
                    let fd = FieldDefn::new(&f.name, ty).map_err(&err)?;
                    fd.add_to_layer(&layer).map_err(&err)?;
                }
            }
        }
        let layer = ds.into_layer(0).map_err(&err)?;
        if driver != "DXF" {
            use gdal::vector::LayerAccess;
            for f in &schema.fields {
                let idx = layer.defn().field_index(&f.name).map_err(&err)?;
                fields.push((idx, f.clone()));
            }
        }
        Ok(GdalLayerWriter {
            layer,
            path: path.to_path_buf(),
            fields,
        })
    }
}

impl FeatureWriter for GdalLayerWriter {
    fn write(&mut self, f: &Feature) -> Result<(), WriteError> {
        use gdal::vector::LayerAccess;
        let err = |e: gdal::errors::GdalError| {
            WriteError::Invalid(format!(
                "{}: feature {}: GDAL: {e}",
                self.path.display(),
                f.id
            ))
        };
        let mut feat = GdalFeature::new(self.layer.defn()).map_err(err)?;
        let g = GdalGeometry::from_wkb(&to_wkb(&f.geometry)).map_err(err)?;
        feat.set_geometry(g).map_err(err)?;
        for (idx, field) in &self.fields {
            let Some(v) = field_value(f, &field.name) else {
                continue;
            };
            match field.ty {
                FieldType::Text => {
                    if let Some(t) = as_text(v) {
                        feat.set_field_string(*idx, &t).map_err(err)?;
                    }
                }
                FieldType::Integer => {
                    if let Some(i) = as_integer(v) {
                        feat.set_field_integer64(*idx, i).map_err(err)?;
                    }
                }
                FieldType::Real => {
                    if let Some(x) = as_real(v) {
                        feat.set_field_double(*idx, x).map_err(err)?;
                    }
                }
            }
        }
        feat.create(&self.layer).map_err(err)
    }

    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>, WriteError> {
        let path = self.path.clone();
        // Closing the dataset flushes it.
        drop(self.layer);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Every file the driver wrote for this layer (some drivers write sidecars).
        let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|source| WriteError::Io {
                path: dir.clone(),
                source,
            })?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_stem().is_some_and(|s| s.to_string_lossy() == stem) && p.is_file())
            .collect();
        out.sort();
        Ok(out)
    }
}

/// The file extension a driver writes (`DMD_EXTENSION`, else the first of `DMD_EXTENSIONS`).
pub fn driver_extension(driver: &str) -> Option<String> {
    let d = DriverManager::get_driver_by_name(driver).ok()?;
    d.metadata_item("DMD_EXTENSION", "")
        .filter(|e| !e.is_empty())
        .or_else(|| {
            d.metadata_item("DMD_EXTENSIONS", "")
                .and_then(|e| e.split_whitespace().next().map(str::to_string))
        })
}
