//! A realistic generated catalogue: Brussels publishers (regional bodies, the 19 municipalities,
//! police zones…), datasets with FR/NL/EN titles and descriptions, keywords per language, EU
//! themes, distributions in the formats the Region publishes, bounding boxes in Brussels,
//! temporal extents, frequencies and licences. Deterministic for a seed.
//!
//! Used by `urbis catalog generate --count N`, the search benchmark (100,000 records) and as the
//! fixture of the DCAT-AP SHACL validation.

use crate::model::{
    vocab, Agent, Bbox, ContactPoint, Dataset, Distribution, Keywords, Kind, Lang, Licence,
    Multilingual, Spatial, Temporal,
};

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// (id, fr, nl, en, email domain, ADMS type)
const PUBLISHERS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "bruxelles-environnement",
        "Bruxelles Environnement",
        "Leefmilieu Brussel",
        "Brussels Environment",
        "environnement.brussels",
        "RegionalAuthority",
    ),
    (
        "bruxelles-mobilite",
        "Bruxelles Mobilité",
        "Brussel Mobiliteit",
        "Brussels Mobility",
        "sprb.brussels",
        "RegionalAuthority",
    ),
    (
        "stib",
        "STIB",
        "MIVB",
        "STIB-MIVB",
        "stib.brussels",
        "PublicBody",
    ),
    (
        "perspective",
        "perspective.brussels",
        "perspective.brussels",
        "perspective.brussels",
        "perspective.brussels",
        "RegionalAuthority",
    ),
    (
        "ibsa",
        "Institut Bruxellois de Statistique et d'Analyse",
        "Brussels Instituut voor Statistiek en Analyse",
        "Brussels Institute for Statistics and Analysis",
        "ibsa.brussels",
        "RegionalAuthority",
    ),
    (
        "urban",
        "urban.brussels",
        "urban.brussels",
        "urban.brussels",
        "urban.brussels",
        "RegionalAuthority",
    ),
    (
        "bruxelles-proprete",
        "Bruxelles-Propreté",
        "Net Brussel",
        "Brussels Cleanliness",
        "arp-gan.be",
        "PublicBody",
    ),
    (
        "vivaqua",
        "Vivaqua",
        "Vivaqua",
        "Vivaqua",
        "vivaqua.be",
        "PublicBody",
    ),
    (
        "sibelga",
        "Sibelga",
        "Sibelga",
        "Sibelga",
        "sibelga.be",
        "PublicBody",
    ),
    (
        "hub-brussels",
        "hub.brussels",
        "hub.brussels",
        "hub.brussels",
        "hub.brussels",
        "PublicBody",
    ),
    (
        "actiris",
        "Actiris",
        "Actiris",
        "Actiris",
        "actiris.brussels",
        "PublicBody",
    ),
    (
        "innoviris",
        "Innoviris",
        "Innoviris",
        "Innoviris",
        "innoviris.brussels",
        "PublicBody",
    ),
    (
        "citydev",
        "citydev.brussels",
        "citydev.brussels",
        "citydev.brussels",
        "citydev.brussels",
        "PublicBody",
    ),
    (
        "slrb",
        "Société du Logement de la Région de Bruxelles-Capitale",
        "Brusselse Gewestelijke Huisvestingsmaatschappij",
        "Brussels Regional Housing Company",
        "slrb-bghm.brussels",
        "PublicBody",
    ),
    (
        "visit-brussels",
        "visit.brussels",
        "visit.brussels",
        "visit.brussels",
        "visit.brussels",
        "PublicBody",
    ),
    (
        "fiscalite",
        "Bruxelles Fiscalité",
        "Brussel Fiscaliteit",
        "Brussels Taxation",
        "fisc.brussels",
        "RegionalAuthority",
    ),
    (
        "safe-brussels",
        "Bruxelles Prévention & Sécurité",
        "Brussel Preventie & Veiligheid",
        "Brussels Prevention & Security",
        "bps-bpv.brussels",
        "RegionalAuthority",
    ),
    (
        "siamu",
        "Service d'Incendie et d'Aide Médicale Urgente",
        "Dienst voor Brandbestrijding en Dringende Medische Hulp",
        "Fire and Emergency Medical Service",
        "firebru.brussels",
        "PublicBody",
    ),
    (
        "port-bruxelles",
        "Port de Bruxelles",
        "Haven van Brussel",
        "Port of Brussels",
        "port.brussels",
        "PublicBody",
    ),
    (
        "beliris",
        "Beliris",
        "Beliris",
        "Beliris",
        "beliris.be",
        "NationalAuthority",
    ),
    (
        "parking-brussels",
        "parking.brussels",
        "parking.brussels",
        "parking.brussels",
        "parking.brussels",
        "PublicBody",
    ),
    (
        "equal-brussels",
        "equal.brussels",
        "equal.brussels",
        "equal.brussels",
        "sprb.brussels",
        "RegionalAuthority",
    ),
    (
        "iriscare",
        "Iriscare",
        "Iriscare",
        "Iriscare",
        "iriscare.brussels",
        "PublicBody",
    ),
    (
        "vgc",
        "Commission communautaire flamande",
        "Vlaamse Gemeenschapscommissie",
        "Flemish Community Commission",
        "vgc.be",
        "RegionalAuthority",
    ),
    (
        "cocof",
        "Commission communautaire française",
        "Franse Gemeenschapscommissie",
        "French Community Commission",
        "spfb.brussels",
        "RegionalAuthority",
    ),
    (
        "brulocalis",
        "Brulocalis",
        "Brulocalis",
        "Brulocalis",
        "brulocalis.brussels",
        "PublicBody",
    ),
    (
        "talent-brussels",
        "talent.brussels",
        "talent.brussels",
        "talent.brussels",
        "talent.brussels",
        "RegionalAuthority",
    ),
    (
        "bruxelles-formation",
        "Bruxelles Formation",
        "Bruxelles Formation",
        "Bruxelles Formation",
        "bruxellesformation.brussels",
        "PublicBody",
    ),
    (
        "police-bruxelles-capitale-ixelles",
        "Zone de police Bruxelles-Capitale Ixelles",
        "Politiezone Brussel Hoofdstad Elsene",
        "Brussels-Capital Ixelles police zone",
        "police.belgium.eu",
        "LocalAuthority",
    ),
    (
        "police-midi",
        "Zone de police Midi",
        "Politiezone Zuid",
        "Midi police zone",
        "police.belgium.eu",
        "LocalAuthority",
    ),
    (
        "police-montgomery",
        "Zone de police Montgomery",
        "Politiezone Montgomery",
        "Montgomery police zone",
        "police.belgium.eu",
        "LocalAuthority",
    ),
];

/// The 19 municipalities: (id, fr, nl, bbox west, south, east, north).
pub const MUNICIPALITIES: &[(&str, &str, &str, [f64; 4])] = &[
    (
        "anderlecht",
        "Anderlecht",
        "Anderlecht",
        [4.243, 50.805, 4.339, 50.857],
    ),
    (
        "auderghem",
        "Auderghem",
        "Oudergem",
        [4.407, 50.795, 4.468, 50.830],
    ),
    (
        "berchem-sainte-agathe",
        "Berchem-Sainte-Agathe",
        "Sint-Agatha-Berchem",
        [4.272, 50.856, 4.306, 50.874],
    ),
    (
        "bruxelles",
        "Bruxelles",
        "Brussel",
        [4.314, 50.796, 4.437, 50.914],
    ),
    (
        "etterbeek",
        "Etterbeek",
        "Etterbeek",
        [4.377, 50.822, 4.405, 50.843],
    ),
    ("evere", "Evere", "Evere", [4.389, 50.858, 4.427, 50.883]),
    ("forest", "Forest", "Vorst", [4.297, 50.797, 4.344, 50.826]),
    (
        "ganshoren",
        "Ganshoren",
        "Ganshoren",
        [4.290, 50.864, 4.321, 50.881],
    ),
    (
        "ixelles",
        "Ixelles",
        "Elsene",
        [4.355, 50.803, 4.399, 50.841],
    ),
    ("jette", "Jette", "Jette", [4.299, 50.868, 4.338, 50.896]),
    (
        "koekelberg",
        "Koekelberg",
        "Koekelberg",
        [4.314, 50.856, 4.335, 50.870],
    ),
    (
        "molenbeek-saint-jean",
        "Molenbeek-Saint-Jean",
        "Sint-Jans-Molenbeek",
        [4.282, 50.845, 4.347, 50.868],
    ),
    (
        "saint-gilles",
        "Saint-Gilles",
        "Sint-Gillis",
        [4.330, 50.818, 4.357, 50.839],
    ),
    (
        "saint-josse-ten-noode",
        "Saint-Josse-ten-Noode",
        "Sint-Joost-ten-Node",
        [4.363, 50.848, 4.383, 50.858],
    ),
    (
        "schaerbeek",
        "Schaerbeek",
        "Schaarbeek",
        [4.364, 50.850, 4.409, 50.878],
    ),
    ("uccle", "Uccle", "Ukkel", [4.315, 50.765, 4.386, 50.815]),
    (
        "watermael-boitsfort",
        "Watermael-Boitsfort",
        "Watermaal-Bosvoorde",
        [4.388, 50.764, 4.452, 50.813],
    ),
    (
        "woluwe-saint-lambert",
        "Woluwe-Saint-Lambert",
        "Sint-Lambrechts-Woluwe",
        [4.406, 50.832, 4.453, 50.864],
    ),
    (
        "woluwe-saint-pierre",
        "Woluwe-Saint-Pierre",
        "Sint-Pieters-Woluwe",
        [4.405, 50.808, 4.474, 50.845],
    ),
];

/// The whole Region.
pub const REGION: [f64; 4] = [4.2438, 50.7636, 4.4826, 50.9138];

/// Subjects: (fr, nl, en, theme, keywords fr, nl, en).
type Subject = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    [&'static str; 3],
    [&'static str; 3],
    [&'static str; 3],
);

const SUBJECTS: &[Subject] = &[
    (
        "Arbres remarquables",
        "Merkwaardige bomen",
        "Remarkable trees",
        "ENVI",
        ["arbre", "patrimoine naturel", "espace vert"],
        ["boom", "natuurerfgoed", "groene ruimte"],
        ["tree", "natural heritage", "green space"],
    ),
    (
        "Qualité de l'air",
        "Luchtkwaliteit",
        "Air quality",
        "ENVI",
        ["pollution", "dioxyde d'azote", "particules fines"],
        ["vervuiling", "stikstofdioxide", "fijnstof"],
        ["pollution", "nitrogen dioxide", "particulate matter"],
    ),
    (
        "Bruit des transports",
        "Verkeerslawaai",
        "Traffic noise",
        "ENVI",
        ["bruit", "nuisance sonore", "cadastre du bruit"],
        ["geluid", "geluidshinder", "geluidskadaster"],
        ["noise", "noise nuisance", "noise map"],
    ),
    (
        "Espaces verts accessibles au public",
        "Voor het publiek toegankelijke groene ruimten",
        "Public green spaces",
        "ENVI",
        ["parc", "jardin", "espace vert"],
        ["park", "tuin", "groene ruimte"],
        ["park", "garden", "green space"],
    ),
    (
        "Arrêts de transport public",
        "Haltes van het openbaar vervoer",
        "Public transport stops",
        "TRAN",
        ["arrêt", "tram", "métro"],
        ["halte", "tram", "metro"],
        ["stop", "tram", "metro"],
    ),
    (
        "Stations Villo!",
        "Villo!-stations",
        "Villo! stations",
        "TRAN",
        ["vélo partagé", "mobilité douce", "cyclisme"],
        ["deelfiets", "zachte mobiliteit", "fietsen"],
        ["bike sharing", "soft mobility", "cycling"],
    ),
    (
        "Comptages de vélos",
        "Fietstellingen",
        "Bicycle counts",
        "TRAN",
        ["vélo", "comptage", "piste cyclable"],
        ["fiets", "telling", "fietspad"],
        ["bicycle", "count", "cycle lane"],
    ),
    (
        "Zones de stationnement réglementé",
        "Gereglementeerde parkeerzones",
        "Regulated parking zones",
        "TRAN",
        ["stationnement", "parking", "zone bleue"],
        ["parkeren", "parking", "blauwe zone"],
        ["parking", "car park", "blue zone"],
    ),
    (
        "Chantiers sur la voirie publique",
        "Werven op de openbare weg",
        "Roadworks on public roads",
        "TRAN",
        ["chantier", "travaux", "voirie"],
        ["werf", "werken", "weg"],
        ["roadworks", "works", "road"],
    ),
    (
        "Population par secteur statistique",
        "Bevolking per statistische sector",
        "Population by statistical sector",
        "SOCI",
        ["population", "démographie", "recensement"],
        ["bevolking", "demografie", "volkstelling"],
        ["population", "demography", "census"],
    ),
    (
        "Revenus fiscaux des ménages",
        "Fiscale inkomens van de huishoudens",
        "Taxable household income",
        "ECON",
        ["revenu", "impôt", "ménage"],
        ["inkomen", "belasting", "huishouden"],
        ["income", "tax", "household"],
    ),
    (
        "Demandeurs d'emploi inoccupés",
        "Niet-werkende werkzoekenden",
        "Unemployed jobseekers",
        "ECON",
        ["chômage", "emploi", "marché du travail"],
        ["werkloosheid", "werkgelegenheid", "arbeidsmarkt"],
        ["unemployment", "employment", "labour market"],
    ),
    (
        "Commerces et marchés",
        "Handelszaken en markten",
        "Shops and markets",
        "ECON",
        ["commerce", "marché", "noyau commercial"],
        ["handel", "markt", "handelskern"],
        ["retail", "market", "shopping district"],
    ),
    (
        "Logements sociaux",
        "Sociale woningen",
        "Social housing",
        "SOCI",
        ["logement", "habitat", "loyer"],
        ["huisvesting", "woning", "huur"],
        ["housing", "dwelling", "rent"],
    ),
    (
        "Écoles fondamentales et secondaires",
        "Basis- en secundaire scholen",
        "Primary and secondary schools",
        "EDUC",
        ["école", "enseignement", "élèves"],
        ["school", "onderwijs", "leerlingen"],
        ["school", "education", "pupils"],
    ),
    (
        "Crèches et milieux d'accueil",
        "Kinderdagverblijven",
        "Childcare facilities",
        "EDUC",
        ["crèche", "petite enfance", "accueil"],
        ["kinderdagverblijf", "kinderopvang", "opvang"],
        ["nursery", "early childhood", "childcare"],
    ),
    (
        "Bâtiments classés",
        "Beschermde gebouwen",
        "Listed buildings",
        "EDUC",
        ["patrimoine", "monument", "bâtiment"],
        ["erfgoed", "monument", "gebouw"],
        ["heritage", "monument", "building"],
    ),
    (
        "Permis d'urbanisme",
        "Stedenbouwkundige vergunningen",
        "Planning permits",
        "GOVE",
        ["urbanisme", "permis", "construction"],
        ["stedenbouw", "vergunning", "bouw"],
        ["urban planning", "permit", "construction"],
    ),
    (
        "Plan régional d'affectation du sol",
        "Gewestelijk bestemmingsplan",
        "Regional land-use plan",
        "REGI",
        ["affectation", "aménagement du territoire", "zonage"],
        ["bestemming", "ruimtelijke ordening", "zonering"],
        ["land use", "spatial planning", "zoning"],
    ),
    (
        "Consommation d'énergie des bâtiments publics",
        "Energieverbruik van openbare gebouwen",
        "Energy use of public buildings",
        "ENER",
        ["énergie", "électricité", "gaz"],
        ["energie", "elektriciteit", "gas"],
        ["energy", "electricity", "gas"],
    ),
    (
        "Bornes de recharge pour véhicules électriques",
        "Laadpalen voor elektrische voertuigen",
        "Electric vehicle charging points",
        "ENER",
        ["recharge", "véhicule électrique", "borne"],
        ["opladen", "elektrisch voertuig", "laadpaal"],
        ["charging", "electric vehicle", "charging point"],
    ),
    (
        "Collecte des déchets ménagers",
        "Ophaling van huishoudelijk afval",
        "Household waste collection",
        "ENVI",
        ["déchets", "collecte", "recyclage"],
        ["afval", "ophaling", "recyclage"],
        ["waste", "collection", "recycling"],
    ),
    (
        "Interventions des pompiers",
        "Interventies van de brandweer",
        "Fire brigade interventions",
        "JUST",
        ["incendie", "secours", "ambulance"],
        ["brand", "hulpverlening", "ambulance"],
        ["fire", "rescue", "ambulance"],
    ),
    (
        "Statistiques de la criminalité",
        "Criminaliteitsstatistieken",
        "Crime statistics",
        "JUST",
        ["criminalité", "sécurité", "délits"],
        ["criminaliteit", "veiligheid", "misdrijven"],
        ["crime", "safety", "offences"],
    ),
    (
        "Hébergements touristiques",
        "Toeristische logies",
        "Tourist accommodation",
        "ECON",
        ["tourisme", "hôtel", "nuitées"],
        ["toerisme", "hotel", "overnachtingen"],
        ["tourism", "hotel", "overnight stays"],
    ),
    (
        "Équipements sportifs",
        "Sportinfrastructuur",
        "Sports facilities",
        "EDUC",
        ["sport", "piscine", "salle de sport"],
        ["sport", "zwembad", "sporthal"],
        ["sport", "swimming pool", "sports hall"],
    ),
    (
        "Réseau d'égouttage",
        "Rioleringsnetwerk",
        "Sewer network",
        "ENVI",
        ["égout", "eaux usées", "assainissement"],
        ["riool", "afvalwater", "sanering"],
        ["sewer", "wastewater", "sanitation"],
    ),
    (
        "Zones inondables",
        "Overstromingsgebieden",
        "Flood-prone areas",
        "ENVI",
        ["inondation", "risque", "pluie"],
        ["overstroming", "risico", "regen"],
        ["flood", "risk", "rainfall"],
    ),
    (
        "Budget régional",
        "Gewestelijke begroting",
        "Regional budget",
        "GOVE",
        ["budget", "dépenses", "finances publiques"],
        ["begroting", "uitgaven", "overheidsfinanciën"],
        ["budget", "expenditure", "public finances"],
    ),
    (
        "Marchés publics attribués",
        "Gegunde overheidsopdrachten",
        "Awarded public contracts",
        "GOVE",
        ["marché public", "adjudication", "fournisseur"],
        ["overheidsopdracht", "gunning", "leverancier"],
        ["public contract", "award", "supplier"],
    ),
    (
        "Subsides octroyés",
        "Toegekende subsidies",
        "Granted subsidies",
        "GOVE",
        ["subside", "aide", "association"],
        ["subsidie", "steun", "vereniging"],
        ["subsidy", "grant", "association"],
    ),
    (
        "Lieux culturels",
        "Culturele plaatsen",
        "Cultural venues",
        "EDUC",
        ["culture", "musée", "théâtre"],
        ["cultuur", "museum", "theater"],
        ["culture", "museum", "theatre"],
    ),
    (
        "Toilettes publiques",
        "Openbare toiletten",
        "Public toilets",
        "HEAL",
        ["toilette", "équipement public", "accessibilité"],
        ["toilet", "openbare voorziening", "toegankelijkheid"],
        ["toilet", "public facility", "accessibility"],
    ),
    (
        "Hôpitaux et services d'urgence",
        "Ziekenhuizen en spoeddiensten",
        "Hospitals and emergency services",
        "HEAL",
        ["hôpital", "urgence", "santé"],
        ["ziekenhuis", "spoed", "gezondheid"],
        ["hospital", "emergency", "health"],
    ),
    (
        "Températures de surface",
        "Oppervlaktetemperaturen",
        "Surface temperatures",
        "ENVI",
        ["chaleur", "îlot de chaleur", "climat"],
        ["hitte", "hitte-eiland", "klimaat"],
        ["heat", "heat island", "climate"],
    ),
    (
        "Photographies aériennes",
        "Luchtfoto's",
        "Aerial photographs",
        "REGI",
        ["orthophoto", "image aérienne", "cartographie"],
        ["orthofoto", "luchtbeeld", "cartografie"],
        ["orthophoto", "aerial image", "mapping"],
    ),
];

/// (EU file-type code, media type, machine access: download or service)
const FORMATS: &[(&str, &str, bool)] = &[
    ("CSV", "text/csv", true),
    ("GEOJSON", "application/geo+json", true),
    ("SHP", "application/zip", true),
    ("JSON", "application/json", true),
    (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        true,
    ),
    ("PDF", "application/pdf", true),
    ("GPKG", "application/geopackage+sqlite3", true),
    ("KML", "application/vnd.google-earth.kml+xml", true),
    ("WMS_SRVC", "application/xml", false),
    ("WFS_SRVC", "application/xml", false),
];

const FREQUENCIES: &[&str] = &[
    "ANNUAL",
    "QUARTERLY",
    "MONTHLY",
    "WEEKLY",
    "DAILY",
    "IRREG",
    "UPDATE_CONT",
    "NEVER",
];

const LICENCES: &[(&str, &str)] = &[
    ("CC_BY_4_0", "Creative Commons Attribution 4.0"),
    ("CC0", "Creative Commons CC0"),
    ("ODBL", "Open Database License"),
    (
        "CC_BY_SA_4_0",
        "Creative Commons Attribution-ShareAlike 4.0",
    ),
];

/// The generated publishers: regional bodies, police zones and the 19 municipalities (50).
pub fn publishers() -> Vec<Agent> {
    let mut out: Vec<Agent> = PUBLISHERS
        .iter()
        .map(|(id, fr, nl, en, domain, kind)| Agent {
            id: (*id).into(),
            name: Multilingual::from_pairs([(Lang::Fr, *fr), (Lang::Nl, *nl), (Lang::En, *en)]),
            uri: None,
            agent_type: Some(vocab::uri(vocab::PUBLISHER_TYPE, kind)),
            email: Some(format!("opendata@{domain}")),
            homepage: Some(format!("https://{domain}")),
            provenance: None,
        })
        .collect();
    for (id, fr, nl, _) in MUNICIPALITIES {
        out.push(Agent {
            id: format!("commune-{id}"),
            name: Multilingual::from_pairs([
                (Lang::Fr, format!("Commune de {fr}").as_str()),
                (Lang::Nl, format!("Gemeente {nl}").as_str()),
                (Lang::En, format!("Municipality of {fr}").as_str()),
            ]),
            uri: None,
            agent_type: Some(vocab::uri(vocab::PUBLISHER_TYPE, "LocalAuthority")),
            email: Some(format!("opendata@{id}.brussels")),
            homepage: Some(format!("https://www.{id}.brussels")),
            provenance: None,
        });
    }
    out
}

fn date(year: i32, day_of_year: u16) -> String {
    time::Date::from_ordinal_date(year, day_of_year.clamp(1, 365))
        .map(|d| d.to_string())
        .unwrap_or_else(|_| format!("{year}-01-01"))
}

/// `count` generated datasets (and a few series and services), deterministic for `seed`.
pub fn datasets(count: usize, seed: u64) -> Vec<Dataset> {
    let mut rng = Rng::new(seed);
    let agents = publishers();
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let s = rng.pick(SUBJECTS);
        let (subj_fr, subj_nl, subj_en, theme, kfr, knl, ken) = *s;
        let agent = rng.pick(&agents);
        // Municipal publishers publish for their municipality; others for one or the Region.
        let muni = match agent.id.strip_prefix("commune-") {
            Some(id) => MUNICIPALITIES.iter().find(|m| m.0 == id),
            None if rng.chance(0.4) => Some(rng.pick(MUNICIPALITIES)),
            None => None,
        };
        let year = 2005 + rng.below(21) as i32;
        let (where_fr, where_nl, where_en, bbox) = match muni {
            Some((_, fr, nl, b)) => (fr.to_string(), nl.to_string(), fr.to_string(), *b),
            None => (
                "Région de Bruxelles-Capitale".to_string(),
                "Brussels Hoofdstedelijk Gewest".to_string(),
                "Brussels-Capital Region".to_string(),
                REGION,
            ),
        };
        let kind = if rng.chance(0.03) {
            Kind::Series
        } else if rng.chance(0.04) {
            Kind::Service
        } else {
            Kind::Dataset
        };
        let id = format!(
            "{}-{}-{n:06}",
            agent
                .id
                .chars()
                .take(20)
                .collect::<String>()
                .trim_end_matches('-'),
            year
        );
        let title = Multilingual::from_pairs([
            (Lang::Fr, format!("{subj_fr} — {where_fr} {year}").as_str()),
            (Lang::Nl, format!("{subj_nl} — {where_nl} {year}").as_str()),
            (Lang::En, format!("{subj_en} — {where_en} {year}").as_str()),
        ]);
        let description = Multilingual::from_pairs([
            (Lang::Fr, format!("{subj_fr} pour {where_fr}, données de l'année {year} publiées par {}. Mise à jour selon la fréquence indiquée ; voir aussi les données des années précédentes.", agent.name.best(Lang::Fr).unwrap_or("")).as_str()),
            (Lang::Nl, format!("{subj_nl} voor {where_nl}, gegevens van het jaar {year} gepubliceerd door {}. Bijgewerkt volgens de aangegeven frequentie.", agent.name.best(Lang::Nl).unwrap_or("")).as_str()),
            (Lang::En, format!("{subj_en} for {where_en}, {year} data published by {}. Updated at the stated frequency.", agent.name.best(Lang::En).unwrap_or("")).as_str()),
        ]);
        let mut keywords = Keywords::default();
        for (lang, ks) in [(Lang::Fr, kfr), (Lang::Nl, knl), (Lang::En, ken)] {
            let k = 1 + rng.below(3);
            for kw in ks.iter().take(k) {
                keywords.add(lang, *kw);
            }
        }
        // A bbox inside the area, at least a tenth of it.
        let [w, s0, e, nn] = bbox;
        let fx = 0.1 + 0.9 * rng.unit();
        let fy = 0.1 + 0.9 * rng.unit();
        let x0 = w + (e - w) * (1.0 - fx) * rng.unit();
        let y0 = s0 + (nn - s0) * (1.0 - fy) * rng.unit();
        let b = Bbox {
            west: x0,
            south: y0,
            east: x0 + (e - w) * fx,
            north: y0 + (nn - s0) * fy,
        };
        let (lic_code, lic_label) = *rng.pick(LICENCES);
        let licence = Licence {
            uri: vocab::uri(vocab::LICENCE, lic_code),
            label: Multilingual::from_pairs([(Lang::En, lic_label)]),
        };
        let n_dist = if kind == Kind::Service {
            0
        } else {
            1 + rng.below(4)
        };
        let mut distributions = Vec::new();
        let mut used = Vec::new();
        for _ in 0..n_dist {
            let (code, media, download) = *rng.pick(FORMATS);
            if used.contains(&code) {
                continue;
            }
            used.push(code);
            let lower = code.to_lowercase();
            let access = format!(
                "https://opendata.{}.example.brussels/{id}/{lower}",
                agent.id
            );
            distributions.push(Distribution {
                id: lower.replace('_', "-"),
                title: Multilingual::from_pairs([
                    (Lang::Fr, format!("{subj_fr} ({code})").as_str()),
                    (Lang::Nl, format!("{subj_nl} ({code})").as_str()),
                    (Lang::En, format!("{subj_en} ({code})").as_str()),
                ]),
                description: Multilingual::new(),
                access_url: access.clone(),
                download_url: download.then(|| format!("{access}/download")),
                format: Some(vocab::uri(vocab::FILE_TYPE, code)),
                media_type: Some(media.into()),
                licence: Some(licence.clone()),
                rights: None,
                byte_size: download.then(|| 10_000 + rng.below(50_000_000) as u64),
                conforms_to: Vec::new(),
                access_service: None,
                issued: Some(date(year, 1 + rng.below(365) as u16)),
                modified: None,
            });
        }
        let hvd = theme == "REGI"
            || (theme == "ENVI" && rng.chance(0.3))
            || (theme == "TRAN" && rng.chance(0.3));
        let end_year = if rng.chance(0.5) {
            Some(year.min(2025))
        } else {
            None
        };
        let mut languages = vec![Lang::Fr.eu_uri(), Lang::Nl.eu_uri()];
        if rng.chance(0.3) {
            languages.push(Lang::En.eu_uri());
        }
        let mut d = Dataset {
            id: id.clone(),
            kind,
            title,
            description,
            identifier: None,
            publisher: Some(agent.id.clone()),
            contact_point: Some(ContactPoint {
                name: agent.name.clone(),
                email: agent.email.clone(),
                url: agent.homepage.clone(),
            }),
            keywords,
            themes: vec![vocab::uri(vocab::DATA_THEME, theme)],
            spatial: Some(Spatial {
                bbox: Some(b),
                places: Vec::new(),
            }),
            temporal: Some(Temporal {
                start: Some(date(year - rng.below(3) as i32, 1)),
                end: end_year.map(|y| date(y, 365)),
            }),
            frequency: Some(vocab::uri(vocab::FREQUENCY, rng.pick::<&str>(FREQUENCIES))),
            languages,
            licence: Some(licence),
            rights: None,
            access_rights: Some(vocab::uri(vocab::ACCESS_RIGHT, "PUBLIC")),
            conforms_to: Vec::new(),
            hvd_categories: if hvd {
                vec![vocab::HVD_GEOSPATIAL.into()]
            } else {
                Vec::new()
            },
            applicable_legislation: if hvd {
                vec![vocab::HVD_LEGISLATION.into()]
            } else {
                Vec::new()
            },
            issued: Some(date(year, 1 + rng.below(365) as u16)),
            modified: Some(date(
                (year + rng.below(3) as i32).min(2026),
                1 + rng.below(300) as u16,
            )),
            landing_page: None,
            lineage: None,
            in_series: Vec::new(),
            distributions,
            service: None,
            record: Default::default(),
        };
        if kind == Kind::Service {
            let (code, _, _) = FORMATS[8 + rng.below(2)];
            d.service = Some(crate::model::ServiceInfo {
                endpoint_url: format!(
                    "https://geoservices.{}.example.brussels/{}",
                    agent.id,
                    code.trim_end_matches("_SRVC").to_lowercase()
                ),
                endpoint_description: None,
                serves_dataset: Vec::new(),
            });
        }
        d.record.published = true;
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_records_are_valid_and_deterministic() {
        let agents = publishers();
        assert_eq!(agents.len(), 50);
        for a in &agents {
            assert!(a.validate().is_empty(), "{}: {:?}", a.id, a.validate());
        }
        let a = datasets(500, 7);
        let b = datasets(500, 7);
        assert_eq!(a, b);
        let mut ids: Vec<&str> = a.iter().map(|d| d.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 500);
        for d in &a {
            assert!(d.validate().is_empty(), "{}: {:?}", d.id, d.validate());
        }
        assert!(a.iter().any(|d| d.kind == Kind::Service));
        assert!(a.iter().any(|d| d.kind == Kind::Series));
        assert!(a.iter().any(|d| !d.hvd_categories.is_empty()));
    }
}
