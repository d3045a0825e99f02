//! ISO 19115-3 (`mdb:MD_Metadata`, as GeoNetwork 4 catalogues such as Wallonia's metawal serve
//! it) → the catalogue model, after the GeoDCAT-AP core mapping.
//!
//! ISO 19115-3 keeps most of ISO 19139's element names (`MD_Keywords`, `EX_Extent`,
//! `MD_LegalConstraints`, `CI_OnlineResource`, `PT_FreeText`…) in new namespaces; those sections
//! are mapped by the shared [`Mapper`]. What moved is found here: the metadata identifier, the
//! locales, the metadata scope, `CI_Responsibility/party`, the resource locales, the lineage at
//! the record's root and the format citations.

use datastore_api::model::Lang;

use super::iso::{code_value, identification, language_of, Mapper, Party, Texts};
use super::{Failed, Mapped};
use crate::xml::Element;

/// The namespace of ISO 19115-3 metadata base (`mdb`), any version.
const MDB_NS: &str = "http://standards.iso.org/iso/19115/-3/mdb/";

/// The `outputSchema` of ISO 19115-3 records in CSW requests.
pub const OUTPUT_SCHEMA: &str = "http://standards.iso.org/iso/19115/-3/mdb/2.0";

/// Is this element an ISO 19115-3 record (`mdb:MD_Metadata`)?
pub fn is_iso3(md: &Element) -> bool {
    md.local == "MD_Metadata" && md.ns.starts_with(MDB_NS)
}

/// Map one ISO 19115-3 `mdb:MD_Metadata` element.
pub fn map_record(md: &Element, default_lang: Lang) -> Result<Mapped, Failed> {
    let original_id = md
        .path(&["metadataIdentifier", "MD_Identifier", "code"])
        .and_then(|c| c.value())
        .map(str::to_string);
    let Some(original_id) = original_id else {
        return Err(Failed {
            original_id: None,
            reason: "no mdb:metadataIdentifier: the record cannot be tracked between runs".into(),
        });
    };
    // The record's default locale, else the resource's, else the source's language.
    let main = language_of(md.path(&["defaultLocale", "PT_Locale", "language"]))
        .or_else(|| {
            let ident = md.child("identificationInfo")?.children.first()?;
            language_of(ident.path(&["defaultLocale", "PT_Locale", "language"]))
        })
        .unwrap_or(default_lang);
    let locales = md
        .all(&["defaultLocale", "PT_Locale"])
        .into_iter()
        .chain(md.all(&["otherLocale", "PT_Locale"]))
        .filter_map(|loc| Some((loc, language_of(loc.child("language"))?)));
    let mut m = Mapper::new(Texts::with_locales(main, locales));
    m.scope(
        "resourceScope",
        code_value(md.path(&["metadataScope", "MD_MetadataScope", "resourceScope"])),
    );
    let ident = identification(md, &original_id, "mdb")?;
    let dataset_uri = m.citation(ident);

    // Points of contact first, then the citation's responsible parties.
    let responsibilities = ident
        .all(&["pointOfContact", "CI_Responsibility"])
        .into_iter()
        .chain(ident.all(&[
            "citation",
            "CI_Citation",
            "citedResponsibleParty",
            "CI_Responsibility",
        ]));
    let parties: Vec<Party> = responsibilities
        .filter_map(|r| party(&m.texts, r))
        .collect();
    m.parties(&parties);

    m.shared_sections(md, ident);
    for loc in ident
        .all(&["defaultLocale", "PT_Locale"])
        .into_iter()
        .chain(ident.all(&["otherLocale", "PT_Locale"]))
    {
        m.language(language_of(loc.child("language")));
    }
    // The lineage moved to the record's root (`mdb:resourceLineage`); early GeoNetwork
    // conversions kept it in the data quality section.
    let lineage = md.path(&["resourceLineage", "LI_Lineage"]).or_else(|| {
        md.all(&["dataQualityInfo", "DQ_DataQuality", "lineage", "LI_Lineage"])
            .first()
            .copied()
    });
    m.lineage(lineage);

    // Formats: `MD_Format/formatSpecificationCitation/CI_Citation/title` (text, then the
    // Anchor's URI such as an INSPIRE media type), on the distribution or a distributor.
    let distributions = md.all(&["distributionInfo", "MD_Distribution"]);
    let mut formats = Vec::new();
    for d in &distributions {
        let held = d
            .all(&["distributionFormat", "MD_Format"])
            .into_iter()
            .chain(d.all(&[
                "distributor",
                "MD_Distributor",
                "distributorFormat",
                "MD_Format",
            ]));
        for f in held {
            let title = f.path(&["formatSpecificationCitation", "CI_Citation", "title"]);
            let mut candidates: Vec<String> = Vec::new();
            if let Some(t) = title.and_then(|t| t.value()) {
                candidates.push(t.to_string());
            }
            if let Some(h) = title
                .and_then(|t| t.child("Anchor"))
                .and_then(|a| a.attr("href"))
            {
                candidates.push(h.to_string());
            }
            // 19115-3 also allows a plain `name` (a ScopedName or CharacterString).
            if let Some(n) = f.child("name").and_then(|n| n.value()) {
                candidates.push(n.to_string());
            }
            if !candidates.is_empty() {
                formats.push(candidates);
            }
        }
    }
    let declared = m.formats(&formats);

    // Online resources: the distribution's and its distributors' transfer options, and the
    // resource citation's own links (not the record's `metadataLinkage` nor contacts' pages).
    let mut links: Vec<&Element> = Vec::new();
    for d in &distributions {
        links.extend(d.all(&[
            "transferOptions",
            "MD_DigitalTransferOptions",
            "onLine",
            "CI_OnlineResource",
        ]));
        links.extend(d.all(&[
            "distributor",
            "MD_Distributor",
            "distributorTransferOptions",
            "MD_DigitalTransferOptions",
            "onLine",
            "CI_OnlineResource",
        ]));
    }
    links.extend(ident.all(&[
        "citation",
        "CI_Citation",
        "onlineResource",
        "CI_OnlineResource",
    ]));
    m.online_resources(&links, declared.as_deref());
    m.notes(ident);
    if md.child("contentInfo").is_some() {
        m.unmapped
            .push("content information (feature catalogue, coverage description)".into());
    }
    Ok(m.finish(original_id, dataset_uri))
}

/// A `cit:CI_Responsibility`: its role and its party (`CI_Organisation`, whose name may be
/// missing in favour of an `individual`, or `CI_Individual`).
fn party(texts: &Texts, r: &Element) -> Option<Party> {
    let p = r.child("party").and_then(|p| p.children.first())?;
    let mut name = texts.multi(p.child("name"));
    let individual = p.path(&["individual", "CI_Individual"]);
    if name.is_empty() {
        name = texts.multi(individual.and_then(|i| i.child("name")));
    }
    // The party's own contact details, else its individual's.
    let contacts = [
        p.path(&["contactInfo", "CI_Contact"]),
        individual.and_then(|i| i.path(&["contactInfo", "CI_Contact"])),
    ];
    let first =
        |get: &dyn Fn(&Element) -> Option<String>| contacts.iter().flatten().find_map(|c| get(c));
    let email = first(&|c| {
        c.all(&["address", "CI_Address", "electronicMailAddress"])
            .into_iter()
            .find_map(|e| e.value())
            .map(str::to_string)
    });
    let url = first(&|c| {
        c.path(&["onlineResource", "CI_OnlineResource", "linkage"])
            .and_then(|l| l.value())
            .map(str::to_string)
    });
    Some(Party {
        role: code_value(r.child("role")).map(str::to_string),
        name,
        email,
        url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::iso::parse_document;
    use crate::map::testdata::shared;
    use datastore_api::model::Kind;

    const EXAMPLES: &str = "iso/OWSLib/tests/resources/iso3_examples";
    const PYCSW: &str = "csw/pycsw/tests/functionaltests/suites/iso19115p3/expected";
    const THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
    const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";

    fn one(rel: &str) -> Option<Mapped> {
        let doc = shared(rel)?;
        let mut p = parse_document(&doc, Lang::En).expect("well-formed");
        assert!(p.failed.is_empty(), "{:?}", p.failed);
        assert_eq!(p.records.len(), 1);
        p.records.pop()
    }

    /// The dataset as the job writes it passes the catalogue's validation.
    fn assert_valid(m: &Mapped) {
        let mut ds = m.dataset.clone();
        crate::map::clean_urls(&mut ds);
        ds.id = crate::map::record_id("metawal", &m.original_id);
        ds.publisher = Some("spw".into());
        let errors = ds.validate();
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn metawal_catchments_series_field_by_field() {
        let Some(m) = one(&format!("{EXAMPLES}/metawal.wallonie.be-catchments.xml")) else {
            return;
        };
        let d = &m.dataset;
        assert_eq!(m.original_id, "74f81503-8d39-4ec8-a49a-c76e0cd74946");
        // metadataScope/resourceScope `series`.
        assert_eq!(d.kind, Kind::Series);
        // defaultLocale `fre`: French is the only language present.
        assert_eq!(
            d.title.0.iter().collect::<Vec<_>>(),
            vec![(&Lang::Fr, &"Protection des captages - Série".to_string())]
        );
        assert!(d
            .description
            .get(Lang::Fr)
            .is_some_and(|t| t.starts_with("Cette collection de données comprend les zones")));
        assert_eq!(
            d.identifier.as_deref(),
            Some("BE.SPW.INFRASIG.GINET:PROTECT_CAPT")
        );
        assert_eq!(m.dataset_uri, d.identifier);
        assert_eq!(d.issued.as_deref(), Some("2022-11-08"));
        assert_eq!(d.modified.as_deref(), Some("2023-07-31"));
        assert!(m
            .unmapped
            .iter()
            .any(|u| u.contains("creation date 2000-01-01")));
        assert_eq!(
            d.languages,
            vec!["http://publications.europa.eu/resource/authority/language/FRA"]
        );
        let b = d.spatial.as_ref().and_then(|s| s.bbox).expect("bbox");
        assert_eq!(
            (b.west, b.south, b.east, b.north),
            (2.75, 49.45, 6.5, 50.85)
        );
        // Topic categories geoscientificInformation → TECH, inlandWaters → ENVI.
        assert_eq!(
            d.themes,
            vec![format!("{THEME}TECH"), format!("{THEME}ENVI")]
        );
        let fr = &d.keywords.0[&Lang::Fr];
        for k in ["Eau", "eau potable", "eaux souterraines", "WalOnMap", "IIb"] {
            assert!(fr.contains(&k.to_string()), "{k}: {fr:?}");
        }
        // The metawal thesaurus Anchors are no EU data themes: kept as labels, noted.
        assert!(m.unmapped.iter().any(|u| u.contains(
            "theme-geoportail-wallon#SubThemesGeoportailWallon/1020 (Thèmes du géoportail wallon)"
        )));
        // No known licence; access and use conditions kept with their URIs as rights.
        assert!(d.licence.is_none());
        let rights = d
            .rights
            .as_ref()
            .and_then(|r| r.get(Lang::Fr))
            .expect("rights");
        assert!(rights.contains("Les conditions générales d'utilisation s'appliquent. <https://geoportail.wallonie.be/files/documents/ConditionsSPW/DataSPW-CGU.pdf>"), "{rights}");
        assert!(rights.contains("DataSPW-CGA.pdf"));
        let cp = d.contact_point.as_ref().expect("contact");
        assert_eq!(
            cp.mailto().as_deref(),
            Some("mailto:helpdesk.carto@spw.wallonie.be")
        );
        assert!(cp
            .name
            .get(Lang::Fr)
            .is_some_and(|n| n.starts_with("Helpdesk carto du SPW")));
        assert_eq!(
            d.conforms_to,
            vec!["http://www.opengis.net/def/crs/EPSG/0/31370"]
        );
        assert!(d
            .lineage
            .as_ref()
            .and_then(|l| l.get(Lang::Fr))
            .is_some_and(|l| l.starts_with("Pour les zones arrêtées")));
        // WalOnMap (function information) is the landing page, not the record's own
        // metadataLinkage.
        assert_eq!(
            d.landing_page.as_deref(),
            Some("https://geoportail.wallonie.be/walonmap/#ADU=https://geoservices.wallonie.be/arcgis/rest/services/EAU/PROTECT_CAPT/MapServer")
        );
        assert_eq!(d.distributions.len(), 2, "{:?}", d.distributions);
        let rest = &d.distributions[0];
        assert_eq!(
            rest.access_url,
            "https://geoservices.wallonie.be/arcgis/rest/services/EAU/PROTECT_CAPT/MapServer"
        );
        assert_eq!(rest.download_url, None);
        assert_eq!(rest.format.as_deref(), Some(&*format!("{FILE_TYPE}REST")));
        let wms = &d.distributions[1];
        assert_eq!(wms.access_url, "https://geoservices.wallonie.be/arcgis/services/EAU/PROTECT_CAPT/MapServer/WMSServer?request=GetCapabilities&service=WMS");
        assert_eq!(
            wms.format.as_deref(),
            Some(&*format!("{FILE_TYPE}WMS_SRVC"))
        );
        assert_eq!(
            wms.conforms_to,
            vec!["http://www.opengis.net/def/serviceType/ogc/wms"]
        );
        assert_eq!(
            wms.title.get(Lang::Fr),
            Some("Service de visualisation WMS")
        );
        // Declared formats (Shapefile, File Geodatabase by their INSPIRE media types) with
        // no download link are noted.
        assert!(
            m.unmapped
                .iter()
                .any(|u| u.contains("declared format(s) SHP, GDB")),
            "{:?}",
            m.unmapped
        );
        assert!(m.unmapped.iter().any(|u| u.contains("graphic overview")));
        assert!(m.unmapped.iter().any(|u| u.contains("spatial resolution")));
        assert_valid(&m);
    }

    #[test]
    fn metawal_view_service_field_by_field() {
        let Some(m) = one(&format!("{EXAMPLES}/metawal.wallonie.be-srv.xml")) else {
            return;
        };
        let d = &m.dataset;
        assert_eq!(m.original_id, "1714cd1e-6685-4dea-a6f4-b51612a15ed0");
        assert_eq!(d.kind, Kind::Service);
        assert_eq!(
            d.title.get(Lang::Fr),
            Some("INSPIRE - Santé et sécurité des personnes en Wallonie (BE) - Service de visualisation WMS")
        );
        assert_eq!(d.title.0.len(), 1);
        // A URI code space is a prefix of the code.
        assert_eq!(
            m.dataset_uri.as_deref(),
            Some("http://geodata.wallonie.be/id/1714cd1e-6685-4dea-a6f4-b51612a15ed0")
        );
        assert_eq!(d.issued.as_deref(), Some("2018-03-01"));
        let b = d.spatial.as_ref().and_then(|s| s.bbox).expect("bbox");
        assert_eq!(
            (b.west, b.south, b.east, b.north),
            (2.75, 49.45, 6.51, 50.85)
        );
        // INSPIRE theme Anchor hh (Human health and safety) → HEAL.
        assert_eq!(d.themes, vec![format!("{THEME}HEAL")]);
        let fr = &d.keywords.0[&Lang::Fr];
        for k in [
            "Santé et sécurité des personnes",
            "santé humaine",
            "Service d’accès aux cartes",
        ] {
            assert!(fr.contains(&k.to_string()), "{k}: {fr:?}");
        }
        // INSPIRE noLimitations → PUBLIC; the use conditions Anchor is the licence document.
        assert_eq!(
            d.access_rights.as_deref(),
            Some("http://publications.europa.eu/resource/authority/access-right/PUBLIC")
        );
        let l = d.licence.as_ref().expect("licence");
        assert_eq!(
            l.uri,
            "https://geoportail.wallonie.be/files/documents/ConditionsSPW/LicServicesSPW.pdf"
        );
        assert!(l
            .label
            .get(Lang::Fr)
            .is_some_and(|t| t.starts_with("Les conditions d'utilisation du service")));
        assert_eq!(
            d.rights.as_ref().and_then(|r| r.get(Lang::Fr)),
            Some("Conditions d'utilisation spécifiques")
        );
        let cp = d.contact_point.as_ref().expect("contact");
        assert_eq!(
            cp.mailto().as_deref(),
            Some("mailto:helpdesk.carto@spw.wallonie.be")
        );
        // Six reference systems, then the two INSPIRE regulations passed.
        assert_eq!(d.conforms_to.len(), 8, "{:?}", d.conforms_to);
        assert_eq!(
            d.conforms_to[5],
            "http://www.opengis.net/def/crs/EPSG/0/3812"
        );
        assert!(d
            .conforms_to
            .contains(&"http://data.europa.eu/eli/reg/2010/1089".to_string()));
        let endpoint = "https://geoservices.test.wallonie.be/geoserver/inspire_hh/ows?service=WMS&version=1.3.0&request=GetCapabilities";
        assert_eq!(d.distributions.len(), 1);
        assert_eq!(d.distributions[0].access_url, endpoint);
        assert_eq!(
            d.distributions[0].format.as_deref(),
            Some(&*format!("{FILE_TYPE}WMS_SRVC"))
        );
        assert_eq!(
            d.service.as_ref().map(|s| s.endpoint_url.as_str()),
            Some(endpoint)
        );
        assert!(m.unmapped.iter().any(
            |u| u.starts_with("operatesOn 11 dataset(s) (173e4f86-a4c0-4ee1-aee1-6b0b2e477f97")
        ));
        assert_valid(&m);
    }

    #[test]
    fn multilingual_texts_follow_the_locales() {
        let doc = r##"<mdb:MD_Metadata xmlns:mdb="http://standards.iso.org/iso/19115/-3/mdb/2.0" xmlns:mcc="http://standards.iso.org/iso/19115/-3/mcc/1.0" xmlns:lan="http://standards.iso.org/iso/19115/-3/lan/1.0" xmlns:mri="http://standards.iso.org/iso/19115/-3/mri/1.0" xmlns:cit="http://standards.iso.org/iso/19115/-3/cit/2.0" xmlns:gco="http://standards.iso.org/iso/19115/-3/gco/1.0">
  <mdb:metadataIdentifier><mcc:MD_Identifier><mcc:code><gco:CharacterString>ml-1</gco:CharacterString></mcc:code></mcc:MD_Identifier></mdb:metadataIdentifier>
  <mdb:defaultLocale><lan:PT_Locale id="FR"><lan:language><lan:LanguageCode codeList="x" codeListValue="fre"/></lan:language></lan:PT_Locale></mdb:defaultLocale>
  <mdb:otherLocale><lan:PT_Locale id="NL"><lan:language><lan:LanguageCode codeList="x" codeListValue="dut"/></lan:language></lan:PT_Locale></mdb:otherLocale>
  <mdb:otherLocale><lan:PT_Locale id="loc3"><lan:language><lan:LanguageCode codeList="x" codeListValue="eng"/></lan:language></lan:PT_Locale></mdb:otherLocale>
  <mdb:identificationInfo><mri:MD_DataIdentification>
    <mri:citation><cit:CI_Citation><cit:title><gco:CharacterString>Adresses</gco:CharacterString>
      <lan:PT_FreeText><lan:textGroup><lan:LocalisedCharacterString locale="#NL">Adressen</lan:LocalisedCharacterString></lan:textGroup>
      <lan:textGroup><lan:LocalisedCharacterString locale="#loc3">Addresses</lan:LocalisedCharacterString></lan:textGroup></lan:PT_FreeText></cit:title></cit:CI_Citation></mri:citation>
    <mri:abstract><gco:CharacterString>Les adresses</gco:CharacterString><lan:PT_FreeText><lan:textGroup><lan:LocalisedCharacterString locale="#NL">De adressen</lan:LocalisedCharacterString></lan:textGroup></lan:PT_FreeText></mri:abstract>
  </mri:MD_DataIdentification></mdb:identificationInfo>
</mdb:MD_Metadata>"##;
        let p = parse_document(doc, Lang::En).expect("parse");
        let d = &p.records[0].dataset;
        assert_eq!(d.title.get(Lang::Fr), Some("Adresses"));
        assert_eq!(d.title.get(Lang::Nl), Some("Adressen"));
        assert_eq!(d.title.get(Lang::En), Some("Addresses"));
        assert_eq!(d.description.get(Lang::Nl), Some("De adressen"));
        // No scope: a dataset.
        assert_eq!(d.kind, Kind::Dataset);
    }

    #[test]
    fn pycsw_getrecords_page_of_19115_3_records() {
        let Some(doc) = shared(&format!("{PYCSW}/post_GetRecords-all.xml")) else {
            return;
        };
        let p = parse_document(&doc, Lang::En).expect("page");
        assert!(p.failed.is_empty(), "{:?}", p.failed);
        let ids: Vec<&str> = p.records.iter().map(|m| m.original_id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "5ebc3cb7-a3b5-4760-a8ff-851d5d5beb32",
                "09a7c1d4c97ccdd7e34306deb91320ab95d51bb8",
                "74f81503-8d39-4ec8-a49a-c76e0cd74946",
                "1714cd1e-6685-4dea-a6f4-b51612a15ed0"
            ]
        );
        let kinds: Vec<Kind> = p.records.iter().map(|m| m.dataset.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::Dataset, Kind::Dataset, Kind::Series, Kind::Service]
        );
        for m in &p.records {
            assert!(!m.dataset.title.is_empty(), "{}", m.original_id);
            assert!(m.dataset.spatial.is_some(), "{}", m.original_id);
            assert_valid(m);
        }
        // The same records as the lone files.
        let catchments = &p.records[2].dataset;
        assert_eq!(
            catchments.title.get(Lang::Fr),
            Some("Protection des captages - Série")
        );
    }

    #[test]
    fn pycsw_getrecordbyid_response() {
        let Some(doc) = shared(&format!("{PYCSW}/post_GetRecordById-full.xml")) else {
            return;
        };
        let p = parse_document(&doc, Lang::En).expect("response");
        assert_eq!(p.records.len(), 1, "{:?}", p.failed);
        assert!(!p.records[0].original_id.is_empty());
        assert!(!p.records[0].dataset.title.is_empty());
    }

    #[test]
    fn a_broken_record_fails_alone() {
        let Some(doc) = shared(&format!("{PYCSW}/post_GetRecords-all.xml")) else {
            return;
        };
        // The catchments record loses its metadataIdentifier, the service record its
        // identificationInfo: those two fail, the two others are mapped.
        let id = "<gco:CharacterString>74f81503-8d39-4ec8-a49a-c76e0cd74946</gco:CharacterString>";
        let start = doc.find(id).expect("catchments id");
        let open = doc[..start]
            .rfind("<mdb:metadataIdentifier>")
            .expect("open");
        let close = start
            + doc[start..]
                .find("</mdb:metadataIdentifier>")
                .expect("close")
            + "</mdb:metadataIdentifier>".len();
        let mut broken = format!("{}{}", &doc[..open], &doc[close..]);
        let srv = broken
            .find("<srv:SV_ServiceIdentification")
            .expect("service");
        let open = broken[..srv]
            .rfind("<mdb:identificationInfo>")
            .expect("open");
        let close = srv
            + broken[srv..]
                .find("</mdb:identificationInfo>")
                .expect("close")
            + "</mdb:identificationInfo>".len();
        broken.replace_range(open..close, "");
        let p = parse_document(&broken, Lang::En).expect("still well-formed");
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.failed.len(), 2);
        assert_eq!(p.failed[0].original_id, None);
        assert!(p.failed[0].reason.contains("no mdb:metadataIdentifier"));
        assert_eq!(
            p.failed[1].original_id.as_deref(),
            Some("1714cd1e-6685-4dea-a6f4-b51612a15ed0")
        );
        assert!(p.failed[1].reason.contains("no mdb:identificationInfo"));
        // A bounding box in projected coordinates is noted, not mapped.
        let projected = doc.replacen(
            "<gco:Decimal>2.75</gco:Decimal>",
            "<gco:Decimal>150000</gco:Decimal>",
            1,
        );
        let p = parse_document(&projected, Lang::En).expect("parse");
        assert_eq!(p.records.len(), 4);
        assert!(p
            .records
            .iter()
            .any(|m| m.unmapped.iter().any(|u| u.contains("is not in degrees"))));
    }

    #[test]
    fn every_19115_3_example_maps_and_validates() {
        for f in [
            "metawal.wallonie.be-catchments.xml",
            "metawal.wallonie.be-srv.xml",
            "auscope-3d-model.xml",
            "arcgis-sample.xml",
        ] {
            let Some(m) = one(&format!("{EXAMPLES}/{f}")) else {
                return;
            };
            assert!(!m.dataset.title.is_empty(), "{f}");
            assert_valid(&m);
        }
        let Some(m) = one(&format!("{EXAMPLES}/auscope-3d-model.xml")) else {
            return;
        };
        assert_eq!(
            m.dataset.licence.as_ref().map(|l| l.uri.as_str()),
            Some("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
        );
        assert_eq!(
            m.dataset.contact_point.as_ref().and_then(|c| c.mailto()),
            Some("mailto:info@auscope.org.au".to_string())
        );
        // Web pages: the first is the landing page, the others are noted.
        assert_eq!(
            m.dataset.landing_page.as_deref(),
            Some("http://geology.data.vic.gov.au/searchAssistant/document.php?q=parent_id:37363")
        );
        assert!(m.unmapped.iter().any(|u| u
            == "web page http://geomodels.auscope.org/model/otway (3D Geological Model): the landing page is another one"));
    }

    #[test]
    fn entities_in_a_19115_3_document_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE mdb:MD_Metadata [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><mdb:MD_Metadata xmlns:mdb="http://standards.iso.org/iso/19115/-3/mdb/2.0"><mdb:metadataIdentifier>&y;</mdb:metadataIdentifier></mdb:MD_Metadata>"#;
        assert!(parse_document(bomb, Lang::En).is_err());
        let external = r#"<mdb:MD_Metadata xmlns:mdb="http://standards.iso.org/iso/19115/-3/mdb/2.0">&xxe;</mdb:MD_Metadata>"#;
        assert!(parse_document(external, Lang::En).is_err());
    }

    #[test]
    fn iso_19139_records_are_not_taken_for_19115_3() {
        let gmd =
            crate::xml::parse(r#"<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd"/>"#)
                .expect("xml");
        assert!(!is_iso3(&gmd));
        let mdb = crate::xml::parse(
            r#"<mdb:MD_Metadata xmlns:mdb="http://standards.iso.org/iso/19115/-3/mdb/2.0"/>"#,
        )
        .expect("xml");
        assert!(is_iso3(&mdb));
        assert!(crate::map::iso::map_metadata(&mdb, Lang::En)
            .unwrap_err()
            .reason
            .contains("metadataIdentifier"));
    }
}
