//! Probes: the steps that touch the network, one module per protocol step.

pub mod auth;
pub mod dns;
pub mod endpoint;
pub mod os_error;
pub mod send;
pub mod smtp;
pub mod tcp;
pub mod tls;
pub mod wire;
