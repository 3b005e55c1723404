//! Leak checks for games that declare hidden information.
//!
//! At every position of a game in progress, the declared pointers find the
//! secrets in the omniscient view. Then:
//! - a viewer's view (a seat's, the spectator's) must not equal the
//!   omniscient view while it hides anything from that viewer;
//! - at a secret's own pointer, the view of a viewer it is hidden from must
//!   not hold the secret's value;
//! - anywhere in such a view, and anywhere in the events of the move that
//!   led here, a distinctive secret (a list or object of two or more values,
//!   or a string of three or more characters) must not appear.
//!
//! A value found where it should not be may be a coincidence: a reveal of
//! the previous round's dice can equal the new roll. Such a finding is
//! judged by replaying the move that led here with other randomness: when
//! the secret changes and the view or event follows it, it is a leak; when
//! the secret changes and the view or event does not follow, it was a
//! coincidence. A secret this move's randomness does not change (a hand
//! dealt earlier) was already hidden before the move, so showing it now is
//! a leak when it is shown at its own pointer or is too large to match by
//! chance (three or more values, or a string of six or more characters).

use super::fault;
use crate::rules::Rules;
use crate::secrets::{self, Secret};
use crate::types::{Context, Secrets, Setup, Transition, Viewer};
use serde_json::Value;

/// How the position was reached, so it can be reached again with other
/// randomness.
pub(super) enum Origin<'a> {
    /// Set up by `start`.
    Start(&'a Setup),
    /// Reached by a move.
    Move {
        /// The state the move was applied to.
        before: &'a [u8],
        /// Its context (the entropy is varied).
        ctx: Context,
        /// The move.
        mv: &'a str,
    },
    /// Reached by a forfeit, which takes no randomness.
    Forfeit,
}

/// Where a suspect value was seen.
#[derive(Clone, Copy)]
enum Artefact {
    View(Viewer),
    Event(usize),
}

struct Suspect<'s> {
    artefact: Artefact,
    /// Where in the view or event.
    at: String,
    secret: &'s Secret,
}

/// Most suspects judged per position: each costs replays.
const SUSPECTS_PER_POSITION: usize = 8;
/// Replays with other randomness before a suspect is judged.
const REPLAYS: u64 = 4;

fn viewer_name(viewer: Viewer) -> String {
    match viewer {
        Viewer::Seat(seat) => format!("view(seat {seat})"),
        Viewer::Spectator => "view(spectator)".into(),
        Viewer::Omniscient => "view(omniscient)".into(),
    }
}

/// The scalar values in `value`.
fn leaves(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().map(leaves).sum(),
        Value::Object(map) => map.values().map(leaves).sum(),
        _ => 1,
    }
}

/// A value that does not turn up by chance: lists and objects of two or
/// more values, strings of three or more characters.
fn distinctive(value: &Value) -> bool {
    match value {
        Value::Array(_) | Value::Object(_) => leaves(value) >= 2,
        Value::String(s) => s.chars().count() >= 3,
        _ => false,
    }
}

/// Every pointer in `haystack` whose value equals `needle`.
fn occurrences(haystack: &Value, needle: &Value, at: String, out: &mut Vec<String>) {
    if haystack == needle {
        out.push(at);
        return;
    }
    match haystack {
        Value::Object(map) => {
            for (key, child) in map {
                occurrences(child, needle, format!("{at}/{}", secrets::escape(key)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                occurrences(child, needle, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn shown(value: &Value) -> String {
    super::preview(&value.to_string())
}

/// Checks one position's views (`seen`, omniscient included) and the events
/// of the transition that reached it. The inner error is a leak; the outer
/// one a fault in a replay.
pub(super) fn check(
    rules: &mut dyn Rules,
    declared: &Secrets,
    current: &Transition,
    seen: &[(Viewer, Value)],
    origin: &Origin<'_>,
) -> Result<Result<(), String>, String> {
    let Some((_, omniscient)) = seen.iter().find(|(v, _)| *v == Viewer::Omniscient) else {
        return Ok(Ok(()));
    };
    // An empty hand hides nothing.
    let found: Vec<Secret> = secrets::find_all(declared, omniscient)
        .into_iter()
        .filter(|s| !matches!(&s.value, Value::Array(a) if a.is_empty()))
        .filter(|s| !matches!(&s.value, Value::Object(o) if o.is_empty()))
        .filter(|s| s.value != "")
        .collect();
    if found.is_empty() {
        return Ok(Ok(()));
    }
    let mut suspects = Vec::new();
    for (viewer, view) in seen.iter().filter(|(v, _)| *v != Viewer::Omniscient) {
        let hidden: Vec<&Secret> = found.iter().filter(|s| !s.visible_to(*viewer)).collect();
        if let Some(first) = hidden.first()
            && view == omniscient
        {
            return Ok(Err(format!(
                "{} equals the omniscient view, so it shows {} ({})",
                viewer_name(*viewer),
                first.describe(),
                shown(&first.value)
            )));
        }
        for secret in hidden {
            if view.pointer(&secret.pointer) == Some(&secret.value) {
                suspects.push(Suspect {
                    artefact: Artefact::View(*viewer),
                    at: secret.pointer.clone(),
                    secret,
                });
                continue;
            }
            // The viewer's own secret may equal another's (two cups with
            // the same dice); finding it is no leak.
            let own = found
                .iter()
                .any(|o| o.visible_to(*viewer) && o.value == secret.value);
            if distinctive(&secret.value) && !own {
                let mut at = Vec::new();
                occurrences(view, &secret.value, String::new(), &mut at);
                suspects.extend(at.into_iter().map(|at| Suspect {
                    artefact: Artefact::View(*viewer),
                    at,
                    secret,
                }));
            }
        }
    }
    for (i, event) in current.events.iter().enumerate() {
        let Ok(event) = serde_json::from_str::<Value>(event) else {
            continue;
        };
        for secret in found.iter().filter(|s| distinctive(&s.value)) {
            let mut at = Vec::new();
            occurrences(&event, &secret.value, String::new(), &mut at);
            suspects.extend(at.into_iter().map(|at| Suspect {
                artefact: Artefact::Event(i),
                at,
                secret,
            }));
        }
    }
    for suspect in suspects.iter().take(SUSPECTS_PER_POSITION) {
        if confirmed(rules, declared, omniscient, origin, suspect)? {
            return Ok(Err(describe(suspect, origin)));
        }
    }
    Ok(Ok(()))
}

fn describe(suspect: &Suspect<'_>, origin: &Origin<'_>) -> String {
    let secret = suspect.secret;
    let value = shown(&secret.value);
    match suspect.artefact {
        Artefact::View(viewer) if suspect.at == secret.pointer => format!(
            "{} shows {} at {}: {value}",
            viewer_name(viewer),
            secret.describe(),
            suspect.at
        ),
        Artefact::View(viewer) => format!(
            "{} holds {} at {}: {value}",
            viewer_name(viewer),
            secret.describe(),
            at_or_root(&suspect.at)
        ),
        Artefact::Event(i) => {
            let call = match origin {
                Origin::Start(_) => "start".to_string(),
                Origin::Move { ctx, mv, .. } => format!("apply({mv}) by seat {}", ctx.seat),
                Origin::Forfeit => "forfeit".to_string(),
            };
            format!(
                "event {i} of {call} carries {} at {}: {value} (events are public)",
                secret.describe(),
                at_or_root(&suspect.at)
            )
        }
    }
}

fn at_or_root(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the root"
    } else {
        pointer
    }
}

/// Replays the position with other randomness and decides whether the
/// suspect follows the secret (a leak) or stays put (a coincidence).
/// `omniscient` is the position's omniscient view.
fn confirmed(
    rules: &mut dyn Rules,
    declared: &Secrets,
    omniscient: &Value,
    origin: &Origin<'_>,
    suspect: &Suspect<'_>,
) -> Result<bool, String> {
    let secret = suspect.secret;
    for k in 1..=REPLAYS {
        let salt = k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let replay = match origin {
            Origin::Start(setup) => rules
                .start(&Setup {
                    seed: setup.seed ^ salt,
                    ..(*setup).clone()
                })
                .map_err(|f| fault("start", &f))?
                .ok(),
            Origin::Move { before, ctx, mv } => rules
                .apply(
                    before,
                    &Context {
                        entropy: ctx.entropy ^ salt,
                        ..*ctx
                    },
                    mv,
                )
                .map_err(|f| fault("apply", &f))?
                .ok(),
            Origin::Forfeit => None,
        };
        let Some(replay) = replay else {
            break;
        };
        let replayed = view(rules, &replay.state, Viewer::Omniscient)?;
        let Some(moved) = replayed.pointer(&secret.pointer) else {
            continue;
        };
        if *moved == secret.value {
            continue;
        }
        let artefact = match suspect.artefact {
            Artefact::View(viewer) => Some(view(rules, &replay.state, viewer)?),
            Artefact::Event(i) => replay
                .events
                .get(i)
                .and_then(|e| serde_json::from_str::<Value>(e).ok()),
        };
        let there = artefact.as_ref().and_then(|a| a.pointer(&suspect.at));
        return Ok(there == Some(moved));
    }
    // The secret does not change with this move's randomness: it was hidden
    // before the move and is shown now, unless the match is a coincidence,
    // which the replays cannot rule out here. Only a match at the secret's
    // own pointer or of a value too large to recur by chance counts, and
    // not when the value is a secret this move replaced (a reveal of the
    // old cup that happens to equal another cup).
    let telling = suspect.at == secret.pointer
        || leaves(&secret.value) >= 3
        || matches!(&secret.value, Value::String(s) if s.chars().count() >= 6);
    Ok(telling && !replaced_by_the_move(rules, declared, omniscient, origin, &secret.value)?)
}

/// True when `value` was a secret before the move and the move changed it
/// (`now` is the omniscient view after the move): showing it now reveals
/// the past, not a current secret.
fn replaced_by_the_move(
    rules: &mut dyn Rules,
    declared: &Secrets,
    now: &Value,
    origin: &Origin<'_>,
    value: &Value,
) -> Result<bool, String> {
    let Origin::Move { before, .. } = origin else {
        return Ok(false);
    };
    let earlier = secrets::find_all(declared, &view(rules, before, Viewer::Omniscient)?);
    Ok(earlier
        .iter()
        .any(|s| s.value == *value && now.pointer(&s.pointer) != Some(&s.value)))
}

fn view(rules: &mut dyn Rules, state: &[u8], viewer: Viewer) -> Result<Value, String> {
    let text = rules
        .view(state, viewer)
        .map_err(|f| fault(&viewer_name(viewer), &f))?;
    serde_json::from_str(&text).map_err(|_| format!("{} is not valid JSON", viewer_name(viewer)))
}

#[cfg(test)]
mod tests {
    use crate::conformance::{CheckOptions, Report};
    use crate::prelude::*;
    use std::time::Duration;

    /// Two cups of three dice; a move rerolls the mover's cup. What the
    /// event says about it is the variant under test.
    struct Cups<const EVENT: u8>;

    const SAYS_WHO: u8 = 0;
    const SHOWS_THE_OLD_CUP: u8 = 1;
    const SHOWS_THE_NEW_CUP: u8 = 2;

    #[derive(Serialize, Deserialize)]
    struct Table {
        cups: Vec<Vec<u32>>,
        moves: u32,
    }

    impl<const EVENT: u8> Game for Cups<EVENT> {
        type State = Table;
        type Move = String;
        type Options = NoOptions;

        fn info() -> GameInfo {
            GameInfo {
                id: "cups".into(),
                name: "Cups".into(),
                version: "1.0.0".into(),
                min_players: 2,
                max_players: 2,
                description: "Reroll your cup.".into(),
                options_schema: None,
                information: Information::Hidden(Secrets::seat_private(&["/cups/{seat}"])),
                example_moves: vec!["\"reroll\"".into()],
            }
        }

        fn start(players: u32, _: NoOptions, rng: &mut Rng) -> Result<Table, String> {
            let cups = (0..players)
                .map(|_| (0..3).map(|_| rng.roll(6)).collect())
                .collect();
            Ok(Table { cups, moves: 0 })
        }

        fn phase(table: &Table) -> Phase {
            if table.moves >= 6 {
                Phase::Finished(Outcome::draw("six rerolls"))
            } else {
                Phase::ToMove(vec![table.moves % 2])
            }
        }

        fn apply(table: &mut Table, mv: String, turn: &mut Turn) -> Result<(), MoveError> {
            if mv != "reroll" {
                return Err(MoveError::illegal("the only move is \"reroll\""));
            }
            let seat = turn.seat as usize;
            let new: Vec<u32> = (0..3).map(|_| turn.rng.roll(6)).collect();
            let old = std::mem::replace(&mut table.cups[seat], new.clone());
            match EVENT {
                SHOWS_THE_OLD_CUP => turn.emit(json!({ "rerolled": seat, "was": old })),
                SHOWS_THE_NEW_CUP => turn.emit(json!({ "rerolled": seat, "now": new })),
                _ => turn.emit(json!({ "rerolled": seat })),
            }
            table.moves += 1;
            Ok(())
        }

        fn legal_moves(_: &Table, _: Seat) -> Vec<String> {
            vec!["reroll".into()]
        }
    }

    fn check<G: Game + 'static>(seed: u64) -> Report {
        crate::testing::check::<G>(&CheckOptions {
            playouts: 300,
            time: Duration::from_secs(5),
            ..CheckOptions::default().with_seed(seed)
        })
    }

    #[test]
    fn a_secret_rerolled_by_the_move_and_shown_in_its_event_is_a_leak() {
        let report = check::<Cups<SHOWS_THE_NEW_CUP>>(3);
        let leak = report.failures().next().expect("a failure");
        assert_eq!(leak.name, "hidden-info", "{report}");
        assert!(
            leak.message.contains("event 0 of apply(\"reroll\")"),
            "{report}"
        );
        assert!(leak.message.contains("/cups/"), "{report}");
        assert!(leak.message.contains(" at /now:"), "{report}");
    }

    #[test]
    fn revealing_the_cup_a_move_replaced_is_not_a_leak_even_when_the_roll_repeats() {
        // 300 games of six rerolls: a new cup equal to the old one (1 in
        // 216 per reroll) turns up several times, and is judged a
        // coincidence by the replays.
        for seed in [1, 2, 3] {
            let report = check::<Cups<SHOWS_THE_OLD_CUP>>(seed);
            assert!(report.passed(), "{report}");
        }
        assert!(check::<Cups<SAYS_WHO>>(4).passed());
    }
}
