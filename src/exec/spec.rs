//! The throwaway HostProcess pod, built by a pure function (snapshot-tested).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, EnvVar, Pod, PodOS, PodSecurityContext, PodSpec, Toleration, WindowsSecurityContextOptions,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::run_as::RunAs;

/// The throwaway pod's image, pinned by digest: it runs as SYSTEM, so a re-pushed tag must not
/// change it. The digest is v1.0.0's manifest list (as Azure/azure-container-networking pins it,
/// from `skopeo inspect docker://…:v1.0.0`); the tag stays for readers, the digest decides.
pub const DEFAULT_IMAGE: &str = "mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0@sha256:b4c9637e032f667c52d1eccfa31ad8c63f1b035e8639f3f48a510536bf34032b";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "kubectl-hostprocess";
pub const NODE_LABEL: &str = "kubectl-hostprocess.io/node";
pub const CREATED_ANNOTATION: &str = "kubectl-hostprocess.io/created-at";
pub const DEADLINE_ANNOTATION: &str = "kubectl-hostprocess.io/deadline";
/// Who created the pod: the user name `SelfSubjectReview` returned (`cleanup` deletes by it).
pub const CREATED_BY_ANNOTATION: &str = "kubectl-hostprocess.io/created-by";
/// Label and annotation keys that belong to the plugin: `--label`/`--annotation` cannot set them.
pub const RESERVED_PREFIX: &str = "kubectl-hostprocess.io/";
pub const CONTAINER: &str = "hostprocess";
/// Every throwaway pod's name starts with this (see [`pod_name`]).
pub const POD_NAME_PREFIX: &str = "hostprocess-";
/// How the plugin starts PowerShell for a script: the last argument is the script.
pub const POWERSHELL: [&str; 5] = ["powershell.exe", "-NoLogo", "-NoProfile", "-NonInteractive", "-Command"];

/// `powershell.exe -NoLogo -NoProfile -NonInteractive -Command SCRIPT` as argv.
pub fn powershell(script: &str) -> Vec<String> {
    POWERSHELL.iter().map(|s| s.to_string()).chain([script.to_string()]).collect()
}

/// Everything the throwaway pod depends on. `now` is passed in so the builder stays pure.
#[derive(Debug, Clone)]
pub struct PodOptions {
    pub name: String,
    pub namespace: String,
    pub node: String,
    pub image: String,
    pub run_as: RunAs,
    pub env: Vec<(String, String)>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// Seconds until the API server's safety net (activeDeadlineSeconds) ends the pod.
    pub deadline_seconds: i64,
    /// RFC 3339 creation time and deadline, for `cleanup`.
    pub created_at: String,
    pub deadline_at: String,
}

/// The idle command the container runs; the user's command arrives through `pods/exec`.
pub fn keep_alive(deadline_seconds: i64) -> Vec<String> {
    powershell(&format!("Start-Sleep -Seconds {deadline_seconds}"))
}

/// The throwaway HostProcess pod for `o`.
pub fn throwaway_pod(o: &PodOptions) -> Pod {
    // The user's pairs first, the plugin's own keys last: they always win (and
    // [`parse_pairs`] rejects reserved keys before this).
    let mut labels: BTreeMap<String, String> = o.labels.iter().cloned().collect();
    labels.insert(MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string());
    labels.insert(NODE_LABEL.to_string(), label_value(&o.node));
    let mut annotations: BTreeMap<String, String> = o.annotations.iter().cloned().collect();
    annotations.insert(CREATED_ANNOTATION.to_string(), o.created_at.clone());
    annotations.insert(DEADLINE_ANNOTATION.to_string(), o.deadline_at.clone());
    let env: Vec<EnvVar> =
        o.env.iter().map(|(k, v)| EnvVar { name: k.clone(), value: Some(v.clone()), ..Default::default() }).collect();
    Pod {
        metadata: ObjectMeta {
            name: Some(o.name.clone()),
            namespace: Some(o.namespace.clone()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(PodSpec {
            node_name: Some(o.node.clone()),
            os: Some(PodOS { name: "windows".into() }),
            host_network: Some(true),
            security_context: Some(PodSecurityContext {
                windows_options: Some(WindowsSecurityContextOptions {
                    host_process: Some(true),
                    run_as_user_name: Some(o.run_as.user_name()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            tolerations: Some(vec![Toleration { operator: Some("Exists".into()), ..Default::default() }]),
            restart_policy: Some("Never".into()),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            active_deadline_seconds: Some(o.deadline_seconds),
            termination_grace_period_seconds: Some(0),
            containers: vec![Container {
                name: CONTAINER.into(),
                image: Some(o.image.clone()),
                command: Some(keep_alive(o.deadline_seconds)),
                env: if env.is_empty() { None } else { Some(env) },
                ..Default::default()
            }],
            ..Default::default()
        }),
        status: None,
    }
}

/// A label value from a node name: at most 63 characters, alphanumerics at both ends.
pub fn label_value(s: &str) -> String {
    let v: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).take(63).collect();
    v.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_string()
}

/// `hostprocess-<node>-<suffix>`, a valid DNS-1123 name of at most 63 characters.
pub fn pod_name(node: &str, suffix: &str) -> String {
    let node: String = node
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
        .collect();
    let room = 63 - POD_NAME_PREFIX.len() - 1 - suffix.len();
    let node: String = node.chars().take(room).collect();
    let node = node.trim_matches('-');
    format!("{POD_NAME_PREFIX}{node}-{suffix}")
}

/// A label or annotation key the plugin sets itself (and `cleanup` selects by).
pub fn is_reserved_key(key: &str) -> bool {
    key == MANAGED_BY_LABEL || key.starts_with(RESERVED_PREFIX)
}

/// Parse `KEY=VALUE` pairs from flags. For `--label` and `--annotation`, the plugin's own keys
/// are refused: a pod must not be able to hide from `cleanup` or claim another creator.
pub fn parse_pairs(flag: &str, items: &[String]) -> Result<Vec<(String, String)>, crate::error::Error> {
    let metadata = matches!(flag, "label" | "annotation");
    items
        .iter()
        .map(|s| match s.split_once('=') {
            Some((k, _)) if metadata && is_reserved_key(k) => Err(crate::error::Error::Usage(format!(
                "--{flag} {s:?}: {k} is set by kubectl-hostprocess itself and cannot be overridden \
                 (keys {MANAGED_BY_LABEL} and {RESERVED_PREFIX}* are reserved)"
            ))),
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(crate::error::Error::Usage(format!("--{flag} {s:?}: expected KEY=VALUE"))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> PodOptions {
        PodOptions {
            name: pod_name("win-2022-a", "x7k2p"),
            namespace: "hostprocess-system".into(),
            node: "win-2022-a".into(),
            image: DEFAULT_IMAGE.into(),
            run_as: RunAs::System,
            env: vec![("A".into(), "1".into())],
            labels: vec![("team".into(), "ops".into())],
            annotations: vec![],
            deadline_seconds: 3900,
            created_at: "2026-11-28T00:00:00Z".into(),
            deadline_at: "2026-11-28T01:05:00Z".into(),
        }
    }

    #[test]
    fn pod_spec_snapshot() {
        let pod = throwaway_pod(&options());
        let got = serde_json::to_string_pretty(&pod).unwrap();
        let want = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "annotations": {
      "kubectl-hostprocess.io/created-at": "2026-11-28T00:00:00Z",
      "kubectl-hostprocess.io/deadline": "2026-11-28T01:05:00Z"
    },
    "labels": {
      "app.kubernetes.io/managed-by": "kubectl-hostprocess",
      "kubectl-hostprocess.io/node": "win-2022-a",
      "team": "ops"
    },
    "name": "hostprocess-win-2022-a-x7k2p",
    "namespace": "hostprocess-system"
  },
  "spec": {
    "activeDeadlineSeconds": 3900,
    "automountServiceAccountToken": false,
    "containers": [
      {
        "command": [
          "powershell.exe",
          "-NoLogo",
          "-NoProfile",
          "-NonInteractive",
          "-Command",
          "Start-Sleep -Seconds 3900"
        ],
        "env": [
          {
            "name": "A",
            "value": "1"
          }
        ],
        "image": "mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0@sha256:b4c9637e032f667c52d1eccfa31ad8c63f1b035e8639f3f48a510536bf34032b",
        "name": "hostprocess"
      }
    ],
    "enableServiceLinks": false,
    "hostNetwork": true,
    "nodeName": "win-2022-a",
    "os": {
      "name": "windows"
    },
    "restartPolicy": "Never",
    "securityContext": {
      "windowsOptions": {
        "hostProcess": true,
        "runAsUserName": "NT AUTHORITY\\SYSTEM"
      }
    },
    "terminationGracePeriodSeconds": 0,
    "tolerations": [
      {
        "operator": "Exists"
      }
    ]
  }
}"#;
        assert_eq!(got, want);
    }

    #[test]
    fn names_are_valid_dns_labels() {
        let long = "a".repeat(80);
        let n = pod_name(&long, "abcde");
        assert!(n.len() <= 63, "{n}");
        assert!(n.ends_with("-abcde"));
        assert_eq!(pod_name("WIN_Node.1", "z"), "hostprocess-win-node-1-z");
        assert_eq!(label_value("-a.b-"), "a.b");
    }

    #[test]
    fn pairs_need_an_equals_sign() {
        assert_eq!(parse_pairs("env", &["A=b=c".into()]).unwrap(), vec![("A".into(), "b=c".into())]);
        assert!(parse_pairs("env", &["nope".into()]).is_err());
    }

    #[test]
    fn the_plugins_own_keys_cannot_be_set_by_flags() {
        for flag in ["label", "annotation"] {
            for item in [
                "app.kubernetes.io/managed-by=someone-else",
                "kubectl-hostprocess.io/created-by=alice",
                "kubectl-hostprocess.io/session=x",
                "kubectl-hostprocess.io/deadline=2999-01-01T00:00:00Z",
            ] {
                let e = parse_pairs(flag, &[item.into()]).unwrap_err();
                assert_eq!(e.exit_code(), crate::error::ExitCode::Usage);
                assert!(e.to_string().contains("cannot be overridden"), "{e}");
            }
            assert!(parse_pairs(flag, &["team=ops".into(), "app.kubernetes.io/name=x".into()]).is_ok());
        }
        // Env vars are not metadata: any name goes.
        assert!(parse_pairs("env", &["kubectl-hostprocess.io/x=1".into()]).is_ok());
        // Even if a reserved pair reached the builder, the plugin's values win.
        let mut o = options();
        o.labels = vec![(MANAGED_BY_LABEL.into(), "other".into())];
        o.annotations = vec![(DEADLINE_ANNOTATION.into(), "2999-01-01T00:00:00Z".into())];
        let pod = throwaway_pod(&o);
        assert_eq!(pod.metadata.labels.unwrap()[MANAGED_BY_LABEL], MANAGED_BY);
        assert_eq!(pod.metadata.annotations.unwrap()[DEADLINE_ANNOTATION], o.deadline_at);
    }
}
