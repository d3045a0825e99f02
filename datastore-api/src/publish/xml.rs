//! Small XML helpers for the publication formats: a namespace-resolving element tree read with
//! quick-xml that never expands entities (a DOCTYPE is refused outright), and a writer that
//! escapes everything it is given.

use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Deepest element nesting accepted in a request document.
const MAX_DEPTH: usize = 64;
/// Most elements accepted in a request document.
const MAX_ELEMENTS: usize = 10_000;

/// An element with its namespace URI resolved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub ns: String,
    pub local: String,
    /// Attributes by local name (namespace dropped: the request vocabularies never need it),
    /// values unescaped.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Concatenated text content directly inside this element, unescaped.
    pub text: String,
}

impl Element {
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(local))
            .map(|(_, v)| v.as_str())
    }

    /// First child with this local name (any namespace).
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.local == local)
    }

    pub fn children_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.local == local)
    }

    /// Trimmed text of this element.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlError(pub String);

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parse a request document into its root element. Entity declarations are refused (no DOCTYPE
/// at all); only the five predefined entities and character references are decoded.
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
            Event::DocType(_) => {
                return Err(XmlError(
                    "DOCTYPE declarations are not accepted (no DTDs, no entities)".into(),
                ))
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
                    ResolveResult::Unbound => String::new(),
                    ResolveResult::Unknown(p) => {
                        return Err(XmlError(format!(
                            "undeclared namespace prefix `{}`",
                            String::from_utf8_lossy(&p)
                        )))
                    }
                };
                let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let mut attrs = Vec::new();
                for a in start.attributes() {
                    let a = a.map_err(|e| XmlError(format!("bad attribute in <{local}>: {e}")))?;
                    let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                    let value = a
                        .unescape_value()
                        .map_err(|e| XmlError(format!("bad attribute value in <{local}>: {e}")))?
                        .into_owned();
                    attrs.push((key, value));
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
                let s = t
                    .unescape()
                    .map_err(|e| XmlError(format!("bad text content: {e}")))?;
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

/// Escape text or an attribute value.
pub fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// A tiny indenting-free XML writer into a `String`.
#[derive(Default)]
pub struct XmlOut {
    pub buf: String,
    open: Vec<&'static str>,
}

impl XmlOut {
    pub fn new() -> Self {
        let mut o = XmlOut::default();
        o.buf
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        o
    }

    /// `<name a="v"...>`; attribute values are escaped.
    pub fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.buf.push('>');
        self.open.push(name);
        self
    }

    /// `<name a="v".../>`
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.buf.push_str("/>");
        self
    }

    /// `<name a="v"...>text</name>`
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start_tag(name, attrs);
        self.buf.push('>');
        self.buf.push_str(&esc(text));
        let _ = write!(self.buf, "</{name}>");
        self
    }

    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            let _ = write!(self.buf, "</{name}>");
        }
        self
    }

    /// Raw, already well-formed XML.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.buf.push_str(xml);
        self
    }

    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.buf
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            let _ = write!(self.buf, " {k}=\"{}\"", esc(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_and_text() {
        let el = parse(
            r#"<?xml version="1.0"?><a:x xmlns:a="urn:a" k="1 &amp; 2"><b xmlns="urn:b">t &lt; u<![CDATA[<v>]]></b><c/></a:x>"#,
        )
        .unwrap();
        assert_eq!(el.ns, "urn:a");
        assert_eq!(el.local, "x");
        assert_eq!(el.attr("k"), Some("1 & 2"));
        let b = el.child("b").unwrap();
        assert_eq!(b.ns, "urn:b");
        assert_eq!(b.text, "t < u<v>");
        assert!(el.child("c").is_some());
    }

    #[test]
    fn refuses_doctype_and_entities() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        assert!(parse(bomb).unwrap_err().0.contains("DOCTYPE"));
        let ext = r#"<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>"#;
        assert!(parse(ext).is_err());
        // An undeclared entity without a DOCTYPE is an error too, never expanded.
        assert!(parse("<x>&xxe;</x>").is_err());
    }

    #[test]
    fn refuses_malformed_documents() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<p:a/>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).unwrap_err().0.contains("deeper"));
    }

    #[test]
    fn writer_escapes() {
        let mut o = XmlOut::new();
        o.open("r", &[("a", "\"<&>")])
            .leaf("t", &[], "x & y")
            .empty("e", &[]);
        let s = o.finish();
        assert!(s.ends_with("<r a=\"&quot;&lt;&amp;&gt;\"><t>x &amp; y</t><e/></r>"));
        parse(&s).unwrap();
    }
}
