//! Parsers for the items a node writes into a support bundle (`_hostprocess/nodes/<node>/…`,
//! written by `bundle/collector.ps1`, one command per item): the `ConvertTo-Json`
//! output of Windows PowerShell 5.1 (one object is not wrapped in an array; enums are numbers;
//! dates are `"\/Date(ms)\/"`) or of PowerShell 7 (enum names, ISO dates), `containerd --version`
//! and containerd's `config.toml`. Pure functions: bad input gives an `Err(reason)`, never a panic.

use serde_json::Value;

use crate::node_facts::{
    ContainerdConfig, ContainerdFacts, Disk, HnsNetwork, NodeEvent, OsFacts, ServiceFacts, ServiceStatus, StartType,
};
use crate::version::Version;

/// `ConvertTo-Json` output as a list of objects: an array's elements, or the one object
/// (PowerShell does not wrap a single result); nothing at all (no result) is an empty list.
pub fn ps_json(text: &str) -> Result<Vec<Value>, String> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    match serde_json::from_str::<Value>(text).map_err(|e| format!("not JSON ({e})"))? {
        Value::Array(items) => Ok(items.into_iter().filter(|v| !v.is_null()).collect()),
        Value::Null => Ok(Vec::new()),
        v @ Value::Object(_) => Ok(vec![v]),
        other => Err(format!("not a ConvertTo-Json object or list (a {})", json_kind(&other))),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A number PowerShell wrote as a number or as text (registry strings such as `CurrentBuild`).
fn number_of(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `os.json`.
pub fn parse_os(text: &str) -> Result<OsFacts, String> {
    let items = ps_json(text)?;
    let v = items.first().ok_or("no object")?;
    let os = OsFacts {
        product_name: text_of(v, "ProductName"),
        display_version: text_of(v, "DisplayVersion"),
        edition_id: text_of(v, "EditionID"),
        installation_type: text_of(v, "InstallationType"),
        current_build: number_of(v, "CurrentBuild")
            .or_else(|| number_of(v, "CurrentBuildNumber"))
            .and_then(|b| u32::try_from(b).ok()),
        ubr: number_of(v, "UBR").and_then(|b| u32::try_from(b).ok()),
    };
    if os.current_build.is_none() && os.product_name.is_none() {
        return Err("neither CurrentBuild nor ProductName".into());
    }
    Ok(os)
}

/// `services.json`: Status 1 Stopped, 4 Running (the other `ServiceControllerStatus` values are
/// kept by name); StartType 2 Automatic, 3 Manual, 4 Disabled; or the names PowerShell 7 writes.
pub fn parse_services(text: &str) -> Result<Vec<ServiceFacts>, String> {
    let mut out = Vec::new();
    for v in ps_json(text)? {
        let Some(name) = text_of(&v, "Name") else { return Err("a service without a Name".into()) };
        let status = match v.get("Status") {
            Some(Value::Number(n)) => match n.as_u64() {
                Some(1) => ServiceStatus::Stopped,
                Some(4) => ServiceStatus::Running,
                Some(2) => ServiceStatus::Other("StartPending".into()),
                Some(3) => ServiceStatus::Other("StopPending".into()),
                Some(5) => ServiceStatus::Other("ContinuePending".into()),
                Some(6) => ServiceStatus::Other("PausePending".into()),
                Some(7) => ServiceStatus::Other("Paused".into()),
                _ => ServiceStatus::Other(n.to_string()),
            },
            Some(Value::String(s)) if s.eq_ignore_ascii_case("running") => ServiceStatus::Running,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("stopped") => ServiceStatus::Stopped,
            Some(Value::String(s)) => ServiceStatus::Other(s.clone()),
            _ => ServiceStatus::Other("unknown".into()),
        };
        let start_type = match v.get("StartType") {
            Some(Value::Number(n)) => Some(match n.as_u64() {
                Some(2) => StartType::Automatic,
                Some(3) => StartType::Manual,
                Some(4) => StartType::Disabled,
                Some(0) => StartType::Other("Boot".into()),
                Some(1) => StartType::Other("System".into()),
                _ => StartType::Other(n.to_string()),
            }),
            Some(Value::String(s)) => Some(match s.to_ascii_lowercase().as_str() {
                "automatic" => StartType::Automatic,
                "manual" => StartType::Manual,
                "disabled" => StartType::Disabled,
                _ => StartType::Other(s.clone()),
            }),
            _ => None,
        };
        out.push(ServiceFacts { name, display_name: text_of(&v, "DisplayName"), status, start_type });
    }
    Ok(out)
}

/// `containerd --version`: `containerd <module path> <version> <commit>`.
pub fn parse_containerd_version(text: &str) -> Result<ContainerdFacts, String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).ok_or("empty")?;
    let mut words = line.split_whitespace();
    if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("containerd") || w.eq_ignore_ascii_case("containerd.exe")) {
        return Err(format!("not `containerd --version` output: {}", cut(line, 120)));
    }
    let version = words
        .find(|w| w.trim_start_matches('v').chars().next().is_some_and(|c| c.is_ascii_digit()))
        .and_then(Version::parse);
    Ok(ContainerdFacts { line: cut(line, 200), version })
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// `hns/networks.json` (`Get-HnsNetwork | ConvertTo-Json`).
pub fn parse_hns_networks(text: &str) -> Result<Vec<HnsNetwork>, String> {
    let mut out = Vec::new();
    for v in ps_json(text)? {
        let subnets = match v.get("Subnets") {
            Some(Value::Array(a)) => a.iter().filter_map(|s| text_of(s, "AddressPrefix")).collect(),
            Some(s @ Value::Object(_)) => text_of(s, "AddressPrefix").into_iter().collect(),
            _ => Vec::new(),
        };
        out.push(HnsNetwork {
            name: text_of(&v, "Name").unwrap_or_default(),
            kind: text_of(&v, "Type").unwrap_or_default(),
            id: text_of(&v, "ID").or_else(|| text_of(&v, "Id")),
            subnets,
            endpoints: number_of(&v, "CurrentEndpointCount").or_else(|| number_of(&v, "TotalEndpoints")),
        });
    }
    Ok(out)
}

/// `hns/endpoints.json`: how many endpoints.
pub fn count_objects(text: &str) -> Result<usize, String> {
    Ok(ps_json(text)?.len())
}

/// `disk.json` (`Win32_LogicalDisk`: DeviceID, Size, FreeSpace).
pub fn parse_disks(text: &str) -> Result<Vec<Disk>, String> {
    let mut out = Vec::new();
    for v in ps_json(text)? {
        let (Some(device), Some(size), Some(free)) =
            (text_of(&v, "DeviceID"), number_of(&v, "Size"), number_of(&v, "FreeSpace"))
        else {
            continue;
        };
        out.push(Disk { device, size, free });
    }
    Ok(out)
}

/// `events/*.json` (`Get-WinEvent … | Select-Object TimeCreated,Id,LevelDisplayName,ProviderName,Message`).
pub fn parse_events(item: &str, text: &str) -> Result<Vec<NodeEvent>, String> {
    let mut out = Vec::new();
    for v in ps_json(text)? {
        let Some(id) = number_of(&v, "Id").and_then(|i| u32::try_from(i).ok()) else { continue };
        out.push(NodeEvent {
            item: item.to_string(),
            id,
            level: text_of(&v, "LevelDisplayName"),
            provider: text_of(&v, "ProviderName"),
            time: match v.get("TimeCreated") {
                Some(Value::String(s)) => Some(ps_date(s).unwrap_or_else(|| s.clone())),
                // PowerShell 5.1 with -Depth: { "value": "/Date(…)/", "DateTime": "…" }.
                Some(o @ Value::Object(_)) => text_of(o, "value").map(|s| ps_date(&s).unwrap_or(s)),
                _ => None,
            },
            message: text_of(&v, "Message").unwrap_or_default(),
        });
    }
    Ok(out)
}

/// `/Date(1700000000000)/` (Windows PowerShell 5.1's DateTime) as RFC 3339 UTC.
pub fn ps_date(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix("/Date(")?.strip_suffix(")/")?;
    // An offset may follow the milliseconds (`/Date(1700000000000+0100)/`); the ms are UTC.
    let end = inner.char_indices().skip(1).find(|(_, c)| *c == '+' || *c == '-').map(|(i, _)| i).unwrap_or(inner.len());
    let ms: i64 = inner[..end].parse().ok()?;
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    Some(format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60))
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// containerd's `config.toml`: the few values the rules read, by a line scanner that knows
/// tables, dotted and quoted keys, strings and (multi-line) string arrays; all else is skipped.
pub fn parse_containerd_config(text: &str) -> ContainerdConfig {
    let mut out = ContainerdConfig::default();
    let mut table = String::new();
    let mut lines = text.lines();
    while let Some(raw) = lines.next() {
        let line = strip_comment(raw).trim().to_string();
        if line.starts_with('[') {
            table = unquote_key(line.trim_start_matches('[').trim_end_matches(']').trim());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let mut value = value.trim().to_string();
        if value.starts_with('[') {
            while value.matches('[').count() > value.matches(']').count() {
                let Some(next) = lines.next() else { break };
                value.push_str(strip_comment(next).trim());
            }
        }
        let key = unquote_key(key.trim());
        let full = if table.is_empty() { key.clone() } else { format!("{table}.{key}") };
        if full == "version" {
            out.version = value.parse().ok();
        } else if full.ends_with("cni.bin_dir") {
            out.cni_bin_dir = toml_string(&value);
        } else if full.ends_with("cni.bin_dirs") {
            out.cni_bin_dirs = Some(toml_strings(&value));
        } else if full.ends_with("cni.conf_dir") {
            out.cni_conf_dir = toml_string(&value);
        } else if full.ends_with(".sandbox_image") || full.ends_with("pinned_images.sandbox") {
            out.sandbox_image = toml_string(&value);
        }
    }
    out
}

/// The line without a `#` comment (a `#` inside a string stays).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return &line[..i],
            None => {}
        }
    }
    line
}

/// A dotted key without its quotes: `plugins."io.containerd.grpc.v1.cri".cni` → `plugins.io.containerd.grpc.v1.cri.cni`.
fn unquote_key(key: &str) -> String {
    key.chars().filter(|c| *c != '"' && *c != '\'' && !c.is_whitespace()).collect()
}

/// A TOML string value: `"C:\\k\\cni"` (basic, escapes) or `'C:\k\cni'` (literal).
fn toml_string(value: &str) -> Option<String> {
    let v = value.trim();
    if let Some(inner) = v.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Some(inner.to_string());
    }
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// A TOML array of strings.
fn toml_strings(value: &str) -> Vec<String> {
    let inner = value.trim().trim_start_matches('[').trim_end_matches(']');
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in inner.chars() {
        match quote {
            Some('"') if escaped => {
                cur.push('\\');
                cur.push(c);
                escaped = false;
            }
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => {
                cur.push(c);
                out.extend(toml_string(&cur));
                cur.clear();
                quote = None;
            }
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                cur.push(c);
            }
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        let p = format!("{}/tests/fixtures/node-items/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn hns_endpoints_and_networks_from_real_reports() {
        assert_eq!(count_objects(&sample("hns-endpoints-aks1367.json")).unwrap(), 1);
        let nets = parse_hns_networks(&sample("hns-networks-sdn269.json")).unwrap();
        assert_eq!(nets.len(), 1);
        assert_eq!(nets[0].name, "vmxnet3 Ethernet Adapter - Virtual Switch");
        assert_eq!(nets[0].kind, "Transparent");
        assert_eq!(nets[0].endpoints, Some(0));
        assert_eq!(nets[0].id.as_deref(), Some("C156C7CA-7B7B-4AFE-9FEC-1EA1A8D48C84"));
    }

    #[test]
    fn one_network_is_an_object_not_a_list_and_subnets_are_read() {
        let one = r#"{
    "ActivityId":  "A49F5229-3EEF-4F30-AE65-F7FC37EA9D14",
    "CurrentEndpointCount":  4,
    "Name":  "nat",
    "Subnets":  [
                    {
                        "AddressPrefix":  "172.28.128.0/20",
                        "GatewayAddress":  "172.28.128.1"
                    }
                ],
    "Type":  "NAT"
}"#;
        let nets = parse_hns_networks(one).unwrap();
        assert_eq!(nets.len(), 1);
        assert_eq!((nets[0].name.as_str(), nets[0].kind.as_str()), ("nat", "NAT"));
        assert_eq!(nets[0].subnets, ["172.28.128.0/20"]);
        assert_eq!(nets[0].endpoints, Some(4));
        assert!(parse_hns_networks("").unwrap().is_empty(), "no network: ConvertTo-Json prints nothing");
    }

    #[test]
    fn containerd_configs_from_real_reports() {
        let c = parse_containerd_config(&sample("containerd-config-containerd6305.toml"));
        assert_eq!(c.version, Some(2));
        assert_eq!((c.cni_bin_dir.as_deref(), c.cni_bin_dirs.as_ref()), (None, None));
        let c = parse_containerd_config(&sample("containerd-config-wmco891.toml"));
        assert_eq!(c.cni_bin_dir.as_deref(), Some(r"C:\k\cni"));
        assert_eq!(c.cni_conf_dir.as_deref(), Some(r"C:\k\cni\config"));
        let c = parse_containerd_config(&sample("containerd-config-v3-ansible38.toml"));
        assert_eq!(c.version, Some(3));
        assert_eq!(c.cni_bin_dirs, Some(vec!["/opt/cni/bin".to_string()]));
        assert_eq!(c.cni_bin_dir, None);
    }

    #[test]
    fn containerd_config_v3_tables_arrays_comments_and_sandbox() {
        let text = r#"version = 3 # the containerd 2.x schema
[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = 'mcr.microsoft.com/oss/kubernetes/pause:3.9'
[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dir = "C:\\opt\\cni\\bin" # "deprecated"
  bin_dirs = [
    "C:\\opt\\cni\\bin",   # first
    'D:\cni',
  ]
  conf_dir = 'C:\etc\cni\net.d'
"#;
        let c = parse_containerd_config(text);
        assert_eq!(c.version, Some(3));
        assert_eq!(c.sandbox_image.as_deref(), Some("mcr.microsoft.com/oss/kubernetes/pause:3.9"));
        assert_eq!(c.cni_bin_dir.as_deref(), Some(r"C:\opt\cni\bin"));
        assert_eq!(c.cni_bin_dirs, Some(vec![r"C:\opt\cni\bin".to_string(), r"D:\cni".to_string()]));
        assert_eq!(c.cni_conf_dir.as_deref(), Some(r"C:\etc\cni\net.d"));
        // v2 sandbox_image
        let c = parse_containerd_config(
            "[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"index.docker.io/rancher/mirrored-pause:3.6\"\n",
        );
        assert_eq!(c.sandbox_image.as_deref(), Some("index.docker.io/rancher/mirrored-pause:3.6"));
    }

    #[test]
    fn containerd_versions() {
        let v = parse_containerd_version(&sample("containerd-version-kata3120.txt")).unwrap();
        assert_eq!(v.version, Some(Version::new(1, 5, 5)));
        let v = parse_containerd_version(&sample("containerd-version-v2.txt")).unwrap();
        assert_eq!(v.version, Some(Version::new(2, 0, 4)));
        assert!(v.line.starts_with("containerd github.com/containerd/containerd/v2 v2.0.4"));
        let v =
            parse_containerd_version("\r\ncontainerd github.com/k3s-io/containerd v1.7.11-k3s2 64b8a811\r\n").unwrap();
        assert_eq!(v.version, Some(Version::new(1, 7, 11)));
        assert!(parse_containerd_version("").is_err());
        assert!(
            parse_containerd_version("'containerd.exe' is not recognized as an internal or external command").is_err()
        );
    }

    #[test]
    fn services_in_both_powershell_shapes() {
        // Windows PowerShell 5.1: enums as numbers, one service an object.
        let ps51 = r#"[
    {
        "Name":  "containerd",
        "DisplayName":  "containerd",
        "Status":  4,
        "StartType":  2
    },
    {
        "Name":  "kubelet",
        "DisplayName":  "kubelet",
        "Status":  1,
        "StartType":  4
    }
]"#;
        let s = parse_services(ps51).unwrap();
        assert_eq!(s[0].status, ServiceStatus::Running);
        assert_eq!(s[0].start_type, Some(StartType::Automatic));
        assert_eq!((s[1].status.clone(), s[1].start_type.clone()), (ServiceStatus::Stopped, Some(StartType::Disabled)));
        let one = "{\r\n    \"Name\":  \"kube-proxy\",\r\n    \"Status\":  2,\r\n    \"StartType\":  3\r\n}\r\n";
        let s = parse_services(one).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].status, ServiceStatus::Other("StartPending".into()));
        assert_eq!(s[0].start_type, Some(StartType::Manual));
        // PowerShell 7: names.
        let ps7 = r#"{"Name": "kubelet", "DisplayName": "kubelet", "Status": "Stopped", "StartType": "Automatic"}"#;
        let s = parse_services(ps7).unwrap();
        assert_eq!(
            (s[0].status.clone(), s[0].start_type.clone()),
            (ServiceStatus::Stopped, Some(StartType::Automatic))
        );
        assert!(parse_services("[{\"Status\": 4}]").is_err());
        assert!(parse_services("Get-Service : Cannot find any service with service name 'kubelet'.").is_err());
    }

    #[test]
    fn os_disks_and_events() {
        let os = parse_os(
            r#"{
    "ProductName":  "Windows Server 2022 Datacenter",
    "DisplayVersion":  "21H2",
    "EditionID":  "ServerDatacenter",
    "InstallationType":  "Server Core",
    "CurrentBuild":  "20348",
    "CurrentBuildNumber":  "20348",
    "UBR":  2700
}"#,
        )
        .unwrap();
        assert_eq!((os.current_build, os.ubr), (Some(20348), Some(2700)));
        assert_eq!(os.installation_type.as_deref(), Some("Server Core"));
        assert!(parse_os("{}").is_err());

        let disks = parse_disks(
            r#"[{"DeviceID": "C:", "Size": 136912564224, "FreeSpace": 4107376926}, {"DeviceID": "D:", "Size": null, "FreeSpace": null}]"#,
        )
        .unwrap();
        assert_eq!(disks.len(), 1);
        assert!((disks[0].free_percent() - 3.0).abs() < 0.01, "{}", disks[0].free_percent());

        let ev = parse_events(
            "events/scm.json",
            r#"{
    "TimeCreated":  "\/Date(1700000000000)\/",
    "Id":  7031,
    "LevelDisplayName":  "Error",
    "ProviderName":  "Service Control Manager",
    "Message":  "The kubelet service terminated unexpectedly.  It has done this 3 time(s)."
}"#,
        )
        .unwrap();
        assert_eq!(ev[0].id, 7031);
        assert_eq!(ev[0].time.as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(ev[0].item, "events/scm.json");
    }

    #[test]
    fn powershell_dates() {
        assert_eq!(ps_date("/Date(0)/").as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(ps_date("/Date(1595374458918)/").as_deref(), Some("2020-07-21T23:34:18Z"));
        assert_eq!(ps_date("/Date(951782400000+0100)/").as_deref(), Some("2000-02-29T00:00:00Z"));
        assert_eq!(ps_date("/Date(-86400000)/").as_deref(), Some("1969-12-31T00:00:00Z"));
        assert_eq!(ps_date("2023-11-14T22:13:20Z"), None);
        assert_eq!(ps_date("/Date(x)/"), None);
    }

    #[test]
    fn garbage_never_panics() {
        for junk in ["", "{", "[1,2", "null", "42", "\"s\"", "[null, 3, {}]", "\u{feff}[]", "]]]["] {
            let _ = parse_os(junk);
            let _ = parse_services(junk);
            let _ = parse_hns_networks(junk);
            let _ = parse_disks(junk);
            let _ = parse_events("e", junk);
            let _ = parse_containerd_version(junk);
            let _ = parse_containerd_config(junk);
        }
        assert!(ps_json("42").unwrap_err().contains("number"));
        let _ = parse_containerd_config("[a\nb = [\"x\n= \"\\");
        let _ = parse_containerd_version("containerd é€ ".repeat(100).as_str());
    }
}
