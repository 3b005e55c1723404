//! Logging that a flood cannot amplify: an event identical to one logged
//! in the last few seconds (same place in the code, same fields: the same
//! refusal of the same connection, the same library error) is counted
//! instead of written again, and a summary of what was held back is
//! written once per window.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// How long an identical event is held back after it was written.
const WINDOW: Duration = Duration::from_secs(10);
/// Distinct events remembered at once; beyond it, new ones are written.
const REMEMBERED: usize = 10_000;

/// The layer that holds repeats back (put it before the writer).
#[derive(Clone, Default)]
pub struct Repeats {
    seen: Arc<Mutex<HashMap<String, Seen>>>,
}

struct Seen {
    written_at: Instant,
    held: u64,
}

/// The fields of an event, as text: its identity.
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?};", field.name(), value);
    }
}

impl Repeats {
    /// Whether `key` is written now (false: held back and counted).
    fn admit(&self, key: String, now: Instant) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get_mut(&key) {
            Some(s) if now.duration_since(s.written_at) < WINDOW => {
                s.held += 1;
                false
            }
            Some(s) => {
                s.written_at = now;
                true
            }
            None => {
                if seen.len() < REMEMBERED {
                    seen.insert(
                        key,
                        Seen {
                            written_at: now,
                            held: 0,
                        },
                    );
                }
                true
            }
        }
    }

    /// Takes what was held back in windows that ended: `(event, count)`;
    /// forgets events not seen for a window.
    fn drain(&self, now: Instant) -> Vec<(String, u64)> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        seen.retain(|key, s| {
            let ended = now.duration_since(s.written_at) >= WINDOW;
            if ended && s.held > 0 {
                out.push((key.clone(), s.held));
                s.held = 0;
            }
            !ended || s.held > 0
        });
        out
    }

    /// Writes, every window, a line per event that was held back.
    pub fn report_every_window(&self) {
        let repeats = self.clone();
        std::thread::Builder::new()
            .name("log-repeats".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(WINDOW);
                    for (event, count) in repeats.drain(Instant::now()) {
                        tracing::warn!(count, event = %event, "identical log lines held back");
                    }
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| eprintln!("no log summaries: {e}"));
    }
}

impl<S: Subscriber> Layer<S> for Repeats {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        // Only lines that could come in floods: the host's own debug logs
        // are for someone looking, and summaries are never held back.
        if *meta.level() > tracing::Level::INFO || meta.name().contains("logging.rs") {
            return true;
        }
        let mut fields = Fields(format!("{}:{}: ", meta.target(), meta.line().unwrap_or(0)));
        event.record(&mut fields);
        self.admit(fields.0, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_within_the_window_is_held_back_and_reported_once() {
        let repeats = Repeats::default();
        let t0 = Instant::now();
        assert!(repeats.admit("refused x".into(), t0));
        for _ in 0..999 {
            assert!(!repeats.admit("refused x".into(), t0 + Duration::from_secs(1)));
        }
        assert!(
            repeats.admit("refused y".into(), t0),
            "another event is written"
        );
        assert!(
            repeats.drain(t0 + Duration::from_secs(2)).is_empty(),
            "not before the window ends"
        );
        let report = repeats.drain(t0 + WINDOW);
        assert_eq!(report, vec![("refused x".to_string(), 999)]);
        assert!(repeats.admit("refused x".into(), t0 + WINDOW + Duration::from_secs(1)));
    }
}
