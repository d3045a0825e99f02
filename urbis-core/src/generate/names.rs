//! Bilingual (French / Dutch) street names in the Brussels style.
//!
//! A name is a street type and a "specific": `Rue des Tilleuls` ↔ `Lindestraat`,
//! `Avenue Émile Féron` ↔ `Émile Féronlaan`, `Chaussée de Waterloo` ↔ `Waterloosesteenweg`,
//! `Place du Marché` ↔ `Marktplein`; a few names are the same in both languages.

use std::collections::BTreeSet;

use super::rng::Rng;

/// Street types: French word, Dutch suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreetType {
    Rue,
    Avenue,
    Boulevard,
    Chaussee,
    Place,
    Square,
    Dreve,
    Clos,
    Impasse,
    Quai,
    Chemin,
    Sentier,
    Parvis,
    Galerie,
}

impl StreetType {
    fn fr(self) -> &'static str {
        match self {
            StreetType::Rue => "Rue",
            StreetType::Avenue => "Avenue",
            StreetType::Boulevard => "Boulevard",
            StreetType::Chaussee => "Chaussée",
            StreetType::Place => "Place",
            StreetType::Square => "Square",
            StreetType::Dreve => "Drève",
            StreetType::Clos => "Clos",
            StreetType::Impasse => "Impasse",
            StreetType::Quai => "Quai",
            StreetType::Chemin => "Chemin",
            StreetType::Sentier => "Sentier",
            StreetType::Parvis => "Parvis",
            StreetType::Galerie => "Galerie",
        }
    }

    fn nl(self) -> &'static str {
        match self {
            StreetType::Rue => "straat",
            StreetType::Avenue | StreetType::Boulevard => "laan",
            StreetType::Chaussee => "steenweg",
            StreetType::Place => "plein",
            StreetType::Square => "square",
            StreetType::Dreve => "dreef",
            StreetType::Clos => "gaarde",
            StreetType::Impasse => "gang",
            StreetType::Quai => "kaai",
            StreetType::Chemin => "weg",
            StreetType::Sentier => "pad",
            StreetType::Parvis => "voorplein",
            StreetType::Galerie => "galerij",
        }
    }
}

/// Things, trades, places: French complement (with its article) and Dutch stem.
const THINGS: &[(&str, &str)] = &[
    ("des Tilleuls", "Linde"),
    ("de la Couronne", "Kroon"),
    ("du Marché", "Markt"),
    ("des Roses", "Rozen"),
    ("de l'Église", "Kerk"),
    ("du Moulin", "Molen"),
    ("de la Station", "Stations"),
    ("des Écoles", "School"),
    ("de l'Hippodrome", "Renbaan"),
    ("du Midi", "Zuid"),
    ("de la Loi", "Wet"),
    ("de la Paix", "Vrede"),
    ("des Champs", "Velden"),
    ("du Lac", "Meer"),
    ("de la Forêt", "Woud"),
    ("des Bouleaux", "Berken"),
    ("des Chênes", "Eiken"),
    ("des Saules", "Wilgen"),
    ("des Peupliers", "Populieren"),
    ("des Acacias", "Acacia"),
    ("des Cerisiers", "Kerselaren"),
    ("des Hêtres", "Beuken"),
    ("des Érables", "Ahorn"),
    ("des Lilas", "Seringen"),
    ("des Violettes", "Viooltjes"),
    ("des Pâquerettes", "Madeliefjes"),
    ("de la Chapelle", "Kapel"),
    ("du Château", "Kasteel"),
    ("de la Source", "Bron"),
    ("du Ruisseau", "Beek"),
    ("de la Ferme", "Hoeve"),
    ("du Verger", "Boomgaard"),
    ("des Alliés", "Bondgenoten"),
    ("de l'Industrie", "Nijverheids"),
    ("du Commerce", "Koophandel"),
    ("de l'Abbaye", "Abdij"),
    ("du Couvent", "Klooster"),
    ("des Brasseurs", "Brouwers"),
    ("des Tanneurs", "Huidevetters"),
    ("des Bouchers", "Beenhouwers"),
    ("des Charpentiers", "Timmerlieden"),
    ("des Teinturiers", "Ververs"),
    ("du Canal", "Kanaal"),
    ("du Pont", "Brug"),
    ("de la Colline", "Heuvel"),
    ("du Vallon", "Dal"),
    ("de la Prairie", "Weide"),
    ("du Jardin", "Tuin"),
    ("des Fleurs", "Bloemen"),
    ("de l'Étoile", "Ster"),
    ("du Soleil", "Zon"),
    ("de la Lune", "Maan"),
    ("du Progrès", "Vooruitgang"),
    ("de la Victoire", "Overwinning"),
    ("de la Liberté", "Vrijheid"),
    ("de l'Union", "Unie"),
    ("de la Concorde", "Eendracht"),
    ("de l'Espérance", "Hoop"),
    ("du Cerf", "Hert"),
    ("du Renard", "Vos"),
    ("des Alouettes", "Leeuweriken"),
    ("des Hirondelles", "Zwaluwen"),
    ("du Faucon", "Valk"),
    ("des Pigeons", "Duiven"),
    ("de la Toison d'Or", "Gulden-Vlies"),
    ("du Lion", "Leeuw"),
    ("de l'Aigle", "Arend"),
    ("de la Croix", "Kruis"),
    ("du Calvaire", "Kalvarie"),
    ("des Moines", "Monniken"),
    ("de la Senne", "Zenne"),
    ("de l'Observatoire", "Sterrenwacht"),
    ("de l'Université", "Universiteits"),
    ("des Archives", "Archief"),
    ("de la Poste", "Post"),
    ("du Bois", "Bos"),
    ("des Éperons d'Or", "Gulden-Sporen"),
    ("du Vieux Marché", "Oude Markt"),
    ("de Flandre", "Vlaanderen"),
    ("des Palais", "Paleizen"),
    ("de la Régence", "Regentschaps"),
    ("du Trône", "Troon"),
    ("des Sables", "Zand"),
    ("de la Vallée", "Vallei"),
    ("du Tir", "Schietbaan"),
    ("des Coteaux", "Wijnheuvelen"),
    ("du Parc", "Park"),
    ("de la Fontaine", "Fontein"),
    ("des Cygnes", "Zwanen"),
    ("des Pêcheurs", "Vissers"),
    ("des Jardiniers", "Hoveniers"),
    ("de la Briqueterie", "Steenbakkerij"),
    ("du Tilleul", "Lindeboom"),
    ("des Genêts", "Brem"),
    ("des Myrtilles", "Bosbessen"),
    ("de l'Arbre Bénit", "Gewijde-Boom"),
    ("du Vert Chasseur", "Groene-Jager"),
    ("des Trois Tilleuls", "Drie Linden"),
    ("des Deux Églises", "Twee Kerken"),
    ("du Collège", "College"),
    ("de l'Hôpital", "Gasthuis"),
    ("des Carmes", "Karmelieten"),
    ("des Riches Claires", "Rijke Klaren"),
    ("du Noyer", "Notelaar"),
    ("des Pommiers", "Appelbomen"),
    ("du Printemps", "Lente"),
    ("de l'Automne", "Herfst"),
    ("de l'Été", "Zomer"),
    ("de l'Hiver", "Winter"),
];

/// People (the same in both languages).
const FIRST_NAMES: &[&str] = &[
    "Émile",
    "Henri",
    "Adolphe",
    "Louis",
    "Paul",
    "Jean",
    "Joseph",
    "Georges",
    "Albert",
    "Léon",
    "Auguste",
    "Victor",
    "Charles",
    "Jules",
    "François",
    "Eugène",
    "Camille",
    "Gustave",
    "Alphonse",
    "Édouard",
    "Marie",
    "Jeanne",
    "Hélène",
    "Marguerite",
    "Berthe",
    "Gabrielle",
    "Frans",
    "Jan",
    "Pieter",
    "Isabelle",
    "Théodore",
    "Hubert",
    "Désiré",
    "Raymond",
    "Zoé",
];
const SURNAMES: &[&str] = &[
    "Féron",
    "Jaspar",
    "Max",
    "Jacqmain",
    "Janson",
    "Lepoutre",
    "Vandervelde",
    "Bockstael",
    "Dansaert",
    "Van Praet",
    "Defré",
    "Verhaeren",
    "Hap",
    "Stalle",
    "Brugmann",
    "Wiertz",
    "Demolder",
    "Plasky",
    "Rogier",
    "Lambermont",
    "Lemonnier",
    "Stevens",
    "Rubens",
    "Van Eyck",
    "De Smet",
    "Debroux",
    "Hennaut",
    "Ducpétiaux",
    "Dewinter",
    "Vanderkindere",
    "Moreau",
    "Gilson",
    "Lebrun",
    "Maes",
    "Peeters",
    "Claes",
    "Janssens",
    "Wouters",
    "Goossens",
    "Dubois",
    "Lambert",
    "Dupont",
    "Leclercq",
    "Delvaux",
    "Magritte",
    "Horta",
    "Hankar",
    "Ensor",
    "Meunier",
    "Brel",
    "Van Overbeke",
    "De Becker",
    "Fonsny",
    "Herrmann-Debroux",
    "Delleur",
    "Vandenpeereboom",
    "Huysmans",
    "Michiels",
    "Mommaerts",
    "Coghen",
    "Van Gogh",
    "Solvay",
    "D'Ursel",
    "t'Serclaes",
    "Vanderborght",
    "Dekens",
    "Jourdan",
    "Vergote",
    "Franck",
];
/// Saints, royalty, titles: French complement, Dutch stem.
const TITLED: &[(&str, &str)] = &[
    ("Saint-Michel", "Sint-Michiels"),
    ("Sainte-Catherine", "Sint-Katelijne"),
    ("Saint-Lambert", "Sint-Lambertus"),
    ("Notre-Dame", "Onze-Lieve-Vrouw"),
    ("Saint-Antoine", "Sint-Antonius"),
    ("Saint-Jean", "Sint-Jans"),
    ("Saint-Pierre", "Sint-Pieters"),
    ("Sainte-Anne", "Sint-Anna"),
    ("Saint-Job", "Sint-Job"),
    ("Sainte-Gudule", "Sint-Goedele"),
    ("du Roi Albert", "Koning Albert"),
    ("de la Reine", "Koningin"),
    ("du Prince Léopold", "Prins Leopold"),
    ("de la Princesse Élisabeth", "Prinses Elisabeth"),
    ("du Général Leman", "Generaal Leman"),
    ("du Docteur Decroly", "Dokter Decroly"),
    ("du Ministre Beernaert", "Minister Beernaert"),
    ("de l'Abbé Cuylits", "Pastoor Cuylits"),
    ("des Frères Legrain", "Gebroeders Legrain"),
    ("de la Duchesse de Brabant", "Hertogin van Brabant"),
];
/// Towns the chaussées lead to: French complement, Dutch adjective.
const CHAUSSEES: &[(&str, &str)] = &[
    ("de Waterloo", "Waterloose"),
    ("de Ninove", "Ninoofse"),
    ("de Louvain", "Leuvense"),
    ("de Wavre", "Waverse"),
    ("de Mons", "Bergense"),
    ("de Gand", "Gentse"),
    ("d'Alsemberg", "Alsembergse"),
    ("de Haecht", "Haachtse"),
    ("de Helmet", "Helmetse"),
    ("de Vleurgat", "Vleurgatse"),
    ("de Charleroi", "Charleroise"),
    ("de Stockel", "Stokkelse"),
    ("de Jette", "Jetse"),
    ("de Boondael", "Boondaalse"),
    ("de La Hulpe", "Terhulpse"),
    ("de Neerstalle", "Neerstalse"),
    ("de Roodebeek", "Roodebeekse"),
    ("d'Anvers", "Antwerpse"),
    ("de Vilvorde", "Vilvoordse"),
    ("de Romont", "Romontse"),
    ("de Dieleghem", "Dielegemse"),
    ("de Merchtem", "Merchtemse"),
    ("de Zellik", "Zellikse"),
    ("de Bruxelles", "Brusselse"),
    ("d'Ixelles", "Elsense"),
    ("de Forest", "Vorstse"),
    ("d'Uccle", "Ukkelse"),
    ("de Saint-Job", "Sint-Job"),
];
/// Names identical in both languages (no street type).
const SAME: &[&str] = &[
    "Cité Moderne",
    "Bel-Air",
    "Val Maria",
    "Heuvelhof",
    "Hof ten Berg",
    "Kattebroek",
    "Vogelenzang",
    "Kauwberg",
    "Diamant",
    "Meiser",
    "Montgomery",
    "Cité Jouët-Rey",
    "Floréal",
    "Le Logis",
    "Kapelleveld",
    "Ter Meeren",
    "Paddenbroek",
    "Tomberg",
    "Bempt",
    "Neerveld",
];

/// The broad class of a street, which drives its type, width and naming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreetClass {
    /// Long diagonal avenue.
    Avenue,
    /// Main road along a grid line.
    Major,
    /// Ordinary street.
    Minor,
    /// One or two blocks long: squares, dead ends, closes.
    Short,
}

pub(crate) struct StreetName {
    pub fr: String,
    pub nl: String,
    pub street_type: StreetType,
}

fn compose(t: StreetType, fr_complement: &str, nl_stem: &str) -> StreetName {
    let nl = format!("{nl_stem}{}", t.nl());
    StreetName {
        fr: format!("{} {fr_complement}", t.fr()),
        nl,
        street_type: t,
    }
}

/// Draw a candidate name for a street of this class.
pub(crate) fn candidate(class: StreetClass, rng: &mut Rng) -> StreetName {
    use StreetType::*;
    let t = match class {
        StreetClass::Avenue => *rng.pick(&[Avenue, Avenue, Boulevard, Boulevard, Chaussee]),
        StreetClass::Major => [Chaussee, Boulevard, Avenue][rng.weighted(&[0.4, 0.25, 0.35])],
        StreetClass::Minor => [Rue, Avenue, Dreve, Chemin, Sentier, Place, Quai]
            [rng.weighted(&[0.64, 0.25, 0.03, 0.03, 0.02, 0.02, 0.01])],
        StreetClass::Short => [Place, Square, Impasse, Clos, Rue, Parvis, Galerie, Sentier]
            [rng.weighted(&[0.22, 0.1, 0.16, 0.16, 0.26, 0.03, 0.02, 0.05])],
    };
    if matches!(class, StreetClass::Minor | StreetClass::Short) && rng.chance(0.012) {
        let name = rng.pick(SAME).to_string();
        return StreetName {
            fr: name.clone(),
            nl: name,
            street_type: t,
        };
    }
    if t == Chaussee {
        let (fr, nl) = rng.pick(CHAUSSEES);
        return compose(t, fr, nl);
    }
    let kind = rng.weighted(&[0.44, 0.46, 0.10]);
    match kind {
        0 => {
            let person = if rng.chance(0.25) {
                rng.pick(SURNAMES).to_string()
            } else {
                format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(SURNAMES))
            };
            compose(t, &person, &person)
        }
        1 => {
            let (fr, nl) = rng.pick(THINGS);
            compose(t, fr, nl)
        }
        _ => {
            let (fr, nl) = rng.pick(TITLED);
            compose(t, fr, nl)
        }
    }
}

/// Names already given, per municipality (French and Dutch forms).
pub(crate) struct NameRegistry {
    used: Vec<BTreeSet<String>>,
}

impl NameRegistry {
    pub(crate) fn new(municipalities: usize) -> Self {
        NameRegistry {
            used: vec![BTreeSet::new(); municipalities],
        }
    }

    /// A name not yet used in any of `munis`, recorded for them.
    pub(crate) fn assign(
        &mut self,
        class: StreetClass,
        munis: &[usize],
        rng: &mut Rng,
    ) -> StreetName {
        let mut name = candidate(class, rng);
        let mut attempt = 0;
        while !self.free(munis, &name) {
            attempt += 1;
            name = candidate(class, rng);
            if attempt > 60 {
                // Vocabulary exhausted here (only at very large scales): number the street.
                let n = attempt - 59;
                name.fr = format!("{} {n}", name.fr);
                name.nl = format!("{} {n}", name.nl);
            }
        }
        for &m in munis {
            if let Some(set) = self.used.get_mut(m) {
                set.insert(name.fr.clone());
                set.insert(name.nl.clone());
            }
        }
        name
    }

    fn free(&self, munis: &[usize], name: &StreetName) -> bool {
        munis.iter().all(|&m| {
            self.used
                .get(m)
                .is_none_or(|s| !s.contains(&name.fr) && !s.contains(&name.nl))
        })
    }
}
