//! The log signatures of the rules that have them, one file per rule (the rule's static points
//! at its table). Each entry quotes the real line it was taken from and where it was reported;
//! `checks::logs` matches them.

pub mod hp006;
pub mod hp013;
pub mod hp014;
pub mod hp016;
pub mod hp017;
pub mod hp019;
pub mod hp024;

#[cfg(test)]
mod tests {
    use crate::checks::{all, logs};

    /// Every signature matches the real line it was taken from, and no signature listed
    /// earlier (of any rule) claims that line for a different one.
    #[test]
    fn every_signature_matches_its_real_line() {
        let mut ids = std::collections::BTreeSet::new();
        for rule in all() {
            for sig in rule.signatures {
                assert!(ids.insert(sig.id), "duplicate signature id {}", sig.id);
                assert!(!sig.example.is_empty() && sig.source.starts_with("https://"), "{}", sig.id);
                let lines: Vec<String> = sig.example.lines().map(str::to_string).collect();
                let hit = logs::find(rule.signatures, &lines)
                    .unwrap_or_else(|| panic!("{} does not match its example", sig.id));
                assert_eq!(hit.signature.id, sig.id, "{}'s example is taken by {}", sig.id, hit.signature.id);
            }
        }
        assert!(ids.len() >= 20, "{} signatures", ids.len());
    }
}
