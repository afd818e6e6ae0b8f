//! HP026 node-disk-full.

use super::rule::Rule;
use crate::finding::{Finding, ObjectRef, Severity};
use crate::node_facts::{Disk, NodeFacts};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP026",
    name: "node-disk-full",
    severity: Severity::Error,
    summary: "A Windows node's system drive is nearly full (from a collect bundle)",
    doc: r#"## What it does
Reads the fixed drives a Windows node reported in a `collect` bundle (`disk.json`:
`Win32_LogicalDisk` DeviceID, Size, FreeSpace) and reports, on `Node/<name>`, the system drive
`C:` (where the kubelet keeps `C:\var\lib\kubelet` and containerd its images in
`C:\ProgramData\containerd`) with less than **10 %** free (error: the kubelet's default hard
eviction threshold `nodefs.available<10%`) or less than **15 %** free (warning: image garbage
collection runs above 85 % use and `imagefs.available<15%` evicts).

## Why is this bad?
Under disk pressure the kubelet taints the node `node.kubernetes.io/disk-pressure`, evicts pods and
deletes unused images; new pods (and HostProcess DaemonSet pods after an update) fail to pull or
unpack their images (`failed to extract layer … There is not enough space on the disk`), and
containerd or the kubelet may stop writing logs. Windows container images are large (the
servercore base layer alone is several GB), so a node fills up faster than a Linux one.

## Example
```text
disk.json: C: 136912564224 bytes, 4107376926 free (3.0 %)
```

## Use instead
Free space (`crictl rmi --prune`, old logs under `C:\k` and `C:\var\log`), or give the node a
larger OS disk; tune `imageGCHighThresholdPercent`/`evictionHard` only with room to spare.

## References
- kubernetes.io "Node-pressure Eviction" (default hard thresholds `nodefs.available<10%`,
  `imagefs.available<15%`)
- kubernetes.io "Garbage Collection" (`imageGCHighThresholdPercent` 85 by default)
"#,
    rank: 25,
    signatures: &[],
    admission: &[],
    check,
};

const EVICT_BELOW: f64 = 10.0;
const WARN_BELOW: f64 = 15.0;

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// The HP026 finding for one node's facts.
pub fn node_finding(node: &str, facts: &NodeFacts) -> Option<Finding> {
    let disk: &Disk = facts.disks.iter().find(|d| d.device.eq_ignore_ascii_case("C:"))?;
    if disk.size == 0 {
        return None;
    }
    let free = disk.free_percent();
    let severity = if free < EVICT_BELOW {
        Severity::Error
    } else if free < WARN_BELOW {
        Severity::Warning
    } else {
        return None;
    };
    let consequence = if severity == Severity::Error {
        "below the kubelet's eviction threshold (nodefs.available<10%): pods are evicted and new images cannot be pulled"
    } else {
        "below the image-GC and imagefs eviction thresholds (85% used, imagefs.available<15%)"
    };
    Some(
        RULE.bare(
            Some(ObjectRef::new("Node", None, node)),
            format!("node {node}'s system drive C: has {free:.1}% free ({} of {}), {consequence}", gib(disk.free), gib(disk.size)),
            "free space on the node (`crictl rmi --prune`, old logs under C:\\k and C:\\var\\log) or give it a larger OS disk",
        )
        .with_node(node)
        .with_severity(severity)
        .with_evidence(format!(
            "{}: {} Size {} FreeSpace {} ({free:.1}% free)",
            facts.item("disk.json"),
            disk.device,
            disk.size,
            disk.free
        )),
    )
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for (node, facts) in &snapshot.node_facts {
        out.extend(node_finding(node, facts));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::node_items::parse_disks;

    fn facts(disks: &str) -> NodeFacts {
        NodeFacts { dir: "_hostprocess/nodes/w1".into(), disks: parse_disks(disks).unwrap(), ..Default::default() }
    }

    #[test]
    fn thresholds() {
        let f = node_finding("w1", &facts(r#"{"DeviceID":"C:","Size":136912564224,"FreeSpace":4107376926}"#)).unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert!(f.message.contains("3.0% free (3.8 GiB of 127.5 GiB)"), "{}", f.message);
        assert_eq!(f.evidence, ["_hostprocess/nodes/w1/disk.json: C: Size 136912564224 FreeSpace 4107376926 (3.0% free)"]);
        let f = node_finding("w1", &facts(r#"{"DeviceID":"C:","Size":1000,"FreeSpace":120}"#)).unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert!(node_finding("w1", &facts(r#"{"DeviceID":"C:","Size":1000,"FreeSpace":150}"#)).is_none());
        assert!(node_finding("w1", &facts(r#"[{"DeviceID":"D:","Size":1000,"FreeSpace":1}]"#)).is_none());
        assert!(node_finding("w1", &facts(r#"{"DeviceID":"C:","Size":0,"FreeSpace":0}"#)).is_none());
    }
}
