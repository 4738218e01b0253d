//! Markdown as written in the app (stories), rendered to safe HTML: no raw HTML passes (it is
//! shown as the text it is), links go only to http(s), mail and the site's own pages, and images
//! are never fetched from elsewhere (a story's pictures are its own uploads, checked by content
//! and stripped of EXIF; an image written in the text shows as its description). Headings are
//! kept below the page's own title.

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html};

/// Whether a link target is allowed: http(s), mailto, or a path of this site.
fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("https://") || u.starts_with("http://") || u.starts_with("mailto:") || (u.starts_with('/') && !u.starts_with("//")) || u.starts_with('#')
}

/// Renders Markdown to HTML that can be put into a page as it is.
pub fn render(src: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(src, opts).filter_map(|ev| match ev {
        // Raw HTML is shown as text, never interpreted.
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        // An image's description stays; the image is not fetched.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let ok = link_type == LinkType::Email || safe_url(&dest_url);
            unsafe_links.push(!ok);
            ok.then_some(Event::Start(Tag::Link { link_type, dest_url, title, id }))
        }
        Event::End(TagEnd::Link) => {
            let dropped = unsafe_links.pop().unwrap_or(false);
            (!dropped).then_some(Event::End(TagEnd::Link))
        }
        // The page's title is the only h1: headings start at h2.
        Event::Start(Tag::Heading { level: HeadingLevel::H1, id, classes, attrs }) => Some(Event::Start(Tag::Heading { level: HeadingLevel::H2, id, classes, attrs })),
        Event::End(TagEnd::Heading(HeadingLevel::H1)) => Some(Event::End(TagEnd::Heading(HeadingLevel::H2))),
        e => Some(e),
    });
    let mut out = String::with_capacity(src.len() * 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_scripts_never_pass() {
        let h = render("<script>alert(1)</script>\n\n你好<img src=x onerror=alert(1)>");
        assert!(!h.contains("<script") && !h.contains("<img"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "shown as text: {h}");
    }

    #[test]
    fn only_safe_links_and_no_foreign_images() {
        let h = render("[官网](https://www.csust.edu.cn) [坏](javascript:alert(1)) [站内](/stories) ![追踪](https://evil.example/p.gif)");
        assert!(h.contains(r#"<a href="https://www.csust.edu.cn">官网</a>"#), "{h}");
        assert!(!h.contains("javascript"), "{h}");
        assert!(h.contains(">坏") || h.contains("坏"), "the text stays: {h}");
        assert!(h.contains(r#"<a href="/stories">站内</a>"#), "{h}");
        assert!(!h.contains("<img") && !h.contains("evil.example") && h.contains("追踪"), "{h}");
    }

    #[test]
    fn headings_start_below_the_title_and_lists_render() {
        let h = render("# 一\n\n- 甲\n- 乙\n\n**重点**");
        assert!(h.contains("<h2>一</h2>") && h.contains("<li>甲</li>") && h.contains("<strong>重点</strong>"), "{h}");
    }
}
