//! Logging on stderr: `-v` levels as tracing filter directives.
//!
//! At `-vvv` everything logs at trace except the transport libraries: at trace the websocket
//! library logs every frame it sends and receives (the keystrokes and the output of `exec -it`
//! sessions) and the HTTP stack its raw traffic, so those stay at debug, where they log
//! connections, handshakes and close frames but no payload. `KUBECTL_HOSTPROCESS_LOG` (an
//! `EnvFilter` string) replaces these directives entirely.

/// Libraries that move request and stream bytes; never above debug.
pub const TRANSPORT_TARGETS: &[&str] = &[
    "tungstenite",
    "tokio_tungstenite",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tower",
    "tower_http",
    "reqwest",
    "kube_client",
];

/// The `EnvFilter` directives for `-v` given `verbose` times.
pub fn directives(verbose: u8) -> String {
    match verbose {
        0 => "warn,kube_client=off,kube_runtime=off".into(),
        1 => "info,kube_client=warn,kube_runtime=warn".into(),
        2 => "debug,hyper=info,hyper_util=info,rustls=info".into(),
        _ => {
            let mut d = String::from("trace");
            for t in TRANSPORT_TARGETS {
                d.push_str(&format!(",{t}=debug"));
            }
            d
        }
    }
}

/// Install the stderr logger (once, at start).
pub fn init(verbose: u8) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KUBECTL_HOSTPROCESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(directives(verbose)));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        // A closed stderr: drop the line. Reporting the failure would print to stderr, and panic.
        .log_internal_errors(false)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::EnvFilter;

    #[test]
    fn every_level_parses_as_a_filter() {
        for v in 0..=5 {
            let d = directives(v);
            EnvFilter::try_new(&d).unwrap_or_else(|e| panic!("-v x{v}: {d}: {e}"));
        }
    }

    #[test]
    fn transport_libraries_never_log_at_trace() {
        for v in 0..=5 {
            let d = directives(v);
            for t in TRANSPORT_TARGETS {
                let own = d.split(',').find(|x| x.starts_with(&format!("{t}=")));
                let global = d.split(',').next().unwrap();
                let level = own.map(|x| x.split('=').nth(1).unwrap()).unwrap_or(global);
                assert_ne!(level, "trace", "-v x{v}: {t} at trace in {d}");
            }
        }
        // The plugin's own logs do reach trace at -vvv.
        assert!(directives(3).starts_with("trace,"));
    }

    #[test]
    fn the_filter_drops_websocket_frames_at_vvv() {
        // What EnvFilter decides for a trace event of tungstenite (a frame) at -vvv.
        use tracing_subscriber::layer::SubscriberExt;
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        struct Record(std::sync::Arc<std::sync::Mutex<Vec<String>>>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Record {
            fn on_event(&self, e: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
                self.0.lock().unwrap().push(format!("{} {}", e.metadata().target(), e.metadata().level()));
            }
        }
        let subscriber = tracing_subscriber::registry().with(Record(seen.clone())).with(EnvFilter::new(directives(3)));
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "tungstenite::protocol", "received frame SECRET");
            tracing::trace!(target: "tokio_tungstenite", "SECRET");
            tracing::trace!(target: "hyper_util::client", "SECRET");
            tracing::debug!(target: "tungstenite::protocol", "received close frame");
            tracing::trace!(target: "kubectl_hostprocess::exec", "own trace");
        });
        let seen = seen.lock().unwrap();
        assert_eq!(*seen, ["tungstenite::protocol DEBUG", "kubectl_hostprocess::exec TRACE"], "{seen:?}");
    }
}
