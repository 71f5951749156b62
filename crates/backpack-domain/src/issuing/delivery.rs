//! Delivery of a credential to a learner's backpack (a job), which then
//! checks the stacking rules.

use super::*;

impl Core {
    /// The delivery job: put an issued credential in its account's backpack
    /// (once: a second run finds it there), then award the stacked
    /// achievements it completes. Nothing to do when the credential or the
    /// account is gone. A credential revoked meanwhile is delivered all the
    /// same (as it would have been at once): the backpack shows it revoked.
    pub(crate) async fn deliver_job(
        &self,
        credential_id: Uuid,
        user_id: UserId,
    ) -> Result<(), DomainError> {
        let Some(issued) = self.store.find_issued_by_id(credential_id).await? else {
            return Ok(());
        };
        let Some(account) = self.store.find_user(user_id).await? else {
            return Ok(());
        };
        self.deliver(&account, &issued).await?;
        self.award_stacks(&[(account.id, issued.achievement_id)])
            .await
    }

    /// Put a credential in the account's Portal certificates area.
    pub(crate) async fn deliver(
        &self,
        account: &User,
        issued: &IssuedCredential,
    ) -> Result<(), DomainError> {
        let ext = if issued.format == "jwt" {
            "jwt"
        } else {
            "json"
        };
        let filename = crate::files::clean_stem(&issued.achievement_name, "credential", ext);
        self.badges
            .receive_portal(account, &filename, Bytes::from(issued.credential.clone()))
            .await?;
        self.store.set_issued_user(issued.id, account.id).await?;
        Ok(())
    }
}
