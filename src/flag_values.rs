//! Values of flags that clap cannot check by itself: durations (kubectl's syntax, bounded so no
//! timer or deadline overflows) and the fan-out concurrency. Plain functions, no clap types.

/// The longest duration a flag takes (30 days): longer ones overflow timers and deadlines.
pub const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// `--max-concurrency`: at least one node at a time, at most this many.
pub const MAX_CONCURRENCY: usize = 1024;

/// kubectl-style durations: `30s`, `5m`, `1h`, `1m30s`, `250ms`, a bare number of seconds;
/// at most [`MAX_DURATION`].
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let invalid = || format!("invalid duration {s:?} (use e.g. 30s, 5m, 1h)");
    let mut total = 0f64;
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        total = s.parse::<f64>().map_err(|_| invalid())?;
    } else {
        let mut num = String::new();
        let mut chars = s.chars().peekable();
        let mut any = false;
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
                continue;
            }
            let mut unit = c.to_string();
            if c == 'm' && chars.peek() == Some(&'s') {
                unit.push(chars.next().unwrap_or('s'));
            }
            let n: f64 = num.parse().map_err(|_| invalid())?;
            num.clear();
            total += match unit.as_str() {
                "ms" => n / 1000.0,
                "s" => n,
                "m" => n * 60.0,
                "h" => n * 3600.0,
                _ => return Err(invalid()),
            };
            any = true;
        }
        if !num.is_empty() || !any {
            return Err(invalid());
        }
    }
    if !total.is_finite() || total > MAX_DURATION.as_secs_f64() {
        return Err(format!("duration {s:?} is too long (at most 720h, 30 days)"));
    }
    std::time::Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

/// `--max-concurrency`: 1 to [`MAX_CONCURRENCY`].
pub fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 && n <= MAX_CONCURRENCY as u64 => Ok(n as usize),
        Ok(_) => Err(format!("must be between 1 and {MAX_CONCURRENCY}")),
        Err(_) => Err(format!("{s:?} is not a number (1 to {MAX_CONCURRENCY})")),
    }
}
