//! The move clients send: a UCI string such as `"e2e4"` or `"e7e8q"`.
//!
//! UCI is what engines and most chess libraries speak, needs no knowledge
//! of the position to parse (unlike SAN), and has exactly one spelling per
//! move, so the move log is canonical. Castling is the king's move
//! (`"e1g1"`). Syntax is checked while deserialising, so a string that is not
//! a move at all becomes `MoveError::Malformed`; whether the move is legal is
//! for the game to decide.

use crate::board::{Kind, Square, parse_square, square_name};
use crate::movegen::moves::Move;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A move in UCI notation: from-square, to-square, optional promotion
/// piece. Serialises as a plain JSON string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UciMove {
    /// Origin square (`a1 = 0` ... `h8 = 63`).
    pub from: Square,
    /// Destination square.
    pub to: Square,
    /// The piece a pawn promotes to (knight, bishop, rook or queen).
    pub promotion: Option<Kind>,
}

impl UciMove {
    /// True when `mv` is this move.
    pub fn matches(&self, mv: Move) -> bool {
        mv.from() == self.from && mv.to() == self.to && mv.promotion() == self.promotion
    }
}

/// Why a string is not a UCI move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UciError(String);

impl fmt::Display for UciError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UciError {}

impl FromStr for UciMove {
    type Err = UciError;

    fn from_str(text: &str) -> Result<UciMove, UciError> {
        let bad = || {
            let shown: String = text.chars().take(16).collect();
            UciError(format!(
                "{shown:?} is not a UCI move: expected two squares like \"e2e4\", \
                 plus q, r, b or n when a pawn promotes (\"e7e8q\")"
            ))
        };
        if !text.is_ascii() || !(4..=5).contains(&text.len()) {
            return Err(bad());
        }
        let from = parse_square(&text[0..2]).ok_or_else(bad)?;
        let to = parse_square(&text[2..4]).ok_or_else(bad)?;
        let promotion = match text[4..].chars().next() {
            None => None,
            Some(c) => match Kind::from_letter(c.to_ascii_lowercase()) {
                Some(kind @ (Kind::Knight | Kind::Bishop | Kind::Rook | Kind::Queen)) => Some(kind),
                _ => return Err(bad()),
            },
        };
        Ok(UciMove {
            from,
            to,
            promotion,
        })
    }
}

impl UciMove {
    /// The move's text in a stack buffer: `(bytes, length)`. Serialising a
    /// long game's history goes through here once per move, so it avoids
    /// the formatting machinery and any allocation.
    fn text(&self) -> ([u8; 5], usize) {
        let [a, b] = square_name(self.from);
        let [c, d] = square_name(self.to);
        match self.promotion {
            Some(kind) => ([a, b, c, d, kind.letter() as u8], 5),
            None => ([a, b, c, d, 0], 4),
        }
    }
}

impl fmt::Display for UciMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (bytes, len) = self.text();
        // Square names and piece letters are ASCII, so this never fails.
        f.write_str(std::str::from_utf8(&bytes[..len]).map_err(|_| fmt::Error)?)
    }
}

impl From<Move> for UciMove {
    fn from(mv: Move) -> UciMove {
        UciMove {
            from: mv.from(),
            to: mv.to(),
            promotion: mv.promotion(),
        }
    }
}

impl Serialize for UciMove {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (bytes, len) = self.text();
        match std::str::from_utf8(&bytes[..len]) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => Err(serde::ser::Error::custom("move is not ASCII")),
        }
    }
}

impl<'de> Deserialize<'de> for UciMove {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<UciMove, D::Error> {
        struct UciVisitor;

        impl Visitor<'_> for UciVisitor {
            type Value = UciMove;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a UCI move string such as \"e2e4\" or \"e7e8q\"")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<UciMove, E> {
                text.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(UciVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for text in ["e2e4", "e7e8q", "a7b8n", "h2h1r", "e1g1"] {
            let mv: Result<UciMove, _> = text.parse();
            assert_eq!(mv.map(|m| m.to_string()), Ok(text.to_string()));
        }
        assert_eq!(
            "e7e8Q".parse::<UciMove>().map(|m| m.to_string()),
            Ok("e7e8q".into())
        );
    }

    #[test]
    fn refuses_junk() {
        for text in [
            "", "e2", "e2e", "e2e4e5", "e2e9", "i2e4", "e7e8k", "e7e8p", "E2E4", "0000", "e2e4 ",
            "é2e4",
        ] {
            assert!(text.parse::<UciMove>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn json_is_a_plain_string() {
        let mv: UciMove = serde_json::from_str("\"e7e8q\"").unwrap_or(UciMove {
            from: 0,
            to: 0,
            promotion: None,
        });
        assert_eq!(
            serde_json::to_string(&mv).ok().as_deref(),
            Some("\"e7e8q\"")
        );
        for junk in ["null", "{}", "[]", "-1", "\"e2\""] {
            assert!(serde_json::from_str::<UciMove>(junk).is_err(), "{junk}");
        }
    }
}
