//! Unit tests of the collector script text.

use super::*;

#[test]
fn the_script_starts_with_its_ident_and_is_ascii() {
    assert_eq!(SOURCE.lines().next(), Some(IDENT));
    assert!(script(&CollectorOptions::default()).starts_with(&format!("{IDENT}\n")));
    assert!(SOURCE.is_ascii(), "PowerShell 5.1 reads -Command through the code page: keep it ASCII");
}

#[test]
fn the_script_carries_exactly_the_redaction_rules_of_redact_rs() {
    let block = ps_rules_block();
    assert!(
        SOURCE.contains(&block),
        "collector.ps1's $RedactRules block differs from redact::RULES; replace it with:\n{block}"
    );
    assert_eq!(SOURCE.matches("$RedactRules = @(").count(), 1);
}

#[test]
fn options_are_substituted_as_numbers_only() {
    assert_eq!(script(&CollectorOptions::default()), SOURCE, "the defaults are the script's own");
    let s = script(&CollectorOptions { log_tail_lines: 50, event_hours: 6, item_timeout_secs: 2 });
    assert!(s.contains("\n$TailLines = 50 # option:log_tail_lines\n"));
    assert!(s.contains("\n$EventHours = 6 # option:event_hours\n"));
    assert!(s.contains("\n$ItemTimeoutSecs = 2 # option:item_timeout_secs\n"));
    assert_eq!(s.len(), SOURCE.len() - 4);
    // Zero would mean "no lines" / "no time at all": clamped to 1.
    let s = script(&CollectorOptions { log_tail_lines: 0, event_hours: 0, item_timeout_secs: 0 });
    assert!(s.contains("\n$ItemTimeoutSecs = 1 # option:item_timeout_secs\n"));
    // Huge values stay within PowerShell's Int32 parameters (ms of the timeout included).
    let s = script(&CollectorOptions { log_tail_lines: u32::MAX, event_hours: u32::MAX, item_timeout_secs: u32::MAX });
    assert!(s.contains("\n$TailLines = 1000000 # option:log_tail_lines\n"));
    assert!(s.contains("\n$ItemTimeoutSecs = 3600 # option:item_timeout_secs\n"));
}

#[test]
fn the_script_fits_a_windows_command_line() {
    // exec passes it as `powershell.exe -Command SCRIPT`: CreateProcess allows 32767 characters
    // for the whole command line, and the runtime's quoting adds some.
    let s = script(&CollectorOptions { log_tail_lines: u32::MAX, event_hours: u32::MAX, item_timeout_secs: u32::MAX });
    assert!(s.len() < 24_000, "{} characters", s.len());
}

#[test]
fn the_script_gathers_every_item_of_the_layout() {
    for item in [
        "'os.json'",
        "'services.json'",
        "'containerd/version.txt'",
        "'containerd/config.toml'",
        "'cni/' + $name",
        "'hns/networks.json'",
        "'hns/endpoints.json'",
        "'disk.json'",
        "'logs/kubelet.log'",
        "'logs/containerd.log'",
        "'logs/kube-proxy.log'",
        "'logs/csi-proxy.log'",
        "'events/scm.json'",
        "'events/hyperv-compute.json'",
    ] {
        assert!(SOURCE.contains(item), "{item}");
    }
    for marker in [frame::ITEM, frame::END, frame::DONE, frame::BEGIN] {
        assert!(SOURCE.contains(marker), "{marker}");
    }
}

use super::super::frame;
