//! Passwords of lobby rooms and tournaments: argon2 hashes, never the text.

use crate::base::error::{ErrorCode, GameError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

/// An argon2 hash of a room's or tournament's password (at most 128 bytes),
/// computed off the async threads.
pub async fn hash_password(password: String) -> Result<String, GameError> {
    if password.len() > 128 {
        return Err(GameError::new(
            ErrorCode::Malformed,
            "a password is at most 128 bytes",
        ));
    }
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| {
                GameError::new(ErrorCode::Internal, format!("password hashing failed: {e}"))
            })
    })
    .await
    .map_err(|e| GameError::new(ErrorCode::Internal, e.to_string()))?
}

/// Whether `password` matches `hash`.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}
