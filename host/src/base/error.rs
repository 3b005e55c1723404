//! The errors a client can get from any request, each with a stable code.

use serde::Serialize;

/// Stable, client-visible error codes (docs/protocol.md lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The payload has the wrong shape.
    Malformed,
    /// A field is over its size limit.
    PayloadTooLarge,
    /// No such event.
    UnknownEvent,
    /// Too many events.
    RateLimited,
    /// No loaded plugin has that id.
    UnknownGameType,
    /// The rules refused the setup.
    BadOptions,
    /// No such game.
    NotFound,
    /// Every seat is taken.
    GameFull,
    /// The game does not allow spectators.
    SpectatorsNotAllowed,
    /// The user has no seat in the game.
    NotInGame,
    /// Seats are still free.
    GameNotStarted,
    /// Not this seat's turn.
    NotYourTurn,
    /// The rules refused the move.
    IllegalMove,
    /// The game is over.
    GameFinished,
    /// A rematch needs a finished game.
    GameNotFinished,
    /// No draw offer to answer.
    NoDrawOffer,
    /// No rematch offer to answer.
    NoRevengeOffer,
    /// The user's own offer already stands.
    OfferPending,
    /// The user is not a member of the lobby room.
    NotInRoom,
    /// A per-user or per-lobby cap is reached.
    LimitReached,
    /// A lobby room's or tournament's password did not match.
    WrongPassword,
    /// The tournament has as many players as it takes.
    TournamentFull,
    /// The tournament has started: registration is closed.
    TournamentStarted,
    /// The tournament is over.
    TournamentFinished,
    /// The user is not registered in the tournament.
    NotInTournament,
    /// The game changed meanwhile (or, for a plugin, the version number
    /// is taken).
    Conflict,
    /// No valid token.
    Unauthorized,
    /// The token's role may not do this.
    Forbidden,
    /// A plugin component was refused at publish.
    PluginRejected,
    /// The rules failed.
    PluginFailure,
    /// The server failed.
    Internal,
}

impl ErrorCode {
    /// The code as sent to clients.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Malformed => "MALFORMED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::UnknownEvent => "UNKNOWN_EVENT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::UnknownGameType => "UNKNOWN_GAME_TYPE",
            ErrorCode::BadOptions => "BAD_OPTIONS",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::GameFull => "GAME_FULL",
            ErrorCode::SpectatorsNotAllowed => "SPECTATORS_NOT_ALLOWED",
            ErrorCode::NotInGame => "NOT_IN_GAME",
            ErrorCode::GameNotStarted => "GAME_NOT_STARTED",
            ErrorCode::NotYourTurn => "NOT_YOUR_TURN",
            ErrorCode::IllegalMove => "ILLEGAL_MOVE",
            ErrorCode::GameFinished => "GAME_FINISHED",
            ErrorCode::GameNotFinished => "GAME_NOT_FINISHED",
            ErrorCode::NoDrawOffer => "NO_DRAW_OFFER",
            ErrorCode::NoRevengeOffer => "NO_REVENGE_OFFER",
            ErrorCode::OfferPending => "OFFER_PENDING",
            ErrorCode::NotInRoom => "NOT_IN_ROOM",
            ErrorCode::LimitReached => "LIMIT_REACHED",
            ErrorCode::WrongPassword => "WRONG_PASSWORD",
            ErrorCode::TournamentFull => "TOURNAMENT_FULL",
            ErrorCode::TournamentStarted => "TOURNAMENT_STARTED",
            ErrorCode::TournamentFinished => "TOURNAMENT_FINISHED",
            ErrorCode::NotInTournament => "NOT_IN_TOURNAMENT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::PluginRejected => "PLUGIN_REJECTED",
            ErrorCode::PluginFailure => "PLUGIN_FAILURE",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// A refused request: a code and a message in words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct GameError {
    /// Stable code.
    pub code: ErrorCode,
    /// What went wrong, for a person.
    pub message: String,
}

impl GameError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        GameError {
            code,
            message: message.into(),
        }
    }
}

impl From<gamehost_sdk::Fault> for GameError {
    fn from(fault: gamehost_sdk::Fault) -> Self {
        tracing::warn!(kind = fault.kind.as_str(), message = %fault.message, "plugin failure");
        GameError::new(
            ErrorCode::PluginFailure,
            format!(
                "the game's rules failed ({}); nothing changed",
                fault.kind.as_str()
            ),
        )
    }
}
