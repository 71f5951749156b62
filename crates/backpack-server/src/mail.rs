//! The notifier: renders a notification in the recipient's language and
//! sends it over SMTP, or (by default, so a fresh install works offline)
//! writes it as an `.eml` file into the mail folder.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use backpack_domain::ports::{Notification, Notifier};
use backpack_web::i18n::I18n;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

enum Transport {
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    public_url: String,
    i18n: Arc<I18n>,
}

impl Mailer {
    pub fn folder(
        dir: PathBuf,
        from: &str,
        public_url: &str,
        i18n: Arc<I18n>,
    ) -> Result<Self, String> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the mail folder {}: {e}", dir.display()))?;
        Ok(Mailer {
            transport: Transport::Folder(AsyncFileTransport::new(&dir), dir),
            from: from.parse().map_err(|e| format!("mail.from: {e}"))?,
            public_url: public_url.trim_end_matches('/').to_owned(),
            i18n,
        })
    }

    pub fn smtp(url: &str, from: &str, public_url: &str, i18n: Arc<I18n>) -> Result<Self, String> {
        let t = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("mail.smtp_url: {e}"))?
            .build();
        Ok(Mailer {
            transport: Transport::Smtp(t),
            from: from.parse().map_err(|e| format!("mail.from: {e}"))?,
            public_url: public_url.trim_end_matches('/').to_owned(),
            i18n,
        })
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Folder(_, dir) => format!("mail folder {}", dir.display()),
            Transport::Smtp(_) => "SMTP".into(),
        }
    }

    fn render_issued(
        &self,
        to: &str,
        locale: backpack_domain::values::Locale,
        issuer: &str,
        achievement: &str,
        claim_token: Option<&str>,
    ) -> (String, String, String) {
        let (body, link) = match claim_token {
            Some(token) => (
                "mail-claim-body",
                format!("{}/claim?token={token}", self.public_url),
            ),
            None => (
                "mail-issued-body",
                format!("{}/backpack/portal", self.public_url),
            ),
        };
        let args = [
            ("issuer", issuer),
            ("achievement", achievement),
            ("link", link.as_str()),
        ];
        let text = self.i18n.t(locale, body, &args).replace(" — ", "\n\n");
        let subject = self.i18n.t(locale, "mail-issued-subject", &args);
        (to.to_owned(), subject, text)
    }

    /// Subject and text of a notification.
    pub fn render(&self, n: &Notification) -> (String, String, String) {
        let (to, locale, subject, body, link) = match n {
            Notification::ConfirmEmail { to, locale, token } => (
                to,
                *locale,
                "mail-confirm-subject",
                "mail-confirm-body",
                format!("{}/confirm-email?token={token}", self.public_url),
            ),
            Notification::PasswordReset { to, locale, token } => (
                to,
                *locale,
                "mail-reset-subject",
                "mail-reset-body",
                format!("{}/reset-password?token={token}", self.public_url),
            ),
            Notification::RegisterAttempt { to, locale } => (
                to,
                *locale,
                "mail-register-attempt-subject",
                "mail-register-attempt-body",
                format!("{}/forgot-password", self.public_url),
            ),
            Notification::CredentialIssued {
                to,
                locale,
                issuer,
                achievement,
                claim_token,
            } => {
                return self.render_issued(to, *locale, issuer, achievement, claim_token.as_deref())
            }
        };
        let text = self
            .i18n
            .t(locale, body, &[("link", &link)])
            .replace(" — ", "\n\n");
        (to.clone(), self.i18n.t(locale, subject, &[]), text)
    }
}

#[async_trait]
impl Notifier for Mailer {
    async fn notify(&self, n: Notification) -> Result<(), String> {
        let (to, subject, text) = self.render(&n);
        let to: Mailbox = to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .header(ContentTransferEncoding::Base64)
                    .body(text),
            )
            .map_err(|e| format!("cannot build the message: {e}"))?;
        match &self.transport {
            Transport::Folder(t, _) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("mail folder: {e}")),
            Transport::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}")),
        }
    }
}
