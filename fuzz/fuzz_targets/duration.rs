//! Fuzz target: `cli::parse_duration`, the parser of `--timeout`, `--request-timeout` and the
//! other duration flags. Any panic is a bug; `Err(..)` is an answer.
#![no_main]

use kubectl_hostprocess::cli::parse_duration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_duration(&String::from_utf8_lossy(data));
});
