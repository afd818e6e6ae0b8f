//! Text from the cluster or from a workload (event and termination messages, logs, names read
//! from a dump) is untrusted: printed raw, it can move the cursor, rewrite what an admin sees or
//! set the window title (the class of kubectl's CVE-2021-25743). Human output passes such text
//! through [`terminal_safe`]; JSON, YAML and SARIF are escaped by their serializers.

use std::borrow::Cow;

/// Replace control characters (C0 except tab and newline, DEL, C1) with visible escapes
/// (`\u{1b}`), so nothing the cluster sends reaches the terminal as a control sequence.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// As [`terminal_safe`] for one line: newlines are escaped too (a name, a reason, a table cell).
pub fn terminal_safe_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c == '\n' || is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\n' || is_unsafe(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(terminal_safe("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(terminal_safe("x\u{9b}2Jy\r"), "x\\u{9b}2Jy\\u{d}");
        assert_eq!(terminal_safe("right-to-left \u{202e}cod"), "right-to-left \\u{202e}cod");
    }

    #[test]
    fn plain_text_tabs_and_newlines_pass_unchanged() {
        let s = "line one\n\tline two: ünïcode ✓";
        assert!(matches!(terminal_safe(s), Cow::Borrowed(_)));
        assert_eq!(terminal_safe_line("a\nb"), "a\\u{a}b");
    }
}
