//! macOS: an application firewall that users install to stop programs from connecting (Little
//! Snitch, LuLu), recognised by its application bundle. pf needs root and is not read.

use super::Rules;
use crate::model::{
    ProductKind, ProductState, SecurityObservation, SecurityProduct, SecuritySource,
};
use std::time::Duration;

const BUNDLES: [(&str, &str); 2] = [
    ("/Applications/Little Snitch.app", "Little Snitch"),
    ("/Applications/LuLu.app", "LuLu"),
];

pub(super) fn read(_limit: Duration, obs: &mut SecurityObservation) -> Rules {
    for (path, name) in BUNDLES {
        if std::path::Path::new(path).exists() {
            // Installed; whether its rules stop this program is not readable without it.
            obs.products.push(SecurityProduct {
                name: name.into(),
                kind: ProductKind::Firewall,
                state: ProductState::Unknown,
                signatures_up_to_date: None,
                source: SecuritySource::MacosApplications,
            });
        }
    }
    obs.read.push(SecuritySource::MacosApplications);
    Rules::None
}
