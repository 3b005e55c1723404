//! Who is connecting: JWT verification, guest and operator tokens, roles.
//!
//! Tokens are HS256 with the host's secret, or RS256 / EdDSA signed by a
//! platform whose public key the host is given. The host mints HS256 tokens
//! for guests (`POST /api/auth/guest`) and operators (`gamehost token`).

pub mod password;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// What a user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Plays and watches games.
    #[default]
    Player,
    /// Helps players: may watch any game.
    Support,
    /// Runs the host.
    Admin,
}

impl Role {
    /// The role's name, as in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Player => "player",
            Role::Support => "support",
            Role::Admin => "admin",
        }
    }

    /// The features a client of this role may use, for `connection:confirmed`.
    pub fn features(self) -> Vec<&'static str> {
        let mut features = vec!["play", "spectate", "lobby", "rematch"];
        if matches!(self, Role::Support | Role::Admin) {
            features.push("inspect");
        }
        if self == Role::Admin {
            features.push("admin");
        }
        features
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "player" => Ok(Role::Player),
            "support" => Ok(Role::Support),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role {other:?} (player, support or admin)")),
        }
    }
}

/// An authenticated user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Stable id (the token's `sub`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// The claims of a Gamehost token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Role,
    exp: u64,
}

/// Why a token was refused. The message is what the client reads in
/// `connect_error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token in the handshake or the headers.
    #[error("authentication failed: no token")]
    Missing,
    /// The token has expired.
    #[error("authentication failed: token expired")]
    Expired,
    /// The token's `nbf` (not before) is still to come.
    #[error("authentication failed: token not valid yet")]
    NotYetValid,
    /// Bad signature, bad shape, unknown algorithm.
    #[error("authentication failed: invalid token: {0}")]
    Invalid(String),
    /// The handshake's `auth` object is larger than a token needs.
    #[error("authentication failed: the auth object is over {max} bytes")]
    Oversized {
        /// The limit.
        max: usize,
    },
    /// The user is banned.
    #[error("authentication failed: banned")]
    Banned,
    /// The token is good but the role may not use this.
    #[error("forbidden: admins only")]
    Forbidden,
}

/// Verifies and mints tokens.
#[derive(Clone)]
pub struct TokenService {
    secret: EncodingKey,
    verifiers: Vec<(DecodingKey, Validation)>,
}

impl fmt::Debug for TokenService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenService({} verifiers)", self.verifiers.len())
    }
}

/// Where the keys come from.
#[derive(Clone, Debug, Default)]
pub struct KeySettings {
    /// The HS256 shared secret.
    pub secret: Vec<u8>,
    /// PEM files of RS256 public keys of platforms that issue tokens.
    pub rsa_public_keys: Vec<std::path::PathBuf>,
    /// PEM files of Ed25519 public keys of platforms that issue tokens.
    pub ed25519_public_keys: Vec<std::path::PathBuf>,
    /// How far `exp` and `nbf` may be off, in seconds (clock skew between
    /// the issuer and the host).
    pub leeway_secs: u64,
}

/// The default [`KeySettings::leeway_secs`].
pub const DEFAULT_LEEWAY_SECS: u64 = 5;

/// Every key checks `exp` (required) and `nbf` (when present), with the
/// configured leeway.
fn validation(algorithm: Algorithm, leeway_secs: u64) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.validate_nbf = true;
    validation.leeway = leeway_secs;
    validation
}

impl TokenService {
    /// Builds the service from its keys.
    pub fn new(keys: &KeySettings) -> anyhow::Result<Self> {
        anyhow::ensure!(
            keys.secret.len() >= 32,
            "the token secret must be at least 32 bytes"
        );
        let mut verifiers = vec![(
            DecodingKey::from_secret(&keys.secret),
            validation(Algorithm::HS256, keys.leeway_secs),
        )];
        for path in &keys.rsa_public_keys {
            let pem = read(path)?;
            let key = DecodingKey::from_rsa_pem(&pem)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            verifiers.push((key, validation(Algorithm::RS256, keys.leeway_secs)));
        }
        for path in &keys.ed25519_public_keys {
            let pem = read(path)?;
            let key = DecodingKey::from_ed_pem(&pem)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            verifiers.push((key, validation(Algorithm::EdDSA, keys.leeway_secs)));
        }
        Ok(TokenService {
            secret: EncodingKey::from_secret(&keys.secret),
            verifiers,
        })
    }

    /// Checks a token and returns its user.
    pub fn verify(&self, token: &str) -> Result<User, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let mut last = AuthError::Invalid(format!("no key for algorithm {:?}", header.alg));
        for (key, validation) in self
            .verifiers
            .iter()
            .filter(|(_, v)| v.algorithms.contains(&header.alg))
        {
            match jsonwebtoken::decode::<Claims>(token, key, validation) {
                Ok(data) => return user_of(data.claims),
                Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                    return Err(AuthError::Expired);
                }
                Err(e)
                    if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ImmatureSignature) =>
                {
                    return Err(AuthError::NotYetValid);
                }
                Err(e) => last = AuthError::Invalid(e.to_string()),
            }
        }
        Err(last)
    }

    /// Mints an HS256 token for `user`, valid for `ttl`.
    pub fn mint(&self, user: &User, ttl: std::time::Duration) -> anyhow::Result<String> {
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs()
            + ttl.as_secs();
        let claims = Claims {
            sub: user.id.clone(),
            name: Some(user.name.clone()),
            role: user.role,
            exp,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.secret,
        )?)
    }
}

fn user_of(claims: Claims) -> Result<User, AuthError> {
    if claims.sub.is_empty() || claims.sub.len() > 128 {
        return Err(AuthError::Invalid("sub must be 1-128 characters".into()));
    }
    // A name the host would not give a guest is replaced by the id.
    let name = match claims.name.as_deref().map(valid_name) {
        Some(Ok(name)) => name,
        _ => claims.sub.chars().take(MAX_NAME_CHARS).collect(),
    };
    Ok(User {
        id: claims.sub,
        name,
        role: claims.role,
    })
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("reading key {}: {e}", path.display()))
}

/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// A display name as the host keeps it: NFC-normalised and trimmed, 1-32
/// characters of which at least one is a letter or a digit, and none a
/// control, format (bidirectional overrides, zero-width characters) or
/// line or paragraph separator: a name others see must look like what it
/// is. The error says which rule failed.
pub fn valid_name(name: &str) -> Result<String, &'static str> {
    use unicode_normalization::UnicodeNormalization as _;
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};
    // Room for 32 characters of 4 bytes and generous whitespace around
    // them: nothing larger is worth normalising.
    if name.len() > 4 * MAX_NAME_CHARS * 4 {
        return Err("a name is at most 32 characters");
    }
    let name: String = name.nfc().collect();
    let name = name.trim();
    if name.is_empty() {
        return Err("a name needs at least one character");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err("a name is at most 32 characters");
    }
    let hidden = name.chars().any(|c| {
        matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::Unassigned
                | GeneralCategory::PrivateUse
                | GeneralCategory::Surrogate
        )
    });
    if hidden {
        return Err(
            "a name may not contain control, formatting (direction overrides, zero-width) or line-separator characters",
        );
    }
    if !name.chars().any(char::is_alphanumeric) {
        return Err("a name needs at least one letter or digit");
    }
    Ok(name.to_string())
}

/// Loads the HS256 secret from `path`, creating a random one on first use,
/// so tokens survive restarts and `gamehost token` can mint for the same host.
pub fn load_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let secret = existing.trim().as_bytes().to_vec();
        anyhow::ensure!(
            secret.len() >= 32,
            "{} holds a secret shorter than 32 bytes",
            path.display()
        );
        return Ok(secret);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    std::fs::write(path, &secret)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service() -> TokenService {
        TokenService::new(&KeySettings {
            secret: b"0123456789abcdef0123456789abcdef".to_vec(),
            ..KeySettings::default()
        })
        .unwrap()
    }

    #[test]
    fn minted_tokens_verify_and_forged_ones_do_not() {
        let svc = service();
        let user = User {
            id: "u1".into(),
            name: "Ada".into(),
            role: Role::Admin,
        };
        let token = svc.mint(&user, std::time::Duration::from_secs(60)).unwrap();
        assert_eq!(svc.verify(&token).unwrap(), user);

        let other = TokenService::new(&KeySettings {
            secret: b"another secret, also 32 bytes long".to_vec(),
            ..KeySettings::default()
        })
        .unwrap();
        let forged = other
            .mint(&user, std::time::Duration::from_secs(60))
            .unwrap();
        assert!(matches!(svc.verify(&forged), Err(AuthError::Invalid(_))));
        assert_eq!(svc.verify(""), Err(AuthError::Missing));
        assert!(matches!(
            svc.verify("not.a.token"),
            Err(AuthError::Invalid(_))
        ));
    }

    #[test]
    fn platform_tokens_signed_with_rs256_or_eddsa_verify_with_their_public_keys() {
        let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keys/");
        let svc = TokenService::new(&KeySettings {
            secret: b"0123456789abcdef0123456789abcdef".to_vec(),
            rsa_public_keys: vec![format!("{keys}rsa-public.pem").into()],
            ed25519_public_keys: vec![format!("{keys}ed25519-public.pem").into()],
            ..KeySettings::default()
        })
        .unwrap();
        let claims = Claims {
            sub: "platform-user-7".into(),
            name: Some("Grace".into()),
            role: Role::Support,
            exp: 4_000_000_000,
        };
        let rsa =
            EncodingKey::from_rsa_pem(include_bytes!("../../tests/fixtures/keys/rsa-private.pem"))
                .unwrap();
        let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &rsa).unwrap();
        let user = svc.verify(&token).unwrap();
        assert_eq!(
            (user.id.as_str(), user.role),
            ("platform-user-7", Role::Support)
        );

        let ed = EncodingKey::from_ed_pem(include_bytes!(
            "../../tests/fixtures/keys/ed25519-private.pem"
        ))
        .unwrap();
        let token = jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &ed).unwrap();
        assert_eq!(svc.verify(&token).unwrap().name, "Grace");

        // An HS256 token claiming to be from the platform, signed with the
        // public key as a secret (the classic key-confusion forgery), fails.
        let public = std::fs::read(format!("{keys}rsa-public.pem")).unwrap();
        let forged = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&public),
        )
        .unwrap();
        assert!(matches!(svc.verify(&forged), Err(AuthError::Invalid(_))));
    }

    #[test]
    fn expired_tokens_are_refused_as_expired() {
        let svc = service();
        let claims = Claims {
            sub: "u1".into(),
            name: None,
            role: Role::Player,
            exp: 1_000,
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &svc.secret).unwrap();
        assert_eq!(svc.verify(&token), Err(AuthError::Expired));
    }

    fn signed(claims: serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap()
    }

    #[test]
    fn a_token_is_refused_before_its_nbf_give_or_take_the_leeway() {
        let svc = TokenService::new(&KeySettings {
            secret: b"0123456789abcdef0123456789abcdef".to_vec(),
            leeway_secs: 5,
            ..KeySettings::default()
        })
        .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let later =
            signed(json!({"sub": "u", "role": "player", "exp": now + 7200, "nbf": now + 3600}));
        assert_eq!(svc.verify(&later), Err(AuthError::NotYetValid));
        let skewed =
            signed(json!({"sub": "u", "role": "player", "exp": now + 7200, "nbf": now + 2}));
        assert!(svc.verify(&skewed).is_ok(), "within the leeway");
        let just_expired = signed(json!({"sub": "u", "role": "player", "exp": now - 2}));
        assert!(svc.verify(&just_expired).is_ok(), "within the leeway");
        let expired = signed(json!({"sub": "u", "role": "player", "exp": now - 30}));
        assert_eq!(svc.verify(&expired), Err(AuthError::Expired));
    }

    #[test]
    fn names_are_normalised_and_must_look_like_what_they_are() {
        assert_eq!(valid_name("  Ada  ").unwrap(), "Ada");
        // NFC: "e" + combining acute becomes one character.
        assert_eq!(valid_name("Rene\u{301}").unwrap(), "Ren\u{e9}");
        assert_eq!(valid_name("Zoë 2").unwrap(), "Zoë 2");
        assert_eq!(valid_name("李小龍").unwrap(), "李小龍");
        assert_eq!(valid_name(&"x".repeat(32)).unwrap().len(), 32);
        for bad in [
            "",
            "   ",
            "\u{200b}\u{200b}",
            "\u{202e}Victim",
            "Ada\u{2028}Admin",
            "Ada\u{2029}Bob",
            "tab\there",
            "\u{feff}Bob",
            "...",
            "--",
        ] {
            assert!(valid_name(bad).is_err(), "{bad:?} is refused");
        }
        assert!(valid_name(&"x".repeat(33)).is_err());
        assert!(valid_name(&" ".repeat(100_000)).is_err());
    }

    #[test]
    fn a_platform_name_the_host_would_refuse_is_replaced_by_the_id() {
        let svc = service();
        let token = signed(
            json!({"sub": "u-9", "name": "\u{202e}Admin", "role": "player", "exp": 4_000_000_000u64}),
        );
        assert_eq!(svc.verify(&token).unwrap().name, "u-9");
    }
}
