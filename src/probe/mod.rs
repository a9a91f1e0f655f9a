//! Probes: the steps that touch the network, one module per protocol step.

pub(crate) mod app_client;
pub(crate) mod app_failure;
pub(crate) mod auth;
pub(crate) mod command;
pub(crate) mod dns;
pub(crate) mod domain;
pub(crate) mod endpoint;
pub(crate) mod environment;
pub(crate) mod os_error;
pub(crate) mod security;
pub(crate) mod send;
pub(crate) mod smtp;
pub(crate) mod tcp;
pub(crate) mod tls;
pub(crate) mod wire;
