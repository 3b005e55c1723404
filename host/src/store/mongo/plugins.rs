//! Plugin components, versions and choices in MongoDB.

use super::*;

#[async_trait::async_trait]
impl PluginStore for MongoStore {
    async fn save_component(
        &self,
        bytes: &[u8],
        version: &VersionRecord,
    ) -> Result<(), StoreError> {
        self.call(async {
            let bucket = self.components();
            let stored = self
                .coll("plugins.files")
                .find_one(doc! {"filename": &version.hash})
                .await
                .map_err(backend)?;
            if stored.is_none() {
                let mut upload = bucket.open_upload_stream(&version.hash).await.map_err(backend)?;
                upload.write_all(bytes).await.map_err(backend)?;
                upload.close().await.map_err(backend)?;
            }
            self.coll("plugin_versions")
                .update_one(
                    doc! {"_id": &version.hash},
                    doc! {"$setOnInsert": {"gameId": &version.game_id, "record": to_json(version)?}},
                )
                .upsert(true)
                .await
                .map(|_| ())
                .map_err(backend)
        })
        .await
    }

    async fn component(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.call(async {
            let Some(file) = self
                .coll("plugins.files")
                .find_one(doc! {"filename": hash})
                .await
                .map_err(backend)?
            else {
                return Ok(None);
            };
            let id = file.get("_id").cloned().unwrap_or(Bson::Null);
            let bucket = self.components();
            let mut download = bucket.open_download_stream(id).await.map_err(backend)?;
            let mut bytes = Vec::new();
            download.read_to_end(&mut bytes).await.map_err(backend)?;
            Ok(Some(bytes))
        })
        .await
    }

    async fn save_version(&self, version: &VersionRecord) -> Result<(), StoreError> {
        self.call(async {
            self.coll("plugin_versions")
                .update_one(
                    doc! {"_id": &version.hash},
                    doc! {"$set": {"record": to_json(version)?}},
                )
                .await
                .map(|_| ())
                .map_err(backend)
        })
        .await
    }

    async fn versions(&self) -> Result<Vec<VersionRecord>, StoreError> {
        self.call(self.json_records("plugin_versions", doc! {}))
            .await
    }

    async fn save_choice(&self, choice: &GameChoice) -> Result<(), StoreError> {
        self.call(async {
            self.upsert_record("plugin_choices", &choice.game_id, to_json(choice)?, doc! {})
                .await
        })
        .await
    }

    async fn choices(&self) -> Result<Vec<GameChoice>, StoreError> {
        self.call(self.json_records("plugin_choices", doc! {}))
            .await
    }

    async fn pins(&self) -> Result<HashMap<String, u64>, StoreError> {
        self.call(async {
            let docs = all(self
                .games()
                .find(doc! {"status": {"$ne": Status::Finished.as_str()}})
                .projection(doc! {"pluginHash": 1}))
            .await?;
            let mut pins = HashMap::new();
            for d in docs {
                if let Ok(hash) = d.get_str("pluginHash") {
                    *pins.entry(hash.to_string()).or_insert(0) += 1;
                }
            }
            Ok(pins)
        })
        .await
    }
}
