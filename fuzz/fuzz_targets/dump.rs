//! Fuzz target: the `doctor --from-file` readers on one input held in memory
//! (`load_dump_bytes`): a `kubectl get -o yaml|json` dump, a `cluster-info dump` stream (JSON
//! lists with `==== START logs for container …` sections), and `.tar.gz`/`.zip` bundles of
//! them. Any panic (or a libFuzzer timeout / out-of-memory) is a bug; `Err(..)` is an answer.
//!
//! Input layout: byte 0 picks how the rest is read (see `name`); bit 2 scopes to a namespace
//! as `-n kube-system` does.
#![no_main]

use kubectl_hostprocess::load::load_dump_bytes;
use libfuzzer_sys::fuzz_target;

fn name(selector: u8) -> &'static str {
    match selector % 4 {
        0 | 3 => "dump.txt",
        1 => "bundle.tar.gz",
        _ => "bundle.zip",
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let namespace = (selector & 4 != 0).then_some("kube-system");
    let _ = load_dump_bytes(name(selector), rest, namespace);
});
