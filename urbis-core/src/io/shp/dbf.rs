//! A streaming reader for the dBase (`.dbf`) attribute file of a Shapefile.
//!
//! Written here rather than with the `dbase` crate because a Shapefile reader needs what that
//! crate does not give: deleted records kept in place (so that record *n* of the `.dbf` stays
//! paired with shape *n*), the decimal count of numeric fields, per-field errors that do not
//! lose the record, and legacy DOS code pages (437, 850) next to the `encoding_rs` ones.
//! Every count is checked against the file size; nothing here panics on a corrupt file.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::codepages::{CP437, CP850};
use crate::error::ReadError;

/// How the text of Character fields is encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TextEncoding {
    /// UTF-8 (invalid sequences become U+FFFD).
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same value.
    Latin1,
    /// DOS code page 437.
    Cp437,
    /// DOS code page 850.
    Cp850,
    /// Any encoding `encoding_rs` knows (Windows-1252 and the other Windows code pages…).
    Other(&'static encoding_rs::Encoding),
}

impl TextEncoding {
    /// Windows-1252, the default of legacy Shapefiles.
    pub const WINDOWS_1252: TextEncoding = TextEncoding::Other(encoding_rs::WINDOWS_1252);

    /// Decode `bytes` (never fails: unknown sequences become U+FFFD).
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            TextEncoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
            TextEncoding::Cp437 => decode_dos(bytes, &CP437),
            TextEncoding::Cp850 => decode_dos(bytes, &CP850),
            TextEncoding::Other(e) => e.decode_without_bom_handling(bytes).0.into_owned(),
        }
    }

    /// The encoding named in a `.cpg` file (`UTF-8`, `1252`, `ISO-8859-1`, `CP850`,
    /// `ANSI 1252`, `65001`…), if recognised.
    pub fn from_cpg(text: &str) -> Option<TextEncoding> {
        let label = text.trim().trim_start_matches('\u{feff}').trim();
        let upper = label.to_ascii_uppercase();
        let compact: String = upper
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .collect();
        if compact == "UTF8" || compact == "65001" {
            return Some(TextEncoding::Utf8);
        }
        let code = ["WINDOWS", "ANSI", "OEM", "CP", "IBM"]
            .iter()
            .find_map(|p| compact.strip_prefix(p))
            .unwrap_or(&compact);
        match code {
            "437" => return Some(TextEncoding::Cp437),
            "850" => return Some(TextEncoding::Cp850),
            "ISO88591" | "88591" | "LATIN1" | "28591" => return Some(TextEncoding::Latin1),
            _ => {}
        }
        if code.len() == 4 && code.starts_with("125") {
            return encoding_rs::Encoding::for_label(format!("windows-{code}").as_bytes())
                .map(TextEncoding::Other);
        }
        if let Some(n) = code
            .strip_prefix("ISO8859")
            .or_else(|| code.strip_prefix("8859"))
        {
            return encoding_rs::Encoding::for_label(format!("iso-8859-{n}").as_bytes())
                .map(TextEncoding::Other);
        }
        let named = match code {
            "874" => Some("windows-874"),
            "932" => Some("shift_jis"),
            "936" => Some("gbk"),
            "949" => Some("euc-kr"),
            "950" => Some("big5"),
            "866" => Some("ibm866"),
            _ => None,
        };
        named
            .and_then(|n| encoding_rs::Encoding::for_label(n.as_bytes()))
            .or_else(|| encoding_rs::Encoding::for_label(label.as_bytes()))
            .map(TextEncoding::Other)
    }

    /// The encoding of a dBase language driver id (byte 29 of the header), if it names one.
    pub fn from_language_driver(ldid: u8) -> Option<TextEncoding> {
        let label = match ldid {
            0x01 => return Some(TextEncoding::Cp437),
            0x02 => return Some(TextEncoding::Cp850),
            0x03 | 0x57 | 0x58 | 0x59 => "windows-1252",
            0x04 => "macintosh",
            0x65 => "ibm866",
            0x7C => "windows-874",
            0x7D => "windows-1255",
            0x7E => "windows-1256",
            0x78 => "big5",
            0x79 => "euc-kr",
            0x7A => "gbk",
            0x7B => "shift_jis",
            0xC8 => "windows-1250",
            0xC9 => "windows-1251",
            0xCA => "windows-1254",
            0xCB => "windows-1253",
            0xCC => "windows-1257",
            _ => return None,
        };
        encoding_rs::Encoding::for_label(label.as_bytes()).map(TextEncoding::Other)
    }
}

fn decode_dos(bytes: &[u8], table: &[u16; 128]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                char::from_u32(u32::from(table[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}')
            }
        })
        .collect()
}

/// One field of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct DbfField {
    /// Field name as stored (at most 11 characters).
    pub name: String,
    /// dBase type letter (`C`, `N`, `F`, `D`, `L`, `I`, `O`, `Y`, `T`, `M`…).
    pub kind: u8,
    offset: usize,
    len: usize,
    /// Decimal places of a numeric field (0 for the other types).
    pub decimals: u8,
}

/// A record read from the table.
#[derive(Debug, Clone, PartialEq)]
pub enum DbfRecord {
    /// Marked deleted: its shape is skipped too.
    Deleted,
    /// The values, with a note for each field that could not be decoded (it is then null).
    Live {
        /// Field name and value, in field order (memo pointers and unknown types left out).
        values: Vec<(String, Value)>,
        /// One note per field that could not be decoded.
        problems: Vec<String>,
    },
}

/// Streams the records of a `.dbf` file.
pub struct DbfReader {
    path: PathBuf,
    file: BufReader<File>,
    fields: Vec<DbfField>,
    header_len: u64,
    record_len: usize,
    /// Records present (the declared count, bounded by the file size).
    records: u64,
    /// Records the header declares.
    declared: u64,
    next: u64,
    buf: Vec<u8>,
    encoding: TextEncoding,
    ldid: u8,
}

impl DbfReader {
    /// Open a `.dbf` and read its header. `encoding` overrides the language driver byte
    /// (from a `.cpg` file); without either, text is read as Windows-1252.
    pub fn open(path: &Path, encoding: Option<TextEncoding>) -> Result<Self, ReadError> {
        let io = |source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bad = |detail: String| ReadError::Malformed {
            path: path.to_path_buf(),
            detail,
        };
        let f = File::open(path).map_err(io)?;
        let size = f.metadata().map_err(io)?.len();
        let mut file = BufReader::with_capacity(1 << 16, f);
        let mut head = [0u8; 32];
        file.read_exact(&mut head)
            .map_err(|_| bad("not a dBase file (shorter than its header)".into()))?;
        let declared = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
        let header_len = u64::from(u16::from_le_bytes([head[8], head[9]]));
        let record_len = usize::from(u16::from_le_bytes([head[10], head[11]]));
        let ldid = head[29];
        if header_len < 33 || header_len > size || record_len == 0 {
            return Err(bad(format!(
                "not a dBase file (header length {header_len}, record length {record_len})"
            )));
        }
        let mut desc = vec![0u8; (header_len - 32) as usize];
        file.read_exact(&mut desc)
            .map_err(|_| bad("truncated dBase header".into()))?;
        let mut raw = Vec::new();
        for d in desc.chunks_exact(32) {
            if d[0] == 0x0D {
                break;
            }
            let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
            let name = String::from_utf8_lossy(&d[..name_end]).trim().to_string();
            raw.push((name, d[11], d[16], d[17]));
        }
        if raw.is_empty() {
            return Err(bad("dBase file without fields".into()));
        }
        // Character fields longer than 255 bytes keep the high byte of their length in the
        // decimal count (Clipper/FoxPro); use that reading when it alone fits the record.
        let plain: usize = raw.iter().map(|r| usize::from(r.2)).sum();
        let extended: usize = raw
            .iter()
            .map(|r| {
                if r.1 == b'C' {
                    usize::from(r.2) + 256 * usize::from(r.3)
                } else {
                    usize::from(r.2)
                }
            })
            .sum();
        let use_extended = plain + 1 != record_len && extended + 1 == record_len;
        let mut fields = Vec::with_capacity(raw.len());
        let mut offset = 1;
        for (name, kind, len, dec) in raw {
            let len = if use_extended && kind == b'C' {
                usize::from(len) + 256 * usize::from(dec)
            } else {
                usize::from(len)
            };
            if offset + len > record_len {
                return Err(bad(format!(
                    "field {name} does not fit in the record length {record_len}"
                )));
            }
            fields.push(DbfField {
                name,
                kind,
                offset,
                len,
                decimals: if kind == b'C' { 0 } else { dec },
            });
            offset += len;
        }
        let available = (size - header_len) / record_len as u64;
        file.seek(SeekFrom::Start(header_len)).map_err(io)?;
        Ok(DbfReader {
            path: path.to_path_buf(),
            file,
            fields,
            header_len,
            record_len,
            records: declared.min(available),
            declared,
            next: 0,
            buf: vec![0; record_len],
            encoding: encoding
                .or_else(|| TextEncoding::from_language_driver(ldid))
                .unwrap_or(TextEncoding::WINDOWS_1252),
            ldid,
        })
    }

    /// The fields, in record order.
    pub fn fields(&self) -> &[DbfField] {
        &self.fields
    }

    /// The text encoding in use.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// The language driver byte of the header.
    pub fn language_driver(&self) -> u8 {
        self.ldid
    }

    /// Records the file holds (the header's count, bounded by the file size).
    pub fn len(&self) -> u64 {
        self.records
    }

    /// True when the file holds no record.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Records read so far (deleted ones included).
    pub fn position(&self) -> u64 {
        self.next
    }

    /// Records the header declares (more than [`Self::len`] in a truncated file).
    pub fn declared(&self) -> u64 {
        self.declared
    }

    /// Count the records not marked deleted (reads one byte of each record), then rewind.
    pub fn count_live(&mut self) -> Result<u64, ReadError> {
        let io = |source| ReadError::Io {
            path: self.path.clone(),
            source,
        };
        self.file
            .seek(SeekFrom::Start(self.header_len))
            .map_err(io)?;
        let mut live = 0;
        let mut flag = [0u8; 1];
        for i in 0..self.records {
            self.file.read_exact(&mut flag).map_err(io)?;
            if flag[0] == 0x1A {
                // End-of-file marker where a record should start.
                self.records = i;
                break;
            }
            if flag[0] != b'*' {
                live += 1;
            }
            if i + 1 < self.records {
                self.file
                    .seek_relative(self.record_len as i64 - 1)
                    .map_err(io)?;
            }
        }
        self.file
            .seek(SeekFrom::Start(
                self.header_len + self.next * self.record_len as u64,
            ))
            .map_err(io)?;
        Ok(live)
    }

    /// The next record, `None` after the last. An I/O error is fatal.
    pub fn next_record(&mut self) -> Option<Result<DbfRecord, ReadError>> {
        if self.next >= self.records {
            return None;
        }
        if let Err(e) = self.file.read_exact(&mut self.buf) {
            return Some(Err(ReadError::Io {
                path: self.path.clone(),
                source: e,
            }));
        }
        self.next += 1;
        match self.buf[0] {
            b'*' => return Some(Ok(DbfRecord::Deleted)),
            0x1A => {
                self.records = self.next - 1;
                return None;
            }
            _ => {}
        }
        let mut values = Vec::with_capacity(self.fields.len());
        let mut problems = Vec::new();
        for f in &self.fields {
            let bytes = &self.buf[f.offset..f.offset + f.len];
            match decode_field(f, bytes, self.encoding) {
                Ok(Some(v)) => values.push((f.name.clone(), v)),
                Ok(None) => {}
                Err(e) => {
                    problems.push(format!("field {}: {e}", f.name));
                    values.push((f.name.clone(), Value::Null));
                }
            }
        }
        Some(Ok(DbfRecord::Live { values, problems }))
    }
}

fn ascii_trim(bytes: &[u8]) -> &[u8] {
    let is_pad = |b: &u8| *b == b' ' || *b == 0;
    let start = bytes.iter().position(|b| !is_pad(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_pad(b))
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

fn number(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Decode one field: `Ok(None)` to leave it out (memo pointers and other unreadable types).
fn decode_field(f: &DbfField, bytes: &[u8], enc: TextEncoding) -> Result<Option<Value>, String> {
    Ok(Some(match f.kind {
        b'C' | b'V' => {
            let t = ascii_trim(bytes);
            if t.is_empty() {
                Value::Null
            } else {
                let s = enc.decode(t);
                let s = s.trim();
                if s.is_empty() {
                    Value::Null
                } else {
                    Value::String(s.to_string())
                }
            }
        }
        b'N' | b'F' => {
            let t = ascii_trim(bytes);
            if t.is_empty() || t.iter().all(|b| matches!(b, b'*' | b'?' | b'.' | b'-')) {
                Value::Null
            } else {
                let s = std::str::from_utf8(t)
                    .map_err(|_| "number with non-ASCII characters".to_string())?
                    .replace(',', ".");
                match s.parse::<i64>() {
                    Ok(i) if f.decimals == 0 => Value::from(i),
                    _ => {
                        let v: f64 = s.parse().map_err(|_| format!("invalid number {s:?}"))?;
                        if !v.is_finite() {
                            Value::Null
                        } else if f.decimals == 0 && v.fract() == 0.0 && v.abs() < 9.0e15 {
                            Value::from(v as i64)
                        } else {
                            number(v)
                        }
                    }
                }
            }
        }
        b'D' => {
            let t = ascii_trim(bytes);
            if t.is_empty() || t.iter().all(|&b| b == b'0') {
                Value::Null
            } else if t.len() == 8 && t.iter().all(u8::is_ascii_digit) {
                let d = |r: std::ops::Range<usize>| {
                    t[r].iter()
                        .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
                };
                let (y, m, day) = (d(0..4), d(4..6), d(6..8));
                if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
                    return Err(format!("invalid date {}", String::from_utf8_lossy(t)));
                }
                Value::String(format!("{y:04}-{m:02}-{day:02}"))
            } else {
                return Err(format!("invalid date {:?}", String::from_utf8_lossy(t)));
            }
        }
        b'L' => match ascii_trim(bytes).first() {
            Some(b'T' | b't' | b'Y' | b'y') => Value::Bool(true),
            Some(b'F' | b'f' | b'N' | b'n') => Value::Bool(false),
            _ => Value::Null,
        },
        b'I' if bytes.len() == 4 => {
            Value::from(i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        }
        b'O' | b'B' if bytes.len() == 8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(bytes);
            number(f64::from_le_bytes(b))
        }
        b'Y' if bytes.len() == 8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(bytes);
            number(i64::from_le_bytes(b) as f64 / 10_000.0)
        }
        b'T' if bytes.len() == 8 => {
            let jd = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            let ms = i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            if jd == 0 {
                Value::Null
            } else {
                Value::String(julian_datetime(jd, ms)?)
            }
        }
        _ => return Ok(None),
    }))
}

/// A Visual FoxPro datetime (Julian day number, milliseconds since midnight) as ISO 8601.
fn julian_datetime(jd: i32, ms: i32) -> Result<String, String> {
    if !(0..86_400_000).contains(&ms) || !(1_721_426..=5_373_484).contains(&jd) {
        return Err(format!("invalid datetime (day {jd}, ms {ms})"));
    }
    // Fliegel & Van Flandern.
    let l = i64::from(jd) + 68_569;
    let n = 4 * l / 146_097;
    let l = l - (146_097 * n + 3) / 4;
    let i = 4000 * (l + 1) / 1_461_001;
    let l = l - 1461 * i / 4 + 31;
    let j = 80 * l / 2447;
    let day = l - 2447 * j / 80;
    let l = j / 11;
    let month = j + 2 - 12 * l;
    let year = 100 * (n - 49) + i + l;
    let secs = ms / 1000;
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpg_labels() {
        assert_eq!(
            TextEncoding::from_cpg("UTF-8\r\n"),
            Some(TextEncoding::Utf8)
        );
        assert_eq!(TextEncoding::from_cpg("utf8"), Some(TextEncoding::Utf8));
        assert_eq!(TextEncoding::from_cpg("65001"), Some(TextEncoding::Utf8));
        for l in ["1252", "CP1252", "ANSI 1252", "windows-1252"] {
            assert_eq!(
                TextEncoding::from_cpg(l),
                Some(TextEncoding::WINDOWS_1252),
                "{l}"
            );
        }
        for l in ["ISO-8859-1", "8859-1", "88591", "ISO88591", "latin1"] {
            assert_eq!(TextEncoding::from_cpg(l), Some(TextEncoding::Latin1), "{l}");
        }
        assert_eq!(TextEncoding::from_cpg("OEM 850"), Some(TextEncoding::Cp850));
        assert_eq!(TextEncoding::from_cpg("437"), Some(TextEncoding::Cp437));
        assert_eq!(
            TextEncoding::from_cpg("ISO-8859-15"),
            Some(TextEncoding::Other(encoding_rs::ISO_8859_15))
        );
        assert_eq!(TextEncoding::from_cpg("nonsense"), None);
        assert_eq!(
            TextEncoding::from_language_driver(0x57),
            Some(TextEncoding::WINDOWS_1252)
        );
        assert_eq!(
            TextEncoding::from_language_driver(0x02),
            Some(TextEncoding::Cp850)
        );
        assert_eq!(TextEncoding::from_language_driver(0), None);
    }

    #[test]
    fn decoding() {
        let word = [b'I', 0xE9, b'n'];
        assert_eq!(TextEncoding::WINDOWS_1252.decode(&word), "Ién");
        assert_eq!(TextEncoding::Latin1.decode(&word), "Ién");
        assert_eq!(TextEncoding::Cp850.decode(&[0x82, 0x85, 0x8A]), "éàè");
        assert_eq!(TextEncoding::Cp437.decode(&[0x82]), "é");
        assert_eq!(TextEncoding::Utf8.decode("Ié".as_bytes()), "Ié");
        // A BOM-like prefix is text, not a BOM.
        assert_eq!(TextEncoding::WINDOWS_1252.decode(&[0xFF, 0xFE]), "ÿþ");
        assert_eq!(TextEncoding::Latin1.decode(&[0x80]), "\u{80}");
        assert_eq!(TextEncoding::WINDOWS_1252.decode(&[0x80]), "€");
    }

    fn field(kind: u8, decimals: u8) -> DbfField {
        DbfField {
            name: "F".into(),
            kind,
            offset: 1,
            len: 0,
            decimals,
        }
    }

    #[test]
    fn field_values() {
        let e = TextEncoding::WINDOWS_1252;
        let dec = |kind, d, s: &[u8]| decode_field(&field(kind, d), s, e);
        assert_eq!(
            dec(b'C', 0, b"  Rue Wiertz   "),
            Ok(Some(Value::from("Rue Wiertz")))
        );
        assert_eq!(dec(b'C', 0, b"     "), Ok(Some(Value::Null)));
        assert_eq!(dec(b'N', 0, b"   21004"), Ok(Some(Value::from(21004))));
        assert_eq!(dec(b'N', 0, b" 21004.0"), Ok(Some(Value::from(21004))));
        assert_eq!(dec(b'N', 2, b"  512.15"), Ok(Some(Value::from(512.15))));
        assert_eq!(dec(b'N', 2, b"  512.00"), Ok(Some(Value::from(512.0))));
        assert_eq!(dec(b'N', 2, b"     512"), Ok(Some(Value::from(512.0))));
        assert_eq!(dec(b'F', 3, b"   -1,5"), Ok(Some(Value::from(-1.5))));
        assert_eq!(dec(b'N', 0, b"        "), Ok(Some(Value::Null)));
        assert_eq!(dec(b'N', 0, b"********"), Ok(Some(Value::Null)));
        assert!(dec(b'N', 0, b"  12abc").is_err());
        assert_eq!(
            dec(b'D', 0, b"20180102"),
            Ok(Some(Value::from("2018-01-02")))
        );
        assert_eq!(dec(b'D', 0, b"        "), Ok(Some(Value::Null)));
        assert_eq!(dec(b'D', 0, b"00000000"), Ok(Some(Value::Null)));
        assert!(dec(b'D', 0, b"20181302").is_err());
        assert!(dec(b'D', 0, b"2018-1-2").is_err());
        assert_eq!(dec(b'L', 0, b"T"), Ok(Some(Value::Bool(true))));
        assert_eq!(dec(b'L', 0, b"n"), Ok(Some(Value::Bool(false))));
        assert_eq!(dec(b'L', 0, b"?"), Ok(Some(Value::Null)));
        assert_eq!(dec(b'I', 0, &7i32.to_le_bytes()), Ok(Some(Value::from(7))));
        assert_eq!(
            dec(b'O', 0, &2.5f64.to_le_bytes()),
            Ok(Some(Value::from(2.5)))
        );
        assert_eq!(dec(b'M', 0, b"        12"), Ok(None));
        let mut t = 2_451_545i32.to_le_bytes().to_vec(); // 2000-01-01
        t.extend_from_slice(&(3_661_000i32).to_le_bytes());
        assert_eq!(
            dec(b'T', 0, &t),
            Ok(Some(Value::from("2000-01-01T01:01:01")))
        );
    }
}
