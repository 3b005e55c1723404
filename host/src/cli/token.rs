//! `gamehost token`: mint a token for an operator or a test user.

use super::serve::ConfigArgs;
use crate::auth::{Role, TokenService, User};
use clap::Args;
use std::time::Duration;

/// Flags of `gamehost token`.
#[derive(Args, Debug)]
pub struct TokenArgs {
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// player, support or admin.
    #[arg(long, default_value = "player")]
    pub role: Role,
    /// User id (default: derived from the name).
    #[arg(long)]
    pub user_id: Option<String>,
    /// Hours the token is valid.
    #[arg(long, default_value_t = 24)]
    pub ttl_hours: u64,
    /// Config file, data folder, secret: the same as the server's.
    #[command(flatten)]
    pub common: ConfigArgs,
}

/// Prints a token signed with the host's secret.
pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    let config = args.common.load()?;
    let tokens = TokenService::new(&config.key_settings()?)?;
    let name = crate::auth::valid_name(&args.name).map_err(|rule| anyhow::anyhow!("{rule}"))?;
    let id = args.user_id.unwrap_or_else(|| {
        format!(
            "{}-{}",
            args.role.as_str(),
            name.to_lowercase().replace(' ', "-")
        )
    });
    let user = User {
        id,
        name,
        role: args.role,
    };
    println!(
        "{}",
        tokens.mint(&user, Duration::from_secs(args.ttl_hours * 3600))?
    );
    Ok(())
}
