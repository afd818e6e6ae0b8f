//! Fuzz target: `lint_text` = parse multi-document YAML/JSON + build the snapshot + run every
//! rule + resolve locations. Any panic (or a libFuzzer timeout / out-of-memory) is a bug.
//!
//! Input layout: byte 0 picks the offline `Context` (see `context`); the rest is the manifest
//! text (invalid UTF-8 is replaced, so every input reaches the parser).
#![no_main]

use kubectl_hostprocess::load::lint_text;
use kubectl_hostprocess::snapshot::{Context, PsaLevel};
use libfuzzer_sys::fuzz_target;

fn context(selector: u8) -> Context {
    match selector % 4 {
        // What `lint FILE` uses with no flags.
        0 => Context::default(),
        // `--psa-level baseline --containerd-version 1.6.28 --windows-build 10.0.17763`.
        1 => Context {
            psa_level: Some(PsaLevel::Baseline),
            containerd_version: Some("1.6.28".into()),
            windows_build: Some("10.0.17763".into()),
        },
        2 => Context {
            psa_level: Some(PsaLevel::Restricted),
            containerd_version: Some("containerd://2.0.0-rc.1".into()),
            windows_build: Some("10.0.26100.1742".into()),
        },
        _ => Context {
            psa_level: Some(PsaLevel::Privileged),
            containerd_version: Some("1.7".into()),
            windows_build: Some("not-a-build".into()),
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    // Errors (bad YAML, unknown shapes) are fine; only a panic fails.
    let _ = lint_text("fuzz.yaml", &text, &context(selector));
});
