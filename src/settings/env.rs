//! The process environment: the highest layer after the command line.

use super::{Layers, Origin};
use std::collections::BTreeMap;

/// Adds every variable of the (injected) process environment to `layers`.
pub(super) fn read_process_env(env: &BTreeMap<String, String>, layers: &mut Layers) {
    for (k, v) in env {
        layers.add(k, v.clone(), Origin::Env { var: k.clone() });
    }
}
