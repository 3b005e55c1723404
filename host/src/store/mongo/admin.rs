//! The audit log, bans and announcements in MongoDB.

use super::*;

#[async_trait::async_trait]
impl AdminStore for MongoStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<u64, StoreError> {
        self.call(async {
            // A counter document numbers the log, as SQLite's rowid does.
            let counter = self
                .coll("counters")
                .find_one_and_update(doc! {"_id": "audit"}, doc! {"$inc": {"seq": 1_i64}})
                .upsert(true)
                .return_document(ReturnDocument::After)
                .await
                .map_err(backend)?
                .ok_or_else(|| backend("the audit counter is missing"))?;
            let id = counter.get_i64("seq").map_err(backend)?;
            self.coll("audit_log")
                .insert_one(doc! {"_id": id, "record": to_json(entry)?})
                .await
                .map_err(backend)?;
            Ok(id as u64)
        })
        .await
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.call(async {
            let docs = all(self
                .coll("audit_log")
                .find(doc! {})
                .sort(doc! {"_id": -1})
                .limit(i64::from(limit)))
            .await?;
            docs.iter()
                .map(|d| {
                    let mut entry: AuditEntry = from_json(d, "record")?;
                    entry.id = d.get_i64("_id").map_err(backend)? as u64;
                    Ok(entry)
                })
                .collect()
        })
        .await
    }

    async fn save_ban(&self, ban: &Ban) -> Result<(), StoreError> {
        self.call(async {
            self.upsert_record("bans", &ban.user_id, to_json(ban)?, doc! {})
                .await
        })
        .await
    }

    async fn delete_ban(&self, user_id: &str) -> Result<bool, StoreError> {
        self.call(async {
            self.coll("bans")
                .delete_one(doc! {"_id": user_id})
                .await
                .map(|r| r.deleted_count > 0)
                .map_err(backend)
        })
        .await
    }

    async fn bans(&self) -> Result<Vec<Ban>, StoreError> {
        self.call(self.json_records("bans", doc! {})).await
    }

    async fn save_announcement(&self, announcement: &Announcement) -> Result<(), StoreError> {
        self.call(async {
            self.upsert_record(
                "announcements",
                &announcement.id,
                to_json(announcement)?,
                doc! {"pending": announcement.sent_at.is_none()},
            )
            .await
        })
        .await
    }

    async fn pending_announcements(&self) -> Result<Vec<Announcement>, StoreError> {
        self.call(self.json_records("announcements", doc! {"pending": true}))
            .await
    }
}
