//! The tournament events: thin handlers over the tournament service.

use super::NodeAdapter;
use super::Realtime;
use super::events::on;
use crate::auth::User;
use crate::tournament::CreateTournament;
use serde::Deserialize;
use socketioxide::extract::SocketRef;
use std::sync::Arc;

/// `{tournamentId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TournamentRef {
    tournament_id: String,
}

/// `{tournamentId, password?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TournamentJoin {
    tournament_id: String,
    #[serde(default)]
    password: Option<String>,
}

/// Registers the tournament events on a socket.
pub(super) fn register<A: NodeAdapter>(realtime: &Arc<Realtime<A>>, socket: &SocketRef<A>) {
    on(
        realtime,
        socket,
        "tournament:create",
        |rt: Arc<Realtime<A>>, user: User, req: CreateTournament| async move {
            rt.tournaments.create(&user, req).await
        },
    );
    on(
        realtime,
        socket,
        "tournament:join",
        |rt: Arc<Realtime<A>>, user: User, req: TournamentJoin| async move {
            rt.tournaments
                .join(&user, &req.tournament_id, req.password.as_deref())
                .await
        },
    );
    on(
        realtime,
        socket,
        "tournament:leave",
        |rt: Arc<Realtime<A>>, user: User, req: TournamentRef| async move {
            rt.tournaments.leave(&user, &req.tournament_id).await
        },
    );
    on(
        realtime,
        socket,
        "tournament:spectate",
        |rt: Arc<Realtime<A>>, _: User, req: TournamentRef| async move {
            rt.tournaments.spectate(&req.tournament_id).await
        },
    );
    on(
        realtime,
        socket,
        "tournament:stop-spectating",
        |rt: Arc<Realtime<A>>, _: User, req: TournamentRef| async move {
            rt.tournaments.stop_spectating(&req.tournament_id).await
        },
    );
    on(
        realtime,
        socket,
        "tournament:start",
        |rt: Arc<Realtime<A>>, user: User, req: TournamentRef| async move {
            rt.tournaments.start_now(&user, &req.tournament_id).await
        },
    );
}
