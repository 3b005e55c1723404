//! Ratings in MongoDB: one document per player and game type, and the
//! games already counted (claimed first, by their id, so a game counts
//! once whichever node finishes it).

use super::*;

#[async_trait::async_trait]
impl RatingStore for MongoStore {
    async fn ratings(
        &self,
        game_type: &str,
        user_ids: &[String],
    ) -> Result<Vec<RatingRecord>, StoreError> {
        self.call(async {
            let docs = all(self
                .coll("ratings")
                .find(doc! {"gameType": game_type, "userId": {"$in": user_ids.to_vec()}}))
            .await?;
            docs.iter().map(|d| from_json(d, "record")).collect()
        })
        .await
    }

    async fn apply_rated_game(
        &self,
        game_id: &str,
        ratings: &[RatingRecord],
    ) -> Result<bool, StoreError> {
        self.call(async {
            let claimed = self
                .coll("rated_games")
                .insert_one(doc! {"_id": game_id})
                .await;
            if let Err(e) = claimed {
                return if is_duplicate(&e) {
                    Ok(false)
                } else {
                    Err(backend(e))
                };
            }
            for r in ratings {
                self.coll("ratings")
                    .update_one(
                        doc! {"_id": format!("{}/{}", r.game_type, r.user_id)},
                        doc! {"$set": {
                            "gameType": r.game_type.as_str(),
                            "userId": r.user_id.as_str(),
                            "rating": r.rating,
                            "record": to_json(r)?,
                        }},
                    )
                    .upsert(true)
                    .await
                    .map_err(backend)?;
            }
            Ok(true)
        })
        .await
    }

    async fn leaderboard(
        &self,
        game_type: &str,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<RatingRecord>, u64), StoreError> {
        self.call(async {
            let docs = all(self
                .coll("ratings")
                .find(doc! {"gameType": game_type})
                .sort(doc! {"rating": -1, "userId": 1})
                .skip(u64::from(offset))
                .limit(i64::from(limit)))
            .await?;
            let total = self
                .coll("ratings")
                .count_documents(doc! {"gameType": game_type})
                .await
                .map_err(backend)?;
            let page = docs
                .iter()
                .map(|d| from_json(d, "record"))
                .collect::<Result<_, _>>()?;
            Ok((page, total))
        })
        .await
    }
}
