//! What a Windows node reported about itself in a support bundle (`_hostprocess/nodes/<node>/…`,
//! written by `collect`): plain data, filled by `load::bundle_nodes`, read by the node rules.
//! Every fact keeps the bundle item it came from, so findings can name it as evidence.

use std::collections::BTreeMap;

use crate::version::Version;

/// The node part of a bundle, for one node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeFacts {
    /// The node's directory inside the bundle, `_hostprocess/nodes/<node>` (evidence names items below it).
    pub dir: String,
    /// `os.json`: the registry's `CurrentVersion` key.
    pub os: Option<OsFacts>,
    /// `services.json`: the Kubernetes services that exist on the node (absent ones are not listed).
    /// `None` when the item is missing or unreadable.
    pub services: Option<Vec<ServiceFacts>>,
    /// `containerd/version.txt`: `containerd --version`.
    pub containerd: Option<ContainerdFacts>,
    /// `containerd/config.toml`: the facts the rules need.
    pub containerd_config: Option<ContainerdConfig>,
    /// `cni/<file>`: the names of the CNI configuration files gathered.
    pub cni_files: Vec<String>,
    /// `hns/networks.json`.
    pub hns_networks: Option<Vec<HnsNetwork>>,
    /// `hns/endpoints.json`: how many endpoints exist.
    pub hns_endpoints: Option<usize>,
    /// `disk.json`: the fixed drives.
    pub disks: Vec<Disk>,
    /// `logs/<service>.log`: the tail of each service log, by service name (`kubelet`).
    pub logs: BTreeMap<String, Vec<String>>,
    /// `events/scm.json` and `events/hyperv-compute.json`, oldest first as the node gave them.
    pub events: Vec<NodeEvent>,
    /// Items the node could not gather (manifest errors) or that could not be read here:
    /// item path → why.
    pub problems: BTreeMap<String, String>,
}

impl NodeFacts {
    /// The bundle path of one item of this node (`_hostprocess/nodes/w1/services.json`).
    pub fn item(&self, path: &str) -> String {
        format!("{}/{}", self.dir, path)
    }

    /// The service named `name` (case-insensitive), when the node listed it.
    pub fn service(&self, name: &str) -> Option<&ServiceFacts> {
        self.services.as_ref()?.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The Windows build the node reported: (`CurrentBuild`, `UBR`).
    pub fn build(&self) -> Option<(u32, Option<u32>)> {
        let os = self.os.as_ref()?;
        Some((os.current_build?, os.ubr))
    }
}

/// `HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsFacts {
    pub product_name: Option<String>,
    pub display_version: Option<String>,
    pub edition_id: Option<String>,
    /// `Server`, `Server Core`, `Client`, …
    pub installation_type: Option<String>,
    pub current_build: Option<u32>,
    /// Update build revision: the cumulative update installed.
    pub ubr: Option<u32>,
}

/// A service's state (`ServiceControllerStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceStatus {
    Running,
    Stopped,
    /// Start/stop/continue/pause pending, paused, or a value not known here.
    Other(String),
}

/// A service's start type (`ServiceStartMode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartType {
    Automatic,
    Manual,
    Disabled,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFacts {
    pub name: String,
    pub display_name: Option<String>,
    pub status: ServiceStatus,
    pub start_type: Option<StartType>,
}

/// `containerd --version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerdFacts {
    /// The line as printed.
    pub line: String,
    pub version: Option<Version>,
}

/// What the rules read from containerd's `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerdConfig {
    /// The top-level `version` (2 for containerd 1.x/2.x configs, 3 for containerd 2.x's).
    pub version: Option<i64>,
    /// The CRI plugin's `cni.bin_dir` (deprecated in containerd 2.x), with its table.
    pub cni_bin_dir: Option<String>,
    /// `cni.bin_dirs` (containerd 2.1+).
    pub cni_bin_dirs: Option<Vec<String>>,
    pub cni_conf_dir: Option<String>,
    pub sandbox_image: Option<String>,
}

/// One HNS network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HnsNetwork {
    pub name: String,
    /// `NAT`, `L2Bridge`, `Overlay`, `Transparent`, `ICS`, …
    pub kind: String,
    pub id: Option<String>,
    pub subnets: Vec<String>,
    pub endpoints: Option<u64>,
}

/// One fixed drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    pub device: String,
    pub size: u64,
    pub free: u64,
}

impl Disk {
    /// Free space in percent of the size (0 for a drive of size 0).
    pub fn free_percent(&self) -> f64 {
        if self.size == 0 { 0.0 } else { self.free as f64 * 100.0 / self.size as f64 }
    }
}

/// One event-log entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeEvent {
    /// The bundle item it came from (`events/scm.json`).
    pub item: String,
    pub id: u32,
    pub level: Option<String>,
    pub provider: Option<String>,
    /// RFC 3339 (UTC) when the node gave a `/Date(ms)/` or an ISO time; else as given.
    pub time: Option<String>,
    pub message: String,
}
