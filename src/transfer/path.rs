//! Paths for `cp`: which argument is `NODE:PATH`, which is local, and the relative paths a
//! copy stream carries (untrusted when they come from a node).
//!
//! The rule, like `kubectl cp`: an argument is `NODE:PATH` when the text before its first `:` is
//! a node name (a DNS subdomain: lowercase letters, digits, `-`, `.`) of two characters or more,
//! or is written `node/NAME`. A single letter before the `:` is a drive letter (`C:\x`, `c:/k`):
//! a local path. Any other local path with a `:` in it needs a prefix without one (`./a:b`).

use crate::error::{Error, Result};

/// One side of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(String),
    Node { node: String, path: String },
}

fn is_node_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Parse one `cp` argument.
pub fn parse_location(arg: &str) -> Result<Location> {
    let Some((before, after)) = arg.split_once(':') else { return Ok(Location::Local(arg.to_string())) };
    let node = match before.strip_prefix("node/") {
        Some(n) if is_node_name(n) => n,
        Some(n) => return Err(Error::Usage(format!("`{n}` is not a node name (in `{arg}`)"))),
        None if before.len() >= 2 && is_node_name(before) => before,
        None => return Ok(Location::Local(arg.to_string())),
    };
    check_remote_path(after)?;
    Ok(Location::Node { node: node.to_string(), path: after.to_string() })
}

/// A node path must be absolute with a drive letter: `C:\k\kubelet.log` or `c:/k/kubelet.log`.
fn check_remote_path(p: &str) -> Result<()> {
    let b = p.as_bytes();
    let ok = b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/');
    if !ok || p.contains('\0') {
        return Err(Error::Usage(format!(
            "`{p}` is not an absolute Windows path: give the node path with its drive, e.g. NODE:C:\\k\\kubelet.log"
        )));
    }
    Ok(())
}

/// The two sides of a copy: exactly one is on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direction {
    /// `NODE:PATH LOCAL`
    Download { node: String, remote: String, local: String },
    /// `LOCAL NODE:PATH`
    Upload { local: String, node: String, remote: String },
}

pub fn parse_direction(source: &str, destination: &str) -> Result<Direction> {
    match (parse_location(source)?, parse_location(destination)?) {
        (Location::Node { node, path }, Location::Local(local)) => {
            Ok(Direction::Download { node, remote: path, local })
        }
        (Location::Local(local), Location::Node { node, path }) => Ok(Direction::Upload { local, node, remote: path }),
        (Location::Node { .. }, Location::Node { .. }) => {
            Err(Error::Usage("both paths are on nodes: copy from a node to here, or from here to a node".into()))
        }
        (Location::Local(_), Location::Local(_)) => Err(Error::Usage(
            "neither path is NODE:PATH (a local path with a `:` in it needs a prefix, e.g. ./a:b; \
             a single letter before `:` is a drive letter)"
                .into(),
        )),
    }
}

/// The last component of a Windows or local path (`C:\x y\f.bin` → `f.bin`), `None` for a root.
pub fn base_name(p: &str) -> Option<&str> {
    let t = p.trim_end_matches(['\\', '/']);
    let name = t.rsplit(['\\', '/']).next().unwrap_or(t);
    (!name.is_empty() && name != "." && name != ".." && !(name.len() == 2 && name.ends_with(':'))).then_some(name)
}

/// One component of a relative path in a copy stream: not empty, not `.`/`..`, no separator,
/// drive or stream `:`, NUL or other control character, and a name Windows can hold (no device
/// name such as `CON` or `nul.txt`, no trailing dot or space).
pub fn safe_component(c: &str) -> bool {
    const DEVICES: [&str; 6] = ["CON", "PRN", "AUX", "NUL", "COM", "LPT"];
    let stem = c.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    let device = DEVICES[..4].contains(&stem.as_str())
        || (stem.len() == 4
            && stem.get(..3).is_some_and(|p| DEVICES[4..].contains(&p))
            && stem.as_bytes()[3].is_ascii_digit());
    !c.is_empty()
        && c != "."
        && c != ".."
        && !device
        && !c.ends_with(['.', ' '])
        && !c.chars().any(|ch| matches!(ch, '/' | '\\' | ':') || ch.is_control())
}

/// Split a stream path (`root/a/b`, `/`-separated, relative) into checked components; `None` for
/// anything that could leave the destination (absolute, `..`, a drive letter, `\`).
pub fn split_relative(p: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = p.split('/').collect();
    parts.iter().all(|c| safe_component(c)).then_some(parts)
}

/// What is at the destination before the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Missing,
    File,
    Dir,
}

/// Where the copy's root goes, as `cp`/`scp` decide: into an existing directory under its own
/// name, onto an existing file (a file only), or as the destination itself when that does not
/// exist yet (a destination written with a trailing separator must then be an existing
/// directory). `Ok(true)`: under the destination; `Ok(false)`: as the destination.
pub fn into_directory(dest: &str, existing: Existing, source_is_dir: bool) -> Result<bool, (bool, String)> {
    match existing {
        Existing::Dir => Ok(true),
        Existing::File if source_is_dir => Err((false, format!("cannot copy a directory onto the file {dest}"))),
        Existing::File => Ok(false),
        Existing::Missing if dest.ends_with(['/', '\\']) => Err((true, format!("directory {dest} does not exist"))),
        Existing::Missing => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(n: &str, p: &str) -> Location {
        Location::Node { node: n.into(), path: p.into() }
    }

    #[test]
    fn node_paths_and_local_paths_are_told_apart() {
        assert_eq!(
            parse_location(r"win-2022-b:C:\Program Files\x y\f.bin").unwrap(),
            node("win-2022-b", r"C:\Program Files\x y\f.bin")
        );
        assert_eq!(parse_location("win-2022-b:c:/k/kubelet.log").unwrap(), node("win-2022-b", "c:/k/kubelet.log"));
        assert_eq!(parse_location("ip-10-0-0-1.ec2.internal:C:/x").unwrap(), node("ip-10-0-0-1.ec2.internal", "C:/x"));
        assert_eq!(parse_location("node/w:C:/x").unwrap(), node("w", "C:/x"));
        // Drive letters, prefixes and plain names are local.
        for local in [r"C:\x\f.bin", "c:/k/kubelet.log", "./a:b", "/tmp/a:b", "plain", r".\x:y", "Win:C:/x", "a b:C:/x"]
        {
            assert_eq!(parse_location(local).unwrap(), Location::Local(local.into()), "{local}");
        }
    }

    #[test]
    fn node_paths_must_be_absolute_with_a_drive() {
        for bad in ["win-a:", "win-a:k/x", "win-a:\\x", "win-a:C:", "win-a:C:x", "win-a:\\\\srv\\share\\x"] {
            let e = parse_location(bad).unwrap_err();
            assert!(e.to_string().contains("not an absolute Windows path"), "{bad}: {e}");
        }
        assert!(parse_location("node/Bad:C:/x").is_err());
    }

    #[test]
    fn exactly_one_side_is_on_a_node() {
        assert!(matches!(parse_direction("win-a:C:/x", "out").unwrap(), Direction::Download { .. }));
        assert!(matches!(parse_direction(r"C:\x", "win-a:C:/x").unwrap(), Direction::Upload { .. }));
        assert!(parse_direction("win-a:C:/x", "win-b:C:/y").unwrap_err().to_string().contains("both"));
        assert!(parse_direction("a", "b").unwrap_err().to_string().contains("neither"));
    }

    #[test]
    fn base_names_of_windows_and_local_paths() {
        assert_eq!(base_name(r"C:\Program Files\x y\f.bin"), Some("f.bin"));
        assert_eq!(base_name("c:/k/logs/"), Some("logs"));
        assert_eq!(base_name("dir"), Some("dir"));
        assert_eq!(base_name(r"C:\"), None);
        assert_eq!(base_name("/"), None);
        assert_eq!(base_name("a/.."), None);
    }

    #[test]
    fn hostile_stream_paths_are_refused() {
        assert_eq!(split_relative("root/a b/c.txt"), Some(vec!["root", "a b", "c.txt"]));
        assert_eq!(
            split_relative("root/console.log/com/a\u{20ac}"),
            Some(vec!["root", "console.log", "com", "a\u{20ac}"])
        );
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "root/../../x",
            "root//x",
            "C:/x",
            "C:x",
            "root/a\\..\\b",
            "root/./x",
            "a/\u{1b}]0;x",
            "a/b\0",
            "root/x:stream",
        ] {
            assert_eq!(split_relative(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn destinations_follow_cp_semantics() {
        assert_eq!(into_directory("d", Existing::Dir, false), Ok(true));
        assert_eq!(into_directory("d", Existing::Dir, true), Ok(true));
        assert_eq!(into_directory("f", Existing::File, false), Ok(false));
        assert!(into_directory("f", Existing::File, true).is_err());
        assert_eq!(into_directory("new", Existing::Missing, true), Ok(false));
        assert!(into_directory("new/", Existing::Missing, false).unwrap_err().0, "a missing directory");
    }
}
