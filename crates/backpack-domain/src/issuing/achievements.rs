//! Achievements: the EU micro-credential elements, images, the public
//! achievement document.

use super::*;

/// Achievements and their images.
pub struct Achievements {
    pub(super) core: Arc<Core>,
}

impl Achievements {
    /// An achievement of an issuer the user is a member of.
    pub async fn achievement(&self, user: &User, id: Uuid) -> Result<Achievement, DomainError> {
        self.core.achievement(user, id).await
    }

    /// Create (`id` absent) or change an achievement. Drafts are fine: an EU
    /// micro-credential missing mandatory elements is saved, and
    /// [`Issuing::missing`] says what it lacks.
    pub async fn save_achievement(
        &self,
        user: &User,
        issuer_id: IssuerId,
        id: Option<Uuid>,
        mut spec: AchievementSpec,
    ) -> Result<Achievement, DomainError> {
        let issuer = match id {
            Some(id) => {
                let a = self.core.achievement(user, id).await?;
                self.core.issuer(user, a.issuer_id).await?
            }
            None => self.core.issuer(user, issuer_id).await?,
        };
        check_spec(&spec)?;
        let now = self.core.clock.unix();
        let actor = Actor::of(user);
        match id {
            None => {
                let id = Uuid::new_v4();
                spec.id = self.core.achievement_url(id);
                let a = Achievement {
                    id,
                    issuer_id: issuer.id,
                    spec,
                    image_key: None,
                    image_type: None,
                    created_at: now,
                    updated_at: now,
                };
                let audit = self.core.audit(
                    issuer.id,
                    &actor,
                    "achievement.create",
                    a.spec.id.clone(),
                    a.spec.name.clone(),
                );
                if !self
                    .core
                    .store
                    .insert_achievement(user.id, &a, &audit)
                    .await?
                {
                    return Err(DomainError::NotFound);
                }
                Ok(a)
            }
            Some(id) => {
                let mut a = self.core.achievement(user, id).await?;
                spec.id = a.spec.id.clone();
                spec.image = a.spec.image.clone();
                a.spec = spec;
                a.updated_at = now;
                let audit = self.core.audit(
                    issuer.id,
                    &actor,
                    "achievement.update",
                    a.spec.id.clone(),
                    a.spec.name.clone(),
                );
                if !self
                    .core
                    .store
                    .update_achievement(user.id, &a, &audit)
                    .await?
                {
                    return Err(DomainError::NotFound);
                }
                Ok(a)
            }
        }
    }

    /// Set an achievement's image (PNG or SVG), served at
    /// `/achievements/<id>/image`.
    pub async fn set_achievement_image(
        &self,
        user: &User,
        id: Uuid,
        bytes: Bytes,
    ) -> Result<Achievement, DomainError> {
        let mut a = self.core.achievement(user, id).await?;
        let issuer_id = a.issuer_id;
        let media = image_type(&bytes)?;
        let key = format!("achievements/{}/image-{}", a.id, Uuid::new_v4());
        self.core
            .blobs
            .put(&key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        let old = a.image_key.replace(key);
        a.image_type = Some(media.to_owned());
        a.spec.image = Some(format!("{}/image", self.core.achievement_url(a.id)));
        a.updated_at = self.core.clock.unix();
        let audit = self.core.audit(
            issuer_id,
            &Actor::of(user),
            "achievement.update",
            a.spec.id.clone(),
            "image".into(),
        );
        if !self
            .core
            .store
            .update_achievement(user.id, &a, &audit)
            .await?
        {
            return Err(DomainError::NotFound);
        }
        if let Some(old) = old {
            let _ = self.core.blobs.delete(&old).await;
        }
        Ok(a)
    }

    /// Public: an achievement's image; the generated one when none was
    /// uploaded.
    pub async fn achievement_image(&self, id: Uuid) -> Result<(Bytes, String), DomainError> {
        let a = self
            .core
            .store
            .public_achievement(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        if let (Some(key), Some(media)) = (&a.image_key, &a.image_type) {
            if let Some(bytes) = self
                .core
                .blobs
                .get(key)
                .await
                .map_err(DomainError::Internal)?
            {
                return Ok((bytes, media.clone()));
            }
        }
        Ok((
            Bytes::from(generated_image(&a.spec.name)),
            "image/svg+xml".into(),
        ))
    }

    /// Public: the achievement as OB 3.0 JSON (what its `id` URL serves).
    pub async fn public_achievement(&self, id: Uuid) -> Result<(Achievement, Value), DomainError> {
        let a = self
            .core
            .store
            .public_achievement(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let issuer = self
            .core
            .store
            .find_issuer_public(a.issuer_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let doc = eu::credential(
            &issuer.profile,
            &a.spec,
            &Recipient::Did("did:example:recipient".into()),
            "urn:uuid:00000000-0000-0000-0000-000000000000",
            self.core.clock.now(),
            &[],
            None,
        );
        let achievement = doc
            .pointer("/credentialSubject/achievement")
            .cloned()
            .unwrap_or(Value::Null);
        Ok((a, achievement))
    }

    pub async fn achievements(
        &self,
        user: &User,
        issuer_id: IssuerId,
    ) -> Result<Vec<Achievement>, DomainError> {
        self.core.issuer(user, issuer_id).await?;
        Ok(self
            .core
            .store
            .list_achievements(user.id, issuer_id)
            .await?)
    }
}

impl Core {
    /// An achievement of an issuer the user is a member of.
    pub(crate) async fn achievement(
        &self,
        user: &User,
        id: Uuid,
    ) -> Result<Achievement, DomainError> {
        self.store
            .find_achievement(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }
}
