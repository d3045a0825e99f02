//! ISO 19115-3 (`mdb:MD_Metadata`, as GeoNetwork 4 catalogues such as Wallonia's metawal serve
//! it) → the catalogue model, after the GeoDCAT-AP core mapping.
//!
//! ISO 19115-3 keeps most of ISO 19139's element names (`MD_Keywords`, `EX_Extent`,
//! `MD_LegalConstraints`, `CI_OnlineResource`, `PT_FreeText`…) in new namespaces; those sections
//! are mapped by the shared [`Mapper`]. What moved is found here: the metadata identifier, the
//! locales, the metadata scope, `CI_Responsibility/party`, the resource locales, the lineage at
//! the record's root and the format citations.

use datastore_api::model::Lang;

use super::iso::{code_value, language_of, Mapper, Party, Texts};
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
    let main =
        language_of(md.path(&["defaultLocale", "PT_Locale", "language"])).unwrap_or(default_lang);
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
    let Some(ident) = md
        .child("identificationInfo")
        .and_then(|i| i.children.first())
    else {
        return Err(Failed {
            original_id: Some(original_id),
            reason: "no mdb:identificationInfo".into(),
        });
    };
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

    m.keywords(ident);
    m.extents(ident);
    m.frequency(ident);
    for loc in ident
        .all(&["defaultLocale", "PT_Locale"])
        .into_iter()
        .chain(ident.all(&["otherLocale", "PT_Locale"]))
    {
        m.language(language_of(loc.child("language")));
    }
    m.constraints(ident);
    m.reference_systems(md);
    // The lineage moved to the record's root (`mdb:resourceLineage`); early GeoNetwork
    // conversions kept it in the data quality section.
    let lineage = md.path(&["resourceLineage", "LI_Lineage"]).or_else(|| {
        md.all(&["dataQualityInfo", "DQ_DataQuality", "lineage", "LI_Lineage"])
            .first()
            .copied()
    });
    m.lineage(lineage);
    m.conformity(md);

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
