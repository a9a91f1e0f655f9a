//! Where smtp-doctor runs, from local facts only (firmware vendor strings, the kernel's name,
//! container markers): never a metadata endpoint or any other network call.

use serde::{Deserialize, Serialize};

/// A cloud or hosting provider, recognised by its virtual machines' firmware strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hosting {
    /// Amazon EC2.
    AwsEc2,
    /// Google Compute Engine.
    GoogleCloud,
    /// Microsoft Azure.
    Azure,
    /// DigitalOcean Droplets.
    DigitalOcean,
    /// Hetzner Cloud.
    Hetzner,
    /// Akamai (Linode).
    Linode,
    /// Vultr.
    Vultr,
    /// Oracle Cloud Infrastructure.
    OracleCloud,
    /// Alibaba Cloud ECS.
    AlibabaCloud,
}

/// A container runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// Docker (`/.dockerenv`, a docker cgroup).
    Docker,
    /// Podman (`/run/.containerenv`).
    Podman,
    /// A Kubernetes pod.
    Kubernetes,
    /// LXC / LXD.
    Lxc,
}

/// What is known about the machine that probed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// The cloud or hosting provider, when the firmware names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosting: Option<Hosting>,
    /// Windows Subsystem for Linux.
    #[serde(default)]
    pub wsl: bool,
    /// Inside a container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// The facts read (`/sys/class/dmi/id/sys_vendor: Amazon EC2`), escaped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl Environment {
    /// Nothing recognised.
    pub fn is_plain(&self) -> bool {
        self.hosting.is_none() && !self.wsl && self.container.is_none()
    }
}

/// The control connection: one connect to the same address on a port that is not SMTP (443),
/// to tell "this network blocks outbound SMTP" from "the host is unreachable from here".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlObservation {
    /// The address tried.
    pub address: std::net::IpAddr,
    /// The port (443).
    pub port: u16,
    /// How the connect ended.
    pub tcp: super::TcpObservation,
}

impl ControlObservation {
    /// Something answered: a handshake, or a reset.
    pub fn answered(&self) -> bool {
        matches!(
            self.tcp.state,
            super::TcpState::Open | super::TcpState::Refused
        )
    }
}
