//! A kube client configured exactly the way kubectl would be from the same flags.

use std::time::Duration;

use kube::config::{Config, KubeConfigOptions, Kubeconfig};

use crate::error::{Error, Result};

/// How to reach the API server: kubectl's global flags, as plain values.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// --kubeconfig; `None`: $KUBECONFIG, else ~/.kube/config, else in-cluster.
    pub kubeconfig: Option<std::path::PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    /// Impersonation (--as, --as-group).
    pub as_user: Option<String>,
    pub as_group: Vec<String>,
    /// Bound on one request; zero = none.
    pub request_timeout: Duration,
    /// Objects per LIST page; 0 = unpaged.
    pub chunk_size: u32,
}

/// A connected client plus what error messages need to name.
#[derive(Clone)]
pub struct Kube {
    /// For ordinary requests: bounded by --request-timeout.
    pub client: kube::Client,
    /// For long streams (exec, logs, watches): no read timeout.
    pub stream_client: kube::Client,
    pub server: String,
    pub namespace: String,
    pub timeout: Option<Duration>,
    /// Objects per LIST page (--chunk-size); 0 = unpaged.
    pub chunk_size: u32,
    /// API requests made through `call` (reported with -v).
    pub requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

fn kubeconfig_error(path: &str, e: impl std::fmt::Display) -> Error {
    let mut reason = e.to_string();
    // kube's messages nest "failed to …: failed to …"; keep them but on one line.
    reason = reason.replace('\n', " ");
    Error::Kubeconfig { path: path.to_string(), reason }
}

/// Load the kubeconfig the way kubectl does: --kubeconfig, else $KUBECONFIG (a path list,
/// merged), else ~/.kube/config. `None` means there is none (in-cluster may apply).
fn load_kubeconfig(args: &ClientOptions) -> Result<Option<(Kubeconfig, String)>> {
    if let Some(path) = &args.kubeconfig {
        let shown = path.display().to_string();
        if !path.exists() {
            return Err(Error::Kubeconfig { path: shown, reason: "file does not exist".into() });
        }
        return Kubeconfig::read_from(path).map(|k| Some((k, shown.clone()))).map_err(|e| kubeconfig_error(&shown, e));
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let shown = list.to_string_lossy().to_string();
        let existing: Vec<_> = std::env::split_paths(&list).filter(|p| p.exists()).collect();
        if existing.is_empty() {
            return Err(Error::Kubeconfig { path: shown, reason: "no file in KUBECONFIG exists".into() });
        }
        let mut merged: Option<Kubeconfig> = None;
        for p in existing {
            let k = Kubeconfig::read_from(&p).map_err(|e| kubeconfig_error(&p.display().to_string(), e))?;
            merged = Some(match merged {
                None => k,
                Some(m) => m.merge(k).map_err(|e| kubeconfig_error(&shown, e))?,
            });
        }
        return Ok(merged.map(|k| (k, shown)));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    if let Some(home) = home {
        let p = std::path::Path::new(&home).join(".kube").join("config");
        if p.exists() {
            let shown = p.display().to_string();
            return Kubeconfig::read_from(&p)
                .map(|k| Some((k, shown.clone())))
                .map_err(|e| kubeconfig_error(&shown, e));
        }
    }
    Ok(None)
}

/// Build the client from kubectl's global flags (anything that converts to [`ClientOptions`]).
pub async fn connect(options: impl Into<ClientOptions>) -> Result<Kube> {
    let args = &options.into();
    let timeout = if args.request_timeout.is_zero() { None } else { Some(args.request_timeout) };
    let mut config = match load_kubeconfig(args)? {
        Some((kc, shown)) => {
            let context = args.context.clone().or_else(|| kc.current_context.clone());
            match &context {
                Some(ctx) if !kc.contexts.iter().any(|c| &c.name == ctx) => {
                    if args.context.is_some() {
                        return Err(Error::UnknownContext {
                            context: ctx.clone(),
                            available: kc.contexts.iter().map(|c| c.name.clone()).collect(),
                        });
                    }
                    return Err(Error::Kubeconfig {
                        path: shown,
                        reason: format!("current-context \"{ctx}\" is not defined in the file"),
                    });
                }
                None => {
                    return Err(Error::Kubeconfig {
                        path: shown,
                        reason: "no current-context is set; pass --context".into(),
                    });
                }
                _ => {}
            }
            let opts = KubeConfigOptions { context, cluster: args.cluster.clone(), user: args.user.clone() };
            Config::from_custom_kubeconfig(kc, &opts).await.map_err(|e| kubeconfig_error(&shown, e))?
        }
        None => Config::incluster().map_err(|e| Error::NoConfig(e.to_string()))?,
    };
    if let Some(ns) = &args.namespace {
        config.default_namespace = ns.clone();
    }
    if let Some(user) = &args.as_user {
        config.auth_info.impersonate = Some(user.clone());
    }
    if !args.as_group.is_empty() {
        config.auth_info.impersonate_groups = Some(args.as_group.clone());
    }
    config.connect_timeout = timeout.or(Some(Duration::from_secs(30)));
    let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
    let namespace = config.default_namespace.clone();
    let mut stream_config = config.clone();
    stream_config.read_timeout = None;
    stream_config.write_timeout = None;
    config.read_timeout = timeout;
    config.write_timeout = timeout;
    let client = kube::Client::try_from(config).map_err(|e| Error::Request(format!("cannot build the client: {e}")))?;
    let stream_client =
        kube::Client::try_from(stream_config).map_err(|e| Error::Request(format!("cannot build the client: {e}")))?;
    Ok(Kube {
        client,
        stream_client,
        server,
        namespace,
        timeout,
        chunk_size: args.chunk_size,
        requests: Default::default(),
    })
}

impl Kube {
    /// Run one request, bounded by --request-timeout, with its error mapped.
    pub async fn call<T, F>(&self, action: super::Action<'_>, fut: F) -> Result<T>
    where
        F: std::future::Future<Output = std::result::Result<T, kube::Error>>,
    {
        self.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let r = match self.timeout {
            // The connect/read timeouts bound each attempt; this bounds the whole call too.
            Some(t) => tokio::time::timeout(t + Duration::from_secs(1), fut).await.map_err(|_| Error::Unreachable {
                server: self.server.clone(),
                reason: format!("no answer within {}s", t.as_secs()),
            })?,
            None => fut.await,
        };
        r.map_err(|e| super::map_err(&self.server, &action, e))
    }

    /// `gitVersion` of the API server.
    pub async fn server_version(&self) -> Result<String> {
        let info = self.call(super::Action::new("get", "version", None), self.client.apiserver_version()).await?;
        Ok(info.git_version)
    }
}
