//! MapLibre styles (`/styles/urbis-fr.json`, `/styles/urbis-nl.json`), the label glyphs they
//! use (`/fonts/{fontstack}/{range}.pbf`) and the map page (`/map`).
//!
//! The styles draw the `urbis` composite tileset (`<base>/tiles/urbis.json`): municipalities,
//! parcels (z15+), buildings (z13+), streets with names along the lines, house numbers (z16+)
//! and municipality labels, labelled in French or Dutch with the other language as fallback.
//!
//! Nothing comes from the internet: MapLibre GL JS and the glyphs are installed by
//! `npm ci --prefix web` into `web_dir` (`web/node_modules`): MapLibre from its npm package, and
//! the glyph ranges built from the Noto Sans fonts of `@fontsource/noto-sans` by
//! `web/scripts/build-glyphs.mjs` (postinstall) into `<web_dir>/.glyphs/<font>/<range>.pbf`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use urbis_core::http::{base_url, clip, Problem};

/// What the style and map routes need from the server.
#[derive(Debug, Clone)]
pub struct StyleOptions {
    /// Public base URL without a trailing slash (`None`: derived from the request's `Host`).
    pub public_url: Option<String>,
    /// Directory holding the npm-installed web assets (`web/node_modules`), from which the map
    /// page serves MapLibre GL JS.
    pub web_dir: PathBuf,
}

/// The documented step that installs the web assets.
pub const INSTALL_STEP: &str = "npm ci --prefix web";

/// Fonts the styles use; `build-glyphs.mjs` builds exactly these.
pub const FONT_REGULAR: &str = "Noto Sans Regular";
pub const FONT_BOLD: &str = "Noto Sans Bold";

/// Sub-directory of `web_dir` holding the glyph ranges.
const GLYPHS_DIR: &str = ".glyphs";
/// MapLibre GL JS distribution inside `web_dir`.
const MAPLIBRE_DIST: &str = "maplibre-gl/dist";
/// Largest web asset served (maplibre-gl.js is about 0.8 MB, a glyph range at most ~0.2 MB).
const MAX_ASSET_BYTES: u64 = 16 << 20;
/// Longest font stack accepted in a glyph URL.
const MAX_FONTSTACK_LEN: usize = 256;

const MAP_HTML: &str = include_str!("../assets/map.html");
const MAP_JS: &str = include_str!("../assets/urbis-map.js");

/// Label language of a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    Nl,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::Nl];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::Nl => "nl",
        }
    }

    fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::Nl,
            Lang::Nl => Lang::Fr,
        }
    }

    /// `coalesce` of the attribute `<prefix>_<lang>` and the other language's.
    fn label(self, prefix: &str) -> Value {
        json!([
            "coalesce",
            ["get", format!("{prefix}_{}", self.code())],
            ["get", format!("{prefix}_{}", self.other().code())]
        ])
    }
}

/// Routes of the styles, the glyphs and the map page.
pub fn router<S>(opts: StyleOptions) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/styles/{style}", get(style_handler))
        .route("/fonts/{fontstack}/{range}", get(glyphs_handler))
        .route("/map", get(map_page))
        .route("/map/{asset}", get(map_asset))
        .with_state(Arc::new(opts))
}

/// The MapLibre style (spec v8) of the `urbis` base map with labels in `lang`; URLs start with
/// `base` (no trailing slash).
pub fn style(lang: Lang, base: &str) -> Value {
    let name = lang.label("name");
    let regular = json!([FONT_REGULAR]);
    let bold = json!([FONT_BOLD]);
    // Symbol layers later in the list are placed first: municipality names, then street names,
    // then house numbers where room is left.
    let major = json!([
        "match",
        ["get", "type"],
        [
            "motorway",
            "trunk",
            "primary",
            "motorway_link",
            "trunk_link",
            "primary_link"
        ],
        true,
        false
    ]);
    let medium = json!([
        "match",
        ["get", "type"],
        ["secondary", "tertiary", "secondary_link", "tertiary_link"],
        true,
        false
    ]);
    let paths = json!([
        "match",
        ["get", "type"],
        [
            "footway",
            "path",
            "steps",
            "pedestrian",
            "cycleway",
            "track"
        ],
        true,
        false
    ]);
    // Street widths in pixels by zoom (exponential) and class: [major, medium, other] at z10,
    // z14 and z18 (a style expression may hold one zoom interpolation, at its top).
    let width = |z10: [f64; 3], z14: [f64; 3], z18: [f64; 3]| {
        let by_class = |w: [f64; 3]| json!(["case", major, w[0], medium, w[1], w[2]]);
        json!([
            "interpolate",
            ["exponential", 1.6],
            ["zoom"],
            10,
            by_class(z10),
            14,
            by_class(z14),
            18,
            by_class(z18)
        ])
    };
    json!({
        "version": 8,
        "name": format!("UrbIS ({})", lang.code().to_uppercase()),
        "metadata": {"urbis:language": lang.code()},
        "center": [4.3525, 50.8466],
        "zoom": 12,
        "sources": {
            "urbis": {"type": "vector", "url": format!("{base}/tiles/urbis.json")}
        },
        "glyphs": format!("{base}/fonts/{{fontstack}}/{{range}}.pbf"),
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#f4f1ea"}},
            {
                "id": "municipalities-fill", "type": "fill", "source": "urbis",
                "source-layer": "municipalities",
                "paint": {"fill-color": "#ece8df", "fill-opacity": 0.6}
            },
            {
                "id": "parcels-outline", "type": "line", "source": "urbis", "source-layer": "parcels",
                "minzoom": 15,
                "paint": {"line-color": "#c9bfae", "line-width": ["interpolate", ["linear"], ["zoom"], 15, 0.4, 18, 1.0]}
            },
            {
                "id": "buildings-fill", "type": "fill", "source": "urbis", "source-layer": "buildings",
                "minzoom": 13,
                "paint": {
                    "fill-color": ["match", ["get", "type"],
                        ["church", "cathedral", "chapel", "city_hall", "civic", "public", "school",
                         "college", "station", "hall"], "#cdbfb0", "#d9d0c7"],
                    "fill-outline-color": "#bcae9f",
                    "fill-opacity": ["interpolate", ["linear"], ["zoom"], 13, 0.5, 15, 1.0]
                }
            },
            {
                "id": "streets-path", "type": "line", "source": "urbis", "source-layer": "streets",
                "minzoom": 14, "filter": paths,
                "layout": {"line-cap": "round", "line-join": "round"},
                "paint": {"line-color": "#ffffff", "line-dasharray": [2, 1],
                          "line-width": ["interpolate", ["linear"], ["zoom"], 14, 0.8, 18, 2.5]}
            },
            {
                "id": "streets-casing", "type": "line", "source": "urbis", "source-layer": "streets",
                "filter": ["!", paths.clone()],
                "layout": {"line-cap": "round", "line-join": "round"},
                "paint": {
                    "line-color": "#b9ad9c",
                    "line-width": width([1.6, 1.0, 0.5], [6.5, 5.0, 3.0], [30.0, 24.0, 18.0])
                }
            },
            {
                "id": "streets", "type": "line", "source": "urbis", "source-layer": "streets",
                "filter": ["!", paths],
                "layout": {"line-cap": "round", "line-join": "round"},
                "paint": {
                    "line-color": ["case", major, "#f6cf86", medium, "#fbeebb", "#ffffff"],
                    "line-width": width([1.0, 0.6, 0.2], [5.0, 3.6, 2.0], [27.0, 21.0, 15.5])
                }
            },
            {
                "id": "municipalities-border", "type": "line", "source": "urbis",
                "source-layer": "municipalities",
                "layout": {"line-join": "round"},
                "paint": {
                    "line-color": "#8d7ba6",
                    "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.8, 16, 2.5],
                    "line-dasharray": [3, 2]
                }
            },
            {
                "id": "housenumbers", "type": "symbol", "source": "urbis", "source-layer": "addresses",
                "minzoom": 16,
                "layout": {
                    "text-field": ["get", "housenumber"],
                    "text-font": regular,
                    "text-size": 10,
                    "text-padding": 1
                },
                "paint": {"text-color": "#7a6a58", "text-halo-color": "#f4f1ea", "text-halo-width": 1}
            },
            {
                "id": "streets-label", "type": "symbol", "source": "urbis", "source-layer": "streets",
                "minzoom": 14,
                "layout": {
                    "symbol-placement": "line",
                    "text-field": name.clone(),
                    "text-font": regular.clone(),
                    "text-size": ["interpolate", ["linear"], ["zoom"], 14, 10, 18, 14],
                    "text-max-angle": 30,
                    "text-padding": 2
                },
                "paint": {"text-color": "#4a4237", "text-halo-color": "#ffffff", "text-halo-width": 1.2}
            },
            {
                "id": "municipalities-label", "type": "symbol", "source": "urbis",
                "source-layer": "municipalities",
                "maxzoom": 15,
                "layout": {
                    "text-field": name,
                    "text-font": bold,
                    "text-size": ["interpolate", ["linear"], ["zoom"], 10, 11, 14, 16],
                    "text-transform": "uppercase",
                    "text-letter-spacing": 0.08,
                    "text-max-width": 8,
                    "symbol-avoid-edges": true
                },
                "paint": {"text-color": "#5b4a73", "text-halo-color": "#ffffff", "text-halo-width": 1.5}
            }
        ]
    })
}

/// The style's language from its file name (`urbis-fr.json`), if it is one of ours.
fn style_lang(file: &str) -> Option<Lang> {
    let stem = file.strip_suffix(".json")?.strip_prefix("urbis-")?;
    Lang::ALL.into_iter().find(|l| l.code() == stem)
}

async fn style_handler(
    State(opts): State<Arc<StyleOptions>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = style_lang(&file) else {
        return Problem::not_found(format!(
            "no style `{}`; the styles are urbis-fr.json and urbis-nl.json",
            clip(&file)
        ))
        .into_response();
    };
    let base = base_url(&headers, opts.public_url.as_deref());
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        style(lang, &base).to_string(),
    )
        .into_response()
}

/// The first code point of a glyph range `<start>-<end>.pbf` (start a multiple of 256, end =
/// start + 255, at most 65535).
fn parse_range(range: &str) -> Result<u32, Problem> {
    let bad = || {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!(
                "glyph range `{}` is not `<start>-<end>.pbf` with start a multiple of 256 and end = start + 255 ≤ 65535",
                clip(range)
            ),
        )
    };
    let (start, end) = range
        .strip_suffix(".pbf")
        .and_then(|r| r.split_once('-'))
        .ok_or_else(bad)?;
    let start: u32 = start.parse().map_err(|_| bad())?;
    let end: u32 = end.parse().map_err(|_| bad())?;
    if !start.is_multiple_of(256) || end != start + 255 || end > 65535 {
        return Err(bad());
    }
    Ok(start)
}

/// The installed font serving a font stack (`Font A,Font B`): the first one installed, else the
/// closest installed face (bold for a bold stack, else regular), as tile servers usually do for
/// third-party styles naming fonts they lack.
fn resolve_font(glyphs: &Path, fontstack: &str) -> Result<String, Problem> {
    if fontstack.len() > MAX_FONTSTACK_LEN {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("font stack longer than {MAX_FONTSTACK_LEN} bytes"),
        ));
    }
    let fonts: Vec<&str> = fontstack.split(',').map(str::trim).collect();
    for font in &fonts {
        let safe = !font.is_empty()
            && !font.starts_with('.')
            && font
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'));
        if !safe {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                format!("invalid font name `{}` in the font stack", clip(font)),
            ));
        }
    }
    if !glyphs.is_dir() {
        return Err(not_installed(&format!(
            "the label glyphs are not built ({} is missing)",
            glyphs.display()
        )));
    }
    if let Some(font) = fonts.iter().find(|f| glyphs.join(f).is_dir()) {
        return Ok(font.to_string());
    }
    let fallback = if fonts
        .iter()
        .any(|f| f.to_ascii_lowercase().contains("bold"))
    {
        FONT_BOLD
    } else {
        FONT_REGULAR
    };
    if glyphs.join(fallback).is_dir() {
        Ok(fallback.to_string())
    } else {
        Err(Problem::not_found(format!(
            "no glyphs for the font stack `{}`",
            clip(fontstack)
        )))
    }
}

fn not_installed(what: &str) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "{what}: the map's web assets are not installed; run `{INSTALL_STEP}` in the repository root, or point `[tiles] web_dir` at a directory where it was run (its node_modules)"
        ),
    )
}

/// Read a file of the web assets, refusing files larger than [`MAX_ASSET_BYTES`].
async fn read_asset(path: &Path) -> Result<Vec<u8>, Problem> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|_| Problem::not_found(format!("{} is missing", path.display())))?;
    if meta.len() > MAX_ASSET_BYTES {
        return Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{} is larger than {MAX_ASSET_BYTES} bytes", path.display()),
        ));
    }
    tokio::fs::read(path).await.map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {}: {e}", path.display()),
        )
    })
}

async fn glyphs_handler(
    State(opts): State<Arc<StyleOptions>>,
    UrlPath((fontstack, range)): UrlPath<(String, String)>,
) -> Response {
    let result = async {
        let start = parse_range(&range)?;
        let glyphs = opts.web_dir.join(GLYPHS_DIR);
        let font = resolve_font(&glyphs, &fontstack)?;
        read_asset(
            &glyphs
                .join(font)
                .join(format!("{start}-{}.pbf", start + 255)),
        )
        .await
    }
    .await;
    match result {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/x-protobuf"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            body,
        )
            .into_response(),
        Err(p) => p.into_response(),
    }
}

/// Is MapLibre GL JS installed in `web_dir`?
fn maplibre_installed(web_dir: &Path) -> bool {
    web_dir.join(MAPLIBRE_DIST).join("maplibre-gl.js").is_file()
}

/// Escape text for an HTML attribute or text node.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The map page for the base URL `base`.
pub fn map_html(base: &str) -> String {
    MAP_HTML.replace("{{BASE}}", &html_escape(base))
}

async fn map_page(State(opts): State<Arc<StyleOptions>>, headers: HeaderMap) -> Response {
    if !maplibre_installed(&opts.web_dir) {
        return not_installed(&format!(
            "MapLibre GL JS is not installed in {}",
            opts.web_dir.display()
        ))
        .into_response();
    }
    let base = base_url(&headers, opts.public_url.as_deref());
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        map_html(&base),
    )
        .into_response()
}

async fn map_asset(
    State(opts): State<Arc<StyleOptions>>,
    UrlPath(asset): UrlPath<String>,
) -> Response {
    let (file, content_type) = match asset.as_str() {
        "urbis-map.js" => {
            return (
                [
                    (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                MAP_JS,
            )
                .into_response();
        }
        "maplibre-gl.js" => ("maplibre-gl.js", "text/javascript; charset=utf-8"),
        "maplibre-gl.js.map" => ("maplibre-gl.js.map", "application/json"),
        "maplibre-gl.css" => ("maplibre-gl.css", "text/css; charset=utf-8"),
        _ => {
            return Problem::not_found(format!(
                "no map asset `{}`; the page uses urbis-map.js, maplibre-gl.js and maplibre-gl.css",
                clip(&asset)
            ))
            .into_response()
        }
    };
    if !maplibre_installed(&opts.web_dir) {
        return not_installed(&format!(
            "MapLibre GL JS is not installed in {}",
            opts.web_dir.display()
        ))
        .into_response();
    }
    match read_asset(&opts.web_dir.join(MAPLIBRE_DIST).join(file)).await {
        Ok(body) => {
            let mut resp = body.into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            resp
        }
        Err(p) => p.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn layers(style: &Value) -> &Vec<Value> {
        style["layers"].as_array().expect("layers")
    }

    #[test]
    fn styles_name_the_source_glyphs_and_languages() {
        for lang in Lang::ALL {
            let s = style(lang, "http://example.test/urbis");
            assert_eq!(s["version"], 8);
            assert_eq!(
                s["sources"]["urbis"]["url"],
                "http://example.test/urbis/tiles/urbis.json"
            );
            assert_eq!(
                s["glyphs"],
                "http://example.test/urbis/fonts/{fontstack}/{range}.pbf"
            );
            let ids: HashSet<&str> = layers(&s)
                .iter()
                .map(|l| l["id"].as_str().expect("id"))
                .collect();
            assert_eq!(ids.len(), layers(&s).len(), "layer ids are unique");
            let code = lang.code();
            let other = lang.other().code();
            let street_label = layers(&s)
                .iter()
                .find(|l| l["id"] == "streets-label")
                .expect("street labels");
            assert_eq!(street_label["layout"]["symbol-placement"], "line");
            assert_eq!(
                street_label["layout"]["text-field"],
                json!([
                    "coalesce",
                    ["get", format!("name_{code}")],
                    ["get", format!("name_{other}")]
                ])
            );
            for l in layers(&s) {
                if l["type"] == "symbol" {
                    let font = &l["layout"]["text-font"][0];
                    assert!(
                        *font == FONT_REGULAR || *font == FONT_BOLD,
                        "{}: every symbol layer names an installed font",
                        l["id"]
                    );
                }
                if l["type"] != "background" {
                    assert_eq!(l["source"], "urbis", "{}", l["id"]);
                    let sl = l["source-layer"].as_str().expect("source-layer");
                    assert!(
                        [
                            "addresses",
                            "buildings",
                            "parcels",
                            "streets",
                            "municipalities"
                        ]
                        .contains(&sl),
                        "{sl}"
                    );
                }
            }
            let min =
                |id: &str| layers(&s).iter().find(|l| l["id"] == id).expect(id)["minzoom"].as_u64();
            assert_eq!(min("buildings-fill"), Some(13));
            assert_eq!(min("parcels-outline"), Some(15));
            assert_eq!(min("housenumbers"), Some(16));
        }
    }

    #[test]
    fn style_file_names() {
        assert_eq!(style_lang("urbis-fr.json"), Some(Lang::Fr));
        assert_eq!(style_lang("urbis-nl.json"), Some(Lang::Nl));
        assert_eq!(style_lang("urbis-de.json"), None);
        assert_eq!(style_lang("urbis-fr"), None);
    }

    #[test]
    fn glyph_ranges() {
        assert_eq!(parse_range("0-255.pbf").ok(), Some(0));
        assert_eq!(parse_range("65280-65535.pbf").ok(), Some(65280));
        for bad in [
            "0-256.pbf",
            "1-256.pbf",
            "65536-65791.pbf",
            "0-255",
            "a-b.pbf",
            "-255.pbf",
        ] {
            let p = parse_range(bad).expect_err(bad);
            assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    #[test]
    fn font_stacks_resolve_to_installed_fonts() {
        let dir = std::env::temp_dir().join(format!("urbis-glyphs-test-{}", std::process::id()));
        let glyphs = dir.join(GLYPHS_DIR);
        // Not built yet: 503 naming the install step.
        let p = resolve_font(&glyphs, FONT_REGULAR).expect_err("missing");
        assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(p.detail.contains(INSTALL_STEP), "{}", p.detail);
        for f in [FONT_REGULAR, FONT_BOLD] {
            std::fs::create_dir_all(glyphs.join(f)).expect("mkdir");
        }
        assert_eq!(
            resolve_font(&glyphs, FONT_BOLD).ok().as_deref(),
            Some(FONT_BOLD)
        );
        assert_eq!(
            resolve_font(&glyphs, "Open Sans Regular,Noto Sans Bold")
                .ok()
                .as_deref(),
            Some(FONT_BOLD)
        );
        assert_eq!(
            resolve_font(&glyphs, "Open Sans Bold,Arial Unicode MS Bold")
                .ok()
                .as_deref(),
            Some(FONT_BOLD)
        );
        assert_eq!(
            resolve_font(&glyphs, "Open Sans Regular").ok().as_deref(),
            Some(FONT_REGULAR)
        );
        for bad in ["../etc", "Noto Sans/Regular", ".hidden", ""] {
            let p = resolve_font(&glyphs, bad).expect_err(bad);
            assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn map_page_without_maplibre_is_503() {
        let opts = Arc::new(StyleOptions {
            public_url: None,
            web_dir: PathBuf::from("/nonexistent/urbis/web/node_modules"),
        });
        let resp = map_page(State(opts.clone()), HeaderMap::new()).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let resp = map_asset(State(opts), UrlPath("maplibre-gl.js".into())).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn map_page_uses_the_base_url() {
        let html = map_html("https://maps.example.test/urbis");
        assert!(html.contains("https://maps.example.test/urbis/map/maplibre-gl.js"));
        assert!(!html.contains("{{BASE}}"));
        assert_eq!(html_escape("\"<a>&'"), "&quot;&lt;a&gt;&amp;&#39;");
    }
}
