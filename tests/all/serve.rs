//! `gamehost serve`: a real process on a free port.

use gamehost_tests::Server;

#[test]
fn serves_health_and_the_loaded_games() {
    let server = Server::start(&[]);
    let (status, body) = server.get("/healthz");
    assert_eq!((status, body.as_str()), (200, "ok"));

    let (status, body) = server.get("/api/games");
    assert_eq!(status, 200);
    let games: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let mut ids: Vec<&str> = games
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["chess", "connect-four", "liars-dice", "tic-tac-toe"]);
    let chess = games
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "chess")
        .unwrap();
    assert_eq!(chess["minPlayers"], 2);
    assert_eq!(chess["hash"].as_str().unwrap().len(), 64);

    let (status, _) = server.get("/no/such/route");
    assert_eq!(status, 404);
}
