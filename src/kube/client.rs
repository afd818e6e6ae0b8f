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
    /// For ordinary requests: [`Kube::call`] bounds each by --request-timeout.
    pub client: kube::Client,
    /// For long streams (exec, logs, watches): the same client (one authentication per run),
    /// used without `call`'s bound.
    pub stream_client: kube::Client,
    pub server: String,
    /// The kubeconfig context in use, by name (`None` in-cluster).
    pub context: Option<String>,
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

/// The `proxy-url` of the cluster these options select in this kubeconfig, if any.
fn kubeconfig_proxy(kc: &Kubeconfig, context: Option<&str>, cluster: Option<&str>) -> Option<String> {
    let from_context =
        || kc.contexts.iter().find(|c| Some(c.name.as_str()) == context)?.context.as_ref().map(|c| c.cluster.clone());
    let name = cluster.map(str::to_string).or_else(from_context)?;
    let named = kc.clusters.iter().find(|c| c.name == name)?;
    named.cluster.as_ref()?.proxy_url.clone().filter(|p| !p.trim().is_empty())
}

/// The proxy to the API server: the kubeconfig's `proxy-url` as it is, else the environment
/// with `NO_PROXY` (see [`super::proxy`]). Only http:// and https:// proxies are supported.
fn choose_proxy(explicit: Option<String>, server: &http::Uri, shown: &str) -> Result<Option<http::Uri>> {
    let env = |k: &str| std::env::var(k).ok();
    let (url, source) = match explicit {
        Some(p) => (p, "proxy-url"),
        None => match super::proxy::from_env(server, &env) {
            Some(p) => (p, if server.scheme_str() == Some("http") { "HTTP_PROXY" } else { "HTTPS_PROXY" }),
            None => return Ok(None),
        },
    };
    let bad = |why: String| Error::Kubeconfig { path: shown.to_string(), reason: why };
    let uri: http::Uri =
        url.trim().parse().map_err(|e| bad(format!("{source} {} is not a URL: {e}", super::proxy::redact(&url))))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some() => Ok(Some(uri)),
        scheme => Err(bad(format!(
            "{source} {}: unsupported proxy scheme {:?} (use http:// or https://)",
            super::proxy::redact(&url),
            scheme.unwrap_or("")
        ))),
    }
}

/// Why a client could not be built from this configuration. No request has been sent yet, so it is
/// the kubeconfig's fault: the user's credential plugin, TLS material or proxy. The plugin's stdout
/// (where a token would be) is never shown.
fn build_error(shown: &str, e: kube::Error) -> Error {
    use kube::client::AuthError;
    let reason = match e {
        kube::Error::Auth(AuthError::AuthExecRun { cmd, out }) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or("");
            let tail = if last.is_empty() { String::new() } else { format!(": {last}") };
            format!("the exec credential plugin {cmd:?} failed ({}){tail}", out.status)
        }
        kube::Error::Auth(AuthError::AuthExecStart(io)) => format!("cannot run the exec credential plugin: {io}"),
        kube::Error::Auth(AuthError::AuthExecParse(_)) => {
            "the exec credential plugin's output is not an ExecCredential".to_string()
        }
        kube::Error::Auth(a) => format!("the user's credentials: {a}"),
        other => {
            let mut s = other.to_string();
            let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(&other);
            while let Some(c) = cur {
                let m = c.to_string();
                if !s.contains(&m) {
                    s.push_str(": ");
                    s.push_str(&m);
                }
                cur = c.source();
            }
            s
        }
    };
    Error::Kubeconfig { path: shown.to_string(), reason: reason.replace('\n', " ") }
}

/// The client for this configuration, running an exec credential plugin once.
///
/// kube-rs runs the plugin three times while it builds a client (the auth layer, then twice for
/// a client certificate the plugin might return). When the plugin is what authenticates (no
/// auth-provider, basic auth or token before it), its auth layer (which re-runs the plugin only
/// when the token expires) is built once and put on a client built without the plugin. A plugin
/// that returns a client certificate instead of a token needs kube-rs's own path.
fn build_client(config: Config) -> std::result::Result<kube::Client, kube::Error> {
    use kube::client::{ClientBuilder, ConfigExt};
    let a = &config.auth_info;
    let exec_authenticates = a.exec.is_some()
        && a.auth_provider.is_none()
        && !(a.username.is_some() && a.password.is_some())
        && a.token.is_none()
        && a.token_file.is_none();
    if exec_authenticates && let Some(auth) = config.auth_layer()? {
        let mut without_plugin = config;
        without_plugin.auth_info.exec = None;
        // The token layer clones the service under it: a buffer makes the boxed stack clonable.
        let buffer = tower::buffer::BufferLayer::new(1024);
        return Ok(ClientBuilder::try_from(without_plugin)?.with_layer(&buffer).with_layer(&auth).build());
    }
    kube::Client::try_from(config)
}

/// Build the client from kubectl's global flags (anything that converts to [`ClientOptions`]).
///
/// One client per run: kube-rs runs an exec credential plugin each time a client is built, so
/// ordinary requests and streams share this one. --request-timeout bounds every ordinary
/// request in [`Kube::call`]; streams (exec, logs, watches) have no read timeout.
pub async fn connect(options: impl Into<ClientOptions>) -> Result<Kube> {
    let args = &options.into();
    let timeout = if args.request_timeout.is_zero() { None } else { Some(args.request_timeout) };
    let (mut config, shown, explicit_proxy, context) = match load_kubeconfig(args)? {
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
            let explicit = kubeconfig_proxy(&kc, context.as_deref(), args.cluster.as_deref());
            let opts =
                KubeConfigOptions { context: context.clone(), cluster: args.cluster.clone(), user: args.user.clone() };
            let config = Config::from_custom_kubeconfig(kc, &opts).await.map_err(|e| kubeconfig_error(&shown, e))?;
            (config, shown, explicit, context)
        }
        None => {
            (Config::incluster().map_err(|e| Error::NoConfig(e.to_string()))?, "in-cluster config".into(), None, None)
        }
    };
    config.proxy_url = choose_proxy(explicit_proxy, &config.cluster_url, &shown)?;
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
    config.read_timeout = None;
    config.write_timeout = None;
    let client = build_client(config).map_err(|e| build_error(&shown, e))?;
    Ok(Kube {
        stream_client: client.clone(),
        client,
        server,
        context,
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
