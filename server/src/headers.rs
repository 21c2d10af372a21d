//! The security headers on every answer.
//!
//! The console is one same-origin page: its scripts, styles, fonts and API
//! calls come from this server, and only the map tiles come from elsewhere
//! (the `--tiles` source, if any), so the Content-Security-Policy allows
//! exactly that. No page of another site may frame it, no answer is sniffed
//! into another type, and no address leaks in the Referer. HSTS is sent
//! only when configured (`hsts_max_age_secs`), since it is only right behind
//! HTTPS. There are no CORS headers: a page of another origin cannot read
//! any answer.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;

use crate::config::Settings;

/// The headers added to every answer, computed once from the settings.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    pub fn new(settings: &Settings) -> Self {
        let mut headers = vec![
            (
                HeaderName::from_static("content-security-policy"),
                HeaderValue::from_str(&content_security_policy(settings.tiles.as_deref()))
                    .expect("the policy is ASCII"),
            ),
            (
                HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ),
            (
                HeaderName::from_static("x-frame-options"),
                HeaderValue::from_static("DENY"),
            ),
            (
                HeaderName::from_static("referrer-policy"),
                HeaderValue::from_static("no-referrer"),
            ),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ),
            (
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
            ),
        ];
        if let Some(secs) = settings.hsts_max_age_secs.filter(|s| *s > 0) {
            headers.push((
                HeaderName::from_static("strict-transport-security"),
                HeaderValue::from_str(&format!("max-age={secs}")).expect("digits"),
            ));
        }
        Self { headers }
    }

    pub fn apply(&self, mut resp: Response) -> Response {
        let h: &mut HeaderMap = resp.headers_mut();
        for (k, v) in &self.headers {
            h.insert(k.clone(), v.clone());
        }
        resp
    }
}

/// The origin a Leaflet tile template loads from, as a CSP source:
/// `https://t{s}.tianditu.gov.cn/…` → `https://*.tianditu.gov.cn`.
/// `None` when the template names no http(s) host.
pub fn tile_source(template: &str) -> Option<String> {
    let (scheme, rest) = template.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() {
        return None;
    }
    let host = match host.split_once('.') {
        Some((first, domain)) if first.contains('{') => format!("*.{domain}"),
        _ => host.to_owned(),
    };
    // Nothing that could end the directive or smuggle another source in.
    if host
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*')))
    {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

/// The console's policy: everything from this origin, photos as `blob:` and
/// `data:` images, inline `style` attributes (Element Plus and Leaflet set
/// them), and the tile source's images.
pub fn content_security_policy(tiles: Option<&str>) -> String {
    let tiles = tiles
        .and_then(tile_source)
        .map(|s| format!(" {s}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{tiles}; font-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_sources() {
        assert_eq!(
            tile_source("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&X={x}").as_deref(),
            Some("https://*.tianditu.gov.cn")
        );
        assert_eq!(
            tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://tile.openstreetmap.org")
        );
        assert_eq!(
            tile_source("http://10.0.0.5:8081/{z}/{x}/{y}.png").as_deref(),
            Some("http://10.0.0.5:8081")
        );
        assert_eq!(tile_source("javascript:alert(1)"), None);
        assert_eq!(tile_source("https://a.b; script-src *"), None);
        assert!(!content_security_policy(None).contains("tianditu"));
    }
}
