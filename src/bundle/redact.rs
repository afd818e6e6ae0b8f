//! Redaction of secrets in gathered text: bearer tokens, private keys, kubeconfig credentials,
//! passwords in command lines. Applied on the node (by the collector) and again here.
//!
//! The rules are ONE list, [`RULES`]; `collector.ps1` carries the same patterns in its
//! `$RedactRules` block (a unit test in `collector.rs` checks they are identical) and the testenv
//! stand-in reads them from the script it receives. Every pattern has three groups: a prefix that
//! is kept, the secret value that becomes [`MARKER`], and a suffix that is kept. A value that is
//! empty or already contains the marker is left alone, so redacting twice counts nothing new.
//! Patterns use the syntax common to Rust `regex`, .NET and Python `re` (no look-around, flags
//! only at the start).

use regex::bytes::{Captures, Regex};
use std::sync::LazyLock;

/// What a redacted value is replaced with.
pub const MARKER: &str = "[REDACTED]";

/// One redaction rule: a name (for tests and docs) and its pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub pattern: &'static str,
}

/// The start of the credential-key rules: group 1 up to the `:`/`=` and the spaces after it.
macro_rules! credential_key {
    () => {
        r#"(?i)((?:^|[\s{,;(\[])\\?["']?(?:token|id[-_]?token|refresh[-_]?token|access[-_]?token|bearer[-_]?token|identity[-_]?token|client[-_]?key[-_]?data|client[-_]?certificate[-_]?data|client[-_]?secret|password|passwd|auth|secret)\\?["']?\s*[:=]\s*"#
    };
}

/// The rules, applied in this order.
pub const RULES: &[Rule] = &[
    // PEM private keys (RSA, EC, PKCS#8, OpenSSH, encrypted); an unterminated block to the end.
    Rule {
        name: "pem-private-key",
        pattern: r"(?s)(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
    },
    // `Authorization: Basic xxx` / `"Authorization":"Bearer xxx"` (the scheme is kept).
    Rule {
        name: "authorization-header",
        pattern: r#"(?i)(authorization\\?["']?\s*[:=]\s*\\?["']?(?:(?:basic|bearer|digest|negotiate|ntlm|token)\s+)?)([^\s"',;\\]+)()"#,
    },
    // `Bearer <token>` anywhere (log lines, curl commands); short words are prose, not tokens.
    Rule { name: "bearer-token", pattern: r"(?i)(bearer\s+)([A-Za-z0-9._~+/=-]{16,})()" },
    // kubeconfig / YAML / TOML / JSON keys holding credentials (`token: x`, `password = "x y"`,
    // `"auth": "x"`, `client-key-data: x`), also inside escaped JSON in log lines: a quoted value
    // to its closing quote, then an unquoted one to the next space, quote, comma or brace.
    Rule { name: "credential-key-dq", pattern: concat!(credential_key!(), r#"\\?")([^"\\\r\n]*)(\\?")"#) },
    Rule { name: "credential-key-sq", pattern: concat!(credential_key!(), r#"')([^'\r\n]*)(')"#) },
    Rule { name: "credential-key", pattern: concat!(credential_key!(), r#")([^\s"',}\\]*)()"#) },
    // Command-line flags whose name ends in token/password/secret/key: `--token=x`, `-Password:x`.
    Rule {
        name: "secret-flag",
        pattern: r#"(?i)((?:^|[\s"'])--?[A-Za-z0-9_-]*(?:token|password|passwd|secret|key)[=:]["']*)([^\s"']+)()"#,
    },
    // The same with the value as the next word: `--token x`, `-AADClientSecret 'x'`, and an
    // argv list `'--client-secret', 'x'`; a next word starting with `-` is the next flag.
    Rule {
        name: "secret-flag-word",
        pattern: r#"(?i)((?:^|[\s"'])--?[A-Za-z0-9_-]*(?:token|password|passwd|secret|key)["']?,?\s+["']*)([^\s"'\-\[][^\s"']*)()"#,
    },
    // PowerShell plain-text secure strings: `ConvertTo-SecureString 'x' -AsPlainText`.
    Rule { name: "secure-string", pattern: r#"(?i)(ConvertTo-SecureString\s+(?:-String\s+)?["'])([^"']+)()"# },
    // `scheme://user:password@host`.
    Rule { name: "url-userinfo", pattern: r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)" },
    // JSON Web Tokens (service-account tokens) anywhere.
    Rule { name: "jwt", pattern: r"()(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)()" },
];

static COMPILED: LazyLock<Vec<Regex>> =
    LazyLock::new(|| RULES.iter().map(|r| Regex::new(r.pattern).expect("redaction rule compiles")).collect());

/// Redact `data` (the item at `path`); returns the new bytes and how many values were replaced.
/// Works on bytes, so content that is not UTF-8 is redacted too.
pub fn redact(_path: &str, data: &[u8]) -> (Vec<u8>, u32) {
    let mut out = data.to_vec();
    let mut count = 0u32;
    for re in COMPILED.iter() {
        let mut n = 0u32;
        let replaced = re.replace_all(&out, |c: &Captures| {
            let value = c.get(2).map(|m| m.as_bytes()).unwrap_or_default();
            if value.is_empty() || contains(value, MARKER.as_bytes()) {
                return c[0].to_vec();
            }
            n += 1;
            let mut v = c.get(1).map(|m| m.as_bytes().to_vec()).unwrap_or_default();
            v.extend_from_slice(MARKER.as_bytes());
            v.extend_from_slice(c.get(3).map(|m| m.as_bytes()).unwrap_or_default());
            v
        });
        if n > 0 {
            out = replaced.into_owned();
            count = count.saturating_add(n);
        }
    }
    (out, count)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
