//! Declared secrets in views: finding them and hiding them.
//!
//! A game that declares hidden information names where its omniscient view
//! keeps each secret, as JSON Pointers in which the segment `{seat}` stands
//! for the owning seat and `*` for any one key or index. The SDK's default
//! view hides those values from viewers who may not see them, and the
//! conformance suite uses the same pointers to look for leaks.

use crate::types::{Seat, Secrets, Viewer};
use serde_json::Value;

/// One secret found in a view.
#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    /// The seat it belongs to; `None` for what no player sees.
    pub owner: Option<Seat>,
    /// Where it is, as a concrete JSON Pointer (`/hands/1`).
    pub pointer: String,
    /// Its value.
    pub value: Value,
}

impl Secret {
    /// True when `viewer` may see this secret.
    pub fn visible_to(&self, viewer: Viewer) -> bool {
        match (viewer, self.owner) {
            (Viewer::Omniscient, _) => true,
            (Viewer::Seat(seat), Some(owner)) => seat == owner,
            _ => false,
        }
    }

    /// Who may see it, in words.
    pub fn describe(&self) -> String {
        match self.owner {
            Some(seat) => format!("seat {seat}'s secret {}", self.pointer),
            None => format!("the hidden value {}", self.pointer),
        }
    }
}

/// A pattern's segment.
enum Segment {
    Key(String),
    Seat,
    Any,
}

fn parse(pattern: &str) -> Vec<Segment> {
    pattern
        .split('/')
        .skip(1)
        .map(|raw| match raw {
            "{seat}" => Segment::Seat,
            "*" => Segment::Any,
            key => Segment::Key(key.replace("~1", "/").replace("~0", "~")),
        })
        .collect()
}

/// Escapes one key for a JSON Pointer.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every value at `pattern` in `view`, with its concrete pointer and the
/// seat `{seat}` bound to (if the pattern has one).
fn find<'v>(pattern: &str, view: &'v Value) -> Vec<(Option<Seat>, String, &'v Value)> {
    let segments = parse(pattern);
    let mut found = Vec::new();
    walk(&segments, view, None, String::new(), &mut found);
    found
}

fn walk<'v>(
    segments: &[Segment],
    value: &'v Value,
    seat: Option<Seat>,
    pointer: String,
    found: &mut Vec<(Option<Seat>, String, &'v Value)>,
) {
    let Some((first, rest)) = segments.split_first() else {
        found.push((seat, pointer, value));
        return;
    };
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (key, child) in children {
        let bound = match first {
            Segment::Key(wanted) if *wanted == key => seat,
            Segment::Key(_) => continue,
            Segment::Any => seat,
            Segment::Seat => match key.parse::<Seat>() {
                Ok(owner) => Some(owner),
                Err(_) => continue,
            },
        };
        walk(
            rest,
            child,
            bound,
            format!("{pointer}/{}", escape(&key)),
            found,
        );
    }
}

/// Every declared secret in the omniscient view `view` (nulls left out:
/// nothing is hidden there yet).
pub fn find_all(secrets: &Secrets, view: &Value) -> Vec<Secret> {
    let private = secrets.seat_private.iter().flat_map(|pattern| {
        find(pattern, view)
            .into_iter()
            .filter_map(|(owner, pointer, value)| {
                owner.map(|owner| Secret {
                    owner: Some(owner),
                    pointer,
                    value: value.clone(),
                })
            })
    });
    let hidden = secrets.hidden.iter().flat_map(|pattern| {
        find(pattern, view)
            .into_iter()
            .map(|(_, pointer, value)| Secret {
                owner: None,
                pointer,
                value: value.clone(),
            })
    });
    private
        .chain(hidden)
        .filter(|secret| !secret.value.is_null())
        .collect()
}

/// Replaces with `null` every declared secret `viewer` may not see: the
/// SDK's default view of a game with hidden information.
pub fn redact(view: &mut Value, secrets: &Secrets, viewer: Viewer) {
    let unseen: Vec<String> = find_all(secrets, view)
        .into_iter()
        .filter(|secret| !secret.visible_to(viewer))
        .map(|secret| secret.pointer)
        .collect();
    for pointer in unseen {
        if let Some(slot) = view.pointer_mut(&pointer) {
            *slot = Value::Null;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> Value {
        json!({
            "players": [{"dice": [1, 2]}, {"dice": [3]}],
            "hands": {"0": ["A"], "1": ["K"], "pile": ["Q"]},
            "deck": ["2", "3"],
            "a/b": {"x": 1},
        })
    }

    #[test]
    fn finds_seat_secrets_with_their_owner() {
        let secrets = Secrets::seat_private(&["/players/{seat}/dice", "/hands/{seat}"]);
        let found = find_all(&secrets, &table());
        let owners: Vec<(Option<Seat>, &str)> = found
            .iter()
            .map(|s| (s.owner, s.pointer.as_str()))
            .collect();
        assert_eq!(
            owners,
            vec![
                (Some(0), "/players/0/dice"),
                (Some(1), "/players/1/dice"),
                (Some(0), "/hands/0"),
                (Some(1), "/hands/1"),
            ]
        );
    }

    #[test]
    fn wildcards_and_escaped_keys() {
        let secrets = Secrets::default().and_hidden(&["/deck", "/a~1b/*"]);
        let found = find_all(&secrets, &table());
        let pointers: Vec<&str> = found.iter().map(|s| s.pointer.as_str()).collect();
        assert_eq!(pointers, vec!["/deck", "/a~1b/x"]);
        assert!(found.iter().all(|s| s.owner.is_none()));
    }

    #[test]
    fn redaction_keeps_what_the_viewer_may_see() {
        let secrets = Secrets::seat_private(&["/players/{seat}/dice"]).and_hidden(&["/deck"]);
        let mut seat0 = table();
        redact(&mut seat0, &secrets, Viewer::Seat(0));
        assert_eq!(seat0["players"][0]["dice"], json!([1, 2]));
        assert_eq!(seat0["players"][1]["dice"], Value::Null);
        assert_eq!(seat0["deck"], Value::Null);
        let mut spectator = table();
        redact(&mut spectator, &secrets, Viewer::Spectator);
        assert_eq!(spectator["players"][0]["dice"], Value::Null);
        let mut all = table();
        redact(&mut all, &secrets, Viewer::Omniscient);
        assert_eq!(all, table());
    }
}
