//! Lenient version parsing for runtime, kubelet and Windows build strings.

/// A `major.minor.patch` version; missing parts are 0, pre-release suffixes are ignored
/// (`1.6.0-beta.0` → 1.6.0, `v1.36.3+k3s1` → 1.36.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version { major, minor, patch }
    }

    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.rsplit("://").next().unwrap_or(s);
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut parts = s.split(['.', '-', '+']);
        let num = |p: Option<&str>| -> Option<u32> {
            let p = p?;
            let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse().ok()
        };
        let major = num(parts.next())?;
        let minor = num(parts.next()).unwrap_or(0);
        let patch = num(parts.next()).unwrap_or(0);
        Some(Version { major, minor, patch })
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The build number of a Windows version string: `10.0.17763.2237` or `10.0.17763` → 17763.
pub fn windows_build(s: &str) -> Option<u32> {
    let mut it = s.trim().split('.');
    let (major, _minor, build) = (it.next()?, it.next()?, it.next()?);
    if major != "10" {
        return None;
    }
    build.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_runtime_and_kubelet_strings() {
        assert_eq!(Version::parse("containerd://1.7.20"), Some(Version::new(1, 7, 20)));
        assert_eq!(Version::parse("containerd://1.6.0-beta.0"), Some(Version::new(1, 6, 0)));
        assert_eq!(Version::parse("v1.36.3+k3s1"), Some(Version::new(1, 36, 3)));
        assert_eq!(Version::parse("docker://19.3.14"), Some(Version::new(19, 3, 14)));
        assert_eq!(Version::parse("v1.26"), Some(Version::new(1, 26, 0)));
        assert_eq!(Version::parse("garbage"), None);
        assert!(Version::new(1, 5, 18) < Version::new(1, 6, 0));
    }

    #[test]
    fn parses_windows_builds() {
        assert_eq!(windows_build("10.0.17763.2237"), Some(17763));
        assert_eq!(windows_build("10.0.20348"), Some(20348));
        assert_eq!(windows_build("6.3.9600"), None);
        assert_eq!(windows_build("5.15.0-1"), None);
    }
}
