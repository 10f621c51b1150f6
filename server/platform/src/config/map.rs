//! Where maps get their background. Muster bundles the map library (Leaflet) but no
//! map data: tiles come from a server the operator chooses (their own, or a provider
//! whose terms they accept), so none is assumed and machines without internet still
//! show pins on a plain background.

use super::{parsed, ConfigError, Source};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapConfig {
    /// A tile URL template such as `https://tile.example.org/{z}/{x}/{y}.png`; unset:
    /// maps show their pins without a background.
    pub tile_url: Option<String>,
    /// Shown in the corner of every map, as tile providers require.
    pub attribution: String,
    pub max_zoom: u8,
}

impl MapConfig {
    pub(super) fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        // MUSTER_MAP_TILES_URL is the documented name; the first releases read
        // MUSTER_MAP_TILE_URL, which still works.
        let tile_url = src
            .get("MUSTER_MAP_TILES_URL")
            .or_else(|| src.get("MUSTER_MAP_TILE_URL"))
            .map(|raw| raw.trim().to_owned())
            .map(|raw| checked_template(&raw).map(|()| raw))
            .transpose()?;
        let max_zoom: u8 = parsed(src, "MUSTER_MAP_MAX_ZOOM", 19)?;
        if !(1..=22).contains(&max_zoom) {
            return Err(ConfigError::Invalid {
                name: "MUSTER_MAP_MAX_ZOOM",
                reason: "must be between 1 and 22".into(),
            });
        }
        Ok(Self {
            tile_url,
            attribution: src.get("MUSTER_MAP_ATTRIBUTION").unwrap_or_default(),
            max_zoom,
        })
    }

    /// The origin pages must be allowed to load images from (Content-Security-Policy),
    /// when tiles come from another server.
    pub fn tile_origin(&self) -> Option<String> {
        let url = url::Url::parse(self.tile_url.as_deref()?).ok()?;
        Some(url.origin().ascii_serialization())
    }
}

fn checked_template(raw: &str) -> Result<(), ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        name: "MUSTER_MAP_TILES_URL",
        reason: reason.to_owned(),
    };
    if !["{z}", "{x}", "{y}"].iter().all(|part| raw.contains(part)) {
        return Err(invalid(
            "must contain {z}, {x} and {y}, e.g. https://tile.example.org/{z}/{x}/{y}.png",
        ));
    }
    if raw.starts_with('/') {
        return Ok(()); // served by this site
    }
    match url::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host().is_some() => Ok(()),
        _ => Err(invalid(
            "must be an http(s):// address or a path on this site",
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<MapConfig, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        MapConfig::from_source(&env)
    }

    #[test]
    fn no_tiles_unless_configured() {
        let config = from(&[]).expect("defaults");
        assert_eq!(config.tile_url, None);
        assert_eq!(config.tile_origin(), None);
        assert_eq!(config.max_zoom, 19);
    }

    #[test]
    fn a_template_must_name_the_tile_and_be_a_web_address() {
        let config = from(&[(
            "MUSTER_MAP_TILES_URL",
            "https://tiles.example.org:8443/osm/{z}/{x}/{y}.png",
        )])
        .expect("valid");
        assert_eq!(
            config.tile_origin().as_deref(),
            Some("https://tiles.example.org:8443")
        );
        // The first releases' name still works.
        let local = from(&[("MUSTER_MAP_TILE_URL", "/tiles/{z}/{x}/{y}.png")]).expect("own site");
        assert_eq!(local.tile_origin(), None, "this site is already allowed");
        for bad in [
            "https://tiles.example.org/{z}/{x}.png",
            "ftp://tiles/{z}/{x}/{y}",
            "tiles/{z}/{x}/{y}",
        ] {
            let error = from(&[("MUSTER_MAP_TILES_URL", bad)])
                .expect_err(bad)
                .to_string();
            assert!(error.contains("MUSTER_MAP_TILES_URL"), "{error}");
        }
        assert!(from(&[("MUSTER_MAP_MAX_ZOOM", "30")]).is_err());
    }
}
