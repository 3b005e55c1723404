//! `info` and `start` on their own: metadata, declarations, player counts.

use super::{CheckOptions, check_transition, fault, player_counts, setup};
use crate::rules::Rules;
use crate::types::{GameInfo, Secrets};

pub(super) fn check_metadata(rules: &mut dyn Rules) -> Result<(GameInfo, String), String> {
    let info = rules.info().map_err(|f| fault("info", &f))?;
    let again = rules.info().map_err(|f| fault("info", &f))?;
    if info != again {
        return Err("info returned different values on two calls".into());
    }
    let id_ok = !info.id.is_empty()
        && info.id.len() <= 64
        && info
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(format!(
            "id {:?} must be 1-64 characters of lowercase letters, digits and '-'",
            info.id
        ));
    }
    if info.name.trim().is_empty() {
        return Err("name is empty".into());
    }
    if !is_semver(&info.version) {
        return Err(format!(
            "version {:?} is not a semantic version (MAJOR.MINOR.PATCH)",
            info.version
        ));
    }
    if info.min_players == 0 || info.max_players < info.min_players || info.max_players > 64 {
        return Err(format!(
            "player counts {}..={} must satisfy 1 <= min <= max <= 64",
            info.min_players, info.max_players
        ));
    }
    if let Some(schema) = &info.options_schema
        && serde_json::from_str::<serde_json::Value>(schema).is_err()
    {
        return Err("options-schema is not valid JSON".into());
    }
    if let Some(bad) = info
        .example_moves
        .iter()
        .find(|mv| serde_json::from_str::<serde_json::Value>(mv).is_err())
    {
        return Err(format!("example move {bad:?} is not JSON"));
    }
    if let Some(secrets) = info.secrets() {
        check_secrets(secrets)?;
    }
    let message = format!(
        "{} {} ({}), {}-{} players, {} information",
        info.id,
        info.version,
        info.name,
        info.min_players,
        info.max_players,
        super::information(&info)
    );
    Ok((info, message))
}

/// Declared pointers must be JSON Pointers; a seat's secret must say which
/// segment names the seat, or the suite (and the SDK's default view) could
/// not tell whose it is.
fn check_secrets(secrets: &Secrets) -> Result<(), String> {
    if secrets.seat_private.is_empty() && secrets.hidden.is_empty() {
        return Err(
            "information is hidden, but no pointer says where: declare seat-private or hidden pointers".into(),
        );
    }
    for pointer in secrets.seat_private.iter().chain(&secrets.hidden) {
        if !pointer.starts_with('/') {
            return Err(format!(
                "secret pointer {pointer:?} is not a JSON Pointer (it must start with '/')"
            ));
        }
    }
    if let Some(bad) = secrets
        .seat_private
        .iter()
        .find(|p| !p.split('/').any(|segment| segment == "{seat}"))
    {
        return Err(format!(
            "seat-private pointer {bad:?} has no {{seat}} segment naming the owner"
        ));
    }
    Ok(())
}

/// `MAJOR.MINOR.PATCH` with an optional `-pre` or `+build` suffix.
fn is_semver(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

pub(super) fn check_setup(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let counts = player_counts(info);
    for &players in &counts {
        let t = rules
            .start(&setup(players, options.seed))
            .map_err(|f| fault("start", &f))?
            .map_err(|why| format!("start refused {players} players with options {{}}: {why}"))?;
        check_transition(&t, players, "start")?;
        if t.phase.is_finished() {
            return Err(format!(
                "start with {players} players returned a game that is already finished"
            ));
        }
    }
    for players in [0, info.max_players + 1] {
        let started = rules
            .start(&setup(players, options.seed))
            .map_err(|f| fault("start", &f))?;
        if started.is_ok() {
            return Err(format!(
                "start accepted {players} players, outside {}..={}",
                info.min_players, info.max_players
            ));
        }
    }
    Ok(format!(
        "starts with {counts:?} players; refuses 0 and {}",
        info.max_players + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::is_semver;

    #[test]
    fn semver_forms() {
        for good in ["0.1.0", "1.20.3", "2.0.0-beta.1", "1.0.0+build5"] {
            assert!(is_semver(good), "{good}");
        }
        for bad in ["1.0", "01.0.0", "1.x.0", "", "v1.0.0"] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
