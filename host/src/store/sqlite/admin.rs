//! The audit log, bans and announcements in SQLite.

use super::*;

#[async_trait::async_trait]
impl AdminStore for SqliteStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<u64, StoreError> {
        let entry = entry.clone();
        self.call(move |conn| {
            exec(
                conn,
                "INSERT INTO audit_log (record) VALUES (?1)",
                params![to_json(&entry)?],
            )
            .map_err(backend)?;
            Ok(conn.last_insert_rowid() as u64)
        })
        .await
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.call(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT id, record FROM audit_log ORDER BY id DESC LIMIT ?1")
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![limit], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })
                .map_err(backend)?;
            rows.map(|r| {
                let (id, text) = r.map_err(backend)?;
                let mut entry: AuditEntry = serde_json::from_str(&text).map_err(backend)?;
                entry.id = id as u64;
                Ok(entry)
            })
            .collect()
        })
        .await
    }

    async fn save_ban(&self, ban: &Ban) -> Result<(), StoreError> {
        let ban = ban.clone();
        self.call(move |conn| {
            exec(
                conn,
                "INSERT INTO bans (user_id, record) VALUES (?1, ?2)
                 ON CONFLICT(user_id) DO UPDATE SET record = excluded.record",
                params![ban.user_id, to_json(&ban)?],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn delete_ban(&self, user_id: &str) -> Result<bool, StoreError> {
        let user_id = user_id.to_string();
        self.call(move |conn| {
            exec(
                conn,
                "DELETE FROM bans WHERE user_id = ?1",
                params![user_id],
            )
            .map(|n| n > 0)
            .map_err(backend)
        })
        .await
    }

    async fn bans(&self) -> Result<Vec<Ban>, StoreError> {
        self.call(|conn| records(conn, "SELECT record FROM bans", []))
            .await
    }

    async fn save_announcement(&self, announcement: &Announcement) -> Result<(), StoreError> {
        let a = announcement.clone();
        self.call(move |conn| {
            exec(conn,
                "INSERT INTO announcements (id, pending, record) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET pending = excluded.pending, record = excluded.record",
                params![a.id, a.sent_at.is_none(), to_json(&a)?],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn pending_announcements(&self) -> Result<Vec<Announcement>, StoreError> {
        self.call(|conn| {
            records(
                conn,
                "SELECT record FROM announcements WHERE pending = 1",
                [],
            )
        })
        .await
    }
}
