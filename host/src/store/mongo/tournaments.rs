//! Tournaments in MongoDB: one document each, the record as JSON beside
//! the fields queries use.

use super::*;

#[async_trait::async_trait]
impl TournamentStore for MongoStore {
    async fn save_tournament(
        &self,
        tournament: &TournamentRecord,
        expected: Option<u64>,
    ) -> Result<(), StoreError> {
        let record = to_json(tournament)?;
        let fields = doc! {
            "version": tournament.version as i64,
            "finished": tournament.status == TournamentStatus::Finished,
            "createdAt": tournament.created_at as i64,
            "record": record,
        };
        self.call(async {
            let coll = self.coll("tournaments");
            match expected {
                None => {
                    let mut document = fields.clone();
                    document.insert("_id", tournament.id.as_str());
                    coll.insert_one(document).await.map_err(conflict_if_taken)?;
                    Ok(())
                }
                Some(v) => {
                    let result = coll
                        .update_one(
                            doc! {"_id": tournament.id.as_str(), "version": v as i64},
                            doc! {"$set": fields.clone()},
                        )
                        .await
                        .map_err(backend)?;
                    if result.matched_count == 0 {
                        return Err(StoreError::Conflict { expected: v });
                    }
                    Ok(())
                }
            }
        })
        .await
    }

    async fn tournament(&self, id: &str) -> Result<Option<TournamentRecord>, StoreError> {
        self.call(async {
            match self
                .coll("tournaments")
                .find_one(doc! {"_id": id})
                .await
                .map_err(backend)?
            {
                Some(d) => from_json(&d, "record").map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    async fn tournaments(
        &self,
        unfinished_only: bool,
        limit: u32,
    ) -> Result<Vec<TournamentRecord>, StoreError> {
        self.call(async {
            let filter = if unfinished_only {
                doc! {"finished": false}
            } else {
                doc! {}
            };
            let docs = all(self
                .coll("tournaments")
                .find(filter)
                .sort(doc! {"createdAt": -1})
                .limit(i64::from(limit)))
            .await?;
            docs.iter().map(|d| from_json(d, "record")).collect()
        })
        .await
    }
}
