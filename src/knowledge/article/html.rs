//! The text an HTML (or JSX) fragment shows.

use super::squash;

/// Elements whose content is not shown on the page.
const HIDDEN_ELEMENTS: &[&str] = &["head", "script", "style", "svg", "template", "noscript"];

/// The text an HTML (or JSX) fragment shows: comments, tags and the content
/// of hidden elements removed, entities decoded.
pub(super) fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut hidden: Option<String> = None;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if hidden.is_none() {
                out.push_str(rest);
            }
            break;
        };
        if hidden.is_none() {
            out.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let is_tag =
            rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !is_tag {
            if hidden.is_none() {
                out.push('<');
            }
            rest = &rest[1..];
            continue;
        }
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        let name = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with("</");
        let self_closing = tag.ends_with("/>");
        match &hidden {
            Some(h) if closing && *h == name => hidden = None,
            None if !closing && !self_closing && HIDDEN_ELEMENTS.contains(&name.as_str()) => {
                hidden = Some(name)
            }
            _ => {}
        }
        out.push(' ');
        rest = &rest[end..];
    }
    squash(&decode_entities(&out))
}

/// Decodes every named (HTML5) and numeric entity.
fn decode_entities(text: &str) -> String {
    html_escape::decode_html_entities(text).into_owned()
}
