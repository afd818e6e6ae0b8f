//! Unit tests of the framing: round trip, checksums, cuts, hostile paths, noise, redaction.

use super::*;

fn item(path: &str, data: &[u8]) -> NodeItem {
    NodeItem { path: path.into(), data: data.to_vec(), error: None, redactions: 0, duration_ms: 7 }
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn a_stream_round_trips_with_crlf_and_noise_between_items() {
    let items = vec![
        item("os.json", br#"{"ProductName":"Windows Server 2022 Datacenter","UBR":2762}"#),
        item("logs/kubelet.log", &vec![b'x'; 10_000]),
        NodeItem {
            error: Some("Cannot find any service with service name 'csi-proxy'.".into()),
            ..item("logs/csi-proxy.log", b"")
        },
    ];
    let framed = text(&encode(&items));
    // Windows line ends and PowerShell noise outside blocks (a warning, a CLIXML line).
    let noisy = format!("WARNING: something\r\n#< CLIXML\r\n{}", framed.replace('\n', "\r\n"));
    let got = decode(noisy.as_bytes()).unwrap();
    assert_eq!(got, items);
}

#[test]
fn a_corrupted_checksum_or_size_is_that_items_error_only() {
    let framed = text(&encode(&[item("a.txt", b"hello"), item("b.txt", b"world")]));
    let sha = sha256_hex(b"hello");
    let bad = framed.replacen(&sha, &"0".repeat(64), 1);
    let got = decode(bad.as_bytes()).unwrap();
    assert!(got[0].error.as_deref().unwrap().starts_with("checksum mismatch: the node sent sha256 0000"), "{got:?}");
    assert!(got[0].data.is_empty(), "corrupt content is not kept");
    assert_eq!((got[1].error.as_ref(), got[1].data.as_slice()), (None, &b"world"[..]));

    let resized = framed.replacen("\"size\":5", "\"size\":6", 1);
    let got = decode(resized.as_bytes()).unwrap();
    assert_eq!(got[0].error.as_deref(), Some("size mismatch: the node sent 6 bytes, 5 were received"));

    // A flipped content byte (aGVsbG8= is "hello", aGVsbW8= "helmo").
    let flipped = framed.replacen("aGVsbG8=", "aGVsbW8=", 1);
    let got = decode(flipped.as_bytes()).unwrap();
    assert!(got[0].error.as_deref().unwrap().starts_with("checksum mismatch"), "{got:?}");
}

#[test]
fn a_truncated_stream_keeps_what_was_received() {
    let framed = text(&encode(&[item("a.txt", b"first"), item("b.txt", &[7u8; 300])]));
    // Cut in the middle of the second item's base64.
    let cut = &framed[..framed.find("@@HP-ITEM {\"error\":null,\"ms\":7,\"path\":\"b.txt\"").unwrap() + 150];
    assert_eq!(decode(cut.as_bytes()), Err(FrameError::Truncated { items: 2 }));
    let (items, err) = decode_partial(cut.as_bytes());
    assert_eq!(err, Some(FrameError::Truncated { items: 2 }));
    assert_eq!(
        (items[0].path.as_str(), items[0].data.as_slice(), items[0].error.as_ref()),
        ("a.txt", &b"first"[..], None)
    );
    assert_eq!(items[1].path, "b.txt");
    assert_eq!(items[1].error.as_deref(), Some("the item was cut: the output ended before its end"));
    assert!(items[1].data.is_empty());
    // Cut right after an item: nothing lost, still truncated.
    let after_first = &framed[..framed.find("@@HP-END").unwrap() + 9];
    let (items, err) = decode_partial(after_first.as_bytes());
    assert_eq!((items.len(), err), (1, Some(FrameError::Truncated { items: 1 })));
    // Nothing at all (the pod never ran the script).
    assert_eq!(
        decode_partial(b"error: unable to upgrade connection\n"),
        (vec![], Some(FrameError::Truncated { items: 0 }))
    );
}

#[test]
fn hostile_paths_are_rejected_and_never_used() {
    let hostile = [
        "/etc/passwd",
        "../../.ssh/authorized_keys",
        "logs/../../x",
        "logs\\kubelet.log",
        "C:/Windows/x",
        "logs//kubelet.log",
        "",
        "./os.json",
        "logs/kubelet.log\n",
        "_rejected/1",
        "cni/ bad",
    ];
    let items: Vec<NodeItem> = hostile.iter().map(|p| item(p, b"data")).collect();
    let got = decode(&encode(&items)).unwrap();
    assert_eq!(got.len(), hostile.len());
    for (i, (it, p)) in got.iter().zip(hostile).enumerate() {
        assert_eq!(it.path, format!("_rejected/{}", i + 1), "{p:?}");
        assert_eq!(it.error.as_deref(), Some(format!("the node sent an unsafe item path {p:?}").as_str()));
        assert!(it.data.is_empty());
    }
    for ok in ["os.json", "logs/kubelet.log", "cni/10-calico.conflist", "events/hyperv-compute.json"] {
        assert!(safe_item_path(ok), "{ok}");
    }
}

#[test]
fn a_duplicate_path_is_rejected() {
    let got = decode(&encode(&[item("os.json", b"1"), item("os.json", b"2")])).unwrap();
    assert_eq!((got[0].path.as_str(), got[0].data.as_slice()), ("os.json", &b"1"[..]));
    assert_eq!(got[1].path, "_rejected/2");
    assert_eq!(got[1].error.as_deref(), Some("the node sent a duplicate item path \"os.json\""));
}

#[test]
fn items_are_redacted_again_and_counts_add_up() {
    let node = NodeItem { redactions: 2, ..item("containerd/config.toml", b"password = \"hunter2\"\n") };
    let got = decode(&encode(&[node])).unwrap();
    assert_eq!(got[0].data, b"password = \"[REDACTED]\"\n");
    assert_eq!(got[0].redactions, 3, "2 on the node + 1 here");
}

#[test]
fn garbled_headers_content_and_trailers() {
    // An unreadable header: its block is skipped, the others are kept, the stream is Garbled.
    let good = text(&encode(&[item("a.txt", b"ok")]));
    let s = good
        .replacen("@@HP-ITEM ", "@@HP-ITEM {not json}\nAAAA\n@@HP-END\n@@HP-ITEM ", 1)
        .replace("\"items\":1", "\"items\":2");
    let (items, err) = decode_partial(s.as_bytes());
    assert_eq!(items.len(), 1);
    assert!(
        matches!(err, Some(FrameError::Garbled(ref m)) if m.starts_with("line 2: unreadable item header")),
        "{err:?}"
    );
    // A non-base64 line inside an item is that item's error.
    let s = good.replacen("b2s=", "b2s=\nnot base64!", 1);
    let got = decode(s.as_bytes()).unwrap();
    assert_eq!(got[0].error.as_deref(), Some("the content is not base64 (line 4)"));
    // The trailer counts a different number of items than were sent.
    let s = good.replace("\"items\":1", "\"items\":3");
    assert_eq!(decode(s.as_bytes()), Err(FrameError::Garbled("the collector sent 3 items, 1 were received".into())));
    // A node error with content keeps both.
    let partial = NodeItem { error: Some("only 2 of 3 files read".into()), ..item("cni/a.conf", b"{}") };
    let got = decode(&encode(std::slice::from_ref(&partial))).unwrap();
    assert_eq!(got, vec![partial]);
    // A new item before END cuts the open one; lines after DONE are ignored.
    let s = "@@HP-ITEM {\"path\":\"a\",\"size\":0,\"sha256\":\"x\"}\n@@HP-ITEM {\"path\":\"b\",\"size\":0,\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}\n@@HP-END\n@@HP-DONE {\"items\":2}\n@@HP-ITEM junk\n";
    let got = decode(s.as_bytes()).unwrap();
    assert_eq!(got[0].error.as_deref(), Some("the item was cut: the next item began before its end"));
    assert_eq!((got[1].path.as_str(), got[1].error.as_ref()), ("b", None));
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/bundle/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn find<'a>(items: &'a [NodeItem], path: &str) -> &'a NodeItem {
    items.iter().find(|i| i.path == path).unwrap_or_else(|| panic!("no {path} in {items:?}"))
}

#[test]
fn a_captured_stand_in_run_over_exec_decodes_into_the_layout_items() {
    let items = decode(&fixture("collector-win-2022-b.out")).unwrap();
    let paths: Vec<&str> = items.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "os.json",
            "services.json",
            "containerd/version.txt",
            "containerd/config.toml",
            "cni/10-flannel.conf",
            "hns/networks.json",
            "hns/endpoints.json",
            "disk.json",
            "logs/kubelet.log",
            "logs/containerd.log",
            "logs/kube-proxy.log",
            "logs/csi-proxy.log",
            "events/scm.json",
            "events/hyperv-compute.json",
        ]
    );
    let os: serde_json::Value = serde_json::from_slice(&find(&items, "os.json").data).unwrap();
    assert_eq!((os["CurrentBuild"].as_str(), os["UBR"].as_u64()), (Some("20348"), Some(2762)));
    assert!(
        find(&items, "containerd/version.txt")
            .data
            .starts_with(b"containerd github.com/containerd/containerd v1.7.20 ")
    );
    let csi = find(&items, "logs/csi-proxy.log");
    assert!(csi.data.is_empty() && csi.error.as_deref().unwrap().starts_with("no log file (C:\\k\\csi-proxy*.log"));
    assert!(items.iter().all(|i| i.redactions == 0), "nothing secret in the seeded node");
    assert!(items.iter().filter(|i| i.path != "logs/csi-proxy.log").all(|i| i.error.is_none() && !i.data.is_empty()));
}

#[test]
fn a_captured_run_with_planted_faults_and_secrets_keeps_every_other_item() {
    let items = decode(&fixture("collector-knobs-win-2019-a.out")).unwrap();
    assert_eq!(items.len(), 16);
    assert_eq!(find(&items, "hns/endpoints.json").error.as_deref(), Some("timed out after 2 s"));
    assert!(find(&items, "hns/endpoints.json").duration_ms >= 2000);
    assert_eq!(find(&items, "logs/kubelet.log").error.as_deref(), Some("Access is denied"));
    assert!(find(&items, "disk.json").error.as_deref().unwrap().starts_with("checksum mismatch"));
    let nets: serde_json::Value = serde_json::from_slice(&find(&items, "hns/networks.json").data).unwrap();
    assert_eq!(nets[1]["Name"], "nat");
    // Redacted on the node (counted there); the second pass finds nothing more.
    let log = find(&items, "logs/containerd.log");
    assert!(String::from_utf8_lossy(&log.data).contains("Authorization: Bearer [REDACTED]"));
    assert_eq!(log.redactions, 1);
    assert_eq!(
        find(&items, "cni/key.pem").data,
        b"-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----\n"
    );
    assert_eq!(find(&items, "cni/kubeconfig").data, b"token: [REDACTED]\n");
    let os: serde_json::Value = serde_json::from_slice(&find(&items, "os.json").data).unwrap();
    assert_eq!((os["CurrentBuild"].as_str(), os["DisplayVersion"].is_null()), (Some("17763"), true));
}
