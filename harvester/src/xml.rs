//! A small namespace-aware element tree read with quick-xml for harvested documents.
//!
//! Harvested XML is hostile input: entities are never expanded (quick-xml only decodes the five
//! predefined entities and character references; any other reference is an error), a DOCTYPE
//! that declares entities is refused, and depth and element counts are bounded.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 256;
/// Most elements accepted in one document (a CSW page of 500 ISO records has ~200,000).
const MAX_ELEMENTS: usize = 4_000_000;

/// An element: namespace URI, local name, attributes by local name, children and direct text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub ns: String,
    pub local: String,
    /// `(namespace URI, local name, value)`; the value is unescaped.
    pub attrs: Vec<(String, String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// An attribute by local name (any namespace).
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(_, k, _)| k == local)
            .map(|(_, _, v)| v.as_str())
    }

    /// First child with this local name.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.local == local)
    }

    /// Children with this local name.
    pub fn children_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.local == local)
    }

    /// Follow a path of local names, first match at each step.
    pub fn path(&self, steps: &[&str]) -> Option<&Element> {
        let mut cur = self;
        for s in steps {
            cur = cur.child(s)?;
        }
        Some(cur)
    }

    /// Every element at the end of a path of local names (all matches at each step).
    pub fn all<'a>(&'a self, steps: &[&str]) -> Vec<&'a Element> {
        let mut cur = vec![self];
        for s in steps {
            let mut next = Vec::new();
            for e in cur {
                next.extend(e.children.iter().filter(|c| c.local == *s));
            }
            cur = next;
        }
        cur
    }

    /// Every descendant (depth first) with this local name, not descending into matches.
    pub fn find_all<'a>(&'a self, local: &str, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            if c.local == local {
                out.push(c);
            } else {
                c.find_all(local, out);
            }
        }
    }

    /// First descendant with this local name.
    pub fn find(&self, local: &str) -> Option<&Element> {
        for c in &self.children {
            if c.local == local {
                return Some(c);
            }
            if let Some(f) = c.find(local) {
                return Some(f);
            }
        }
        None
    }

    /// Trimmed direct text.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }

    /// The text of an ISO "property" element: `gco:CharacterString`, `gmx:Anchor`, `gco:Date`,
    /// `gmd:URL`… (first child with text), else its own text.
    pub fn value(&self) -> Option<&str> {
        for c in &self.children {
            let t = c.trimmed();
            if !t.is_empty() && c.local != "PT_FreeText" {
                return Some(t);
            }
        }
        let t = self.trimmed();
        (!t.is_empty()).then_some(t)
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(pub String);

/// Parse a document into its root element.
pub fn parse(doc: &str) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_str(doc);
    reader.config_mut().trim_text(false);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let pos = reader.buffer_position();
        let (res, ev) = reader
            .read_resolved_event()
            .map_err(|e| XmlError(format!("malformed XML near byte {pos}: {e}")))?;
        match ev {
            Event::DocType(d) => {
                let text = String::from_utf8_lossy(&d).to_ascii_uppercase();
                if text.contains("<!ENTITY") || text.contains('[') {
                    return Err(XmlError(
                        "a DOCTYPE with an internal subset or entity declarations is refused"
                            .into(),
                    ));
                }
            }
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError(format!("more than {MAX_ELEMENTS} elements")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                if root.is_some() {
                    return Err(XmlError("content after the root element".into()));
                }
                let ns = match res {
                    ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
                    _ => String::new(),
                };
                let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let mut attrs = Vec::new();
                for a in start.attributes().with_checks(false) {
                    let a = a.map_err(|e| XmlError(format!("bad attribute in <{local}>: {e}")))?;
                    let (ans, key) = reader.resolve_attribute(a.key);
                    let ans = match ans {
                        ResolveResult::Bound(ns) => {
                            String::from_utf8_lossy(ns.as_ref()).into_owned()
                        }
                        _ => String::new(),
                    };
                    let key = String::from_utf8_lossy(key.as_ref()).into_owned();
                    let value = a
                        .unescape_value()
                        .map_err(|e| XmlError(format!("bad attribute value in <{local}>: {e}")))?
                        .into_owned();
                    attrs.push((ans, key, value));
                }
                stack.push(Element {
                    ns,
                    local,
                    attrs,
                    ..Default::default()
                });
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(XmlError("unbalanced end tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| {
                    XmlError(format!(
                        "malformed XML near byte {pos}: bad text content: {e}"
                    ))
                })?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(XmlError("text outside the root element".into())),
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError("document ends inside an element".into()));
    }
    root.ok_or_else(|| XmlError("empty document".into()))
}

/// Decode a fetched body as UTF-8 (a BOM is skipped); other encodings are refused by name.
pub fn decode(body: &[u8]) -> Result<&str, XmlError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    std::str::from_utf8(body).map_err(|e| {
        XmlError(format!(
            "the document is not UTF-8 (invalid byte at {}); declare and send UTF-8",
            e.valid_up_to()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_refused_and_never_expanded() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>"#;
        assert!(parse(bomb).unwrap_err().0.contains("DOCTYPE"));
        let external = r#"<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>"#;
        assert!(parse(external).is_err());
        // An undeclared entity reference is an error, not an expansion.
        assert!(parse("<a>&xxe;</a>").is_err());
        // A raw ampersand (the BMDC page) is malformed.
        assert!(parse("<a>Fish & chips</a>").is_err());
        let ok = parse("<a x='1&amp;2'>&lt;b&gt; &#233;</a>").unwrap();
        assert_eq!(ok.text, "<b> é");
        assert_eq!(ok.attr("x"), Some("1&2"));
    }

    #[test]
    fn namespaces_and_paths() {
        let e = parse(
            r#"<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco"><gmd:fileIdentifier><gco:CharacterString> abc </gco:CharacterString></gmd:fileIdentifier></gmd:MD_Metadata>"#,
        )
        .unwrap();
        assert_eq!(e.ns, "http://www.isotc211.org/2005/gmd");
        assert_eq!(
            e.path(&["fileIdentifier"]).and_then(|f| f.value()),
            Some("abc")
        );
    }
}
