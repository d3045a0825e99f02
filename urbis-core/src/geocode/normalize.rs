//! Text normalisation shared by the index and the queries: accent and case folding, French and
//! Dutch street-type abbreviations, and Dutch compound street names (`Wetstraat`, `Wet str.`,
//! `Wetstr.` all give the tokens `wet straat`).

/// Fold one character to lowercase ASCII where it has an obvious ASCII form (`é` → `e`,
/// `Ë` → `e`, `ß` → `ss`, `æ` → `ae`, `œ` → `oe`); other characters are lowercased.
fn fold_char(c: char, out: &mut String) {
    let s: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "y",
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        // Apostrophes of every kind separate words ("d'Or", "’s").
        '\'' | '’' | '‘' | '`' | '´' => " ",
        _ => {
            for l in c.to_lowercase() {
                out.push(l);
            }
            return;
        }
    };
    out.push_str(s);
}

/// Lowercase, accent-free form of `s` (punctuation kept).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// A raw piece of a folded text: a run of letters and digits, or one separator that matters
/// for house numbers (`-`, `/`, `,`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Word(String),
    Sep(char),
}

/// Split folded text into alphanumeric runs and the separators `-`, `/`, `,`. A run that mixes
/// digits then letters (`16a`) stays one piece; letters then digits (`a16`) are split.
pub fn pieces(folded: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<Piece>| {
        if !cur.is_empty() {
            out.push(Piece::Word(std::mem::take(cur)));
        }
    };
    for c in folded.chars() {
        if c.is_alphanumeric() {
            // "a16" → "a" "16"; "16a" stays together.
            if c.is_ascii_digit() && cur.chars().last().is_some_and(|l| l.is_alphabetic()) {
                flush(&mut cur, &mut out);
            }
            cur.push(c);
        } else {
            flush(&mut cur, &mut out);
            if matches!(c, '-' | '/' | ',' | ';') {
                out.push(Piece::Sep(if c == ';' { ',' } else { c }));
            }
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Canonical forms of street-type words and their abbreviations, French and Dutch. Both the
/// index and the queries map through this table, so `Av.`, `Ave` and `Avenue` are one token.
fn canonical_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "avenue" | "av" | "ave" | "avn" | "aven" => "avenue",
        "boulevard" | "bd" | "bld" | "blvd" | "boul" | "bvd" => "boulevard",
        "chaussee" | "chee" | "ch" | "chs" | "chau" | "chauss" => "chaussee",
        // French "place" and Dutch "plein" share the abbreviation "pl.": one canonical token.
        "place" | "pl" | "plc" | "plein" | "pln" => "place",
        "square" | "sq" | "sqr" => "square",
        "rue" | "r" => "rue",
        "ruelle" | "rle" => "ruelle",
        "impasse" | "imp" => "impasse",
        "galerie" | "gal" => "galerie",
        "passage" | "pass" | "psg" => "passage",
        "quai" | "q" => "quai",
        "chemin" | "chem" | "chm" => "chemin",
        "allee" | "all" => "allee",
        "parvis" | "pvs" => "parvis",
        "rond" | "rd" => "rond",
        "montagne" | "mont" => "montagne",
        "saint" | "sint" | "st" | "sainte" | "ste" | "sts" | "saints" => "st",
        "straat" | "str" | "strt" => "straat",
        "steenweg" | "stwg" | "stw" | "stnwg" => "steenweg",
        "laan" | "ln" => "laan",
        "lei" => "lei",
        "dreef" | "drf" => "dreef",
        "kaai" | "kai" => "kaai",
        "galerij" => "galerij",
        "doorgang" => "doorgang",
        "gang" => "gang",
        "weg" => "weg",
        "plaats" => "plaats",
        "markt" => "markt",
        "brussel" | "bruxelles" | "brussels" | "brussels-capital" => "brussel",
        _ => return None,
    })
}

/// Dutch street-type suffixes of compound names, longest first, with the abbreviated forms that
/// may end a compound in a query (`Wetstr.`, `Waversestwg`).
const NL_SUFFIXES: &[(&str, &str)] = &[
    ("steenweg", "steenweg"),
    ("galerij", "galerij"),
    ("doorgang", "doorgang"),
    ("straatje", "straatje"),
    ("straat", "straat"),
    ("plaats", "plaats"),
    ("plein", "place"),
    ("dreef", "dreef"),
    ("markt", "markt"),
    ("kaai", "kaai"),
    ("laan", "laan"),
    ("stwg", "steenweg"),
    ("pln", "place"),
    ("pl", "place"),
    ("gang", "gang"),
    ("park", "park"),
    ("berg", "berg"),
    ("hof", "hof"),
    ("lei", "lei"),
    ("weg", "weg"),
    ("str", "straat"),
];

/// Split a Dutch compound at a known street-type suffix: `wetstraat` → (`wet`, `straat`),
/// `wetstr` → (`wet`, `straat`). The stem must keep at least three letters.
pub fn split_compound(w: &str) -> Option<(&str, &'static str)> {
    for (suffix, canon) in NL_SUFFIXES {
        if let Some(stem) = w.strip_suffix(suffix) {
            if stem.len() >= 3 && stem.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Some((stem, canon));
            }
        }
    }
    None
}

/// Ways to split a compound whose street-type suffix has a typo (`wetstraaat`, `wetsraat`,
/// `gerechtspleiin`, `kortrijksrt`): each (stem, canonical suffix, edits), fewest edits first.
/// The caller keeps the first whose stem it knows.
pub fn split_compound_fuzzy(w: &str) -> Vec<(String, &'static str, usize)> {
    const FULL: &[(&str, &str)] = &[
        ("steenweg", "steenweg"),
        ("galerij", "galerij"),
        ("doorgang", "doorgang"),
        ("straat", "straat"),
        ("plaats", "plaats"),
        ("plein", "place"),
        ("dreef", "dreef"),
        ("markt", "markt"),
        ("kaai", "kaai"),
        ("laan", "laan"),
    ];
    const ABBR: &[(&str, &str)] = &[("str", "straat"), ("stwg", "steenweg")];
    let mut out = Vec::new();
    if !w.is_ascii() || !w.bytes().all(|b| b.is_ascii_alphabetic()) {
        return out;
    }
    let mut try_suffix = |suffix: &str, canon: &'static str, min_stem: usize| {
        for cut in suffix.len().saturating_sub(1)..=suffix.len() + 1 {
            if cut < 2 || cut + min_stem > w.len() {
                continue;
            }
            let (stem, tail) = w.split_at(w.len() - cut);
            if let Some(d) = edit_distance(tail.as_bytes(), suffix.as_bytes(), 1) {
                if d > 0 {
                    out.push((stem.to_string(), canon, d));
                }
            }
        }
    };
    for (suffix, canon) in FULL {
        try_suffix(suffix, canon, 3);
    }
    for (suffix, canon) in ABBR {
        try_suffix(suffix, canon, 4);
    }
    out.sort_by(|a, b| a.2.cmp(&b.2).then(b.0.len().cmp(&a.0.len())));
    out
}

/// Canonical word tokens of a name (street or municipality): folded, abbreviations expanded,
/// compounds split. Digits are kept as tokens (street names such as "Rue du 4 Août").
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in pieces(&fold(name)) {
        if let Piece::Word(w) = p {
            push_word(&w, &mut out);
        }
    }
    out
}

/// Push the canonical token(s) of one folded word.
pub fn push_word(w: &str, out: &mut Vec<String>) {
    if let Some(c) = canonical_word(w) {
        out.push(c.to_string());
        return;
    }
    if let Some((stem, suffix)) = split_compound(w) {
        // "arenbergstraat" → "aren" "berg" "straat", as "Arenberg straat" gives.
        push_word(stem, out);
        out.push(suffix.to_string());
        return;
    }
    out.push(w.to_string());
}

/// Words that carry little meaning in street names (articles, prepositions, street types):
/// they count less when scoring.
pub fn is_generic(token: &str) -> bool {
    matches!(
        token,
        "de" | "la"
            | "le"
            | "les"
            | "du"
            | "des"
            | "d"
            | "l"
            | "a"
            | "au"
            | "aux"
            | "en"
            | "et"
            | "van"
            | "der"
            | "den"
            | "het"
            | "ter"
            | "ten"
            | "t"
            | "s"
            | "op"
            | "in"
            | "rue"
            | "avenue"
            | "boulevard"
            | "chaussee"
            | "place"
            | "square"
            | "straat"
            | "laan"
            | "steenweg"
            | "st"
    )
}

/// Damerau-Levenshtein (optimal string alignment) distance between two byte strings, or `None`
/// when it exceeds `max`.
pub fn edit_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    if n == 0 || m == 0 {
        let d = n.max(m);
        return (d <= max).then_some(d);
    }
    // Three rolling rows for the transposition case.
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m];
    (d <= max).then_some(d)
}

/// Typos tolerated in a token of this length: none up to 2 letters, 1 up to 7, 2 beyond
/// (one-typo matches of 3-letter words score lower, see `search`).
pub fn max_typos(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("Chaussée d'Ixelles"), "chaussee d ixelles");
        assert_eq!(fold("NERVIËRSLAAN"), "nervierslaan");
        assert_eq!(fold("Sint-Joost-ten-Node"), "sint-joost-ten-node");
        assert_eq!(fold("Œuvre"), "oeuvre");
    }

    #[test]
    fn abbreviations_fr_nl() {
        assert_eq!(name_tokens("Av. Louise"), name_tokens("Avenue Louise"));
        assert_eq!(name_tokens("Ave Louise"), name_tokens("avenue louise"));
        assert_eq!(name_tokens("Bd Anspach"), name_tokens("Boulevard Anspach"));
        assert_eq!(
            name_tokens("Chée de Wavre"),
            name_tokens("Chaussée de Wavre")
        );
        assert_eq!(name_tokens("Pl. Royale"), name_tokens("Place Royale"));
        assert_eq!(name_tokens("Sq. Ambiorix"), name_tokens("Square Ambiorix"));
        assert_eq!(name_tokens("Wet str."), name_tokens("Wetstraat"));
        assert_eq!(name_tokens("Wetstr."), name_tokens("Wetstraat"));
        assert_eq!(name_tokens("Waversestwg"), name_tokens("Waverse Steenweg"));
        assert_eq!(name_tokens("Waverse Stwg"), name_tokens("Waverse Steenweg"));
        assert_eq!(
            name_tokens("St-Josse-ten-Noode"),
            vec!["st", "josse", "ten", "noode"]
        );
        assert_eq!(name_tokens("Sint-Joost"), vec!["st", "joost"]);
    }

    #[test]
    fn dutch_compounds_split() {
        assert_eq!(name_tokens("Wetstraat"), vec!["wet", "straat"]);
        assert_eq!(
            name_tokens("Gulden-Vlieslaan"),
            vec!["gulden", "vlies", "laan"]
        );
        assert_eq!(
            name_tokens("Gulden Vlieslaan"),
            name_tokens("Gulden-Vlieslaan")
        );
        assert_eq!(name_tokens("Paleizenplein"), vec!["paleizen", "place"]);
        assert_eq!(name_tokens("Koningspl."), vec!["konings", "place"]);
        // Too short a stem: kept whole.
        assert_eq!(name_tokens("Hof"), vec!["hof"]);
        assert_eq!(name_tokens("Wegstraat"), vec!["weg", "straat"]);
    }

    #[test]
    fn pieces_keep_number_separators() {
        let p = pieces(&fold("Rue X 12-14, 1000"));
        assert_eq!(
            p,
            vec![
                Piece::Word("rue".into()),
                Piece::Word("x".into()),
                Piece::Word("12".into()),
                Piece::Sep('-'),
                Piece::Word("14".into()),
                Piece::Sep(','),
                Piece::Word("1000".into()),
            ]
        );
        assert_eq!(pieces("16b"), vec![Piece::Word("16b".into())]);
        assert_eq!(
            pieces("bus8"),
            vec![Piece::Word("bus".into()), Piece::Word("8".into())]
        );
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance(b"louise", b"louise", 2), Some(0));
        assert_eq!(edit_distance(b"louise", b"lousie", 2), Some(1));
        assert_eq!(edit_distance(b"louise", b"luise", 2), Some(1));
        assert_eq!(edit_distance(b"anspach", b"anspakh", 1), Some(1));
        assert_eq!(edit_distance(b"wet", b"loi", 1), None);
        assert_eq!(max_typos(2), 0);
        assert_eq!(max_typos(3), 1);
        assert_eq!(max_typos(6), 1);
        assert_eq!(max_typos(9), 2);
    }
}
