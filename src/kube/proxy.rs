//! Which proxy reaches the API server, the way kubectl (Go's `httpproxy`) decides it.
//!
//! A `proxy-url` in the kubeconfig's cluster is used as it is. Otherwise `HTTPS_PROXY`
//! (`https_proxy`) for an `https://` server, `HTTP_PROXY` (`http_proxy`) for `http://`, unless
//! `NO_PROXY` (`no_proxy`) matches the server, or the server is `localhost` or a loopback address.
//!
//! `NO_PROXY` is a comma-separated list; empty entries are ignored. An entry is `*` (no proxy at
//! all), an IP address, a CIDR range (`10.0.0.0/8`), or a domain: `example.com` matches it and
//! its subdomains, `.example.com` (or `*.example.com`) its subdomains only. IPs and domains may
//! carry a port (`example.com:6443`, `[::1]:443`), then only that port matches. Case-insensitive.
//!
//! kube-rs 5 itself compares `NO_PROXY` with the proxy's address, not the server's, so the
//! client sets the proxy from this module instead.

use std::net::IpAddr;

/// A parsed `NO_PROXY`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    all: bool,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Ip {
        ip: IpAddr,
        port: Option<u16>,
    },
    Cidr {
        net: IpAddr,
        bits: u8,
    },
    /// `suffix` starts with '.'; `or_self`: the bare domain matches too.
    Domain {
        suffix: String,
        or_self: bool,
        port: Option<u16>,
    },
}

/// `host[:port]`, `[v6]:port`, a bare IPv6 address; the port only if it is a number.
fn split_port(s: &str) -> (&str, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host, port);
        }
        return (s, None);
    }
    match s.rsplit_once(':') {
        // One colon: host:port. More: a bare IPv6 address.
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(p) => (host, Some(p)),
            Err(_) => (s, None),
        },
        _ => (s, None),
    }
}

fn parse_cidr(s: &str) -> Option<Entry> {
    let (ip, bits) = s.split_once('/')?;
    let net: IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if net.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some(Entry::Cidr { net, bits })
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let mask = |len: u32, bits: u8| -> u128 {
        if bits == 0 { 0 } else { (!0u128) << (len - u32::from(bits)) & (!0u128 >> (128 - len)) }
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let m = mask(32, bits);
            (u128::from(u32::from(a)) & m) == (u128::from(u32::from(b)) & m)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let m = mask(128, bits);
            (u128::from(a) & m) == (u128::from(b) & m)
        }
        _ => false,
    }
}

impl NoProxy {
    /// Parse a `NO_PROXY` value. Never fails: an entry that is none of the forms above is a
    /// domain that matches nothing real.
    pub fn parse(value: &str) -> NoProxy {
        let mut np = NoProxy::default();
        for raw in value.split(',') {
            let entry = raw.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                np.all = true;
                continue;
            }
            if let Some(c) = parse_cidr(&entry) {
                np.entries.push(c);
                continue;
            }
            let (host, port) = split_port(&entry);
            if let Ok(ip) = host.parse::<IpAddr>() {
                np.entries.push(Entry::Ip { ip, port });
                continue;
            }
            let host = host.strip_prefix('*').unwrap_or(host);
            if host.is_empty() || host == "." {
                continue;
            }
            let (suffix, or_self) =
                if host.starts_with('.') { (host.to_string(), false) } else { (format!(".{host}"), true) };
            np.entries.push(Entry::Domain { suffix, or_self, port });
        }
        np
    }

    /// Does this `NO_PROXY` exempt `host` (lower or upper case, IPv6 with or without brackets)
    /// on `port`? `localhost` and loopback addresses are always exempt.
    pub fn exempts(&self, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        if host == "localhost" || ip.is_some_and(|ip| ip.is_loopback()) || self.all {
            return true;
        }
        self.entries.iter().any(|e| match (e, ip) {
            (Entry::Ip { ip: want, port: p }, Some(ip)) => *want == ip && p.is_none_or(|p| p == port),
            (Entry::Cidr { net, bits }, Some(ip)) => in_cidr(ip, *net, *bits),
            (Entry::Domain { suffix, or_self, port: p }, None) => {
                (host.ends_with(suffix.as_str()) || (*or_self && host == suffix[1..])) && p.is_none_or(|p| p == port)
            }
            _ => false,
        })
    }
}

/// The first non-empty value among these variables.
fn first_set(get: &dyn Fn(&str) -> Option<String>, names: &[&str]) -> Option<String> {
    names.iter().filter_map(|n| get(n)).map(|v| v.trim().to_string()).find(|v| !v.is_empty())
}

/// The proxy the environment gives for `server`, or `None` (no proxy variable, or `NO_PROXY`
/// exempts it). `get` reads a variable (`std::env::var(..).ok()` outside tests).
pub fn from_env(server: &http::Uri, get: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let https = server.scheme_str() != Some("http");
    let names: &[&str] = if https { &["HTTPS_PROXY", "https_proxy"] } else { &["HTTP_PROXY", "http_proxy"] };
    let proxy = first_set(get, names)?;
    let host = server.host().unwrap_or_default();
    let port = server.port_u16().unwrap_or(if https { 443 } else { 80 });
    let no_proxy = first_set(get, &["NO_PROXY", "no_proxy"]).map(|v| NoProxy::parse(&v)).unwrap_or_default();
    (!no_proxy.exempts(host, port)).then_some(proxy)
}

/// `NO_PROXY` without its empty entries (`a,,b,` → `a,b`), or `None` when it has none. kube-rs
/// refuses a `NO_PROXY` with an empty entry (and then the whole kubeconfig) while Go's clients
/// skip them; the binary tidies the variable once at start, before any thread runs.
pub fn tidy(value: &str) -> Option<String> {
    let parts: Vec<&str> = value.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let tidy = parts.join(",");
    (tidy != value.trim() && !tidy.is_empty()).then_some(tidy)
}

/// The proxy URL as it may be shown: without a user or password.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn np(s: &str) -> NoProxy {
        NoProxy::parse(s)
    }

    #[test]
    fn domains_match_themselves_and_subdomains_dotted_only_subdomains() {
        let n = np("example.com, .corp.local ,*.svc");
        assert!(n.exempts("example.com", 443));
        assert!(n.exempts("API.Example.COM", 443));
        assert!(!n.exempts("notexample.com", 443));
        assert!(n.exempts("k8s.corp.local", 6443));
        assert!(!n.exempts("corp.local", 6443));
        assert!(n.exempts("kubernetes.default.svc", 443));
        assert!(!n.exempts("svc", 443));
        assert!(!n.exempts("example.org", 443));
        // A trailing dot (FQDN) is the same host.
        assert!(n.exempts("example.com.", 443));
    }

    #[test]
    fn ports_restrict_a_match() {
        let n = np("example.com:6443,10.0.0.5:443,[fd00::1]:6443");
        assert!(n.exempts("example.com", 6443));
        assert!(!n.exempts("example.com", 443));
        assert!(n.exempts("10.0.0.5", 443));
        assert!(!n.exempts("10.0.0.5", 6443));
        assert!(n.exempts("[fd00::1]", 6443));
        assert!(!n.exempts("fd00::1", 443));
    }

    #[test]
    fn ips_and_cidrs() {
        let n = np("10.0.0.0/8,192.168.1.7,fd00::/8,172.16.0.0/33");
        assert!(n.exempts("10.96.0.1", 443));
        assert!(!n.exempts("11.0.0.1", 443));
        assert!(n.exempts("192.168.1.7", 6443));
        assert!(!n.exempts("192.168.1.8", 6443));
        assert!(n.exempts("fd12::1", 443));
        assert!(!n.exempts("fe80::1", 443));
        // A CIDR never matches a name; an invalid prefix length is no range at all.
        assert!(!n.exempts("ten.example", 443));
        assert!(!n.exempts("172.16.0.1", 443));
        assert!(np("0.0.0.0/0").exempts("8.8.8.8", 443));
        assert!(!np("0.0.0.0/0").exempts("fd00::1", 443));
    }

    #[test]
    fn star_localhost_loopback_and_empty_entries() {
        assert!(np("*").exempts("anything.example", 443));
        assert!(np(" * , x").exempts("8.8.8.8", 443));
        // Go's httpproxy never proxies localhost and loopback addresses.
        assert!(np("").exempts("localhost", 6443));
        assert!(np("").exempts("127.0.0.1", 6443));
        assert!(np("").exempts("[::1]", 6443));
        assert!(!np("").exempts("10.0.0.1", 443));
        // Empty entries (a trailing comma) are skipped, not an error.
        let n = np("a.example,, ,b.example,");
        assert!(n.exempts("b.example", 443) && !n.exempts("c.example", 443));
    }

    #[test]
    fn the_environment_decides_per_server() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let server: http::Uri = "https://k8s.corp.local:6443".parse().unwrap();
        let get = env(&[("HTTPS_PROXY", "http://proxy:3128"), ("NO_PROXY", ".corp.local")]);
        assert_eq!(from_env(&server, &get), None);
        let get = env(&[("HTTPS_PROXY", "http://proxy:3128"), ("no_proxy", "other.example")]);
        assert_eq!(from_env(&server, &get).as_deref(), Some("http://proxy:3128"));
        // NO_PROXY wins over no_proxy; an empty NO_PROXY falls back to no_proxy.
        let get = env(&[("https_proxy", "http://p:1"), ("NO_PROXY", "x.example"), ("no_proxy", "*")]);
        assert_eq!(from_env(&server, &get).as_deref(), Some("http://p:1"));
        let get = env(&[("https_proxy", "http://p:1"), ("NO_PROXY", ""), ("no_proxy", "*")]);
        assert_eq!(from_env(&server, &get), None);
        // http:// servers take HTTP_PROXY; no variable, no proxy.
        let plain: http::Uri = "http://k8s.example:8080".parse().unwrap();
        let get = env(&[("HTTPS_PROXY", "http://p:1"), ("HTTP_PROXY", "http://q:2")]);
        assert_eq!(from_env(&plain, &get).as_deref(), Some("http://q:2"));
        assert_eq!(from_env(&server, &env(&[])), None);
        // Loopback servers are never proxied.
        let local: http::Uri = "https://127.0.0.1:6443".parse().unwrap();
        assert_eq!(from_env(&local, &env(&[("HTTPS_PROXY", "http://p:1")])), None);
    }

    #[test]
    fn tidying_drops_empty_entries_only() {
        assert_eq!(tidy("a.example,, ,b.example,").as_deref(), Some("a.example,b.example"));
        assert_eq!(tidy(" a , b ").as_deref(), Some("a,b"));
        assert_eq!(tidy("a,b"), None);
        assert_eq!(tidy("*"), None);
        // All empty: left as it is (kube-rs ignores an empty variable).
        assert_eq!(tidy(" , "), None);
    }

    #[test]
    fn redaction_hides_credentials() {
        assert_eq!(redact("http://user:secret@proxy:3128"), "http://***@proxy:3128");
        assert_eq!(redact("http://user:secret@proxy:3128/x"), "http://***@proxy:3128/x");
        assert_eq!(redact("http://proxy:3128/a@b"), "http://proxy:3128/a@b");
        assert_eq!(redact("ftp://proxy"), "ftp://proxy");
    }
}
