//! Fuzz target `page`: the LIST page decoder on an untrusted response body.
//! What it does with an input, and the input's layout: `kubectl_hostprocess::fuzzing::page`
//! (shared with tests/fuzz_regressions.rs, which replays the inputs that crashed it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubectl_hostprocess::fuzzing::page(data));
