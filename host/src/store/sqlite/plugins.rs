//! Plugin components, versions and choices in SQLite.

use super::*;

#[async_trait::async_trait]
impl PluginStore for SqliteStore {
    async fn save_component(
        &self,
        bytes: &[u8],
        version: &VersionRecord,
    ) -> Result<(), StoreError> {
        let (bytes, version) = (bytes.to_vec(), version.clone());
        self.call(move |conn| {
            exec(
                conn,
                "INSERT OR IGNORE INTO plugin_components (hash, bytes) VALUES (?1, ?2)",
                params![version.hash, bytes],
            )
            .map_err(backend)?;
            exec(
                conn,
                "INSERT OR IGNORE INTO plugin_versions (hash, game_id, record) VALUES (?1, ?2, ?3)",
                params![version.hash, version.game_id, to_json(&version)?],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn component(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let hash = hash.to_string();
        self.call(move |conn| {
            conn.query_row(
                "SELECT bytes FROM plugin_components WHERE hash = ?1",
                params![hash],
                |row| row.get(0),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn save_version(&self, version: &VersionRecord) -> Result<(), StoreError> {
        let version = version.clone();
        self.call(move |conn| {
            exec(
                conn,
                "UPDATE plugin_versions SET record = ?2 WHERE hash = ?1",
                params![version.hash, to_json(&version)?],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn versions(&self) -> Result<Vec<VersionRecord>, StoreError> {
        self.call(|conn| records(conn, "SELECT record FROM plugin_versions", []))
            .await
    }

    async fn save_choice(&self, choice: &GameChoice) -> Result<(), StoreError> {
        let choice = choice.clone();
        self.call(move |conn| {
            exec(
                conn,
                "INSERT INTO plugin_choices (game_id, record) VALUES (?1, ?2)
                 ON CONFLICT(game_id) DO UPDATE SET record = excluded.record",
                params![choice.game_id, to_json(&choice)?],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn choices(&self) -> Result<Vec<GameChoice>, StoreError> {
        self.call(|conn| records(conn, "SELECT record FROM plugin_choices", []))
            .await
    }

    async fn pins(&self) -> Result<HashMap<String, u64>, StoreError> {
        self.call(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT json_extract(record, '$.pluginHash'), COUNT(*) FROM games
                     WHERE status != 'finished' GROUP BY 1",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })
                .map_err(backend)?;
            rows.map(|r| r.map(|(hash, n)| (hash, n as u64)).map_err(backend))
                .collect()
        })
        .await
    }
}
