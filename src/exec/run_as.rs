//! The account a HostProcess container runs as, and its command-line spelling.

/// The account a HostProcess container runs as.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RunAs {
    #[default]
    System,
    LocalService,
    NetworkService,
    /// A local group on the node (containerd 1.7+): an ephemeral user in that group.
    Group(String),
}

impl RunAs {
    pub fn user_name(&self) -> String {
        match self {
            RunAs::System => "NT AUTHORITY\\SYSTEM".into(),
            RunAs::LocalService => "NT AUTHORITY\\Local service".into(),
            RunAs::NetworkService => "NT AUTHORITY\\NetworkService".into(),
            RunAs::Group(g) => g.clone(),
        }
    }
}

/// `--run-as`: system, localservice, networkservice or group:NAME (and the NT AUTHORITY names).
pub fn parse_run_as(s: &str) -> Result<RunAs, String> {
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "system" | "nt authority\\system" => Ok(RunAs::System),
        "localservice" | "local-service" | "local service" | "nt authority\\local service" => Ok(RunAs::LocalService),
        "networkservice" | "network-service" | "nt authority\\networkservice" => Ok(RunAs::NetworkService),
        _ => match s.strip_prefix("group:") {
            Some(g) if !g.is_empty() && !g.contains('\\') => Ok(RunAs::Group(g.to_string())),
            _ => Err("expected system, localservice, networkservice or group:NAME".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_as_accounts() {
        assert_eq!(parse_run_as("system"), Ok(RunAs::System));
        assert_eq!(RunAs::LocalService.user_name(), "NT AUTHORITY\\Local service");
        assert_eq!(parse_run_as("group:hpc"), Ok(RunAs::Group("hpc".into())));
        assert!(parse_run_as("root").is_err());
    }
}
