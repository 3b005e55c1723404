//! Property tests of everything that decodes what a client sends (display
//! names, tokens, event payloads), of the config file an operator writes,
//! and of the host's checks of what a plugin returns (views, the seats a
//! phase names, events). Each target must never panic, and what it accepts
//! must satisfy the rules the docs state.
//!
//! `GAMEHOST_FUZZ_CASES` sets the inputs per target (256 by default, so the
//! suite stays quick); BENCHMARKS.md records a long run and its command.

use gamehost::auth::{KeySettings, Role, TokenService, User, valid_name};
use gamehost::config::Config;
use gamehost::game::service::CreateRequest;
use gamehost::lobby::CreateRoom;
use gamehost::realtime::events::{Payload, decode_request};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use serde_json::Value;

fn runner() -> TestRunner {
    let cases = std::env::var("GAMEHOST_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    })
}

/// Text that mixes what names are made of with what makes them lie.
fn tricky_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => any::<char>(),
        2 => prop::char::range('a', 'z'),
        1 => Just(' '),
        1 => Just('\u{202e}'),
        1 => Just('\u{200b}'),
        1 => Just('\u{2028}'),
        1 => Just('\u{0301}'),
        1 => Just('\u{feff}'),
        1 => Just('\t'),
    ];
    prop::collection::vec(piece, 0..48).prop_map(|v| v.into_iter().collect())
}

#[test]
fn names_that_are_accepted_follow_the_rules() {
    runner()
        .run(&tricky_text(), |name| {
            if let Ok(kept) = valid_name(&name) {
                let count = kept.chars().count();
                prop_assert!((1..=32).contains(&count), "{kept:?} has {count} characters");
                prop_assert_eq!(kept.trim(), kept.as_str());
                prop_assert!(kept.chars().any(char::is_alphanumeric));
                let hidden = kept.chars().any(|c| {
                    c.is_control() || matches!(c, '\u{200b}' | '\u{202e}' | '\u{2028}' | '\u{feff}')
                });
                prop_assert!(!hidden, "{:?} hides characters", kept);
                let again = valid_name(&kept);
                prop_assert_eq!(again.as_deref(), Ok(kept.as_str()), "accepting is stable");
            }
            Ok(())
        })
        .unwrap();
}

fn tokens() -> TokenService {
    TokenService::new(&KeySettings {
        secret: b"fuzzing secret of at least thirty-two bytes".to_vec(),
        ..KeySettings::default()
    })
    .unwrap()
}

#[test]
fn arbitrary_and_altered_tokens_are_refused() {
    let service = tokens();
    let user = User {
        id: "u-1".into(),
        name: "Ada".into(),
        role: Role::Player,
    };
    let good = service
        .mint(&user, std::time::Duration::from_secs(3600))
        .unwrap();
    let strategy = prop_oneof![
        any::<String>().prop_map(|t| (t, false)),
        "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,60}".prop_map(|t| (t, false)),
        (0..good.len(), any::<u8>()).prop_map({
            let good = good.clone();
            move |(at, byte)| {
                let mut bytes = good.clone().into_bytes();
                let same = bytes[at] == byte;
                bytes[at] = byte;
                (String::from_utf8_lossy(&bytes).into_owned(), same)
            }
        }),
    ];
    runner()
        .run(&strategy, |(token, unchanged)| {
            let verdict = service.verify(&token);
            if !unchanged && token.trim() != good {
                // Base64url leaves the low bits of a last character unused:
                // such a change decodes to the same signature.
                if let Ok(u) = &verdict {
                    prop_assert_eq!(u, &user);
                    prop_assert_eq!(token.len(), good.len());
                }
            }
            Ok(())
        })
        .unwrap();
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[ -~]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("gameType"),
            Just("players"),
            Just("options"),
            Just("seats"),
            Just("name")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("gameType".to_string()),
                    Just("players".to_string()),
                    Just("options".to_string()),
                    Just("timeControl".to_string()),
                    Just("allowSpectators".to_string()),
                    Just("name".to_string()),
                    Just("seats".to_string()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn event_payloads_decode_or_are_refused_as_malformed() {
    let packet = prop_oneof![
        json_value().prop_map(|v| format!("[\"game:create\",{v}]")),
        json_value().prop_map(|v| format!("[\"lobby:create-room\",{v},{v}]")),
        any::<String>(),
        "\\[\"[a-z:]{0,12}\"(,[\\[\\]{}\",:0-9a-z]{0,30})?\\]",
    ];
    runner()
        .run(&packet, |packet| {
            for payload in [Payload::Required, Payload::Optional] {
                match decode_request::<Value>(&packet, payload) {
                    Ok(v) => prop_assert!(v.is_object(), "{packet}: {v}"),
                    Err(e) => prop_assert_eq!(e.code.as_str(), "MALFORMED"),
                }
                for refused in [
                    decode_request::<CreateRequest>(&packet, payload).err(),
                    decode_request::<CreateRoom>(&packet, payload).err(),
                ]
                .into_iter()
                .flatten()
                {
                    prop_assert_eq!(refused.code.as_str(), "MALFORMED");
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_config_file_parses_or_is_refused_without_panicking() {
    let key = prop_oneof![
        Just("listen"),
        Just("reconnect_grace_ms"),
        Just("[socket]\nmax_payload_bytes"),
        Just("[limits]\nmax_connections_per_address"),
        Just("[limits]\ntrusted_proxies"),
        Just("[auth]\nleeway_secs"),
        Just("[plugin]\ncompile_memory_mib"),
        Just("[rate_limit]\nburst"),
        Just("[lobby]\nmax_rooms_per_user"),
        Just("unknown"),
    ];
    let value = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        "\"[ -~]{0,20}\"",
        Just("[\"10.0.0.1\", \"::1\"]".to_string()),
        Just("true".to_string()),
        "[ -~]{0,20}",
    ];
    let file = prop_oneof![
        prop::collection::vec((key, value), 0..5).prop_map(|kv| {
            kv.into_iter()
                .map(|(k, v)| format!("{k} = {v}\n"))
                .collect::<String>()
        }),
        any::<String>(),
    ];
    runner()
        .run(&file, |text| {
            if let Ok(config) = toml::from_str::<Config>(&text) {
                // Whatever parses yields usable settings.
                let limits = config.limits.admission();
                prop_assert!(
                    limits.max_connections >= 1 && limits.max_connections_per_address >= 1
                );
                let timeouts = config.limits.timeouts();
                prop_assert!(timeouts.header_read.as_millis() >= 100);
                let _ = config.rate_limit.rate_limit();
                let _ = config.lobby.limits();
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn plugin_output_is_checked_before_it_is_kept() {
    use gamehost::game::output::{check_seats, raw_events, view_json};
    use gamehost_sdk::{Outcome, Phase, Transition};
    let phase = prop_oneof![
        prop::collection::vec(0u32..20, 0..4).prop_map(Phase::ToMove),
        prop::collection::vec(0u32..20, 0..4).prop_map(|winners| Phase::Finished(Outcome {
            winners,
            ..Outcome::default()
        })),
    ];
    let output = (
        phase,
        1u32..17,
        prop_oneof![any::<String>(), json_value().prop_map(|v| v.to_string())],
        prop::collection::vec(
            prop_oneof![any::<String>(), json_value().prop_map(|v| v.to_string())],
            0..4,
        ),
    );
    runner()
        .run(&output, |(phase, seats, view, events)| {
            let named: Vec<u32> = match &phase {
                Phase::ToMove(s) => s.clone(),
                Phase::Finished(o) => o.winners.clone(),
            };
            let fine = named.iter().all(|s| *s < seats)
                && !matches!(&phase, Phase::ToMove(s) if s.is_empty());
            let transition = Transition {
                state: Vec::new(),
                phase,
                events: events.clone(),
            };
            prop_assert_eq!(check_seats(&transition, seats).is_ok(), fine);
            let is_json = serde_json::from_str::<Value>(&view).is_ok();
            prop_assert_eq!(view_json(view).is_ok(), is_json);
            let sent = raw_events(&events);
            prop_assert_eq!(sent.len(), events.len());
            for (text, value) in events.iter().zip(&sent) {
                if serde_json::from_str::<Value>(text).is_err() {
                    prop_assert_eq!(value, &Value::Null);
                }
            }
            Ok(())
        })
        .unwrap();
}
