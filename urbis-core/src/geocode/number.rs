//! House numbers as written in Brussels: `16`, `16A`, `16 A`, `16bis`, `12-14`, `94--102`,
//! `61/2`, `16 bus 8`, `16 bte 3`, `16B bus 207`, `16/1 bus 8`, and `sn` / `zn` (no number).

use super::normalize::{fold, pieces, Piece};

/// A parsed house number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HouseNumber {
    pub number: u32,
    /// Letters right after the number (`a` in `16A`, `bis`), lowercase.
    pub suffix: String,
    /// The end of a range (`14` in `12-14`).
    pub range_end: Option<u32>,
    /// What follows a slash (`2` in `61/2`), lowercase.
    pub sub: Option<String>,
    /// Box (`bus 8`, `bte 3`), lowercase.
    pub box_number: Option<String>,
}

/// The house-number part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberSpec {
    Number(HouseNumber),
    /// `sn` (sans numéro) / `zn` (zonder nummer).
    NoNumber,
}

/// Words that introduce a box number.
fn is_box_word(w: &str) -> bool {
    matches!(w, "bus" | "bte" | "boite" | "bt" | "box" | "bx" | "b")
}

/// Split `16a` into (16, "a"); `None` if it does not start with digits or has non-letters after.
fn split_num(w: &str) -> Option<(u32, String)> {
    let digits_end = w.find(|c: char| !c.is_ascii_digit()).unwrap_or(w.len());
    if digits_end == 0 || digits_end > 6 {
        return None;
    }
    let n: u32 = w[..digits_end].parse().ok()?;
    let rest = &w[digits_end..];
    if rest.len() > 4 || !rest.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some((n, rest.to_string()))
}

fn is_alnum_token(w: &str) -> bool {
    !w.is_empty() && w.len() <= 10 && w.chars().all(|c| c.is_ascii_alphanumeric())
}

impl HouseNumber {
    pub fn simple(number: u32) -> Self {
        HouseNumber {
            number,
            ..Default::default()
        }
    }

    /// Parse a house number as stored (`POLICENUM`) or typed alone: `16`, `16A`, `12-14`,
    /// `6 - 8`, `94--102`, `33-33A`, `44/z`, `16 bus 8`.
    pub fn parse(s: &str) -> Option<HouseNumber> {
        let ps = pieces(&fold(s));
        let mut i = 0;
        let hn = parse_at(&ps, &mut i)?;
        (i == ps.len()).then_some(hn)
    }

    /// The canonical text: `16a`, `12-14`, `61/2` (without the box).
    pub fn key(&self) -> String {
        let mut s = format!("{}{}", self.number, self.suffix);
        if let Some(e) = self.range_end {
            s.push('-');
            s.push_str(&e.to_string());
        }
        if let Some(sub) = &self.sub {
            s.push('/');
            s.push_str(sub);
        }
        s
    }

    /// How well `self` (from a query) matches `data` (an address's number): 1 for the same
    /// number, less for a near form (`16` vs `16A`, `13` in `12-14`), `None` otherwise.
    pub fn match_score(&self, data: &HouseNumber) -> Option<f64> {
        let same_base = self.number == data.number && self.suffix == data.suffix;
        if same_base && self.range_end == data.range_end && self.sub == data.sub {
            return Some(1.0);
        }
        if same_base {
            return Some(0.9);
        }
        let in_range =
            |n: u32, start: u32, end: Option<u32>| end.is_some_and(|e| start <= n && n <= e);
        if self.suffix.is_empty()
            && data.suffix.is_empty()
            && (in_range(self.number, data.number, data.range_end)
                || in_range(data.number, self.number, self.range_end))
        {
            return Some(0.85);
        }
        if self.number == data.number {
            return Some(0.8);
        }
        None
    }
}

/// Parse one house number starting at `ps[*i]`, advancing `i` past it.
fn parse_at(ps: &[Piece], i: &mut usize) -> Option<HouseNumber> {
    let Some(Piece::Word(w)) = ps.get(*i) else {
        return None;
    };
    let (number, suffix) = split_num(w)?;
    let mut hn = HouseNumber {
        number,
        suffix,
        ..Default::default()
    };
    let mut j = *i + 1;
    let word = |k: usize| match ps.get(k) {
        Some(Piece::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let sep = |k: usize| match ps.get(k) {
        Some(Piece::Sep(c)) => Some(*c),
        _ => None,
    };
    // "16 A" / "16 bis": a detached suffix (not a box word followed by a value).
    if hn.suffix.is_empty() {
        if let Some(w) = word(j) {
            let is_suffix = (w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()))
                || matches!(w, "bis" | "ter" | "quater");
            // "16 b 3" is a box; "16 B 1040" is 16B then a postcode.
            let box_follows = is_box_word(w)
                && word(j + 1).is_some_and(|v| is_alnum_token(v) && (w != "b" || v.len() <= 3));
            if is_suffix && !box_follows {
                hn.suffix = w.to_string();
                j += 1;
            }
        }
    }
    // "12-14", "94--102", "33-33A".
    let mut k = j;
    while sep(k) == Some('-') {
        k += 1;
    }
    if k > j {
        if let Some((end, _)) = word(k).and_then(split_num) {
            if end >= hn.number {
                hn.range_end = Some(end);
                j = k + 1;
            }
        }
    }
    // "61/2", "44/z", "267 / 1e".
    if sep(j) == Some('/') {
        if let Some(w) = word(j + 1).filter(|w| is_alnum_token(w)) {
            hn.sub = Some(w.to_string());
            j += 2;
        }
    }
    // "bus 8", "bte 3", "b 3".
    if let Some(w) = word(j) {
        if is_box_word(w) {
            if let Some(v) = word(j + 1).filter(|v| is_alnum_token(v) && (w != "b" || v.len() <= 3))
            {
                hn.box_number = Some(v.to_string());
                j += 2;
            }
        }
    }
    *i = j;
    Some(hn)
}

/// The number parts found in a query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extracted {
    /// The house number, if any (`NoNumber` for `sn`/`zn`).
    pub number: Option<NumberSpec>,
    /// Four-digit codes that `is_postcode` recognised.
    pub postcodes: Vec<String>,
    /// A lone known postcode that might also be a house number (`Rue X 1040`).
    pub ambiguous: bool,
    /// The other words, in order.
    pub words: Vec<String>,
}

/// Separate the house number, box and postcodes of a query from its words.
pub fn extract(text: &str, is_postcode: &dyn Fn(&str) -> bool) -> Extracted {
    let ps = pieces(&fold(text));
    let mut out = Extracted::default();
    let mut numbers: Vec<HouseNumber> = Vec::new();
    let mut i = 0;
    while i < ps.len() {
        match &ps[i] {
            Piece::Sep(_) => i += 1,
            Piece::Word(w) => {
                // sn / zn / s/n / z/n: explicitly no number.
                if matches!(w.as_str(), "sn" | "zn" | "snr") {
                    out.number = Some(NumberSpec::NoNumber);
                    i += 1;
                    continue;
                }
                if (w == "s" || w == "z")
                    && ps.get(i + 1) == Some(&Piece::Sep('/'))
                    && ps.get(i + 2) == Some(&Piece::Word("n".into()))
                {
                    out.number = Some(NumberSpec::NoNumber);
                    i += 3;
                    continue;
                }
                if w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()) && is_postcode(w) {
                    out.postcodes.push(w.clone());
                    i += 1;
                    continue;
                }
                let mut j = i;
                match parse_at(&ps, &mut j) {
                    Some(hn) if j > i => {
                        numbers.push(hn);
                        i = j;
                    }
                    _ => {
                        out.words.push(w.clone());
                        i += 1;
                    }
                }
            }
        }
    }
    // The last number is the house number; earlier ones belong to the street name
    // ("Rue du 4 Août 12") and go back to the words.
    if let Some(last) = numbers.pop() {
        for n in numbers {
            out.words.push(n.key());
        }
        if out.number != Some(NumberSpec::NoNumber) {
            out.number = Some(NumberSpec::Number(last));
        }
    } else if out.number.is_none() && out.postcodes.len() == 1 {
        out.ambiguous = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hn(
        n: u32,
        suffix: &str,
        end: Option<u32>,
        sub: Option<&str>,
        bx: Option<&str>,
    ) -> HouseNumber {
        HouseNumber {
            number: n,
            suffix: suffix.into(),
            range_end: end,
            sub: sub.map(String::from),
            box_number: bx.map(String::from),
        }
    }

    fn postcode(s: &str) -> bool {
        matches!(s, "1000" | "1040" | "1050" | "1030")
    }

    fn number_of(q: &str) -> Option<NumberSpec> {
        extract(q, &postcode).number
    }

    #[test]
    fn every_form() {
        let n = |h| Some(NumberSpec::Number(h));
        assert_eq!(number_of("16"), n(hn(16, "", None, None, None)));
        assert_eq!(number_of("16A"), n(hn(16, "a", None, None, None)));
        assert_eq!(number_of("16 A"), n(hn(16, "a", None, None, None)));
        assert_eq!(number_of("12-14"), n(hn(12, "", Some(14), None, None)));
        assert_eq!(number_of("61/2"), n(hn(61, "", None, Some("2"), None)));
        assert_eq!(number_of("16 bus 8"), n(hn(16, "", None, None, Some("8"))));
        assert_eq!(number_of("16 bte 3"), n(hn(16, "", None, None, Some("3"))));
        assert_eq!(
            number_of("16 boîte 3"),
            n(hn(16, "", None, None, Some("3")))
        );
        assert_eq!(
            number_of("16B bus 207"),
            n(hn(16, "b", None, None, Some("207")))
        );
        assert_eq!(
            number_of("16/1 bus 8"),
            n(hn(16, "", None, Some("1"), Some("8")))
        );
        assert_eq!(number_of("16 b 3"), n(hn(16, "", None, None, Some("3"))));
        assert_eq!(number_of("20 A"), n(hn(20, "a", None, None, None)));
        assert_eq!(
            number_of("267 / 1e"),
            n(hn(267, "", None, Some("1e"), None))
        );
        assert_eq!(number_of("sn"), Some(NumberSpec::NoNumber));
        assert_eq!(number_of("zn"), Some(NumberSpec::NoNumber));
        assert_eq!(number_of("s/n"), Some(NumberSpec::NoNumber));
        assert_eq!(number_of("Rue de la Loi"), None);
    }

    #[test]
    fn queries_with_postcodes_and_words() {
        let e = extract("Rue de la Loi 16, 1000 Bruxelles", &postcode);
        assert_eq!(e.number, Some(NumberSpec::Number(HouseNumber::simple(16))));
        assert_eq!(e.postcodes, vec!["1000"]);
        assert_eq!(e.words, vec!["rue", "de", "la", "loi", "bruxelles"]);
        assert!(!e.ambiguous);
        let e = extract("Avenue de la Couronne,267 / 1e,1050", &postcode);
        assert_eq!(e.postcodes, vec!["1050"]);
        assert_eq!(
            e.number,
            Some(NumberSpec::Number(hn(267, "", None, Some("1e"), None)))
        );
        let e = extract("Galerie Louise,zn,1050", &postcode);
        assert_eq!(e.number, Some(NumberSpec::NoNumber));
        assert_eq!(e.words, vec!["galerie", "louise"]);
        let e = extract("Wetstraat 1040", &postcode);
        assert!(e.ambiguous);
        assert_eq!(e.number, None);
        let e = extract("Rue du 4 Août 12", &postcode);
        assert_eq!(e.number, Some(NumberSpec::Number(HouseNumber::simple(12))));
        assert_eq!(e.words, vec!["rue", "du", "aout", "4"]);
        // 43-45 and 157/159 forms from real inputs.
        let e = extract("Rue X 43-45", &postcode);
        assert_eq!(
            e.number,
            Some(NumberSpec::Number(hn(43, "", Some(45), None, None)))
        );
    }

    #[test]
    fn stored_numbers() {
        assert_eq!(
            HouseNumber::parse("94--102"),
            Some(hn(94, "", Some(102), None, None))
        );
        assert_eq!(
            HouseNumber::parse("6 - 8"),
            Some(hn(6, "", Some(8), None, None))
        );
        assert_eq!(
            HouseNumber::parse("33-33A"),
            Some(hn(33, "", Some(33), None, None))
        );
        assert_eq!(
            HouseNumber::parse("44/z"),
            Some(hn(44, "", None, Some("z"), None))
        );
        assert_eq!(HouseNumber::parse("8a"), Some(hn(8, "a", None, None, None)));
        assert_eq!(HouseNumber::parse("abc"), None);
        assert_eq!(
            HouseNumber::parse("12-14").map(|h| h.key()).as_deref(),
            Some("12-14")
        );
    }

    #[test]
    fn match_scores() {
        let q = HouseNumber::simple(13);
        assert_eq!(q.match_score(&hn(12, "", Some(14), None, None)), Some(0.85));
        assert_eq!(q.match_score(&HouseNumber::simple(13)), Some(1.0));
        assert_eq!(q.match_score(&hn(13, "a", None, None, None)), Some(0.8));
        assert_eq!(q.match_score(&HouseNumber::simple(15)), None);
        let boxed = hn(16, "b", None, None, Some("207"));
        assert_eq!(boxed.match_score(&hn(16, "b", None, None, None)), Some(1.0));
    }
}
